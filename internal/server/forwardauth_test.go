package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/service"
)

// forwardAnswer is one forward-auth answer: status, identity headers, error.
type forwardAnswer struct {
	status                                  int
	principal, id, business, perms, wwwAuth string
	code, message                           string
}

func (f *fixture) check(method, path, token string, hdr ...string) forwardAnswer {
	f.t.Helper()
	resp, body := f.send(method, path, token, nil, hdr...)
	a := forwardAnswer{status: resp.StatusCode, principal: resp.Header.Get(api.PrincipalHeader),
		id: resp.Header.Get(api.PrincipalIDHeader), business: resp.Header.Get(api.BusinessHeader),
		perms: resp.Header.Get(api.PermissionsHeader), wwwAuth: resp.Header.Get("WWW-Authenticate"), code: errCode(body)}
	if e, ok := body["error"].(map[string]any); ok {
		a.message, _ = e["message"].(string)
	}
	return a
}

func TestForwardAuthCheck(t *testing.T) { // R-SRV-8
	f := newFixture(t)
	if _, err := f.local.CreateGroup(f.ctx, api.CreateGroupRequest{Name: "crm", Permissions: domain.Permissions{
		"contacts": domain.LevelEdit, "deals": domain.LevelView, "reports": domain.LevelNone}}); err != nil {
		t.Fatal(err)
	}
	crm := f.account("CRM sync", "crm")
	a, err := f.local.GetAccount(f.ctx, "crm-sync")
	if err != nil {
		t.Fatal(err)
	}
	paused := f.account("Paused", "crm")
	if _, err := f.local.SuspendAccount(f.ctx, "paused", api.Mutation{Confirmed: true}); err != nil {
		t.Fatal(err)
	}
	loose := f.account("Loose", "crm")
	if _, err := f.local.ChangeAccountGroups(f.ctx, api.ChangeGroupsRequest{Ref: "loose", Op: api.GroupsClear,
		Mutation: api.Mutation{Confirmed: true}}); err != nil {
		t.Fatal(err)
	}
	ut, err := f.local.CreateUserToken(f.ctx, api.CreateUserTokenRequest{Ref: "admin@default.example", ExpiresIn: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(2 * time.Hour) // ut has expired

	t.Run("a valid key passes with its identity", func(t *testing.T) {
		got := f.check("GET", "/api/v1/auth/check", crm)
		want := forwardAnswer{status: 200, principal: "crm-sync", id: a.ID, business: "default", perms: "contacts=edit,deals=view"}
		if got != want {
			t.Errorf("got %+v, want %+v", got, want)
		}
	})
	t.Run("a user passes by email", func(t *testing.T) {
		got := f.check("GET", "/api/v1/auth/check?require=users:remove", f.admin)
		if got.status != 200 || got.principal != "admin@default.example" || !strings.Contains(got.perms, "users=remove") {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("requirements", func(t *testing.T) {
		for _, c := range []struct {
			what, path string
			hdr        []string
			status     int
			says       string
		}{
			{"met", "/api/v1/auth/check?require=contacts:view,deals:view", nil, 200, ""},
			{"met exactly", "/api/v1/auth/check?require=contacts:edit", nil, 200, ""},
			{"too low", "/api/v1/auth/check?require=contacts:remove", nil, 403, `service account "crm-sync" lacks contacts=remove (holds edit)`},
			{"not held", "/api/v1/auth/check?require=deals:view&require=invoices:view", nil, 403, "lacks invoices=view (holds none)"},
			{"held at none", "/api/v1/auth/check?require=reports:view", nil, 403, "lacks reports=view (holds none)"},
			{"in the header", "/api/v1/auth/check", []string{api.RequireHeader, "deals:edit"}, 403, "lacks deals=edit (holds view)"},
			{"the header adds to the query", "/api/v1/auth/check?require=contacts:view", []string{api.RequireHeader, "deals:edit"}, 403, "deals=edit"},
			{"the stricter of two", "/api/v1/auth/check?require=contacts:view,contacts:remove", nil, 403, "contacts=remove"},
			{"no colon", "/api/v1/auth/check?require=contacts", nil, 400, `invalid requirement "contacts"`},
			{"key=level", "/api/v1/auth/check?require=contacts%3Dedit", nil, 400, "use key:level"},
			{"empty item", "/api/v1/auth/check?require=contacts:view,", nil, 400, "invalid requirement"},
			{"empty", "/api/v1/auth/check?require=", nil, 200, ""},
			{"bad level", "/api/v1/auth/check?require=contacts:admin", nil, 400, "unknown permission level"},
			{"level none", "/api/v1/auth/check?require=contacts:none", nil, 400, "view, edit or remove"},
			{"bad key", "/api/v1/auth/check?require=Contacts:view", nil, 400, "invalid permission key"},
			{"bad header", "/api/v1/auth/check", []string{api.RequireHeader, "contacts view"}, 400, "invalid requirement"},
		} {
			got := f.check("GET", c.path, crm, c.hdr...)
			if got.status != c.status || !strings.Contains(got.message, c.says) {
				t.Errorf("%s: %d %q, want %d saying %q", c.what, got.status, got.message, c.status, c.says)
			}
			if got.status != 200 && (got.principal != "" || got.perms != "") {
				t.Errorf("%s: a refusal carries identity headers: %+v", c.what, got)
			}
			if strings.Contains(got.message, crm) {
				t.Errorf("%s: the message shows the credential", c.what)
			}
		}
	})
	t.Run("refusals", func(t *testing.T) {
		flipped := []byte(crm)
		flipped[10] ^= 1
		for _, c := range []struct {
			what, token string
			hdr         []string
			status      int
			code        string
		}{
			{"no credential", "", nil, 401, "unauthenticated"},
			{"not bearer", "", []string{"Authorization", "Basic YWRtaW46YWRtaW4="}, 401, "unauthenticated"},
			{"mistyped key", string(flipped), nil, 401, "unauthenticated"},
			{"unknown key", "sak_" + strings.Repeat("A", 49), nil, 401, "unauthenticated"},
			{"expired user token", ut.Secret, nil, 401, "unauthenticated"},
			{"suspended account", paused, nil, 403, "forbidden"},
			{"account without groups (disabled)", loose, nil, 403, "forbidden"},
			{"another business asked for", crm, []string{api.BusinessHeader, "acme"}, 403, "forbidden"},
		} {
			got := f.check("GET", "/api/v1/auth/check", c.token, c.hdr...)
			if got.status != c.status || got.code != c.code || got.principal != "" {
				t.Errorf("%s: %+v, want %d %s", c.what, got, c.status, c.code)
			}
			if (c.status == 401) != strings.HasPrefix(got.wwwAuth, `Bearer realm="sactl"`) {
				t.Errorf("%s: WWW-Authenticate %q", c.what, got.wwwAuth)
			}
		}
		if got := f.check("GET", "/api/v1/auth/check", crm, api.BusinessHeader, "default"); got.status != 200 {
			t.Errorf("its own business asked for: %+v", got)
		}
	})
	t.Run("any method, any path below, no body", func(t *testing.T) {
		for _, m := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"} {
			for _, p := range []string{"/api/v1/auth/check", "/api/v1/auth/check/contacts/42?require=contacts:view&x=1"} {
				if got := f.check(m, p, crm); got.status != 200 || got.principal != "crm-sync" {
					t.Errorf("%s %s: %+v", m, p, got)
				}
			}
		}
		if got := f.check("POST", "/api/v1/auth/check/x?require=contacts:remove", crm); got.status != 403 {
			t.Errorf("a requirement on a forwarded path: %+v", got)
		}
		resp, _ := f.send("POST", "/api/v1/auth/check", crm, strings.NewReader(`{"a":1}`), "Content-Type", "application/json")
		if resp.StatusCode != 400 {
			t.Errorf("a check with a body: %d, want 400", resp.StatusCode)
		}
	})
	t.Run("never stale (P-3)", func(t *testing.T) {
		key := f.account("Soon gone", "crm")
		for i := range 2 { // the second answer comes from the cache
			if got := f.check("GET", "/api/v1/auth/check?require=contacts:edit", key); got.status != 200 {
				t.Fatalf("check %d: %+v", i, got)
			}
		}
		if _, err := f.local.UpdateGroup(f.ctx, api.UpdateGroupRequest{Name: "crm",
			Set: domain.Permissions{"contacts": domain.LevelView}}); err != nil {
			t.Fatal(err)
		}
		if got := f.check("GET", "/api/v1/auth/check?require=contacts:edit", key); got.status != 403 {
			t.Errorf("after the group lost contacts=edit: %+v", got)
		}
		if _, err := f.local.ArchiveAccount(f.ctx, "soon-gone", api.Mutation{Confirmed: true}); err != nil {
			t.Fatal(err)
		}
		if got := f.check("GET", "/api/v1/auth/check", key); got.status != 403 {
			t.Errorf("after sa archive: %+v", got)
		}
	})
}

func TestForwardAuthCheckHeader(t *testing.T) { // R-SRV-8: serve --check-header
	f := newFixture(t)
	key := f.account("Zap", "admins")
	srv := New(Config{Store: f.st, MasterKey: f.mk, Now: func() time.Time { return f.now }, CheckHeader: "X-Api-Key"})
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	get := func(hdr ...string) (int, string, string) {
		req, _ := http.NewRequest("GET", ts.URL+"/api/v1/auth/check", nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get(api.PrincipalHeader), string(data)
	}
	for _, c := range []struct {
		what   string
		hdr    []string
		status int
		who    string
	}{
		{"bare in the header", []string{"X-Api-Key", key}, 200, "zap"},
		{"bearer in the header", []string{"X-Api-Key", "Bearer " + key}, 200, "zap"},
		{"the header is read case-blind", []string{"x-api-key", key}, 200, "zap"},
		{"Authorization still", []string{"Authorization", "Bearer " + f.admin}, 200, "admin@default.example"},
		{"the header wins over Authorization", []string{"X-Api-Key", key, "Authorization", "Bearer " + f.admin}, 200, "zap"},
		{"a bad credential in the header", []string{"X-Api-Key", "sak_nope", "Authorization", "Bearer " + f.admin}, 401, ""},
		{"neither", nil, 401, ""},
	} {
		status, who, body := get(c.hdr...)
		if status != c.status || who != c.who {
			t.Errorf("%s: %d %q, want %d %q: %s", c.what, status, who, c.status, c.who, body)
		}
		if c.what == "neither" && !strings.Contains(body, "or X-Api-Key: ") {
			t.Errorf("the missing-credential message does not name the header: %s", body)
		}
	}
	if got := f.check("GET", "/api/v1/auth/check", "", "X-Api-Key", key); got.status != 401 {
		t.Errorf("a server without --check-header read X-Api-Key: %+v", got)
	}
	for _, name := range []string{"", "X Api", "X-Api-Key:", "é"} {
		if ValidHeaderName(name) {
			t.Errorf("ValidHeaderName(%q)", name)
		}
	}
}

// Forward auth takes part in the slowing of failed authentications
// (R-SRV-4) like every route, and never slows a valid credential, also one
// refused for a permission it lacks.
func TestForwardAuthSlowing(t *testing.T) { // R-SRV-8, R-SRV-4
	f := newFixture(t)
	rec := f.recordSleeps()
	key := f.account("Zap", "admins")
	const addr = "203.0.113.9:40000"
	check := func(token, query string) int {
		req := httptest.NewRequest("GET", "/api/v1/auth/check"+query, nil)
		req.RemoteAddr = addr
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		w := httptest.NewRecorder()
		f.srv.Handler().ServeHTTP(w, req)
		return w.Code
	}
	if d := rec.waited(func() {
		for range 20 {
			if code := check("sak_bad", ""); code != 401 {
				t.Fatalf("a bad key: %d", code)
			}
		}
	}); d == 0 {
		t.Fatal("20 failed checks from one address were never slowed down")
	}
	if d := rec.waited(func() { check("", "") }); d == 0 {
		t.Error("a check without a credential from that address was not slowed")
	}
	var ok, lacking int
	if d := rec.waited(func() { ok, lacking = check(key, ""), check(key, "?require=contacts:view") }); d != 0 || ok != 200 || lacking != 403 {
		t.Errorf("a valid key after the failures: %d and %d (lacking a permission), delayed %v; want 200 and 403 at once", ok, lacking, d)
	}
	// And the failures count on the other routes too: one table.
	if d := rec.waited(func() { f.from(addr, "sak_bad") }); d == 0 {
		t.Error("a failure on another route after failed checks was not slowed")
	}
}

func TestAuthenticatedRule(t *testing.T) { // R-SRV-2: the one rule
	for _, c := range []struct {
		v    domain.Verification
		kind domain.Kind
	}{
		{domain.Verification{Active: true}, ""},
		{domain.Verification{Reason: domain.ReasonAccountNotActive, Status: domain.StatusSuspended}, domain.KindForbidden},
		{domain.Verification{Reason: domain.ReasonExpired}, domain.KindUnauthenticated},
		{domain.Verification{Reason: domain.ReasonUnknown}, domain.KindUnauthenticated},
	} {
		err := service.Authenticated(c.v)
		if (err == nil) != (c.kind == "") || (err != nil && domain.KindOf(err) != c.kind) {
			t.Errorf("%+v: %v, want %q", c.v, err, c.kind)
		}
	}
}
