package domain

import (
	"crypto/rand"
	"encoding/binary"
	"sync"
	"time"
)

const crockford = "0123456789abcdefghjkmnpqrstvwxyz"

// NewID returns prefix + "_" + a 26-character lower-case ULID: 48 bits of
// millisecond time then 80 random bits, so ids sort by creation time.
// Within one millisecond the ids a process makes are monotonic (the random
// bits of the last one, plus one), so they sort by creation there too:
// lists order by (created_at, id), and their cursors rely on it.
func NewID(prefix string, now time.Time) string {
	var b [16]byte
	ms := uint64(now.UnixMilli())
	binary.BigEndian.PutUint64(b[:8], ms<<16)
	idMu.Lock()
	if ms == idLast.ms && increment(&idLast.rnd) {
		copy(b[6:], idLast.rnd[:])
	} else {
		if _, err := rand.Read(b[6:]); err != nil {
			idMu.Unlock()
			panic("crypto/rand failed: " + err.Error())
		}
		idLast.ms = ms
		copy(idLast.rnd[:], b[6:])
	}
	idMu.Unlock()
	return prefix + "_" + encodeULID(b)
}

var (
	idMu   sync.Mutex
	idLast struct {
		ms  uint64
		rnd [10]byte
	}
)

// increment adds one to the 80-bit number r, reporting false (r unchanged)
// when it would overflow: a fresh random one is drawn then.
func increment(r *[10]byte) bool {
	for i := len(r) - 1; i >= 0; i-- {
		if r[i] < 0xff {
			r[i]++
			for j := i + 1; j < len(r); j++ {
				r[j] = 0
			}
			return true
		}
	}
	return false
}

func encodeULID(b [16]byte) string {
	// 128 bits as 26 base32 digits, most significant first (the first digit holds 3 bits).
	var out [26]byte
	hi := binary.BigEndian.Uint64(b[:8])
	lo := binary.BigEndian.Uint64(b[8:])
	for i := 25; i >= 0; i-- {
		out[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:])
}

// ShortID returns the last 6 characters of an id, for generated emails (R-SA-3).
func ShortID(id string) string {
	if len(id) < 6 {
		return id
	}
	return id[len(id)-6:]
}
