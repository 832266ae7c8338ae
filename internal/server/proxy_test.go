package server

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"
)

// R-SRV-7: which address is the client's, with and without trusted proxies.
func TestClientAddressChoice(t *testing.T) {
	trusted, err := ParseTrustedProxies([]string{"10.0.0.0/8", "192.0.2.7,fd00::/8"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, remote string
		xff          []string
		trusted      []netip.Prefix
		client, peer string
	}{
		{"no proxies configured: the header is ignored", "203.0.113.9:5000", []string{"198.51.100.1"}, nil, "203.0.113.9", "203.0.113.9"},
		{"an untrusted peer's header is ignored", "203.0.113.9:5000", []string{"198.51.100.1"}, trusted, "203.0.113.9", "203.0.113.9"},
		{"a trusted peer without the header is the client", "10.1.2.3:5000", nil, trusted, "10.1.2.3", "10.1.2.3"},
		{"one trusted proxy", "10.1.2.3:5000", []string{"198.51.100.1"}, trusted, "198.51.100.1", "10.1.2.3"},
		{"the right-most untrusted address, not a spoofed left part", "10.1.2.3:5000", []string{"6.6.6.6, 198.51.100.1"}, trusted, "198.51.100.1", "10.1.2.3"},
		{"trusted hops are skipped", "10.1.2.3:5000", []string{"6.6.6.6, 198.51.100.1, 10.9.9.9", "192.0.2.7"}, trusted, "198.51.100.1", "10.1.2.3"},
		{"a single trusted address as a range", "192.0.2.7:443", []string{"198.51.100.2"}, trusted, "198.51.100.2", "192.0.2.7"},
		{"a neighbour of the single address is not trusted", "192.0.2.8:443", []string{"198.51.100.2"}, trusted, "192.0.2.8", "192.0.2.8"},
		{"IPv6 peer and client", "[fd00::1]:443", []string{"2001:db8::5"}, trusted, "2001:db8::5", "fd00::1"},
		{"IPv4-mapped peer", "[::ffff:10.0.0.1]:443", []string{"198.51.100.3"}, trusted, "198.51.100.3", "::ffff:10.0.0.1"},
		{"an entry with a port", "10.1.2.3:5000", []string{"198.51.100.4:4711"}, trusted, "198.51.100.4", "10.1.2.3"},
		{"a malformed entry: the last trusted hop", "10.1.2.3:5000", []string{"198.51.100.1, evil, 10.5.5.5"}, trusted, "10.5.5.5", "10.1.2.3"},
		{"a malformed right-most entry: the peer", "10.1.2.3:5000", []string{"198.51.100.1, <script>"}, trusted, "10.1.2.3", "10.1.2.3"},
		{"only trusted hops: the left-most of them", "10.1.2.3:5000", []string{"10.7.7.7, 10.8.8.8"}, trusted, "10.7.7.7", "10.1.2.3"},
		{"an empty header", "10.1.2.3:5000", []string{""}, trusted, "10.1.2.3", "10.1.2.3"},
	}
	for _, c := range cases {
		client, peer := clientAddress(c.remote, c.xff, c.trusted)
		if client != c.client || peer != c.peer {
			t.Errorf("%s: client %q peer %q, want %q %q", c.name, client, peer, c.client, c.peer)
		}
	}
}

func TestParseTrustedProxies(t *testing.T) {
	for _, bad := range []string{"", "10.0.0.0/33", "nope", "10.0.0.0/8,", "fe80::1%eth0"} {
		if _, err := ParseTrustedProxies([]string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	ps, err := ParseTrustedProxies([]string{"10.1.2.3/8", "::ffff:192.0.2.0/120"})
	if err != nil || ps[0].String() != "10.0.0.0/8" || ps[1].String() != "192.0.2.0/24" {
		t.Fatalf("%v %v", ps, err)
	}
}

// The failed-authentication slowing (R-SRV-4) counts the client that a
// trusted proxy names, and ignores the header from anyone else (R-SRV-7).
func TestFailureSlowingBehindTrustedProxy(t *testing.T) {
	f := newFixture(t)
	trusted, _ := ParseTrustedProxies([]string{"10.0.0.0/8"})
	f.srv = New(Config{Store: f.st, MasterKey: f.mk, Now: func() time.Time { return f.now }, TrustedProxies: trusted})
	rec := f.recordSleeps()
	failVia := func(peer, xff string) time.Duration {
		return rec.waited(func() {
			req := httptest.NewRequest("GET", "/api/v1/seats", nil)
			req.RemoteAddr = peer
			req.Header.Set("Authorization", "Bearer sak_bad")
			if xff != "" {
				req.Header.Set("X-Forwarded-For", xff)
			}
			w := httptest.NewRecorder()
			f.srv.Handler().ServeHTTP(w, req)
			if w.Code != http.StatusUnauthorized {
				t.Fatalf("a bad credential answered %d", w.Code)
			}
		})
	}
	// One noisy client behind the balancer is slowed down ...
	var noisy time.Duration
	for range 20 {
		noisy += failVia("10.0.0.2:1000", "198.51.100.1")
	}
	if noisy == 0 {
		t.Fatal("20 failures of one client behind a trusted proxy were never slowed down")
	}
	// ... and not another client behind the same balancer.
	if d := failVia("10.0.0.2:1001", "198.51.100.2"); d != 0 {
		t.Errorf("another client behind the same proxy waited %v for its first failure", d)
	}
	// An untrusted peer cannot pick a fresh address per attempt with the header.
	var spoofed time.Duration
	for i := range 20 {
		spoofed += failVia("203.0.113.50:1000", fmt.Sprintf("198.51.100.%d", 100+i))
	}
	if spoofed == 0 {
		t.Error("an untrusted peer escaped the slowing by sending a new X-Forwarded-For each time")
	}
}
