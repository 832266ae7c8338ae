package domain

import (
	"crypto/rand"
	"encoding/binary"
	"time"
)

const crockford = "0123456789abcdefghjkmnpqrstvwxyz"

// NewID returns prefix + "_" + a 26-character lower-case ULID: 48 bits of
// millisecond time then 80 random bits, so ids sort by creation time.
func NewID(prefix string, now time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.UnixMilli())<<16)
	if _, err := rand.Read(b[6:]); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return prefix + "_" + encodeULID(b)
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
