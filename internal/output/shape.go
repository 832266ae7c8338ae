package output

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/template"
	"time"

	gojson "github.com/goccy/go-json"
	"github.com/itchyny/gojq"
)

// Output shaping: --jq and --template, on every command that prints JSON.
// Both read the JSON a command would print (the same fields, docs/json.md),
// so a script can pick what it needs without jq installed. gojq is jq in
// Go; text/template is Go's templates, with timeago, json and join added.

// JQ is the value of --jq: a jq program, compiled when the flag is parsed
// so a bad one fails before the command does anything (exit 2).
type JQ struct {
	src  string
	code *gojq.Code
}

// String is the program as given.
func (q *JQ) String() string { return q.src }

// Type names the flag value in help output.
func (q *JQ) Type() string { return "expression" }

// Set compiles s.
func (q *JQ) Set(s string) error {
	parsed, err := gojq.Parse(s)
	if err != nil {
		return fmt.Errorf("invalid jq expression: %v", err)
	}
	code, err := gojq.Compile(parsed)
	if err != nil {
		return fmt.Errorf("invalid jq expression: %v", err)
	}
	q.src, q.code = s, code
	return nil
}

// Template is the value of --template: a Go template, parsed when the flag
// is.
type Template struct {
	src  string
	tmpl *template.Template
}

// String is the template as given.
func (t *Template) String() string { return t.src }

// Type names the flag value in help output.
func (t *Template) Type() string { return "template" }

// Set parses s.
func (t *Template) Set(s string) error {
	tmpl, err := template.New("--template").Option("missingkey=zero").Funcs(templateFuncs(time.Now)).Parse(s)
	if err != nil {
		return fmt.Errorf("invalid template: %v", strings.TrimPrefix(err.Error(), "template: "))
	}
	t.src, t.tmpl = s, tmpl
	return nil
}

// Shaping is what --jq and --template asked for; the zero value asks for
// nothing.
type Shaping struct {
	JQ       JQ
	Template Template
}

// Active reports whether either flag was given.
func (s *Shaping) Active() bool { return s.JQ.code != nil || s.Template.tmpl != nil }

// Write runs v's JSON through the jq program or the template and writes
// the result: each jq result on a line of its own, a string as its text,
// anything else as compact JSON; a template's output as it is. The output
// is built whole first, so a failure part-way writes nothing (R-CLI-4).
func (s *Shaping) Write(w io.Writer, v any) error {
	raw, err := gojson.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding JSON: %w", err)
	}
	var data any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&data); err != nil {
		return fmt.Errorf("decoding JSON: %w", err)
	}
	data = numbers(data)
	var out bytes.Buffer
	if s.JQ.code != nil {
		iter := s.JQ.code.Run(data)
		for {
			r, ok := iter.Next()
			if !ok {
				break
			}
			if err, ok := r.(error); ok {
				var halt *gojq.HaltError
				if errors.As(err, &halt) && halt.Value() == nil {
					break
				}
				return fmt.Errorf("--jq: %v", err)
			}
			if str, ok := r.(string); ok {
				out.WriteString(str)
			} else {
				enc := json.NewEncoder(&out)
				enc.SetEscapeHTML(false)
				if err := enc.Encode(r); err != nil {
					return fmt.Errorf("--jq: %v", err)
				}
				out.Truncate(out.Len() - 1)
			}
			out.WriteByte('\n')
		}
	} else if err := s.Template.tmpl.Execute(&out, data); err != nil {
		return fmt.Errorf("--template: %v", strings.TrimPrefix(err.Error(), "template: --template:"))
	}
	_, err = w.Write(out.Bytes())
	return err
}

// numbers turns json.Numbers into the int or float64 gojq computes with.
func numbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return int(i)
		}
		f, _ := x.Float64()
		return f
	case []any:
		for i := range x {
			x[i] = numbers(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = numbers(x[k])
		}
	}
	return v
}

// templateFuncs are the functions --template adds to Go's: timeago (an
// RFC 3339 time as "3 days ago"), json (a value as compact JSON) and join
// (a list's items with a separator).
func templateFuncs(now func() time.Time) template.FuncMap {
	return template.FuncMap{
		"timeago": func(v any) string {
			s, _ := v.(string)
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				return ""
			}
			return RelativeTime(t, now())
		},
		"json": func(v any) (string, error) {
			b, err := json.Marshal(v)
			return string(b), err
		},
		"join": func(sep string, v any) string {
			items, _ := v.([]any)
			parts := make([]string, len(items))
			for i, x := range items {
				parts[i] = fmt.Sprint(x)
			}
			return strings.Join(parts, sep)
		},
	}
}
