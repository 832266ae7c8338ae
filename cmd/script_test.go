package cmd_test

import (
	"bytes"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/sactl/sactl/internal/store/pgtest"
	"github.com/sactl/sactl/internal/store/storetest"
)

// update rewrites the golden blocks of the stories (go test ./cmd -run TestScripts -update).
var update = flag.Bool("update", false, "rewrite golden files")

// TestMain lets the test binary play sactl: testscript installs it in $PATH
// under that name and runs cmd.Main when a story says "exec sactl ...".
func TestMain(m *testing.M) {
	testscript.Main(stopsCluster{m}, map[string]func(){
		"sactl":     func() { os.Exit(schemaCheckedMain()) },
		"meanwhile": func() { os.Exit(meanwhileMain(os.Args[1:])) },
	})
}

// stopsCluster runs the tests and then stops the PostgreSQL cluster they
// started, if any (SACTL_TEST_BACKEND=postgres).
type stopsCluster struct{ m *testing.M }

func (s stopsCluster) Run() int { return storetest.Main(s.m) }

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
//	meanwhile COMMAND [ARGS...] -- OTHER [ARGS...]
//	    a program (use it with exec or exitcode) that runs COMMAND and,
//	    when COMMAND asks its question ("[y/N]: " or "to confirm: "), runs
//	    OTHER to completion before answering with its own stdin (set by
//	    "stdin FILE"). Its stdout, stderr and exit status are COMMAND's.
//	    For a plan that changes between the question and the answer
//	    (R-CLI-2). OTHER runs with no input, and must exit 0.
//
//	scrub [-aligned]
//	    masks what changes from run to run in the last command's stdout and
//	    stderr (ULIDs, RFC 3339 times, generated email suffixes, audit hashes,
//	    the OS user name, key secrets and hints, signed tokens, signing key
//	    ids), so "cmp stdout want.tsv" can pin whole outputs. The operator
//	    running the story (local:<os user>, or the server's admin user in
//	    remote mode) becomes OPERATOR_ID, OPERATOR and OPERATOR_TYPE where
//	    audit events name their actor, and OPERATOR_ID as a key's
//	    created_by (a JSON field, or the tab-separated field after a
//	    created_at time) or a token's revoked_by, so one golden holds for
//	    both modes. -aligned masks each ULID with one as wide
//	    (key_ULID______…), for terminal tables padded to the real ids.
//
// The environment gives every story a fresh database in $WORK and no
// terminal; $OSUSER is the operating-system user local mode acts as
// (R-PERM-6: "local:<os user>"); $OPERATOR is who the story's commands act
// as, for "audit list --actor": local:<os user>, or in remote mode the
// admin's user id (also in $ADMIN_ID); $TAB, $NL, $BEL, $ESC, $DEL and
// $LSEP hold control characters, and $RLO (U+202E), $LRI (U+2066), $ZWSP
// (U+200B), $ZWJ (U+200D) and $BOM (U+FEFF) invisible ones, which a script
// cannot otherwise type.
//
// The condition [remote] holds in TestScriptsRemote only.
func TestScripts(t *testing.T) {
	testscript.Run(t, scriptParams(t, nil))
}

// TestScriptsRemote runs the same stories again in remote mode (SPEC §9,
// "both modes must behave identically"): before each story its Setup runs
// "sactl serve init" on the story's database, starts a real "sactl serve"
// process on a loopback port and makes a profile for it current, so every
// "exec sactl ..." in the story calls that server with the admin's token
// (commands given --profile local still open the database file directly,
// which the server shares). The server is stopped with SIGTERM at the end
// of the story and must exit 0 (R-SRV-4).
//
// The condition [remote] is true in this run only. Stories use it sparingly,
// with a comment saying why, for what differs by design: "serve init" adds
// an admin user (users, seats, the admins group's members, its two audit
// events), and a server's caller acts in its own business as its own
// credential. Steps only a local operator can take (--as, --db, "business
// create", other businesses) say --profile local, in both modes. Anything
// else that differs is a bug. -update rewrites goldens from the local run
// only: keep the want/remote/ goldens by hand.
func TestScriptsRemote(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// testscript.Main in this binary runs cmd.Main when it is invoked as "sactl".
	bin := filepath.Join(t.TempDir(), "sactl")
	if err := os.Symlink(exe, bin); err != nil {
		t.Skipf("cannot link the test binary as sactl: %v", err)
	}
	testscript.Run(t, scriptParams(t, &remoteRun{bin: bin}))
}

// remoteRun is what TestScriptsRemote adds to the stories' environment.
type remoteRun struct {
	bin string // the test binary, named sactl
}

// scriptParams are the stories' parameters: local mode when remote is nil.
func scriptParams(t *testing.T, remote *remoteRun) testscript.Params {
	osUser := currentUser(t)
	contractLog := filepath.Join(t.TempDir(), "json-contract.log")
	t.Cleanup(func() { checkContractCoverage(t, contractLog) })
	return testscript.Params{
		Dir:                 "../testdata/script",
		RequireExplicitExec: true,
		// Goldens are rewritten from local mode only.
		UpdateScripts: *update && remote == nil,
		Setup: func(env *testscript.Env) error {
			for _, name := range []string{"SACTL_BUSINESS", "SACTL_FORCE_TTY", "SACTL_PROFILE", "CLICOLOR", "CLICOLOR_FORCE"} {
				unsetenv(env, name)
			}
			// Under -race, each sactl process would otherwise sleep 1 s at exit.
			env.Setenv("GORACE", "atexit_sleep_ms=0")
			env.Setenv("SACTL_DB", filepath.Join(env.WorkDir, "sactl.db"))
			if storetest.OnPostgres() {
				// The same stories on a fresh PostgreSQL database (R-DB-4),
				// whose master key every process is given (R-KEY-10).
				env.Setenv("SACTL_DB", pgtest.URL(t))
				env.Setenv("PGTEST_PASSWORD", pgtest.Password(t)) // which no output may show
				var key [32]byte
				rand.Read(key[:])
				env.Setenv("SACTL_MASTER_KEY", base64.StdEncoding.EncodeToString(key[:]))
			}
			env.Setenv("HOME", filepath.Join(env.WorkDir, "home"))
			env.Setenv("XDG_DATA_HOME", filepath.Join(env.WorkDir, "data"))
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(env.WorkDir, "config"))
			env.Setenv("NO_COLOR", "1")
			env.Setenv("USER", "tester") // not who sactl acts as: see currentUser
			env.Setenv("OSUSER", osUser)
			env.Setenv("OPERATOR", "local:"+osUser)
			if err := schemaEnv(env.Setenv, contractLog); err != nil {
				return err
			}
			for name, v := range map[string]string{
				"TAB": "\t", "NL": "\n", "BEL": "\a", "ESC": "\x1b", "DEL": "\x7f", "LSEP": "\u2028",
				// Invisible characters R-CLI-4 refuses in names.
				"RLO": "\u202e", "LRI": "\u2066", "ZWSP": "\u200b", "ZWJ": "\u200d", "BOM": "\ufeff",
			} {
				env.Setenv(name, v)
			}
			if remote != nil {
				return remote.start(env)
			}
			return nil
		},
		Condition: func(cond string) (bool, error) {
			if cond == "remote" {
				return remote != nil, nil
			}
			if cond == "postgres" {
				return storetest.OnPostgres(), nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exitcode": cmdExitCode,
			"times":    cmdTimes,
			"capture":  cmdCapture,
			"repeat":   cmdRepeat,
			"write":    cmdWrite,
			"sleep":    cmdSleep,
			"scrub":    cmdScrub,
			"tamper":   cmdTamper,
		},
	}
}

// start gives one story its server: "serve init" on the story's database,
// "sactl serve" on a free loopback port, and a current profile "remote"
// holding the admin's token. The server stops when the story ends.
func (r *remoteRun) start(env *testscript.Env) error {
	db := env.Getenv("SACTL_DB")
	run := func(stdin string, args ...string) (string, error) {
		c := exec.Command(r.bin, args...)
		c.Dir, c.Env, c.Stdin = env.WorkDir, env.Vars, strings.NewReader(stdin)
		var stdout, stderr bytes.Buffer
		c.Stdout, c.Stderr = &stdout, &stderr
		if err := c.Run(); err != nil {
			return "", fmt.Errorf("sactl %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		return stdout.String(), nil
	}
	token, err := run("", "serve", "init", "--db", db)
	if err != nil {
		return err
	}

	// Port 0: the kernel picks a free port, which the server logs; no other
	// story's server (they run in parallel) can race for it.
	logs := &serverLog{listening: make(chan string, 1)}
	srv := exec.Command(r.bin, "serve", "--db", db, "--listen", "127.0.0.1:0")
	srv.Dir, srv.Env, srv.Stdout, srv.Stderr = env.WorkDir, env.Vars, io.Discard, logs
	if err := srv.Start(); err != nil {
		return err
	}
	exited := make(chan struct{}) // closed when the server has exited, with waitErr
	var waitErr error
	go func() {
		waitErr = srv.Wait()
		close(exited)
	}()
	env.Defer(func() {
		if err := srv.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
			serverFailed(env, "cannot stop the server: %v", err)
		}
		select {
		case <-exited:
			if waitErr != nil {
				serverFailed(env, "sactl serve did not exit 0 on SIGTERM (R-SRV-4): %v\n%s", waitErr, logs)
			}
			// Local mode has no such thing as an internal server error.
			if m := serverErrorRE.FindString(logs.String()); m != "" {
				serverFailed(env, "sactl serve logged an error (%s):\n%s", m, logs)
			}
		case <-time.After(15 * time.Second):
			srv.Process.Kill()
			<-exited
			serverFailed(env, "sactl serve did not stop within 15s of SIGTERM (R-SRV-4)\n%s", logs)
		}
	})

	var url string
	select {
	case url = <-logs.listening:
	case <-exited:
		return fmt.Errorf("sactl serve exited before listening: %v\n%s", waitErr, logs)
	case <-time.After(20 * time.Second):
		return fmt.Errorf("sactl serve did not start listening within 20s\n%s", logs)
	}
	if err := waitHealthy(url, exited); err != nil {
		return fmt.Errorf("%v\n%s", err, logs)
	}
	if _, err := run(token, "profile", "add", "remote", "--server", url, "--token-stdin", "--use"); err != nil {
		return err
	}
	// SACTL_DB would mean local mode (R-CLI-9): the environment picks the
	// profile too, and --profile local still picks the file.
	env.Setenv("SACTL_PROFILE", "remote")
	env.Vars = append(env.Vars, "SACTL_PROFILE=remote")
	// The admin is who the stories' commands act as from now on.
	out, err := run("", "users", "get", "admin@default.example", "-o", "json")
	if err != nil {
		return err
	}
	m := regexp.MustCompile(`"id": "(usr_\w+)"`).FindStringSubmatch(out)
	if m == nil {
		return fmt.Errorf("no admin id in:\n%s", out)
	}
	env.Setenv("ADMIN_ID", m[1])
	env.Setenv("OPERATOR", m[1])
	return nil
}

// waitHealthy polls /healthz until it answers 200.
func waitHealthy(url string, exited <-chan struct{}) error {
	hc := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := hc.Get(url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %s", resp.Status)
		}
		select {
		case <-exited:
			return errors.New("sactl serve exited")
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s/healthz did not answer within 20s: %v", url, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// serverFailed fails the story after it ran: the server's exit is checked in
// a deferred function, where the story's own Fatalf cannot be used.
func serverFailed(env *testscript.Env, format string, args ...any) {
	if t, ok := env.T().(interface{ Errorf(string, ...any) }); ok {
		t.Errorf(format, args...)
		return
	}
	env.T().Log(fmt.Sprintf(format, args...))
	env.T().FailNow()
}

// serverLog collects a server's stderr (JSON log lines) and reports the URL
// of its "listening" line once.
type serverLog struct {
	mu        sync.Mutex
	buf       bytes.Buffer
	listening chan string
	found     bool
}

// serverErrorRE finds an internal error in the server's log: a line at level
// ERROR, or a 5xx answer.
var serverErrorRE = regexp.MustCompile(`"level":"ERROR"|"status":5\d\d\b`)

// The server logs `{"time":…,"level":"INFO","msg":"listening","url":"http://…",…}`.
var listeningRE = regexp.MustCompile(`"msg":"listening"[^\n]*?"url":"(https?://[^"]+)"`)

func (l *serverLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	if !l.found {
		if m := listeningRE.FindSubmatch(l.buf.Bytes()); m != nil {
			l.found = true
			l.listening <- string(m[1])
		}
	}
	return len(p), nil
}

func (l *serverLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
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

// meanwhileMain is the "meanwhile" program of the stories (see TestScripts).
// It runs as a process of its own with the story's environment, so both
// commands see exactly what "exec" would give them.
func meanwhileMain(args []string) int {
	sep := slices.Index(args, "--")
	if sep < 1 || sep == len(args)-1 {
		fmt.Fprintln(os.Stderr, "usage: meanwhile COMMAND [ARGS...] -- OTHER [ARGS...]")
		return 100
	}
	first, other := args[:sep], args[sep+1:]
	answer, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintf(os.Stderr, "meanwhile: reading the answer: %v\n", err)
		return 100
	}
	c := exec.Command(first[0], first[1:]...)
	var stdout bytes.Buffer
	stderr := &promptWatcher{asked: make(chan struct{})}
	c.Stdout, c.Stderr = &stdout, stderr
	in, err := c.StdinPipe()
	if err == nil {
		err = c.Start()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "meanwhile: %v\n", err)
		return 100
	}
	exited := make(chan error, 1)
	go func() { exited <- c.Wait() }()
	passOn := func(err error) int {
		os.Stdout.Write(stdout.Bytes())
		os.Stderr.Write(stderr.bytes())
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "meanwhile: %v\n", err)
			return 100
		}
		return 0
	}
	select {
	case <-stderr.asked:
	case err := <-exited:
		code := passOn(err)
		fmt.Fprintf(os.Stderr, "meanwhile: %s exited (status %d) without asking anything\n", strings.Join(first, " "), code)
		return 101
	case <-time.After(30 * time.Second):
		c.Process.Kill()
		passOn(<-exited)
		fmt.Fprintf(os.Stderr, "meanwhile: %s did not ask anything within 30s\n", strings.Join(first, " "))
		return 102
	}
	o := exec.Command(other[0], other[1:]...)
	if out, err := o.CombinedOutput(); err != nil {
		c.Process.Kill()
		passOn(<-exited)
		fmt.Fprintf(os.Stderr, "meanwhile: %s: %v\n%s", strings.Join(other, " "), err, out)
		return 103
	}
	in.Write(answer)
	in.Close()
	return passOn(<-exited)
}

// promptWatcher collects a command's stderr and closes asked once it ends
// with one of sactl's questions: "Continue? [y/N]: " or
// `Type "name" to confirm: `.
type promptWatcher struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	asked chan struct{}
	once  sync.Once
}

func (w *promptWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if b := w.buf.Bytes(); bytes.HasSuffix(b, []byte(" [y/N]: ")) || bytes.HasSuffix(b, []byte(" to confirm: ")) {
		w.once.Do(func() { close(w.asked) })
	}
	return len(p), nil
}

func (w *promptWatcher) bytes() []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Bytes()
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

// cmdTamper runs SQL on the story's database behind sactl's back, with the
// audit log's append-only triggers dropped: what anyone with write access
// to the file could do, and what "audit verify" must notice (R-AUD-2).
func cmdTamper(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: tamper SQL...")
	}
	db, err := sql.Open("sqlite", ts.Getenv("SACTL_DB"))
	ts.Check(err)
	defer db.Close()
	for _, q := range append([]string{
		"DROP TRIGGER IF EXISTS audit_events_no_update",
		"DROP TRIGGER IF EXISTS audit_events_no_delete",
	}, args...) {
		if _, err := db.Exec(q); err != nil {
			ts.Fatalf("tamper: %s: %v", q, err)
		}
	}
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

// operator is who runs a story: local:<os user> in local mode, the admin
// user made by "serve init" in remote mode.
type operator struct{ id, name, typ string }

func cmdScrub(ts *testscript.TestScript, neg bool, args []string) {
	aligned := len(args) == 1 && args[0] == "-aligned"
	if neg || len(args) != 0 && !aligned {
		ts.Fatalf("usage: scrub [-aligned]")
	}
	ulidMask := "${1}_ULID"
	if aligned {
		// A terminal table's columns were padded to the real ids: keep
		// their width so the golden shows the layout as printed.
		ulidMask += strings.Repeat("_", 22)
	}
	u := ts.Getenv("OSUSER")
	// Audit events and keys name the operator as their actor or creator.
	// Both operators get the same mask, so the goldens hold in both modes.
	// (The local operator also acts in remote stories, through --profile
	// local.)
	var ops []operator
	if u != "" {
		ops = append(ops, operator{"local:" + u, u, "local"})
	}
	if admin := ts.Getenv("ADMIN_ID"); admin != "" {
		ops = append(ops, operator{admin, "Administrator", "human"})
	}
	type mask struct {
		re   *regexp.Regexp
		with string
	}
	var masks []mask
	for _, op := range ops {
		id, name, typ := regexp.QuoteMeta(op.id), regexp.QuoteMeta(op.name), regexp.QuoteMeta(op.typ)
		masks = append(masks,
			mask{regexp.MustCompile(`\t` + id + `\t` + name + `\t` + typ + `\t`), "\tOPERATOR_ID\tOPERATOR\tOPERATOR_TYPE\t"},
			mask{regexp.MustCompile(`"id": "` + id + `",(\s*)"name": "` + name + `",(\s*)"type": "` + typ + `"`),
				`"id": "OPERATOR_ID",${1}"name": "OPERATOR",${2}"type": "OPERATOR_TYPE"`},
			mask{regexp.MustCompile(`"(created_by|revoked_by)": "` + id + `"`), `"$1": "OPERATOR_ID"`},
			// A key's created_by column in "sa keys list --all", after created_at.
			mask{regexp.MustCompile(`(?m)(\d\dZ)\t` + id + `(\t|$)`), "${1}\tOPERATOR_ID${2}"})
	}
	scrub := func(s string) string {
		for _, m := range masks {
			s = m.re.ReplaceAllString(s, m.with)
		}
		// Credentials first: a ULID-like run inside one must not be touched.
		s = tokenRE.ReplaceAllString(s, "sat_TOKEN")
		s = secretRE.ReplaceAllString(s, "${1}_SECRET")
		s = hintRE.ReplaceAllString(s, "${1}_XXXX${2}XXXX")
		s = signingKeyRE.ReplaceAllString(s, "sk_ID")
		s = ulidRE.ReplaceAllString(s, ulidMask)
		s = timeRE.ReplaceAllString(s, "TIME")
		s = emailRE.ReplaceAllString(s, "+SHORT@serviceaccounts.")
		s = hashFieldRE.ReplaceAllString(s, `"$1": "HASH"`)
		if u != "" {
			s = strings.ReplaceAll(s, "local:"+u, "local:OSUSER")
		}
		return s
	}
	stdout, stderr := ts.ReadFile("stdout"), ts.ReadFile("stderr")
	fmt.Fprint(ts.Stdout(), scrub(stdout))
	fmt.Fprint(ts.Stderr(), scrub(stderr))
}
