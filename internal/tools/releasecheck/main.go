// Command releasecheck is "make release-check": it proves that
// .goreleaser.yaml builds what a release would ship, without a tag and
// without publishing (issue 14, R-CLI-6, R-CLI-7).
//
//  1. goreleaser check on the configuration as it is;
//  2. goreleaser release --snapshot on a copy narrowed to the host's
//     target (goreleaser release has no --single-target), with dist in a
//     temporary directory, so the repository gets no dist/;
//  3. the binary's --version shows the injected version, the commit it was
//     built from and that commit's date, never "dev" or "unknown";
//  4. the archive holds the binary (the one built), README.md, LICENSE,
//     SECURITY.md, every file of completions/ and every man page of
//     docs/man, and the checksums file agrees with the archive;
//  5. git status is the same before and after.
//
// It runs goreleaser as the Go tool pinned in internal/tools/go.mod, from
// the repository root:
//
//	cd internal/tools && go run ./releasecheck -root ../..
package main

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

func main() {
	root := flag.String("root", ".", "repository root (holding .goreleaser.yaml)")
	keep := flag.Bool("keep", false, "keep the temporary directory (dist, narrowed configuration) and print its path")
	flag.Parse()
	if err := run(*root, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "release-check:", err)
		os.Exit(1)
	}
}

func run(root string, keep bool) (err error) {
	start := time.Now()
	root, err = filepath.Abs(root)
	if err != nil {
		return err
	}
	config := filepath.Join(root, ".goreleaser.yaml")
	src, err := os.ReadFile(config)
	if err != nil {
		return err
	}
	statusBefore, err := gitOut(root, "status", "--porcelain", "--untracked-files=all")
	if err != nil {
		return err
	}
	_, distErr := os.Stat(filepath.Join(root, "dist"))
	hadDist := distErr == nil

	tmp, err := os.MkdirTemp("", "sactl-release-check-")
	if err != nil {
		return err
	}
	if keep {
		defer fmt.Println("release-check: kept", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	dist := filepath.Join(tmp, "dist")
	narrowed, err := narrow(src, runtime.GOOS, runtime.GOARCH, dist)
	if err != nil {
		return fmt.Errorf(".goreleaser.yaml: %w", err)
	}
	narrowedPath := filepath.Join(tmp, "goreleaser.yaml")
	if err := os.WriteFile(narrowedPath, narrowed, 0o644); err != nil {
		return err
	}

	env, err := remoteEnv(root)
	if err != nil {
		return err
	}
	if err := goreleaser(root, env, "check", "--config", config); err != nil {
		return err
	}
	if err := goreleaser(root, env, "release", "--snapshot", "--clean", "--config", narrowedPath); err != nil {
		return err
	}

	meta, arts, err := readDist(dist)
	if err != nil {
		return err
	}
	head, err := gitOut(root, "rev-parse", "HEAD")
	if err != nil {
		return err
	}
	ct, err := gitOut(root, "log", "-1", "--format=%ct")
	if err != nil {
		return err
	}
	secs, err := strconv.ParseInt(strings.TrimSpace(ct), 10, 64)
	if err != nil {
		return fmt.Errorf("git log: commit time %q: %v", ct, err)
	}
	commit := strings.TrimSpace(head)
	date := time.Unix(secs, 0).UTC().Format(time.RFC3339)

	bin, archive, checksums, err := pick(arts, runtime.GOOS, runtime.GOARCH)
	if err != nil {
		return err
	}
	// goreleaser's paths are relative to where it ran, the root, unless
	// dist is absolute (as here).
	for _, a := range []*artifact{&bin, &archive, &checksums} {
		if !filepath.IsAbs(a.Path) {
			a.Path = filepath.Join(root, a.Path)
		}
	}
	binPath := bin.Path
	out, err := exec.Command(binPath, "--version").CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s --version: %v\n%s", bin.Path, err, out)
	}
	got := strings.TrimSpace(string(out))
	if err := checkVersion(got, meta.Version, commit, date); err != nil {
		return err
	}
	fmt.Printf("release-check: %s --version: %s\n", bin.Name, got)

	want, err := wantInArchive(root, bin.Name)
	if err != nil {
		return err
	}
	entries, err := listArchive(archive.Path)
	if err != nil {
		return err
	}
	if err := checkEntries(entries, want); err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(archive.Path), err)
	}
	if err := sameBinary(archive.Path, bin.Name, binPath); err != nil {
		return err
	}
	if err := checkChecksum(checksums.Path, archive.Path); err != nil {
		return err
	}
	fmt.Printf("release-check: %s holds %s\n", filepath.Base(archive.Path), summary(entries))

	statusAfter, err := gitOut(root, "status", "--porcelain", "--untracked-files=all")
	if err != nil {
		return err
	}
	if statusAfter != statusBefore {
		return fmt.Errorf("the release dirtied the work tree; git status before:\n%s\nafter:\n%s", statusBefore, statusAfter)
	}
	if _, err := os.Stat(filepath.Join(root, "dist")); err == nil && !hadDist {
		return errors.New("the release wrote dist/ into the repository")
	}
	fmt.Printf("release-check: ok in %s\n", time.Since(start).Round(time.Second))
	return nil
}

// narrow returns the goreleaser configuration src with every build limited
// to goos/goarch and dist set to dist, the rest left as written. It fails
// when a build would not build that target at all: the check would then
// prove nothing about the release.
func narrow(src []byte, goos, goarch, dist string) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("not a YAML mapping")
	}
	top := doc.Content[0]
	builds := mapValue(top, "builds")
	if builds == nil || builds.Kind != yaml.SequenceNode || len(builds.Content) == 0 {
		return nil, errors.New("no builds")
	}
	for i, b := range builds.Content {
		if b.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("builds[%d] is not a mapping", i)
		}
		for _, key := range []string{"targets", "ignore", "goarm", "goamd64", "goarm64"} {
			if mapValue(b, key) != nil {
				return nil, fmt.Errorf("builds[%d] sets %s, which release-check does not narrow", i, key)
			}
		}
		for _, kv := range [][2]string{{"goos", goos}, {"goarch", goarch}} {
			list := mapValue(b, kv[0])
			if list == nil || list.Kind != yaml.SequenceNode {
				return nil, fmt.Errorf("builds[%d] has no %s list", i, kv[0])
			}
			found := false
			for _, v := range list.Content {
				found = found || v.Value == kv[1]
			}
			if !found {
				return nil, fmt.Errorf("builds[%d] does not build %s %s, the host's", i, kv[0], kv[1])
			}
			list.Content = []*yaml.Node{{Kind: yaml.ScalarNode, Tag: "!!str", Value: kv[1]}}
		}
	}
	setMapValue(top, "dist", dist)
	return yaml.Marshal(&doc)
}

func mapValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func setMapValue(m *yaml.Node, key, value string) {
	v := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: value}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = v
			return
		}
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
}

// homeURL is the repository's home, as .goreleaser.yaml's release section
// names it.
const homeURL = "https://github.com/sactl/sactl.git"

// remoteEnv answers the environment goreleaser runs in. Without a git
// remote (a repository made with git init, a worktree of one) goreleaser's
// git step fails and, in a snapshot, stamps the commit "none" and the date
// 0001-01-01 into the binary; a remote named for the run alone, through
// git's GIT_CONFIG_* variables, gives it the real commit without changing
// the repository's configuration. A clone keeps its own remote.
func remoteEnv(root string) ([]string, error) {
	// goreleaser is pure Go; built the same way whether or not a C
	// compiler is here, it is built once for Go's cache.
	env := append(os.Environ(), "CGO_ENABLED=0")
	if fi, err := os.Stdout.Stat(); err == nil && fi.Mode()&os.ModeCharDevice == 0 {
		env = append(env, "NO_COLOR=1") // a log (CI) gets no escape codes
	}
	remotes, err := gitOut(root, "remote")
	if err != nil || strings.TrimSpace(remotes) != "" {
		return env, err
	}
	n := 0
	if c := os.Getenv("GIT_CONFIG_COUNT"); c != "" {
		if n, err = strconv.Atoi(c); err != nil || n < 0 {
			return nil, fmt.Errorf("GIT_CONFIG_COUNT=%q is not a count", c)
		}
	}
	return append(env,
		fmt.Sprintf("GIT_CONFIG_COUNT=%d", n+1),
		fmt.Sprintf("GIT_CONFIG_KEY_%d=remote.origin.url", n),
		fmt.Sprintf("GIT_CONFIG_VALUE_%d=%s", n, homeURL)), nil
}

// goreleaser runs the pinned goreleaser from the repository root.
func goreleaser(root string, env []string, args ...string) error {
	goArgs := append([]string{"tool", "-modfile=" + filepath.Join(root, "internal", "tools", "go.mod"), "goreleaser"}, args...)
	cmd := exec.Command(goCommand(), goArgs...)
	cmd.Dir = root
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("goreleaser %s: %v", strings.Join(args, " "), err)
	}
	return nil
}

func goCommand() string {
	if g := os.Getenv("GO"); g != "" {
		return g
	}
	return "go"
}

func gitOut(root string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}

type metadata struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
}

type artifact struct {
	Name   string `json:"name"`
	Path   string `json:"path"`
	Goos   string `json:"goos"`
	Goarch string `json:"goarch"`
	Type   string `json:"type"`
}

func readDist(dist string) (metadata, []artifact, error) {
	var meta metadata
	var arts []artifact
	b, err := os.ReadFile(filepath.Join(dist, "metadata.json"))
	if err != nil {
		return meta, nil, err
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		return meta, nil, fmt.Errorf("metadata.json: %v", err)
	}
	b, err = os.ReadFile(filepath.Join(dist, "artifacts.json"))
	if err != nil {
		return meta, nil, err
	}
	if err := json.Unmarshal(b, &arts); err != nil {
		return meta, nil, fmt.Errorf("artifacts.json: %v", err)
	}
	return meta, arts, nil
}

// pick finds the one binary, archive and checksums file of the host's
// target among goreleaser's artifacts.
func pick(arts []artifact, goos, goarch string) (bin, archive, checksums artifact, err error) {
	var bins, archives, sums []artifact
	for _, a := range arts {
		switch a.Type {
		case "Binary":
			if a.Goos == goos && a.Goarch == goarch {
				bins = append(bins, a)
			}
		case "Archive":
			if a.Goos == goos && a.Goarch == goarch {
				archives = append(archives, a)
			}
		case "Checksum":
			sums = append(sums, a)
		}
	}
	if len(bins) != 1 || len(archives) != 1 || len(sums) != 1 {
		return bin, archive, checksums, fmt.Errorf("artifacts.json: want one binary, one archive and one checksums file for %s/%s, got %d, %d and %d",
			goos, goarch, len(bins), len(archives), len(sums))
	}
	return bins[0], archives[0], sums[0], nil
}

// checkVersion holds sactl --version to what the build injected (R-CLI-7):
// "sactl v<version> (commit <full hash>, built <commit date>)".
func checkVersion(got, version, commit, date string) error {
	if version == "" || version == "dev" || commit == "" || date == "" || strings.Contains(got, "unknown") {
		return fmt.Errorf("--version printed %q: no version, commit or date injected", got)
	}
	want := fmt.Sprintf("sactl v%s (commit %s, built %s)", version, commit, date)
	if got != want {
		return fmt.Errorf("--version printed %q, want %q", got, want)
	}
	return nil
}

// wantInArchive lists what a release archive must hold: the binary, the
// top-level documents, every completion script and every man page.
func wantInArchive(root, binary string) ([]string, error) {
	want := []string{binary, "README.md", "LICENSE", "SECURITY.md"}
	completions, err := filepath.Glob(filepath.Join(root, "completions", "*"))
	if err != nil {
		return nil, err
	}
	for _, shell := range []string{"bash", "zsh", "fish"} {
		if _, err := os.Stat(filepath.Join(root, "completions", "sactl."+shell)); err != nil {
			return nil, fmt.Errorf("no %s completion in completions/ (run: make generate)", shell)
		}
	}
	for _, c := range completions {
		want = append(want, "completions/"+filepath.Base(c))
	}
	pages, err := filepath.Glob(filepath.Join(root, "docs", "man", "*.1"))
	if err != nil {
		return nil, err
	}
	if len(pages) == 0 {
		return nil, errors.New("no man pages in docs/man (run: make generate)")
	}
	for _, p := range pages {
		want = append(want, "man/man1/"+filepath.Base(p))
	}
	return want, nil
}

// summary describes an archive's files in a line: the top-level ones by
// name, the others counted by directory.
func summary(entries map[string]bool) string {
	var top []string
	dirs := map[string]int{}
	for name := range entries {
		if dir, _ := path.Split(name); dir != "" {
			dirs[dir]++
		} else {
			top = append(top, name)
		}
	}
	sort.Strings(top)
	parts := top
	for dir, n := range dirs {
		parts = append(parts, fmt.Sprintf("%s (%d files)", dir, n))
	}
	sort.Strings(parts[len(top):])
	return strings.Join(parts, ", ")
}

func checkEntries(entries map[string]bool, want []string) error {
	var missing []string
	for _, w := range want {
		if !entries[w] {
			missing = append(missing, w)
		}
	}
	if len(missing) > 5 {
		missing = append(missing[:5], fmt.Sprintf("and %d more", len(missing)-5))
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing from the archive: %s", strings.Join(missing, ", "))
	}
	return nil
}

// listArchive answers the regular files of a .tar.gz or .zip archive.
func listArchive(name string) (map[string]bool, error) {
	entries := map[string]bool{}
	err := walkArchive(name, func(entry string, _ io.Reader) error {
		entries[entry] = true
		return nil
	})
	return entries, err
}

func walkArchive(name string, fn func(entry string, r io.Reader) error) error {
	switch {
	case strings.HasSuffix(name, ".zip"):
		z, err := zip.OpenReader(name)
		if err != nil {
			return err
		}
		defer z.Close()
		for _, f := range z.File {
			if f.FileInfo().IsDir() {
				continue
			}
			r, err := f.Open()
			if err != nil {
				return err
			}
			err = fn(path.Clean(f.Name), r)
			r.Close()
			if err != nil {
				return err
			}
		}
		return nil
	case strings.HasSuffix(name, ".tar.gz"):
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		gz, err := gzip.NewReader(bufio.NewReader(f))
		if err != nil {
			return fmt.Errorf("%s: %v", name, err)
		}
		tr := tar.NewReader(gz)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("%s: %v", name, err)
			}
			if h.Typeflag != tar.TypeReg {
				continue
			}
			if err := fn(path.Clean(h.Name), tr); err != nil {
				return err
			}
		}
	}
	return fmt.Errorf("%s: neither .tar.gz nor .zip", name)
}

// sameBinary checks that the archive ships the binary whose --version was
// checked.
func sameBinary(archive, entry, binPath string) error {
	want, err := fileSum(binPath)
	if err != nil {
		return err
	}
	var got string
	err = walkArchive(archive, func(name string, r io.Reader) error {
		if name == entry {
			h := sha256.New()
			if _, err := io.Copy(h, r); err != nil {
				return err
			}
			got = hex.EncodeToString(h.Sum(nil))
		}
		return nil
	})
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("%s: its %s is not the binary built (sha256 %s, want %s)", filepath.Base(archive), entry, got, want)
	}
	return nil
}

func checkChecksum(sums, archive string) error {
	b, err := os.ReadFile(sums)
	if err != nil {
		return err
	}
	want, err := fileSum(archive)
	if err != nil {
		return err
	}
	line := want + "  " + filepath.Base(archive)
	for _, l := range strings.Split(string(b), "\n") {
		if l == line {
			return nil
		}
	}
	return fmt.Errorf("%s has no line %q", filepath.Base(sums), line)
}

func fileSum(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
