package cmd_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/sactl/sactl/cmd"
	"github.com/sactl/sactl/internal/cmdutil"
	"github.com/sactl/sactl/internal/gendocs/gen"
	"github.com/sactl/sactl/internal/iostreams"
	"github.com/sactl/sactl/internal/store/storetest"
)

// The JSON contract (SPEC §12) is checked on every command line of every
// story: when a story runs "sactl ... -o json", the test binary playing
// sactl (TestMain) validates what it printed against the schema that
// docs/json.md's table "Which command prints what" names for that command,
// docs/schema/<shape>.json, made stricter for the test (no field the schema
// does not list, RFC 3339 times). A mismatch makes that command exit
// exitSchemaMismatch with the reason on stderr, so the story fails there.
// Each story run logs which table rows it validated, and a full run of the
// stories fails unless every row was validated at least once: every command
// that prints JSON is held to its schema, in local and remote mode, on
// SQLite and on PostgreSQL (where every row is not run: see
// checkContractCoverage).
const (
	envSchemaDocs      = "SACTL_TEST_DOCS"       // the docs directory (json.md, schema/)
	envSchemaLog       = "SACTL_TEST_SCHEMA_LOG" // file the validated rows are appended to
	exitSchemaMismatch = 97
)

// schemaEnv adds the contract check to a story's environment; log is the
// file its validated rows go to.
func schemaEnv(setenv func(k, v string), log string) error {
	docs, err := filepath.Abs("../docs")
	if err != nil {
		return err
	}
	setenv(envSchemaDocs, docs)
	setenv(envSchemaLog, log)
	return nil
}

// schemaCheckedMain is cmd.Main, validating the JSON it prints.
func schemaCheckedMain() int {
	docs := os.Getenv(envSchemaDocs)
	if docs == "" {
		return cmd.Main()
	}
	args := os.Args[1:]
	ios := iostreams.System()
	var printedOut bytes.Buffer
	ios.Out = io.MultiWriter(ios.Out, &printedOut)
	code := cmd.Run(context.Background(), cmdutil.New(ios), args)
	row, ok, err := contractRow(docs, args)
	if err == nil && ok && printedOut.Len() > 0 {
		err = validateOutput(docs, row, printedOut.Bytes())
		if err == nil {
			err = appendLine(os.Getenv(envSchemaLog), row.key)
		}
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "JSON contract (docs/json.md, docs/schema): sactl %s: %v\n", strings.Join(args, " "), err)
		return exitSchemaMismatch
	}
	return code
}

// contractRow finds the table row for a command line that asked for JSON;
// ok is false when it did not ask (table output, --jq, --template, -o yaml).
// A command printing JSON that the table does not list is an error.
func contractRow(docs string, args []string) (contractEntry, bool, error) {
	ios, _, _, _ := iostreams.Test()
	root := cmd.NewCmdRoot(cmdutil.New(ios))
	c, rest, err := root.Find(args)
	if err != nil || c.ParseFlags(rest) != nil {
		return contractEntry{}, false, nil // a usage error: it printed nothing
	}
	if o := c.Flags().Lookup("output"); o == nil || o.Value.String() != "json" {
		return contractEntry{}, false, nil
	}
	for _, shaping := range []string{"jq", "template"} {
		if f := c.Flags().Lookup(shaping); f != nil && f.Value.String() != "" {
			return contractEntry{}, false, nil
		}
	}
	table, err := loadContract(docs)
	if err != nil {
		return contractEntry{}, false, err
	}
	path := strings.TrimPrefix(c.CommandPath(), root.Name()+" ")
	positional := len(c.Flags().Args())
	var best *contractEntry
	for i, e := range table {
		if e.command != path || !e.matches(c.Flags().Changed, positional) {
			continue
		}
		if best == nil || len(e.extra) > len(best.extra) {
			best = &table[i]
		}
	}
	if best == nil {
		return contractEntry{}, false, fmt.Errorf("it prints JSON but docs/json.md's table does not list %q", path)
	}
	return *best, true, nil
}

// contractEntry is one command of a row of docs/json.md's table.
type contractEntry struct {
	key     string   // the command as the table writes it: "sa keys list --all"
	command string   // its command path: "sa keys list"
	extra   []string // what else the row needs: "--all", "<key>"
	shape   string   // the anchor of the shape: "key-inventory-item"
	array   bool     // "array of ..."
}

// matches reports whether a command line fits the row's extra words: a flag
// it names was given, and a <placeholder> has a positional argument.
func (e contractEntry) matches(changed func(string) bool, positional int) bool {
	needArgs := 0
	for _, x := range e.extra {
		switch {
		case strings.HasPrefix(x, "--"):
			if !changed(strings.TrimPrefix(x, "--")) {
				return false
			}
		case strings.HasPrefix(x, "<"):
			needArgs++
		}
	}
	return positional >= needArgs
}

var (
	contractOnce  sync.Once
	contractTable []contractEntry
	contractErr   error

	tableRowRE  = regexp.MustCompile("^\\| (`.*`) \\| (.*) \\|$")
	tableCmdRE  = regexp.MustCompile("`([^`]+)`")
	tableLinkRE = regexp.MustCompile(`\]\(#([a-z0-9-]+)\)`)
)

// loadContract parses the table "Which command prints what" of docs/json.md.
func loadContract(docs string) ([]contractEntry, error) {
	contractOnce.Do(func() {
		contractTable, contractErr = parseContract(filepath.Join(docs, "json.md"))
	})
	return contractTable, contractErr
}

func parseContract(file string) ([]contractEntry, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	_, section, ok := strings.Cut(string(raw), "\n## Which command prints what\n")
	if !ok {
		return nil, errors.New("json.md has no section \"Which command prints what\"")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var table []contractEntry
	for _, line := range strings.Split(section, "\n") {
		m := tableRowRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		link := tableLinkRE.FindStringSubmatch(m[2])
		if link == nil {
			return nil, fmt.Errorf("json.md: the row %q links no shape", line)
		}
		for _, c := range tableCmdRE.FindAllStringSubmatch(m[1], -1) {
			words := strings.Fields(strings.ReplaceAll(c[1], `\|`, "|"))
			var cmdWords, extra []string
			for _, w := range words {
				if strings.HasPrefix(w, "-") || strings.HasPrefix(w, "<") {
					extra = append(extra, w)
				} else {
					cmdWords = append(cmdWords, w)
				}
			}
			// "sa groups set|add|remove|clear" is four commands.
			last := cmdWords[len(cmdWords)-1]
			for _, verb := range strings.Split(last, "|") {
				command := strings.Join(append(slices.Clone(cmdWords[:len(cmdWords)-1]), verb), " ")
				key := strings.Join(append([]string{command}, extra...), " ")
				table = append(table, contractEntry{key: key, command: command, extra: extra,
					shape: link[1], array: strings.HasPrefix(m[2], "array of")})
			}
		}
	}
	if len(table) == 0 {
		return nil, errors.New("json.md: the table \"Which command prints what\" has no rows")
	}
	return table, nil
}

var (
	schemaMu sync.Mutex
	compiled = map[string]*jsonschema.Schema{}
)

// validateOutput checks printed JSON against the row's shape: one object, or
// an array of them.
func validateOutput(docs string, row contractEntry, out []byte) error {
	sch, err := strictSchema(docs, row.shape)
	if err != nil {
		return err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		return fmt.Errorf("not one JSON document: %v", err)
	}
	if !row.array {
		if err := sch.Validate(doc); err != nil {
			return fmt.Errorf("does not match docs/schema/%s.json: %s", row.shape, describe(err))
		}
		return nil
	}
	items, ok := doc.([]any)
	if !ok {
		return fmt.Errorf("docs/json.md says it prints an array of %s; it printed %T", row.shape, doc)
	}
	for i, item := range items {
		if err := sch.Validate(item); err != nil {
			return fmt.Errorf("element %d does not match docs/schema/%s.json: %s", i, row.shape, describe(err))
		}
	}
	return nil
}

// describe is a validation error on one line, every cause with where it is.
func describe(err error) string {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return err.Error()
	}
	return strings.Join(strings.Fields(strings.ReplaceAll(ve.GoString(), "\n", " ")), " ")
}

// strictSchema compiles docs/schema/<shape>.json made strict: every object
// lists all its fields (the published schemas let fields be added, SPEC
// §12's stability rule; sactl itself must not print an undocumented one),
// plus the "dry_run": true a dry run adds at the top (R-CLI-2), and formats
// such as date-time are asserted.
func strictSchema(docs, shape string) (*jsonschema.Schema, error) {
	schemaMu.Lock()
	defer schemaMu.Unlock()
	if s := compiled[shape]; s != nil {
		return s, nil
	}
	f, err := os.Open(filepath.Join(docs, "schema", shape+".json"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return nil, fmt.Errorf("docs/schema/%s.json: %v", shape, err)
	}
	root := doc.(map[string]any)
	defs, _ := root["$defs"].(map[string]any)
	for name, d := range defs {
		defs[name] = closeObjects(d, defs, false)
	}
	root["properties"] = map[string]any{"dry_run": map[string]any{"const": true}}
	root["unevaluatedProperties"] = false
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	id := gen.SchemaID(shape)
	if err := c.AddResource(id, root); err != nil {
		return nil, err
	}
	s, err := c.Compile(id)
	if err != nil {
		return nil, fmt.Errorf("docs/schema/%s.json: %v", shape, err)
	}
	compiled[shape] = s
	return s, nil
}

// closeObjects adds "unevaluatedProperties": false wherever an object is
// used whole: beside each reference to an object definition and on each
// inline object, except for the parts of an allOf (which the reference to
// the whole composition closes) and a definition's own top, which may be
// such a part.
func closeObjects(v any, defs map[string]any, close bool) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			switch k {
			case "allOf":
				parts, _ := x.([]any)
				for i, p := range parts {
					parts[i] = closeObjects(p, defs, false)
				}
			case "properties":
				props, _ := x.(map[string]any)
				for name, p := range props {
					props[name] = closeObjects(p, defs, true)
				}
			case "items", "additionalProperties":
				v[k] = closeObjects(x, defs, true)
			case "oneOf", "anyOf":
				parts, _ := x.([]any)
				for i, p := range parts {
					parts[i] = closeObjects(p, defs, true)
				}
			}
		}
		if close && isObjectSchema(v, defs) {
			v["unevaluatedProperties"] = false
		}
		return v
	}
	return v
}

// isObjectSchema reports whether a schema describes an object with listed
// fields, itself or through its reference.
func isObjectSchema(s map[string]any, defs map[string]any) bool {
	if _, ok := s["properties"]; ok {
		return true
	}
	if _, ok := s["allOf"]; ok {
		return true
	}
	if ref, ok := s["$ref"].(string); ok {
		if d, ok := defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any); ok {
			return isObjectSchema(d, defs)
		}
	}
	return false
}

var logMu sync.Mutex

func appendLine(file, line string) error {
	if file == "" {
		return nil
	}
	logMu.Lock()
	defer logMu.Unlock()
	f, err := os.OpenFile(file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(f, line)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// checkContractCoverage fails a full run of the stories unless every row of
// the table was validated by at least one command line.
func checkContractCoverage(t *testing.T, log string) {
	t.Helper()
	if t.Failed() || flag.Lookup("test.run").Value.String() != "" || storetest.OnPostgres() {
		// A story failed, or only some stories ran, or this is the
		// PostgreSQL pass, which skips the stories of SQLite files (db
		// backup, a tampered audit log …); it validates all it runs.
		return
	}
	raw, err := os.ReadFile(log)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, l := range strings.Split(string(raw), "\n") {
		seen[l] = true
	}
	table, err := loadContract("../docs")
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for _, e := range table {
		if !seen[e.key] {
			missing = append(missing, e.key)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("JSON contract: no story runs these commands with -o json, so nothing checks their output against docs/schema: %s",
			strings.Join(slices.Compact(missing), ", "))
	}
}

// TestJSONContractTable: the table parses into rows naming a shape with a
// schema, and the schemas compile in their strict form.
func TestJSONContractTable(t *testing.T) {
	table, err := parseContract("../docs/json.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range table {
		if _, ok := gen.Shapes[e.shape]; !ok {
			t.Errorf("%s: shape %q has no schema (gen.Shapes)", e.key, e.shape)
			continue
		}
		if _, err := strictSchema("../docs", e.shape); err != nil {
			t.Errorf("%s: %v", e.key, err)
		}
	}
	raw, err := os.ReadFile("../docs/json.md")
	if err != nil {
		t.Fatal(err)
	}
	_, shapes, _ := strings.Cut(string(raw), "\n## Shapes\n")
	shapes, _, _ = strings.Cut(shapes, "\n## ")
	headed := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^### (.+)$`).FindAllStringSubmatch(shapes, -1) {
		anchor := strings.ReplaceAll(strings.ToLower(m[1]), " ", "-")
		headed[anchor] = true
		if _, ok := gen.Shapes[anchor]; !ok {
			t.Errorf("json.md's shape %q has no schema: add it to gen.Shapes", m[1])
		}
		if !strings.Contains(shapes, "(schema/"+anchor+".json)") {
			t.Errorf("json.md's shape %q does not link its schema, schema/%s.json", m[1], anchor)
		}
	}
	for anchor := range gen.Shapes {
		if !headed[anchor] {
			t.Errorf("gen.Shapes has %q, which json.md does not describe", anchor)
		}
	}
	ios, _, _, _ := iostreams.Test()
	root := cmd.NewCmdRoot(cmdutil.New(ios))
	for _, e := range table {
		c, _, err := root.Find(strings.Fields(e.command))
		if err != nil || strings.TrimPrefix(c.CommandPath(), "sactl ") != e.command {
			t.Errorf("json.md lists %q, which is not a command", e.command)
		}
	}
}
