package server

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/service"
)

var credentialLike = regexp.MustCompile(`sa[ktu]_[A-Za-z0-9]{8}`)

func tokenReviewBody(version, token string) string {
	b, _ := json.Marshal(map[string]any{"apiVersion": version, "kind": "TokenReview",
		"metadata": map[string]any{"creationTimestamp": nil},
		"spec":     map[string]any{"token": token, "audiences": []string{"https://kubernetes.default.svc"}},
		"status":   map[string]any{"user": map[string]any{}}})
	return string(b)
}

// review posts a TokenReview as caller and decodes the answer.
func (f *fixture) review(caller, body string) (int, api.TokenReview, map[string]any) {
	f.t.Helper()
	resp, out := f.send("POST", "/api/v1/auth/tokenreview", caller, strings.NewReader(body), "Content-Type", "application/json")
	raw, _ := json.Marshal(out)
	var tr api.TokenReview
	if err := json.Unmarshal(raw, &tr); err != nil {
		f.t.Fatal(err)
	}
	if strings.Contains(string(raw), `"spec"`) || credentialLike.MatchString(string(raw)) {
		f.t.Errorf("the answer gives the token back: %s", raw)
	}
	return resp.StatusCode, tr, out
}

func TestTokenReview(t *testing.T) { // R-SRV-9, R-PERM-10
	f := newFixture(t)
	for _, g := range []api.CreateGroupRequest{
		{Name: "k8s-webhook", Permissions: domain.Permissions{"introspection": domain.LevelView}},
		{Name: "crm", Permissions: domain.Permissions{"contacts": domain.LevelEdit, "deals": domain.LevelView}},
		{Name: "ops", Permissions: domain.Permissions{"deploys": domain.LevelRemove, "contacts": domain.LevelView}},
	} {
		if _, err := f.local.CreateGroup(f.ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	apiserver := f.account("Kubernetes API server", "k8s-webhook")
	crm := f.account("CRM sync", "ops", "crm")
	a, _ := f.local.GetAccount(f.ctx, "crm-sync")
	nobody := f.account("No introspection", "crm")
	paused := f.account("Paused", "crm")
	if _, err := f.local.SuspendAccount(f.ctx, "paused", api.Mutation{Confirmed: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.local.CreateBusiness(f.ctx, api.CreateBusinessRequest{Name: "acme"}); err != nil {
		t.Fatal(err)
	}
	acme := service.New(f.st, service.LocalActor("tester"), "acme", service.WithClock(func() time.Time { return f.now }), service.WithMasterKey(f.mk))
	foreign, err := acme.CreateAccount(f.ctx, api.CreateAccountRequest{Name: "Acme admin", Groups: []string{"admins"}})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("authenticated", func(t *testing.T) {
		for _, version := range []string{api.TokenReviewVersion, api.TokenReviewV1beta1} {
			status, tr, _ := f.review(apiserver, tokenReviewBody(version, crm))
			want := api.TokenReviewStatus{Authenticated: true, User: &api.TokenReviewUser{
				Username: "sactl:default:crm-sync", UID: a.ID, Groups: []string{"sactl:crm", "sactl:ops"},
				Extra: map[string][]string{"sactl.dev/permissions": {"contacts=edit", "deals=view", "deploys=remove"},
					"sactl.dev/business": {"default"}}}}
			if status != 200 || tr.APIVersion != version || tr.Kind != "TokenReview" || tr.Status == nil {
				t.Fatalf("%s: %d %+v", version, status, tr)
			}
			got, _ := json.Marshal(tr.Status)
			exp, _ := json.Marshal(want)
			if string(got) != string(exp) {
				t.Errorf("%s: status %s, want %s", version, got, exp)
			}
		}
	})
	t.Run("a user", func(t *testing.T) {
		_, tr, _ := f.review(apiserver, tokenReviewBody(api.TokenReviewVersion, f.admin))
		if u := tr.Status.User; !tr.Status.Authenticated || u == nil || u.Username != "sactl:default:admin@default.example" ||
			!slices.Contains(u.Groups, "sactl:admins") {
			t.Errorf("%+v", tr.Status)
		}
	})
	t.Run("not authenticated", func(t *testing.T) {
		for _, c := range []struct{ what, token, says string }{
			{"unknown key", "sak_" + strings.Repeat("A", 49), "malformed key"},
			{"suspended account", paused, "account is not active (suspended)"},
			{"another business's key", foreign.Key.Secret, `unknown key: no such credential in business "default"`},
			{"not a credential", "eyJhbGciOiJSUzI1NiJ9.e30.x", "malformed"},
		} {
			status, tr, _ := f.review(apiserver, tokenReviewBody(api.TokenReviewVersion, c.token))
			if status != 200 || tr.Status == nil || tr.Status.Authenticated || tr.Status.User != nil || !strings.Contains(tr.Status.Error, c.says) {
				t.Errorf("%s: %d %+v, want unauthenticated saying %q", c.what, status, tr.Status, c.says)
			}
		}
	})
	t.Run("the caller", func(t *testing.T) {
		if status, _, out := f.review(nobody, tokenReviewBody(api.TokenReviewVersion, crm)); status != 403 ||
			!strings.Contains(out["error"].(map[string]any)["message"].(string), "introspection") {
			t.Errorf("a caller without introspection=view: %d %v", status, out)
		}
		if status, _, _ := f.review("", tokenReviewBody(api.TokenReviewVersion, crm)); status != 401 {
			t.Errorf("no caller credential: %d", status)
		}
		// The caller's own business decides: acme's admin learns nothing of default's key.
		if _, tr, _ := f.review(foreign.Key.Secret, tokenReviewBody(api.TokenReviewVersion, crm)); tr.Status == nil || tr.Status.Authenticated ||
			!strings.Contains(tr.Status.Error, "unknown") || strings.Contains(tr.Status.Error, a.ID) {
			t.Errorf("a foreign business's caller: %+v", tr.Status)
		}
	})
	t.Run("bad reviews", func(t *testing.T) {
		for _, c := range []struct{ what, body, says string }{
			{"wrong version", tokenReviewBody("authentication.k8s.io/v2", crm), "apiVersion must be authentication.k8s.io/v1"},
			{"wrong kind", strings.Replace(tokenReviewBody(api.TokenReviewVersion, crm), `"TokenReview"`, `"SubjectAccessReview"`, 1), "kind must be TokenReview"},
			{"no spec", `{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview"}`, "spec.token"},
			{"no token", `{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":""}}`, "spec.token"},
			{"unknown field", `{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"x","tokn":"y"}}`, "unknown field"},
		} {
			status, _, out := f.review(apiserver, c.body)
			msg, _ := out["error"].(map[string]any)["message"].(string)
			if status != 400 || !strings.Contains(msg, c.says) || strings.Contains(msg, crm) {
				t.Errorf("%s: %d %q, want 400 saying %q", c.what, status, msg, c.says)
			}
		}
	})
	t.Run("never stale (P-3)", func(t *testing.T) {
		if _, tr, _ := f.review(apiserver, tokenReviewBody(api.TokenReviewVersion, crm)); !tr.Status.Authenticated {
			t.Fatal("not authenticated before the archive")
		}
		if _, err := f.local.ArchiveAccount(f.ctx, "crm-sync", api.Mutation{Confirmed: true}); err != nil {
			t.Fatal(err)
		}
		if _, tr, _ := f.review(apiserver, tokenReviewBody(api.TokenReviewVersion, crm)); tr.Status.Authenticated {
			t.Error("authenticated after sa archive")
		}
	})
}
