package cmd_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/service"
	"github.com/sactl/sactl/internal/store/pgtest"
	"github.com/sactl/sactl/internal/testdb"
)

// A backup taken while writers are busy is one consistent snapshot (R-DB-5):
// every account in it has exactly its creation event and first key, and its
// audit chain is intact.
func TestBackupWhileInUseIsConsistent(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "sactl.db")
	st, err := testdb.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := service.New(st, service.LocalActor("tester"), "", service.WithMasterKey(service.LocalMasterKey(db)))
	var stop atomic.Bool
	var wg sync.WaitGroup
	var created atomic.Int64
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				if _, err := svc.CreateAccount(ctx, api.CreateAccountRequest{Name: fmt.Sprintf("w%d-%d", w, i)}); err != nil {
					t.Error(err)
					return
				}
				created.Add(1)
			}
		}()
	}
	env := map[string]string{"SACTL_DB": db, "XDG_CONFIG_HOME": filepath.Join(dir, "config")}
	var backups []string
	for i := 0; i < 3; i++ {
		for created.Load() < int64(10*(i+1)) {
			time.Sleep(time.Millisecond)
		}
		b := filepath.Join(dir, fmt.Sprintf("backup-%d.db", i))
		if code, _, e := runCLI(t, env, "db", "backup", b); code != 0 {
			t.Fatalf("backup under load: %s", e)
		}
		backups = append(backups, b)
	}
	stop.Store(true)
	wg.Wait()

	for _, b := range backups {
		// It holds key hashes and sealed secrets; its master key beside it.
		for _, f := range []string{b, b + ".masterkey"} {
			if fi, err := os.Stat(f); err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("%s: %v, %v; want a 0600 file", f, fi, err)
			}
		}
		if code, out, e := runCLI(t, map[string]string{"SACTL_DB": b}, "db", "check"); code != 0 {
			t.Fatalf("%s: db check: %s%s", b, out, e)
		}
		raw, err := sql.Open("sqlite", b)
		if err != nil {
			t.Fatal(err)
		}
		var accounts, createdEvents, keys, keyEvents int
		for q, dst := range map[string]*int{
			`SELECT count(*) FROM principals WHERE account_type = 'service_integration'`: &accounts,
			`SELECT count(*) FROM audit_events WHERE action = 'service_account.created'`: &createdEvents,
			`SELECT count(*) FROM api_keys`:                                              &keys,
			`SELECT count(*) FROM audit_events WHERE action = 'key.created'`:             &keyEvents,
		} {
			if err := raw.QueryRow(q).Scan(dst); err != nil {
				t.Fatal(err)
			}
		}
		raw.Close()
		if accounts < 10 || createdEvents != accounts || keys != accounts || keyEvents != accounts {
			t.Errorf("%s: %d accounts, %d creation events, %d keys, %d key events: not one snapshot", b, accounts, createdEvents, keys, keyEvents)
		}
	}
}

// On a server database "serve init" makes the master key file at once, to
// be copied to every replica before any starts (R-KEY-10): none of them
// then ever makes a key of its own, and a replica given a different one
// refuses to start.
func TestServeInitOnPostgreSQLMakesTheKeyFile(t *testing.T) {
	db := pgtest.URL(t)
	dir := t.TempDir()
	mk := filepath.Join(dir, "master.key")
	env := map[string]string{"SACTL_DB": db, "XDG_CONFIG_HOME": filepath.Join(dir, "config")}
	if code, _, e := runCLI(t, env, "serve", "init"); code != 2 || !strings.Contains(e, "needs its master key") {
		t.Fatalf("serve init on PostgreSQL without a master key: exit %d, %q; want 2", code, e)
	}
	if code, _, e := runCLI(t, env, "serve", "init", "--master-key-file", mk); code != 0 {
		t.Fatalf("serve init: %s", e)
	}
	fi, err := os.Stat(mk)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("serve init made no 0600 master key file: %v", err)
	}
	other := filepath.Join(dir, "other.key")
	if code, _, e := runCLI(t, env, "--master-key-file", other, "sa", "list"); code == 0 || !strings.Contains(e, other) {
		t.Fatalf("a different master key file was accepted (exit %d, %q); want a refusal naming it", code, e)
	}
	if _, err := os.Stat(other); err == nil {
		t.Fatal("sactl made a new master key in place of the missing one")
	}
}
