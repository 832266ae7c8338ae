package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/service"
	"github.com/sactl/sactl/internal/testdb"
)

type fixture struct {
	t     *testing.T
	ctx   context.Context
	st    *service.DB
	local *service.Service
	ts    *httptest.Server
	srv   *Server
	mk    service.MasterKey
	admin string // admin user token
	now   time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "sactl.db")
	st, err := testdb.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &fixture{t: t, ctx: ctx, st: st, now: time.Now().UTC()}
	clock := func() time.Time { return f.now }
	mk := service.LocalMasterKey(db)
	f.mk = mk
	f.local = service.New(st, service.LocalActor("tester"), "", service.WithClock(clock), service.WithMasterKey(mk))
	_, tok, err := f.local.InitAdmin(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	f.admin = tok.Secret
	f.srv = New(Config{Store: st, MasterKey: mk, Now: clock})
	f.ts = httptest.NewServer(f.srv.Handler())
	t.Cleanup(f.ts.Close)
	return f
}

// do sends a request and returns the status and decoded JSON body.
func (f *fixture) do(method, path, token string, body any, hdr ...string) (int, map[string]any) {
	f.t.Helper()
	var rd io.Reader
	if s, ok := body.(string); ok {
		rd = strings.NewReader(s)
	} else if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, f.ts.URL+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json") // R-SRV-4: bodies are JSON
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" { // an empty value sends no such header
			req.Header.Del(hdr[i])
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]any{}
	data, _ := io.ReadAll(resp.Body)
	if len(data) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(data, &out); err != nil {
			f.t.Fatalf("%s %s: body is not JSON: %s", method, path, data)
		}
	}
	return resp.StatusCode, out
}

func errCode(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

// account makes a service account with groups and returns its key.
func (f *fixture) account(name string, groups ...string) string {
	f.t.Helper()
	c, err := f.local.CreateAccount(f.ctx, api.CreateAccountRequest{Name: name, Groups: groups})
	if err != nil {
		f.t.Fatal(err)
	}
	return c.Key.Secret
}

func TestAuthenticationFailures(t *testing.T) { // R-SRV-2
	f := newFixture(t)
	suspended := f.account("Paused", "admins")
	if _, err := f.local.SuspendAccount(f.ctx, "paused", api.Mutation{Confirmed: true}); err != nil {
		t.Fatal(err)
	}
	u, err := f.local.CreateUserToken(f.ctx, api.CreateUserTokenRequest{Ref: "admin@default.example", ExpiresIn: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	revoked, _ := f.local.CreateUserToken(f.ctx, api.CreateUserTokenRequest{Ref: "admin@default.example"})
	if _, err := f.local.RevokeUserToken(f.ctx, "admin@default.example", revoked.ID, api.Mutation{Confirmed: true}); err != nil {
		t.Fatal(err)
	}
	expiring := u.Secret
	f.now = f.now.Add(2 * time.Hour)
	flipped := []byte(f.admin)
	flipped[12] ^= 1

	cases := []struct {
		name, token string
		hdr         []string
		status      int
		code        string
	}{
		{"missing", "", nil, 401, "unauthenticated"},
		{"malformed", string(flipped), nil, 401, "unauthenticated"},
		{"expired", expiring, nil, 401, "unauthenticated"},
		{"revoked", revoked.Secret, nil, 401, "unauthenticated"},
		{"suspended account", suspended, nil, 403, "forbidden"},
		{"foreign business", f.admin, []string{"X-Sactl-Business", "other"}, 403, "forbidden"},
	}
	for _, c := range cases {
		status, body := f.do("GET", "/api/v1/service-accounts", c.token, nil, c.hdr...)
		if status != c.status || errCode(body) != c.code {
			t.Errorf("%s: %d %v, want %d %s", c.name, status, body, c.status, c.code)
		}
		msg, _ := body["error"].(map[string]any)["message"].(string)
		if c.token != "" && strings.Contains(msg, c.token[4:12]) {
			t.Errorf("%s: error message holds the credential: %q", c.name, msg)
		}
	}
	if status, _ := f.do("GET", "/api/v1/service-accounts", f.admin, nil); status != 200 {
		t.Fatalf("the admin token works: %d", status)
	}
}

func TestServiceAccountCannotRotateItsOwnKeys(t *testing.T) { // R-KEY-11
	f := newFixture(t)
	if _, err := f.local.CreateGroup(f.ctx, api.CreateGroupRequest{Name: "editors",
		Permissions: domain.Permissions{"service_accounts": domain.LevelEdit}}); err != nil {
		t.Fatal(err)
	}
	key := f.account("Self", "editors")
	f.account("Other", "editors")
	status, body := f.do("POST", "/api/v1/service-accounts/self/keys/rotate?confirm=true", key, nil)
	if status != 403 || errCode(body) != "forbidden" {
		t.Fatalf("own rotation: %d %v", status, body)
	}
	if status, body := f.do("POST", "/api/v1/service-accounts/other/keys/rotate?confirm=true", key, nil); status != 201 {
		t.Fatalf("rotating another account: %d %v", status, body)
	}
}

func TestViewOnlyPrincipal(t *testing.T) { // R-PERM-4
	f := newFixture(t)
	if _, err := f.local.CreateGroup(f.ctx, api.CreateGroupRequest{Name: "viewers",
		Permissions: domain.Permissions{"service_accounts": domain.LevelView}}); err != nil {
		t.Fatal(err)
	}
	key := f.account("Viewer", "viewers")
	f.account("Target", "viewers")
	for _, c := range []struct{ method, path string }{
		{"POST", "/api/v1/service-accounts"},
		{"POST", "/api/v1/service-accounts/target/keys/rotate?confirm=true"},
		{"POST", "/api/v1/service-accounts/target/archive?confirm=true"},
	} {
		var body any
		if strings.HasSuffix(c.path, "accounts") {
			body = map[string]any{"name": "New"}
		}
		if status, b := f.do(c.method, c.path, key, body); status != 403 || errCode(b) != "forbidden" {
			t.Errorf("%s %s: %d %v, want 403", c.method, c.path, status, b)
		}
	}
	status, body := f.do("GET", "/api/v1/service-accounts", key, nil)
	if status != 200 || len(body["items"].([]any)) != 3 {
		t.Fatalf("list: %d %v", status, body)
	}
}

func TestIntrospection(t *testing.T) { // R-SRV-3
	f := newFixture(t)
	key := f.account("Zap", "admins")
	status, body := f.do("POST", "/api/v1/auth/introspect", f.admin, map[string]string{"token": key})
	if status != 200 || body["active"] != true || body["business"] != "default" {
		t.Fatalf("%d %v", status, body)
	}
	p := body["principal"].(map[string]any)
	if p["api_name"] != "zap" || body["permissions"].(map[string]any)["service_accounts"] != "remove" {
		t.Fatalf("%v", body)
	}
	// RFC 7662 form encoding, and an inactive answer is still 200.
	status, body = f.do("POST", "/api/v1/auth/introspect", f.admin, url.Values{"token": {"sak_nope"}}.Encode(),
		"Content-Type", "application/x-www-form-urlencoded")
	if status != 200 || body["active"] != false || body["reason"] != "malformed" {
		t.Fatalf("%d %v", status, body)
	}
	if status, _ := f.do("POST", "/api/v1/auth/introspect", "", map[string]string{"token": key}); status != 401 {
		t.Fatalf("introspection needs a caller credential: %d", status)
	}
}

func TestErrorsAndLimits(t *testing.T) { // R-SRV-2, R-SRV-4
	f := newFixture(t)
	status, body := f.do("GET", "/api/v1/service-accounts/nope", f.admin, nil)
	if status != 404 || errCode(body) != "not_found" {
		t.Fatalf("%d %v", status, body)
	}
	status, body = f.do("POST", "/api/v1/service-accounts/automation/archive?confirm=true", f.admin, nil)
	if status != 409 || errCode(body) != "protected" {
		t.Fatalf("%d %v", status, body)
	}
	f.account("Zap", "admins")
	status, body = f.do("POST", "/api/v1/service-accounts/zap/archive", f.admin, nil)
	conf, _ := body["error"].(map[string]any)["confirmation"].(map[string]any)
	if status != 428 || errCode(body) != "confirmation_required" || conf["type_to_confirm"] != "zap" {
		t.Fatalf("unconfirmed archive: %d %v", status, body)
	}
	big := `{"name":"` + strings.Repeat("a", MaxBodyBytes) + `"}`
	if status, body := f.do("POST", "/api/v1/service-accounts", f.admin, big); status != 413 || errCode(body) != "invalid" || !strings.Contains(fmt.Sprint(body), "larger than") {
		t.Fatalf("oversized body: %d %v", status, body)
	}
	if status, body := f.do("POST", "/api/v1/service-accounts", f.admin, `{"name":"x","bogus":1}`); status != 400 {
		t.Fatalf("unknown field: %d %v", status, body)
	}
	// A dry run is asked for in the query only: one in the body is refused,
	// never silently ignored (which would make the change for real).
	if status, body := f.do("PATCH", "/api/v1/service-accounts/zap", f.admin, `{"description":"x","dry_run":true}`); status != 400 {
		t.Fatalf("dry_run in a body: %d %v", status, body)
	}
	if a, _ := f.local.GetAccount(f.ctx, "zap"); a.Description != "" {
		t.Fatal("the body's dry run changed the account")
	}
	if status, body := f.do("GET", "/api/v1/nothing-here", f.admin, nil); status != 404 || errCode(body) != "not_found" {
		t.Fatalf("unknown route: %d %v", status, body)
	}
	if status, _ := f.do("GET", "/healthz", "", nil); status != 200 {
		t.Fatal("healthz")
	}
	if status, _ := f.do("GET", "/readyz", "", nil); status != 200 {
		t.Fatal("readyz")
	}
	resp, err := http.Get(f.ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	m, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(m), `sactl_http_requests_total{code="404",route="get_service_account"} 1`) ||
		!strings.Contains(string(m), "sactl_http_request_duration_seconds_bucket") {
		t.Fatalf("metrics:\n%s", m)
	}
}

func TestListPaging(t *testing.T) { // R-SRV-6
	f := newFixture(t)
	for i := 0; i < 5; i++ {
		f.account(fmt.Sprintf("Acct %d", i))
	}
	var names []string
	path := "/api/v1/service-accounts?limit=2"
	for pages := 0; ; pages++ {
		status, body := f.do("GET", path, f.admin, nil)
		if status != 200 || pages > 5 {
			t.Fatalf("%d %v", status, body)
		}
		for _, it := range body["items"].([]any) {
			names = append(names, it.(map[string]any)["api_name"].(string))
		}
		next, ok := body["next_cursor"].(string)
		if !ok {
			break
		}
		path = "/api/v1/service-accounts?limit=2&cursor=" + next
	}
	if len(names) != 6 || names[0] != "automation" || names[5] != "acct-4" {
		t.Fatalf("paged names = %v", names)
	}
}

// The page parameters are judged alike on every list; 0 never silently
// means the default (R-CLI-8), and the bounded lists (settings, search) page
// like the others.
func TestPageParameters(t *testing.T) { // R-SRV-6
	f := newFixture(t)
	for _, q := range []string{"limit=0", "limit=-3", "limit=abc", "limit=1001", "cursor=MQ", "cursor=%21"} {
		for _, path := range []string{"/api/v1/service-accounts", "/api/v1/groups", "/api/v1/settings", "/api/v1/users/search?prefix=a&x=1"} {
			sep := "?"
			if strings.Contains(path, "?") {
				sep = "&"
			}
			if status, body := f.do("GET", path+sep+q, f.admin, nil); status != 400 || errCode(body) != "invalid" {
				t.Errorf("%s%s%s: %d %v", path, sep, q, status, body)
			}
		}
	}
	var keys []string
	path := "/api/v1/settings?limit=3"
	for pages := 1; ; pages++ {
		status, body := f.do("GET", path, f.admin, nil)
		if status != 200 || pages > 20 {
			t.Fatalf("%s: %d %v", path, status, body)
		}
		items := body["items"].([]any)
		if len(items) > 3 {
			t.Fatalf("%s: %d items", path, len(items))
		}
		for _, it := range items {
			keys = append(keys, it.(map[string]any)["key"].(string))
		}
		next, ok := body["next_cursor"].(string)
		if !ok {
			break
		}
		path = "/api/v1/settings?limit=3&cursor=" + next
	}
	all, err := f.local.GetSettings(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != len(all) || len(all) < 4 {
		t.Fatalf("settings in pages of 3: %v; want the %d settings", keys, len(all))
	}
	for i, s := range all {
		if keys[i] != s.Key {
			t.Fatalf("settings in pages of 3: %v", keys)
		}
	}
}

func TestRepeatedFailuresAreSlowedDown(t *testing.T) { // R-SRV-4
	f := newFixture(t)
	rec := f.recordSleeps()
	if d := rec.waited(func() {
		for range failureBurst {
			f.do("GET", "/api/v1/seats", "sak_bad", nil)
		}
	}); d != 0 {
		t.Fatalf("the first %d failures waited %v", failureBurst, d)
	}
	if d := rec.waited(func() { f.do("GET", "/api/v1/seats", "sak_bad", nil) }); d != failureDelay {
		t.Fatalf("failure %d in a row waited %v, want %v", failureBurst+1, d, failureDelay)
	}
}

// GET /api/v1/keys is the key inventory (R-KEY-13) in the list shape of
// R-SRV-6; its durations read like the CLI's.
func TestKeyInventoryRoute(t *testing.T) { // R-KEY-13, R-SRV-6
	f := newFixture(t)
	f.account("Zap", "admins")
	f.account("Alpha", "admins")
	if _, err := f.local.CreateKey(f.ctx, api.CreateKeyRequest{Ref: "alpha", Name: "soon", ExpiresIn: 10 * domain.Day}); err != nil {
		t.Fatal(err)
	}
	status, body := f.do("GET", "/api/v1/keys?limit=2", f.admin, nil)
	items, _ := body["items"].([]any)
	if status != 200 || len(items) != 2 || body["next_cursor"] == nil {
		t.Fatalf("first page: %d %v", status, body)
	}
	first := items[0].(map[string]any)
	if owner, _ := first["owner"].(map[string]any); owner["api_name"] != "alpha" || owner["name"] != "Alpha" || first["secret"] != nil {
		t.Fatalf("first item: %v", first)
	}
	status, body = f.do("GET", "/api/v1/keys?expiring_within=14d&unused_for=1m", f.admin, nil)
	if status != 200 || len(body["items"].([]any)) != 0 || body["next_cursor"] != nil {
		t.Fatalf("nothing unused yet: %d %v", status, body)
	}
	f.now = f.now.Add(time.Hour)
	status, body = f.do("GET", "/api/v1/keys?expiring_within=14d&unused_for=1m", f.admin, nil)
	if items := body["items"].([]any); status != 200 || len(items) != 1 || items[0].(map[string]any)["name"] != "soon" {
		t.Fatalf("expiring and unused: %d %v", status, body)
	}
	for _, q := range []string{"expiring_within=soon", "unused_for=0s", "unused_for=-1h", "expiring_within="} {
		if status, body := f.do("GET", "/api/v1/keys?"+q, f.admin, nil); status != 400 || errCode(body) != "invalid" {
			t.Errorf("%s: %d %v, want 400 invalid", q, status, body)
		}
	}
}

// Request logs never hold a credential, not even one pasted into a path.
func TestRequestLogsHoldNoCredential(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "sactl.db")
	st, err := testdb.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	mk := service.LocalMasterKey(db)
	local := service.New(st, service.LocalActor("tester"), "", service.WithMasterKey(mk))
	_, admin, err := local.InitAdmin(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := local.MintToken(ctx, api.MintTokenRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	var mu sync.Mutex
	h := slog.NewJSONHandler(lockedWriter{&mu, &logs}, nil)
	ts := httptest.NewServer(New(Config{Store: st, MasterKey: mk, Logger: slog.New(h)}).Handler())
	defer ts.Close()
	for _, path := range []string{"/api/v1/tokens/" + tok.Token, "/api/v1/service-accounts/" + admin.Secret, "/api/v1/users/x/" + tok.Token + "/y"} {
		req, _ := http.NewRequest("DELETE", ts.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+admin.Secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	mu.Lock()
	defer mu.Unlock()
	out := logs.String()
	if strings.Count(out, `"msg":"request"`) != 3 {
		t.Fatalf("expected three request logs:\n%s", out)
	}
	secretTail := func(s string) string { return s[len(s)-12:] }
	for _, secret := range []string{tok.Token, admin.Secret} {
		if strings.Contains(out, secretTail(secret)) {
			t.Errorf("a credential reached the logs:\n%s", out)
		}
	}
	if !strings.Contains(out, `"path":"/api/v1/tokens/sat_REDACTED"`) {
		t.Errorf("the path is not logged redacted:\n%s", out)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
