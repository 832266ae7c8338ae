package service

import (
	"errors"
	"github.com/sactl/sactl/internal/api/apitest"
	"strings"
	"testing"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
)

func TestBootstrapMakesAutomationAccountAndBuiltinGroups(t *testing.T) { // R-SA-4, R-PERM-2
	e := newEnv(t)
	accts, err := apitest.Items(e.local.ListAccounts(e.ctx, api.ListAccountsRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	if len(accts) != 1 {
		t.Fatalf("want only the automation account, got %d accounts", len(accts))
	}
	a := accts[0]
	if a.AccountType != domain.TypeAutomation || a.APIName != "automation" || a.Name != "Automation Code Account" {
		t.Fatalf("automation account = %+v", a)
	}
	if a.Status != domain.StatusActive || len(a.Groups) != 1 || a.Groups[0] != "automation" {
		t.Fatalf("automation account should be active holding the automation group, got %s %v", a.Status, a.Groups)
	}
	gs, err := apitest.Items(e.local.ListGroups(e.ctx, api.PageRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	if len(gs) != 2 || gs[0].Name != "admins" || gs[1].Name != "automation" {
		t.Fatalf("groups = %v", gs)
	}
	for _, k := range domain.SactlPermissionKeys {
		if gs[0].Permissions[k] != domain.LevelRemove {
			t.Errorf("admins: %s = %s, want remove", k, gs[0].Permissions[k])
		}
	}
	if !gs[1].Protected || gs[0].Protected || !gs[0].Builtin {
		t.Errorf("admins builtin unprotected, automation protected: got %+v / %+v", gs[0], gs[1])
	}
}

func TestCreateAccountDefaults(t *testing.T) { // R-SA-1, R-SA-2, R-SA-3
	e := newEnv(t)
	e.createGroup("readers", "service_accounts=view")
	a := e.createSA("  Zapier Sync  ", "readers")
	if a.Name != "Zapier Sync" || a.APIName != "zapier-sync" || a.AccountType != domain.TypeIntegration {
		t.Fatalf("got %+v", a)
	}
	if !strings.HasPrefix(a.Email, "zapier-sync+") || !strings.HasSuffix(a.Email, "@serviceaccounts.default.example") ||
		!strings.Contains(a.Email, "+"+domain.ShortID(a.ID)+"@") {
		t.Fatalf("email = %q", a.Email)
	}
	if a.Status != domain.StatusActive {
		t.Fatalf("status = %s, want active", a.Status)
	}
	b := e.createSA("No Groups")
	if b.Status != domain.StatusDisabled {
		t.Fatalf("an account without groups is disabled, got %s", b.Status)
	}
	c, err := e.local.CreateAccount(e.ctx, api.CreateAccountRequest{Name: "Café Sync", APIName: "cafe_custom"})
	if err != nil || c.APIName != "cafe_custom" {
		t.Fatalf("explicit api name: %v %+v", err, c)
	}
	if got := e.createSA("Café Déjà Vu").APIName; got != "cafe-deja-vu" {
		t.Fatalf("derived api name = %q", got)
	}
	if got := e.createSA("🚀🚀").APIName; got != "account" {
		t.Fatalf("api name of an emoji-only name = %q", got)
	}
}

func TestCreateAccountRejectsBadInputAndWritesNothing(t *testing.T) { // R-SA-1, R-SA-2
	e := newEnv(t)
	e.createSA("Zapier Sync")
	before := len(e.events(domain.AuditFilter{}))
	cases := []struct {
		name string
		req  api.CreateAccountRequest
		kind domain.Kind
	}{
		{"empty", api.CreateAccountRequest{Name: "   "}, domain.KindInvalid},
		{"81 chars", api.CreateAccountRequest{Name: strings.Repeat("a", 81)}, domain.KindInvalid},
		{"control char", api.CreateAccountRequest{Name: "bad\x01name"}, domain.KindInvalid},
		{"newline", api.CreateAccountRequest{Name: "two\nlines"}, domain.KindInvalid},
		{"duplicate, other case", api.CreateAccountRequest{Name: "ZAPIER sync"}, domain.KindConflict},
		{"unknown group", api.CreateAccountRequest{Name: "x", Groups: []string{"nope"}}, domain.KindNotFound},
		{"protected group", api.CreateAccountRequest{Name: "x", Groups: []string{"automation"}}, domain.KindProtected},
		{"bad api name", api.CreateAccountRequest{Name: "x", APIName: "Bad Name"}, domain.KindInvalid},
		{"taken api name", api.CreateAccountRequest{Name: "x", APIName: "automation"}, domain.KindConflict},
		{"description too long", api.CreateAccountRequest{Name: "x", Description: strings.Repeat("d", 1001)}, domain.KindInvalid},
		{"icon too long", api.CreateAccountRequest{Name: "x", Icon: strings.Repeat("i", 33)}, domain.KindInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.local.CreateAccount(e.ctx, c.req)
			wantKind(t, err, c.kind)
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
	accts, _ := apitest.Items(e.local.ListAccounts(e.ctx, api.ListAccountsRequest{Archived: true}))
	if len(accts) != 2 {
		t.Fatalf("bad input wrote accounts: have %d, want 2", len(accts))
	}
	if after := len(e.events(domain.AuditFilter{})); after != before {
		t.Fatalf("bad input wrote %d audit events", after-before)
	}
	// An 80-character name is fine.
	e.createSA(strings.Repeat("b", 80))
}

func TestArchivedNamesAreFreeButAPINamesAreNot(t *testing.T) { // R-SA-1, R-SA-2
	e := newEnv(t)
	a := e.createSA("Zapier Sync")
	if _, err := e.local.ArchiveAccount(e.ctx, a.ID, yes); err != nil {
		t.Fatal(err)
	}
	b := e.createSA("Zapier Sync")
	if b.APIName != "zapier-sync-2" {
		t.Fatalf("re-created account's api name = %q, want zapier-sync-2 (archived keep theirs)", b.APIName)
	}
	// The name now resolves to the live account; the archived one by id or api name.
	if got := e.get("Zapier Sync"); got.ID != b.ID {
		t.Fatalf("name resolved to %s, want the live account %s", got.ID, b.ID)
	}
	if got := e.get("zapier-sync"); got.ID != a.ID || got.Status != domain.StatusArchived {
		t.Fatalf("archived account by api name: %+v", got)
	}
}

func TestStatusPrecedence(t *testing.T) { // R-SA-5
	e := newEnv(t)
	e.createGroup("readers", "service_accounts=view")
	a := e.createSA("Zap", "readers")
	if a.Status != domain.StatusActive {
		t.Fatal(a.Status)
	}
	if _, err := e.local.ChangeAccountGroups(e.ctx, api.ChangeGroupsRequest{Ref: "zap", Op: api.GroupsClear, Mutation: yes}); err != nil {
		t.Fatal(err)
	}
	if got := e.get("zap").Status; got != domain.StatusDisabled {
		t.Fatalf("no groups: %s, want disabled", got)
	}
	if _, err := e.local.SuspendAccount(e.ctx, "zap", yes); err != nil {
		t.Fatal(err)
	}
	if got := e.get("zap").Status; got != domain.StatusSuspended {
		t.Fatalf("suspended without groups: %s, want suspended (suspended > disabled)", got)
	}
	if _, err := e.local.ArchiveAccount(e.ctx, "zap", yes); err != nil {
		t.Fatal(err)
	}
	if got := e.get("zap").Status; got != domain.StatusArchived {
		t.Fatalf("archived while suspended: %s, want archived (archived > suspended)", got)
	}
}

func TestClearingLastGroupNeedsConfirmation(t *testing.T) { // R-SA-6
	e := newEnv(t)
	e.createGroup("readers", "service_accounts=view")
	e.createGroup("writers", "service_accounts=edit")
	e.createSA("Zap", "readers", "writers")

	// Removing one of two groups is not destructive.
	if _, err := e.local.ChangeAccountGroups(e.ctx, api.ChangeGroupsRequest{Ref: "zap", Op: api.GroupsRemove, Groups: []string{"writers"}}); err != nil {
		t.Fatalf("removing one of two groups: %v", err)
	}
	for _, req := range []api.ChangeGroupsRequest{
		{Ref: "zap", Op: api.GroupsClear},
		{Ref: "zap", Op: api.GroupsSet},
		{Ref: "zap", Op: api.GroupsRemove, Groups: []string{"readers"}},
	} {
		_, err := e.local.ChangeAccountGroups(e.ctx, req)
		wantKind(t, err, domain.KindNeedsConfirm)
		var de *domain.Error
		_ = asDomain(err, &de)
		if de.Confirm == nil || !strings.Contains(strings.Join(de.Confirm.Consequences, " "), "stop working") {
			t.Fatalf("%s: confirmation should warn that integrations stop working: %+v", req.Op, de.Confirm)
		}
		if got := e.get("zap"); got.Status != domain.StatusActive || len(got.Groups) != 1 {
			t.Fatalf("%s without confirmation changed the account: %+v", req.Op, got)
		}
	}
	a, err := e.local.ChangeAccountGroups(e.ctx, api.ChangeGroupsRequest{Ref: "zap", Op: api.GroupsClear, Mutation: yes})
	if err != nil || a.Status != domain.StatusDisabled || len(a.Groups) != 0 {
		t.Fatalf("confirmed clear: %v %+v", err, a)
	}
	a, err = e.local.ChangeAccountGroups(e.ctx, api.ChangeGroupsRequest{Ref: "zap", Op: api.GroupsAdd, Groups: []string{"readers"}})
	if err != nil || a.Status != domain.StatusActive {
		t.Fatalf("assigning a group again makes it active: %v %+v", err, a)
	}
	// set replaces, and set with the same groups is a no-op (no event).
	a, err = e.local.ChangeAccountGroups(e.ctx, api.ChangeGroupsRequest{Ref: "zap", Op: api.GroupsSet, Groups: []string{"writers", "readers", "writers"}})
	if err != nil || strings.Join(a.Groups, ",") != "readers,writers" {
		t.Fatalf("set: %v %v", err, a.Groups)
	}
	n := len(e.events(domain.AuditFilter{}))
	if _, err := e.local.ChangeAccountGroups(e.ctx, api.ChangeGroupsRequest{Ref: "zap", Op: api.GroupsSet, Groups: []string{"readers", "writers"}}); err != nil {
		t.Fatal(err)
	}
	if len(e.events(domain.AuditFilter{})) != n {
		t.Fatal("a set that changes nothing must not write an audit event")
	}
}

func asDomain(err error, target **domain.Error) bool {
	de, ok := err.(*domain.Error)
	if ok {
		*target = de
	}
	return ok
}

func TestSuspendAndResume(t *testing.T) { // R-SA-7
	e := newEnv(t)
	e.createGroup("readers", "service_accounts=view")
	e.createSA("Zap", "readers")
	_, err := e.local.SuspendAccount(e.ctx, "zap", api.Mutation{})
	wantKind(t, err, domain.KindNeedsConfirm)
	if e.get("zap").Status != domain.StatusActive {
		t.Fatal("unconfirmed suspend changed the account")
	}
	// The confirmation names what stops working: the account's active key.
	ks, _ := apitest.Items(e.local.ListKeys(e.ctx, "zap", api.PageRequest{}))
	if c := consequences(err); len(ks) != 1 || !strings.Contains(c, ks[0].ID) || !strings.Contains(c, ks[0].Hint+", never used") {
		t.Fatalf("suspend consequences = %q, want the key %v", c, ks)
	}
	// A key verification already rejects (R-KEY-14: older than key_max_ttl)
	// is not listed as one that will stop working.
	if _, err := e.local.SetSetting(e.ctx, api.SetSettingRequest{Key: "key_max_ttl", Value: "30d"}); err != nil {
		t.Fatal(err)
	}
	e.clk.advance(31 * domain.Day)
	_, err = e.local.SuspendAccount(e.ctx, "zap", api.Mutation{})
	if c := consequences(err); !strings.HasPrefix(c, "the account has no active keys;") {
		t.Fatalf("suspend consequences with a too-old key = %q", c)
	}
	if _, err := e.local.SuspendAccount(e.ctx, "zap", yes); err != nil {
		t.Fatal(err)
	}
	// A suspended account cannot be edited except to resume or archive it.
	name := "Other"
	_, err = e.local.UpdateAccount(e.ctx, api.UpdateAccountRequest{Ref: "zap", Name: &name})
	wantKind(t, err, domain.KindConflict)
	_, err = e.local.ChangeAccountGroups(e.ctx, api.ChangeGroupsRequest{Ref: "zap", Op: api.GroupsAdd, Groups: []string{"admins"}})
	wantKind(t, err, domain.KindConflict)
	a, err := e.local.ResumeAccount(e.ctx, "zap", api.Mutation{})
	if err != nil || a.Status != domain.StatusActive {
		t.Fatalf("resume: %v %s", err, a.Status)
	}
	acts := actions(e.events(domain.AuditFilter{Account: "zap"}))
	if !strings.Contains(acts, "service_account.suspended,service_account.resumed") {
		t.Fatalf("audit = %s", acts)
	}
}

// consequences are what a confirmation error says a change would do.
func consequences(err error) string {
	var de *domain.Error
	if !errors.As(err, &de) || de.Confirm == nil {
		return ""
	}
	return strings.Join(de.Confirm.Consequences, "; ")
}

func actions(evs []domain.AuditEvent) string {
	var s []string
	for _, e := range evs {
		s = append(s, e.Action)
	}
	return strings.Join(s, ",")
}

func TestArchive(t *testing.T) { // R-SA-8
	e := newEnv(t)
	e.createSA("Zap", "admins")
	_, err := e.local.ArchiveAccount(e.ctx, "zap", api.Mutation{})
	wantKind(t, err, domain.KindNeedsConfirm)
	var de *domain.Error
	asDomain(err, &de)
	if de.Confirm.TypeToConfirm != "zap" {
		t.Fatalf("archive should ask to type the api name, asks %q", de.Confirm.TypeToConfirm)
	}
	if e.get("zap").Status == domain.StatusArchived {
		t.Fatal("unconfirmed archive archived")
	}
	if _, err := e.local.ArchiveAccount(e.ctx, "zap", yes); err != nil {
		t.Fatal(err)
	}
	live, _ := apitest.Items(e.local.ListAccounts(e.ctx, api.ListAccountsRequest{}))
	all, _ := apitest.Items(e.local.ListAccounts(e.ctx, api.ListAccountsRequest{Archived: true}))
	only, _ := apitest.Items(e.local.ListAccounts(e.ctx, api.ListAccountsRequest{Status: domain.StatusArchived}))
	if len(live) != 1 || len(all) != 2 || len(only) != 1 || only[0].APIName != "zap" {
		t.Fatalf("archived account visibility: live %d, all %d, only-archived %d", len(live), len(all), len(only))
	}
	desc := "x"
	_, err = e.local.UpdateAccount(e.ctx, api.UpdateAccountRequest{Ref: "zap", Description: &desc})
	wantKind(t, err, domain.KindConflict)
	_, err = e.local.ResumeAccount(e.ctx, "zap", api.Mutation{})
	wantKind(t, err, domain.KindConflict)
}

func TestAutomationAccountIsProtected(t *testing.T) { // R-SA-4
	e := newEnv(t)
	name, backend := "Renamed", "renamed"
	_, err := e.local.ArchiveAccount(e.ctx, "automation", yes)
	wantKind(t, err, domain.KindProtected)
	_, err = e.local.UpdateAccount(e.ctx, api.UpdateAccountRequest{Ref: "automation", Name: &name})
	wantKind(t, err, domain.KindProtected)
	_, err = e.local.UpdateAccount(e.ctx, api.UpdateAccountRequest{Ref: "automation", APIName: &backend})
	wantKind(t, err, domain.KindProtected)
	_, err = e.local.SuspendAccount(e.ctx, "automation", yes)
	wantKind(t, err, domain.KindProtected)
	for _, req := range []api.ChangeGroupsRequest{
		{Ref: "automation", Op: api.GroupsClear},
		{Ref: "automation", Op: api.GroupsAdd, Groups: []string{"admins"}},
		{Ref: "automation", Op: api.GroupsSet, Groups: []string{"admins"}},
	} {
		req.Mutation = yes
		_, err = e.local.ChangeAccountGroups(e.ctx, req)
		wantKind(t, err, domain.KindProtected)
	}
	if a := e.get("automation"); a.Status != domain.StatusActive || a.Name != "Automation Code Account" {
		t.Fatalf("automation account changed: %+v", a)
	}
}

func TestUpdateAccount(t *testing.T) { // R-SA-1, R-SA-2
	e := newEnv(t)
	e.createSA("Zap")
	e.createSA("Other")
	name, backend, desc, icon := "Zapier Sync", "zapier", "owned by #growth", "⚡"
	a, err := e.local.UpdateAccount(e.ctx, api.UpdateAccountRequest{Ref: "zap", Name: &name, APIName: &backend, Description: &desc, Icon: &icon})
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != name || a.APIName != backend || a.Description != desc || a.Icon != icon || !strings.HasPrefix(a.Email, "zapier+") {
		t.Fatalf("got %+v", a)
	}
	dup := "OTHER"
	_, err = e.local.UpdateAccount(e.ctx, api.UpdateAccountRequest{Ref: "zapier", Name: &dup})
	wantKind(t, err, domain.KindConflict)
	_, err = e.local.UpdateAccount(e.ctx, api.UpdateAccountRequest{Ref: "zapier"})
	wantKind(t, err, domain.KindInvalid)
	// Changing only the case of one's own name is allowed.
	lower := "zapier sync"
	if a, err = e.local.UpdateAccount(e.ctx, api.UpdateAccountRequest{Ref: "zapier", Name: &lower}); err != nil || a.Name != lower {
		t.Fatalf("case-only rename: %v %q", err, a.Name)
	}
	ev := e.events(domain.AuditFilter{Action: "service_account.updated"})
	if len(ev) != 2 {
		t.Fatalf("want 2 update events, got %d", len(ev))
	}
	ch := ev[0].Details["changes"].(map[string]any)
	if ch["name"].(map[string]any)["from"] != "Zap" || ch["api_name"].(map[string]any)["to"] != "zapier" {
		t.Fatalf("update event details = %v", ev[0].Details)
	}
}

func TestResolveByIDAPINameOrName(t *testing.T) { // R-CLI-5
	e := newEnv(t)
	a := e.createSA("Zapier Sync")
	for _, ref := range []string{a.ID, "zapier-sync", "Zapier Sync", "zapier SYNC"} {
		if got := e.get(ref); got.ID != a.ID {
			t.Errorf("%q resolved to %s", ref, got.ID)
		}
	}
	_, err := e.local.GetAccount(e.ctx, "nope")
	wantKind(t, err, domain.KindNotFound)
	if _, err := e.local.CreateUser(e.ctx, api.CreateUserRequest{Name: "Ada", Email: "ada@example.com"}); err != nil {
		t.Fatal(err)
	}
	_, err = e.local.GetAccount(e.ctx, "ada@example.com")
	wantKind(t, err, domain.KindNotFound)
}

func TestMaxServiceAccounts(t *testing.T) { // R-SA-10
	e := newEnv(t)
	if _, err := e.local.SetSetting(e.ctx, api.SetSettingRequest{Key: "max_service_accounts", Value: "2"}); err != nil {
		t.Fatal(err)
	}
	e.createSA("One")
	e.createSA("Two")
	_, err := e.local.CreateAccount(e.ctx, api.CreateAccountRequest{Name: "Three"})
	wantKind(t, err, domain.KindConflict)
	if !strings.Contains(err.Error(), "2 of 2") {
		t.Fatalf("limit error should say what is used and allowed: %q", err)
	}
	// The automation account does not count, and archiving frees a place.
	if _, err := e.local.ArchiveAccount(e.ctx, "one", yes); err != nil {
		t.Fatal(err)
	}
	e.createSA("Three")
}

func TestDryRunChangesNothing(t *testing.T) { // R-CLI-2
	e := newEnv(t)
	e.createSA("Zap", "admins")
	n := len(e.events(domain.AuditFilter{}))
	dry := api.Mutation{DryRun: true, Confirmed: true}
	a, err := e.local.ArchiveAccount(e.ctx, "zap", dry)
	if err != nil || a.Status != domain.StatusArchived {
		t.Fatalf("dry-run archive should return the would-be result: %v %s", err, a.Status)
	}
	created, err := e.local.CreateAccount(e.ctx, api.CreateAccountRequest{Name: "New", Mutation: dry})
	if err != nil {
		t.Fatal(err)
	}
	// A key that is never stored must not be shown: it would never work.
	if created.Key != nil && created.Key.Secret != "" {
		t.Fatal("a dry-run create printed a secret")
	}
	if k, err := e.local.RotateKeys(e.ctx, api.RotateKeyRequest{Ref: "zap", Mutation: dry}); err != nil || k.Secret != "" {
		t.Fatalf("a dry-run rotation: secret %q, %v", k.Secret, err)
	}
	if _, err := e.local.ArchiveAccount(e.ctx, "zap", api.Mutation{DryRun: true}); domain.KindOf(err) != domain.KindNeedsConfirm {
		t.Fatalf("an unconfirmed dry run reports the plan as a confirmation error, got %v", err)
	}
	if e.get("zap").Status != domain.StatusActive {
		t.Fatal("dry run archived")
	}
	if _, err := e.local.GetAccount(e.ctx, "new"); domain.KindOf(err) != domain.KindNotFound {
		t.Fatal("dry run created")
	}
	if len(e.events(domain.AuditFilter{})) != n {
		t.Fatal("dry run wrote audit events")
	}
}
