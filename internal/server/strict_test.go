package server

import (
	"bufio"
	"encoding/json"
	"fmt"
	"github.com/sactl/sactl/internal/api/apitest"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
)

// send is f.do for tests that need the answer's headers, or a body whose
// length the client does not know (sent chunked).
func (f *fixture) send(method, path, token string, body io.Reader, hdr ...string) (*http.Response, map[string]any) {
	f.t.Helper()
	req, err := http.NewRequest(method, f.ts.URL+path, body)
	if err != nil {
		f.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
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
	if len(data) > 0 {
		if err := json.Unmarshal(data, &out); err != nil {
			f.t.Fatalf("%s %s: %d, body is not JSON: %q", method, path, resp.StatusCode, data)
		}
	}
	return resp, out
}

// unsized hides a reader's length from the HTTP client, which then sends
// the body chunked.
type unsized struct{ io.Reader }

func errMessage(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	m, _ := e["message"].(string)
	return m
}

func TestBodyOverLimitIs413(t *testing.T) { // R-SRV-4
	f := newFixture(t)
	big := `{"name":"` + strings.Repeat("a", MaxBodyBytes) + `"}`
	cases := []struct {
		name, method, path, ct string
		body                   func() io.Reader
	}{
		{"declared length", "POST", "/api/v1/service-accounts", "application/json",
			func() io.Reader { return strings.NewReader(big) }},
		{"chunked", "POST", "/api/v1/service-accounts", "application/json",
			func() io.Reader { return unsized{strings.NewReader(big)} }},
		{"a small value, then white space past the limit", "POST", "/api/v1/service-accounts", "application/json",
			func() io.Reader {
				return unsized{strings.NewReader(`{"name":"Big"}` + strings.Repeat(" ", MaxBodyBytes))}
			}},
		{"introspection form", "POST", "/api/v1/auth/introspect", "application/x-www-form-urlencoded",
			func() io.Reader { return unsized{strings.NewReader("token=" + strings.Repeat("a", MaxBodyBytes))} }},
		{"a route without a body", "POST", "/api/v1/service-accounts/automation/suspend", "application/json",
			func() io.Reader { return strings.NewReader(big) }},
	}
	for _, c := range cases {
		resp, body := f.send(c.method, c.path, f.admin, c.body(), "Content-Type", c.ct)
		if resp.StatusCode != http.StatusRequestEntityTooLarge || errCode(body) != "invalid" ||
			!strings.Contains(errMessage(body), "larger than 1048576 bytes") {
			t.Errorf("%s: %d %v, want 413 invalid", c.name, resp.StatusCode, body)
		}
	}
	if accts, _ := apitest.Items(f.local.ListAccounts(f.ctx, api.ListAccountsRequest{})); len(accts) != 1 {
		t.Errorf("an oversized request created an account: %v", accts)
	}
	// At the limit is still fine.
	atLimit := `{"name":"At limit","description":""}`
	atLimit = atLimit[:len(atLimit)-1] + strings.Repeat(" ", MaxBodyBytes-len(atLimit)) + "}"
	if resp, body := f.send("POST", "/api/v1/service-accounts", f.admin, strings.NewReader(atLimit),
		"Content-Type", "application/json"); resp.StatusCode != 201 {
		t.Errorf("a body of exactly %d bytes: %d %v", MaxBodyBytes, resp.StatusCode, body)
	}
}

func TestWrongMethodIs405WithAllow(t *testing.T) { // R-SRV-4
	f := newFixture(t)
	cases := []struct{ method, path, token, allow string }{
		{"PUT", "/api/v1/groups/admins", f.admin, "DELETE, GET, HEAD, PATCH"},
		{"DELETE", "/api/v1/service-accounts", f.admin, "GET, HEAD, POST"},
		{"GET", "/api/v1/auth/introspect", f.admin, "POST"},
		{"POST", "/api/v1/seats", "", "GET, HEAD"},                                     // routing comes before authentication
		{"PATCH", "/api/v1/service-accounts/zap/keys/rotate", f.admin, "DELETE, POST"}, // also keys/{key}
		{"POST", "/healthz", "", "GET, HEAD"},
	}
	for _, c := range cases {
		resp, body := f.send(c.method, c.path, c.token, nil)
		if resp.StatusCode != http.StatusMethodNotAllowed || errCode(body) != "invalid" {
			t.Errorf("%s %s: %d %v, want 405 invalid", c.method, c.path, resp.StatusCode, body)
		}
		if got := resp.Header.Get("Allow"); got != c.allow {
			t.Errorf("%s %s: Allow %q, want %q", c.method, c.path, got, c.allow)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s %s: Content-Type %q", c.method, c.path, ct)
		}
		if msg := errMessage(body); !strings.Contains(msg, c.method) || !strings.Contains(msg, c.allow) {
			t.Errorf("%s %s: message %q does not name the method and what the path takes", c.method, c.path, msg)
		}
	}
	// An unknown path stays a JSON 404, whatever the method.
	for _, m := range []string{"GET", "POST", "DELETE"} {
		resp, body := f.send(m, "/api/v1/nothing-here", f.admin, nil)
		if resp.StatusCode != 404 || errCode(body) != "not_found" || resp.Header.Get("Allow") != "" {
			t.Errorf("%s unknown path: %d %v", m, resp.StatusCode, body)
		}
	}
	// A credential pasted into an unknown path is not echoed back.
	resp, body := f.send("GET", "/api/v1/nothing/"+f.admin, "", nil)
	if resp.StatusCode != 404 || strings.Contains(errMessage(body), f.admin[4:]) {
		t.Errorf("credential in an unknown path: %d %v", resp.StatusCode, body)
	}
	metrics, _ := http.Get(f.ts.URL + "/metrics")
	m, _ := io.ReadAll(metrics.Body)
	metrics.Body.Close()
	for _, want := range []string{`sactl_http_requests_total{code="405",route="method_not_allowed"} 6`,
		`sactl_http_requests_total{code="404",route="not_found"} 4`} {
		if !strings.Contains(string(m), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestBodyContentType(t *testing.T) { // R-SRV-4
	f := newFixture(t)
	create := func(name, ct string) (int, map[string]any) {
		resp, body := f.send("POST", "/api/v1/service-accounts", f.admin,
			strings.NewReader(`{"name":"`+name+`"}`), "Content-Type", ct)
		return resp.StatusCode, body
	}
	for _, ct := range []string{"text/plain", "", "application/x-www-form-urlencoded", "application/jsonx",
		"application/json; charset=iso-8859-1", "application/merge-patch+json", "application/json;;"} {
		if status, body := create("Refused", ct); status != http.StatusUnsupportedMediaType || errCode(body) != "invalid" {
			t.Errorf("Content-Type %q: %d %v, want 415 invalid", ct, status, body)
		}
	}
	for i, ct := range []string{"application/json", "application/json; charset=utf-8", "Application/JSON;Charset=UTF-8"} {
		if status, body := create(fmt.Sprintf("Taken %d", i), ct); status != 201 {
			t.Errorf("Content-Type %q: %d %v, want 201", ct, status, body)
		}
	}

	// Introspection also takes RFC 7662's form encoding.
	key := f.account("Zap", "admins")
	for _, c := range []struct{ ct, body string }{
		{"application/x-www-form-urlencoded", url.Values{"token": {key}}.Encode()},
		{"application/x-www-form-urlencoded; charset=utf-8", url.Values{"token": {key}}.Encode()},
		{"application/json", `{"token":"` + key + `"}`},
	} {
		resp, body := f.send("POST", "/api/v1/auth/introspect", f.admin, strings.NewReader(c.body), "Content-Type", c.ct)
		if resp.StatusCode != 200 || body["active"] != true {
			t.Errorf("introspection as %q: %d %v", c.ct, resp.StatusCode, body)
		}
	}
	for _, ct := range []string{"text/plain", "multipart/form-data; boundary=x"} {
		resp, body := f.send("POST", "/api/v1/auth/introspect", f.admin, strings.NewReader("token="+key), "Content-Type", ct)
		if resp.StatusCode != 415 || errCode(body) != "invalid" {
			t.Errorf("introspection as %q: %d %v, want 415", ct, resp.StatusCode, body)
		}
	}

	// No body, no content type demanded: GET, DELETE, and POSTs that take none.
	for _, c := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/api/v1/service-accounts", 200},
		{"POST", "/api/v1/service-accounts/zap/keys/rotate?confirm=true", 201},
		{"POST", "/api/v1/service-accounts/zap/suspend?confirm=true", 200},
		{"POST", "/api/v1/service-accounts/zap/resume", 200},
		{"DELETE", "/api/v1/service-accounts/zap/keys/secondary?confirm=true", 200},
	} {
		if resp, body := f.send(c.method, c.path, f.admin, nil); resp.StatusCode != c.status {
			t.Errorf("%s %s without a body: %d %v, want %d", c.method, c.path, resp.StatusCode, body, c.status)
		}
	}
	// An empty chunked body is no body either.
	conn, err := net.Dial("tcp", f.ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/v1/service-accounts/zap/keys/rotate?confirm=true HTTP/1.1\r\nHost: x\r\n"+
		"Authorization: Bearer %s\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n", f.admin)
	if resp, err := http.ReadResponse(bufio.NewReader(conn), nil); err != nil || resp.StatusCode != 201 {
		t.Errorf("empty chunked body: %v %v", resp, err)
	}

	// A route that takes no body refuses one rather than ignoring it: a
	// dry run asked for in a body would otherwise be made for real.
	resp, body := f.send("POST", "/api/v1/service-accounts/zap/suspend?confirm=true", f.admin,
		strings.NewReader(`{"dry_run":true}`), "Content-Type", "application/json")
	if resp.StatusCode != 400 || errCode(body) != "invalid" || !strings.Contains(errMessage(body), "no request body") {
		t.Errorf("body on a route without one: %d %v, want 400", resp.StatusCode, body)
	}
	if a, _ := f.local.GetAccount(f.ctx, "zap"); a.Status != domain.StatusActive {
		t.Errorf("the refused request suspended the account: %s", a.Status)
	}
	resp, body = f.send("GET", "/api/v1/service-accounts", f.admin, strings.NewReader(`{}`), "Content-Type", "text/plain")
	if resp.StatusCode != 400 || errCode(body) != "invalid" {
		t.Errorf("GET with a body: %d %v, want 400", resp.StatusCode, body)
	}
}

func TestJSONBodyIsOneObject(t *testing.T) { // R-SRV-4
	f := newFixture(t)
	for _, body := range []string{
		`{"name":"A"} {"name":"B"}`,
		`{"name":"A"}x`,
		`{"name":"A"}]`,
		`{"name":"A"}{}`,
		`{"name":"A"}` + "\n" + `{"name":"B"}` + "\n",
		`{"name":"A"}null`,
		`[]`, `null`, `"A"`, `1`, ``, `   `,
		`{"name":"A"`, `{"name":"A",}`, `{"name":1e999}`, `{"name":["A"]}`, `{"groups":"admins","name":"A"}`,
		`{"name":"A","bogus":1}`,
		"{\"name\":\"\xff\xfe\"}",
	} {
		resp, out := f.send("POST", "/api/v1/service-accounts", f.admin, strings.NewReader(body), "Content-Type", "application/json")
		msg := errMessage(out)
		if resp.StatusCode != 400 || errCode(out) != "invalid" {
			t.Errorf("%q: %d %v, want 400 invalid", body, resp.StatusCode, out)
		}
		// The message is ours, never the JSON decoder's (Go type names).
		for _, leak := range []string{"json:", "Go ", "struct", "service.", "[]string", "unmarshal"} {
			if strings.Contains(msg, leak) {
				t.Errorf("%q: the message %q shows the decoder's %q", body, msg, leak)
			}
		}
	}
	if resp, out := f.send("POST", "/api/v1/auth/introspect", f.admin, strings.NewReader(`{"token":"sak_x"}{"token":"sak_y"}`),
		"Content-Type", "application/json"); resp.StatusCode != 400 {
		t.Errorf("introspection with two values: %d %v", resp.StatusCode, out)
	}
	if resp, out := f.send("POST", "/api/v1/auth/introspect", f.admin, strings.NewReader(`token=sak_x&token=sak_y`),
		"Content-Type", "application/x-www-form-urlencoded"); resp.StatusCode != 400 {
		t.Errorf("introspection with two tokens: %d %v", resp.StatusCode, out)
	}
	if accts, _ := apitest.Items(f.local.ListAccounts(f.ctx, api.ListAccountsRequest{})); len(accts) != 1 {
		t.Fatalf("a refused body created an account: %v", accts)
	}
	// Trailing white space is not data.
	resp, out := f.send("POST", "/api/v1/service-accounts", f.admin, strings.NewReader("{\"name\":\"A\"}\r\n\t \n"),
		"Content-Type", "application/json")
	if resp.StatusCode != 201 {
		t.Errorf("trailing white space: %d %v", resp.StatusCode, out)
	}
}
