package server

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Trusted proxies (R-SRV-7). Behind a load balancer every request comes from
// the balancer's address, so failed-authentication slowing (R-SRV-4) and the
// logs would see one client. X-Forwarded-For says who the client was, but
// anyone can send it: it counts only when the direct peer is a trusted
// proxy, and then only the part of it trusted proxies wrote.

// ParseTrustedProxies reads CIDR ranges (or single addresses) such as
// 10.0.0.0/8, 192.0.2.7 or fd00::/8.
func ParseTrustedProxies(ss []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range ss {
		for _, part := range strings.Split(s, ",") {
			p, err := ParseTrustedProxy(strings.TrimSpace(part))
			if err != nil {
				return nil, err
			}
			out = append(out, p)
		}
	}
	return out, nil
}

// ParseTrustedProxy reads one CIDR range or address.
func ParseTrustedProxy(s string) (netip.Prefix, error) {
	if s == "" {
		return netip.Prefix{}, fmt.Errorf("empty proxy range: give a CIDR such as 10.0.0.0/8")
	}
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("invalid proxy range %q: give a CIDR such as 10.0.0.0/8", s)
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("invalid proxy address %q: give a CIDR such as 10.0.0.0/8 or an IP address", s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// clientAddress decides who the client of a request is: its direct peer,
// unless the peer is in a trusted range; then the right-most address of
// X-Forwarded-For that is not itself trusted (the one the first trusted
// proxy saw). A malformed entry ends the walk: what is left of it was not
// written by a trusted proxy, so the last trusted hop counts instead.
// peer is the direct peer's address.
func clientAddress(remoteAddr string, xff []string, trusted []netip.Prefix) (client, peer string) {
	peer = hostOf(remoteAddr)
	if len(trusted) == 0 || len(xff) == 0 {
		return peer, peer
	}
	a, err := netip.ParseAddr(peer)
	if err != nil || !inRanges(a, trusted) {
		return peer, peer
	}
	client = peer
	// Several X-Forwarded-For headers are one list, in order (RFC 9110 §5.3).
	hops := strings.Split(strings.Join(xff, ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, ok := parseHop(hops[i])
		if !ok {
			break
		}
		client = hop.String()
		if !inRanges(hop, trusted) {
			break
		}
	}
	return client, peer
}

// parseHop reads one X-Forwarded-For entry: an address, some proxies
// adding a port ("192.0.2.1:4711", "[2001:db8::1]:4711").
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, perr := netip.ParseAddrPort(s)
		if perr != nil {
			return netip.Addr{}, false
		}
		a = ap.Addr()
	}
	return a.WithZone("").Unmap(), true
}

func inRanges(a netip.Addr, ranges []netip.Prefix) bool {
	a = a.WithZone("").Unmap()
	for _, p := range ranges {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func hostOf(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return remoteAddr
	}
	return host
}

// clientIP is the client's address as the server decided it when the
// request came in (serve): the one failed authentications are counted
// against and the logs show.
func clientIP(r *http.Request) string {
	if ri := requestInfoOf(r.Context()); ri != nil {
		return ri.client
	}
	return hostOf(r.RemoteAddr)
}
