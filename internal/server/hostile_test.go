package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/sactl/sactl/internal/api/apitest"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/service"
)

// The hostile-input suite (R-SRV-2, R-SRV-4): every route of the table gets
// every kind of bad request, and none may answer 5xx, show a Go error, a
// stack or SQL, or answer a bad request with anything but a 4xx in the JSON
// error shape.

// hostileSample is a well-formed request of one route: a path naming
// objects that exist (see hostileWorld) and, for a route that reads one, a
// valid body. Every route of the table needs one: a route added without
// its sample fails TestHostileInputOnEveryRoute.
type hostileSample struct {
	path, body string
}

// The {placeholders} below are filled in from hostileWorld.
var hostileSamples = map[string]hostileSample{
	"list_service_accounts":         {"/api/v1/service-accounts?status=active", ""},
	"create_service_account":        {"/api/v1/service-accounts", `{"name":"Hostile sample","description":"d","groups":["team"]}`},
	"get_service_account":           {"/api/v1/service-accounts/target", ""},
	"update_service_account":        {"/api/v1/service-accounts/target", `{"description":"x","icon":"i"}`},
	"suspend_service_account":       {"/api/v1/service-accounts/target/suspend", ""},
	"resume_service_account":        {"/api/v1/service-accounts/target/resume", ""},
	"archive_service_account":       {"/api/v1/service-accounts/target/archive", ""},
	"set_service_account_groups":    {"/api/v1/service-accounts/target/groups", `{"groups":["team"]}`},
	"add_service_account_groups":    {"/api/v1/service-accounts/target/groups", `{"groups":["team"]}`},
	"remove_service_account_groups": {"/api/v1/service-accounts/target/groups?group=team", ""},
	"list_service_account_admins":   {"/api/v1/service-accounts/target/admins", ""},
	"add_service_account_admin":     {"/api/v1/service-accounts/target/admins/ann@default.example", ""},
	"remove_service_account_admin":  {"/api/v1/service-accounts/target/admins/ann@default.example", ""},
	"list_api_keys":                 {"/api/v1/api-keys?limit=5", ""},
	"create_api_key":                {"/api/v1/api-keys", `{"name":"CI key","groups":["team"],"expires_in":"30d"}`},
	"revoke_api_key":                {"/api/v1/api-keys/ci-key", ""},
	"export_config":                 {"/api/v1/config", ""},
	"import_config":                 {"/api/v1/config/import", `{"config":{"version":1,"settings":{"max_keys_per_account":"3"},"groups":[{"name":"team","description":"","permissions":{"service_accounts":"view"}}],"accounts":[]},"prune":false}`},
	"list_keys":                     {"/api/v1/service-accounts/target/keys", ""},
	"create_key":                    {"/api/v1/service-accounts/target/keys", `{"name":"k2","expires_in":"30d"}`},
	"rotate_keys":                   {"/api/v1/service-accounts/target/keys/rotate?grace=1h", ""},
	"delete_key":                    {"/api/v1/service-accounts/target/keys/{key}", ""},
	"disable_key":                   {"/api/v1/service-accounts/target/keys/{key}/disable", ""},
	"enable_key":                    {"/api/v1/service-accounts/target/keys/{key}/enable", ""},
	"reveal_key":                    {"/api/v1/service-accounts/target/keys/{key}/reveal", ""},
	"list_all_keys":                 {"/api/v1/keys?expiring_within=14d&unused_for=1d", ""},
	"mint_token":                    {"/api/v1/tokens", `{"ttl":"5m","execution":"run-1"}`},
	"rotate_signing_key":            {"/api/v1/tokens/signing-key/rotate", ""},
	"list_tokens":                   {"/api/v1/tokens", ""},
	"revoke_token":                  {"/api/v1/tokens/{token}", ""},
	"introspect":                    {"/api/v1/auth/introspect", `{"token":"{secret}"}`},
	"check":                         {"/api/v1/auth/check?require=service_accounts:view", ""},
	"tokenreview": {"/api/v1/auth/tokenreview", `{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview",` +
		`"metadata":{"creationTimestamp":null},"spec":{"token":"{secret}","audiences":["https://k8s.example"]},"status":{"user":{}}}`},
	"list_groups":        {"/api/v1/groups", ""},
	"create_group":       {"/api/v1/groups", `{"name":"hostile","description":"d","permissions":{"service_accounts":"view"}}`},
	"get_group":          {"/api/v1/groups/team", ""},
	"update_group":       {"/api/v1/groups/team", `{"description":"x","set_permissions":{"deals":"view"},"drop_permissions":["x"]}`},
	"delete_group":       {"/api/v1/groups/team", ""},
	"list_users":         {"/api/v1/users?group=team", ""},
	"create_user":        {"/api/v1/users", `{"name":"Bob","email":"bob@default.example","groups":["team"]}`},
	"search_users":       {"/api/v1/users/search?prefix=a&max=5", ""},
	"get_user":           {"/api/v1/users/ann@default.example", ""},
	"update_user":        {"/api/v1/users/ann@default.example", `{"name":"Ann B"}`},
	"remove_user":        {"/api/v1/users/ann@default.example", ""},
	"set_user_groups":    {"/api/v1/users/ann@default.example/groups", `{"groups":["team"]}`},
	"add_user_groups":    {"/api/v1/users/ann@default.example/groups", `{"groups":["team"]}`},
	"remove_user_groups": {"/api/v1/users/ann@default.example/groups?group=team", ""},
	"list_user_tokens":   {"/api/v1/users/ann@default.example/tokens", ""},
	"create_user_token":  {"/api/v1/users/ann@default.example/tokens", `{"name":"t","expires_in":"1d"}`},
	"revoke_user_token":  {"/api/v1/users/ann@default.example/tokens/{user_token}", ""},
	"seats":              {"/api/v1/seats", ""},
	"list_businesses":    {"/api/v1/businesses", ""},
	"create_business":    {"/api/v1/businesses", `{"name":"hostile-biz"}`},
	"get_settings":       {"/api/v1/settings", ""},
	"set_setting":        {"/api/v1/settings/max_keys_per_account", `{"value":"3"}`},
	"list_audit":         {"/api/v1/audit?limit=10&action=key.rotated", ""},
	"verify_audit":       {"/api/v1/audit/verify", ""},
}

const sqlInjection = "'; DROP TABLE principals; --"

// hostileWorld is what the samples name, and the credentials the suite
// sends.
type hostileWorld struct {
	fill                         *strings.Replacer // the samples' {placeholders}
	foreign, archived, suspended string            // credentials
	secrets                      []string          // of the default business: never in another's answer
}

func newHostileWorld(f *fixture) hostileWorld {
	t := f.t
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := f.local.CreateGroup(f.ctx, api.CreateGroupRequest{Name: "team",
		Permissions: domain.Permissions{"service_accounts": domain.LevelView}})
	must(err)
	target, err := f.local.CreateAccount(f.ctx, api.CreateAccountRequest{Name: "Target", Groups: []string{"team"}})
	must(err)
	_, err = f.local.CreateUser(f.ctx, api.CreateUserRequest{Name: "Ann", Email: "ann@default.example", Groups: []string{"team"}})
	must(err)
	ut, err := f.local.CreateUserToken(f.ctx, api.CreateUserTokenRequest{Ref: "ann@default.example"})
	must(err)
	tok, err := f.local.MintToken(f.ctx, api.MintTokenRequest{TTL: 30 * time.Minute})
	must(err)
	w := hostileWorld{
		fill: strings.NewReplacer("{key}", target.Key.ID, "{token}", tok.ID, "{user_token}", ut.ID,
			"{secret}", target.Key.Secret),
		archived:  f.account("Gone", "admins"),
		suspended: f.account("Paused", "admins"),
		secrets:   []string{target.ID, target.Key.ID, target.Key.Secret, ut.ID, tok.ID},
	}
	_, err = f.local.ArchiveAccount(f.ctx, "gone", api.Mutation{Confirmed: true})
	must(err)
	_, err = f.local.SuspendAccount(f.ctx, "paused", api.Mutation{Confirmed: true})
	must(err)
	_, err = f.local.CreateBusiness(f.ctx, api.CreateBusinessRequest{Name: "acme"})
	must(err)
	acme := service.New(f.st, service.LocalActor("tester"), "acme",
		service.WithClock(func() time.Time { return f.now }), service.WithMasterKey(f.mk))
	foreign, err := acme.CreateAccount(f.ctx, api.CreateAccountRequest{Name: "Acme admin", Groups: []string{"admins"}})
	must(err)
	w.foreign = foreign.Key.Secret
	return w
}

// hostileRequest is one request of the suite.
type hostileRequest struct {
	what         string
	method, path string // path with query, already escaped
	token        string
	hdr          []string
	body         []byte
	chunked      bool
	// bad: the request is wrong, so the answer must be a 4xx error, with
	// this status when not 0. Otherwise any answer but a 5xx will do.
	bad    bool
	status int
	// oauth: an OAuth2 route's request, whose errors are RFC 6749 §5.2's
	// shape (R-SRV-10), with this error code when not "".
	oauth     bool
	oauthCode string
}

// leaks are what an answer must never show: Go errors, panics, stacks,
// SQL and the store's errors. The suite's own input is quoted back in some
// messages; none of these is in it.
var leaks = regexp.MustCompile(`(?i)goroutine \d|panic|runtime error|\.go:\d|invalid memory address|` +
	`\bsql\b|sqlite|SQL logic|no such (table|column)|constraint failed|syntax error near|\bSELECT\b|\bINSERT INTO\b|` +
	`\bWHERE\b|Go (struct|value)|json: |cannot unmarshal|strconv\.|\*errors\.|%!`)

func TestHostileInputOnEveryRoute(t *testing.T) { // R-SRV-2, R-SRV-4
	f := newFixture(t)
	f.recordSleeps() // the suite fails authentication often: no real waits
	w := newHostileWorld(f)

	for _, msg := range sampleCoverage(routes, hostileSamples) {
		t.Error(msg)
	}

	for _, rt := range routes {
		s, ok := hostileSamples[rt.Name]
		if !ok {
			continue
		}
		path, body := w.fill.Replace(s.path), w.fill.Replace(s.body)
		t.Run(rt.Name, func(t *testing.T) {
			// The sample is this route's, and has a body exactly when the route reads one.
			probe, _ := http.NewRequest(rt.Method, path, nil)
			if _, pattern := f.srv.mux.Handler(probe); pattern != rt.pattern() {
				t.Fatalf("the sample path %s %s is routed to %q", rt.Method, path, pattern)
			}
			if (body != "") != (rt.Body != noBody) {
				t.Fatalf("the sample body %q does not fit a route that reads %v", body, rt.Body)
			}
			reqs := hostileRequests(rt, path, body, f.admin, w)
			// A method the sample path does not have (another route's
			// wildcard may take it: the mux knows).
			for _, m := range []string{"PUT", "PATCH", "DELETE", "POST", "GET"} {
				probe, _ := http.NewRequest(m, path, nil)
				if _, pattern := f.srv.mux.Handler(probe); pattern == "" {
					reqs = append(reqs, hostileRequest{what: "method " + m, method: m, path: path, token: f.admin, bad: true, status: 405})
					break
				}
			}
			for _, req := range reqs {
				f.checkHostile(t, req, w)
			}
		})
	}

	// The SQL-looking input was only ever data.
	if accts, err := apitest.Items(f.local.ListAccounts(f.ctx, api.ListAccountsRequest{})); err != nil || len(accts) < 3 {
		t.Errorf("the accounts after the suite: %d, %v", len(accts), err)
	}
	if status, _ := f.do("GET", "/api/v1/service-accounts", f.admin, nil); status != 200 {
		t.Errorf("the admin's credential after the suite: %d", status)
	}
}

// sampleCoverage says which routes lack a sample, and which samples name
// no route.
func sampleCoverage(table []route, samples map[string]hostileSample) []string {
	var msgs []string
	for _, rt := range table {
		if _, ok := samples[rt.Name]; !ok {
			msgs = append(msgs, fmt.Sprintf("route %s (%s %s) has no entry in hostileSamples: add a sample path and body for it",
				rt.Name, rt.Method, rt.Path))
		}
	}
	for name := range samples {
		if !slices.ContainsFunc(table, func(rt route) bool { return rt.Name == name }) {
			msgs = append(msgs, fmt.Sprintf("hostileSamples has %q, which is not a route", name))
		}
	}
	slices.Sort(msgs)
	return msgs
}

// TestSampleCoverage pins that a route added to the table without a sample
// is reported, so the suite cannot silently skip it.
func TestSampleCoverage(t *testing.T) {
	if got := sampleCoverage(routes, hostileSamples); got != nil {
		t.Errorf("the real table: %q", got)
	}
	added := append(slices.Clone(routes), route{Method: "POST", Path: "/api/v1/service-accounts/{account}/transfer", Name: "transfer"})
	want := []string{"route transfer (POST /api/v1/service-accounts/{account}/transfer) has no entry in hostileSamples: add a sample path and body for it"}
	if got := sampleCoverage(added, hostileSamples); !slices.Equal(got, want) {
		t.Errorf("a route without a sample: got %q, want %q", got, want)
	}
	if got := sampleCoverage(routes[1:], hostileSamples); len(got) != 1 || !strings.Contains(got[0], routes[0].Name) {
		t.Errorf("a sample without a route: got %q", got)
	}
}

// hostileRequests lists the bad requests sent to one route. path and body
// are its sample.
func hostileRequests(rt route, path, body, admin string, w hostileWorld) []hostileRequest {
	takesBody := rt.Body != noBody
	sampleBody := []byte(body)
	jsonCT := []string{"Content-Type", "application/json"}
	if !takesBody {
		jsonCT = nil
	}
	// For a route without a body, every body is wrong (400); 413 and 415
	// are for routes that read one.
	bodyStatus := func(s int) int {
		if takesBody {
			return s
		}
		return http.StatusBadRequest
	}
	big := bytes.Repeat([]byte("a"), int(bodyLimit(rt.Path))+1)

	reqs := []hostileRequest{
		// Credentials.
		{what: "no credential", token: "", body: sampleBody, hdr: jsonCT, bad: true, status: 401},
		{what: "malformed credential", token: "sak_" + strings.Repeat("x", 49), body: sampleBody, hdr: jsonCT, bad: true, status: 401},
		{what: "not a bearer credential", hdr: append([]string{"Authorization", "Basic YWRtaW46YWRtaW4="}, jsonCT...), body: sampleBody, bad: true, status: 401},
		// An archived account's keys are deleted, and known as such (R-SA-8).
		{what: "an archived account's key", token: w.archived, body: sampleBody, hdr: jsonCT, bad: true, status: 403},
		{what: "a suspended account's key", token: w.suspended, body: sampleBody, hdr: jsonCT, bad: true, status: 403},
		{what: "another business named", token: admin, body: sampleBody, hdr: append([]string{"X-Sactl-Business", "acme"}, jsonCT...), bad: true, status: 403},
		{what: "a credential of another business", token: w.foreign, body: sampleBody, hdr: jsonCT},

		// Bodies.
		{what: "oversized body", token: admin, body: big, hdr: []string{"Content-Type", "application/json"}, bad: true, status: 413},
		{what: "oversized chunked body", token: admin, body: big, chunked: true, hdr: []string{"Content-Type", "application/json"},
			bad: true, status: bodyStatus(413)},
		{what: "malformed JSON", token: admin, body: []byte(`{"name":`), hdr: []string{"Content-Type", "application/json"},
			bad: true, status: 400},
		{what: "two JSON values", token: admin, body: []byte(`{} {}`), hdr: []string{"Content-Type", "application/json"},
			bad: true, status: 400},
		{what: "wrong content type", token: admin, body: append([]byte(nil), cmpOr(sampleBody, []byte(`{}`))...),
			hdr: []string{"Content-Type", "text/plain"}, bad: true, status: bodyStatus(415)},
		{what: "invalid UTF-8 in a JSON string", token: admin, body: invalidUTF8(cmpOr(sampleBody, []byte(`{"name":"x"}`))),
			hdr: []string{"Content-Type", "application/json"}, bad: true, status: 400},

		// Parameters.
		{what: "invalid UTF-8 in path and query", token: admin, path: withParams(rt, path, "%FF%FE", url.Values{"x": {"\xff"}}),
			body: sampleBody, hdr: jsonCT, bad: true, status: 400},
		{what: "huge numbers", token: admin, path: withParams(rt, path, url.PathEscape("99999999999999999999999999999999"), url.Values{
			"limit": {"99999999999999999999"}, "cursor": {"99999999999999999999"}, "newest": {"99999999999999999999"},
			"max": {"99999999999999999999"}, "grace": {"99999999999999999999h"}}),
			body: replaceLeaves(sampleBody, "1e999"), hdr: jsonCT, bad: takesBody},
		{what: "control characters and a long value", token: admin, path: withParams(rt, path, "%00%0A%1B"+strings.Repeat("a", 4000), url.Values{
			"limit": {"-1"}, "cursor": {"!!"}, "since": {"\x00"}, "group": {strings.Repeat("g", 4000)}, "prefix": {"\x00%"}}),
			body: replaceLeaves(sampleBody, mustJSON("\x00\u202e"+strings.Repeat("b", 4000))), hdr: jsonCT},
		{what: "SQL-looking strings", token: admin, path: withParams(rt, path, url.PathEscape(sqlInjection), url.Values{
			"status": {sqlInjection}, "group": {sqlInjection}, "prefix": {sqlInjection}, "account": {sqlInjection},
			"actor": {sqlInjection}, "action": {sqlInjection}, "since": {sqlInjection}, "expiring_within": {sqlInjection}}),
			body: replaceLeaves(sampleBody, mustJSON(sqlInjection)), hdr: jsonCT},
	}
	for i := range reqs {
		if reqs[i].method == "" {
			reqs[i].method = rt.Method
		}
		if reqs[i].path == "" {
			reqs[i].path = path
		}
	}
	return reqs
}

func cmpOr(a, b []byte) []byte {
	if len(a) > 0 {
		return a
	}
	return b
}

// withParams fills every wildcard of the route's template with seg (already
// escaped) and adds q to the sample's query.
func withParams(rt route, samplePath, seg string, q url.Values) string {
	p := regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(rt.Path, seg)
	if _, query, ok := strings.Cut(samplePath, "?"); ok {
		old, _ := url.ParseQuery(query)
		for k, v := range old {
			if _, set := q[k]; !set {
				q[k] = v
			}
		}
	}
	return p + "?" + q.Encode()
}

// invalidUTF8 puts two bytes that are not UTF-8 at the start of the first
// string value of a JSON body.
func invalidUTF8(body []byte) []byte {
	i := bytes.Index(body, []byte(`:"`))
	if i < 0 {
		i = bytes.Index(body, []byte(`["`)) // {"groups":["team"]}
	}
	out := append([]byte(nil), body[:i+2]...)
	out = append(out, 0xff, 0xfe)
	return append(out, body[i+2:]...)
}

// replaceLeaves gives every value of a JSON body (and each element of its
// arrays and objects) the raw JSON leaf. A body that is empty stays empty.
func replaceLeaves(body []byte, leaf string) []byte {
	if len(body) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		panic(err)
	}
	var walk func(any) any
	walk = func(v any) any {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				v[k] = walk(x)
			}
			return v
		case []any:
			for i, x := range v {
				v[i] = walk(x)
			}
			return v
		}
		return json.RawMessage(leaf)
	}
	out, err := json.Marshal(walk(v))
	if err != nil {
		panic(err)
	}
	return out
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// checkHostile sends one request and checks the answer.
func (f *fixture) checkHostile(t *testing.T, hr hostileRequest, w hostileWorld) {
	t.Helper()
	var rd io.Reader
	if hr.body != nil {
		rd = bytes.NewReader(hr.body)
		if hr.chunked {
			rd = unsized{rd}
		}
	}
	req, err := http.NewRequest(hr.method, f.ts.URL+hr.path, rd)
	if err != nil {
		t.Fatalf("%s: %v", hr.what, err)
	}
	if hr.token != "" {
		req.Header.Set("Authorization", "Bearer "+hr.token)
	}
	for i := 0; i+1 < len(hr.hdr); i += 2 {
		req.Header.Set(hr.hdr[i], hr.hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", hr.what, err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	at := hr.what + ": " + hr.method + " " + hr.path
	if resp.StatusCode >= 500 {
		t.Errorf("%s: %d %s", at, resp.StatusCode, data)
		return
	}
	if m := leaks.Find(data); m != nil {
		t.Errorf("%s: the answer shows %q: %s", at, m, data)
	}
	if !hr.bad && hr.status != 0 && resp.StatusCode != hr.status {
		t.Errorf("%s: %d, want %d: %s", at, resp.StatusCode, hr.status, data)
	}
	if hr.bad && (resp.StatusCode < 400 || (hr.status != 0 && resp.StatusCode != hr.status)) {
		want := "a 4xx"
		if hr.status != 0 {
			want = http.StatusText(hr.status)
		}
		t.Errorf("%s: %d, want %s: %s", at, resp.StatusCode, want, data)
	}
	if resp.StatusCode >= 400 && hr.oauth {
		var e api.OAuth2Error
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: %d with Content-Type %q", at, resp.StatusCode, ct)
		}
		if err := json.Unmarshal(data, &e); err != nil || e.Code == "" || e.Description == "" {
			t.Errorf("%s: %d is not RFC 6749's error shape: %s", at, resp.StatusCode, data)
		}
		if hr.oauthCode != "" && e.Code != hr.oauthCode {
			t.Errorf("%s: error %q, want %q: %s", at, e.Code, hr.oauthCode, data)
		}
		if strings.ContainsAny(e.Description, "\"\\") || strings.ContainsFunc(e.Description, func(r rune) bool { return r < 0x20 || r > 0x7e }) {
			t.Errorf("%s: error_description is not RFC 6749's printable ASCII: %q", at, e.Description)
		}
	} else if resp.StatusCode >= 400 {
		var e struct {
			Error *struct{ Code, Message string } `json:"error"`
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: %d with Content-Type %q", at, resp.StatusCode, ct)
		}
		if err := json.Unmarshal(data, &e); err != nil || e.Error == nil || e.Error.Code == "" || e.Error.Message == "" {
			t.Errorf("%s: %d is not the error shape: %s", at, resp.StatusCode, data)
		}
	}
	if hr.token == w.foreign {
		for _, s := range w.secrets {
			// Only what the caller sent may come back.
			if bytes.Contains(data, []byte(s)) && !strings.Contains(hr.path, s) && !bytes.Contains(hr.body, []byte(s)) {
				t.Errorf("%s: another business's credential was shown %q: %s", at, s, data)
			}
		}
	}
}

// oauthHostileSamples are well-formed requests of the OAuth2 routes
// (R-SRV-10), which authenticate their callers themselves and answer
// errors in RFC 6749's shape. Every OAuth2 route needs one.
var oauthHostileSamples = map[string]hostileSample{
	"oauth2_token":      {"/oauth2/token", "grant_type=client_credentials&scope=service_accounts%3Aview&client_id=target&client_secret={secret}"},
	"oauth2_introspect": {"/oauth2/introspect", "token={secret}&token_type_hint=access_token"},
	"oauth2_metadata":   {"/.well-known/oauth-authorization-server", ""},
}

// TestHostileInputOnOAuthRoutes is the hostile-input suite of the OAuth2
// routes (R-SRV-4, R-SRV-10): bad client credentials, bodies, forms and
// parameters get a 4xx in RFC 6749's shape, never a 5xx, a leak or an
// echoed secret.
func TestHostileInputOnOAuthRoutes(t *testing.T) {
	f := newFixture(t)
	f.recordSleeps()
	w := newHostileWorld(f)
	var table []route
	for _, rt := range oauthRoutes {
		table = append(table, rt.route)
	}
	for _, msg := range sampleCoverage(table, oauthHostileSamples) {
		t.Error(msg)
	}
	form := "application/x-www-form-urlencoded"
	for _, rt := range oauthRoutes {
		s, ok := oauthHostileSamples[rt.Name]
		if !ok {
			continue
		}
		path, body := w.fill.Replace(s.path), w.fill.Replace(s.body)
		t.Run(rt.Name, func(t *testing.T) {
			if (body != "") != (rt.Body != noBody) {
				t.Fatalf("the sample body %q does not fit a route that reads %v", body, rt.Body)
			}
			sample, _ := url.ParseQuery(body)
			// variant is the sample's form with some parameters replaced
			// (an empty value drops one).
			variant := func(kv ...string) []byte {
				v := url.Values{}
				for k, vs := range sample {
					v[k] = vs
				}
				for i := 0; i+1 < len(kv); i += 2 {
					if kv[i+1] == "" {
						v.Del(kv[i])
					} else {
						v.Set(kv[i], kv[i+1])
					}
				}
				return []byte(v.Encode())
			}
			every := func(val string) []byte { // every parameter's value replaced
				v := url.Values{}
				for k := range sample {
					v.Set(k, val)
				}
				return []byte(v.Encode())
			}
			ct := []string{"Content-Type", form}
			admin := f.admin
			if rt.Path == oauthTokenPath {
				admin = "" // the token endpoint's caller is a client
			}
			big := bytes.Repeat([]byte("a"), int(bodyLimit(rt.Path))+1)
			// Garbage in every parameter is a bad token request; to
			// introspection, a credential that is not active (200).
			var reqs []hostileRequest
			if rt.Body == noBody {
				reqs = []hostileRequest{
					{what: "the sample", status: 200},
					{what: "a body", body: []byte("a=b"), hdr: ct, bad: true, status: 400, oauthCode: "invalid_request"},
					{what: "invalid UTF-8 in the query", path: path + "?x=%FF", bad: true, status: 400},
					{what: "SQL-looking query", path: path + "?" + url.Values{"x": {sqlInjection}}.Encode()},
				}
			} else {
				reqs = []hostileRequest{
					{what: "the sample", body: []byte(body), hdr: ct, token: admin, status: 200},
					{what: "oversized body", body: big, hdr: ct, token: admin, bad: true, status: 413, oauthCode: "invalid_request"},
					{what: "oversized chunked body", body: big, chunked: true, hdr: ct, token: admin, bad: true, status: 413},
					{what: "JSON", body: []byte(`{"grant_type":"client_credentials"}`), hdr: []string{"Content-Type", "application/json"},
						token: admin, bad: true, status: 415, oauthCode: "invalid_request"},
					{what: "no content type", body: []byte(body), token: admin, bad: true, status: 415},
					{what: "JSON sent as a form", body: []byte(`{"name":`), hdr: ct, token: admin, bad: true, status: 400},
					{what: "invalid UTF-8 in the form", body: append([]byte(body+"&x="), 0xff, 0xfe), hdr: ct, token: admin, bad: true, status: 400},
					{what: "a malformed escape", body: []byte(body + "&x=%zz"), hdr: ct, token: admin, bad: true, status: 400},
					{what: "a parameter twice", body: []byte(body + "&" + body), hdr: ct, token: admin, bad: true, status: 400, oauthCode: "invalid_request"},
					{what: "invalid UTF-8 in path and query", path: path + "?x=%FF", body: []byte(body), hdr: ct, token: admin, bad: true, status: 400},
					{what: "control characters and a long value", body: every("\x00\u202e\n" + strings.Repeat("b", 4000)), hdr: ct, token: admin, bad: admin == ""},
					{what: "SQL-looking strings", body: every(sqlInjection), hdr: ct, token: admin, bad: admin == ""},
					{what: "huge numbers", body: every("99999999999999999999"), hdr: ct, token: admin, bad: admin == ""},
				}
				if rt.Path == oauthTokenPath {
					reqs = append(reqs,
						hostileRequest{what: "no client authentication", body: variant("client_id", "", "client_secret", ""), hdr: ct,
							bad: true, status: 401, oauthCode: "invalid_client"},
						hostileRequest{what: "malformed client secret", body: variant("client_secret", "sak_"+strings.Repeat("x", 49)), hdr: ct,
							bad: true, status: 401, oauthCode: "invalid_client"},
						hostileRequest{what: "an archived account's key", body: variant("client_id", "gone", "client_secret", w.archived), hdr: ct,
							bad: true, status: 401, oauthCode: "invalid_client"},
						hostileRequest{what: "a suspended account's key", body: variant("client_id", "paused", "client_secret", w.suspended), hdr: ct,
							bad: true, status: 400, oauthCode: "unauthorized_client"},
						hostileRequest{what: "a key of another business for this client", body: variant("client_secret", w.foreign), hdr: ct,
							bad: true, status: 401, oauthCode: "invalid_client"},
						hostileRequest{what: "a credential of another business", body: variant("client_id", "acme-admin", "client_secret", w.foreign, "scope", ""), hdr: ct, status: 200},
						hostileRequest{what: "a bearer instead of a client", body: variant("client_id", "", "client_secret", ""), token: w.suspended, hdr: ct,
							bad: true, status: 401, oauthCode: "invalid_client"},
						hostileRequest{what: "a bad Basic header", body: variant("client_id", "", "client_secret", ""), hdr: append([]string{"Authorization", "Basic !!!"}, ct...),
							bad: true, status: 401, oauthCode: "invalid_client"},
						hostileRequest{what: "another grant type", body: variant("grant_type", "authorization_code"), hdr: ct,
							bad: true, status: 400, oauthCode: "unsupported_grant_type"},
						hostileRequest{what: "a scope not held", body: variant("scope", "service_accounts:remove"), hdr: ct,
							bad: true, status: 400, oauthCode: "invalid_scope"},
						hostileRequest{what: "a huge scope", body: variant("scope", strings.Repeat("a:view ", 5000)), hdr: ct,
							bad: true, status: 400, oauthCode: "invalid_scope"},
					)
				} else {
					reqs = append(reqs,
						hostileRequest{what: "no credential", body: []byte(body), hdr: ct, bad: true, status: 401, oauthCode: "invalid_client"},
						hostileRequest{what: "malformed credential", body: []byte(body), hdr: ct, token: "sak_" + strings.Repeat("x", 49),
							bad: true, status: 401, oauthCode: "invalid_token"},
						hostileRequest{what: "a suspended account's key", body: []byte(body), hdr: ct, token: w.suspended,
							bad: true, status: 401, oauthCode: "invalid_token"},
						hostileRequest{what: "a credential of another business", body: []byte(body), hdr: ct, token: w.foreign},
						hostileRequest{what: "no token", body: variant("token", ""), hdr: ct, token: admin, bad: true, status: 400, oauthCode: "invalid_request"},
						hostileRequest{what: "bearer and client both", body: variant("client_id", "target", "client_secret", "x"), hdr: ct, token: admin,
							bad: true, status: 400, oauthCode: "invalid_request"},
					)
				}
			}
			for _, m := range []string{"PUT", "PATCH", "DELETE", "POST", "GET"} {
				if m != rt.Method {
					reqs = append(reqs, hostileRequest{what: "method " + m, method: m, token: admin, bad: true, status: 405, oauthCode: "invalid_request"})
					break
				}
			}
			for _, req := range reqs {
				req.oauth = true
				if req.method == "" {
					req.method = rt.Method
				}
				if req.path == "" {
					req.path = path
				}
				f.checkHostile(t, req, w)
			}
		})
	}
}
