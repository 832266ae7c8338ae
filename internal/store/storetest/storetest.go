// Package storetest is the contract suite every store.Store backend must
// pass (SPEC R-DB-4: "one store contract suite runs against both"), in the
// spirit of restic's backend tests and Vault's physical backend tests.
//
// A backend's test calls Run with a function that opens a new store:
//
//	func TestContract(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store {
//			st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "sactl.db"))
//			if err != nil {
//				t.Fatal(err)
//			}
//			t.Cleanup(func() { st.Close() })
//			return st
//		})
//	}
//
// open is called once per sub-test, with that sub-test's *testing.T, and
// must return a fresh, empty, migrated store: no business, no row of any
// kind. open owns the store's lifetime: it registers its own cleanup
// (t.Cleanup(st.Close), dropping a database if it made one), and Run never
// closes a store itself, so nothing is closed twice. Sub-tests run in
// parallel (t.Parallel, bounded by go test -parallel), so open must be
// safe to call from several at once, each getting a store of its own.
//
// The suite talks to the store only through store.Store and store.Tx, with
// domain values, and checks what the service layer relies on: each
// method's rows and their documented order, lookups of missing rows (ok
// false, no error), uniqueness (store.IsUniqueViolation), times at
// microsecond precision in UTC, all-or-nothing and dry-run transactions,
// read snapshots, and that concurrent writers serialised by LockBusiness
// lose no update and never over- or under-count (R-DB-3).
package storetest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
)

// Run runs the contract suite against the stores open returns. Each check
// is a sub-test of its group (TestContract/Uniqueness/LiveName, …), so a
// backend's failures are named.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	groups := []struct {
		name  string
		tests []test
	}{
		{"Schema", schemaTests},
		{"Businesses", businessTests},
		{"Settings", settingTests},
		{"Principals", principalTests},
		{"Uniqueness", uniquenessTests},
		{"Groups", groupTests},
		{"Keys", keyTests},
		{"KeyToVerify", keyToVerifyTests},
		{"DataKeys", dataKeyTests},
		{"MintedTokens", mintedTokenTests},
		{"UserTokens", userTokenTests},
		{"Audit", auditTests},
		{"Paging", pagingTests},
		{"Times", timeTests},
		{"Transactions", txTests},
		{"Concurrency", concurrencyTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					tc.fn(newSuite(t, open))
				})
			}
		})
	}
}

// test is one sub-test: it gets a suite holding a fresh store.
type test struct {
	name string
	fn   func(s *suite)
}

// suite is one sub-test's store and the helpers around it.
type suite struct {
	t   *testing.T
	st  store.Store
	ctx context.Context
}

func newSuite(t *testing.T, open func(t *testing.T) store.Store) *suite {
	t.Helper()
	st := open(t)
	if st == nil {
		t.Fatal("open returned a nil store")
	}
	return &suite{t: t, st: st, ctx: t.Context()}
}

// write runs fn in a write transaction and stops the test if it fails.
// fn returns its errors rather than calling t.Fatal, so the transaction
// always ends through the store.
func (s *suite) write(fn func(tx store.Tx) error) {
	s.t.Helper()
	if err := s.st.Write(s.ctx, false, fn); err != nil {
		s.t.Fatalf("write: %v", err)
	}
}

// writeErr runs fn in its own write transaction and returns its error: for
// writes that are meant to fail (a failed statement may poison the rest of
// a transaction on some backends, so each gets its own).
func (s *suite) writeErr(fn func(tx store.Tx) error) error {
	return s.st.Write(s.ctx, false, fn)
}

// read runs fn in a read transaction and stops the test if it fails.
func (s *suite) read(fn func(tx store.Tx) error) {
	s.t.Helper()
	if err := s.st.Read(s.ctx, fn); err != nil {
		s.t.Fatalf("read: %v", err)
	}
}

// view runs one query in its own read transaction.
func view[T any](s *suite, fn func(tx store.Tx) (T, error)) T {
	s.t.Helper()
	var v T
	s.read(func(tx store.Tx) (err error) {
		v, err = fn(tx)
		return err
	})
	return v
}

// find runs one lookup in its own read transaction.
func find[T any](s *suite, fn func(tx store.Tx) (T, bool, error)) (T, bool) {
	s.t.Helper()
	var v T
	var ok bool
	s.read(func(tx store.Tx) (err error) {
		v, ok, err = fn(tx)
		return err
	})
	return v, ok
}

// mustFind is find that requires the row to exist.
func mustFind[T any](s *suite, what string, fn func(tx store.Tx) (T, bool, error)) T {
	s.t.Helper()
	v, ok := find(s, fn)
	if !ok {
		s.t.Fatalf("%s: not found", what)
	}
	return v
}

// missing checks that a lookup finds nothing, and says so with ok false
// and a nil error rather than an error.
func missing[T any](s *suite, what string, fn func(tx store.Tx) (T, bool, error)) {
	s.t.Helper()
	var ok bool
	err := s.st.Read(s.ctx, func(tx store.Tx) (err error) {
		_, ok, err = fn(tx)
		return err
	})
	switch {
	case err != nil:
		s.t.Errorf("%s: a lookup of a missing row failed (%v); want ok=false and a nil error", what, err)
	case ok:
		s.t.Errorf("%s: found; want not found", what)
	}
}

// same reports a difference between got and want (see diff).
func (s *suite) same(what string, got, want any) {
	s.t.Helper()
	if d := diff(got, want); d != "" {
		s.t.Errorf("%s:\n%s", what, d)
	}
}

// unique checks that err is a uniqueness violation.
func (s *suite) unique(what string, err error) {
	s.t.Helper()
	switch {
	case err == nil:
		s.t.Errorf("%s: accepted; want a unique violation", what)
	case !store.IsUniqueViolation(err):
		s.t.Errorf("%s: %v; want an error for which store.IsUniqueViolation is true", what, err)
	}
}

// ok checks that a write that should succeed did.
func (s *suite) ok(what string, err error) {
	s.t.Helper()
	if err != nil {
		s.t.Errorf("%s: %v", what, err)
	}
}

// t0 is the suite's clock: UTC with a microsecond part, as the service
// keeps times (it truncates to the microsecond).
var t0 = time.Date(2026, 3, 14, 15, 9, 26, 535897000, time.UTC)

// at is t0 plus d.
func at(d time.Duration) time.Time { return t0.Add(d) }

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }

// actor is who the fixtures say created things.
const actor = "local:tester"

func newBusiness(name string) domain.Business {
	return domain.Business{ID: domain.NewID("biz", t0), Name: name, Domain: name + ".example", CreatedAt: t0}
}

// newAccount is an integration service account of b created at created.
func newAccount(b domain.Business, name, apiName string, created time.Time) domain.Account {
	id := domain.NewID("sa", created)
	return domain.Account{
		ID: id, Business: b.Name, Name: name, APIName: apiName,
		Email:       fmt.Sprintf("%s+%s@serviceaccounts.%s", apiName, domain.ShortID(id), b.Domain),
		AccountType: domain.TypeIntegration, CreatedAt: created, UpdatedAt: created, CreatedBy: actor,
		Groups: []string{},
	}
}

// newAutomation is b's automation account (R-SA-4).
func newAutomation(b domain.Business) domain.Account {
	a := newAccount(b, "Automation Code Account", "automation", t0)
	a.AccountType, a.CreatedBy = domain.TypeAutomation, "system"
	return a
}

// newHuman is a user of b; humans have no api_name.
func newHuman(b domain.Business, name, email string, created time.Time) domain.Account {
	return domain.Account{
		ID: domain.NewID("usr", created), Business: b.Name, Name: name, Email: email,
		AccountType: domain.TypeHuman, CreatedAt: created, UpdatedAt: created, CreatedBy: actor,
		Groups: []string{},
	}
}

func newGroup(b domain.Business, name string, p domain.Permissions) domain.Group {
	if p == nil {
		p = domain.Permissions{}
	}
	return domain.Group{ID: domain.NewID("grp", t0), Business: b.Name, Name: name, Permissions: p,
		CreatedAt: t0, UpdatedAt: t0}
}

// newKey is a key of account a created at created, with the hash it is
// stored under (derived from its id: distinct for distinct keys).
func newKey(a domain.Account, name string, created time.Time) (domain.Key, [32]byte) {
	id := domain.NewID("key", created)
	return domain.Key{ID: id, Account: a.APIName, Name: name, Hint: "sak_" + id[4:8] + "…" + id[len(id)-4:],
		CreatedAt: created, CreatedBy: actor}, sha256.Sum256([]byte("secret of " + id))
}

// newEvent is an audit event of b by the local tester about a target.
func newEvent(b domain.Business, action, targetID string, when time.Time) domain.AuditEvent {
	return domain.AuditEvent{
		ID: domain.NewID("evt", when), Time: when, Business: b.Name,
		Actor:  domain.ActorRef{ID: actor, Name: "tester", Type: "local"},
		Action: action, Target: domain.AuditTarget{Type: "service_account", ID: targetID, Name: targetID},
		Details: map[string]any{},
	}
}

// seedBusiness inserts b.
func (s *suite) seedBusiness(b domain.Business) domain.Business {
	s.t.Helper()
	s.write(func(tx store.Tx) error { return tx.InsertBusiness(b) })
	return b
}

// business inserts a new business named name.
func (s *suite) business(name string) domain.Business {
	s.t.Helper()
	return s.seedBusiness(newBusiness(name))
}

// insert inserts principals into b, in order, in one transaction.
func (s *suite) insert(b domain.Business, as ...domain.Account) {
	s.t.Helper()
	s.write(func(tx store.Tx) error {
		for _, a := range as {
			if err := tx.InsertPrincipal(b.ID, a); err != nil {
				return fmt.Errorf("insert %s (%s): %w", a.Name, a.ID, err)
			}
		}
		return nil
	})
}

// ids lists the ids of accounts.
func ids(as []domain.Account) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.ID
	}
	return out
}

// names lists what name gives of each element.
func names[T any](xs []T, name func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = name(x)
	}
	return out
}

// firstErr returns the first of errs that is not nil. The calls that make
// errs all run; a backend that refuses statements after a failed one only
// adds errors after the first.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// errStop is returned by test callbacks to end something early.
var errStop = errors.New("storetest: stop")

// diff describes how got differs from want, or returns "". It compares
// like reflect.DeepEqual, except that times are equal when they are the
// same instant and got's is in UTC (the store's side of the seam keeps
// times in UTC), that a nil and an empty slice or map are alike (but see
// strictNil), and that it names the path of each difference.
func diff(got, want any) string {
	var out []string
	diffValue(&out, "", reflect.ValueOf(got), reflect.ValueOf(want))
	return strings.Join(out, "\n")
}

var timeType = reflect.TypeFor[time.Time]()

// strictNil names the fields the service passes on to JSON as they come
// from the store (SPEC §12: lists as arrays, objects as objects): for
// them an empty value must not be nil. Elsewhere nil and empty are alike.
var strictNil = map[string]bool{"Groups": true, "Permissions": true, "Details": true}

func diffValue(out *[]string, path string, g, w reflect.Value) {
	field := path[strings.LastIndex(path, ".")+1:]
	strict := strictNil[field]
	if len(*out) >= 20 {
		return
	}
	add := func(format string, a ...any) {
		p := path
		if p == "" {
			p = "value"
		}
		*out = append(*out, "\t"+p+": "+fmt.Sprintf(format, a...))
	}
	if !g.IsValid() || !w.IsValid() {
		if g.IsValid() != w.IsValid() {
			add("got %s, want %s", show(g), show(w))
		}
		return
	}
	if g.Type() != w.Type() {
		add("got %s (%s), want %s (%s)", show(g), g.Type(), show(w), w.Type())
		return
	}
	if g.Type() == timeType {
		gt, wt := g.Interface().(time.Time), w.Interface().(time.Time)
		switch {
		case !gt.Equal(wt):
			add("got %s, want %s", gt.Format(time.RFC3339Nano), wt.Format(time.RFC3339Nano))
		case gt.Location() != time.UTC:
			add("got %s in %s; want it in UTC", gt.Format(time.RFC3339Nano), gt.Location())
		}
		return
	}
	switch g.Kind() {
	case reflect.Pointer, reflect.Interface:
		if g.IsNil() || w.IsNil() {
			if g.IsNil() != w.IsNil() {
				add("got %s, want %s", show(g), show(w))
			}
			return
		}
		diffValue(out, path, g.Elem(), w.Elem())
	case reflect.Struct:
		for i := range g.NumField() {
			f := g.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			p := f.Name
			if path != "" && !f.Anonymous {
				p = path + "." + f.Name
			} else if path != "" {
				p = path
			}
			diffValue(out, p, g.Field(i), w.Field(i))
		}
	case reflect.Slice:
		if g.Len() == 0 && w.Len() == 0 {
			if g.IsNil() && !w.IsNil() && strict {
				add("got nil, want an empty %s (it shows as [] in JSON, never null)", g.Type())
			}
			return
		}
		if g.Len() != w.Len() {
			add("got %d elements %s, want %d %s", g.Len(), show(g), w.Len(), show(w))
			return
		}
		for i := range g.Len() {
			diffValue(out, fmt.Sprintf("%s[%d]", path, i), g.Index(i), w.Index(i))
		}
	case reflect.Map:
		if g.Len() == 0 && w.Len() == 0 {
			if g.IsNil() && !w.IsNil() && strict {
				add("got nil, want an empty %s (it shows as {} in JSON, never null)", g.Type())
			}
			return
		}
		for _, k := range w.MapKeys() {
			if !g.MapIndex(k).IsValid() {
				add("key %v missing (want %s)", k, show(w.MapIndex(k)))
			}
		}
		for _, k := range g.MapKeys() {
			gv, wv := g.MapIndex(k), w.MapIndex(k)
			if !wv.IsValid() {
				add("unexpected key %v = %s", k, show(gv))
				continue
			}
			diffValue(out, fmt.Sprintf("%s[%v]", path, k), gv, wv)
		}
	default:
		if !reflect.DeepEqual(g.Interface(), w.Interface()) {
			add("got %s, want %s", show(g), show(w))
		}
	}
}

func show(v reflect.Value) string {
	if !v.IsValid() {
		return "nothing"
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Map:
		if v.IsNil() {
			return "nil"
		}
	}
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if t, ok := v.Interface().(time.Time); ok {
		return t.Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("%#v", v.Interface())
}

// whole drops a list's next-page cursor, for the tests that read a list
// whole (store.Page{}).
func whole[T any](items []T, _ string, err error) ([]T, error) { return items, err }
