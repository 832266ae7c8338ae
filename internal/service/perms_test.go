package service

import (
	"github.com/sactl/sactl/internal/api/apitest"
	"strings"
	"testing"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
)

func TestServiceAccountsPermissionLevels(t *testing.T) { // R-PERM-4, R-PERM-6
	e := newEnv(t)
	e.createGroup("viewers", "service_accounts=view")
	e.createGroup("editors", "service_accounts=edit")
	e.createGroup("removers", "service_accounts=remove")
	e.createSA("Viewer", "viewers")
	e.createSA("Editor", "editors")
	e.createSA("Remover", "removers")
	e.createSA("Target", "viewers")

	type call func(s *Service) error
	list := func(s *Service) error {
		_, err := apitest.Items(s.ListAccounts(e.ctx, api.ListAccountsRequest{}))
		return err
	}
	get := func(s *Service) error { _, err := s.GetAccount(e.ctx, "target"); return err }
	create := func(s *Service) error {
		_, err := s.CreateAccount(e.ctx, api.CreateAccountRequest{Name: "Made", Mutation: api.Mutation{DryRun: true}})
		return err
	}
	suspend := func(s *Service) error {
		_, err := s.SuspendAccount(e.ctx, "target", api.Mutation{DryRun: true, Confirmed: true})
		return err
	}
	setGroups := func(s *Service) error {
		_, err := s.ChangeAccountGroups(e.ctx, api.ChangeGroupsRequest{Ref: "target", Op: api.GroupsAdd, Groups: []string{"viewers"}, Mutation: api.Mutation{DryRun: true}})
		return err
	}
	archive := func(s *Service) error {
		_, err := s.ArchiveAccount(e.ctx, "target", api.Mutation{DryRun: true, Confirmed: true})
		return err
	}

	cases := []struct {
		actor string
		ok    []call
		no    []call
	}{
		{"viewer", []call{list, get}, []call{create, suspend, setGroups, archive}},
		{"editor", []call{list, get, create, suspend, setGroups}, []call{archive}},
		{"remover", []call{list, get, create, suspend, setGroups, archive}, nil},
	}
	for _, c := range cases {
		s := e.as(c.actor)
		for i, f := range c.ok {
			if err := f(s); err != nil {
				t.Errorf("%s: allowed call %d failed: %v", c.actor, i, err)
			}
		}
		for i, f := range c.no {
			if err := f(s); domain.KindOf(err) != domain.KindForbidden {
				t.Errorf("%s: call %d should be forbidden, got %v", c.actor, i, err)
			}
		}
	}
	// The groups key guards group administration, not service accounts.
	_, err := e.as("remover").CreateGroup(e.ctx, api.CreateGroupRequest{Name: "x"})
	wantKind(t, err, domain.KindForbidden)
}

func TestEffectivePermissionIsHighestAcrossGroups(t *testing.T) { // R-PERM-3
	e := newEnv(t)
	e.createGroup("low", "service_accounts=view", "contacts=remove")
	e.createGroup("high", "service_accounts=remove", "contacts=none")
	e.createSA("Both", "low", "high")
	e.createSA("Target")
	if _, err := e.as("both").ArchiveAccount(e.ctx, "target", yes); err != nil {
		t.Fatalf("view in one group and remove in another gives remove: %v", err)
	}
	var perms domain.Permissions
	err := e.st.Read(e.ctx, func(tx txnStore) error {
		a, _, err := tx.PrincipalByAPIName(mustBiz(t, e).ID, "both")
		if err != nil {
			return err
		}
		perms, err = tx.EffectivePermissions(a.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if perms["contacts"] != domain.LevelRemove || perms["service_accounts"] != domain.LevelRemove {
		t.Fatalf("effective = %v", perms)
	}
}

func TestActingPrincipalMustBeActive(t *testing.T) { // R-SA-5, R-PERM-6
	e := newEnv(t)
	e.createSA("Idle") // no groups: disabled
	_, err := apitest.Items(e.as("idle").ListAccounts(e.ctx, api.ListAccountsRequest{}))
	wantKind(t, err, domain.KindUnauthenticated)
	_, err = apitest.Items(e.as("ghost").ListAccounts(e.ctx, api.ListAccountsRequest{}))
	wantKind(t, err, domain.KindNotFound)
}

func TestAsIsAudited(t *testing.T) { // R-PERM-6, R-AUD-1
	e := newEnv(t)
	e.createGroup("editors", "service_accounts=edit")
	ed := e.createSA("Editor", "editors")
	if _, err := e.as("editor").CreateAccount(e.ctx, api.CreateAccountRequest{Name: "Made"}); err != nil {
		t.Fatal(err)
	}
	ev := e.events(domain.AuditFilter{Action: "service_account.created", Limit: 1})
	if len(ev) != 1 || ev[0].Actor.ID != ed.ID || ev[0].Actor.Type != "service_integration" || ev[0].Details["via"] != "local:tester" {
		t.Fatalf("event = %+v", ev)
	}
	// The account and its first key: two events, both done by the service account.
	if got := e.events(domain.AuditFilter{Actor: "editor"}); len(got) != 2 {
		t.Fatalf("--actor filter by principal: %d events", len(got))
	}
	if got := e.events(domain.AuditFilter{ServiceOnly: true}); len(got) != 2 {
		t.Fatalf("--service-only: %d events, want the two done by the service account", len(got))
	}
}

func TestNoPrivilegeEscalation(t *testing.T) {
	e := newEnv(t)
	e.createGroup("operators", "service_accounts=edit", "groups=edit")
	e.createSA("Operator", "operators")
	op := e.as("operator")
	_, err := op.CreateAccount(e.ctx, api.CreateAccountRequest{Name: "Sneaky", Groups: []string{"admins"}})
	wantKind(t, err, domain.KindForbidden)
	_, err = op.UpdateGroup(e.ctx, api.UpdateGroupRequest{Name: "operators", Set: domain.Permissions{"service_accounts": domain.LevelRemove}})
	wantKind(t, err, domain.KindForbidden)
	_, err = op.CreateGroup(e.ctx, api.CreateGroupRequest{Name: "mine", Permissions: domain.Permissions{"settings": domain.LevelView}})
	wantKind(t, err, domain.KindForbidden)
	// Application keys count exactly like sactl's own (R-PERM-8).
	_, err = op.CreateGroup(e.ctx, api.CreateGroupRequest{Name: "crm", Permissions: domain.Permissions{"contacts": domain.LevelRemove}})
	wantKind(t, err, domain.KindForbidden)
	// Nor through group changes, users or user tokens.
	e.createSA("Helper", "operators")
	_, err = op.ChangeAccountGroups(e.ctx, api.ChangeGroupsRequest{Ref: "helper", Op: api.GroupsAdd, Groups: []string{"admins"}})
	wantKind(t, err, domain.KindForbidden)
	e.createGroup("people", "users=edit")
	e.createSA("HR Sync", "people")
	hr := e.as("hr-sync")
	_, err = hr.CreateUser(e.ctx, api.CreateUserRequest{Name: "Mallory", Email: "mallory@example.com", Groups: []string{"admins"}})
	wantKind(t, err, domain.KindForbidden)
	if _, err := e.local.CreateUser(e.ctx, api.CreateUserRequest{Name: "Root", Email: "root@example.com", Groups: []string{"admins"}}); err != nil {
		t.Fatal(err)
	}
	_, err = hr.CreateUserToken(e.ctx, api.CreateUserTokenRequest{Ref: "root@example.com"})
	wantKind(t, err, domain.KindForbidden)
	if g := e.get("helper").Groups; strings.Join(g, ",") != "operators" {
		t.Fatalf("helper's groups = %v", g)
	}
}

func TestBuiltinGroups(t *testing.T) { // R-PERM-2
	e := newEnv(t)
	_, err := e.local.DeleteGroup(e.ctx, "admins", yes)
	wantKind(t, err, domain.KindProtected)
	_, err = e.local.DeleteGroup(e.ctx, "automation", yes)
	wantKind(t, err, domain.KindProtected)
	_, err = e.local.UpdateGroup(e.ctx, api.UpdateGroupRequest{Name: "admins", Drop: []string{"audit"}})
	wantKind(t, err, domain.KindProtected)
	// admins' members are editable.
	a := e.createSA("Zap", "admins")
	if strings.Join(a.Groups, ",") != "admins" {
		t.Fatal(a.Groups)
	}
}

func TestGroupLifecycle(t *testing.T) { // R-PERM-1, R-PERM-7
	e := newEnv(t)
	g := e.createGroup("Readers", "service_accounts=view", "deals=edit")
	if g.Permissions.String() != "deals=edit,service_accounts=view" || g.Builtin {
		t.Fatalf("group = %+v", g)
	}
	_, err := e.local.CreateGroup(e.ctx, api.CreateGroupRequest{Name: "readers"})
	wantKind(t, err, domain.KindConflict)
	_, err = e.local.CreateGroup(e.ctx, api.CreateGroupRequest{Name: "bad", Permissions: domain.Permissions{"Bad Key": domain.LevelView}})
	wantKind(t, err, domain.KindInvalid)
	newName := "viewers"
	g, err = e.local.UpdateGroup(e.ctx, api.UpdateGroupRequest{Name: "readers", NewName: &newName, Set: domain.Permissions{"contacts": domain.LevelView}, Drop: []string{"deals"}})
	if err != nil || g.Name != "viewers" || g.Permissions.String() != "contacts=view,service_accounts=view" {
		t.Fatalf("update: %v %+v", err, g)
	}
	_, err = e.local.UpdateGroup(e.ctx, api.UpdateGroupRequest{Name: "viewers", Drop: []string{"nope"}})
	wantKind(t, err, domain.KindInvalid)

	e.createGroup("other", "contacts=view")
	e.createSA("Only", "viewers")
	e.createSA("Two", "viewers", "other")
	_, err = e.local.DeleteGroup(e.ctx, "viewers", api.Mutation{})
	wantKind(t, err, domain.KindNeedsConfirm)
	var de *domain.Error
	asDomain(err, &de)
	plan := strings.Join(de.Confirm.Consequences, "\n")
	if !strings.Contains(plan, `"Only" (only) will be disabled`) || strings.Contains(plan, `"Two"`) {
		t.Fatalf("the plan names exactly the accounts left disabled:\n%s", plan)
	}
	if _, err := e.local.DeleteGroup(e.ctx, "viewers", yes); err != nil {
		t.Fatal(err)
	}
	if e.get("only").Status != domain.StatusDisabled || e.get("two").Status != domain.StatusActive {
		t.Fatal("deleting the group should leave only its sole holders disabled")
	}
	// An unassigned group is deleted without confirmation.
	e.createGroup("unused")
	if _, err := e.local.DeleteGroup(e.ctx, "unused", api.Mutation{}); err != nil {
		t.Fatal(err)
	}
}

func TestIntrospectionNeedsItsPermission(t *testing.T) { // R-PERM-10
	e := newEnv(t)
	e.createGroup("gateway", "introspection=view")
	e.createGroup("viewers", "service_accounts=view")
	e.createSA("Gateway", "gateway")
	e.createSA("Viewer", "viewers")
	_, target := e.createWithKey("Target", "viewers")
	_, err := e.as("viewer").Verify(e.ctx, target)
	wantKind(t, err, domain.KindForbidden)
	if !strings.Contains(err.Error(), "introspection=view") {
		t.Fatalf("the refusal names the permission: %v", err)
	}
	v, err := e.as("gateway").Verify(e.ctx, target)
	if err != nil || !v.Active {
		t.Fatalf("introspection=view verifies: %+v %v", v, err)
	}
	// The local operator needs nothing (R-PERM-6).
	if v, err := e.local.Verify(e.ctx, target); err != nil || !v.Active {
		t.Fatalf("local: %+v %v", v, err)
	}
}

func TestForeignCredentialIsUnknown(t *testing.T) { // R-PERM-10
	e := newEnv(t)
	_, key := e.createWithKey("Target", "admins")
	tok, err := e.local.MintToken(e.ctx, api.MintTokenRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.local.CreateBusiness(e.ctx, api.CreateBusinessRequest{Name: "other"}); err != nil {
		t.Fatal(err)
	}
	other := New(e.st, LocalActor("tester"), "other", WithClock(e.clk.now), WithMasterKey(e.mk))
	for _, cred := range []string{key, tok.Token} {
		v, err := other.Verify(e.ctx, cred)
		if err != nil {
			t.Fatal(err)
		}
		if v.Active || v.Reason != domain.ReasonUnknown || v.Principal != nil || v.Business != "other" ||
			(v.Credential != nil && v.Credential.ID != "") || len(v.Permissions) != 0 {
			t.Fatalf("a credential of another business reads as unknown, with no id: %+v", v)
		}
	}
}
