package server

import (
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

// FuzzClientAddress: X-Forwarded-For is untrusted input (R-SRV-7). Whatever
// it holds, the choice never panics; an untrusted peer is always its own
// client; and a client taken from the header is an address in it.
func FuzzClientAddress(f *testing.F) {
	for _, s := range []string{"198.51.100.1", "6.6.6.6, 198.51.100.1, 10.9.9.9", "[2001:db8::1]:80", ",,,", "fe80::1%eth0", "::ffff:10.0.0.1", strings.Repeat("1.1.1.1,", 50)} {
		f.Add("10.0.0.1:443", s)
		f.Add("203.0.113.1:443", s)
	}
	trusted, _ := ParseTrustedProxies([]string{"10.0.0.0/8", "fd00::/8"})
	f.Fuzz(func(t *testing.T, remote, xff string) {
		client, peer := clientAddress(remote, []string{xff}, trusted)
		a, err := netip.ParseAddr(peer)
		if err != nil || !inRanges(a, trusted) {
			if client != peer {
				t.Fatalf("untrusted peer %q: client %q", peer, client)
			}
			return
		}
		if client == peer {
			return
		}
		if _, err := netip.ParseAddr(client); err != nil {
			t.Fatalf("client %q taken from %q is not an address", client, xff)
		}
	})
}

// FuzzRequestID: an X-Request-Id is echoed only when it is safe to log and
// to send back; anything else is replaced.
func FuzzRequestID(f *testing.F) {
	for _, s := range []string{"abc", "req-1.2:3/4+5=", "has space", "\x00", strings.Repeat("x", 200), "ü"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		r := httptest.NewRequest("GET", "/healthz", nil)
		r.Header.Set(RequestIDHeader, id)
		got := requestID(r)
		if got == id && (!validRequestID(id) || len(id) > maxRequestID || strings.ContainsAny(id, " \t\r\n\"\\<>;,")) {
			t.Fatalf("unsafe id %q echoed", id)
		}
		if !validRequestID(got) {
			t.Fatalf("request id %q is not well-formed", got)
		}
	})
}
