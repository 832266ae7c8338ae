package cmd_test

import (
	"context"
	"encoding/pem"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sactl/sactl/internal/server"
	"github.com/sactl/sactl/internal/service"
	"github.com/sactl/sactl/internal/testdb"
)

// "sactl serve --help" lists the flags that apply to serve and none of the
// global ones that do not (R-SRV-7); those are refused, not ignored.
func TestServeHelpShowsOnlyServeFlags(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"XDG_DATA_HOME": dir, "XDG_CONFIG_HOME": dir}
	code, out, errOut := runCLI(t, env, "serve", "--help")
	if code != 0 || errOut != "" {
		t.Fatalf("serve --help: %d %s", code, errOut)
	}
	for _, want := range []string{"--listen", "--tls-cert", "--tls-key", "--shutdown-timeout", "--log-level", "--log-format",
		"--trusted-proxy", "--metrics-listen", "--serve-config", "--db", "--master-key-file", "--profile"} {
		if !regexp.MustCompile(`(?m)^\s+` + want + `\b`).MatchString(out) {
			t.Errorf("serve --help does not list %s:\n%s", want, out)
		}
	}
	for _, unwanted := range []string{"--as", "--business", "--ca-cert", "--output", "--yes"} {
		if regexp.MustCompile(`(?m)^\s+(-\w, )?` + unwanted + `\b`).MatchString(out) {
			t.Errorf("serve --help lists %s, which does not apply to serve:\n%s", unwanted, out)
		}
	}
	for _, flag := range []string{"--as", "--business", "--ca-cert"} {
		code, _, errOut := runCLI(t, env, "serve", flag, "x", "--listen", "not-an-address") // never serves, refused or not
		if code != 2 || !strings.Contains(errOut, flag+" does not apply to serve") {
			t.Errorf("serve %s x: exit %d, %q; want a usage error", flag, code, errOut)
		}
	}
	// serve init still takes --business.
	if code, out, _ := runCLI(t, env, "serve", "init", "--help"); code != 0 || !strings.Contains(out, "--business") {
		t.Errorf("serve init --help lost --business: %d\n%s", code, out)
	}
}

// A server with a certificate from a private CA (R-SRV-5): refused by
// default; trusted with --ca-cert, SACTL_CA_CERT or a profile's ca_cert; a
// bad file is a clear error.
func TestClientTrustsPrivateCA(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "sactl.db")
	st, err := testdb.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	mk := service.LocalMasterKey(db)
	local := service.New(st, service.LocalActor("tester"), "", service.WithMasterKey(mk))
	_, tok, err := local.InitAdmin(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewTLSServer(server.New(server.Config{Store: st, MasterKey: mk}).Handler())
	defer ts.Close()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	notPEM := filepath.Join(dir, "not.pem")
	os.WriteFile(notPEM, []byte("hello\n"), 0o644)
	env := map[string]string{"XDG_CONFIG_HOME": filepath.Join(dir, "config"), "SACTL_SERVER": ts.URL, "SACTL_TOKEN": tok.Secret}

	if code, _, errOut := runCLI(t, env, "sa", "list"); code == 0 || !strings.Contains(errOut, "certificate") {
		t.Fatalf("a private CA's certificate was trusted by default: %d %q", code, errOut)
	}
	if code, _, errOut := runCLI(t, env, "sa", "list", "--ca-cert", ca); code != 0 {
		t.Fatalf("--ca-cert: %d %q", code, errOut)
	}
	if code, _, errOut := runCLI(t, with(env, "SACTL_CA_CERT", ca), "sa", "list"); code != 0 {
		t.Fatalf("SACTL_CA_CERT: %d %q", code, errOut)
	}
	for file, want := range map[string]string{
		notPEM:                         "holds no PEM certificate",
		filepath.Join(dir, "none.pem"): "does not exist",
		dir:                            "is a directory",
	} {
		code, _, errOut := runCLI(t, env, "sa", "list", "--ca-cert", file)
		if code == 0 || !strings.Contains(errOut, want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("--ca-cert %s: %d %q, want one line saying %q", file, code, errOut, want)
		}
	}

	// A profile stores the CA file (absolute) and uses it.
	penv := map[string]string{"XDG_CONFIG_HOME": env["XDG_CONFIG_HOME"], "PRIV_TOKEN": tok.Secret}
	if code, _, errOut := runCLI(t, penv, "profile", "add", "priv", "--server", ts.URL, "--token-env", "PRIV_TOKEN", "--ca-cert", notPEM); code == 0 || !strings.Contains(errOut, "holds no PEM certificate") {
		t.Fatalf("profile add with a bad CA file: %d %q", code, errOut)
	}
	if code, _, errOut := runCLI(t, penv, "profile", "add", "priv", "--server", ts.URL, "--token-env", "PRIV_TOKEN", "--ca-cert", ca, "--use"); code != 0 {
		t.Fatalf("profile add --ca-cert: %d %q", code, errOut)
	}
	if code, out, _ := runCLI(t, penv, "profile", "show", "-o", "json"); code != 0 || !strings.Contains(out, `"ca_cert": "`+ca+`"`) {
		t.Fatalf("profile show: %d\n%s", code, out)
	}
	if code, _, errOut := runCLI(t, penv, "sa", "list"); code != 0 {
		t.Fatalf("the profile's ca_cert is not used: %d %q", code, errOut)
	}
}
