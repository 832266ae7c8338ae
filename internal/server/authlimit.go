package server

import (
	"context"
	"net/netip"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/time/rate"
)

// Slowing failed authentications (R-SRV-4).
//
// Each client address has a token bucket of failures (golang.org/x/time/rate):
// failureBurst failures are answered at once, and the bucket refills one
// failure every failureRefill. A failure that finds the bucket empty is
// answered after failureDelay. Only failures take from the bucket, so:
//
//   - a request carrying a valid credential is verified first and never
//     waits, whatever its address did before;
//   - a success gives nothing back: only time does;
//   - the delay depends on the address's history alone, never on why the
//     credential failed (missing, malformed, unknown, expired, inactive
//     account), so it tells a caller nothing the answer does not. What
//     stays is inherent in never delaying valid credentials: a caller who
//     gives up on a request after the verification time knows it failed.
//     That is no shortcut to guessing a credential (256 random bits,
//     R-KEY-1); the delay is there to make noisy and scripted failures
//     costly, not to hide results.
//
// Memory is bounded: the buckets live in an LRU of maxTrackedAddresses
// entries (github.com/hashicorp/golang-lru/v2), so a spray of addresses
// evicts the least recently failing ones, never an address that keeps
// failing, and never the whole table at once.
const (
	failureBurst        = 6
	failureRefill       = 10 * time.Second // 6 a minute, the burst back in a minute
	failureDelay        = 2 * time.Second
	maxTrackedAddresses = 16384 // about 4 MiB at most
)

type failLimiter struct {
	now   func() time.Time
	sleep func(context.Context, time.Duration) // replaced by tests
	addrs *lru.Cache[string, *rate.Limiter]
}

func newFailLimiter(now func() time.Time) *failLimiter {
	addrs, err := lru.New[string, *rate.Limiter](maxTrackedAddresses)
	if err != nil {
		panic(err) // only for a size below 1
	}
	return &failLimiter{now: now, sleep: sleepContext, addrs: addrs}
}

// failed records a failed authentication from addr (a host, as clientIP
// gives it) and waits as long as the address's failures say.
func (l *failLimiter) failed(ctx context.Context, addr string) {
	if d := l.delay(addr); d > 0 {
		l.sleep(ctx, d)
	}
}

// delay takes one failure from addr's bucket: 0 while it holds one,
// failureDelay once it is empty.
func (l *failLimiter) delay(addr string) time.Duration {
	key := limiterKey(addr)
	lim, ok := l.addrs.Get(key)
	if !ok {
		lim = rate.NewLimiter(rate.Every(failureRefill), failureBurst)
		if prev, found, _ := l.addrs.PeekOrAdd(key, lim); found {
			lim = prev // another request added it meanwhile
		}
	}
	if lim.AllowN(l.now(), 1) {
		return 0
	}
	return failureDelay
}

func (l *failLimiter) len() int      { return l.addrs.Len() }
func (l *failLimiter) capacity() int { return maxTrackedAddresses }

// limiterKey is what one client is counted by: an IPv4 address (also when
// written IPv4-mapped), or an IPv6 /64, since one host commonly holds a whole
// /64 and could otherwise take a fresh address for each attempt.
func limiterKey(host string) string {
	a, err := netip.ParseAddr(host)
	if err != nil {
		return host // not an IP address (a Unix socket): as it is
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, err := a.WithZone("").Prefix(64)
	if err != nil {
		return a.String()
	}
	return p.String()
}

func sleepContext(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
