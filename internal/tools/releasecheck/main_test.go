package main

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The narrowed copy of the real .goreleaser.yaml builds the host's target
// only, into the given dist, and keeps everything else as written.
func TestNarrowRealConfig(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "..", ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := narrow(src, "linux", "arm64", "/tmp/somewhere/dist")
	if err != nil {
		t.Fatal(err)
	}
	var orig, got map[string]any
	if err := yaml.Unmarshal(src, &orig); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if got["dist"] != "/tmp/somewhere/dist" {
		t.Errorf("dist = %v", got["dist"])
	}
	builds := got["builds"].([]any)
	for i, b := range builds {
		m := b.(map[string]any)
		if g := m["goos"].([]any); len(g) != 1 || g[0] != "linux" {
			t.Errorf("builds[%d].goos = %v", i, g)
		}
		if g := m["goarch"].([]any); len(g) != 1 || g[0] != "arm64" {
			t.Errorf("builds[%d].goarch = %v", i, g)
		}
		om := orig["builds"].([]any)[i].(map[string]any)
		for k := range om {
			if k != "goos" && k != "goarch" && !equalYAML(t, om[k], m[k]) {
				t.Errorf("builds[%d].%s changed: %v -> %v", i, k, om[k], m[k])
			}
		}
	}
	for k := range orig {
		if k != "builds" && !equalYAML(t, orig[k], got[k]) {
			t.Errorf("%s changed: %v -> %v", k, orig[k], got[k])
		}
	}
}

func equalYAML(t *testing.T, a, b any) bool {
	t.Helper()
	x, err := yaml.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	y, err := yaml.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(x) == string(y)
}

// A configuration the narrowing cannot honestly shrink is refused rather
// than checked for another target or all of them.
func TestNarrowRefuses(t *testing.T) {
	for name, tc := range map[string]struct{ src, want string }{
		"host not built": {"builds:\n  - goos: [linux]\n    goarch: [amd64]\n", "does not build goarch arm64"},
		"no goos":        {"builds:\n  - goarch: [arm64]\n", "has no goos list"},
		"targets":        {"builds:\n  - goos: [linux]\n    goarch: [arm64]\n    targets: [linux_arm64]\n", "sets targets"},
		"no builds":      {"project_name: x\n", "no builds"},
		"not a mapping":  {"- a\n", "not a YAML mapping"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := narrow([]byte(tc.src), "linux", "arm64", "/d")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("narrow: %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestCheckVersion(t *testing.T) {
	const commit, date = "0123456789abcdef0123456789abcdef01234567", "2026-12-01T21:45:00Z"
	ok := "sactl v0.0.1-dev+0123456 (commit " + commit + ", built " + date + ")"
	if err := checkVersion(ok, "0.0.1-dev+0123456", commit, date); err != nil {
		t.Errorf("checkVersion(%q): %v", ok, err)
	}
	for _, got := range []string{
		"sactl dev (commit unknown, built unknown)",                          // nothing injected
		"sactl v0.0.1-dev+0123456 (commit " + commit + ", built unknown)",    // no date
		"sactl v0.0.2 (commit " + commit + ", built " + date + ")",           // another version
		"sactl v0.0.1-dev+0123456 (commit deadbeef, built " + date + ")",     // another commit
		"sactl v0.0.1-dev+0123456 (commit " + commit + ", built 2026-12-02)", // another date
	} {
		if err := checkVersion(got, "0.0.1-dev+0123456", commit, date); err == nil {
			t.Errorf("checkVersion(%q) passed", got)
		}
	}
	if err := checkVersion("sactl vdev (commit "+commit+", built "+date+")", "dev", commit, date); err == nil {
		t.Error("version dev passed")
	}
}

// An archive missing a man page or a completion fails the check, by name;
// tar.gz and zip are read alike.
func TestArchiveEntries(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{"completions/sactl.bash", "completions/sactl.zsh", "completions/sactl.fish", "completions/sactl.ps1",
		"docs/man/sactl.1", "docs/man/sactl-sa.1", "README.md", "LICENSE", "SECURITY.md"} {
		writeFile(t, filepath.Join(root, f), "x")
	}
	want, err := wantInArchive(root, "sactl")
	if err != nil {
		t.Fatal(err)
	}
	full := []string{"sactl", "README.md", "LICENSE", "SECURITY.md", "completions/sactl.bash", "completions/sactl.zsh",
		"completions/sactl.fish", "completions/sactl.ps1", "man/man1/sactl.1", "man/man1/sactl-sa.1"}
	for _, kind := range []string{"tar.gz", "zip"} {
		name := filepath.Join(t.TempDir(), "a."+kind)
		writeArchive(t, name, full)
		entries, err := listArchive(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := checkEntries(entries, want); err != nil {
			t.Errorf("%s: %v", kind, err)
		}
		short := filepath.Join(t.TempDir(), "b."+kind)
		writeArchive(t, short, full[:len(full)-1])
		entries, err = listArchive(short)
		if err != nil {
			t.Fatal(err)
		}
		if err := checkEntries(entries, want); err == nil || !strings.Contains(err.Error(), "man/man1/sactl-sa.1") {
			t.Errorf("%s without a man page: %v", kind, err)
		}
	}
	os.Remove(filepath.Join(root, "completions", "sactl.fish"))
	if _, err := wantInArchive(root, "sactl"); err == nil || !strings.Contains(err.Error(), "fish") {
		t.Errorf("no fish completion: %v", err)
	}
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeArchive(t *testing.T, name string, files []string) {
	t.Helper()
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if strings.HasSuffix(name, ".zip") {
		z := zip.NewWriter(f)
		for _, n := range files {
			w, err := z.Create(n)
			if err != nil {
				t.Fatal(err)
			}
			w.Write([]byte("x"))
		}
		if err := z.Close(); err != nil {
			t.Fatal(err)
		}
		return
	}
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	for _, n := range files {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: 1, Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte("x"))
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
}
