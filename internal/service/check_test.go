package service

import (
	"slices"
	"strings"
	"testing"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
)

// Check is forward auth's one rule (R-SRV-8), on every backend.
func TestCheck(t *testing.T) { // R-SRV-8, P-3
	e := newEnv(t)
	e.createGroup("crm", "contacts=edit", "deals=view")
	e.createGroup("ops", "deploys=remove")
	c, err := e.local.CreateAccount(e.ctx, api.CreateAccountRequest{Name: "CRM sync", Groups: []string{"crm"}})
	if err != nil {
		t.Fatal(err)
	}
	auth := NewAuthenticator(e.st, WithClock(e.clk.now), WithMasterKey(e.mk))
	check := func(require string, business string) (domain.Verification, error) {
		t.Helper()
		req := CheckRequest{Credential: c.Key.Secret, Require: domain.Permissions{}, Business: business}
		if err := domain.ParseRequirements(req.Require, require); err != nil {
			t.Fatal(err)
		}
		return auth.Check(e.ctx, req)
	}
	if v, err := check("contacts:edit,deals:view", ""); err != nil || !v.Active || v.Principal.Handle() != "crm-sync" {
		t.Fatalf("met: %+v, %v", v, err)
	}
	v, err := check("contacts:remove,deploys:view", "")
	wantKind(t, err, domain.KindForbidden)
	if !v.Active || !strings.Contains(err.Error(), `service account "crm-sync" lacks contacts=remove (holds edit), deploys=view (holds none)`) {
		t.Errorf("missing: active %v, %v", v.Active, err)
	}
	_, err = check("", "acme")
	wantKind(t, err, domain.KindForbidden)

	// A change is seen by the next check (P-3): the group gains, then the
	// account is suspended.
	if _, err := e.local.ChangeAccountGroups(e.ctx, api.ChangeGroupsRequest{Ref: "crm-sync", Op: api.GroupsAdd,
		Groups: []string{"ops"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := check("deploys:remove", ""); err != nil {
		t.Errorf("after the group was added: %v", err)
	}
	if _, err := e.local.SuspendAccount(e.ctx, "crm-sync", yes); err != nil {
		t.Fatal(err)
	}
	v, err = check("", "")
	wantKind(t, err, domain.KindForbidden)
	if v.Active || v.Reason != domain.ReasonAccountNotActive {
		t.Errorf("suspended: %+v", v)
	}
	v, err = auth.Check(e.ctx, CheckRequest{Credential: "sak_nope"})
	wantKind(t, err, domain.KindUnauthenticated)
	if v.Active || v.Reason == "" {
		t.Errorf("a bad key: %+v", v)
	}
}

// ReviewToken is the Kubernetes token review's rule (R-SRV-9, R-PERM-10).
func TestReviewToken(t *testing.T) {
	e := newEnv(t)
	e.createGroup("k8s-webhook", "introspection=view")
	e.createGroup("crm", "contacts=edit", "reports=none")
	e.createGroup("ops", "deploys=remove")
	e.createSA("Kubernetes API server", "k8s-webhook")
	c, err := e.local.CreateAccount(e.ctx, api.CreateAccountRequest{Name: "CRM sync", Groups: []string{"ops", "crm"}})
	if err != nil {
		t.Fatal(err)
	}
	apiserver := e.as("kubernetes-api-server")
	st, err := apiserver.ReviewToken(e.ctx, api.TokenReviewSpec{Token: c.Key.Secret, Audiences: []string{"https://k8s"}})
	if err != nil {
		t.Fatal(err)
	}
	if u := st.User; !st.Authenticated || u == nil || u.Username != "sactl:default:crm-sync" || u.UID != c.ID ||
		!slices.Equal(u.Groups, []string{"sactl:crm", "sactl:ops"}) ||
		!slices.Equal(u.Extra[K8sPermissionsExtra], []string{"contacts=edit", "deploys=remove"}) || len(st.Audiences) != 0 {
		t.Errorf("%+v %+v", st, st.User)
	}
	_, err = e.as("crm-sync").ReviewToken(e.ctx, api.TokenReviewSpec{Token: c.Key.Secret})
	wantKind(t, err, domain.KindForbidden) // R-PERM-10
	_, err = apiserver.ReviewToken(e.ctx, api.TokenReviewSpec{})
	wantKind(t, err, domain.KindInvalid)
	if _, err := e.local.ArchiveAccount(e.ctx, "crm-sync", yes); err != nil {
		t.Fatal(err)
	}
	st, err = apiserver.ReviewToken(e.ctx, api.TokenReviewSpec{Token: c.Key.Secret})
	if err != nil || st.Authenticated || st.User != nil || !strings.Contains(st.Error, "archived") {
		t.Errorf("after sa archive: %+v, %v", st, err)
	}
}
