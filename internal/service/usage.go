package service

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/sactl/sactl/internal/store"
)

// UsageFlushEvery is how often a server writes the last-use times it
// collected (R-KEY-9): well inside the minute a crash may lose.
const UsageFlushEvery = 5 * time.Second

// Usage collects last-use times of keys and user tokens in memory, off the
// request path (R-KEY-9): a verification only notes the time, and Flush
// writes what was noted in one write transaction, later. A held write lock
// therefore never delays or fails a verification; at worst it delays the
// flush, which keeps what it could not write for the next one.
//
// A process shares one Usage between all its Services (WithUsage): the
// server runs Run beside its listener and flushes at shutdown, the command
// line flushes when it closes the database.
type Usage struct {
	st *DB
	mu sync.Mutex
	// keys: key id → its account and the newest use noted; tokens: user
	// token id → the newest use noted.
	keys   map[string]keyUse
	tokens map[string]time.Time
}

type keyUse struct {
	principalID string
	at          time.Time
}

// maxPendingUses bounds the memory of uses not yet written; past it, a use
// is dropped (it only makes a last-use time older, never a key usable).
const maxPendingUses = 1 << 20

// NewUsage collects the last uses of credentials stored in st.
func NewUsage(st *DB) *Usage {
	return &Usage{st: st, keys: map[string]keyUse{}, tokens: map[string]time.Time{}}
}

func (u *Usage) noteKey(keyID, principalID string, at time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if old, ok := u.keys[keyID]; (ok && !at.After(old.at)) || (!ok && u.pending() >= maxPendingUses) {
		return
	}
	u.keys[keyID] = keyUse{principalID: principalID, at: at}
}

func (u *Usage) noteUserToken(id string, at time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if old, ok := u.tokens[id]; (ok && !at.After(old)) || (!ok && u.pending() >= maxPendingUses) {
		return
	}
	u.tokens[id] = at
}

func (u *Usage) pending() int { return len(u.keys) + len(u.tokens) }

// Pending is how many uses are noted and not yet written.
func (u *Usage) Pending() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.pending()
}

// Flush writes the noted uses in one transaction. What it cannot write (the
// database is busy, the context ends) stays noted for the next flush,
// unless a newer use was noted meanwhile.
func (u *Usage) Flush(ctx context.Context) error {
	u.mu.Lock()
	keys, tokens := u.keys, u.tokens
	u.keys, u.tokens = map[string]keyUse{}, map[string]time.Time{}
	u.mu.Unlock()
	if len(keys) == 0 && len(tokens) == 0 {
		return nil
	}
	// In id order, so replicas flushing at once take their row locks in
	// the same order and never deadlock each other (PostgreSQL, R-DB-4).
	err := u.st.Write(ctx, false, func(tx store.Tx) error {
		for _, id := range slices.Sorted(maps.Keys(keys)) {
			k := keys[id]
			if err := tx.TouchKey(id, k.principalID, k.at, lastUsedEvery); err != nil {
				return err
			}
		}
		for _, id := range slices.Sorted(maps.Keys(tokens)) {
			at := tokens[id]
			if err := tx.TouchUserToken(id, at, lastUsedEvery); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		for id, k := range keys {
			u.noteKey(id, k.principalID, k.at)
		}
		for id, at := range tokens {
			u.noteUserToken(id, at)
		}
	}
	return err
}

// Run flushes every interval until ctx ends, then once more with a short
// deadline of its own, so a graceful stop loses nothing. Errors are passed
// to report (the server logs them) and retried at the next tick.
func (u *Usage) Run(ctx context.Context, interval time.Duration, report func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			if err := u.Flush(ctx); err != nil && ctx.Err() == nil {
				report(err)
			}
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if err := u.Flush(fctx); err != nil {
				report(err)
			}
			cancel()
			return
		}
	}
}
