package output

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// A streamed array is byte for byte the slice WriteJSON writes (P-4), for
// every length, across chunk boundaries.
func TestJSONArrayIsWriteJSON(t *testing.T) {
	type item struct {
		ID    string         `json:"id"`
		Name  string         `json:"name"`
		Tags  []string       `json:"tags"`
		Extra map[string]any `json:"extra"`
	}
	for _, n := range []int{0, 1, 3, 2000} {
		items := make([]item, n)
		for i := range items {
			items[i] = item{ID: fmt.Sprint("sa_", i), Name: "<b>&ünï\"code\"</b>" + strings.Repeat("x", i%50),
				Tags: []string{"a", "b"}, Extra: map[string]any{"n": i, "nested": map[string]any{"k": []int{1, 2}}}}
		}
		var want, got bytes.Buffer
		if err := WriteJSON(&want, items); err != nil {
			t.Fatal(err)
		}
		arr := NewJSONArray(&got)
		for _, it := range items {
			if err := arr.Add(it); err != nil {
				t.Fatal(err)
			}
		}
		if err := arr.Close(); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Fatalf("%d items: streamed\n%.400s\nwant\n%.400s", n, got.String(), want.String())
		}
	}
}
