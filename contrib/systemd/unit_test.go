// Package systemd holds the systemd unit of "sactl serve" and its test.
package systemd

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// needProgram finds an external program: missing, the test skips, except
// under CI=true where it fails (the CI image must have it).
func needProgram(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed (package systemd): CI must run this test", name)
		}
		t.Skipf("%s is not installed", name)
	}
	return p
}

// The unit is hardened as docs/operations.md says (R-SRV-7), and systemd
// itself finds nothing wrong with it.
func TestUnitIsHardenedAndVerifies(t *testing.T) {
	unit, err := os.ReadFile("sactl.service")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"DynamicUser=yes", "StateDirectory=sactl", "ProtectSystem=strict", "ProtectHome=yes",
		"PrivateTmp=yes", "NoNewPrivileges=yes", "CapabilityBoundingSet=", "AmbientCapabilities=",
		"RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX", "EnvironmentFile=-/etc/sactl/sactl.env",
		"ExecReload=/bin/kill -HUP $MAINPID", "ExecStart=/usr/local/bin/sactl serve",
	} {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(want) + `$`).Match(unit) {
			t.Errorf("the unit has no line %q", want)
		}
	}

	analyze := needProgram(t, "systemd-analyze")
	// verify checks that ExecStart's program exists: this test's own
	// executable stands in for /usr/local/bin/sactl; nothing else changes.
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	checked := bytes.Replace(unit, []byte("ExecStart=/usr/local/bin/sactl "), []byte("ExecStart="+exe+" "), 1)
	path := filepath.Join(t.TempDir(), "sactl.service")
	if err := os.WriteFile(path, checked, 0o644); err != nil {
		t.Fatal(err)
	}
	// --man=no: the man page named in Documentation= is not installed here.
	out, err := exec.Command(analyze, "verify", "--man=no", path).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	// The exposure score systemd computes from the sandboxing directives
	// (0 best, 10 worst); "OK" is below 2.
	out, err = exec.Command(analyze, "security", "--offline=true", path).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze security: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`Overall exposure level for sactl\.service: ([0-9.]+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no exposure level in:\n%s", out)
	}
	if score, _ := strconv.ParseFloat(string(m[1]), 64); score > 2.0 {
		t.Errorf("exposure level %.1f, want at most 2.0:\n%s", score, lastLines(string(out), 40))
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
