package cmdutil

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

type bound struct {
	listen  string
	timeout time.Duration
	proxies []string
	db      string
}

func boundFlags(b *bound) *pflag.FlagSet {
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	fs.StringVar(&b.listen, "listen", "127.0.0.1:7070", "")
	fs.Var(DurationFlag(&b.timeout, 30*time.Second), "shutdown-timeout", "")
	fs.StringSliceVar(&b.proxies, "trusted-proxy", nil, "")
	fs.StringVar(&b.db, "db", "", "")
	return fs
}

// R-SRV-7: a flag beats its SACTL_ variable, which beats the settings file,
// which beats the default; every flag goes through the one binding.
func TestBindEnvPrecedence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "serve.yaml")
	if err := os.WriteFile(file, []byte("listen: 127.0.0.1:1111\nshutdown-timeout: 5s\ntrusted-proxy: [10.0.0.0/8, 192.0.2.0/24]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bind := func(args ...string) bound {
		t.Helper()
		var b bound
		fs := boundFlags(&b)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		if err := BindEnv(fs, file, "db"); err != nil {
			t.Fatal(err)
		}
		return b
	}
	t.Setenv("SACTL_LISTEN", "")
	t.Setenv("SACTL_SHUTDOWN_TIMEOUT", "")
	t.Setenv("SACTL_TRUSTED_PROXY", "")
	t.Setenv("SACTL_DB", "/from/env.db")
	b := bind()
	if b.listen != "127.0.0.1:1111" || b.timeout != 5*time.Second || strings.Join(b.proxies, " ") != "10.0.0.0/8 192.0.2.0/24" {
		t.Errorf("file: %+v", b)
	}
	if b.db != "" {
		t.Errorf("a skipped flag was bound: %+v", b)
	}
	t.Setenv("SACTL_LISTEN", "127.0.0.1:2222")
	t.Setenv("SACTL_TRUSTED_PROXY", "fd00::/8")
	b = bind()
	if b.listen != "127.0.0.1:2222" || b.timeout != 5*time.Second || strings.Join(b.proxies, " ") != "fd00::/8" {
		t.Errorf("env over file: %+v", b)
	}
	b = bind("--listen", "127.0.0.1:3333", "--trusted-proxy", "10.1.0.0/16")
	if b.listen != "127.0.0.1:3333" || strings.Join(b.proxies, " ") != "10.1.0.0/16" {
		t.Errorf("flag over env: %+v", b)
	}
	// Without the file: the defaults, or the variables.
	var d bound
	fs := boundFlags(&d)
	_ = fs.Parse(nil)
	t.Setenv("SACTL_LISTEN", "")
	if err := BindEnv(fs, "", "db"); err != nil || d.listen != "127.0.0.1:7070" || d.timeout != 30*time.Second {
		t.Errorf("defaults: %+v %v", d, err)
	}
}

// A bad value from the environment or the file is refused like a bad flag,
// by the flag's own parser, naming where it came from.
func TestBindEnvBadValues(t *testing.T) {
	dir := t.TempDir()
	check := func(file, want string) {
		t.Helper()
		var b bound
		fs := boundFlags(&b)
		_ = fs.Parse(nil)
		err := BindEnv(fs, file)
		var fe *FlagError
		if err == nil || !errors.As(err, &fe) || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want a usage error containing %q", err, want)
		}
	}
	t.Setenv("SACTL_SHUTDOWN_TIMEOUT", "soon")
	check("", `invalid value "soon" for environment variable SACTL_SHUTDOWN_TIMEOUT (--shutdown-timeout)`)
	t.Setenv("SACTL_SHUTDOWN_TIMEOUT", "")
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("shutdown-timeout: -3\n"), 0o600)
	check(bad, `for setting shutdown-timeout in `+bad)
	unknown := filepath.Join(dir, "unknown.yaml")
	os.WriteFile(unknown, []byte("lisen: x\n"), 0o600)
	check(unknown, `unknown setting "lisen"`)
	skipped := filepath.Join(dir, "skipped.yaml")
	os.WriteFile(skipped, []byte("db: /x.db\n"), 0o600)
	var b bound
	fs := boundFlags(&b)
	_ = fs.Parse(nil)
	if err := BindEnv(fs, skipped, "db"); err == nil || !strings.Contains(err.Error(), `"db" cannot be set there: give --db or SACTL_DB`) {
		t.Errorf("db in the settings file: %v", err)
	}
	broken := filepath.Join(dir, "broken.yaml")
	os.WriteFile(broken, []byte("listen: [\n"), 0o600)
	check(broken, "is not valid YAML")
	check(filepath.Join(dir, "missing.yaml"), "cannot read the settings file")
}
