package reliability

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"github.com/sactl/sactl/internal/api/apitest"
	"io"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"modernc.org/sqlite"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/service"
	"github.com/sactl/sactl/internal/testdb"
)

// ack is a write the server acknowledged with a 2xx: an account it created,
// and the newest key of it that a 2xx answer named.
type ack struct {
	cycle     int
	accountID string
	keyID     string
	secret    string
	rotations int
}

// A server under write load is killed with SIGKILL and restarted on the
// same file, again and again. Every account and key the server acknowledged
// (2xx) is there afterwards and authenticates, the audit log records every
// acknowledged creation, and the audit chain and the file are intact
// (R-DB-1). A SIGKILL leaves the kernel's page cache alone, so this checks
// that an answer is sent only after its transaction committed;
// TestCommitsSurvivePowerLoss checks the rest of R-DB-1.
func TestDurabilityServerKilledUnderLoad(t *testing.T) {
	sc := currentScale(t)
	begin := time.Now()
	s := newSandbox(t)
	local := s.localEnv()
	admin := s.initServer()
	s.must(local, "groups", "create", "base", "--perm", "audit=view")

	var (
		mu      sync.Mutex
		acks    = map[string]*ack{} // by account id
		counts  tally
		unacked atomic.Int64 // requests that got no answer: in flight at the kill
	)
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: sc.durClients}}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	var sv *server
	for cycle := 0; cycle < sc.durCycles; cycle++ {
		sv = s.startServer()
		// /readyz: the restarted server found its master key (R-KEY-10).
		if code, body, err := callAPI(hc, "GET", sv.url+"/readyz", "", nil); err != nil || code != 200 {
			t.Fatalf("cycle %d: /readyz after restart: %d %s %v", cycle, code, body, err)
		}
		var killed atomic.Bool
		var wg sync.WaitGroup
		for c := 0; c < sc.durClients; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var mine []*ack
				for i := 0; !killed.Load(); i++ {
					if len(mine) > 0 && i%3 == 2 {
						a := mine[i%len(mine)]
						code, body, err := callAPI(hc, "POST", sv.url+"/api/v1/service-accounts/"+a.accountID+"/keys/rotate?confirm=true", admin, nil)
						if err != nil {
							unacked.Add(1)
							continue
						}
						if code/100 != 2 {
							counts.add(fmt.Sprintf("rotate %d", code))
							if !killed.Load() {
								t.Errorf("cycle %d: rotate %s: %d %s", cycle, a.accountID, code, body)
							}
							continue
						}
						var k apiKey
						if err := json.Unmarshal(body, &k); err != nil || k.Secret == "" {
							t.Errorf("rotate: %v %s", err, body)
							continue
						}
						mu.Lock()
						a.keyID, a.secret, a.rotations = k.ID, k.Secret, a.rotations+1
						mu.Unlock()
						counts.add("rotate 2xx")
						continue
					}
					name := fmt.Sprintf("d-%d-%d-%d", cycle, c, i)
					code, body, err := callAPI(hc, "POST", sv.url+"/api/v1/service-accounts", admin,
						map[string]any{"name": name, "groups": []string{"base"}})
					if err != nil {
						unacked.Add(1)
						continue
					}
					if code/100 != 2 {
						counts.add(fmt.Sprintf("create %d", code))
						if !killed.Load() {
							t.Errorf("cycle %d: create %s: %d %s", cycle, name, code, body)
						}
						continue
					}
					var a account
					if err := json.Unmarshal(body, &a); err != nil || a.Key == nil {
						t.Errorf("create: %v %s", err, body)
						continue
					}
					k := &ack{cycle: cycle, accountID: a.ID, keyID: a.Key.ID, secret: a.Key.Secret}
					mu.Lock()
					acks[a.ID] = k
					mu.Unlock()
					mine = append(mine, k)
					counts.add("create 2xx")
				}
			}()
		}
		load := sc.durMinLoad + time.Duration(rng.Int64N(int64(sc.durMax-sc.durMinLoad)))
		time.Sleep(load)
		killed.Store(true)
		sv.kill()
		wg.Wait()
		hc.CloseIdleConnections()
		if t.Failed() {
			t.FailNow()
		}
	}

	// Restarted once more: everything acknowledged is there and works.
	sv = s.startServer()
	var list []account
	s.mustJSON(&list, local, "sa", "list", "-o", "json")
	present := map[string]bool{}
	for _, a := range list {
		present[a.ID] = true
	}
	var inventory []apiKey
	s.mustJSON(&inventory, local, "sa", "keys", "list", "--all", "-o", "json")
	keyPresent := map[string]bool{}
	for _, k := range inventory {
		keyPresent[k.ID] = true
	}
	all := make([]*ack, 0, len(acks))
	for _, a := range acks {
		all = append(all, a)
		if !present[a.accountID] {
			t.Errorf("cycle %d: account %s was acknowledged (201) but is gone after the kill (R-DB-1)", a.cycle, a.accountID)
		}
		// At most one unacknowledged rotation per account can follow the
		// acknowledged one, so its key is still primary or secondary.
		if !keyPresent[a.keyID] {
			t.Errorf("cycle %d: key %s of %s was acknowledged but is gone after the kill (R-DB-1)", a.cycle, a.keyID, a.accountID)
		}
	}
	var introspected atomic.Int64
	parallel(4, len(all), func(i int) {
		a := all[i]
		code, body, err := callAPI(hc, "POST", sv.url+"/api/v1/auth/introspect", admin, map[string]string{"token": a.secret})
		var v verification
		if err == nil {
			err = json.Unmarshal(body, &v)
		}
		if err != nil || code != 200 || !v.Active || v.Credential == nil || v.Credential.ID != a.keyID {
			t.Errorf("acknowledged key %s of %s does not introspect active: %d %s %v", a.keyID, a.accountID, code, body, err)
			return
		}
		introspected.Add(1)
	})
	sv.stop()
	if m := serverErrorRE.FindAllString(s.serverLogs(), 5); m != nil {
		t.Errorf("the server logged faults:\n%s", strings.Join(m, "\n"))
	}

	createdEvents := map[string]bool{}
	var evs []auditEvent
	s.mustJSON(&evs, local, "audit", "list", "--action", "service_account.created", "-o", "json")
	for _, e := range evs {
		createdEvents[e.Target.ID] = true
	}
	for _, a := range all {
		if !createdEvents[a.accountID] {
			t.Errorf("acknowledged account %s has no service_account.created event", a.accountID)
		}
	}
	s.checkDatabase()
	t.Logf("durability (%s): %d SIGKILLs of the server under load from %d clients, %d restarts; answers: %s, %d requests unanswered at a kill",
		sc.name, sc.durCycles, sc.durClients, sc.durCycles+1, &counts, unacked.Load())
	t.Logf("durability (%s): %d acknowledged accounts present with their newest acknowledged key (%d keys introspected active), %d creation events found, %d accounts in the file; audit verify and db check ok; %v",
		sc.name, len(all), introspected.Load(), len(evs), len(list), time.Since(begin).Round(time.Millisecond))
}

// Every connection sactl opens on its database commits with
// synchronous=FULL in WAL mode, so a commit survives a power loss, not only
// a crash (R-DB-1). A SIGKILL cannot show the difference from NORMAL, so
// this test asks SQLite on each connection the store opens: the connection
// hook of modernc.org/sqlite runs once the DSN's pragmas are applied.
func TestCommitsSurvivePowerLoss(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sactl.db")
	type conn struct{ dsn, journal, synchronous string }
	var mu sync.Mutex
	var conns []conn
	hookOnce.Do(func() {
		sqlite.RegisterConnectionHook(func(c sqlite.ExecQuerierContext, dsn string) error {
			if h := connHook.Load(); h != nil {
				return (*h)(c, dsn)
			}
			return nil
		})
	})
	hook := func(c sqlite.ExecQuerierContext, dsn string) error {
		if !strings.HasPrefix(dsn, path) {
			return nil
		}
		cn := conn{dsn: strings.TrimPrefix(dsn, path)}
		var err error
		if cn.journal, err = pragma(c, "journal_mode"); err != nil {
			return err
		}
		if cn.synchronous, err = pragma(c, "synchronous"); err != nil {
			return err
		}
		mu.Lock()
		conns = append(conns, cn)
		mu.Unlock()
		return nil
	}
	connHook.Store(&hook)
	defer connHook.Store(nil)

	ctx := context.Background()
	st, err := testdb.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := service.New(st, service.LocalActor("tester"), "", service.WithMasterKey(service.LocalMasterKey(path)))
	// A write and a read, so both pools have opened a connection.
	if _, err := svc.CreateAccount(ctx, api.CreateAccountRequest{Name: "Durable"}); err != nil {
		t.Fatal(err)
	}
	if _, err := apitest.Items(svc.ListAccounts(ctx, api.ListAccountsRequest{})); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(conns) == 0 {
		t.Fatal("the store opened no connection the hook saw")
	}
	// PRAGMA synchronous: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA.
	for _, c := range conns {
		if c.journal != "wal" || (c.synchronous != "2" && c.synchronous != "3") {
			t.Errorf("connection %s: journal_mode=%s synchronous=%s; R-DB-1 wants WAL with synchronous=FULL (2)", c.dsn, c.journal, c.synchronous)
		}
	}
	t.Logf("power loss: %d connections checked for journal_mode=wal and synchronous=FULL", len(conns))
}

// The driver's connection hooks cannot be removed, so one hook is
// registered for the test binary and forwards to the running test's.
var (
	hookOnce sync.Once
	connHook atomic.Pointer[func(sqlite.ExecQuerierContext, string) error]
)

// pragma reads one PRAGMA's value on a driver connection.
func pragma(c sqlite.ExecQuerierContext, name string) (string, error) {
	rows, err := c.QueryContext(context.Background(), "PRAGMA "+name, nil)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	dest := make([]driver.Value, len(rows.Columns()))
	if err := rows.Next(dest); err != nil {
		if err == io.EOF {
			return "", fmt.Errorf("PRAGMA %s: no row", name)
		}
		return "", err
	}
	return fmt.Sprint(dest[0]), nil
}
