package cmdutil

import (
	"fmt"
	"testing"

	"github.com/sactl/sactl/internal/api"
)

// --limit reads at most n items, and never asks a page for more than are
// still wanted: a remote list fetches no more than asked (R-SRV-6).
func TestLimitedList(t *testing.T) {
	const total, pageMax = 23, 4 // a server that answers at most 4 a page
	for _, n := range []int{1, 3, 4, 5, 22, 23, 100} {
		var asked []int
		list := func(p api.PageRequest) (api.Page[int], error) {
			asked = append(asked, p.Limit)
			start := 0
			if p.Cursor != "" {
				fmt.Sscan(p.Cursor, &start)
			}
			end := min(start+min(p.Limit, pageMax), total)
			items := make([]int, 0, end-start)
			for i := start; i < end; i++ {
				items = append(items, i)
			}
			next := ""
			if end < total {
				next = fmt.Sprint(end)
			}
			return api.NewPage(items, next), nil
		}
		got, err := api.All(limited(list, n))
		if err != nil {
			t.Fatal(err)
		}
		if want := min(n, total); len(got) != want {
			t.Errorf("limit %d: %d items, want %d", n, len(got), want)
		}
		fetched := 0
		for _, l := range asked {
			if l < 1 {
				t.Errorf("limit %d: a page asked for %d", n, l)
			}
			fetched += min(l, pageMax)
		}
		if fetched > n {
			t.Errorf("limit %d: pages asked for %v, more than wanted", n, asked)
		}
	}
}
