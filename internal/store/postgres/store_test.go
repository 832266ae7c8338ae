package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
	"github.com/sactl/sactl/internal/store/pgtest"
)

// handEdit runs statements on the database behind the store's back, as an
// operator with psql can.
func handEdit(t *testing.T, url string, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func addBusiness(t *testing.T, st store.Store, id string) {
	t.Helper()
	err := st.Write(context.Background(), false, func(tx store.Tx) error {
		return tx.InsertBusiness(domain.Business{ID: id, Name: id, Domain: id + ".example", CreatedAt: t0})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func wantStatus(t *testing.T, got store.MigrationStatus, version int, pending int) {
	t.Helper()
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != version || got.Latest != len(ms) || len(got.Pending) != pending {
		t.Fatalf("migration status %+v; want version %d of %d, %d pending", got, version, len(ms), pending)
	}
}

// Migrations from an empty database: Status reads it without creating
// anything, Open migrates it to the latest version, recording each, and
// opening it again changes nothing.
func TestMigrationsFromEmpty(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	st0, err := Status(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, st0, 0, 9)
	if st0.Pending[0] != "0001_init.sql" || st0.Pending[7] != "0008_changes.sql" {
		t.Errorf("pending %v", st0.Pending)
	}
	var tables int
	countTables := func() int {
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`).Scan(&tables); err != nil {
			t.Fatal(err)
		}
		return tables
	}
	if n := countTables(); n != 0 {
		t.Fatalf("Status created %d tables", n)
	}

	st, err := Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	m, err := st.Migrations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, m, 9, 0)
	if m, err := Status(ctx, url); err != nil {
		t.Fatal(err)
	} else {
		wantStatus(t, m, 9, 0)
	}
	applied := func() string {
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		rows, err := conn.Query(ctx, `SELECT version, name, applied_at FROM schema_migrations ORDER BY version`)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for rows.Next() {
			var v int
			var name string
			var at time.Time
			if err := rows.Scan(&v, &name, &at); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, fmt.Sprintf("%d %s %s", v, name, at))
		}
		return strings.Join(lines, "\n")
	}
	first := applied()
	if strings.Count(first, "\n") != 8 || !strings.HasPrefix(first, "1 0001_init.sql ") {
		t.Fatalf("schema_migrations:\n%s", first)
	}
	if res, err := st.Check(ctx); err != nil || len(res.Integrity)+len(res.ForeignKeys) > 0 {
		t.Fatalf("Check of a new database: %+v, %v", res, err)
	}
	st.Close()

	again, err := Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	again.Close()
	if now := applied(); now != first {
		t.Errorf("reopening changed schema_migrations:\n%s\nwas:\n%s", now, first)
	}
}

// R-DB-4: replicas starting together on a new database all open it; the
// migration lock lets one migrate and the others find it done.
func TestConcurrentOpens(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	const n = 4
	var wg sync.WaitGroup
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			st, err := Open(ctx, url)
			if err == nil {
				st.Close()
			}
			errs[i] = err
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("open %d: %v", i, err)
		}
	}
	m, err := Status(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, m, 9, 0)
}

// A database migrated by a newer sactl is refused, naming both versions
// (and never its password).
func TestNewerSchemaRefused(t *testing.T) {
	ctx := context.Background()
	st, url := openTest(t)
	st.Close()
	handEdit(t, url, `INSERT INTO schema_migrations (version, name) VALUES (10, '0010_future.sql')`)
	_, err := Open(ctx, url)
	loc, _ := redact(url)
	want := "open database " + loc + ": database " + loc + " has schema version 10, newer than this sactl (9): upgrade sactl"
	if err == nil || err.Error() != want {
		t.Fatalf("open: %v\nwant: %s", err, want)
	}
	if strings.Contains(err.Error(), pgtest.Password(t)) {
		t.Fatal("the error holds the password")
	}
	m, err := Status(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	if m.Version != 10 || m.Latest != 9 || len(m.Pending) != 0 {
		t.Fatalf("status %+v", m)
	}
}

func TestBackend(t *testing.T) {
	st, _ := openTest(t)
	if st.Backend() != "postgres" {
		t.Fatalf("backend %q", st.Backend())
	}
	if _, ok := store.Store(st).(store.Backuper); ok {
		t.Fatal("a PostgreSQL store is backed up with pg_dump, not store.Backuper")
	}
}

// R-DB-2: a dry run rolls everything back, a failing fn too.
func TestWriteDryRunAndFailure(t *testing.T) {
	ctx := context.Background()
	st, _ := openTest(t)
	err := st.Write(ctx, true, func(tx store.Tx) error {
		return tx.InsertBusiness(domain.Business{ID: "biz_dry", Name: "dry", CreatedAt: t0})
	})
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err = st.Write(ctx, false, func(tx store.Tx) error {
		if err := tx.InsertBusiness(domain.Business{ID: "biz_x", Name: "x", CreatedAt: t0}); err != nil {
			return err
		}
		return boom
	})
	if err != boom {
		t.Fatalf("write: %v, want fn's error itself", err)
	}
	st.Read(ctx, func(tx store.Tx) error {
		bs, _, err := tx.ListBusinesses(store.Page{})
		if err != nil || len(bs) != 0 {
			t.Fatalf("businesses after a dry run and a failed write: %v, %v", bs, err)
		}
		return nil
	})
}

// Read is one snapshot (REPEATABLE READ) and read-only.
func TestReadIsOneSnapshot(t *testing.T) {
	ctx := context.Background()
	st, _ := openTest(t)
	addBusiness(t, st, "biz_1")
	err := st.Read(ctx, func(tx store.Tx) error {
		before, _, err := tx.ListBusinesses(store.Page{})
		if err != nil {
			return err
		}
		addBusiness(t, st, "biz_2") // committed meanwhile
		after, _, err := tx.ListBusinesses(store.Page{})
		if err != nil {
			return err
		}
		if len(before) != 1 || len(after) != 1 {
			t.Errorf("a read transaction saw %d, then %d businesses", len(before), len(after))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = st.Read(ctx, func(tx store.Tx) error { return tx.PutSetting("biz_1", "k", "v") })
	if err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("a write in a read transaction: %v", err)
	}
}

// A broken uniqueness constraint wraps store.ErrUniqueViolation.
func TestUniqueViolation(t *testing.T) {
	ctx := context.Background()
	st, _ := openTest(t)
	addBusiness(t, st, "biz_1")
	sa := func(id, name, api string) domain.Account {
		return domain.Account{ID: id, AccountType: domain.TypeIntegration, Name: name, APIName: api, Email: id + "@x",
			CreatedAt: t0, UpdatedAt: t0, CreatedBy: "system"}
	}
	cases := map[string]func(tx store.Tx) error{
		"business name": func(tx store.Tx) error {
			return tx.InsertBusiness(domain.Business{ID: "biz_2", Name: "biz_1", CreatedAt: t0})
		},
		"business id": func(tx store.Tx) error {
			return tx.InsertBusiness(domain.Business{ID: "biz_1", Name: "other", CreatedAt: t0})
		},
		"live name, another case": func(tx store.Tx) error {
			if err := tx.InsertPrincipal("biz_1", sa("sa_1", "Bot", "bot")); err != nil {
				return err
			}
			return tx.InsertPrincipal("biz_1", sa("sa_2", "BOT ", "bot2"))
		},
		"api name": func(tx store.Tx) error {
			if err := tx.InsertPrincipal("biz_1", sa("sa_1", "Bot", "bot")); err != nil {
				return err
			}
			return tx.InsertPrincipal("biz_1", sa("sa_2", "Other", "bot"))
		},
		"group name": func(tx store.Tx) error {
			g := domain.Group{ID: "grp_1", Name: "Ops", CreatedAt: t0, UpdatedAt: t0}
			if err := tx.InsertGroup("biz_1", g); err != nil {
				return err
			}
			g.ID, g.Name = "grp_2", "ops"
			return tx.InsertGroup("biz_1", g)
		},
		"key hash": func(tx store.Tx) error {
			if err := tx.InsertPrincipal("biz_1", sa("sa_1", "Bot", "bot")); err != nil {
				return err
			}
			k := domain.Key{ID: "key_1", Hint: "h", CreatedAt: t0, CreatedBy: "system"}
			if err := tx.InsertKey("biz_1", "sa_1", k, [32]byte{1}, nil); err != nil {
				return err
			}
			k.ID = "key_2"
			return tx.InsertKey("biz_1", "sa_1", k, [32]byte{1}, nil)
		},
	}
	for name, fn := range cases {
		err := st.Write(ctx, false, fn)
		if !store.IsUniqueViolation(err) {
			t.Errorf("%s: %v is not a unique violation", name, err)
		} else if !strings.HasPrefix(err.Error(), "unique constraint violated: ") {
			t.Errorf("%s: %q", name, err)
		}
	}
	// An archived account's name is free again (the partial index).
	err := st.Write(ctx, false, func(tx store.Tx) error {
		a := sa("sa_1", "Bot", "bot")
		a.ArchivedAt = &t0
		if err := tx.InsertPrincipal("biz_1", a); err != nil {
			return err
		}
		return tx.InsertPrincipal("biz_1", sa("sa_2", "bot", "bot2"))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The audit log is append-only (R-AUD-1), even to psql; and an event
// written behind sactl's back past the head is reported as such, not as
// a unique violation the service would take for a race.
func TestAuditAppendOnly(t *testing.T) {
	ctx := context.Background()
	st, url := openTest(t)
	addBusiness(t, st, "biz_1")
	ev := func(id string) *domain.AuditEvent {
		return &domain.AuditEvent{ID: id, Time: t0, Business: "biz_1", Action: "group.created",
			Actor: domain.ActorRef{ID: "system", Name: "sactl", Type: "system"}}
	}
	if err := st.Write(ctx, false, func(tx store.Tx) error { return tx.AppendAudit("biz_1", ev("evt_1")) }); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, stmt := range []string{`UPDATE audit_events SET action = 'x'`, `DELETE FROM audit_events`, `TRUNCATE audit_events`} {
		if _, err := conn.Exec(ctx, stmt); err == nil || !strings.Contains(err.Error(), "audit events are append-only") {
			t.Errorf("%s: %v", stmt, err)
		}
	}
	if _, err := conn.Exec(ctx, `INSERT INTO audit_events (business_id, seq, id, time, actor_id, actor_name, actor_type,
		action, target_type, target_id, target_name, details, prev_hash, hash)
		VALUES ('biz_1', 2, 'evt_forged', now(), 'x', 'x', 'x', 'x', 'x', 'x', 'x', '{}', 'x', 'x')`); err != nil {
		t.Fatal(err)
	}
	err = st.Write(ctx, false, func(tx store.Tx) error { return tx.AppendAudit("biz_1", ev("evt_2")) })
	want := `the audit log of business "biz_1" already holds an event with sequence number 2, past its head: ` +
		`it was changed behind sactl's back (run sactl audit verify)`
	if err == nil || err.Error() != want || store.IsUniqueViolation(err) {
		t.Fatalf("append past a forged event: %v", err)
	}
}

// Concurrent appenders to one business, without LockBusiness, still
// chain: the head is read FOR UPDATE.
func TestAppendAuditConcurrently(t *testing.T) {
	ctx := context.Background()
	st, _ := openTest(t)
	addBusiness(t, st, "biz_1")
	var wg sync.WaitGroup
	const writers, each = 4, 5
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				errs <- st.Write(ctx, false, func(tx store.Tx) error {
					return tx.AppendAudit("biz_1", &domain.AuditEvent{ID: fmt.Sprintf("evt_%d_%d", w, i), Time: t0,
						Business: "biz_1", Action: "x", Actor: domain.ActorRef{ID: "system", Name: "sactl", Type: "system"}})
				})
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	err := st.Read(ctx, func(tx store.Tx) error {
		head, err := tx.AuditHead("biz_1")
		if err != nil {
			return err
		}
		c := domain.NewChainChecker("biz_1", head)
		n := 0
		err = tx.ListAudit("biz_1", store.AuditQuery{}, func(e domain.AuditEvent) error {
			n++
			c.Add(e)
			return nil
		})
		if res := c.Result(); !res.OK || n != writers*each || head.Seq != writers*each {
			t.Errorf("chain of %d events, head %d: %+v", n, head.Seq, res)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// R-DB-3, R-DB-4: LockBusiness serialises check-then-act writes of one
// business across stores (as across replicas): two writers that read a
// counter, wait for each other a while and write it back never overlap
// under the lock, and lose no update. Without the lock they overlap and
// lose one, which shows the test can tell.
func TestLockBusinessSerialises(t *testing.T) {
	for _, lock := range []bool{true, false} {
		t.Run("lock="+strconv.FormatBool(lock), func(t *testing.T) {
			ctx := context.Background()
			url := pgtest.URL(t)
			var stores [2]*Store
			for i := range stores {
				st, err := Open(ctx, url)
				if err != nil {
					t.Fatal(err)
				}
				defer st.Close()
				stores[i] = st
			}
			addBusiness(t, stores[0], "biz_1")
			iterations := 5
			wait := 50 * time.Millisecond // under the lock the other never comes
			if !lock {
				iterations, wait = 1, 10*time.Second // without, it comes at once
			}
			var inside atomic.Int32
			var overlapped atomic.Bool
			var wg sync.WaitGroup
			errs := make([]error, len(stores))
			for i, st := range stores {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range iterations {
						err := st.Write(ctx, false, func(tx store.Tx) error {
							if lock {
								if err := tx.LockBusiness("biz_1"); err != nil {
									return err
								}
							}
							s, err := tx.Settings("biz_1")
							if err != nil {
								return err
							}
							n, _ := strconv.Atoi(s["counter"])
							if inside.Add(1) > 1 {
								overlapped.Store(true)
							}
							for deadline := time.Now().Add(wait); time.Now().Before(deadline) && !overlapped.Load(); {
								time.Sleep(time.Millisecond)
							}
							inside.Add(-1)
							return tx.PutSetting("biz_1", "counter", strconv.Itoa(n+1))
						})
						if err != nil {
							errs[i] = err
							return
						}
					}
				}()
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			var got int
			stores[0].Read(ctx, func(tx store.Tx) error {
				s, err := tx.Settings("biz_1")
				got, _ = strconv.Atoi(s["counter"])
				return err
			})
			want := len(stores) * iterations
			if lock && (overlapped.Load() || got != want) {
				t.Fatalf("under LockBusiness: overlapped %v, counter %d of %d", overlapped.Load(), got, want)
			}
			if !lock && (!overlapped.Load() || got == want) {
				t.Fatalf("without LockBusiness: overlapped %v, counter %d of %d; the test cannot tell a lock from none",
					overlapped.Load(), got, want)
			}
		})
	}
}

// Locks of different businesses do not wait for each other.
func TestLockBusinessIsPerBusiness(t *testing.T) {
	ctx := context.Background()
	st, _ := openTest(t)
	addBusiness(t, st, "biz_1")
	addBusiness(t, st, "biz_2")
	held, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	releaseNow := func() { once.Do(func() { close(release) }) }
	defer releaseNow() // on a failure too, or the store could not close
	done := make(chan error, 1)
	go func() {
		done <- st.Write(ctx, false, func(tx store.Tx) error {
			if err := tx.LockBusiness("biz_1"); err != nil {
				return err
			}
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := st.Write(tctx, false, func(tx store.Tx) error { return tx.LockBusiness("biz_2") }); err != nil {
		t.Fatalf("locking another business waited: %v", err)
	}
	// The same business waits until the holder commits.
	short, cancel2 := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel2()
	if err := st.Write(short, false, func(tx store.Tx) error { return tx.LockBusiness("biz_1") }); err == nil {
		t.Fatal("a second writer took the lock of a business held by another")
	}
	releaseNow()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := st.Write(ctx, false, func(tx store.Tx) error { return tx.LockBusiness("biz_1") }); err != nil {
		t.Fatal(err)
	}
}

// Writers that deadlock (40P01) are run again: both end up committed.
func TestWriteRetriesDeadlock(t *testing.T) {
	ctx := context.Background()
	st, _ := openTest(t)
	addBusiness(t, st, "biz_1")
	err := st.Write(ctx, false, func(tx store.Tx) error {
		return errors.Join(tx.PutSetting("biz_1", "a", "0"), tx.PutSetting("biz_1", "b", "0"))
	})
	if err != nil {
		t.Fatal(err)
	}
	var attempts atomic.Int32
	var both sync.WaitGroup
	both.Add(2)
	run := func(first, second, value string) error {
		n := 0
		return st.Write(ctx, false, func(tx store.Tx) error {
			n++
			attempts.Add(1)
			if err := tx.PutSetting("biz_1", first, value); err != nil {
				return err
			}
			if n == 1 {
				// Both hold their first row before either asks for its second.
				both.Done()
				both.Wait()
			}
			return tx.PutSetting("biz_1", second, value)
		})
	}
	errs := make(chan error, 2)
	go func() { errs <- run("a", "b", "1") }()
	go func() { errs <- run("b", "a", "2") }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("a deadlocked writer was not run again: %v", err)
		}
	}
	if n := attempts.Load(); n < 3 {
		t.Fatalf("%d attempts; a deadlock takes one writer a second", n)
	}
	st.Read(ctx, func(tx store.Tx) error {
		s, err := tx.Settings("biz_1")
		if s["a"] != s["b"] {
			t.Errorf("settings %v: one writer's work is half there", s)
		}
		return err
	})
}

// A write whose context ends while it waits for a lock returns the
// context's error and leaves nothing behind.
func TestWriteCancelled(t *testing.T) {
	ctx := context.Background()
	st, _ := openTest(t)
	addBusiness(t, st, "biz_1")
	held, release := make(chan struct{}), make(chan struct{})
	go st.Write(ctx, false, func(tx store.Tx) error {
		tx.LockBusiness("biz_1")
		close(held)
		<-release
		return nil
	})
	<-held
	defer close(release)
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	err := st.Write(short, false, func(tx store.Tx) error {
		if err := tx.PutSetting("biz_1", "k", "v"); err != nil {
			return err
		}
		return tx.LockBusiness("biz_1")
	})
	if err == nil {
		t.Fatal("no error")
	}
	s := map[string]string{}
	st.Read(ctx, func(tx store.Tx) (err error) { s, err = tx.Settings("biz_1"); return err })
	if len(s) != 0 {
		t.Fatalf("a cancelled write left %v", s)
	}
}

// A writer whose check passed while a concurrent writer inserted the same
// name is run again once, and then sees the committed row, as it would on
// SQLite, where writers run one after another: here it finds the business
// the other made, even though fn hid the unique violation behind an error
// of its own (as the service's wrapUnique does).
func TestWriteRacingInsertRunsAgain(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	var stores [2]*Store
	for i := range stores {
		st, err := Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		stores[i] = st
	}
	var checked sync.WaitGroup
	checked.Add(2)
	var attempts atomic.Int32
	found := make([]bool, 2)
	errs := make(chan error, 2)
	for i, st := range stores {
		go func() {
			first := true
			errs <- st.Write(ctx, false, func(tx store.Tx) error {
				attempts.Add(1)
				_, ok, err := tx.BusinessByName("default")
				if err != nil || ok {
					found[i] = ok
					return err
				}
				if first {
					first = false
					checked.Done()
					checked.Wait() // both checked before either inserts
				}
				err = tx.InsertBusiness(domain.Business{ID: fmt.Sprintf("biz_%d", i), Name: "default", CreatedAt: t0})
				if store.IsUniqueViolation(err) {
					return errors.New(`business "default" already exists`)
				}
				return err
			})
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("a writer that lost the race: %v", err)
		}
	}
	if n := attempts.Load(); n != 3 || found[0] == found[1] {
		t.Fatalf("%d attempts, found %v; want 3, one writer finding the other's business", n, found)
	}
}

// PostgreSQL text cannot hold a NUL character, which SQLite stores: such a
// value is the caller's to change (invalid), not an internal error.
func TestNULIsInvalid(t *testing.T) {
	st, _ := openTest(t)
	err := st.Write(context.Background(), false, func(tx store.Tx) error {
		return tx.InsertBusiness(domain.Business{ID: "biz_1", Name: "a\x00b", CreatedAt: t0})
	})
	if domain.KindOf(err) != domain.KindInvalid || !strings.Contains(err.Error(), "NUL") {
		t.Fatalf("a NUL in a name: %v (kind %s)", err, domain.KindOf(err))
	}
}
