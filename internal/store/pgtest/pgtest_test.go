package pgtest

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// childEnv makes this test binary, run again, a child whose test is
// TestChild: hiding the PostgreSQL programs, or reporting its cluster.
const childEnv = "PGTEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "no-tools" {
		findTools = func() (toolset, error) { return toolset{}, errors.New("initdb is not in PATH (hidden by the test)") }
	}
	os.Exit(Main(m))
}

// TestChild is what a child runs (nothing otherwise).
func TestChild(t *testing.T) {
	switch os.Getenv(childEnv) {
	case "":
		t.Skip("run by the other tests")
	case "cluster":
		URL(t)
		mu.Lock()
		os.Stdout.WriteString("cluster-dir=" + started.dir + "\n")
		mu.Unlock()
	default:
		URL(t)
	}
}

func runChild(t *testing.T, mode string, env ...string) (string, error) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestChild$", "-test.v")
	cmd.Env = append(append(os.Environ(), childEnv+"="+mode), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// Without PostgreSQL a test is skipped, saying why; under CI=true it fails.
func TestWithoutPostgres(t *testing.T) {
	out, err := runChild(t, "no-tools", "CI=")
	if err != nil || !strings.Contains(out, "--- SKIP: TestChild") || !strings.Contains(out, "hidden by the test") {
		t.Errorf("without CI: %v\n%s", err, out)
	}
	out, err = runChild(t, "no-tools", "CI=true")
	if err == nil || !strings.Contains(out, "--- FAIL: TestChild") || !strings.Contains(out, "PostgreSQL is needed under CI=true") {
		t.Errorf("under CI=true: %v\n%s", err, out)
	}
}

// Main stops the cluster a test binary started and removes its directory.
func TestMainStopsTheCluster(t *testing.T) {
	if err := Available(); err != nil {
		t.Skip(err)
	}
	out, err := runChild(t, "cluster")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	_, dir, ok := strings.Cut(out, "cluster-dir=")
	dir, _, _ = strings.Cut(dir, "\n")
	if !ok || dir == "" {
		t.Fatalf("no cluster directory in\n%s", out)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("%s is still there (%v)", dir, err)
	}
}

// URL gives a new, empty database that needs the password and is dropped
// with the test.
func TestURL(t *testing.T) {
	ctx := context.Background()
	var first string
	t.Run("use", func(t *testing.T) {
		first = URL(t)
		second := URL(t)
		if first == second {
			t.Fatal("two tests would share a database")
		}
		if !strings.Contains(first, ":"+Password(t)+"@127.0.0.1:") {
			t.Fatalf("URL %s holds no password", first)
		}
		conn, err := pgx.Connect(ctx, first)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var tables int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`).Scan(&tables); err != nil || tables != 0 {
			t.Fatalf("%d tables, %v", tables, err)
		}
		wrong := strings.Replace(first, Password(t), "wrong", 1)
		if c, err := pgx.Connect(ctx, wrong); err == nil {
			c.Close(ctx)
			t.Fatal("the cluster lets a wrong password in")
		}
	})
	if first == "" {
		return // skipped
	}
	admin, err := pgx.Connect(ctx, AdminURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	name := first[strings.LastIndex(first, "/")+1 : strings.Index(first, "?")]
	var n int
	if err := admin.QueryRow(ctx, `SELECT count(*) FROM pg_database WHERE datname = $1`, name).Scan(&n); err != nil || n != 0 {
		t.Fatalf("database %s is still there after its test (%d, %v)", name, n, err)
	}
}
