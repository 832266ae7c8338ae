package service

import (
	"context"
	"fmt"
	"github.com/sactl/sactl/internal/api/apitest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store/storetest"
)

// The concurrency test runs workers as separate processes: this test binary
// re-executed with these variables set runs one worker instead of the tests.
const (
	childEnvDB     = "SACTL_TEST_WORKER_DB"
	childEnvWorker = "SACTL_TEST_WORKER_ID"
	workers        = 8
	rounds         = 6
)

func TestMain(m *testing.M) {
	if db := os.Getenv(childEnvDB); db != "" {
		id, _ := strconv.Atoi(os.Getenv(childEnvWorker))
		if err := runWorker(context.Background(), db, id); err != nil {
			fmt.Fprintln(os.Stderr, "worker:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(storetest.Main(m))
}

// runWorker opens the database itself (as a separate sactl process would)
// and, each round, creates an account and adds one of its own groups to the
// shared account: a read-modify-write of the same row set that a lost update
// would show.
func runWorker(ctx context.Context, db string, id int) error {
	st, err := openDB(ctx, db)
	if err != nil {
		return err
	}
	defer st.Close()
	s := New(st, LocalActor(fmt.Sprintf("worker%d", id)), "", WithMasterKey(LocalMasterKey(db)))
	for r := 0; r < rounds; r++ {
		if _, err := s.CreateAccount(ctx, api.CreateAccountRequest{
			Name: fmt.Sprintf("Worker %d Round %d", id, r), Groups: []string{"base"},
		}); err != nil {
			return fmt.Errorf("create: %w", err)
		}
		if _, err := s.ChangeAccountGroups(ctx, api.ChangeGroupsRequest{
			Ref: "shared", Op: api.GroupsAdd, Groups: []string{fmt.Sprintf("g-%d-%d", id, r)},
		}); err != nil {
			return fmt.Errorf("add group: %w", err)
		}
	}
	return nil
}

func TestConcurrentProcessesLoseNoUpdate(t *testing.T) { // R-DB-1, R-DB-3, R-AUD-1
	// Processes on one file; on PostgreSQL, internal/reliability's
	// TestReplicasShareOnePostgreSQL runs servers on one database.
	storetest.SQLiteOnly(t)
	if testing.Short() {
		t.Skip("spawns processes")
	}
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "sactl.db")
	// Every process opens the new file at once: creation of the schema and of
	// the default business must happen exactly once.
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			st, err := openDB(ctx, db)
			if err == nil {
				st.Close()
			}
			errs[i] = err
		}(i)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("concurrent first open: %v", err)
		}
	}
	st, err := openDB(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	local := New(st, LocalActor("tester"), "", WithMasterKey(LocalMasterKey(db)))
	if _, err := local.CreateGroup(ctx, api.CreateGroupRequest{Name: "base", Permissions: domain.Permissions{"contacts": domain.LevelView}}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < workers; i++ {
		for r := 0; r < rounds; r++ {
			if _, err := local.CreateGroup(ctx, api.CreateGroupRequest{Name: fmt.Sprintf("g-%d-%d", i, r)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := local.CreateAccount(ctx, api.CreateAccountRequest{Name: "Shared"}); err != nil {
		t.Fatal(err)
	}
	countEvents := func() int {
		n := 0
		if err := local.ListAudit(ctx, domain.AuditFilter{}, func(domain.AuditEvent) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := countEvents()

	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	procs := make([]*exec.Cmd, workers)
	outs := make([]*strings.Builder, workers)
	for i := range procs {
		outs[i] = &strings.Builder{}
		procs[i] = exec.Command(exe, "-test.run=^$")
		procs[i].Env = append(os.Environ(), childEnvDB+"="+db, childEnvWorker+"="+strconv.Itoa(i))
		procs[i].Stdout, procs[i].Stderr = outs[i], outs[i]
		if err := procs[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	for i, p := range procs {
		if err := p.Wait(); err != nil {
			t.Fatalf("worker %d: %v\n%s", i, err, outs[i])
		}
	}

	accts, err := apitest.Items(local.ListAccounts(ctx, api.ListAccountsRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	if want := 2 + workers*rounds; len(accts) != want {
		t.Fatalf("accounts: %d, want %d", len(accts), want)
	}
	shared, err := local.GetAccount(ctx, "shared")
	if err != nil {
		t.Fatal(err)
	}
	if len(shared.Groups) != workers*rounds {
		t.Fatalf("lost update: the shared account holds %d groups, want %d", len(shared.Groups), workers*rounds)
	}
	// Exactly one event per change: a create, its first key and an assignment per round.
	if got, want := countEvents()-before, workers*rounds*3; got != want {
		t.Fatalf("audit events for the workers' changes: %d, want %d", got, want)
	}
	byAction := map[string]int{}
	err = local.ListAudit(ctx, domain.AuditFilter{}, func(e domain.AuditEvent) error {
		byAction[e.Action]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Concurrent writers never fork or break the chain (R-AUD-2).
	if res, err := local.VerifyAudit(ctx); err != nil || !res.OK {
		t.Fatalf("audit chain: %+v, %v", res.Broken, err)
	}
	if byAction["group.assigned"] != workers*rounds || byAction["service_account.created"] != workers*rounds+1 {
		t.Fatalf("events by action = %v", byAction)
	}
	businesses, _ := apitest.Items(local.ListBusinesses(ctx, api.PageRequest{}))
	if len(businesses) != 1 {
		t.Fatalf("concurrent bootstrap made %d businesses", len(businesses))
	}
}
