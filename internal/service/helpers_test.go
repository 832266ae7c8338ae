package service

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store/dsn"
	"github.com/sactl/sactl/internal/store/storetest"
)

// clock is an injectable, advancing test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

type env struct {
	t     *testing.T
	ctx   context.Context
	db    string
	mk    MasterKey
	st    *DB
	clk   *clock
	usage *Usage
	local *Service
}

// openDB opens the database at loc (a path or a URL) as the commands do.
func openDB(ctx context.Context, loc string) (*DB, error) {
	st, err := dsn.Open(ctx, loc)
	if err != nil {
		return nil, err
	}
	return Open(ctx, st)
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	db := storetest.Location(t)
	st, err := openDB(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clk := &clock{t: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}
	mk := LocalMasterKey(db)
	if storetest.OnPostgres() {
		mk = MasterKeyFile(filepath.Join(t.TempDir(), "master.key")) // no "next to" a server database
	}
	usage := NewUsage(st)
	return &env{t: t, ctx: ctx, db: db, mk: mk, st: st, clk: clk, usage: usage,
		local: New(st, LocalActor("tester"), "", WithClock(clk.now), WithMasterKey(mk), WithUsage(usage))}
}

// as returns the service acting as a principal (R-PERM-6's --as).
func (e *env) as(ref string) *Service {
	return New(e.st, Actor{Local: "tester", As: ref}, "", WithClock(e.clk.now), WithMasterKey(e.mk), WithUsage(e.usage))
}

var yes = api.Mutation{Confirmed: true}

func (e *env) createSA(name string, groups ...string) domain.Account {
	e.t.Helper()
	a, err := e.local.CreateAccount(e.ctx, api.CreateAccountRequest{Name: name, Groups: groups})
	if err != nil {
		e.t.Fatalf("create %q: %v", name, err)
	}
	return a.Account
}

func (e *env) createGroup(name string, perms ...string) domain.Group {
	e.t.Helper()
	p, err := domain.ParsePermissions(perms)
	if err != nil {
		e.t.Fatal(err)
	}
	g, err := e.local.CreateGroup(e.ctx, api.CreateGroupRequest{Name: name, Permissions: p})
	if err != nil {
		e.t.Fatalf("create group %q: %v", name, err)
	}
	return g
}

func (e *env) get(ref string) domain.Account {
	e.t.Helper()
	a, err := e.local.GetAccount(e.ctx, ref)
	if err != nil {
		e.t.Fatalf("get %q: %v", ref, err)
	}
	return a
}

func (e *env) events(f domain.AuditFilter) []domain.AuditEvent {
	e.t.Helper()
	var out []domain.AuditEvent
	if err := e.local.ListAudit(e.ctx, f, func(ev domain.AuditEvent) error {
		out = append(out, ev)
		return nil
	}); err != nil {
		e.t.Fatal(err)
	}
	return out
}

func wantKind(t *testing.T, err error, k domain.Kind) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", k)
	}
	if got := domain.KindOf(err); got != k {
		t.Fatalf("got %s error %q, want %s", got, err, k)
	}
	var de *domain.Error
	if !errors.As(err, &de) {
		t.Fatalf("error %q is not a *domain.Error", err)
	}
}
