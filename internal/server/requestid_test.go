package server

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// logFixture is the fixture's store behind a server logging JSON at level.
func logFixture(t *testing.T, level slog.Level) (*fixture, *httptest.Server, func() []map[string]any) {
	f := newFixture(t)
	var mu sync.Mutex
	var buf bytes.Buffer
	h := slog.NewJSONHandler(lockedWriter{&mu, &buf}, &slog.HandlerOptions{Level: level})
	ts := httptest.NewServer(New(Config{Store: f.st, MasterKey: f.mk, Logger: slog.New(h)}).Handler())
	t.Cleanup(ts.Close)
	lines := func() []map[string]any {
		mu.Lock()
		defer mu.Unlock()
		var out []map[string]any
		for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
			if l == "" {
				continue
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Fatalf("log line %q: %v", l, err)
			}
			out = append(out, m)
		}
		return out
	}
	return f, ts, lines
}

func get(t *testing.T, url, token string, hdr ...string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

var generatedID = regexp.MustCompile(`^[0-9a-f]{32}$`)

// R-SRV-7: a well-formed X-Request-Id is kept and echoed; a malformed one,
// or none, is replaced by a fresh random id; the id is on the request's
// log line.
func TestRequestIDRoundTrip(t *testing.T) {
	f, ts, lines := logFixture(t, slog.LevelInfo)
	const good = "req-42.abc:DEF/x+y="
	if got := get(t, ts.URL+"/api/v1/service-accounts", f.admin, RequestIDHeader, good).Header.Get(RequestIDHeader); got != good {
		t.Fatalf("well-formed id %q echoed as %q", good, got)
	}
	seen := map[string]bool{}
	for _, bad := range []string{"", "has space", `quo"te`, "new\\nline", strings.Repeat("a", 129), "ünïcode", "semi;colon"} {
		hdr := []string{RequestIDHeader, bad}
		if bad == "" {
			hdr = nil
		}
		got := get(t, ts.URL+"/api/v1/service-accounts", f.admin, hdr...).Header.Get(RequestIDHeader)
		if !generatedID.MatchString(got) || seen[got] {
			t.Errorf("id %q answered with %q, want a fresh random id", bad, got)
		}
		seen[got] = true
	}
	// Two headers: neither is taken.
	if got := get(t, ts.URL+"/healthz", "", RequestIDHeader, "a", RequestIDHeader, "b").Header.Get(RequestIDHeader); !generatedID.MatchString(got) {
		t.Errorf("two X-Request-Id headers answered with %q", got)
	}
	// Unknown routes and errors have ids too.
	if got := get(t, ts.URL+"/api/v1/nothing", f.admin).Header.Get(RequestIDHeader); !generatedID.MatchString(got) {
		t.Errorf("404 without a request id: %q", got)
	}
	var logged []string
	for _, l := range lines() {
		if l["msg"] == "request" {
			id, _ := l["request_id"].(string)
			logged = append(logged, id)
			if _, ok := l["duration_ms"].(float64); !ok {
				t.Errorf("request line without duration_ms: %v", l)
			}
			if _, ok := l["duration"]; ok {
				t.Errorf("a duration without its unit: %v", l)
			}
		}
	}
	if len(logged) == 0 || logged[0] != good {
		t.Fatalf("the caller's id is not on its log line: %v", logged)
	}
	for _, id := range logged[1:] {
		if !generatedID.MatchString(id) {
			t.Errorf("a request line with request_id %q", id)
		}
	}
}

// R-SRV-7: an error logged during a request carries the request's id.
func TestRequestIDOnErrorLogs(t *testing.T) {
	f, ts, lines := logFixture(t, slog.LevelInfo)
	f.st.Close() // every query fails now: an internal error
	get(t, ts.URL+"/api/v1/service-accounts", "sau_x", RequestIDHeader, "broken-1")
	get(t, ts.URL+"/readyz", "", RequestIDHeader, "broken-2")
	errs := 0
	for _, l := range lines() {
		if l["level"] == "ERROR" {
			errs++
			if id := l["request_id"]; id != "broken-1" && id != "broken-2" {
				t.Errorf("error line without its request's id: %v", l)
			}
		}
	}
	if errs == 0 {
		t.Fatalf("nothing logged at error with the store closed: %v", lines())
	}
}

// R-SRV-7: probes are logged at debug only.
func TestProbesLoggedAtDebugOnly(t *testing.T) {
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		f, ts, lines := logFixture(t, level)
		get(t, ts.URL+"/healthz", "")
		get(t, ts.URL+"/readyz", "")
		get(t, ts.URL+"/api/v1/service-accounts", f.admin)
		routes := map[string]string{}
		for _, l := range lines() {
			if l["msg"] == "request" {
				routes[l["route"].(string)] = l["level"].(string)
			}
		}
		if routes["list_service_accounts"] != "INFO" {
			t.Errorf("at %v an API request is not logged at info: %v", level, routes)
		}
		for _, probe := range []string{"healthz", "readyz"} {
			got, logged := routes[probe]
			if level == slog.LevelInfo && logged {
				t.Errorf("at info the probe %s is logged (%s)", probe, got)
			}
			if level == slog.LevelDebug && got != "DEBUG" {
				t.Errorf("at debug the probe %s is logged as %q", probe, got)
			}
		}
	}
}

// R-SRV-7: /metrics says which build runs; with SeparateMetrics it is not
// on the API's handler but on MetricsHandler.
func TestBuildInfoAndSeparateMetrics(t *testing.T) {
	f := newFixture(t)
	resp, err := http.Get(f.ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !regexp.MustCompile(`(?m)^sactl_build_info\{commit="[^"]+",go_version="go[^"]+",version="[^"]+"\} 1$`).Match(b) {
		t.Fatalf("no sactl_build_info:\n%s", b)
	}
	srv := New(Config{Store: f.st, MasterKey: f.mk, SeparateMetrics: true})
	w := httptest.NewRecorder()
	srv.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	if w.Code != http.StatusNotFound {
		t.Errorf("/metrics on the API handler with SeparateMetrics: %d", w.Code)
	}
	w = httptest.NewRecorder()
	srv.MetricsHandler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	if w.Code != 200 || !strings.Contains(w.Body.String(), "sactl_build_info{") {
		t.Errorf("MetricsHandler: %d\n%s", w.Code, w.Body)
	}
}
