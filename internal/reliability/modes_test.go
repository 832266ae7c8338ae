package reliability

import (
	"strings"
	"testing"
)

// These two came up while building the harness: a test that drives local
// and remote mode side by side depends on how a command picks its mode.

// An explicit --db or SACTL_DB means local mode, whatever profile the
// config file makes current (R-CLI-9: flags and environment override the
// config file).
func TestExplicitDatabaseMeansLocalMode(t *testing.T) {
	s := newSandbox(t)
	token := s.initServer()
	s.must(s.localEnv(), "sa", "create", "Here", "--group", "admins")
	// A current profile whose server is not there: a command that goes
	// remote fails to connect.
	if r := s.run(nil, token+"\n", "profile", "add", "away", "--server", "http://127.0.0.1:1", "--token-stdin", "--use"); r.code != 0 {
		t.Fatalf("%v", r)
	}
	for _, c := range []struct {
		how  string
		env  []string
		args []string
	}{
		{"SACTL_DB", []string{"SACTL_DB=" + s.db}, []string{"sa", "get", "here"}},
		{"--db", nil, []string{"--db", s.db, "sa", "get", "here"}},
	} {
		if r := s.run(c.env, "", c.args...); r.code != 0 || !strings.Contains(r.stdout, "here") {
			t.Errorf("%s with a current profile: want local mode (R-CLI-9), got %v", c.how, r)
		}
	}
}

// "profile add" switches profiles only with --use (R-CLI-9), also when it
// adds the first profile: the operator stays in local mode.
func TestProfileAddSwitchesOnlyWithUse(t *testing.T) {
	s := newSandbox(t)
	token := s.initServer()
	if r := s.run(nil, token+"\n", "profile", "add", "later", "--server", "http://127.0.0.1:1", "--token-stdin"); r.code != 0 {
		t.Fatalf("%v", r)
	}
	// No --db, no SACTL_DB: the default database in $XDG_DATA_HOME, unless
	// the new profile was made current.
	if r := s.run(nil, "", "sa", "list"); r.code != 0 {
		t.Errorf("after profile add without --use: want local mode, got %v", r)
	}
}
