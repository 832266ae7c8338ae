package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/service"
	"github.com/sactl/sactl/internal/testdb"
)

// OAuth2 client credentials, introspection and metadata (R-SRV-10).

// oauthAccount makes a service account "CI" (api_name ci) holding
// service_accounts=view and contacts=edit, and returns its key.
func (f *fixture) oauthAccount() api.CreatedAccount {
	f.t.Helper()
	if _, err := f.local.CreateGroup(f.ctx, api.CreateGroupRequest{Name: "ci-group",
		Permissions: domain.Permissions{"service_accounts": domain.LevelView, "contacts": domain.LevelEdit}}); err != nil {
		f.t.Fatal(err)
	}
	c, err := f.local.CreateAccount(f.ctx, api.CreateAccountRequest{Name: "CI", Groups: []string{"ci-group"}})
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// oauthPost posts a form to an OAuth2 endpoint; basic is "id:secret" for
// HTTP Basic (form-urlencoded as RFC 6749 §2.3.1 says), "" for none.
func (f *fixture) oauthPost(path string, form url.Values, basic string, hdr ...string) (*http.Response, map[string]any) {
	f.t.Helper()
	req, _ := http.NewRequest("POST", f.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id, secret, ok := strings.Cut(basic, ":"); ok {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	if err := json.Unmarshal(data, &out); err != nil {
		f.t.Fatalf("POST %s: not JSON: %s", path, data)
	}
	out["raw"] = string(data)
	return resp, out
}

// The done-when of R-SRV-10: golang.org/x/oauth2's client credentials
// client gets a token with an sak_ key, and its http.Client calls a
// protected route with it; the token fails after sa token revoke, and
// another one the moment the account is suspended (P-3).
func TestOAuth2ClientCredentialsFlow(t *testing.T) {
	f := newFixture(t)
	ci := f.oauthAccount()
	ctx := context.Background()
	for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInHeader, oauth2.AuthStyleInParams} {
		cfg := clientcredentials.Config{ClientID: "ci", ClientSecret: ci.Key.Secret,
			TokenURL: f.ts.URL + "/oauth2/token", AuthStyle: style}
		tok, err := cfg.Token(ctx)
		if err != nil {
			t.Fatalf("style %v: %v", style, err)
		}
		if !strings.HasPrefix(tok.AccessToken, "sat_") || tok.TokenType != "Bearer" {
			t.Errorf("style %v: token %q of type %q", style, tok.AccessToken[:4], tok.TokenType)
		}
		if left := time.Until(tok.Expiry); left < 59*time.Minute || left > 61*time.Minute {
			t.Errorf("style %v: expires in %s, want an hour", style, left)
		}
		if got := tok.Extra("scope"); got != "contacts:edit service_accounts:view" {
			t.Errorf("style %v: scope %v", style, got)
		}
	}

	cfg := clientcredentials.Config{ClientID: "ci", ClientSecret: ci.Key.Secret, TokenURL: f.ts.URL + "/oauth2/token"}
	client := cfg.Client(ctx)
	get := func(c *http.Client) int {
		t.Helper()
		resp, err := c.Get(f.ts.URL + "/api/v1/service-accounts/ci")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get(client); code != 200 {
		t.Fatalf("GET the account with the OAuth2 token: %d", code)
	}

	// R-TOK-4: it is listed, of the account, and revocable like any.
	page, err := f.local.ListTokens(f.ctx, api.PageRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var id string
	for _, r := range page.Items {
		if r.Account == "ci" && r.Status == domain.TokenActive {
			id = r.ID
		}
	}
	if id == "" {
		t.Fatalf("sa token list has no token of ci: %+v", page.Items)
	}
	if _, err := f.local.RevokeToken(f.ctx, id, api.Mutation{}); domain.KindOf(err) != domain.KindNeedsConfirm {
		t.Fatalf("revoking without confirmation: %v", err)
	}
	// The client's token source holds the revoked token: it fails. (All
	// tokens of ci are revoked, whichever the client holds.)
	// Revoking needs the power of the token's account (R-PERM-9): the
	// administrator needs ci's contacts=edit as well.
	if _, err := f.local.ChangeUserGroups(f.ctx, api.ChangeGroupsRequest{Ref: "admin@default.example", Op: api.GroupsAdd,
		Groups: []string{"ci-group"}}); err != nil {
		t.Fatal(err)
	}
	viaAPI := true
	for _, r := range page.Items {
		if r.Account != "ci" {
			continue
		}
		if viaAPI { // DELETE /api/v1/tokens/{token}, as remote sa token revoke does
			if status, out := f.do("DELETE", "/api/v1/tokens/"+r.ID+"?confirm=true", f.admin, nil); status != 200 || out["status"] != "revoked" {
				t.Fatalf("revoking through the API: %d %v", status, out)
			}
			viaAPI = false
			continue
		}
		if _, err := f.local.RevokeToken(f.ctx, r.ID, api.Mutation{Confirmed: true}); err != nil {
			t.Fatal(err)
		}
	}
	if code := get(client); code != http.StatusUnauthorized {
		t.Errorf("after sa token revoke: %d, want 401", code)
	}

	// A new client, a new token: it works until the account is suspended.
	client = cfg.Client(ctx)
	if code := get(client); code != 200 {
		t.Fatalf("a fresh token: %d", code)
	}
	if _, err := f.local.SuspendAccount(f.ctx, "ci", api.Mutation{Confirmed: true}); err != nil {
		t.Fatal(err)
	}
	if code := get(client); code != http.StatusForbidden {
		t.Errorf("after suspending the account: %d, want 403", code)
	}
	// And no new token is given.
	if _, err := cfg.Token(ctx); err == nil || !strings.Contains(err.Error(), "unauthorized_client") {
		t.Errorf("a token for a suspended account: %v", err)
	}
}

// Every RFC 6749 §5.2 error the token endpoint gives, with its status and
// challenge; none repeats the secret.
func TestOAuth2TokenErrors(t *testing.T) {
	f := newFixture(t)
	f.recordSleeps()
	ci := f.oauthAccount()
	other := f.account("Other", "ci-group")
	paused := f.account("Paused", "ci-group")
	if _, err := f.local.SuspendAccount(f.ctx, "paused", api.Mutation{Confirmed: true}); err != nil {
		t.Fatal(err)
	}
	cc := url.Values{"grant_type": {"client_credentials"}}
	with := func(v url.Values, kv ...string) url.Values {
		out := url.Values{}
		for k, vs := range v {
			out[k] = vs
		}
		for i := 0; i+1 < len(kv); i += 2 {
			out.Add(kv[i], kv[i+1])
		}
		return out
	}
	unknown := "sak_" + strings.Repeat("A", 43)
	for _, tc := range []struct {
		name           string
		form           url.Values
		basic          string
		hdr            []string
		status         int
		code           string
		basicChallenge bool
	}{
		{"no grant_type", url.Values{}, "ci:" + ci.Key.Secret, nil, 400, "invalid_request", false},
		{"another grant type", url.Values{"grant_type": {"password"}}, "ci:" + ci.Key.Secret, nil, 400, "unsupported_grant_type", false},
		{"no client authentication", cc, "", nil, 401, "invalid_client", true},
		{"client_id without a secret", with(cc, "client_id", "ci"), "", nil, 401, "invalid_client", true},
		{"client_secret without client_id", with(cc, "client_secret", ci.Key.Secret), "", nil, 400, "invalid_request", false},
		{"Basic and the form both", with(cc, "client_id", "ci", "client_secret", ci.Key.Secret), "ci:" + ci.Key.Secret, nil, 400, "invalid_request", false},
		{"a bearer header", cc, "", []string{"Authorization", "Bearer " + ci.Key.Secret}, 401, "invalid_client", true},
		{"an unknown key", cc, "ci:" + unknown, nil, 401, "invalid_client", true},
		{"not a key", with(cc, "client_id", "ci", "client_secret", "hunter2"), "", nil, 401, "invalid_client", true},
		{"a user token", cc, "ci:" + f.admin, nil, 401, "invalid_client", true},
		{"the key of another account", cc, "ci:" + other, nil, 401, "invalid_client", true},
		{"the key of another account, in the form", with(cc, "client_id", "ci", "client_secret", other), "", nil, 401, "invalid_client", true},
		{"a suspended account", cc, "paused:" + paused, nil, 400, "unauthorized_client", false},
		{"a scope not held", with(cc, "scope", "contacts:remove"), "ci:" + ci.Key.Secret, nil, 400, "invalid_scope", false},
		{"a scope of another key", with(cc, "scope", "deals:view"), "ci:" + ci.Key.Secret, nil, 400, "invalid_scope", false},
		{"a malformed scope", with(cc, "scope", "contacts"), "ci:" + ci.Key.Secret, nil, 400, "invalid_scope", false},
		{"a scope at none", with(cc, "scope", "contacts:none"), "ci:" + ci.Key.Secret, nil, 400, "invalid_scope", false},
		{"a secret as the scope", with(cc, "scope", ci.Key.Secret), "ci:" + ci.Key.Secret, nil, 400, "invalid_scope", false},
		{"a secret as client_id", cc, ci.Key.Secret + ":" + ci.Key.Secret, nil, 401, "invalid_client", true},
		{"a parameter twice", with(cc, "grant_type", "client_credentials"), "ci:" + ci.Key.Secret, nil, 400, "invalid_request", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := f.oauthPost("/oauth2/token", tc.form, tc.basic, tc.hdr...)
			if resp.StatusCode != tc.status || body["error"] != tc.code {
				t.Fatalf("%d %v, want %d %s", resp.StatusCode, body["raw"], tc.status, tc.code)
			}
			desc, _ := body["error_description"].(string)
			if desc == "" || strings.ContainsAny(desc, "\"\\") || strings.ContainsFunc(desc, func(r rune) bool { return r < 0x20 || r > 0x7e }) {
				t.Errorf("error_description %q is not RFC 6749 §5.2's printable ASCII", desc)
			}
			if got := resp.Header.Get("WWW-Authenticate"); strings.HasPrefix(got, "Basic ") != tc.basicChallenge {
				t.Errorf("WWW-Authenticate %q", got)
			}
			if _, ok := body["access_token"]; ok {
				t.Errorf("an error with a token: %v", body["raw"])
			}
			for _, s := range []string{ci.Key.Secret, other, paused, unknown, f.admin, "hunter2"} {
				if strings.Contains(body["raw"].(string), s) {
					t.Errorf("the answer repeats a secret: %v", body["raw"])
				}
			}
		})
	}

	// The request's form itself: form-encoded only (415), POST only (405),
	// each in the OAuth2 shape.
	for _, tc := range []struct {
		method, ct string
		status     int
	}{{"POST", "application/json", 415}, {"GET", "", 405}, {"PUT", "application/x-www-form-urlencoded", 405}} {
		req, _ := http.NewRequest(tc.method, f.ts.URL+"/oauth2/token", strings.NewReader(`{"grant_type":"client_credentials"}`))
		if tc.ct != "" {
			req.Header.Set("Content-Type", tc.ct)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e api.OAuth2Error
		err = json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != tc.status || err != nil || e.Code != "invalid_request" || e.Description == "" {
			t.Errorf("%s with %q: %d %+v %v", tc.method, tc.ct, resp.StatusCode, e, err)
		}
	}
}

// A token answer is never kept (RFC 6749 §5.1), and client_id may be the
// key's id as well as the api_name.
func TestOAuth2TokenAnswer(t *testing.T) {
	f := newFixture(t)
	ci := f.oauthAccount()
	for _, id := range []string{"ci", ci.Key.ID} {
		resp, body := f.oauthPost("/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, id+":"+ci.Key.Secret)
		if resp.StatusCode != 200 {
			t.Fatalf("client_id %s: %d %v", id, resp.StatusCode, body["raw"])
		}
		if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Pragma") != "no-cache" {
			t.Errorf("Cache-Control %q, Pragma %q", resp.Header.Get("Cache-Control"), resp.Header.Get("Pragma"))
		}
		if body["token_type"] != "Bearer" || body["expires_in"] != float64(3600) || !strings.HasPrefix(body["access_token"].(string), "sat_") {
			t.Errorf("answer %v", body["raw"])
		}
	}
	// The key expires in 10 minutes: so does the token.
	k, err := f.local.CreateKey(f.ctx, api.CreateKeyRequest{Ref: "ci", Name: "short", ExpiresIn: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	_, body := f.oauthPost("/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, "ci:"+k.Secret)
	if exp, _ := body["expires_in"].(float64); exp > 600 || exp < 590 {
		t.Errorf("a token of a key expiring in 10m lives %vs", body["expires_in"])
	}
}

// A scope narrows the token (R-SRV-10): introspection shows it, and
// sactl's own authorization honours it.
func TestOAuth2Scope(t *testing.T) {
	f := newFixture(t)
	ci := f.oauthAccount()
	resp, body := f.oauthPost("/oauth2/token", url.Values{"grant_type": {"client_credentials"},
		"scope": {"contacts:view"}}, "ci:"+ci.Key.Secret)
	if resp.StatusCode != 200 || body["scope"] != "contacts:view" {
		t.Fatalf("%d %v", resp.StatusCode, body["raw"])
	}
	tok := body["access_token"].(string)
	v, err := f.local.Verify(f.ctx, tok)
	if err != nil || !v.Active {
		t.Fatalf("verify: %+v %v", v, err)
	}
	if got := v.Permissions.String(); got != "contacts=view" {
		t.Errorf("the narrowed token's permissions: %s, want contacts=view", got)
	}
	// service_accounts=view is the account's, not the token's.
	if status, out := f.do("GET", "/api/v1/service-accounts/ci", tok, nil); status != http.StatusForbidden {
		t.Errorf("reading an account with a contacts-only token: %d %v", status, out)
	}
	resp, body = f.oauthPost("/oauth2/token", url.Values{"grant_type": {"client_credentials"},
		"scope": {"service_accounts:view"}}, "ci:"+ci.Key.Secret)
	if resp.StatusCode != 200 {
		t.Fatal(body["raw"])
	}
	if status, _ := f.do("GET", "/api/v1/service-accounts/ci", body["access_token"].(string), nil); status != 200 {
		t.Errorf("reading an account with service_accounts:view: %d", status)
	}
	// At use time never more than the account holds now.
	if _, err := f.local.UpdateGroup(f.ctx, api.UpdateGroupRequest{Name: "ci-group", Drop: []string{"service_accounts"}, Mutation: api.Mutation{Confirmed: true}}); err != nil {
		t.Fatal(err)
	}
	if status, _ := f.do("GET", "/api/v1/service-accounts/ci", body["access_token"].(string), nil); status != http.StatusForbidden {
		t.Errorf("after the group lost service_accounts: %d", status)
	}
}

// A token exchanged for a key fails as soon as the key does (R-SRV-10).
func TestOAuth2TokenDiesWithItsKey(t *testing.T) {
	f := newFixture(t)
	ci := f.oauthAccount()
	mint := func(secret string) string {
		_, body := f.oauthPost("/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, "ci:"+secret)
		tok, _ := body["access_token"].(string)
		if tok == "" {
			t.Fatal(body["raw"])
		}
		return tok
	}
	tok := mint(ci.Key.Secret)
	second, err := f.local.CreateKey(f.ctx, api.CreateKeyRequest{Ref: "ci", Name: "second"})
	if err != nil {
		t.Fatal(err)
	}
	other := mint(second.Secret)
	if _, err := f.local.SetKeyEnabled(f.ctx, api.KeyRequest{Ref: "ci", KeyID: ci.Key.ID, Mutation: api.Mutation{Confirmed: true}}, false); err != nil {
		t.Fatal(err)
	}
	if v, _ := f.local.Verify(f.ctx, tok); v.Active || v.Reason != domain.ReasonDisabledKey {
		t.Errorf("the token of a disabled key: active %v, reason %q", v.Active, v.Reason)
	}
	if v, _ := f.local.Verify(f.ctx, other); !v.Active {
		t.Errorf("the token of the other key: %q", v.Reason)
	}
	if _, err := f.local.DeleteKey(f.ctx, api.KeyRequest{Ref: "ci", KeyID: second.ID, Force: true, Mutation: api.Mutation{Confirmed: true}}); err != nil {
		t.Fatal(err)
	}
	if v, _ := f.local.Verify(f.ctx, other); v.Active || v.Reason != domain.ReasonRevoked {
		t.Errorf("the token of a deleted key: active %v, reason %q", v.Active, v.Reason)
	}
}

// POST /oauth2/introspect answers RFC 7662's members from the same
// verification as /api/v1/auth/introspect; the caller needs
// introspection=view (R-PERM-10), as a bearer or as a client.
func TestOAuth2Introspect(t *testing.T) {
	f := newFixture(t)
	ci := f.oauthAccount()
	if _, err := f.local.CreateGroup(f.ctx, api.CreateGroupRequest{Name: "checkers",
		Permissions: domain.Permissions{"introspection": domain.LevelView}}); err != nil {
		t.Fatal(err)
	}
	checker, err := f.local.CreateAccount(f.ctx, api.CreateAccountRequest{Name: "Gateway", Groups: []string{"checkers"}})
	if err != nil {
		t.Fatal(err)
	}
	_, body := f.oauthPost("/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"contacts:edit"}}, "ci:"+ci.Key.Secret)
	tok := body["access_token"].(string)

	for _, auth := range []struct {
		name, basic string
		hdr         []string
	}{
		{"bearer", "", []string{"Authorization", "Bearer " + checker.Key.Secret}},
		{"client basic", "gateway:" + checker.Key.Secret, nil},
	} {
		resp, got := f.oauthPost("/oauth2/introspect", url.Values{"token": {tok}, "token_type_hint": {"access_token"}}, auth.basic, auth.hdr...)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %v", auth.name, resp.StatusCode, got["raw"])
		}
		iat, _ := got["iat"].(float64)
		exp, _ := got["exp"].(float64)
		if got["active"] != true || got["sub"] != ci.ID || got["client_id"] != "ci" || got["scope"] != "contacts:edit" ||
			got["token_type"] != "Bearer" || got["iss"] != f.ts.URL || got["credential_type"] != "signed_token" ||
			got["business"] != "default" || exp-iat != 3600 {
			t.Errorf("%s: %v", auth.name, got["raw"])
		}
		// An inactive credential is {"active":false} and nothing else.
		_, got = f.oauthPost("/oauth2/introspect", url.Values{"token": {"sak_nope"}}, auth.basic, auth.hdr...)
		if got["raw"] != "{\"active\":false}\n" {
			t.Errorf("%s: an inactive credential: %q", auth.name, got["raw"])
		}
	}
	// An API key introspected: its id, its account, no expiry.
	_, got := f.oauthPost("/oauth2/introspect", url.Values{"token": {ci.Key.Secret}}, "gateway:"+checker.Key.Secret)
	if got["active"] != true || got["jti"] != ci.Key.ID || got["credential_type"] != "api_key" || got["exp"] != nil {
		t.Errorf("an API key: %v", got["raw"])
	}

	// Without introspection=view: 403 insufficient_scope; no caller: 401.
	resp, got := f.oauthPost("/oauth2/introspect", url.Values{"token": {tok}}, "ci:"+ci.Key.Secret)
	if resp.StatusCode != 403 || got["error"] != "insufficient_scope" {
		t.Errorf("a caller without introspection: %d %v", resp.StatusCode, got["raw"])
	}
	resp, got = f.oauthPost("/oauth2/introspect", url.Values{"token": {tok}}, "")
	if resp.StatusCode != 401 || got["error"] != "invalid_client" {
		t.Errorf("no caller: %d %v", resp.StatusCode, got["raw"])
	}
	resp, got = f.oauthPost("/oauth2/introspect", url.Values{"token": {tok}}, "", "Authorization", "Bearer sak_nope")
	if resp.StatusCode != 401 || got["error"] != "invalid_token" || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Errorf("a bad bearer: %d %v %q", resp.StatusCode, got["raw"], resp.Header.Get("WWW-Authenticate"))
	}
	resp, got = f.oauthPost("/oauth2/introspect", url.Values{}, "gateway:"+checker.Key.Secret)
	if resp.StatusCode != 400 || got["error"] != "invalid_request" {
		t.Errorf("no token: %d %v", resp.StatusCode, got["raw"])
	}
}

func TestOAuth2Metadata(t *testing.T) {
	f := newFixture(t)
	resp, err := http.Get(f.ts.URL + "/.well-known/oauth-authorization-server")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %v", resp.StatusCode, err)
	}
	want := map[string]any{
		"issuer": f.ts.URL, "token_endpoint": f.ts.URL + "/oauth2/token",
		"introspection_endpoint": f.ts.URL + "/oauth2/introspect",
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s: %v, want %v", k, m[k], v)
		}
	}
	for k, v := range map[string]string{
		"grant_types_supported":                         `["client_credentials"]`,
		"token_endpoint_auth_methods_supported":         `["client_secret_basic","client_secret_post"]`,
		"introspection_endpoint_auth_methods_supported": `["client_secret_basic","client_secret_post","Bearer"]`,
		"response_types_supported":                      `[]`,
	} {
		if b, _ := json.Marshal(m[k]); string(b) != v {
			t.Errorf("%s: %s, want %s", k, b, v)
		}
	}
	// A configured issuer wins over the request's Host.
	srv := New(Config{Store: f.st, MasterKey: f.mk, Issuer: "https://sactl.example.com/"})
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/.well-known/oauth-authorization-server", nil))
	if !strings.Contains(rec.Body.String(), `"token_endpoint":"https://sactl.example.com/oauth2/token"`) {
		t.Errorf("with --issuer: %s", rec.Body)
	}
	for _, bad := range []string{"sactl.example.com", "ftp://x", "https://x/?a=b", "https://x/#f", "https://u:p@x"} {
		if CheckIssuer(bad) == nil {
			t.Errorf("CheckIssuer(%q) passed", bad)
		}
	}
	if err := CheckIssuer("https://sactl.example.com/base"); err != nil {
		t.Error(err)
	}
}

// Failed client authentications are slowed like failed bearer ones
// (R-SRV-4): past the burst, each waits.
func TestOAuth2FailedClientsAreSlowed(t *testing.T) {
	f := newFixture(t)
	rec := f.recordSleeps()
	ci := f.oauthAccount()
	bad := url.Values{"grant_type": {"client_credentials"}, "client_id": {"ci"}, "client_secret": {"sak_" + strings.Repeat("B", 43)}}
	waited := rec.waited(func() {
		for range failureBurst + 2 {
			f.oauthPost("/oauth2/token", bad, "")
		}
	})
	if waited != 2*failureDelay {
		t.Errorf("%d failed client authentications waited %s, want %s", failureBurst+2, waited, 2*failureDelay)
	}
	// A valid client never waits, whatever its address did.
	if w := rec.waited(func() {
		resp, body := f.oauthPost("/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, "ci:"+ci.Key.Secret)
		if resp.StatusCode != 200 {
			t.Fatal(body["raw"])
		}
	}); w != 0 {
		t.Errorf("a valid client waited %s", w)
	}
}

// Neither the client secret nor the access token reaches the log, the
// audit log or an error; the audit event records the exchange, and the
// key it was made with (R-AUD-4).
func TestOAuth2SecretsStayOut(t *testing.T) {
	f := newFixture(t)
	var logs bytes.Buffer
	srv := New(Config{Store: f.st, MasterKey: f.mk, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	f.ts = ts
	ci := f.oauthAccount()
	resp, body := f.oauthPost("/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, "ci:"+ci.Key.Secret)
	if resp.StatusCode != 200 {
		t.Fatal(body["raw"])
	}
	tok := body["access_token"].(string)
	f.oauthPost("/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"x:" + ci.Key.Secret}}, "ci:"+ci.Key.Secret)
	f.oauthPost("/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, ci.Key.Secret+":"+ci.Key.Secret)
	f.oauthPost("/oauth2/introspect", url.Values{"token": {tok}}, "ci:"+ci.Key.Secret)

	var events bytes.Buffer
	var minted []domain.AuditEvent
	if err := f.local.ListAudit(f.ctx, domain.AuditFilter{}, func(e domain.AuditEvent) error {
		if e.Action == "token.minted" {
			minted = append(minted, e)
		}
		return json.NewEncoder(&events).Encode(e)
	}); err != nil {
		t.Fatal(err)
	}
	payload, _, _ := strings.Cut(strings.TrimPrefix(tok, "sat_"), ".")
	sig := tok[strings.LastIndex(tok, ".")+1:]
	for what, s := range map[string]string{"log": logs.String(), "audit log": events.String()} {
		for _, secret := range []string{ci.Key.Secret, tok, payload, sig, base64.StdEncoding.EncodeToString([]byte("ci:" + ci.Key.Secret))} {
			if strings.Contains(s, secret) {
				t.Errorf("the %s holds a secret: %s", what, s)
			}
		}
	}
	if len(minted) != 1 {
		t.Fatalf("token.minted events: %d", len(minted))
	}
	e := minted[0]
	if e.Actor.ID != ci.ID || e.Actor.Credential == nil || e.Actor.Credential.Type != domain.CredentialAPIKey ||
		e.Actor.Credential.ID != ci.Key.ID || e.Details["grant"] != "oauth2_client_credentials" || e.Details["key_id"] != ci.Key.ID ||
		e.Target.ID != ci.ID {
		t.Errorf("the event: %+v", e)
	}
	if !strings.Contains(logs.String(), `"route":"oauth2_token"`) {
		t.Errorf("the token requests are not logged: %s", logs.String())
	}
}

// Revoking an OAuth2 token needs the power of its own account, not the
// automation account's (R-TOK-4, R-PERM-9): a principal that holds what
// ci holds may revoke ci's token; one that holds less may not.
func TestOAuth2TokenRevokeNeedsItsAccountsPower(t *testing.T) {
	f := newFixture(t)
	ci := f.oauthAccount()
	_, body := f.oauthPost("/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, "ci:"+ci.Key.Secret)
	tok := body["access_token"].(string)
	v, err := f.local.Verify(f.ctx, tok)
	if err != nil || !v.Active {
		t.Fatal(v, err)
	}
	for _, g := range []struct {
		name  string
		perms domain.Permissions
	}{
		{"weak", domain.Permissions{"service_accounts": domain.LevelEdit}},
		{"strong", domain.Permissions{"service_accounts": domain.LevelEdit, "contacts": domain.LevelEdit}},
	} {
		if _, err := f.local.CreateGroup(f.ctx, api.CreateGroupRequest{Name: g.name, Permissions: g.perms}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.local.CreateUser(f.ctx, api.CreateUserRequest{Name: g.name, Email: g.name + "@default.example", Groups: []string{g.name}}); err != nil {
			t.Fatal(err)
		}
	}
	as := func(who string) *service.Service {
		return service.New(f.st, service.Actor{Local: "tester", As: who + "@default.example"}, "", service.WithMasterKey(f.mk))
	}
	_, err = as("weak").RevokeToken(f.ctx, v.Credential.ID, api.Mutation{Confirmed: true})
	if domain.KindOf(err) != domain.KindForbidden || !strings.Contains(err.Error(), `of "CI"`) || !strings.Contains(err.Error(), "contacts=edit") {
		t.Errorf("a weaker principal revoking ci's token: %v", err)
	}
	if _, err := as("strong").RevokeToken(f.ctx, v.Credential.ID, api.Mutation{Confirmed: true}); err != nil {
		t.Errorf("a principal as strong as ci revoking its token: %v", err)
	}
	if v, _ := f.local.Verify(f.ctx, tok); v.Active || v.Reason != domain.ReasonRevoked {
		t.Errorf("after revoking: active %v, reason %q", v.Active, v.Reason)
	}
}

// benchOAuth2 is a server with an admin account ci, and its key, for the
// OAuth2 benchmarks.
func benchOAuth2(b *testing.B) (ts *httptest.Server, ciKey string) {
	ctx := context.Background()
	db := filepath.Join(b.TempDir(), "sactl.db")
	st, err := testdb.Open(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	mk := service.LocalMasterKey(db)
	local := service.New(st, service.LocalActor("bench"), "", service.WithMasterKey(mk))
	ci, err := local.CreateAccount(ctx, api.CreateAccountRequest{Name: "CI", Groups: []string{"admins"}})
	if err != nil {
		b.Fatal(err)
	}
	ts = httptest.NewServer(New(Config{Store: st, MasterKey: mk}).Handler())
	b.Cleanup(ts.Close)
	return ts, ci.Key.Secret
}

func benchPost(b *testing.B, c *http.Client, url, basic, body, bearer string) []byte {
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic != "" {
		id, secret, _ := strings.Cut(basic, ":")
		req.SetBasicAuth(id, secret)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Fatalf("%s: %d %s", url, resp.StatusCode, out)
	}
	return out
}

// BenchmarkOAuth2Token is one token request after another: each mints,
// records and audits a token in a write transaction.
func BenchmarkOAuth2Token(b *testing.B) {
	ts, key := benchOAuth2(b)
	c := &http.Client{}
	for b.Loop() {
		benchPost(b, c, ts.URL+"/oauth2/token", "ci:"+key, "grant_type=client_credentials", "")
	}
}

// BenchmarkOAuth2Introspect compares /oauth2/introspect with
// /api/v1/auth/introspect on one token, one request at a time: the same
// verification and cache, a different answer.
func BenchmarkOAuth2Introspect(b *testing.B) {
	ts, key := benchOAuth2(b)
	c := &http.Client{}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.Unmarshal(benchPost(b, c, ts.URL+"/oauth2/token", "ci:"+key, "grant_type=client_credentials", ""), &tok)
	body := "token=" + tok.AccessToken
	b.Run("oauth2", func(b *testing.B) {
		for b.Loop() {
			benchPost(b, c, ts.URL+"/oauth2/introspect", "", body, key)
		}
	})
	b.Run("api", func(b *testing.B) {
		for b.Loop() {
			benchPost(b, c, ts.URL+"/api/v1/auth/introspect", "", body, key)
		}
	})
}

func TestOAuthText(t *testing.T) {
	for in, want := range map[string]string{
		`scope "x" is bad`: `scope 'x' is bad`, `a\b`: `a/b`, "cut…": "cut...", "ü\n\x00": "???", "plain ASCII ~!": "plain ASCII ~!",
	} {
		if got := oauthText(in); got != want {
			t.Errorf("oauthText(%q) = %q, want %q", in, got, want)
		}
	}
}
