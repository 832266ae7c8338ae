package reliability

import (
	"fmt"
	"github.com/sactl/sactl/internal/store/storetest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The sactl binary every test drives, built on first use (sactlBinary).
var (
	buildOnce sync.Once
	binDir    string
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := storetest.Main(m) // stops the PostgreSQL cluster of TestReplicasShareOnePostgreSQL
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	for _, dir := range sharedDirs {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

// sharedDirs are temporary directories of fixtures shared by several tests
// (the secret hygiene scenario); TestMain removes them at the end.
var sharedDirs []string

// sactlBinary builds ./sactl once per test binary with "go build" (plain,
// CGO_ENABLED=0 like "make build"; with -race when SACTL_RELIABILITY_RACE=1)
// and answers its path. Under -short it skips the calling test: these tests
// spawn hundreds of processes.
func sactlBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("spawns sactl processes; skipped with -short")
	}
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "sactl-reliability-bin-")
		if buildErr != nil {
			return
		}
		goCmd, err := exec.LookPath("go")
		if err != nil {
			buildErr = fmt.Errorf("no go command to build sactl with: %v", err)
			return
		}
		binPath = filepath.Join(binDir, "sactl")
		args := []string{"build", "-o", binPath}
		env := append(os.Environ(), "CGO_ENABLED=0")
		if os.Getenv("SACTL_RELIABILITY_RACE") == "1" {
			args = append(args, "-race")
			env = append(env, "CGO_ENABLED=1")
		}
		args = append(args, "github.com/sactl/sactl")
		start := time.Now()
		out, err := exec.Command(goCmd, args...).CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
			return
		}
		buildTime = time.Since(start)
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

var buildTime time.Duration

// scale is how much each test does: the short form by default, the long one
// with SACTL_RELIABILITY=full (make test-reliability).
type scale struct {
	name string

	// crash: successful rotations + archives + creations, and SIGKILLs.
	crashOps, crashKills int
	// crash during bootstrap: rounds of four processes on a new file.
	bootstrapRounds int

	// concurrency: writers × operations each, in each mode.
	writers, writerOps int

	// durability: kill/restart cycles, load per cycle, HTTP clients.
	durCycles          int
	durMinLoad, durMax time.Duration
	durClients         int
}

var (
	shortScale = scale{
		name:     "short",
		crashOps: 60, crashKills: 5,
		bootstrapRounds: 3,
		writers:         4, writerOps: 25,
		durCycles: 2, durMinLoad: 300 * time.Millisecond, durMax: 800 * time.Millisecond, durClients: 4,
	}
	fullScale = scale{
		name:     "full",
		crashOps: 1000, crashKills: 50,
		bootstrapRounds: 20,
		writers:         16, writerOps: 200,
		durCycles: 10, durMinLoad: time.Second, durMax: 3 * time.Second, durClients: 8,
	}
)

// currentScale reads SACTL_RELIABILITY: unset or "short" for the short
// form, "full" for the long one.
func currentScale(t *testing.T) scale {
	t.Helper()
	switch v := os.Getenv("SACTL_RELIABILITY"); v {
	case "", "short":
		return shortScale
	case "full":
		return fullScale
	default:
		t.Fatalf("SACTL_RELIABILITY=%q: want short or full", v)
		return scale{}
	}
}
