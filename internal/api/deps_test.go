package api_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencyDirection pins the seams of STYLE.md and R-DB-4: the
// service knows no database driver, the client knows only the contract,
// and neither the commands nor the server reach a store but through the
// service.
func TestDependencyDirection(t *testing.T) {
	goList := func(args ...string) []string {
		t.Helper()
		out, err := exec.Command("go", append([]string{"list"}, args...)...).Output()
		if err != nil {
			t.Fatalf("go list %v: %v", args, err)
		}
		return strings.Fields(string(out))
	}
	const mod = "github.com/sactl/sactl/"
	for _, dep := range goList("-deps", mod+"internal/service") {
		if strings.Contains(dep, "sqlite") || strings.Contains(dep, "jackc/pgx") || dep == mod+"internal/store/dsn" {
			t.Errorf("internal/service depends on %s: it must know only the store interface", dep)
		}
	}
	for _, dep := range goList("-deps", mod+"internal/client") {
		if strings.HasPrefix(dep, mod) && dep != mod+"internal/client" && dep != mod+"internal/api" &&
			dep != mod+"internal/domain" && dep != mod+"internal/keys" {
			t.Errorf("internal/client depends on %s: it must know only the contract (internal/api) and domain types", dep)
		}
	}
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}}:{{range .Imports}} {{.}}{{end}}", mod+"cmd/...", mod+"internal/server").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, ":")
		for _, imp := range strings.Fields(imports) {
			if strings.HasPrefix(imp, mod+"internal/store") {
				t.Errorf("%s imports %s: the commands and the server reach storage only through the service", pkg, imp)
			}
		}
	}
}
