package server

import (
	"fmt"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// openAPIFile is the OpenAPI description of this server (R-SRV-1), relative
// to this package.
const openAPIFile = "../../docs/openapi.yaml"

// plainEndpoints are served outside the route table, without authentication.
// Their operationIds are the route labels of their metrics.
var plainEndpoints = []struct{ Method, Path, Name string }{
	{"GET", "/healthz", "healthz"},
	{"GET", "/readyz", "readyz"},
	{"GET", "/metrics", "metrics"},
}

// apiEndpoint is one (method, path) pair, the path in ServeMux pattern syntax,
// which for these routes is also OpenAPI's path template syntax.
type apiEndpoint struct{ Method, Path string }

func (e apiEndpoint) String() string { return e.Method + " " + e.Path }

type openAPIDoc struct {
	OpenAPI    string                     `yaml:"openapi"`
	Security   []map[string][]string      `yaml:"security"`
	Paths      map[string]openAPIPathItem `yaml:"paths"`
	Components struct {
		Parameters map[string]openAPIParam `yaml:"parameters"`
	} `yaml:"components"`
}

type openAPIPathItem struct {
	Parameters []openAPIParam    `yaml:"parameters"`
	Get        *openAPIOperation `yaml:"get"`
	Put        *openAPIOperation `yaml:"put"`
	Post       *openAPIOperation `yaml:"post"`
	Delete     *openAPIOperation `yaml:"delete"`
	Options    *openAPIOperation `yaml:"options"`
	Head       *openAPIOperation `yaml:"head"`
	Patch      *openAPIOperation `yaml:"patch"`
	Trace      *openAPIOperation `yaml:"trace"`
}

func (p openAPIPathItem) operations() map[string]*openAPIOperation {
	all := map[string]*openAPIOperation{
		"GET": p.Get, "PUT": p.Put, "POST": p.Post, "DELETE": p.Delete,
		"OPTIONS": p.Options, "HEAD": p.Head, "PATCH": p.Patch, "TRACE": p.Trace,
	}
	for m, op := range all {
		if op == nil {
			delete(all, m)
		}
	}
	return all
}

type openAPIOperation struct {
	OperationID string                 `yaml:"operationId"`
	Parameters  []openAPIParam         `yaml:"parameters"`
	Security    *[]map[string][]string `yaml:"security"` // nil: inherits the global one
	RequestBody *struct {
		Content map[string]any `yaml:"content"`
	} `yaml:"requestBody"`
	Responses map[string]any `yaml:"responses"`
}

type openAPIParam struct {
	Ref  string `yaml:"$ref"`
	Name string `yaml:"name"`
	In   string `yaml:"in"`
}

func loadOpenAPI(t *testing.T) (openAPIDoc, map[string]any) {
	t.Helper()
	b, err := os.ReadFile(openAPIFile)
	if err != nil {
		t.Fatalf("R-SRV-1 wants an OpenAPI file: %v", err)
	}
	var doc openAPIDoc
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", openAPIFile, err)
	}
	var raw map[string]any
	if err := yaml.Unmarshal(b, &raw); err != nil {
		t.Fatalf("%s: %v", openAPIFile, err)
	}
	return doc, raw
}

// specOperations lists the operations of the OpenAPI paths.
func specOperations(doc openAPIDoc) map[apiEndpoint]*openAPIOperation {
	out := map[apiEndpoint]*openAPIOperation{}
	for path, item := range doc.Paths {
		for m, op := range item.operations() {
			out[apiEndpoint{m, path}] = op
		}
	}
	return out
}

// servedEndpoints is what the server answers: the route table plus the
// plain endpoints.
func servedEndpoints() []apiEndpoint {
	var out []apiEndpoint
	for _, r := range Routes() {
		out = append(out, apiEndpoint{r[0], r[1]})
	}
	for _, p := range plainEndpoints {
		out = append(out, apiEndpoint{p.Method, p.Path})
	}
	return out
}

// diffEndpoints compares the endpoints the code serves with those the
// OpenAPI file describes and names, one per message, each apiEndpoint that one
// side lacks, saying which.
func diffEndpoints(served, documented []apiEndpoint) []string {
	var msgs []string
	for _, e := range sortedUnique(served) {
		if !slices.Contains(documented, e) {
			msgs = append(msgs, fmt.Sprintf("%s is served (routes.go or the plain endpoints) but missing from docs/openapi.yaml", e))
		}
	}
	for _, e := range sortedUnique(documented) {
		if !slices.Contains(served, e) {
			msgs = append(msgs, fmt.Sprintf("%s is in docs/openapi.yaml but not served: missing from routes.go", e))
		}
	}
	return msgs
}

func sortedUnique(es []apiEndpoint) []apiEndpoint {
	out := slices.Clone(es)
	slices.SortFunc(out, func(a, b apiEndpoint) int { return strings.Compare(a.Path+" "+a.Method, b.Path+" "+b.Method) })
	return slices.Compact(out)
}

// diffOperationIDs checks that each served apiEndpoint's operationId is its
// route name, and that no operationId is used twice.
func diffOperationIDs(want, got map[apiEndpoint]string) []string {
	var msgs []string
	keys := make([]apiEndpoint, 0, len(want))
	for e := range want {
		keys = append(keys, e)
	}
	for _, e := range sortedUnique(keys) {
		if id, ok := got[e]; ok && id != want[e] {
			msgs = append(msgs, fmt.Sprintf("%s: docs/openapi.yaml has operationId %q, routes.go names it %q", e, id, want[e]))
		}
	}
	seen := map[string][]string{}
	for e, id := range got {
		seen[id] = append(seen[id], e.String())
	}
	ids := make([]string, 0, len(seen))
	for id := range seen {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		switch eps := seen[id]; {
		case id == "":
			slices.Sort(eps)
			msgs = append(msgs, fmt.Sprintf("docs/openapi.yaml: no operationId for %s", strings.Join(eps, ", ")))
		case len(eps) > 1:
			slices.Sort(eps)
			msgs = append(msgs, fmt.Sprintf("docs/openapi.yaml: operationId %q is used by %s", id, strings.Join(eps, " and ")))
		}
	}
	return msgs
}

// tableRoutes is every route of the tables: the API's and the OAuth2 ones.
func tableRoutes() []route {
	out := slices.Clone(routes)
	for _, r := range oauthRoutes {
		out = append(out, r.route)
	}
	return out
}

// TestOpenAPI checks docs/openapi.yaml against the route table, both ways
// (R-SRV-1): a route added to routes.go without its description fails here,
// and so does a description of a route that is not served.
func TestOpenAPI(t *testing.T) {
	doc, raw := loadOpenAPI(t)
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi: %q, want 3.1.0", doc.OpenAPI)
	}
	ops := specOperations(doc)
	documented := make([]apiEndpoint, 0, len(ops))
	for e := range ops {
		documented = append(documented, e)
	}

	t.Run("paths", func(t *testing.T) {
		for _, msg := range diffEndpoints(servedEndpoints(), documented) {
			t.Error(msg)
		}
	})

	// The plain endpoints are listed by hand: check that the server really
	// answers each without a credential, so the list cannot outlive them.
	t.Run("plain endpoints served", func(t *testing.T) {
		f := newFixture(t)
		for _, p := range plainEndpoints {
			req, _ := http.NewRequest(p.Method, f.ts.URL+p.Path, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s %s answered %d without a credential, want 200", p.Method, p.Path, resp.StatusCode)
			}
		}
	})

	t.Run("operationIds", func(t *testing.T) {
		want := map[apiEndpoint]string{}
		for _, r := range tableRoutes() {
			want[apiEndpoint{r.Method, r.Path}] = r.Name
		}
		for _, p := range plainEndpoints {
			want[apiEndpoint{p.Method, p.Path}] = p.Name
		}
		got := map[apiEndpoint]string{}
		for e, op := range ops {
			got[e] = op.OperationID
		}
		for _, msg := range diffOperationIDs(want, got) {
			t.Error(msg)
		}
	})

	t.Run("security", func(t *testing.T) {
		if !slices.ContainsFunc(doc.Security, func(s map[string][]string) bool { _, ok := s["bearerAuth"]; return ok }) {
			t.Error("docs/openapi.yaml: the global security must require bearerAuth (R-SRV-2)")
		}
		for _, p := range plainEndpoints {
			op := ops[apiEndpoint{p.Method, p.Path}]
			if op != nil && (op.Security == nil || len(*op.Security) != 0) {
				t.Errorf("%s %s needs no credential: give it security: []", p.Method, p.Path)
			}
		}
		for _, r := range routes {
			op := ops[apiEndpoint{r.Method, r.Path}]
			if op != nil && op.Security != nil && len(*op.Security) == 0 {
				t.Errorf("%s %s requires a bearer credential, but docs/openapi.yaml says security: []", r.Method, r.Path)
			}
		}
		// R-SRV-10: the OAuth2 routes authenticate their callers
		// themselves: the token endpoint a client (HTTP Basic or the
		// form), introspection a bearer or a client; metadata nobody.
		for _, r := range oauthRoutes {
			op := ops[apiEndpoint{r.Method, r.Path}]
			if op == nil {
				continue
			}
			var schemes []string
			if op.Security != nil {
				for _, req := range *op.Security {
					if len(req) == 0 {
						schemes = append(schemes, "none")
					}
					for k := range req {
						schemes = append(schemes, k)
					}
				}
			}
			slices.Sort(schemes)
			want := map[string][]string{
				oauthTokenPath:      {"clientBasic", "none"},
				oauthIntrospectPath: {"bearerAuth", "clientBasic", "none"},
				oauthMetadataPath:   nil,
			}[r.Path]
			if !slices.Equal(schemes, want) || op.Security == nil {
				t.Errorf("%s %s: security %v, want %v (given explicitly)", r.Method, r.Path, schemes, want)
			}
		}
	})

	t.Run("parameters", func(t *testing.T) {
		wildcard := regexp.MustCompile(`\{([^{}]+)\}`)
		for path, item := range doc.Paths {
			for m, op := range item.operations() {
				declared := map[string]bool{}
				for _, p := range append(slices.Clone(item.Parameters), op.Parameters...) {
					if name, ok := strings.CutPrefix(p.Ref, "#/components/parameters/"); ok {
						p = doc.Components.Parameters[name]
					}
					if p.In == "path" {
						declared[p.Name] = true
					}
				}
				for _, w := range wildcard.FindAllStringSubmatch(path, -1) {
					if !declared[w[1]] {
						t.Errorf("%s %s: path parameter {%s} is not declared", m, path, w[1])
					}
					delete(declared, w[1])
				}
				for name := range declared {
					t.Errorf("%s %s: declares path parameter %q that the path does not have", m, path, name)
				}
				if len(op.Responses) == 0 {
					t.Errorf("%s %s: no responses", m, path)
				}
			}
		}
	})

	// R-SRV-4: an operation documents a request body exactly when its route
	// reads one, in the media types it takes, with the 413 and 415 answers.
	t.Run("request bodies", func(t *testing.T) {
		for _, r := range tableRoutes() {
			op := ops[apiEndpoint{r.Method, r.Path}]
			if op == nil {
				continue
			}
			var want []string
			switch r.Body {
			case jsonBody:
				want = []string{mediaJSON}
			case jsonOrFormBody:
				want = []string{mediaJSON, mediaForm}
			case formBody:
				want = []string{mediaForm}
			}
			var got []string
			if op.RequestBody != nil {
				for mt := range op.RequestBody.Content {
					got = append(got, mt)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("%s %s: docs/openapi.yaml's requestBody takes %q, the route %q", r.Method, r.Path, got, want)
			}
			for _, code := range []string{"413", "415"} {
				if _, ok := op.Responses[code]; ok != (r.Body != noBody) {
					t.Errorf("%s %s: docs/openapi.yaml lists a %s answer: %v, but the route reads a body: %v",
						r.Method, r.Path, code, ok, r.Body != noBody)
				}
			}
		}
	})

	t.Run("refs", func(t *testing.T) {
		for _, ref := range collectRefs(raw) {
			if !refResolves(raw, ref) {
				t.Errorf("docs/openapi.yaml: $ref %q does not resolve", ref)
			}
		}
	})
}

// TestOpenAPIDiff pins the comparison itself, so that TestOpenAPI cannot
// pass by comparing nothing.
func TestOpenAPIDiff(t *testing.T) {
	a := apiEndpoint{"GET", "/api/v1/things"}
	b := apiEndpoint{"POST", "/api/v1/things"}
	c := apiEndpoint{"DELETE", "/api/v1/things/{thing}"}
	for _, tc := range []struct {
		name             string
		served, document []apiEndpoint
		want             []string
	}{
		{"same", []apiEndpoint{a, b}, []apiEndpoint{b, a}, nil},
		{"route not documented", []apiEndpoint{a, b, c}, []apiEndpoint{a, b},
			[]string{"DELETE /api/v1/things/{thing} is served (routes.go or the plain endpoints) but missing from docs/openapi.yaml"}},
		{"documented route not served", []apiEndpoint{a}, []apiEndpoint{a, c},
			[]string{"DELETE /api/v1/things/{thing} is in docs/openapi.yaml but not served: missing from routes.go"}},
		{"method differs", []apiEndpoint{a}, []apiEndpoint{{"PUT", a.Path}},
			[]string{
				"GET /api/v1/things is served (routes.go or the plain endpoints) but missing from docs/openapi.yaml",
				"PUT /api/v1/things is in docs/openapi.yaml but not served: missing from routes.go",
			}},
		{"path parameter renamed", []apiEndpoint{c}, []apiEndpoint{{c.Method, "/api/v1/things/{id}"}},
			[]string{
				"DELETE /api/v1/things/{thing} is served (routes.go or the plain endpoints) but missing from docs/openapi.yaml",
				"DELETE /api/v1/things/{id} is in docs/openapi.yaml but not served: missing from routes.go",
			}},
		{"both empty", nil, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := diffEndpoints(tc.served, tc.document); !slices.Equal(got, tc.want) {
				t.Errorf("diffEndpoints:\n got %q\nwant %q", got, tc.want)
			}
		})
	}

	// A route added to the real table but not to the real file is reported,
	// by name, as missing from the file, and nothing else is.
	t.Run("new route in the real table", func(t *testing.T) {
		doc, _ := loadOpenAPI(t)
		var documented []apiEndpoint
		for e := range specOperations(doc) {
			documented = append(documented, e)
		}
		added := apiEndpoint{"POST", "/api/v1/service-accounts/{account}/transfer"}
		got := diffEndpoints(append(servedEndpoints(), added), documented)
		want := []string{added.String() + " is served (routes.go or the plain endpoints) but missing from docs/openapi.yaml"}
		if !slices.Equal(got, want) {
			t.Errorf("got %q\nwant %q", got, want)
		}
		// And a route dropped from the table leaves its description behind.
		served := servedEndpoints()
		dropped := served[0]
		got = diffEndpoints(served[1:], documented)
		want = []string{dropped.String() + " is in docs/openapi.yaml but not served: missing from routes.go"}
		if !slices.Equal(got, want) {
			t.Errorf("got %q\nwant %q", got, want)
		}
	})

	t.Run("operationIds", func(t *testing.T) {
		want := map[apiEndpoint]string{a: "list_things", b: "create_thing"}
		if got := diffOperationIDs(want, map[apiEndpoint]string{a: "list_things", b: "create_thing"}); got != nil {
			t.Errorf("matching ids: got %q", got)
		}
		got := diffOperationIDs(want, map[apiEndpoint]string{a: "list_things", b: "list_things", c: ""})
		wantMsgs := []string{
			`POST /api/v1/things: docs/openapi.yaml has operationId "list_things", routes.go names it "create_thing"`,
			"docs/openapi.yaml: no operationId for DELETE /api/v1/things/{thing}",
			`docs/openapi.yaml: operationId "list_things" is used by GET /api/v1/things and POST /api/v1/things`,
		}
		if !slices.Equal(got, wantMsgs) {
			t.Errorf("got %q\nwant %q", got, wantMsgs)
		}
	})
}

// collectRefs returns every "$ref" value in a decoded YAML tree.
func collectRefs(v any) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && k == "$ref" {
				out = append(out, s)
				continue
			}
			out = append(out, collectRefs(x)...)
		}
	case []any:
		for _, x := range v {
			out = append(out, collectRefs(x)...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// refResolves reports whether a local reference ("#/components/schemas/Key")
// names something in the document.
func refResolves(root map[string]any, ref string) bool {
	p, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return false
	}
	var cur any = root
	for _, part := range strings.Split(p, "/") {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		if cur, ok = m[part]; !ok {
			return false
		}
	}
	return true
}
