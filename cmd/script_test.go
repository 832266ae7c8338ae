package cmd_test

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/sactl/sactl/cmd"
)

// update rewrites the golden blocks of the stories (go test ./cmd -run TestScripts -update).
var update = flag.Bool("update", false, "rewrite golden files")

// TestMain lets the test binary play sactl: testscript installs it in $PATH
// under that name and runs cmd.Main when a story says "exec sactl ...".
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"sactl": func() { os.Exit(cmd.Main()) },
	})
}

// TestScripts runs the CLI stories in testdata/script (STYLE.md, layer 3).
//
// Besides testscript's built-ins the stories have:
//
//	exitcode [-stdout] N command [args...]
//	    runs command like exec, so stdout/stderr can be checked afterwards,
//	    and fails unless it exits with status N (R-CLI-3). For N != 0 it also
//	    checks R-CLI-4: nothing on stdout, and stderr ends with one
//	    "sactl: ..." line. Without SACTL_FORCE_TTY (no prompt was possible)
//	    that line must be all of stderr. -stdout allows a complete result on
//	    stdout: "auth verify" prints its verdict on a rejected credential
//	    (SPEC §12 "verification", with its reason) and exits 4.
//
//	times N command [args...]
//	    runs command like exec N times, with {i} in the arguments replaced
//	    by 1..N; each run must exit 0. For stories that need many objects,
//	    such as 50 keys (R-KEY-5).
//
//	capture VAR REGEXP
//	    sets $VAR to the first group of REGEXP in the last command's stdout,
//	    e.g. an account id to name the account by later (R-CLI-5).
//
//	repeat VAR TEXT N
//	    sets $VAR to TEXT repeated N times, for limits such as 80 characters.
//
//	write FILE TEXT
//	    writes TEXT and a newline to FILE: a captured key or token to give
//	    "auth verify" on stdin, since credentials are never arguments.
//
//	sleep DURATION
//	    waits, at most 2s: for a key made with "--expires-in 1s" to expire.
//
//	scrub
//	    masks what changes from run to run in the last command's stdout and
//	    stderr (ULIDs, RFC 3339 times, generated email suffixes, audit hashes,
//	    the OS user name, key secrets and hints, signed tokens, signing key
//	    ids), so "cmp stdout want.tsv" can pin whole outputs.
//
// The environment gives every story a fresh database in $WORK and no
// terminal; $OSUSER is the operating-system user local mode acts as
// (R-PERM-6: "local:<os user>"); $TAB, $NL, $BEL, $ESC, $DEL and $LSEP hold
// control characters, which a script cannot otherwise type.
func TestScripts(t *testing.T) {
	osUser := currentUser(t)
	testscript.Run(t, testscript.Params{
		Dir:                 "../testdata/script",
		RequireExplicitExec: true,
		UpdateScripts:       *update,
		Setup: func(env *testscript.Env) error {
			for _, name := range []string{"SACTL_BUSINESS", "SACTL_FORCE_TTY", "SACTL_PROFILE", "CLICOLOR", "CLICOLOR_FORCE"} {
				unsetenv(env, name)
			}
			// Under -race, each sactl process would otherwise sleep 1 s at exit.
			env.Setenv("GORACE", "atexit_sleep_ms=0")
			env.Setenv("SACTL_DB", filepath.Join(env.WorkDir, "sactl.db"))
			env.Setenv("HOME", filepath.Join(env.WorkDir, "home"))
			env.Setenv("XDG_DATA_HOME", filepath.Join(env.WorkDir, "data"))
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(env.WorkDir, "config"))
			env.Setenv("NO_COLOR", "1")
			env.Setenv("USER", "tester") // not who sactl acts as: see currentUser
			env.Setenv("OSUSER", osUser)
			for name, v := range map[string]string{"TAB": "\t", "NL": "\n", "BEL": "\a", "ESC": "\x1b", "DEL": "\x7f", "LSEP": "\u2028"} {
				env.Setenv(name, v)
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exitcode": cmdExitCode,
			"times":    cmdTimes,
			"capture":  cmdCapture,
			"repeat":   cmdRepeat,
			"write":    cmdWrite,
			"sleep":    cmdSleep,
			"scrub":    cmdScrub,
		},
	})
}

// currentUser is the name sactl's local actor takes: os/user reads it from
// the password database, so $USER does not change it.
func currentUser(t *testing.T) string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	t.Skip("cannot tell which OS user sactl acts as")
	return ""
}

func unsetenv(env *testscript.Env, name string) {
	vars := env.Vars[:0]
	for _, kv := range env.Vars {
		if !strings.HasPrefix(kv, name+"=") {
			vars = append(vars, kv)
		}
	}
	env.Vars = vars
}

func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! exitcode (give the expected status instead)")
	}
	stdoutOK := len(args) > 0 && args[0] == "-stdout"
	if stdoutOK {
		args = args[1:]
	}
	if len(args) < 2 {
		ts.Fatalf("usage: exitcode [-stdout] N command [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil || want < 0 {
		ts.Fatalf("exitcode: %q is not an exit status", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exitcode: running %s: %v", args[1], err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
	if want == 0 {
		return
	}
	// R-CLI-4: errors go to stderr as one line "sactl: <message>"; nothing
	// partial reaches stdout.
	if out := ts.ReadFile("stdout"); out != "" && !stdoutOK {
		ts.Fatalf("status %d but stdout is not empty:\n%s", got, out)
	}
	stderr := ts.ReadFile("stderr")
	if !strings.HasSuffix(stderr, "\n") {
		ts.Fatalf("stderr does not end with a newline: %q", stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "sactl: ") {
		ts.Fatalf("the last line of stderr is not \"sactl: <message>\": %q", last)
	}
	if ts.Getenv("SACTL_FORCE_TTY") == "" && len(lines) != 1 {
		ts.Fatalf("stderr has %d lines, want one \"sactl: <message>\" line:\n%s", len(lines), stderr)
	}
}

func cmdTimes(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: times N command [args...]")
	}
	n, err := strconv.Atoi(args[0])
	if err != nil || n < 1 {
		ts.Fatalf("times: %q is not a count", args[0])
	}
	for i := 1; i <= n; i++ {
		run := make([]string, len(args)-1)
		for j, a := range args[1:] {
			run[j] = strings.ReplaceAll(a, "{i}", strconv.Itoa(i))
		}
		if err := ts.Exec(run[0], run[1:]...); err != nil {
			ts.Fatalf("times: run %d of %d: %s: %v\n%s", i, n, strings.Join(run, " "), err, ts.ReadFile("stderr"))
		}
	}
}

func cmdCapture(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: capture VAR REGEXP")
	}
	re, err := regexp.Compile(`(?m)` + args[1])
	ts.Check(err)
	m := re.FindStringSubmatch(ts.ReadFile("stdout"))
	if len(m) < 2 {
		ts.Fatalf("capture: no match for %q (with a group) in stdout", args[1])
	}
	ts.Setenv(args[0], m[1])
}

func cmdRepeat(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: repeat VAR TEXT N")
	}
	n, err := strconv.Atoi(args[2])
	if err != nil || n < 0 {
		ts.Fatalf("repeat: %q is not a count", args[2])
	}
	ts.Setenv(args[0], strings.Repeat(args[1], n))
}

func cmdWrite(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: write FILE TEXT")
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(args[1]+"\n"), 0o600))
}

func cmdSleep(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: sleep DURATION")
	}
	d, err := time.ParseDuration(args[0])
	if err != nil || d <= 0 || d > 2*time.Second {
		ts.Fatalf("sleep: %q is not a duration up to 2s (keep the stories fast)", args[0])
	}
	time.Sleep(d)
}

var (
	ulidRE      = regexp.MustCompile(`\b([a-z]+)_[0-9a-hjkmnp-tv-z]{26}\b`)
	timeRE      = regexp.MustCompile(`\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)`)
	emailRE     = regexp.MustCompile(`\+[0-9a-z]{6}@serviceaccounts\.`)
	hashFieldRE = regexp.MustCompile(`"(hash|prev_hash)": "[0-9a-f]{64}"`)
	// R-KEY-1: sak_ (API key) or sau_ (user token), 43 body + 6 checksum
	// base62 characters; the hint keeps 4 of each end.
	secretRE = regexp.MustCompile(`\b(sak|sau)_[0-9A-Za-z]{49}\b`)
	hintRE   = regexp.MustCompile(`\b(sak|sau)_[0-9A-Za-z]{4}(…|\\u2026)[0-9A-Za-z]{4}\b`)
	// R-TOK-1: sat_ + base64url(payload) + "." + base64url(HMAC).
	tokenRE      = regexp.MustCompile(`\bsat_[0-9A-Za-z_-]+\.[0-9A-Za-z_-]+`)
	signingKeyRE = regexp.MustCompile(`\bsk_[0-9a-f]{16}\b`)
)

func cmdScrub(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: scrub")
	}
	u := ts.Getenv("OSUSER")
	actorTSV := regexp.MustCompile(`(\tlocal:OSUSER\t)` + regexp.QuoteMeta(u) + `(\tlocal\t)`)
	actorJSON := regexp.MustCompile(`("id": "local:OSUSER",\s*"name": )"` + regexp.QuoteMeta(u) + `"`)
	scrub := func(s string) string {
		// Credentials first: a ULID-like run inside one must not be touched.
		s = tokenRE.ReplaceAllString(s, "sat_TOKEN")
		s = secretRE.ReplaceAllString(s, "${1}_SECRET")
		s = hintRE.ReplaceAllString(s, "${1}_XXXX${2}XXXX")
		s = signingKeyRE.ReplaceAllString(s, "sk_ID")
		s = ulidRE.ReplaceAllString(s, "${1}_ULID")
		s = timeRE.ReplaceAllString(s, "TIME")
		s = emailRE.ReplaceAllString(s, "+SHORT@serviceaccounts.")
		s = hashFieldRE.ReplaceAllString(s, `"$1": "HASH"`)
		if u != "" {
			s = strings.ReplaceAll(s, "local:"+u, "local:OSUSER")
			s = actorTSV.ReplaceAllString(s, "${1}OSUSER${2}")
			s = actorJSON.ReplaceAllString(s, `${1}"OSUSER"`)
		}
		return s
	}
	stdout, stderr := ts.ReadFile("stdout"), ts.ReadFile("stderr")
	fmt.Fprint(ts.Stdout(), scrub(stdout))
	fmt.Fprint(ts.Stderr(), scrub(stderr))
}
