package client_test

import (
	"fmt"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/client"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/server"
)

// walk reads a list a page of limit at a time and records, per page, what
// it held and whether a cursor followed (cursors hold ids, which differ
// between the two backends' databases). It checks each page holds at most
// limit items and that the pages together are the list read whole.
func walk[T any](t *testing.T, tr *transcript, what string, limit int, name func(T) string,
	list func(api.PageRequest) (api.Page[T], error)) {
	t.Helper()
	whole, err := api.All(list)
	if err != nil {
		tr.step(what+" whole", nil, err)
		return
	}
	var got []T
	req := api.PageRequest{Limit: limit}
	for n := 1; ; n++ {
		p, err := list(req)
		if err != nil {
			tr.step(fmt.Sprintf("%s page %d", what, n), nil, err)
			return
		}
		if len(p.Items) > limit {
			t.Fatalf("%s: page %d holds %d items, limit %d", what, n, len(p.Items), limit)
		}
		names := make([]string, len(p.Items))
		for i, x := range p.Items {
			names[i] = name(x)
		}
		tr.step(fmt.Sprintf("%s page %d", what, n), map[string]any{"items": names, "more": p.NextCursor != nil}, nil)
		got = append(got, p.Items...)
		if p.NextCursor == nil {
			break
		}
		if *p.NextCursor == req.Cursor || n > 100 {
			t.Fatalf("%s: page %d leads nowhere: cursor %q again", what, n, req.Cursor)
		}
		req.Cursor = *p.NextCursor
	}
	if !reflect.DeepEqual(got, whole) {
		t.Fatalf("%s: the pages of %d are not the list read whole:\n pages: %v\n whole: %v", what, limit, got, whole)
	}
}

func TestContractPaging(t *testing.T) { // R-SRV-6: every list, a page at a time
	lines := runContract(t, func(t *testing.T, backend api.API, tr *transcript) {
		yes := api.Mutation{Confirmed: true}
		for i := 1; i <= 7; i++ {
			req := api.CreateAccountRequest{Name: fmt.Sprintf("Pager %d", i)}
			if i%2 == 0 {
				req.Groups = []string{"admins"}
			}
			if _, err := backend.CreateAccount(ctx, req); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := backend.SuspendAccount(ctx, "pager-4", yes); err != nil {
			t.Fatal(err)
		}
		for _, a := range []string{"pager-2", "pager-3", "pager-6"} {
			if _, err := backend.RotateKeys(ctx, api.RotateKeyRequest{Ref: a, Grace: time.Hour, Mutation: yes}); err != nil {
				t.Fatal(err)
			}
		}
		for i := range 5 {
			if _, err := backend.CreateGroup(ctx, api.CreateGroupRequest{Name: fmt.Sprintf("team-%c", 'e'-i)}); err != nil {
				t.Fatal(err)
			}
			if _, err := backend.MintToken(ctx, api.MintTokenRequest{TTL: time.Hour}); err != nil {
				t.Fatal(err)
			}
			if _, err := backend.CreateUser(ctx, api.CreateUserRequest{Name: fmt.Sprintf("User %d", i),
				Email: fmt.Sprintf("u%d@default.example", i)}); err != nil {
				t.Fatal(err)
			}
			if _, err := backend.CreateUserToken(ctx, api.CreateUserTokenRequest{Ref: "admin@default.example",
				Name: fmt.Sprint("t", i)}); err != nil {
				t.Fatal(err)
			}
		}
		accounts := func(req api.ListAccountsRequest) func(api.PageRequest) (api.Page[domain.Account], error) {
			return func(p api.PageRequest) (api.Page[domain.Account], error) {
				req.PageRequest = p
				return backend.ListAccounts(ctx, req)
			}
		}
		apiName := func(a domain.Account) string { return a.APIName }
		for _, limit := range []int{1, 3, 8, 9} {
			walk(t, tr, fmt.Sprint("accounts by ", limit), limit, apiName, accounts(api.ListAccountsRequest{}))
		}
		for _, st := range []domain.Status{domain.StatusActive, domain.StatusDisabled, domain.StatusSuspended} {
			walk(t, tr, fmt.Sprint(st, " accounts by 2"), 2, apiName, accounts(api.ListAccountsRequest{Status: st}))
			// The store filters by the stored facts; what it lists must be
			// what R-SA-5 derives, and every account of that status.
			all, err := api.All(accounts(api.ListAccountsRequest{}))
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, a := range all {
				if a.Status == st {
					want = append(want, a.APIName)
				}
			}
			some, err := api.All(accounts(api.ListAccountsRequest{Status: st}))
			if err != nil {
				t.Fatal(err)
			}
			if got := names(some, apiName); !reflect.DeepEqual(got, want) {
				t.Fatalf("%s accounts: %v; the accounts whose status is %s: %v", st, got, st, want)
			}
		}
		key := func(k domain.Key) string { return k.Account + "/" + string(k.Role) }
		for _, limit := range []int{1, 2, 3, 5} {
			walk(t, tr, fmt.Sprint("key inventory by ", limit), limit, func(i domain.KeyInventoryItem) string { return key(i.Key) },
				func(p api.PageRequest) (api.Page[domain.KeyInventoryItem], error) {
					return backend.ListAllKeys(ctx, api.ListAllKeysRequest{PageRequest: p})
				})
		}
		walk(t, tr, "keys of pager-2 by 1", 1, key, func(p api.PageRequest) (api.Page[domain.Key], error) {
			return backend.ListKeys(ctx, "pager-2", p)
		})
		walk(t, tr, "groups by 2", 2, func(g domain.Group) string { return g.Name }, func(p api.PageRequest) (api.Page[domain.Group], error) {
			return backend.ListGroups(ctx, p)
		})
		walk(t, tr, "users by 2", 2, func(u domain.User) string { return u.Email }, func(p api.PageRequest) (api.Page[domain.User], error) {
			return backend.ListUsers(ctx, api.ListUsersRequest{PageRequest: p})
		})
		walk(t, tr, "user tokens by 2", 2, func(u domain.UserToken) string { return u.Name }, func(p api.PageRequest) (api.Page[domain.UserToken], error) {
			return backend.ListUserTokens(ctx, "admin@default.example", p)
		})
		walk(t, tr, "tokens by 2", 2, func(m domain.TokenRecord) string { return string(m.Status) }, func(p api.PageRequest) (api.Page[domain.TokenRecord], error) {
			return backend.ListTokens(ctx, p)
		})
		walk(t, tr, "businesses by 1", 1, func(b domain.Business) string { return b.Name }, func(p api.PageRequest) (api.Page[domain.Business], error) {
			return backend.ListBusinesses(ctx, p)
		})
		// Bad pages are the caller's mistake, in both modes alike.
		groups, err := backend.ListGroups(ctx, api.PageRequest{Limit: 1})
		if err != nil || groups.NextCursor == nil {
			t.Fatalf("groups by 1: %v, %v", groups, err)
		}
		for _, p := range []api.PageRequest{{Limit: -1}, {Limit: domain.MaxPage + 1}, {Cursor: "not a cursor"},
			{Cursor: *groups.NextCursor}, {Cursor: domain.EncodeCursor("principals", "noon", "sa_1")}} {
			_, err := backend.ListAccounts(ctx, api.ListAccountsRequest{PageRequest: p})
			tr.step(fmt.Sprintf("accounts, limit %d, cursor %.12q", p.Limit, p.Cursor), nil, err)
			if domain.KindOf(err) != domain.KindInvalid {
				t.Fatalf("accounts with %+v: %v; want an invalid-input error", p, err)
			}
		}
		_, err = backend.ListAllKeys(ctx, api.ListAllKeysRequest{PageRequest: api.PageRequest{Cursor: *groups.NextCursor}})
		tr.step("inventory with a groups cursor", nil, err)
	})
	wantLine(t, lines, "accounts by 3 page 3", `{"items":["pager-6","pager-7"],"more":false}`)
	wantLine(t, lines, "accounts by 8 page 1", `"more":false`)
	wantLine(t, lines, "suspended accounts by 2 page 1", `{"items":["pager-4"],"more":false}`)
	wantLine(t, lines, "key inventory by 2 page 2", `{"items":["pager-2/primary","pager-3/secondary"],"more":true}`)
	wantLine(t, lines, "accounts, limit -1, cursor \"\"", "invalid limit -1: use 1 to 1000")
	wantLine(t, lines, "inventory with a groups cursor", "invalid cursor")
}

func names[T any](xs []T, name func(T) string) []string {
	out := []string{}
	for _, x := range xs {
		out = append(out, name(x))
	}
	return out
}

// TestOneCursorScheme: a cursor from a page read in process carries on over
// HTTP and back, on one database: the same cursors in both modes.
func TestOneCursorScheme(t *testing.T) {
	w := newWorld(t)
	st, mk, local := w.st, w.mk, w.local
	for i := range 6 {
		if _, err := local.CreateAccount(ctx, api.CreateAccountRequest{Name: fmt.Sprint("Bot ", i)}); err != nil {
			t.Fatal(err)
		}
	}
	ts := httptest.NewServer(server.New(server.Config{Store: st, MasterKey: mk}).Handler())
	t.Cleanup(ts.Close)
	remote, err := client.New(ts.URL, w.token, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	req := api.ListAccountsRequest{PageRequest: api.PageRequest{Limit: 2}}
	for i, backend := range []api.API{local, remote, local, remote} {
		p, err := backend.ListAccounts(ctx, req)
		if err != nil {
			t.Fatalf("page %d: %v", i+1, err)
		}
		for _, a := range p.Items {
			got = append(got, a.APIName)
		}
		if p.NextCursor == nil {
			break
		}
		req.Cursor = *p.NextCursor
	}
	want := []string{"automation", "bot-0", "bot-1", "bot-2", "bot-3", "bot-4", "bot-5"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("pages in turns, local and remote: %v; want %v", got, want)
	}
}
