// Package pgtest gives tests throwaway PostgreSQL databases (R-DB-4's
// store contract runs on them): a cluster started once per test binary in
// a temporary directory, listening on 127.0.0.1 only, and a new, empty
// database for each test that asks.
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
//	func TestSomething(t *testing.T) {
//		url := pgtest.URL(t) // postgres://sactl:<password>@127.0.0.1:<port>/sactl_test_…
//		…
//	}
//
// It needs initdb and pg_ctl (found in PATH, or in a Debian-style
// /usr/lib/postgresql/<version>/bin). Without them a test is skipped,
// except when CI=true, where it fails: CI never skips these tests. Run as
// root, the server runs as the postgres user (PostgreSQL refuses root),
// through runuser.
//
// The cluster authenticates TCP connections by password (SCRAM), so the
// URLs carry one, and the code under test has a secret to keep out of its
// messages. Its databases sort text by ICU's en-US collation where the
// server has ICU, as most production servers sort by a locale: a query
// whose order depends on the server's collation shows it here.
package pgtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// superuser is the cluster's bootstrap user, the owner of every test database.
const superuser = "sactl"

var (
	mainRunning atomic.Bool
	dbCounter   atomic.Int64

	mu      sync.Mutex
	started *cluster // the running cluster, nil before the first URL
	failed  error    // why the cluster could not start: every later URL fails too
)

// Main runs the tests of m (call it from TestMain) and then stops the
// cluster, if a test started one, and removes its directory. It returns
// the exit code for os.Exit.
func Main(m *testing.M) int {
	mainRunning.Store(true)
	code := m.Run()
	mu.Lock()
	defer mu.Unlock()
	if started != nil {
		if err := started.stop(); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
			if code == 0 {
				code = 1
			}
		}
		started = nil
	}
	return code
}

// Available reports whether a cluster can be started here: nil when
// initdb and pg_ctl are found (and, as root, runuser and a postgres user
// to run them as), else what is missing.
func Available() error {
	_, err := findTools()
	return err
}

// findTools finds the programs (a variable so that this package's tests
// can pretend there are none).
var findTools = tools

// URL returns the URL of a new, empty database on the test binary's
// cluster (started on first use), which is dropped when t ends. Without
// PostgreSQL the test is skipped, or fails when CI=true.
func URL(t testing.TB) string {
	t.Helper()
	c := ready(t)
	name := fmt.Sprintf("sactl_test_%d_%s", dbCounter.Add(1), randomHex(4))
	if err := c.admin(context.Background(), "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		// FORCE ends the sessions a test left open.
		if err := c.admin(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	return c.url(name)
}

// AdminURL is the URL of the cluster's maintenance database, for a test
// that needs to see the server from outside the databases it was given
// (their sessions, say). Same rules as URL.
func AdminURL(t testing.TB) string {
	t.Helper()
	return ready(t).url("postgres")
}

// Password is the cluster's password, which every URL carries: for a test
// checking that it never reaches a message.
func Password(t testing.TB) string {
	t.Helper()
	return ready(t).password
}

// ready is the running cluster, started if need be; without one the test
// is skipped (or fails under CI=true).
func ready(t testing.TB) *cluster {
	t.Helper()
	if err := Available(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is needed under CI=true: %v", err)
		}
		t.Skipf("no PostgreSQL to test with: %v", err)
	}
	if !mainRunning.Load() {
		t.Fatal("pgtest needs TestMain to run the tests through pgtest.Main, which stops the cluster")
	}
	c, err := get()
	if err != nil {
		t.Fatalf("start a PostgreSQL cluster: %v", err)
	}
	return c
}

func get() (*cluster, error) {
	mu.Lock()
	defer mu.Unlock()
	if started == nil && failed == nil {
		started, failed = start()
	}
	return started, failed
}

// toolset is where the programs are, and how to run them.
type toolset struct {
	initdb, pgctl string
	asPostgres    *user.User // non-nil as root: run them as this user
	runuser       string
}

func tools() (toolset, error) {
	var ts toolset
	var err error
	if ts.initdb, err = findPG("initdb"); err != nil {
		return ts, err
	}
	if ts.pgctl, err = findPG("pg_ctl"); err != nil {
		return ts, err
	}
	if os.Geteuid() == 0 {
		if ts.runuser, err = exec.LookPath("runuser"); err != nil {
			return ts, errors.New("running as root, and runuser (to run PostgreSQL as the postgres user) is not in PATH")
		}
		if ts.asPostgres, err = user.Lookup("postgres"); err != nil {
			return ts, errors.New("running as root, and there is no postgres user to run PostgreSQL as")
		}
	}
	return ts, nil
}

// findPG finds a PostgreSQL program in PATH, else in the newest
// /usr/lib/postgresql/<version>/bin.
func findPG(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	for i := len(dirs) - 1; i >= 0; i-- {
		if p := filepath.Join(dirs[i], name); isExecutable(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s is not in PATH (install PostgreSQL's server programs)", name)
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// cluster is a running test server.
type cluster struct {
	tools    toolset
	dir      string // holds data/, the sockets, the log and the owner file
	port     int
	password string

	adminMu   sync.Mutex
	adminConn *pgx.Conn
}

func (c *cluster) data() string { return filepath.Join(c.dir, "data") }

func (c *cluster) url(db string) string {
	return fmt.Sprintf("postgres://%s:%s@127.0.0.1:%d/%s?sslmode=disable", superuser, c.password, c.port, db)
}

// dirPrefix names the clusters' directories, so that one left behind by a
// test binary that died can be found and stopped.
const dirPrefix = "sactl-pgtest-"

func start() (*cluster, error) {
	ts, err := findTools()
	if err != nil {
		return nil, err
	}
	reapStale(ts)
	dir, err := os.MkdirTemp("", dirPrefix)
	if err != nil {
		return nil, err
	}
	c := &cluster{tools: ts, dir: dir, password: randomHex(16)}
	if err := c.init(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	// Another process may take the free port found before the server binds
	// it: try a few.
	for attempt := 1; ; attempt++ {
		if c.port, err = freePort(); err == nil {
			if err = c.startServer(); err == nil {
				break
			}
		}
		if attempt == 3 {
			c.stop()
			return nil, err
		}
	}
	if err := c.setPassword(); err != nil {
		c.stop()
		return nil, err
	}
	return c, nil
}

// setPassword gives the superuser this cluster's password, through the
// unix socket in the cluster's own directory (trusted: only its owner can
// reach it).
func (c *cluster) setPassword() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, fmt.Sprintf("host='%s' port=%d user=%s dbname=postgres sslmode=disable", c.dir, c.port, superuser))
	if err != nil {
		return fmt.Errorf("connect through the socket: %w", err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "ALTER ROLE "+superuser+" PASSWORD '"+c.password+"'")
	return err
}

// init makes the cluster's directory and its data directory: a copy of
// the cached one made by the same initdb with the same options, else a new
// one from initdb, which is then cached (initdb takes seconds, a copy a
// fraction of one).
func (c *cluster) init() error {
	if err := os.WriteFile(filepath.Join(c.dir, "owner"), []byte(strconv.Itoa(os.Getpid())), 0o600); err != nil {
		return err
	}
	if err := c.chown(c.dir); err != nil {
		return err
	}
	args := []string{"-U", superuser, "--auth-local", "trust", "--auth-host", "scram-sha-256",
		"-E", "UTF8", "--locale", "C", "--no-sync", "--no-instructions"}
	icu := []string{"--locale-provider", "icu", "--icu-locale", "en-US"}
	cached := cachedTemplate(c.tools.initdb, append(args, icu...))
	if cached != "" {
		if err := copyDir(cached, c.data()); err == nil {
			return c.chown(c.data())
		}
		os.RemoveAll(c.data())
	}
	// The bootstrap password is replaced once the server runs (see
	// setPassword), so that a cached copy holds none worth knowing.
	pwfile := filepath.Join(c.dir, "pwfile")
	if err := os.WriteFile(pwfile, []byte(randomHex(16)+"\n"), 0o600); err != nil {
		return err
	}
	defer os.Remove(pwfile)
	if err := c.chown(pwfile); err != nil {
		return err
	}
	args = append([]string{"-D", c.data(), "--pwfile", pwfile}, args...)
	out, err := c.run(c.tools.initdb, append(args, icu...)...)
	if err != nil && bytes.Contains(out, []byte("ICU")) {
		// A server built without ICU: its own default collation then.
		cached = ""
		os.RemoveAll(c.data())
		out, err = c.run(c.tools.initdb, args...)
	}
	if err != nil {
		return fmt.Errorf("initdb: %v\n%s", err, out)
	}
	if cached != "" {
		saveTemplate(c.data(), cached)
	}
	return nil
}

// chown gives a path to the postgres user when the server runs as it.
func (c *cluster) chown(path string) error {
	u := c.tools.asPostgres
	if u == nil {
		return nil
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return filepath.WalkDir(path, func(p string, _ os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
}

// cachedTemplate is where the data directory initdb makes with these
// arguments is cached, "" when there is no cache (SACTL_PGTEST_CACHE=off,
// or no user cache directory).
func cachedTemplate(initdb string, args []string) string {
	if os.Getenv("SACTL_PGTEST_CACHE") == "off" {
		return ""
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	version, err := exec.Command(initdb, "--version").Output()
	if err != nil {
		return ""
	}
	sum := sha256.Sum256([]byte(string(version) + "\x00" + strings.Join(args, "\x00")))
	return filepath.Join(base, "sactl-pgtest", "template-"+hex.EncodeToString(sum[:8]))
}

// saveTemplate caches a fresh data directory, best effort: copied beside
// the cache entry, then renamed into place, so that a test binary never
// sees half a copy (and of two that race, one copy wins).
func saveTemplate(data, cached string) {
	if err := os.MkdirAll(filepath.Dir(cached), 0o700); err != nil {
		return
	}
	tmp, err := os.MkdirTemp(filepath.Dir(cached), "tmp-")
	if err != nil {
		return
	}
	defer os.RemoveAll(tmp)
	if copyDir(data, filepath.Join(tmp, "data")) == nil {
		os.Rename(filepath.Join(tmp, "data"), cached)
	}
}

// copyDir copies a tree of directories and regular files, keeping their
// modes (PostgreSQL insists on its data directory's).
func copyDir(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.Mkdir(target, info.Mode().Perm())
		case info.Mode().IsRegular():
			return copyFile(p, target, info.Mode().Perm())
		}
		return fmt.Errorf("%s: not a file or a directory", p)
	})
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// startServer starts the server on c.port and waits until it accepts connections.
func (c *cluster) startServer() error {
	opts := strings.Join([]string{
		"-c listen_addresses=127.0.0.1",
		"-p " + strconv.Itoa(c.port),
		"-k '" + c.dir + "'", // unix sockets here, not in /var/run/postgresql
		"-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off",
		"-c max_connections=300", "-c shared_buffers=32MB",
	}, " ")
	log := filepath.Join(c.dir, "server.log")
	out, err := c.run(c.tools.pgctl, "start", "-D", c.data(), "-l", log, "-w", "-t", "60", "-s", "-o", opts)
	if err != nil {
		logText, _ := os.ReadFile(log)
		return fmt.Errorf("pg_ctl start: %v\n%s%s", err, out, tail(logText, 2000))
	}
	return nil
}

// run runs a PostgreSQL program, as the postgres user when we are root.
func (c *cluster) run(prog string, args ...string) ([]byte, error) {
	var cmd *exec.Cmd
	if c.tools.asPostgres != nil {
		cmd = exec.Command(c.tools.runuser, append([]string{"-u", "postgres", "--", prog}, args...)...)
	} else {
		cmd = exec.Command(prog, args...)
	}
	cmd.Dir = c.dir
	// The server must not inherit the test's PG* settings (or its locale
	// for messages, which the checks above read).
	cmd.Env = append(cleanEnv(), "LC_ALL=C")
	return cmd.CombinedOutput()
}

func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") && !strings.HasPrefix(kv, "LC_") && !strings.HasPrefix(kv, "LANG") {
			env = append(env, kv)
		}
	}
	return env
}

// admin runs one statement on the maintenance database (CREATE DATABASE
// cannot run in a transaction, so it goes alone).
func (c *cluster) admin(ctx context.Context, stmt string) error {
	c.adminMu.Lock()
	defer c.adminMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if c.adminConn == nil || c.adminConn.IsClosed() {
		conn, err := pgx.Connect(ctx, c.url("postgres"))
		if err != nil {
			return err
		}
		c.adminConn = conn
	}
	_, err := c.adminConn.Exec(ctx, stmt)
	return err
}

// stop stops the server at once (-m immediate: nothing to keep) and removes
// its directory.
func (c *cluster) stop() error {
	c.adminMu.Lock()
	if c.adminConn != nil {
		c.adminConn.Close(context.Background())
		c.adminConn = nil
	}
	c.adminMu.Unlock()
	var err error
	if _, statErr := os.Stat(filepath.Join(c.data(), "postmaster.pid")); statErr == nil {
		if out, stopErr := c.run(c.tools.pgctl, "stop", "-D", c.data(), "-m", "immediate", "-s", "-w"); stopErr != nil {
			err = fmt.Errorf("pg_ctl stop: %v\n%s", stopErr, out)
			killPostmaster(c.data())
		}
	}
	return errors.Join(err, os.RemoveAll(c.dir))
}

// killPostmaster sends SIGQUIT (immediate shutdown) to the server of a data
// directory, when pg_ctl could not stop it.
func killPostmaster(data string) {
	b, err := os.ReadFile(filepath.Join(data, "postmaster.pid"))
	if err != nil {
		return
	}
	first, _, _ := strings.Cut(string(b), "\n")
	if pid, err := strconv.Atoi(strings.TrimSpace(first)); err == nil && pid > 0 {
		syscall.Kill(pid, syscall.SIGQUIT)
	}
}

// reapStale stops the clusters left by test binaries that died before
// Main could stop them (a test timeout's panic, a kill), and removes them.
func reapStale(ts toolset) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, "owner"))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(string(b))
		if err != nil || pid <= 0 || syscall.Kill(pid, 0) != syscall.ESRCH {
			continue // its test binary still runs (or it is not ours to judge)
		}
		old := &cluster{tools: ts, dir: dir}
		old.stop()
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
