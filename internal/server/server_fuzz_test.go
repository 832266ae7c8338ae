package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/sactl/sactl/internal/msgcheck"
	"hash/fnv"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/service"
	"github.com/sactl/sactl/internal/testdb"
)

// fuzzServer is one server over one database, made once per fuzz process
// (each fuzz worker runs the target function once) and used by every input.
type fuzzServer struct {
	*fixture
	h http.Handler
	// params fills the path parameters of the route table with objects
	// that exist, so that inputs reach the service, not a 404.
	params map[string]string
	// credentials are the fixture's secrets, the only ones introspection
	// may find active.
	credentials []string
	// foreign are credentials of another business, and foreignIDs what
	// identifies them and their owner: introspection as the admin must
	// answer unknown and show none of it (R-PERM-10).
	foreign, foreignIDs []string
}

// newFuzzServer builds what newFixture builds, with the same steps.
// newFixture takes the *testing.T that a fuzz target only has inside
// f.Fuzz, once per input; a fixture per input would make each run open and
// migrate a database. Here the handler is called directly (httptest
// recorder), without a listener: the same handler, faster.
func newFuzzServer(f *testing.F) *fuzzServer {
	f.Helper()
	ctx := context.Background()
	db := filepath.Join(f.TempDir(), "sactl.db")
	st, err := testdb.Open(ctx, db)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	fx := &fixture{ctx: ctx, st: st, now: time.Now().UTC()}
	clock := func() time.Time { return fx.now }
	mk := service.LocalMasterKey(db)
	fx.local = service.New(st, service.LocalActor("tester"), "", service.WithClock(clock), service.WithMasterKey(mk))
	_, tok, err := fx.local.InitAdmin(ctx, "")
	if err != nil {
		f.Fatal(err)
	}
	fx.admin = tok.Secret
	s := &fuzzServer{fixture: fx, h: New(Config{Store: st, MasterKey: mk, Now: clock}).Handler(), credentials: []string{tok.Secret}}

	// Objects for the routes to act on: a group, accounts (enough for
	// several pages), a user with a token, a minted token, audit events.
	must := func(err error) {
		f.Helper()
		if err != nil {
			f.Fatal(err)
		}
	}
	_, err = fx.local.CreateGroup(ctx, api.CreateGroupRequest{Name: "fuzz-editors", Description: "fuzzing",
		Permissions: domain.Permissions{"service_accounts": domain.LevelEdit, "deals": domain.LevelView}})
	must(err)
	acct, err := fx.local.CreateAccount(ctx, api.CreateAccountRequest{Name: "Fuzz Target", Groups: []string{"fuzz-editors"}})
	must(err)
	second, err := fx.local.CreateKey(ctx, api.CreateKeyRequest{Ref: acct.ID, Name: "second", ExpiresIn: 30 * domain.Day})
	must(err)
	for i := range 4 {
		_, err := fx.local.CreateAccount(ctx, api.CreateAccountRequest{Name: fmt.Sprintf("Fuzz api.Page %d", i)})
		must(err)
	}
	user, err := fx.local.CreateUser(ctx, api.CreateUserRequest{Name: "Fuzz User", Email: "fuzz@example.com",
		Groups: []string{"fuzz-editors"}})
	must(err)
	ut, err := fx.local.CreateUserToken(ctx, api.CreateUserTokenRequest{Ref: user.ID, Name: "laptop"})
	must(err)
	minted, err := fx.local.MintToken(ctx, api.MintTokenRequest{Execution: "exe_fuzz"})
	must(err)
	s.credentials = append(s.credentials, acct.Key.Secret, second.Secret, ut.Secret, minted.Token)

	biz, err := fx.local.CreateBusiness(ctx, api.CreateBusinessRequest{Name: "foreign-biz"})
	must(err)
	other := service.New(st, service.LocalActor("tester"), biz.Name, service.WithClock(clock), service.WithMasterKey(mk))
	fa, err := other.CreateAccount(ctx, api.CreateAccountRequest{Name: "Foreign Account", Groups: []string{"admins"}})
	must(err)
	ft, err := other.MintToken(ctx, api.MintTokenRequest{})
	must(err)
	auto, err := other.GetAccount(ctx, "automation")
	must(err)
	s.foreign = []string{fa.Key.Secret, ft.Token}
	s.foreignIDs = []string{biz.ID, biz.Name, fa.ID, fa.Key.ID, ft.ID, auto.ID}
	s.params = map[string]string{
		"account": acct.ID, "key": second.ID, "group": "fuzz-editors", "user": user.ID,
		"user_token": ut.ID, "token": minted.ID,
	}
	return s
}

// path fills a route's path parameters. A setting's {key} is one of the
// settings, picked by pick, so that every setting is reached.
func (s *fuzzServer) path(rt route, pick uint32) string {
	users := strings.HasPrefix(rt.Path, "/api/v1/users/")
	return pathParamRE.ReplaceAllStringFunc(rt.Path, func(p string) string {
		switch name := p[1 : len(p)-1]; {
		case strings.HasPrefix(rt.Path, "/api/v1/settings/"):
			defs := domain.SettingDefs()
			return defs[int(pick%uint32(len(defs)))].Name
		case users && (name == "user" || name == "ref"):
			return s.params["user"]
		case users && name == "token":
			return s.params["user_token"]
		case name == "ref":
			return s.params["account"]
		default:
			if v, ok := s.params[name]; ok {
				return v
			}
			return "unknown"
		}
	})
}

var pathParamRE = regexp.MustCompile(`\{[a-z_]+\}`)

// pickRoute finds the route named name among those that keep, or else one
// of them chosen by a hash of name, so that a mutated name still
// reaches a route.
func pickRoute(name string, keep func(route) bool) route {
	var rts []route
	for _, rt := range routes {
		if keep(rt) {
			if rt.Name == name {
				return rt
			}
			rts = append(rts, rt)
		}
	}
	h := fnv.New32a()
	h.Write([]byte(name))
	return rts[int(h.Sum32()%uint32(len(rts)))]
}

func hashOf(b []byte) uint32 {
	h := fnv.New32a()
	h.Write(b)
	return h.Sum32()
}

// serve sends one request as the admin and returns the answer.
func (s *fuzzServer) serve(method, path, rawQuery, contentType string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.URL.RawQuery = rawQuery
	req.Header.Set("Authorization", "Bearer "+s.admin)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	return rec
}

// errorCodes are the codes of SPEC §12, and the one a destructive change
// made without confirmation answers with (R-CLI-2); internal is a 5xx.
var errorCodes = []string{"invalid", "not_found", "conflict", "protected", "unauthenticated", "forbidden", "confirmation_required"}

// checkAnswer fails t unless the answer is one the API may give to any
// input (R-SRV-2, R-SRV-4, SPEC §12): never a 5xx; JSON (or an empty 204);
// an error as {"error":{"code","message"}} with a known code, the status
// that code maps to (or 405, 413, 415), and a message (and hint) that
// follows R-CLI-4 for the inputs in. It returns the decoded body.
func checkAnswer(t *testing.T, what string, rec *httptest.ResponseRecorder, in ...string) map[string]any {
	t.Helper()
	body := rec.Body.Bytes()
	if rec.Code >= 500 {
		t.Fatalf("%s: %d %s", what, rec.Code, body)
	}
	if rec.Code == http.StatusNoContent {
		if len(body) != 0 {
			t.Fatalf("%s: 204 with a body", what)
		}
		return nil
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("%s: %d with Content-Type %q", what, rec.Code, ct)
	}
	var out map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		var list []any
		if rec.Code < 400 && json.Unmarshal(body, &list) == nil {
			return nil
		}
		t.Fatalf("%s: %d, body is not a JSON object: %s", what, rec.Code, body)
	}
	if rec.Code < 400 {
		return out
	}
	e, _ := out["error"].(map[string]any)
	code, _ := e["code"].(string)
	msg, _ := e["message"].(string)
	if !slices.Contains(errorCodes, code) || msg == "" {
		t.Fatalf("%s: %d, not the error shape: %s", what, rec.Code, body)
	}
	if want := api.StatusOf(domain.Kind(code)); rec.Code != want && rec.Code != 405 && rec.Code != 413 && rec.Code != 415 {
		t.Fatalf("%s: code %s answered with status %d, want %d", what, code, rec.Code, want)
	}
	if p := msgcheck.Problem(msg, in...); p != "" {
		t.Fatalf("%s: %d %s: %s: %q", what, rec.Code, code, p, msg)
	}
	if hint, _ := e["hint"].(string); hint != "" {
		if p := msgcheck.Problem(hint, in...); p != "" {
			t.Fatalf("%s: hint: %s: %q", what, p, hint)
		}
	}
	return out
}

// jsonStrings returns the strings in a JSON text, keys included, as far as
// it is JSON: what a message could quote from a body.
func jsonStrings(b []byte) []string {
	out := []string{string(b)}
	dec := json.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		if s, ok := tok.(string); ok {
			out = append(out, s)
		}
	}
}

// bodySeeds are request bodies for the routes that decode one.
var bodySeeds = map[string][]string{
	"create_service_account": {`{"name":"Zapier Sync","groups":["fuzz-editors"]}`, `{"name":"x","api_name":"x-1","description":"d","icon":"🚀"}`,
		`{"name":"Dup","groups":["admins"]}`, `{"name":"` + strings.Repeat("n", 81) + `"}`, `{"name":"x","groups":["nope"]}`},
	"update_service_account":     {`{"description":"owned by data"}`, `{"name":"Renamed","api_name":"renamed"}`, `{"icon":"a b"}`, `{"name":null}`},
	"set_service_account_groups": {`{"groups":["fuzz-editors"]}`, `{"groups":[]}`, `{"groups":null}`, `{"groups":["admins","admins"]}`},
	"add_service_account_groups": {`{"groups":["admins"]}`, `{"groups":["nope"]}`},
	"create_key":                 {`{"name":"ci"}`, `{"name":"ci","expires_in":"90d"}`, `{"expires_in":"soon"}`, `{"expires_in":"101y"}`, `{"expires_in":"-1h"}`},
	"mint_token":                 {`{}`, `{"ttl":"15m","execution":"exe_1"}`, `{"ttl":"2h"}`, `{"ttl":"1d"}`, `{"ttl":"-5m"}`},
	"introspect":                 {`{"token":"sak_nope"}`, `{"token":""}`, `{"token":"x","token_type_hint":"access_token"}`, `{"token":1}`},
	"create_group": {`{"name":"viewers","permissions":{"service_accounts":"view"}}`, `{"name":"g","permissions":{"Bad Key":"view"}}`,
		`{"name":"g","permissions":{"deals":"owner"}}`, `{"name":"g","permissions":{"deals":3}}`, `{"name":"admins","permissions":{}}`},
	"update_group":      {`{"description":"d"}`, `{"set_permissions":{"deals":"edit"}}`, `{"drop_permissions":["deals","nope"]}`, `{"name":"admins"}`},
	"create_user":       {`{"name":"Ann","email":"ann@example.com"}`, `{"name":"B","email":"not-an-email"}`, `{"name":"C","email":"fuzz@example.com"}`},
	"update_user":       {`{"name":"Fuzz U"}`, `{"email":"FUZZ2@EXAMPLE.COM"}`, `{"email":""}`},
	"set_user_groups":   {`{"groups":["admins"]}`, `{"groups":[]}`},
	"add_user_groups":   {`{"groups":["fuzz-editors"]}`},
	"create_user_token": {`{"name":"ci","expires_in":"30d"}`, `{"expires_in":"0s"}`},
	"create_business":   {`{"name":"acme"}`, `{"name":"acme-","domain":"acme.io"}`, `{"name":"Bad Name"}`, `{"name":"b","domain":"x"}`},
	"set_setting":       {`{"value":"5"}`, `{"value":"unlimited"}`, `{"value":"180d"}`, `{"value":"off"}`, `{"value":""}`, `{"value":"2y"}`},
}

// commonBodies are sent to every route: what no JSON decoder should
// choke on.
var commonBodies = []string{
	``, `{}`, `null`, `[]`, `"str"`, `{"a":1}`, `{} {}`, `{}x`, `{"name":"x","dry_run":true}`, `{"name":"x","name":"y"}`,
	`{"name":"\u0000"}`, `{"name":"\ud800"}`, "{\"name\":\"\xff\"}", `{"groups":"admins"}`, `{"name":1e999}`,
	`{"name":` + strings.Repeat("[", 1000) + `}`, `{"name":"x"`, "\xef\xbb\xbf{}", `{"` + strings.Repeat("z", 80) + `":1}`,
}

// edgeVariants are body with every string value replaced by one at the
// edge of what R-CLI-4 lets a message quote: 80 characters, and a bare
// credential prefix. One more character from the fuzzer crosses it.
func edgeVariants(body string) []string {
	var v any
	if json.Unmarshal([]byte(body), &v) != nil {
		return nil
	}
	var out []string
	for _, edge := range []string{strings.Repeat("z", 80), "sak_"} {
		b, _ := json.Marshal(replaceStrings(v, edge))
		out = append(out, string(b))
	}
	return out
}

func replaceStrings(v any, with string) any {
	switch x := v.(type) {
	case string:
		return with
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = replaceStrings(e, with)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = replaceStrings(e, with)
		}
		return out
	}
	return v
}

// FuzzRequestBodies: arbitrary bytes as the JSON body of any route, as the
// admin (so that a body reaches the service), answer with JSON and never a
// 5xx; errors have the shape of SPEC §12 and messages that follow R-CLI-4
// (no credential from the body, nothing longer than 80 characters of it).
// With dryRun the change is made and rolled back (R-CLI-2), so the
// fixture stays as it was; without, it is kept.
func FuzzRequestBodies(f *testing.F) {
	for name, bodies := range bodySeeds {
		for _, b := range bodies {
			f.Add(name, []byte(b), true)
			f.Add(name, []byte(b), false)
			for _, v := range edgeVariants(b) {
				f.Add(name, []byte(v), true)
			}
		}
		for _, b := range commonBodies {
			f.Add(name, []byte(b), true)
		}
	}
	s := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, name string, body []byte, dryRun bool) {
		rt := pickRoute(name, func(route) bool { return true })
		path := s.path(rt, hashOf(body))
		query := ""
		if dryRun {
			query = "dry_run=true"
		}
		rec := s.serve(rt.Method, path, query, "application/json", body)
		checkAnswer(t, fmt.Sprintf("%s %s %q", rt.Method, path, body), rec, jsonStrings(body)...)
	})
}

// FuzzIntrospectForm: an RFC 7662 form body (R-SRV-3) of any bytes never
// gets a 5xx; a 200 is a verification (SPEC §12) that is active only for a
// credential of the fixture's business, and otherwise gives a reason; a
// credential of another business reads as unknown, with nothing that
// identifies it or its owner (R-PERM-10); nothing in the answer, a 200 or
// an error, shows more of a credential-looking value of the form than its
// hint (R-CLI-4).
func FuzzIntrospectForm(f *testing.F) {
	s := newFuzzServer(f)
	for _, c := range append(slices.Clone(s.credentials), s.foreign...) {
		f.Add([]byte(url.Values{"token": {c}}.Encode()))
		f.Add([]byte("token=" + c + "&token_type_hint=access_token"))
		f.Add([]byte("token=" + c[:len(c)-1]))
	}
	for _, b := range []string{"", "token=", "token=sak_nope", "token=%ZZ", "token=a;b", "a=b", "token=sak%5Fxx&token=sau_yy",
		"token=" + strings.Repeat("x", 5000), "token=sat_e30.AAAA", "token=%00", "&&&=", "token=+sak_x+"} {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := s.serve("POST", "/api/v1/auth/introspect", "", "application/x-www-form-urlencoded", body)
		form, _ := url.ParseQuery(string(body))
		in := []string{string(body)}
		for _, vs := range form {
			in = append(in, vs...)
		}
		out := checkAnswer(t, fmt.Sprintf("introspect %q", body), rec, in...)
		if rec.Code != http.StatusOK {
			return
		}
		token := form.Get("token")
		active, ok := out["active"].(bool)
		if !ok {
			t.Fatalf("introspect %q: no active field: %s", body, rec.Body)
		}
		if active && !slices.Contains(s.credentials, strings.TrimSpace(token)) {
			t.Fatalf("introspect %q: active for a credential the fixture never made", body)
		}
		reason, _ := out["reason"].(string)
		if !active && reason == "" {
			t.Fatalf("introspect %q: inactive without a reason: %s", body, rec.Body)
		}
		if slices.Contains(s.foreign, strings.TrimSpace(token)) && reason != domain.ReasonUnknown {
			t.Fatalf("introspect %q: a credential of another business reads as %q, not unknown", body, reason)
		}
		for _, id := range s.foreignIDs {
			if strings.Contains(rec.Body.String(), id) {
				t.Fatalf("introspect %q: the answer shows %q of another business: %s", body, id, rec.Body)
			}
		}
		// The answer never echoes the credential asked about (only the
		// fixture's own, known ones are active, and their answers hold ids).
		for _, v := range in {
			for _, m := range msgcheck.CredentialRun.FindAllString(v, -1) {
				if strings.Contains(rec.Body.String(), m[:9]) {
					t.Fatalf("introspect %q: the answer holds %q: %s", body, m[:9], rec.Body)
				}
			}
		}
	})
}

// querySeeds are query strings for the GET routes: paging, filters, and
// their edges.
var querySeeds = []string{
	"", "limit=2", "limit=1000", "limit=1001", "limit=0", "limit=-1", "limit=x", "limit=2&limit=3", "cursor=", "cursor=MQ",
	"cursor=LTE", "cursor=%%%", "cursor=99999999999999999999", "cursor=-1", "cursor=0", "limit=1&cursor=Mg",
	"since=2026-01-01T00:00:00Z", "until=2026-01-01T00:00:00Z&since=2030-01-01T00:00:00Z", "since=yesterday", "since=0001-01-01T00:00:00Z",
	"since=9999-12-31T23:59:59.999999999Z", "action=service_account.created", "action=key.*", "action=group.", "action=%00",
	"account=fuzz-target", "actor=sak_", "service_only=true", "newest=3",
	"newest=-1", "newest=99999999999999999999", "status=active", "status=bogus", "group=fuzz-editors", "archived=true",
	"removed=true", "prefix=fu", "prefix=", "max=-1", "max=1000000", "include_service_accounts=true", "expiring_within=14d",
	"unused_for=90d", "expiring_within=soon", "unused_for=-1h", "expiring_within=", "a=%ZZ&limit=2", ";", "&&", "=",
	"group=sak_", "account=sak_", "status=sak_", "account=" + z80, "actor=" + z80, "group=" + z80, "since=" + z80,
	"limit=" + z80, "cursor=" + z80, "newest=" + z80, "expiring_within=" + z80, "prefix=" + z80,
}

var z80 = strings.Repeat("z", 80)

// FuzzListQuery: any query string on any GET route (as the admin) never
// gets a 5xx; errors have the shape of SPEC §12 and follow R-CLI-4; a
// list (R-SRV-6) holds at most 1000 items, and every next_cursor the
// server gives is one it accepts, leading through pages that end (no
// cursor comes back twice).
func FuzzListQuery(f *testing.F) {
	for _, rt := range routes {
		if rt.Method == "GET" {
			for _, q := range querySeeds {
				f.Add(rt.Name, q)
			}
		}
	}
	s := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, name, query string) {
		rt := pickRoute(name, func(rt route) bool { return rt.Method == "GET" })
		path := s.path(rt, hashOf([]byte(query)))
		query = requestTarget(query)
		values, _ := url.ParseQuery(query)
		var in []string
		for k, vs := range values {
			in = append(in, k)
			in = append(in, vs...)
		}
		seen := map[string]bool{}
		for page := 0; ; page++ {
			what := fmt.Sprintf("GET %s?%s", path, query)
			out := checkAnswer(t, what, s.serve("GET", path, query, "", nil), in...)
			items, isList := out["items"]
			if out == nil || !isList {
				return
			}
			if list, ok := items.([]any); !ok || len(list) > domain.MaxPage {
				t.Fatalf("%s: items is not an array of at most %d: %T", what, domain.MaxPage, items)
			}
			next, ok := out["next_cursor"].(string)
			if !ok {
				if out["next_cursor"] != nil {
					t.Fatalf("%s: next_cursor is neither a string nor null", what)
				}
				return
			}
			if next == "" || seen[next] || page > 2000 {
				t.Fatalf("%s: next_cursor %q is empty, repeats, or pages do not end", what, next)
			}
			seen[next] = true
			values.Set("cursor", next)
			query = values.Encode()
		}
	})
}

// requestTarget makes q what a client can send in a request line: the
// bytes HTTP does not allow there (controls, space, non-ASCII, '#') are
// percent-encoded, as a client would, so the server sees them decoded.
func requestTarget(q string) string {
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		if c := q[i]; c <= ' ' || c >= 0x7f || c == '#' {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}
