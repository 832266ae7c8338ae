package cmd_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sactl/sactl/cmd"
	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/cmdutil"
	"github.com/sactl/sactl/internal/iostreams"
	"github.com/sactl/sactl/internal/server"
	"github.com/sactl/sactl/internal/service"
	"github.com/sactl/sactl/internal/testdb"
)

// runCLI runs one sactl command line in-process with a given environment.
func runCLI(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	return runCLIAt(t, time.Now, env, args...)
}

// runCLIAt is runCLI with sactl's clock.
func runCLIAt(t *testing.T, now func() time.Time, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f := cmdutil.New(ios)
	f.Getenv = func(k string) string { return env[k] }
	f.Now = now
	code := cmd.Run(context.Background(), f, args)
	return code, out.String(), errOut.String()
}

type remoteFixture struct {
	db, url, admin string
	local          *service.Service
	env            map[string]string
}

func newRemote(t *testing.T) *remoteFixture {
	t.Helper()
	dir := t.TempDir()
	db := filepath.Join(dir, "sactl.db")
	st, err := testdb.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	mk := service.LocalMasterKey(db)
	local := service.New(st, service.LocalActor("tester"), "", service.WithMasterKey(mk))
	_, tok, err := local.InitAdmin(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(server.New(server.Config{Store: st, MasterKey: mk}).Handler())
	t.Cleanup(ts.Close)
	env := map[string]string{"XDG_CONFIG_HOME": filepath.Join(dir, "config"), "SACTL_SERVER": ts.URL, "SACTL_TOKEN": tok.Secret}
	return &remoteFixture{db: db, url: ts.URL, admin: tok.Secret, local: local, env: env}
}

func with(env map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range env {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// Remote mode maps the server's 401 and 403 to exit 4 (R-SRV-2, R-CLI-3).
func TestRemoteAuthFailuresExit4(t *testing.T) {
	r := newRemote(t)
	ctx := context.Background()
	c, err := r.local.CreateAccount(ctx, api.CreateAccountRequest{Name: "Paused", Groups: []string{"admins"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.local.SuspendAccount(ctx, "paused", api.Mutation{Confirmed: true}); err != nil {
		t.Fatal(err)
	}
	rev, _ := r.local.CreateUserToken(ctx, api.CreateUserTokenRequest{Ref: "admin@default.example"})
	r.local.RevokeUserToken(ctx, "admin@default.example", rev.ID, api.Mutation{Confirmed: true})
	flipped := []byte(r.admin)
	flipped[10] ^= 1
	cases := map[string]map[string]string{
		"malformed":         with(r.env, "SACTL_TOKEN", string(flipped)),
		"unknown":           with(r.env, "SACTL_TOKEN", "sak_0000000000000000000000000000000000000000000000000"),
		"revoked":           with(r.env, "SACTL_TOKEN", rev.Secret),
		"suspended account": with(r.env, "SACTL_TOKEN", c.Key.Secret),
		"foreign business":  with(r.env, "SACTL_BUSINESS", "other"),
	}
	for name, env := range cases {
		code, out, errOut := runCLI(t, env, "sa", "list")
		if code != 4 || out != "" || !strings.HasPrefix(errOut, "sactl: ") || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 4, one line on stderr", name, code, out, errOut)
		}
	}
	if code, _, errOut := runCLI(t, r.env, "sa", "list"); code != 0 {
		t.Fatalf("the admin token works: %d %s", code, errOut)
	}
}

// R-KEY-16: a credential that expires within 14 days is warned about on
// stderr once a day; within 24 hours, on every command. stdout is untouched.
func TestRemoteWarnsBeforeCredentialExpires(t *testing.T) {
	r := newRemote(t)
	ctx := context.Background()
	token := func(d time.Duration) string {
		tok, err := r.local.CreateUserToken(ctx, api.CreateUserTokenRequest{Ref: "admin@default.example", ExpiresIn: d})
		if err != nil {
			t.Fatal(err)
		}
		return tok.Secret
	}
	dir := t.TempDir()
	env := map[string]string{
		"XDG_CONFIG_HOME": filepath.Join(dir, "config"), "XDG_STATE_HOME": filepath.Join(dir, "state"),
		"SOON": token(72 * time.Hour), "URGENT": token(12 * time.Hour), "NEVER": r.admin,
	}
	for _, p := range []string{"soon", "urgent", "never"} {
		if code, _, e := runCLI(t, env, "profile", "add", p, "--server", r.url, "--token-env", strings.ToUpper(p)); code != 0 {
			t.Fatal(e)
		}
	}
	run := func(profile string, offset time.Duration) (string, string) {
		t.Helper()
		code, out, errOut := runCLIAt(t, func() time.Time { return time.Now().Add(offset) }, env,
			"--profile", profile, "sa", "list", "-o", "json")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		return out, errOut
	}
	_, quiet := run("never", 0)
	if quiet != "" {
		t.Fatalf("a credential without expiry is warned about: %q", quiet)
	}
	want, _ := run("never", 0)

	out, warning := run("soon", 0)
	if out != want {
		t.Errorf("the warning changed stdout:\n%s", out)
	}
	if !regexp.MustCompile(`^sactl: warning: the credential of profile "soon" expires in (2|3) days \(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\); ` +
		`create a new one and store it with: sactl profile add soon --server http://127\.0\.0\.1:\d+ --token-stdin\n$`).MatchString(warning) {
		t.Errorf("warning = %q", warning)
	}
	if _, again := run("soon", time.Hour); again != "" {
		t.Errorf("warned twice within a day: %q", again)
	}
	if _, nextDay := run("soon", 25*time.Hour); !strings.Contains(nextDay, `profile "soon" expires in`) {
		t.Errorf("not warned again a day later: %q", nextDay)
	}
	for i := 0; i < 2; i++ {
		if _, urgent := run("urgent", 0); !strings.Contains(urgent, `profile "urgent" expires in 11 hours`) {
			t.Errorf("run %d within 24 hours: warning = %q", i, urgent)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "state", "sactl", "state.json")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("state file: %v, %v", fi, err)
	}
}

// The same commands print the same thing locally and against the server.
func TestRemoteOutputMatchesLocal(t *testing.T) {
	r := newRemote(t)
	local := map[string]string{"SACTL_DB": r.db, "XDG_CONFIG_HOME": r.env["XDG_CONFIG_HOME"]}
	if code, _, e := runCLI(t, local, "sa", "create", "Zapier Sync", "--group", "admins", "--description", "growth"); code != 0 {
		t.Fatal(e)
	}
	if code, _, e := runCLI(t, r.env, "sa", "create", "Billing Export", "--icon", "💸"); code != 0 {
		t.Fatal(e)
	}
	for _, args := range [][]string{
		{"sa", "list"}, {"sa", "list", "-o", "json"}, {"sa", "get", "Zapier Sync"}, {"sa", "get", "billing-export", "-o", "json"},
		{"sa", "keys", "list", "zapier-sync"}, {"groups", "list"}, {"users", "list"}, {"seats", "-o", "json"},
		{"settings", "get"}, {"sa", "get", "nope"}, {"sa", "archive", "zapier-sync"}, {"sa", "archive", "automation", "--yes"},
		{"sa", "groups", "clear", "zapier-sync", "--dry-run", "-o", "json"},
	} {
		lc, lo, le := runCLI(t, local, args...)
		rc, ro, re := runCLI(t, r.env, args...)
		if lc != rc || lo != ro || le != re {
			t.Errorf("%v differs:\nlocal  (%d): %s%s\nremote (%d): %s%s", args, lc, lo, le, rc, ro, re)
		}
	}
}

// kill -TERM during load lets in-flight requests finish and exits 0 (R-SRV-4).
// servedDB is a "sactl serve" process of the test binary on a fresh
// database, after "serve init": its URL, the admin's token, its logs.
type servedDB struct {
	bin, db, base, token string
	env                  []string
	srv                  *exec.Cmd
	logs                 *serverLog
}

func startServe(t *testing.T) *servedDB {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a server process")
	}
	dir := t.TempDir()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// testscript.Main in this test binary runs cmd.Main when invoked as "sactl".
	bin := filepath.Join(dir, "sactl")
	if err := os.Symlink(exe, bin); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "sactl.db")
	env := append(os.Environ(), "GORACE=atexit_sleep_ms=0", "XDG_CONFIG_HOME="+filepath.Join(dir, "config"))
	init := exec.Command(bin, "serve", "init", "--db", db)
	init.Env = env
	tokOut, err := init.Output()
	if err != nil {
		t.Fatalf("serve init: %v", err)
	}
	token := strings.TrimSpace(string(tokOut))
	// Port 0, and the address from the server's log: no race for a port.
	logs := &serverLog{listening: make(chan string, 1)}
	srv := exec.Command(bin, "serve", "--db", db, "--listen", "127.0.0.1:0")
	srv.Env, srv.Stderr = env, logs
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	var base string
	select {
	case base = <-logs.listening:
	case <-time.After(20 * time.Second):
		srv.Process.Kill()
		t.Fatalf("server did not start listening\n%s", logs)
	}
	if err := waitHealthy(base, nil); err != nil {
		srv.Process.Kill()
		t.Fatalf("%v\n%s", err, logs)
	}
	return &servedDB{bin: bin, db: db, base: base, token: token, env: env, srv: srv, logs: logs}
}

func TestServeGracefulShutdownUnderLoad(t *testing.T) {
	s := startServe(t)
	base, token, srv, logs := s.base, s.token, s.srv, s.logs
	addr := strings.TrimPrefix(base, "http://")

	var mu sync.Mutex
	var after atomic.Bool
	ok, refused := 0, 0
	var bad []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// One connection per request: an idle keep-alive connection closed by
			// Shutdown while the client reuses it is the client's race, not an
			// in-flight request lost.
			hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
			for {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest("GET", base+"/api/v1/service-accounts", nil)
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := hc.Do(req)
				mu.Lock()
				switch {
				case err == nil && resp.StatusCode == 200:
					ok++
				case err != nil && after.Load():
					refused++ // a new connection during or after shutdown: expected
				case err != nil:
					bad = append(bad, err.Error())
				default:
					bad = append(bad, fmt.Sprint("status ", resp.StatusCode))
				}
				mu.Unlock()
				if resp != nil {
					resp.Body.Close()
				}
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)

	// A request certainly in flight at SIGTERM: its handler is reading a body
	// whose second half arrives only after the signal.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"token":"` + token + `"}`
	fmt.Fprintf(conn, "POST /api/v1/auth/introspect HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", addr, token, len(body), body[:10])
	time.Sleep(200 * time.Millisecond)
	after.Store(true)
	if err := srv.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if _, err := conn.Write([]byte(body[10:])); err != nil {
		t.Fatalf("the in-flight request's connection was closed: %v", err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	reply, _ := io.ReadAll(conn)
	if !strings.HasPrefix(string(reply), "HTTP/1.1 200") || !strings.Contains(string(reply), `"active":true`) {
		t.Fatalf("the in-flight request did not finish: %q", reply)
	}

	err = srv.Wait()
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("serve exited with %v after SIGTERM, want 0\n%s", err, logs.String())
	}
	if ok == 0 {
		t.Fatal("no request succeeded before the shutdown")
	}
	if len(bad) > 0 {
		t.Fatalf("%d requests failed before the shutdown began (ok %d): %v", len(bad), ok, bad[:min(3, len(bad))])
	}
	if !strings.Contains(logs.String(), `"msg":"stopped"`) || strings.Contains(logs.String(), token) {
		t.Fatalf("logs: want a clean stop and no credential:\n%s", logs.String())
	}
}

// TestServeWritesLastUseAtShutdown: introspection only notes last uses
// (R-KEY-9); a graceful stop writes them, so none is lost.
func TestServeWritesLastUseAtShutdown(t *testing.T) {
	s := startServe(t)
	create := exec.Command(s.bin, "--db", s.db, "sa", "create", "Consumer", "--group", "admins", "-o", "json")
	create.Env = s.env
	out, err := create.Output()
	if err != nil {
		s.srv.Process.Kill()
		var ee *exec.ExitError
		errors.As(err, &ee)
		t.Fatalf("sa create: %v %s", err, ee.Stderr)
	}
	key := regexp.MustCompile(`"secret": "(sak_\w+)"`).FindSubmatch(out)
	if key == nil {
		s.srv.Process.Kill()
		t.Fatalf("no secret in %s", out)
	}
	req, _ := http.NewRequest("POST", s.base+"/api/v1/auth/introspect", strings.NewReader(`{"token":"`+string(key[1])+`"}`))
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		s.srv.Process.Kill()
		t.Fatalf("introspect: %v %v", resp, err)
	}
	resp.Body.Close()
	if err := s.srv.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := s.srv.Wait(); err != nil {
		t.Fatalf("serve: %v\n%s", err, s.logs)
	}
	list := exec.Command(s.bin, "--db", s.db, "sa", "keys", "list", "consumer", "-o", "json")
	list.Env = s.env
	out, err = list.Output()
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`"last_used_at": "\d{4}-`).Match(out) {
		t.Fatalf("the last use noted by the introspection was lost at shutdown:\n%s", out)
	}
}
