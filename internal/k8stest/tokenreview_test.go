package k8stest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	authv1 "k8s.io/api/authentication/v1"
	authv1beta1 "k8s.io/api/authentication/v1beta1"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/server"
	"github.com/sactl/sactl/internal/service"
	"github.com/sactl/sactl/internal/testdb"
)

// world is a server with the accounts the reviews are about.
type world struct {
	url                          string
	apiserver, crm, paused, acme string // credentials
	crmID                        string
}

func newWorld(t *testing.T) world {
	t.Helper()
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "sactl.db")
	st, err := testdb.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	mk := service.LocalMasterKey(db)
	local := service.New(st, service.LocalActor("tester"), "", service.WithMasterKey(mk))
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, g := range []api.CreateGroupRequest{
		// R-PERM-10: what the API server's own credential needs.
		{Name: "k8s-webhook", Permissions: domain.Permissions{"introspection": domain.LevelView}},
		{Name: "developers", Permissions: domain.Permissions{"deploys": domain.LevelEdit}},
		{Name: "qa", Permissions: domain.Permissions{"deploys": domain.LevelView, "reports": domain.LevelView}},
	} {
		_, err := local.CreateGroup(ctx, g)
		must(err)
	}
	account := func(svc *service.Service, name string, groups ...string) (string, string) {
		c, err := svc.CreateAccount(ctx, api.CreateAccountRequest{Name: name, Groups: groups})
		must(err)
		return c.Key.Secret, c.ID
	}
	var w world
	w.apiserver, _ = account(local, "Kubernetes API server", "k8s-webhook")
	w.crm, w.crmID = account(local, "Jane CI", "developers", "qa")
	w.paused, _ = account(local, "Paused", "qa")
	_, err = local.SuspendAccount(ctx, "paused", api.Mutation{Confirmed: true})
	must(err)
	_, err = local.CreateBusiness(ctx, api.CreateBusinessRequest{Name: "acme"})
	must(err)
	w.acme, _ = account(service.New(st, service.LocalActor("tester"), "acme", service.WithMasterKey(mk)), "Acme admin", "admins")
	ts := httptest.NewServer(server.New(server.Config{Store: st, MasterKey: mk}).Handler())
	t.Cleanup(ts.Close)
	w.url = ts.URL + "/api/v1/auth/tokenreview"
	return w
}

// post sends body as the API server's webhook client does and decodes the
// answer strictly into out: every field sactl writes is one Kubernetes has.
func post(t *testing.T, url, caller string, body []byte, out any) int {
	t.Helper()
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, */*")
	req.Header.Set("Authorization", "Bearer "+caller)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return resp.StatusCode
	}
	if bytes.Contains(data, []byte(`"spec"`)) {
		t.Errorf("the answer gives the spec (the token) back: %s", data)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		t.Fatalf("the answer is not a TokenReview: %v: %s", err, data)
	}
	return 200
}

func fixture(t *testing.T, name, token string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.ReplaceAll(b, []byte("{token}"), []byte(token))
}

// The webhook request as the Kubernetes documentation shows it, answered
// in the shape k8s.io/api/authentication/v1 decodes (R-SRV-9).
func TestTokenReviewV1(t *testing.T) {
	w := newWorld(t)
	var tr authv1.TokenReview
	if code := post(t, w.url, w.apiserver, fixture(t, "tokenreview-v1.json", w.crm), &tr); code != 200 {
		t.Fatalf("status %d", code)
	}
	if tr.APIVersion != "authentication.k8s.io/v1" || tr.Kind != "TokenReview" {
		t.Errorf("type meta %+v", tr.TypeMeta)
	}
	st := tr.Status
	want := authv1.UserInfo{Username: "sactl:default:jane-ci", UID: w.crmID, Groups: []string{"sactl:developers", "sactl:qa"},
		Extra: map[string]authv1.ExtraValue{"sactl.dev/permissions": {"deploys=edit", "reports=view"}, "sactl.dev/business": {"default"}}}
	got, _ := json.Marshal(st.User)
	exp, _ := json.Marshal(want)
	if !st.Authenticated || string(got) != string(exp) || st.Error != "" {
		t.Errorf("status %+v\nuser %s\nwant %s", st, got, exp)
	}
	// sactl keys are bound to no audience: none is claimed, which the API
	// server reads as its own (see docs/integrations.md).
	if len(st.Audiences) != 0 {
		t.Errorf("audiences %q", st.Audiences)
	}
}

// The request as the API server's webhook client sends it: the Kubernetes
// type marshalled, with its empty metadata and status.
func TestTokenReviewFromKubernetesTypes(t *testing.T) {
	w := newWorld(t)
	for _, c := range []struct {
		what, token   string
		authenticated bool
		says          string
	}{
		{"a valid key", w.crm, true, ""},
		{"a suspended account's key", w.paused, false, "account is not active (suspended)"},
		{"another business's key", w.acme, false, "unknown key"},
		{"a mistyped key", w.crm[:len(w.crm)-1] + "x", false, "malformed key"},
		{"a Kubernetes service account token", "eyJhbGciOiJSUzI1NiIsImtpZCI6IiJ9.e30.c2ln", false, "malformed"},
	} {
		in := authv1.TokenReview{Spec: authv1.TokenReviewSpec{Token: c.token, Audiences: []string{"https://kubernetes.default.svc"}}}
		in.APIVersion, in.Kind = "authentication.k8s.io/v1", "TokenReview"
		body, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(body), `"metadata":{`) || !strings.Contains(string(body), `"status":{`) {
			t.Fatalf("the Kubernetes type marshals without its metadata and status: %s", body)
		}
		var out authv1.TokenReview
		if code := post(t, w.url, w.apiserver, body, &out); code != 200 {
			t.Fatalf("%s: status %d", c.what, code)
		}
		if out.Status.Authenticated != c.authenticated || !strings.Contains(out.Status.Error, c.says) ||
			(!c.authenticated && out.Status.User.Username != "") {
			t.Errorf("%s: %+v", c.what, out.Status)
		}
		if strings.Contains(out.Status.Error, c.token) {
			t.Errorf("%s: the error shows the token", c.what)
		}
	}
}

// --authentication-token-webhook-version defaults to v1beta1 on older
// clusters: the same shape, answered in the version asked.
func TestTokenReviewV1beta1(t *testing.T) {
	w := newWorld(t)
	var tr authv1beta1.TokenReview
	if code := post(t, w.url, w.apiserver, fixture(t, "tokenreview-v1beta1.json", w.crm), &tr); code != 200 {
		t.Fatalf("status %d", code)
	}
	if tr.APIVersion != "authentication.k8s.io/v1beta1" || !tr.Status.Authenticated || tr.Status.User.Username != "sactl:default:jane-ci" ||
		!slices.Equal(tr.Status.User.Groups, []string{"sactl:developers", "sactl:qa"}) {
		t.Errorf("%+v", tr)
	}
}

// The API server authenticates to the webhook with a sactl credential that
// holds introspection=view (R-PERM-10); any other caller is refused with
// an HTTP error, which the API server treats as a failed webhook call.
func TestTokenReviewCaller(t *testing.T) {
	w := newWorld(t)
	var tr authv1.TokenReview
	if code := post(t, w.url, w.crm, fixture(t, "tokenreview-v1.json", w.crm), &tr); code != 403 {
		t.Errorf("a caller without introspection=view: %d, want 403", code)
	}
	if code := post(t, w.url, "sak_nope", fixture(t, "tokenreview-v1.json", w.crm), &tr); code != 401 {
		t.Errorf("a caller with a bad credential: %d, want 401", code)
	}
}
