package gen

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// SchemaDir holds one JSON Schema (draft 2020-12) per shape of docs/json.md
// (SPEC §12). They are cut from the OpenAPI file's components, which is the
// one place a shape is written down: the server's bodies and the CLI's
// "-o json" output are the same objects, so the two can never disagree.
const SchemaDir = "docs/schema"

// OpenAPIFile is the source of the schemas, relative to the repository root.
const OpenAPIFile = "docs/openapi.yaml"

// Shapes maps each "### shape" heading of docs/json.md, as its anchor, to
// the OpenAPI component that describes it. docs/schema/<anchor>.json is
// written for each; a test checks that json.md has no other heading.
var Shapes = map[string]string{
	"account":             "Account",
	"created-account":     "CreatedAccount",
	"key":                 "Key",
	"api-key":             "APIKey",
	"configuration":       "Config",
	"import-plan":         "ImportPlan",
	"key-inventory-item":  "KeyInventoryItem",
	"minted-token":        "MintedToken",
	"token-record":        "TokenRecord",
	"signing-key":         "SigningKey",
	"verification":        "Verification",
	"group":               "Group",
	"user":                "User",
	"user-token":          "UserToken",
	"seats":               "Seats",
	"audit-event":         "AuditEvent",
	"audit-check":         "AuditCheck",
	"backup":              "Backup",
	"database-check":      "DatabaseCheck",
	"master-key-rotation": "MasterKeyRotation",
	"migration-status":    "MigrationStatus",
	"business":            "Business",
	"setting":             "Setting",
	"profile":             "Profile",
}

// SchemaID is the $id of a shape's schema. A URN, not a URL: the files live
// in the repository and are not served anywhere.
func SchemaID(shape string) string { return "urn:sactl:schema:" + shape }

// writeSchemas writes SchemaDir under root from src's OpenAPI file.
func writeSchemas(src, root string) error {
	raw, err := os.ReadFile(filepath.Join(src, OpenAPIFile))
	if err != nil {
		return err
	}
	files, err := Schemas(raw)
	if err != nil {
		return err
	}
	dir := filepath.Join(root, SchemaDir)
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Schemas cuts one schema file per shape out of an OpenAPI document: the
// shape's component and every component it refers to, under $defs, with
// references rewritten from "#/components/schemas/X" to "#/$defs/X". The
// OpenAPI 3.1 schema dialect is JSON Schema 2020-12, so nothing else needs
// translating (its "example" keyword is an annotation validators ignore).
func Schemas(openapi []byte) (map[string][]byte, error) {
	var doc struct {
		Components struct {
			Schemas map[string]any `yaml:"schemas"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(openapi, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", OpenAPIFile, err)
	}
	comps := doc.Components.Schemas
	out := map[string][]byte{}
	for shape, comp := range Shapes {
		if comps[comp] == nil {
			return nil, fmt.Errorf("%s: no component %q for the %s shape", OpenAPIFile, comp, shape)
		}
		defs := map[string]any{}
		var missing []string
		var collect func(name string)
		collect = func(name string) {
			if _, done := defs[name]; done {
				return
			}
			s, ok := comps[name]
			if !ok {
				missing = append(missing, name)
				return
			}
			defs[name] = s
			for _, ref := range schemaRefs(s) {
				collect(ref)
			}
		}
		collect(comp)
		if len(missing) > 0 {
			return nil, fmt.Errorf("%s: %s refers to missing components %v", OpenAPIFile, comp, missing)
		}
		for name, s := range defs {
			defs[name] = rewriteRefs(s)
		}
		title := strings.ReplaceAll(shape, "-", " ")
		schema := map[string]any{
			"$schema": "https://json-schema.org/draft/2020-12/schema",
			"$id":     SchemaID(shape),
			"title":   title,
			"description": fmt.Sprintf("The %s shape of sactl's JSON output (docs/json.md#%s) and of the "+
				"server's bodies (components/schemas/%s in docs/openapi.yaml, from which this file is generated).",
				title, shape, comp),
			"$ref":  "#/$defs/" + comp,
			"$defs": defs,
		}
		body, err := json.MarshalIndent(schema, "", "  ")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", shape, err)
		}
		out[shape+".json"] = append(body, '\n')
	}
	return out, nil
}

const componentPrefix = "#/components/schemas/"

// schemaRefs lists the components a schema refers to, sorted.
func schemaRefs(v any) []string {
	var refs []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if r, ok := v["$ref"].(string); ok {
				refs = append(refs, strings.TrimPrefix(r, componentPrefix))
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
	sort.Strings(refs)
	return slices.Compact(refs)
}

// rewriteRefs copies a schema with its component references pointing at $defs.
func rewriteRefs(v any) any {
	switch v := v.(type) {
	case map[string]any:
		c := make(map[string]any, len(v))
		for k, x := range v {
			if r, ok := x.(string); ok && k == "$ref" {
				c[k] = "#/$defs/" + strings.TrimPrefix(r, componentPrefix)
				continue
			}
			c[k] = rewriteRefs(x)
		}
		return c
	case []any:
		c := make([]any, len(v))
		for i, x := range v {
			c[i] = rewriteRefs(x)
		}
		return c
	}
	return v
}
