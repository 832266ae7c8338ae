package server

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/keys"
)

// Failed-authentication slowing (R-SRV-4), measured through the server's
// handler with an injected sleep: no test here waits on the wall clock.

// sleepRecorder stands in for the limiter's sleep: it records and returns.
type sleepRecorder struct {
	mu sync.Mutex
	d  []time.Duration
}

func (r *sleepRecorder) sleep(_ context.Context, d time.Duration) {
	r.mu.Lock()
	r.d = append(r.d, d)
	r.mu.Unlock()
}

// waited is the total sleep recorded while fn ran.
func (r *sleepRecorder) waited(fn func()) time.Duration {
	r.mu.Lock()
	n := len(r.d)
	r.mu.Unlock()
	fn()
	r.mu.Lock()
	defer r.mu.Unlock()
	var total time.Duration
	for _, d := range r.d[n:] {
		total += d
	}
	return total
}

func (f *fixture) recordSleeps() *sleepRecorder {
	rec := &sleepRecorder{}
	f.srv.limiter.sleep = rec.sleep
	return rec
}

// from sends GET /api/v1/seats from a client address ("" token: none) and
// returns the status.
func (f *fixture) from(addr, token string) int {
	req := httptest.NewRequest("GET", "/api/v1/seats", nil)
	req.RemoteAddr = addr
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	f.srv.Handler().ServeHTTP(w, req)
	return w.Code
}

// fail sends n requests with a malformed credential from addr.
func (f *fixture) fail(addr string, n int) {
	f.t.Helper()
	for range n {
		if code := f.from(addr, "sak_bad"); code != http.StatusUnauthorized {
			f.t.Fatalf("a bad credential from %s answered %d", addr, code)
		}
	}
}

func TestValidCredentialIsNeverDelayed(t *testing.T) { // R-SRV-4
	f := newFixture(t)
	rec := f.recordSleeps()
	key := f.account("Zap", "admins")
	const addr = "203.0.113.7:40000"
	if d := rec.waited(func() { f.fail(addr, 50) }); d == 0 {
		t.Fatal("50 failed authentications from one address were never slowed down")
	}
	for _, cred := range []struct{ name, token string }{{"user token", f.admin}, {"API key", key}} {
		var code int
		if d := rec.waited(func() { code = f.from(addr, cred.token) }); d != 0 || code != 200 {
			t.Errorf("a valid %s after 50 failures from its address: %d, delayed %v; want 200 at once", cred.name, code, d)
		}
	}
	// The failures were not forgiven meanwhile.
	if d := rec.waited(func() { f.fail(addr, 1) }); d == 0 {
		t.Error("the next failure from the address was not slowed down")
	}
}

func TestOneSuccessDoesNotResetFailures(t *testing.T) { // R-SRV-4
	f := newFixture(t)
	rec := f.recordSleeps()
	const addr = "203.0.113.8:40000"
	if d := rec.waited(func() { f.fail(addr, 10) }); d == 0 {
		t.Fatal("10 failures in a row were never slowed down")
	}
	if code := f.from(addr, f.admin); code != 200 {
		t.Fatalf("valid credential: %d", code)
	}
	if d := rec.waited(func() { f.fail(addr, 1) }); d == 0 {
		t.Error("one success reset the address's failures: the next failure answered at once")
	}
	// Failures are forgiven with time, not with successes.
	f.now = f.now.Add(time.Hour)
	if d := rec.waited(func() { f.fail(addr, 1) }); d != 0 {
		t.Errorf("an hour later the first failure waited %v", d)
	}
}

// The delay says nothing about why a credential failed: once an address
// is over its budget, every failure waits alike, missing, malformed,
// unknown, expired or of an inactive account.
func TestFailureDelayIsTheSameForEveryReason(t *testing.T) { // R-SRV-4
	f := newFixture(t)
	rec := f.recordSleeps()
	paused := f.account("Paused", "admins")
	if _, err := f.local.SuspendAccount(f.ctx, "paused", api.Mutation{Confirmed: true}); err != nil {
		t.Fatal(err)
	}
	gone := f.account("Gone", "admins")
	if _, err := f.local.ArchiveAccount(f.ctx, "gone", api.Mutation{Confirmed: true}); err != nil {
		t.Fatal(err)
	}
	exp, err := f.local.CreateUserToken(f.ctx, api.CreateUserTokenRequest{Ref: "admin@default.example", ExpiresIn: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(2 * time.Hour)
	unknown, err := keys.Generate(keys.KindAPIKey)
	if err != nil {
		t.Fatal(err)
	}
	reasons := []struct{ name, token string }{
		{"missing", ""}, {"malformed", "sak_bad"}, {"unknown", string(unknown)},
		{"expired", exp.Secret}, {"suspended account", paused}, {"archived account", gone},
	}
	check := func(addr string) []time.Duration {
		var out []time.Duration
		for _, r := range reasons {
			var code int
			d := rec.waited(func() { code = f.from(addr, r.token) })
			if code != 401 && code != 403 {
				t.Fatalf("%s: %d", r.name, code)
			}
			out = append(out, d)
		}
		return out
	}
	// Within a fresh address's budget (6 failures), none waits.
	if got := check("198.51.100.1:1"); slices.ContainsFunc(got, func(d time.Duration) bool { return d != 0 }) {
		t.Errorf("a fresh address's first failures waited %v", got)
	}
	// Over it, each waits the same.
	f.fail("198.51.100.2:1", 20)
	got := check("198.51.100.2:1")
	if got[0] == 0 || slices.ContainsFunc(got, func(d time.Duration) bool { return d != got[0] }) {
		t.Errorf("failures over the budget waited %v, want one same non-zero delay for every reason", got)
	}
}

func TestFailuresAreCountedPerAddress(t *testing.T) { // R-SRV-4
	f := newFixture(t)
	rec := f.recordSleeps()
	f.fail("203.0.113.9:1", 50)
	for _, c := range []struct {
		addr    string
		delayed bool
	}{
		{"203.0.113.9:2", true},   // the same host, another port
		{"203.0.113.10:1", false}, // the next address
		{"[2001:db8:1:2::1]:1", false},
	} {
		if d := rec.waited(func() { f.fail(c.addr, 1) }); (d != 0) != c.delayed {
			t.Errorf("%s: delayed %v, want delayed: %v", c.addr, d, c.delayed)
		}
	}
	// IPv6: a host holds a whole /64, so the /64 is what is counted.
	f.fail("[2001:db8:1:2::1]:1", 50)
	for _, c := range []struct {
		addr    string
		delayed bool
	}{
		{"[2001:db8:1:2:ffff:ffff:ffff:ffff]:1", true},
		{"[2001:db8:1:3::1]:1", false},
		{"[::ffff:203.0.113.9]:1", true}, // IPv4-mapped: the IPv4 address
	} {
		if d := rec.waited(func() { f.fail(c.addr, 1) }); (d != 0) != c.delayed {
			t.Errorf("%s: delayed %v, want delayed: %v", c.addr, d, c.delayed)
		}
	}
}

// A spray of 100k addresses neither grows memory past the bound nor wipes
// the state of an address that keeps failing (the limiter this replaced
// emptied its whole table past 10,000 addresses).
func TestFailLimiterMemoryIsBounded(t *testing.T) { // R-SRV-4
	f := newFixture(t)
	rec := f.recordSleeps()
	const offender = "192.0.2.1:1"
	f.fail(offender, 20)
	for i := range 100_000 {
		// Straight to the limiter: what is measured is its memory, and
		// 100k requests through the handler take long under -race.
		f.srv.limiter.failed(f.ctx, fmt.Sprintf("10.%d.%d.%d", i>>16, i>>8&0xff, i&0xff))
		if i%1000 == 999 {
			if d := rec.waited(func() { f.fail(offender, 1) }); d == 0 {
				t.Fatalf("after %d other addresses failed, the offender's failures were forgotten", i+1)
			}
		}
	}
	if n, max := f.srv.limiter.len(), f.srv.limiter.capacity(); n > max {
		t.Errorf("the limiter tracks %d addresses, more than its bound %d", n, max)
	}
}
