package config

import (
	"errors"
	"fmt"
	"github.com/sactl/sactl/internal/msgcheck"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sactl/sactl/internal/domain"
)

// lineProblem says how msg, an error about the inputs in, would break
// R-CLI-4 once cmd's printError has joined its lines with spaces: it must
// then be one line (tabs allowed), with no more of any
// credential-looking part of an input than a hint shows.
func lineProblem(msg string, in ...string) string {
	line := strings.ReplaceAll(msg, "\n", " ")
	if line == "" || len(line) > 4096 {
		return fmt.Sprintf("message is %d bytes long", len(line))
	}
	for _, r := range line {
		if msgcheck.BreaksLine(r) && r != '\t' {
			return fmt.Sprintf("message holds %U, which breaks its line", r)
		}
	}
	for _, s := range in {
		for _, m := range msgcheck.CredentialRun.FindAllString(s, -1) {
			if strings.Contains(line, m[:9]) {
				return fmt.Sprintf("message shows more of the credential-looking %q than its hint", m)
			}
		}
	}
	return ""
}

// fuzzEnv is the environment Resolve sees: a token for profiles that name
// their token's variable (token_env), and nothing else.
func fuzzEnv(name string) string {
	if name == "SACTL_FUZZ_TOKEN" {
		return " sau_fromtheenvironment0000000000000000000000000000 \n"
	}
	return ""
}

// FuzzLoad: config.yaml (R-SRV-5) is read from any content without a
// panic. A file that does not load gives an error that, printed as cmd
// prints errors, is one line without the credentials the file
// holds. A file that loads survives Save and Load unchanged, Save writes
// it 0600, and Resolve picks a remote from it (for every profile, a
// missing one and local mode) with a trimmed token, or a not-found or
// unauthenticated error that follows R-CLI-4 too.
func FuzzLoad(f *testing.F) {
	for _, s := range []string{
		"", "current: prod\nprofiles:\n  prod:\n    server: https://sactl.example.com\n    token: sau_003aUlTJC7tjlCTQj2uNU3MFagCXG9LRKRcwGkBIDlf1RZfBR\n",
		"profiles:\n  ci:\n    server: http://127.0.0.1:7070\n    token_env: SACTL_FUZZ_TOKEN\n    business: acme\n",
		"profiles:\n  ci:\n    server: http://127.0.0.1:7070\n    token_env: SACTL_NOT_SET\n",
		"current: gone\nprofiles: {}\n", "profiles:\n  nohost:\n    token: sak_x\n", "profiles:\n  Prod.Eu:\n    server: https://x\n",
		"profiles:\n  prod: null\n", "profiles:\n  prod:\n    server: 5\n", "profiles:\n  prod:\n    server: [a]\n",
		"profiles:\n  prod:\n    server: https://x\n    token: [sau_003aUlTJC7tjlCTQj2uNU3MFagCXG9LRKRcwGkBIDlf1RZfBR]\n",
		"profiles: sak_003aUlTJC7tjlCTQj2uNU3MFagCXG9LRKRcwGkBIDlf0N6D6w\n", "current: [1, 2]\n", "- a\n- b\n",
		"sak_003aUlTJC7tjlCTQj2uNU3MFagCXG9LRKRcwGkBIDlf0N6D6w", "a: b: c", "\t\tx: 1", "{", "x: \"\\e[31m\"\n",
		"current: &a [*a]\n", "a: &a\n  b: *a\n",
		"profiles:\n  p: &p\n    server: https://x\n  q: *p\n", "%YAML 1.1\n---\ncurrent: x\n", "current: !!binary aGk=\n",
		"0\t0",
	} {
		f.Add([]byte(s), "")
		f.Add([]byte(s), "prod")
	}
	f.Add([]byte("profiles: {}\n"), "sak_")
	dir := f.TempDir()
	path := filepath.Join(dir, "config.yaml")
	saved := filepath.Join(dir, "saved", "config.yaml")
	f.Fuzz(func(t *testing.T, content []byte, flagProfile string) {
		if err := os.WriteFile(path, content, 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := Load(path)
		if err != nil {
			msg := strings.ReplaceAll(err.Error(), path, "PATH")
			if !strings.HasPrefix(msg, "read PATH: ") {
				t.Fatalf("Load: the error does not name the file: %q", msg)
			}
			if p := lineProblem(msg, string(content)); p != "" {
				t.Fatalf("Load: %s: %q", p, msg)
			}
			return
		}
		if cfg.Profiles == nil {
			t.Fatal("Load returned nil profiles")
		}
		os.Remove(saved)
		if err := Save(saved, cfg); err != nil {
			t.Fatalf("Save of a loaded config: %v", err)
		}
		if fi, err := os.Stat(saved); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("Save wrote mode %v, %v; want 0600", fi.Mode().Perm(), err)
		}
		back, err := Load(saved)
		if err != nil || !reflect.DeepEqual(back, cfg) {
			t.Fatalf("Load(Save(%+v)) = %+v, %v", cfg, back, err)
		}
		for _, name := range append(cfg.Names(), "", "local", flagProfile) {
			checkResolve(t, cfg, name, string(content))
		}
	})
}

func checkResolve(t *testing.T, cfg File, flagProfile, content string) {
	t.Helper()
	r, err := Resolve(cfg, flagProfile, fuzzEnv)
	if err != nil {
		var de *domain.Error
		if !errors.As(err, &de) || (de.Kind != domain.KindNotFound && de.Kind != domain.KindUnauthenticated) {
			t.Fatalf("Resolve(%q): error %q is not not_found or unauthenticated", flagProfile, err)
		}
		if p := lineProblem(de.Msg, content, flagProfile); p != "" {
			t.Fatalf("Resolve(%q): %s: %q", flagProfile, p, de.Msg)
		}
		if r != nil {
			t.Fatal("Resolve returned a remote with an error")
		}
		return
	}
	if r == nil {
		return // local mode
	}
	if r.Server == "" || r.Token == "" || r.Token != strings.TrimSpace(r.Token) {
		t.Fatalf("Resolve(%q) = %+v: no server, or an untrimmed token", flagProfile, r)
	}
	if r.Profile != "" {
		if p, ok := cfg.Profiles[r.Profile]; !ok || p.Server != r.Server || p.Business != r.Business {
			t.Fatalf("Resolve(%q) = %+v, not its profile %+v", flagProfile, r, p)
		}
	}
}
