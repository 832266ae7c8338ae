package output

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestParseFormat(t *testing.T) {
	for _, s := range []string{"table", "json"} {
		f, err := ParseFormat(s)
		if err != nil || string(f) != s {
			t.Errorf("ParseFormat(%q) = %q, %v", s, f, err)
		}
	}
	if FormatTable != "table" || FormatJSON != "json" {
		t.Errorf("format constants changed: %q %q", FormatTable, FormatJSON)
	}
	for _, s := range []string{"x", "", "yaml", "JSON", " table"} {
		f, err := ParseFormat(s)
		if err == nil {
			t.Errorf("ParseFormat(%q) = %q, want an error", s, f)
		}
	}
	_, err := ParseFormat("x")
	if want := `invalid output format "x": use table or json`; err == nil || err.Error() != want {
		t.Errorf("ParseFormat(\"x\") error = %v, want %q", err, want)
	}
}

func TestFormatFlagValue(t *testing.T) {
	f := FormatTable
	if err := f.Set("json"); err != nil || f != FormatJSON {
		t.Fatalf("Set(json) = %v, format %q", err, f)
	}
	if err := f.Set("csv"); err == nil || f != FormatJSON {
		t.Fatalf("Set(csv) = %v, format %q; want an error and no change", err, f)
	}
	if f.String() != "json" || f.Type() != "format" {
		t.Errorf("String/Type = %q/%q", f.String(), f.Type())
	}
}

func TestWriteJSON(t *testing.T) {
	type account struct {
		ID     string   `json:"id"`
		Note   string   `json:"note"`
		Groups []string `json:"groups"`
		Meta   struct {
			N int `json:"n"`
		} `json:"meta"`
	}
	v := account{ID: "sa_1", Note: "<ops> & dev", Groups: []string{"a", "b"}}
	v.Meta.N = 2
	var buf bytes.Buffer
	if err := WriteJSON(&buf, v); err != nil {
		t.Fatal(err)
	}
	want := `{
  "id": "sa_1",
  "note": "<ops> & dev",
  "groups": [
    "a",
    "b"
  ],
  "meta": {
    "n": 2
  }
}
`
	if buf.String() != want {
		t.Errorf("WriteJSON =\n%s\nwant\n%s", buf.String(), want)
	}
}

// countingWriter records every Write.
type countingWriter struct {
	writes int
	buf    bytes.Buffer
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	return w.buf.Write(p)
}

func TestWriteJSONNoPartialWrite(t *testing.T) {
	// The channel comes last in the encoding order (after "a" and "b"), so
	// a streaming encoder would already have written the beginning.
	v := []any{map[string]any{"a": 1, "b": "two"}, make(chan int)}
	w := &countingWriter{}
	err := WriteJSON(w, v)
	if err == nil {
		t.Fatal("WriteJSON of a channel succeeded")
	}
	if w.writes != 0 || w.buf.Len() != 0 {
		t.Errorf("WriteJSON wrote %d times (%q) before failing", w.writes, w.buf.String())
	}

	w = &countingWriter{}
	if err := WriteJSON(w, []any{strings.Repeat("x", 100000), 1}); err != nil {
		t.Fatal(err)
	}
	if w.writes != 1 {
		t.Errorf("WriteJSON used %d writes, want 1", w.writes)
	}
}

type failWriter struct{}

var errWrite = errors.New("disk full")

func (failWriter) Write([]byte) (int, error) { return 0, errWrite }

func TestWriteJSONWriteError(t *testing.T) {
	if err := WriteJSON(failWriter{}, 1); !errors.Is(err, errWrite) {
		t.Errorf("WriteJSON error = %v, want the writer's error", err)
	}
}

func TestMarkDryRun(t *testing.T) { // R-CLI-2
	type account struct {
		Name  string `json:"name"`
		Email string `json:"email"`
	}
	for _, c := range []struct {
		in   any
		want string
	}{
		{account{Name: "Zap", Email: "a<b>@example.com"}, "{\n  \"name\": \"Zap\",\n  \"email\": \"a<b>@example.com\",\n  \"dry_run\": true\n}\n"},
		{struct{}{}, "{\n  \"dry_run\": true\n}\n"},
		{map[string]string{"signing_key": "sk_1"}, "{\n  \"signing_key\": \"sk_1\",\n  \"dry_run\": true\n}\n"},
		// Not an object: nothing to carry the field, so it is left alone.
		{[]string{"a"}, "[\n  \"a\"\n]\n"},
	} {
		var buf bytes.Buffer
		if err := WriteJSON(&buf, MarkDryRun(c.in)); err != nil {
			t.Fatal(err)
		}
		if buf.String() != c.want {
			t.Errorf("MarkDryRun(%#v) = %q, want %q", c.in, buf.String(), c.want)
		}
	}
	if err := WriteJSON(&bytes.Buffer{}, MarkDryRun(func() {})); err == nil {
		t.Error("a value JSON cannot encode is still an error")
	}
}
