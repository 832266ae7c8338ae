package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// root is the repository, from this package.
const root = "../.."

// docFiles are the Markdown files a reader of a fresh clone reads: the
// README, SECURITY.md and everything under docs/.
func docFiles(t *testing.T) []string {
	t.Helper()
	files := []string{filepath.Join(root, "README.md"), filepath.Join(root, "SECURITY.md")}
	err := filepath.WalkDir(filepath.Join(root, "docs"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".md") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

var linkRE = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// The README and the docs link only to files inside the repository, and
// every such file exists: a fresh clone has no ../shared and may have no
// network.
func TestDocsLinkInsideTheRepository(t *testing.T) {
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range docFiles(t) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range linkRE.FindAllStringSubmatch(string(b), -1) {
			target := m[1]
			if strings.HasPrefix(target, "#") {
				continue
			}
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				t.Errorf("%s links outside the repository: %s", f, target)
				continue
			}
			path, _, _ := strings.Cut(target, "#")
			full, err := filepath.Abs(filepath.Join(filepath.Dir(f), path))
			if err != nil {
				t.Fatal(err)
			}
			if rel, err := filepath.Rel(abs, full); err != nil || strings.HasPrefix(rel, "..") {
				t.Errorf("%s links outside the repository: %s", f, target)
				continue
			}
			if _, err := os.Stat(full); err != nil {
				t.Errorf("%s links to %s, which does not exist", f, target)
			}
		}
	}
}

var ruleRE = regexp.MustCompile(`\bR-[A-Z]+-[0-9]+\b`)

// Every rule id the code, the tests or the stories cite is explained in
// docs/rules.md, so a reader of a fresh clone can look it up.
func TestEveryCitedRuleIsInRulesMd(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "docs", "rules.md"))
	if err != nil {
		t.Fatal(err)
	}
	rules := string(b)
	cited := map[string]string{}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !(strings.HasSuffix(p, ".go") || strings.HasSuffix(p, ".txtar")) {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, id := range ruleRE.FindAllString(string(src), -1) {
			if _, ok := cited[id]; !ok {
				cited[id] = p
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for id, where := range cited {
		if !strings.Contains(rules, "**"+id+"**") {
			missing = append(missing, id+" (cited in "+where+")")
		}
	}
	sort.Strings(missing)
	if len(cited) == 0 || len(missing) > 0 {
		t.Errorf("%d rule ids cited, missing from docs/rules.md: %s", len(cited), strings.Join(missing, ", "))
	}
}
