package service

import (
	"github.com/sactl/sactl/internal/api/apitest"
	"slices"
	"testing"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
)

func TestServiceAccountsAreNotUsersOrSeats(t *testing.T) { // R-SA-9, R-USER-1
	e := newEnv(t)
	e.createSA("Zapier Sync", "admins")
	e.createSA("Zebra Export")
	ada, err := e.local.CreateUser(e.ctx, api.CreateUserRequest{Name: "Ada Lovelace", Email: "Ada@Example.com", Groups: []string{"admins"}})
	if err != nil {
		t.Fatal(err)
	}
	if ada.Email != "ada@example.com" || ada.AccountType != domain.TypeHuman || ada.Status != domain.StatusActive {
		t.Fatalf("user = %+v", ada)
	}
	if _, err := e.local.CreateUser(e.ctx, api.CreateUserRequest{Name: "Zoe Zed", Email: "zoe@example.com"}); err != nil {
		t.Fatal(err)
	}
	_, err = e.local.CreateUser(e.ctx, api.CreateUserRequest{Name: "Ada Again", Email: "ADA@example.com"})
	wantKind(t, err, domain.KindConflict)
	_, err = e.local.CreateUser(e.ctx, api.CreateUserRequest{Name: "Bad", Email: "not-an-email"})
	wantKind(t, err, domain.KindInvalid)

	users, err := apitest.Items(e.local.ListUsers(e.ctx, api.ListUsersRequest{}))
	if err != nil || len(users) != 2 {
		t.Fatalf("users list should hold the 2 humans only: %v %d", err, len(users))
	}
	seats, err := e.local.Seats(e.ctx)
	if err != nil || seats.Seats != 2 || seats.ServiceAccounts != 3 {
		t.Fatalf("seats = %+v (want 2 humans, 3 service accounts apart)", seats)
	}
	search := func(prefix string, withSA bool) int {
		res, err := e.local.SearchPrincipals(e.ctx, api.SearchRequest{Prefix: prefix, IncludeServiceAccounts: withSA})
		if err != nil {
			t.Fatal(err)
		}
		return len(res)
	}
	if n := search("z", false); n != 1 {
		t.Fatalf("typeahead 'z' without service accounts: %d, want 1 (Zoe)", n)
	}
	if n := search("z", true); n != 3 {
		t.Fatalf("typeahead 'z' with service accounts: %d, want 3", n)
	}
	if n := search("love", false); n != 1 {
		t.Fatalf("typeahead matches a later word of the name: %d", n)
	}
	if n := search("%", true); n != 0 {
		t.Fatalf("LIKE wildcards must be literal: %d", n)
	}

	// Removing a user needs confirmation, frees the seat, keeps the record.
	_, err = e.local.RemoveUser(e.ctx, "zoe@example.com", api.Mutation{})
	wantKind(t, err, domain.KindNeedsConfirm)
	if _, err := e.local.RemoveUser(e.ctx, "Zoe Zed", yes); err != nil {
		t.Fatal(err)
	}
	seats, _ = e.local.Seats(e.ctx)
	all, _ := apitest.Items(e.local.ListUsers(e.ctx, api.ListUsersRequest{Removed: true}))
	removed := 0
	for _, u := range all {
		if u.Status == domain.StatusRemoved && u.ArchivedAt != nil && u.Name == "Zoe Zed" {
			removed++
		}
	}
	if seats.Seats != 1 || len(all) != 2 || removed != 1 {
		t.Fatalf("after removal: seats %d, users with removed %d, removed %d", seats.Seats, len(all), removed)
	}
	// The email is free again for a new user.
	if _, err := e.local.CreateUser(e.ctx, api.CreateUserRequest{Name: "Zoe Zed", Email: "zoe@example.com"}); err != nil {
		t.Fatal(err)
	}
}

func TestUserGroupsAndUpdate(t *testing.T) { // R-USER-1
	e := newEnv(t)
	if _, err := e.local.CreateUser(e.ctx, api.CreateUserRequest{Name: "Ada", Email: "ada@example.com"}); err != nil {
		t.Fatal(err)
	}
	u, err := e.local.ChangeUserGroups(e.ctx, api.ChangeGroupsRequest{Ref: "ada", Op: api.GroupsAdd, Groups: []string{"admins"}})
	if err != nil || len(u.Groups) != 1 {
		t.Fatalf("%v %+v", err, u)
	}
	// Clearing a human's groups is not R-SA-6's destructive change.
	if u, err = e.local.ChangeUserGroups(e.ctx, api.ChangeGroupsRequest{Ref: "ada", Op: api.GroupsClear}); err != nil || len(u.Groups) != 0 {
		t.Fatalf("%v %+v", err, u)
	}
	email := "ada.l@example.com"
	if u, err = e.local.UpdateUser(e.ctx, api.UpdateUserRequest{Ref: "ada@example.com", Email: &email}); err != nil || u.Email != email {
		t.Fatalf("%v %+v", err, u)
	}
	_, err = e.local.GetUser(e.ctx, "zapier")
	wantKind(t, err, domain.KindNotFound)
}

func TestSettings(t *testing.T) { // R-SA-10, R-KEY-4, R-KEY-5, R-KEY-8, R-KEY-10
	e := newEnv(t)
	all, err := e.local.GetSettings(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"max_keys_per_account": "2", "max_service_accounts": "unlimited", "key_retrieval": "on", "key_max_ttl": "none"}
	for _, s := range all {
		if w, ok := want[s.Key]; ok && (s.Value != w || !s.IsDefault) {
			t.Errorf("%s = %q (default %v), want %q", s.Key, s.Value, s.IsDefault, w)
		}
	}
	set := func(k, v string) (api.Setting, error) {
		return e.local.SetSetting(e.ctx, api.SetSettingRequest{Key: k, Value: v})
	}
	if s, err := set("max_keys_per_account", "50"); err != nil || s.Value != "50" || s.IsDefault {
		t.Fatalf("%v %+v", err, s)
	}
	for _, bad := range [][2]string{
		{"max_keys_per_account", "101"}, {"max_keys_per_account", "0"}, {"max_keys_per_account", "two"},
		{"key_retrieval", "maybe"}, {"key_max_ttl", "soon"}, {"key_max_ttl", "-5d"}, {"nope", "1"},
	} {
		_, err := set(bad[0], bad[1])
		wantKind(t, err, domain.KindInvalid)
	}
	if _, err := set("key_max_ttl", "2y"); err != nil {
		t.Fatal(err)
	}
	if _, err := set("key_min_ttl", "180d"); err != nil {
		t.Fatal(err)
	}
	_, err = set("key_min_ttl", "3y")
	wantKind(t, err, domain.KindInvalid)
	_, err = set("key_default_ttl", "30d")
	wantKind(t, err, domain.KindInvalid)
	if s, err := set("key_default_ttl", "365d"); err != nil || s.Value != "1y" {
		t.Fatalf("%v %+v", err, s)
	}
	ev := e.events(domain.AuditFilter{Action: "setting."})
	if len(ev) != 4 || ev[0].Details["from"] != "2" || ev[0].Details["to"] != "50" {
		t.Fatalf("setting events = %+v", ev)
	}
}

func TestBusinesses(t *testing.T) {
	e := newEnv(t)
	b, err := e.local.CreateBusiness(e.ctx, api.CreateBusinessRequest{Name: "acme", Domain: "acme.com"})
	if err != nil || b.Domain != "acme.com" {
		t.Fatalf("%v %+v", err, b)
	}
	_, err = e.local.CreateBusiness(e.ctx, api.CreateBusinessRequest{Name: "acme"})
	wantKind(t, err, domain.KindConflict)
	_, err = e.local.CreateBusiness(e.ctx, api.CreateBusinessRequest{Name: "Bad Name"})
	wantKind(t, err, domain.KindInvalid)
	acme := New(e.st, LocalActor("tester"), "acme", WithClock(e.clk.now), WithMasterKey(e.mk))
	a, err := acme.CreateAccount(e.ctx, api.CreateAccountRequest{Name: "Zap"})
	if err != nil || a.Business != "acme" || a.Email != "zap+"+domain.ShortID(a.ID)+"@serviceaccounts.acme.com" {
		t.Fatalf("%v %+v", err, a)
	}
	// Businesses are isolated: same name in default is fine, and not visible across.
	e.createSA("Zap")
	accts, _ := apitest.Items(acme.ListAccounts(e.ctx, api.ListAccountsRequest{}))
	if len(accts) != 2 {
		t.Fatalf("acme sees %d accounts, want its automation account and Zap", len(accts))
	}
	_, err = apitest.Items(New(e.st, LocalActor("tester"), "nope").ListAccounts(e.ctx, api.ListAccountsRequest{}))
	wantKind(t, err, domain.KindNotFound)
	// A principal cannot create businesses.
	e.createSA("Admin", "admins")
	_, err = e.as("admin").CreateBusiness(e.ctx, api.CreateBusinessRequest{Name: "evil"})
	wantKind(t, err, domain.KindForbidden)
}

// serve init makes the business's first administrator, once (R-USER-2);
// an existing user named by --email becomes an administrator too.
func TestInitAdmin(t *testing.T) {
	e := newEnv(t)
	if _, err := e.local.CreateUser(e.ctx, api.CreateUserRequest{Name: "Ada", Email: "ada@example.com"}); err != nil {
		t.Fatal(err)
	}
	_, _, err := e.as("ada@example.com").InitAdmin(e.ctx, "")
	wantKind(t, err, domain.KindForbidden)
	u, tok, err := e.local.InitAdmin(e.ctx, "ADA@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "ada@example.com" || !slices.Contains(u.Groups, AdminsGroup) {
		t.Fatalf("init admin = %+v, want ada in admins", u)
	}
	v, err := e.local.Verify(e.ctx, tok.Secret)
	if err != nil || !v.Active || v.Permissions[domain.PermUsers] != domain.LevelRemove {
		t.Fatalf("the admin token: %+v, %v", v, err)
	}
	if acts := actions(e.events(domain.AuditFilter{Action: "group.assigned"})); acts != "group.assigned" {
		t.Fatalf("admins membership audited as %q", acts)
	}
	_, _, err = e.local.InitAdmin(e.ctx, "")
	wantKind(t, err, domain.KindConflict)

	// On a fresh business it creates admin@<domain>.
	e2 := newEnv(t)
	u, _, err = e2.local.InitAdmin(e2.ctx, "")
	if err != nil || u.Email != "admin@default.example" || !slices.Contains(u.Groups, AdminsGroup) {
		t.Fatalf("fresh init admin = %+v, %v", u, err)
	}
}
