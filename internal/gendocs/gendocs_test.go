package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/sactl/sactl/internal/gendocs/gen"
)

// repoRoot is where "make generate" writes, seen from this package's directory.
const repoRoot = "../.."

// TestGeneratedFilesUpToDate fails when docs/cli, docs/man or completions/
// differ from what the command tree generates (R-CLI-6).
func TestGeneratedFilesUpToDate(t *testing.T) {
	fresh := t.TempDir()
	if err := gen.GenerateFrom(repoRoot, fresh); err != nil {
		t.Fatalf("generate: %v", err)
	}
	for _, dir := range gen.OutputDirs {
		if msg := compareDirs(filepath.Join(repoRoot, dir), filepath.Join(fresh, dir), dir); msg != "" {
			t.Fatalf("%s is stale: %s; run: make generate", dir, msg)
		}
	}
}

// compareDirs describes the first difference between the checked-in
// directory and the freshly generated one, in file-name order, or returns "".
func compareDirs(checkedIn, generated, rel string) string {
	have, err := fileNames(checkedIn)
	if err != nil {
		return err.Error()
	}
	want, err := fileNames(generated)
	if err != nil {
		return err.Error()
	}
	names := append(slices.Clone(have), want...)
	slices.Sort(names)
	for _, name := range slices.Compact(names) {
		path := filepath.ToSlash(filepath.Join(rel, name))
		switch {
		case !slices.Contains(have, name):
			return fmt.Sprintf("%s is missing", path)
		case !slices.Contains(want, name):
			return fmt.Sprintf("%s is no longer generated", path)
		}
		a, errA := os.ReadFile(filepath.Join(checkedIn, name))
		b, errB := os.ReadFile(filepath.Join(generated, name))
		if errA != nil || errB != nil {
			return fmt.Sprintf("%s: %v %v", path, errA, errB)
		}
		if !bytes.Equal(a, b) {
			return fmt.Sprintf("%s differs at line %d", path, firstDifferentLine(a, b))
		}
	}
	return ""
}

func fileNames(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

func firstDifferentLine(a, b []byte) int {
	la, lb := bytes.Split(a, []byte("\n")), bytes.Split(b, []byte("\n"))
	for i := range min(len(la), len(lb)) {
		if !bytes.Equal(la[i], lb[i]) {
			return i + 1
		}
	}
	return min(len(la), len(lb)) + 1
}

// TestGenerateRemovesStaleFiles: a removed command's page disappears, files
// gendocs does not own stay.
func TestGenerateRemovesStaleFiles(t *testing.T) {
	root := t.TempDir()
	stale := []string{
		filepath.Join(gen.MarkdownDir, "sactl_removed.md"),
		filepath.Join(gen.ManDir, "sactl-removed.1"),
		filepath.Join(gen.CompletionsDir, "sactl.elvish"),
	}
	kept := filepath.Join(gen.CompletionsDir, "README")
	for _, p := range append(stale, kept) {
		if err := os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, p), []byte("old\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := gen.GenerateFrom(repoRoot, root); err != nil {
		t.Fatal(err)
	}
	for _, p := range stale {
		if _, err := os.Stat(filepath.Join(root, p)); !os.IsNotExist(err) {
			t.Errorf("%s survived regeneration (err %v)", p, err)
		}
	}
	if _, err := os.Stat(filepath.Join(root, kept)); err != nil {
		t.Errorf("%s, not a generated file, was removed: %v", kept, err)
	}
	for _, p := range []string{"docs/cli/sactl.md", "docs/man/sactl.1", "completions/sactl.bash"} {
		if _, err := os.Stat(filepath.Join(root, p)); err != nil {
			t.Errorf("%s not generated: %v", p, err)
		}
	}
}

// TestGenerateIgnoresEnvironment: the output depends on the command tree
// only, not on the clock, SOURCE_DATE_EPOCH or sactl's environment.
func TestGenerateIgnoresEnvironment(t *testing.T) {
	a := t.TempDir()
	if err := gen.GenerateFrom(repoRoot, a); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOURCE_DATE_EPOCH", "315532800")
	t.Setenv("SACTL_DB", "/elsewhere/sactl.db")
	t.Setenv("SACTL_BUSINESS", "acme")
	t.Setenv("XDG_DATA_HOME", "/elsewhere")
	t.Setenv("HOME", "/elsewhere")
	b := t.TempDir()
	if err := gen.GenerateFrom(repoRoot, b); err != nil {
		t.Fatal(err)
	}
	for _, dir := range gen.OutputDirs {
		if msg := compareDirs(filepath.Join(a, dir), filepath.Join(b, dir), dir); msg != "" {
			t.Errorf("output depends on the environment: %s", msg)
		}
	}
}
