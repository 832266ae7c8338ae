package service

import (
	"context"
	"crypto/sha256"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
)

// verifyCache holds verification answers (R-SRV-3's hot path, SPEC §13),
// positive and negative, keyed by the SHA-256 of the credential and the
// business scope asked in. It is exact (P-3): every answer is dropped as
// soon as anything may have changed, by this process or any other sharing
// the database, as the store's Watcher tells on every lookup (SQLite's
// data_version; on PostgreSQL a change counter every write bumps before
// and after it, with answers at most MaxStale old besides). What
// depends on the time only (expiry, R-KEY-14's use-time policy) is judged
// again on every hit, by the same functions the uncached path uses; an
// answer that no longer holds is recomputed, never patched.
type verifyCache struct {
	w store.Watcher

	mu      sync.RWMutex
	at      uint64 // the version the entries were read at
	entries map[cacheKey]*cacheEntry
}

// maxCached bounds the entries: past it the cache starts afresh, so
// floods of made-up credentials cost memory once, not without end.
const maxCached = 100_000

type cacheKey struct {
	hash        [32]byte
	business    string
	anyBusiness bool
}

// cacheEntry is one answer with what judging it again at another time
// needs. Entries are never changed once stored, but for lastNoted.
type cacheEntry struct {
	v      domain.Verification
	filled time.Time // when the version was read, before the answer was: MaxStale counts from it
	// still reports whether the answer holds at now; nil: it holds until
	// the database changes.
	still func(now time.Time) bool
	// use notes a use of the credential (R-KEY-9); nil for none.
	use       func(u *Usage, now time.Time)
	lastNoted atomic.Int64 // Unix nanoseconds of the last use noted or stored
}

func newVerifyCache(st store.Store) *verifyCache {
	w, ok := st.(store.Watcher)
	if !ok {
		return nil
	}
	return &verifyCache{w: w, entries: map[cacheKey]*cacheEntry{}}
}

// get returns the entry for k if it was read at version at, is younger
// than the store's MaxStale, and still holds at now.
func (c *verifyCache) get(k cacheKey, at uint64, now time.Time) *cacheEntry {
	c.mu.RLock()
	e, current := c.entries[k], c.at == at
	c.mu.RUnlock()
	if !current {
		c.mu.Lock()
		if c.at != at {
			c.at, c.entries = at, map[cacheKey]*cacheEntry{}
		}
		c.mu.Unlock()
		return nil
	}
	if e == nil {
		return nil
	}
	if max := c.w.MaxStale(); max > 0 && time.Since(e.filled) >= max {
		return nil
	}
	if e.still != nil && !e.still(now) {
		return nil
	}
	return e
}

// put stores an answer read at version at, unless the database changed
// since (then it may already be stale).
func (c *verifyCache) put(k cacheKey, at uint64, e *cacheEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at != at {
		return
	}
	if len(c.entries) >= maxCached {
		c.entries = map[cacheKey]*cacheEntry{}
	}
	c.entries[k] = e
}

// noteUse notes a use of the cached credential at now, at most once per
// lastUsedEvery (R-KEY-9), as the uncached path does.
func (e *cacheEntry) noteUse(u *Usage, now time.Time) {
	if e.use == nil || u == nil {
		return
	}
	last := e.lastNoted.Load()
	if last != 0 && now.UnixNano()-last < int64(lastUsedEvery) {
		return
	}
	if e.lastNoted.CompareAndSwap(last, now.UnixNano()) {
		e.use(u, now)
	}
}

// cacheHints is what a verification tells the cache about its answer.
type cacheHints struct {
	noCache  bool // the answer may change with time alone: not kept
	still    func(now time.Time) bool
	use      func(u *Usage, now time.Time)
	lastUsed *time.Time
}

// cachedVerify answers from the cache, or runs verify and keeps its answer.
func (s *Service) cachedVerify(ctx context.Context, credential string,
	verify func() (domain.Verification, cacheHints, error)) (domain.Verification, error) {
	c := s.st.cache
	if c == nil {
		v, _, err := verify()
		return v, err
	}
	k := cacheKey{hash: sha256.Sum256([]byte(credential)), business: s.business, anyBusiness: s.anyBusiness}
	// Read before the answer is: a change committed after this makes the
	// answer's version stale, whenever the answer was read.
	at, ok := c.w.Version(ctx)
	read := time.Now()
	if ok {
		if e := c.get(k, at, s.clock()); e != nil {
			e.noteUse(s.usage, s.clock())
			return e.v, nil
		}
	}
	v, h, err := verify()
	if err != nil || !ok || h.noCache {
		return v, err
	}
	e := &cacheEntry{v: v, filled: read, still: h.still, use: h.use}
	if h.lastUsed != nil {
		e.lastNoted.Store(h.lastUsed.UnixNano())
	}
	c.put(k, at, e)
	return v, nil
}
