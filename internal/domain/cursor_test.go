package domain

import (
	"slices"
	"testing"
	"time"
)

func TestCursorRoundTrip(t *testing.T) { // R-SRV-6
	c := EncodeCursor("principals", "2026-12-01T10:00:00.000001Z", "sa_1")
	k, err := DecodeCursor(c, "principals", 2)
	if err != nil || !slices.Equal(k, []string{"2026-12-01T10:00:00.000001Z", "sa_1"}) {
		t.Fatalf("DecodeCursor(EncodeCursor) = %q, %v", k, err)
	}
	if k, err := DecodeCursor("", "principals", 2); k != nil || err != nil {
		t.Fatalf(`DecodeCursor("") = %q, %v; want the start of the list`, k, err)
	}
	for _, bad := range []struct{ c, list string }{
		{c, "groups"},                // another list's
		{c[:len(c)-2], "principals"}, // cut
		{"!!", "principals"},
		{EncodeCursor("principals", "x"), "principals"}, // a key of another length
		{"bnVsbA", "principals"},                        // "null"
	} {
		if _, err := DecodeCursor(bad.c, bad.list, 2); KindOf(err) != KindInvalid {
			t.Errorf("DecodeCursor(%q, %q): %v; want invalid", bad.c, bad.list, err)
		}
	}
}

func TestPageLimit(t *testing.T) {
	for n, want := range map[int]int{0: DefaultPage, 1: 1, MaxPage: MaxPage} {
		if got, err := PageLimit(n); got != want || err != nil {
			t.Errorf("PageLimit(%d) = %d, %v; want %d", n, got, err, want)
		}
	}
	for _, n := range []int{-1, MaxPage + 1} {
		if _, err := PageLimit(n); KindOf(err) != KindInvalid {
			t.Errorf("PageLimit(%d): %v; want invalid", n, err)
		}
	}
}

func TestParseLimit(t *testing.T) {
	for s, want := range map[string]int{"1": 1, "1000": MaxPage} {
		if got, err := ParseLimit(s); got != want || err != nil {
			t.Errorf("ParseLimit(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	// 0 is no silent default on the wire (R-CLI-8).
	for _, s := range []string{"0", "-1", "1001", "abc", "", "1e3"} {
		if _, err := ParseLimit(s); KindOf(err) != KindInvalid {
			t.Errorf("ParseLimit(%q): %v; want invalid", s, err)
		}
	}
}

// Ids made in one millisecond sort in the order they were made: lists
// break creation-time ties by id.
func TestNewIDMonotonicWithinAMillisecond(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	ids := make([]string, 5000)
	for i := range ids {
		ids[i] = NewID("sa", now)
	}
	if !slices.IsSorted(ids) {
		t.Fatal("ids made in one millisecond do not sort in the order they were made")
	}
	if len(slices.Compact(slices.Clone(ids))) != len(ids) {
		t.Fatal("two ids are the same")
	}
	var r [10]byte
	for i := range r {
		r[i] = 0xff
	}
	if increment(&r) {
		t.Fatal("increment of the largest 80-bit number did not overflow")
	}
}
