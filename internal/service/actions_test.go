package service_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/sactl/sactl/internal/domain"
)

// TestAuditActionsListed: domain.AuditActions, which completion offers for
// --action (R-CLI-6), is exactly the set of actions the service writes
// (R-AUD-1): every "entity.verb" literal in this package's code.
func TestAuditActionsListed(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	literal := regexp.MustCompile(`"([a-z]+(?:_[a-z]+)*\.[a-z]+(?:_[a-z]+)*)"`)
	written := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllStringSubmatch(string(src), -1) {
			written[m[1]] = true
		}
	}
	if len(written) < 10 {
		t.Fatalf("found only %d actions in the service's code: is the pattern right?", len(written))
	}
	if !slices.IsSorted(domain.AuditActions) {
		t.Errorf("domain.AuditActions is not sorted")
	}
	for a := range written {
		if !slices.Contains(domain.AuditActions, a) {
			t.Errorf("the service writes %q, which domain.AuditActions lacks", a)
		}
	}
	for _, a := range domain.AuditActions {
		if !written[a] {
			t.Errorf("domain.AuditActions lists %q, which the service never writes", a)
		}
	}
}
