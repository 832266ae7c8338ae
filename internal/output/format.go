// Package output prints what sactl commands produce: one table printer, one
// key/value detail printer and one JSON exporter, plus the helpers that make
// cells look right on a terminal and stay machine-readable otherwise
// (SPEC R-CLI-1).
//
// Everything is rendered into memory first and written to stdout with a
// single Write, so a failure never leaves partial output behind (R-CLI-4).
package output

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	gojson "github.com/goccy/go-json"

	"github.com/sactl/sactl/internal/domain"
)

// Format is the value of the -o/--output flag.
type Format string

// The output formats.
const (
	FormatTable Format = "table"
	FormatJSON  Format = "json"
)

// ParseFormat returns the Format named by s ("table" or "json").
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case FormatTable, FormatJSON:
		return f, nil
	}
	return "", fmt.Errorf("invalid output format %s: use table or json", domain.Quote(s))
}

// String returns the name of the format; with Set and Type it makes *Format
// usable as a pflag.Value.
func (f Format) String() string { return string(f) }

// Set parses s with ParseFormat and stores the result.
func (f *Format) Set(s string) error {
	v, err := ParseFormat(s)
	if err != nil {
		return err
	}
	*f = v
	return nil
}

// Type names the flag value type in help output.
func (f *Format) Type() string { return "format" }

// WriteJSON writes v to w as JSON indented with two spaces and followed by a
// newline, without HTML escaping. v is encoded completely before anything is
// written, so an encoding error leaves w untouched.
//
// Lists should be non-nil slices so that an empty list is written as []
// rather than null.
func WriteJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := gojson.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encoding JSON: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// MarkDryRun returns v as a JSON object with "dry_run": true added as its
// last field, for the result of a dry run (R-CLI-2). A value that does not
// encode as an object is returned unchanged, as is one that cannot be
// encoded (WriteJSON reports that).
func MarkDryRun(v any) any {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return v
	}
	b := bytes.TrimSpace(buf.Bytes())
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return v
	}
	body := bytes.TrimSpace(b[1 : len(b)-1])
	out := make([]byte, 0, len(b)+16)
	out = append(out, '{')
	if len(body) > 0 {
		out = append(append(out, body...), ',')
	}
	out = append(out, `"dry_run":true}`...)
	return json.RawMessage(out)
}

// JSONArray writes a JSON array an element at a time, byte for byte as
// WriteJSON writes the whole slice, so a list streams in constant memory
// (P-4). It writes in chunks of whole elements: a failure before the
// first chunk leaves the output empty (R-CLI-4).
type JSONArray struct {
	w   *bufio.Writer
	buf bytes.Buffer
	enc *gojson.Encoder
	n   int
}

// jsonChunk is how much JSONArray buffers before it writes.
const jsonChunk = 32 << 10

// NewJSONArray starts an array on w.
func NewJSONArray(w io.Writer) *JSONArray {
	a := &JSONArray{w: bufio.NewWriterSize(w, 2*jsonChunk)}
	a.enc = gojson.NewEncoder(&a.buf)
	a.enc.SetIndent("  ", "  ")
	a.enc.SetEscapeHTML(false)
	return a
}

// Add writes one element.
func (a *JSONArray) Add(v any) error {
	a.buf.Reset()
	if err := a.enc.Encode(v); err != nil {
		return fmt.Errorf("encoding JSON: %w", err)
	}
	sep := ",\n  "
	if a.n == 0 {
		sep = "[\n  "
	}
	a.n++
	a.w.WriteString(sep)
	a.w.Write(bytes.TrimSuffix(a.buf.Bytes(), []byte("\n")))
	if a.w.Buffered() >= jsonChunk {
		return a.w.Flush()
	}
	return nil
}

// Close ends the array and writes what is left.
func (a *JSONArray) Close() error {
	if a.n == 0 {
		a.w.WriteString("[]\n")
	} else {
		a.w.WriteString("\n]\n")
	}
	return a.w.Flush()
}
