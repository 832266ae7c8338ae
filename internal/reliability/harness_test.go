package reliability

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// commandTimeout bounds one sactl command: a hung process fails its test
// instead of the whole run. Writers wait for each other at most busy_timeout
// (30 s); anything slower than this is a bug.
const commandTimeout = 90 * time.Second

// sandbox is one test's world: a temporary directory holding the database,
// HOME, the XDG directories and TMPDIR of every process it starts, and a
// record of every command's output.
type sandbox struct {
	t   *testing.T
	bin string
	dir string
	db  string
	// base is the environment of every process: nothing from the test's
	// own environment but PATH, so no SACTL_* setting leaks in.
	base []string

	mu      sync.Mutex
	results []result // every command run, in the order they ended
	servers []*server
}

// newSandbox makes a sandbox in a fresh t.TempDir.
func newSandbox(t *testing.T) *sandbox {
	t.Helper()
	return newSandboxIn(t, t.TempDir())
}

func newSandboxIn(t *testing.T, dir string) *sandbox {
	t.Helper()
	s := &sandbox{t: t, bin: sactlBinary(t), dir: dir, db: filepath.Join(dir, "sactl.db")}
	vars := map[string]string{
		"HOME":            "home",
		"XDG_DATA_HOME":   "data",
		"XDG_CONFIG_HOME": "config",
		"XDG_STATE_HOME":  "state",
		"XDG_CACHE_HOME":  "cache",
		"TMPDIR":          "tmp",
	}
	s.base = []string{"PATH=" + os.Getenv("PATH"), "NO_COLOR=1", "LANG=C", "GORACE=atexit_sleep_ms=0"}
	for name, sub := range vars {
		p := filepath.Join(dir, sub)
		if err := os.MkdirAll(p, 0o700); err != nil {
			t.Fatal(err)
		}
		s.base = append(s.base, name+"="+p)
	}
	t.Cleanup(s.stopServers)
	return s
}

// localEnv selects local mode on the sandbox's database. SACTL_DB alone
// should do (R-CLI-9), but a current profile wins over it today (see
// TestExplicitDatabaseMeansLocalMode), so it names the local profile too.
func (s *sandbox) localEnv() []string { return []string{"SACTL_DB=" + s.db, "SACTL_PROFILE=local"} }

// result is what one sactl process did.
type result struct {
	args   []string
	stdin  string
	code   int  // exit status; -1 when killed
	killed bool // ended by SIGKILL
	stdout string
	stderr string
	dur    time.Duration
}

func (r result) String() string {
	status := fmt.Sprintf("exit %d", r.code)
	if r.killed {
		status = "killed"
	}
	return fmt.Sprintf("sactl %s: %s after %v\nstdout: %s\nstderr: %s", strings.Join(r.args, " "), status,
		r.dur.Round(time.Millisecond), clip(r.stdout, 2000), clip(r.stderr, 2000))
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// proc is a running sactl process.
type proc struct {
	s      *sandbox
	cmd    *exec.Cmd
	cancel context.CancelFunc
	stdin  string
	stdout bytes.Buffer
	stderr bytes.Buffer
	start  time.Time
}

// start starts sactl with the sandbox's environment plus env.
func (s *sandbox) start(env []string, stdin string, args ...string) *proc {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	p := &proc{s: s, cancel: cancel, stdin: stdin}
	p.cmd = exec.CommandContext(ctx, s.bin, args...)
	p.cmd.Dir = s.dir
	p.cmd.Env = append(append([]string{}, s.base...), env...)
	p.cmd.Stdin = strings.NewReader(stdin)
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	p.start = time.Now()
	if err := p.cmd.Start(); err != nil {
		cancel()
		s.t.Fatalf("start sactl %s: %v", strings.Join(args, " "), err)
	}
	return p
}

// kill sends SIGKILL; harmless once the process has ended.
func (p *proc) kill() { _ = p.cmd.Process.Signal(syscall.SIGKILL) }

// wait waits for the process and records its result.
func (p *proc) wait() result {
	err := p.cmd.Wait()
	p.cancel()
	r := result{args: p.cmd.Args[1:], stdin: p.stdin, stdout: p.stdout.String(), stderr: p.stderr.String(), dur: time.Since(p.start)}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			r.killed = true
		}
	default:
		r.code = -1
		r.stderr += "\n(wait: " + err.Error() + ")"
	}
	p.s.mu.Lock()
	p.s.results = append(p.s.results, r)
	p.s.mu.Unlock()
	return r
}

// run runs one sactl command to its end.
func (s *sandbox) run(env []string, stdin string, args ...string) result {
	s.t.Helper()
	return s.start(env, stdin, args...).wait()
}

// must runs a command that has to succeed and answers its stdout.
func (s *sandbox) must(env []string, args ...string) string {
	s.t.Helper()
	r := s.run(env, "", args...)
	if r.code != 0 {
		s.t.Fatalf("%v", r)
	}
	return r.stdout
}

// mustJSON runs a command that has to succeed and decodes its JSON stdout.
func (s *sandbox) mustJSON(v any, env []string, args ...string) {
	s.t.Helper()
	out := s.must(env, args...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		s.t.Fatalf("sactl %s: %v in\n%s", strings.Join(args, " "), err, clip(out, 2000))
	}
}

// verify runs "auth verify -o json" with the credential on stdin. It fails
// the test unless sactl answered with a verdict: exit 0 and active, or exit
// 4 and inactive (SPEC §12 "verification").
func (s *sandbox) verify(env []string, credential string) verification {
	s.t.Helper()
	r := s.run(env, credential+"\n", "auth", "verify", "-o", "json")
	var v verification
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || (r.code != 0 && r.code != 4) || (r.code == 0) != v.Active {
		s.t.Errorf("auth verify gave no verdict (json: %v): %v", err, r)
		return verification{Reason: "no verdict"}
	}
	return v
}

// resultsSnapshot answers every command run so far.
func (s *sandbox) resultsSnapshot() []result {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]result(nil), s.results...)
}

// lockedRE finds SQLite's contention errors surfacing: what busy_timeout
// and BEGIN IMMEDIATE are there to prevent (R-DB-1, R-DB-3).
var lockedRE = regexp.MustCompile(`(?i)database (table )?is locked|SQLITE_BUSY|SQLITE_LOCKED|\bbusy\b`)

// JSON shapes of SPEC §12, the fields the tests read.
type account struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	APIName     string   `json:"api_name"`
	AccountType string   `json:"account_type"`
	Status      string   `json:"status"`
	Description string   `json:"description"`
	Groups      []string `json:"groups"`
	KeyCount    int      `json:"key_count"`
	Key         *apiKey  `json:"key"`
}

type apiKey struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Role   string `json:"role"`
	Status string `json:"status"`
	Hint   string `json:"hint"`
	Secret string `json:"secret"`
	Owner  *struct {
		ID      string `json:"id"`
		APIName string `json:"api_name"`
	} `json:"owner"`
}

type verification struct {
	Active    bool   `json:"active"`
	Reason    string `json:"reason"`
	Principal *struct {
		ID string `json:"id"`
	} `json:"principal"`
	Credential *struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	} `json:"credential"`
}

type auditEvent struct {
	Seq    int64  `json:"seq"`
	ID     string `json:"id"`
	Action string `json:"action"`
	Actor  struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	} `json:"actor"`
	Target struct {
		Type string `json:"type"`
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"target"`
	Details map[string]any `json:"details"`
}

// auditEvents reads the whole audit log through the command line.
func (s *sandbox) auditEvents(env []string) []auditEvent {
	s.t.Helper()
	var evs []auditEvent
	s.mustJSON(&evs, env, "audit", "list", "-o", "json")
	return evs
}

// checkDatabase runs "audit verify" and "db check" (R-AUD-2, R-DB-5).
func (s *sandbox) checkDatabase() {
	s.t.Helper()
	for _, args := range [][]string{{"audit", "verify"}, {"db", "check"}} {
		if r := s.run(s.localEnv(), "", args...); r.code != 0 {
			s.t.Errorf("%v", r)
		}
	}
}

// parallel runs fn(0..n-1) on workers goroutines.
func parallel(workers, n int, fn func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

// server is a running "sactl serve" on a loopback port.
type server struct {
	s       *sandbox
	cmd     *exec.Cmd
	log     *serverLog
	logFile *os.File
	url     string
	exited  chan struct{}
	waitErr error
}

// startServer starts "sactl serve" on the sandbox's database, on a port the
// kernel picks, and waits until /healthz answers 200.
func (s *sandbox) startServer() *server {
	s.t.Helper()
	s.mu.Lock()
	n := len(s.servers)
	s.mu.Unlock()
	f, err := os.OpenFile(filepath.Join(s.dir, fmt.Sprintf("serve-%d.log", n)), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		s.t.Fatal(err)
	}
	sv := &server{s: s, log: &serverLog{listening: make(chan string, 1), file: f}, logFile: f, exited: make(chan struct{})}
	sv.cmd = exec.Command(s.bin, "serve", "--db", s.db, "--listen", "127.0.0.1:0")
	sv.cmd.Dir = s.dir
	sv.cmd.Env = append([]string{}, s.base...)
	sv.cmd.Stdout, sv.cmd.Stderr = sv.log, sv.log
	if err := sv.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.mu.Lock()
	s.servers = append(s.servers, sv)
	s.mu.Unlock()
	go func() {
		sv.waitErr = sv.cmd.Wait()
		f.Close()
		close(sv.exited)
	}()
	select {
	case sv.url = <-sv.log.listening:
	case <-sv.exited:
		s.t.Fatalf("sactl serve exited before listening: %v\n%s", sv.waitErr, sv.log)
	case <-time.After(30 * time.Second):
		s.t.Fatalf("sactl serve did not listen within 30s\n%s", sv.log)
	}
	hc := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := hc.Get(sv.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return sv
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%s/healthz: no 200 within 30s (%v)\n%s", sv.url, err, sv.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill ends the server with SIGKILL, as a crash would.
func (sv *server) kill() {
	_ = sv.cmd.Process.Signal(syscall.SIGKILL)
	<-sv.exited
}

// stop ends the server with SIGTERM; it must exit 0 within 15 s (R-SRV-4).
func (sv *server) stop() {
	sv.s.t.Helper()
	_ = sv.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-sv.exited:
		if sv.waitErr != nil {
			sv.s.t.Errorf("sactl serve did not exit 0 on SIGTERM: %v\n%s", sv.waitErr, clip(sv.log.String(), 4000))
		}
	case <-time.After(15 * time.Second):
		sv.kill()
		sv.s.t.Errorf("sactl serve did not stop within 15s of SIGTERM")
	}
}

// stopServers kills whatever server a test left running.
func (s *sandbox) stopServers() {
	s.mu.Lock()
	servers := append([]*server(nil), s.servers...)
	s.mu.Unlock()
	for _, sv := range servers {
		select {
		case <-sv.exited:
		default:
			sv.kill()
		}
	}
}

// serverLogs answers everything every server of the sandbox logged.
func (s *sandbox) serverLogs() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	for _, sv := range s.servers {
		b.WriteString(sv.log.String())
	}
	return b.String()
}

// serverErrorRE finds a server fault in its log: an ERROR line or a 5xx.
var serverErrorRE = regexp.MustCompile(`"level":"ERROR"[^\n]*|[^\n]*"status":5\d\d\b[^\n]*`)

// serverLog collects a server's output (JSON lines), copies it to a file and
// reports the URL of its "listening" line once.
type serverLog struct {
	mu        sync.Mutex
	buf       bytes.Buffer
	file      io.Writer
	listening chan string
	found     bool
}

var listeningRE = regexp.MustCompile(`"msg":"listening"[^\n]*?"url":"(https?://[^"]+)"`)

func (l *serverLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	l.file.Write(p)
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

// callAPI calls the server's REST API with a bearer credential.
func callAPI(hc *http.Client, method, url, token string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// initServer runs "serve init" on the sandbox's database and answers the
// first admin's token.
func (s *sandbox) initServer() string {
	s.t.Helper()
	return strings.TrimSpace(s.must(nil, "serve", "init", "--db", s.db))
}
