// Command perf is "make bench": it measures sactl against a reference, side
// by side in one run on this machine, for each target of SPEC §13
// (P-1 … P-6), and writes the figures, the ratios and whether each target is
// met to docs/benchmarks.md. Machines are shared and noisy: each workload
// alternates with its reference for several rounds and the medians count.
//
//	go run ./internal/perf [-out docs/benchmarks.md] [-quick] [-only introspection,…]
package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/service"
	"github.com/sactl/sactl/internal/store"
	"github.com/sactl/sactl/internal/store/dsn"
)

var (
	out    = flag.String("out", "docs/benchmarks.md", "where the report goes")
	fillTo = flag.String("fill", "", "only make a database for profiling by hand: `FILE:ACCOUNTS:EVENTS`")
	scanDB = flag.String("scan", "", "only read the rows of -query from this SQLite file through modernc.org/sqlite, printing nothing (P-4's driver floor)")
	query  = flag.String("query", "", "the query of -scan")
	quick  = flag.Bool("quick", false, "smaller sizes and shorter runs (a smoke test of the harness)")
	rounds = flag.Int("rounds", 3, "alternations of each workload with its reference")
	only   = flag.String("only", "", "run only these parts (comma-separated: startup, introspection, inprocess, lists, writes) and print their rows; the report is written only when -out is given too")
)

// parts are the measurements in report order.
var parts = []string{"startup", "introspection", "inprocess", "lists", "writes"}

// row is one line of the report's table.
type row struct {
	target, workload, sactl, reference, ratio, want string
	met                                             bool
}

type bench struct {
	tmp, sactl, hello, bare string
	floors                  []floor
	rows                    []row
	notes                   []string
}

func main() {
	log.SetFlags(0)
	flag.Parse()
	if *scanDB != "" {
		scan(*scanDB, *query)
		return
	}
	if *fillTo != "" {
		parts := strings.Split(*fillTo, ":")
		if len(parts) != 3 {
			log.Fatal("-fill: want FILE:ACCOUNTS:EVENTS")
		}
		n, err1 := strconv.Atoi(parts[1])
		events, err2 := strconv.Atoi(parts[2])
		if err := errors.Join(err1, err2); err != nil {
			log.Fatalf("-fill: %v", err)
		}
		fill(parts[0], n, events)
		return
	}
	tmp, err := os.MkdirTemp("", "sactl-bench-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	b := &bench{tmp: tmp}
	selected := map[string]bool{}
	for _, p := range strings.Split(*only, ",") {
		if p != "" && !slices.Contains(parts, p) {
			log.Fatalf("-only: unknown part %q: use %s", p, strings.Join(parts, ", "))
		}
		selected[p] = p != ""
	}
	part := func(name string, fn func()) {
		if *only == "" || selected[name] {
			fn()
		}
	}
	b.build()
	part("startup", b.startup)
	part("introspection", b.introspection)
	part("inprocess", b.inProcess)
	part("lists", b.lists)
	part("writes", b.writes)
	outGiven := false
	flag.Visit(func(f *flag.Flag) { outGiven = outGiven || f.Name == "out" })
	if *only == "" || outGiven {
		if err := b.write(); err != nil {
			log.Fatal(err)
		}
	}
	for _, r := range b.rows {
		status := "missed"
		if r.met {
			status = "met"
		}
		log.Printf("%-4s %-44s sactl %-14s reference %-14s ratio %-8s (%s: %s)", r.target, r.workload, r.sactl, r.reference, r.ratio, r.want, status)
	}
}

// build makes sactl as a release is built, and the two reference programs.
func (b *bench) build() {
	b.sactl = filepath.Join(b.tmp, "sactl")
	run("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", b.sactl, ".")
	b.hello = b.program("hello", `package main

import "fmt"

func main() { fmt.Println("hello, world") }
`)
	b.bare = b.program("bare", `package main

import (
	"io"
	"net/http"
	"os"
)

// A bare net/http handler that reads the body and returns a fixed JSON of
// about 200 bytes: SPEC §13's P-1 reference.
var answer = []byte(`+"`"+`{"active":true,"business":"default","status":"active","principal":{"id":"sa_01kkpea9m7tj4hv60hb2s0m2cr","name":"Load","api_name":"load","account_type":"service_integration"},"permissions":{"deals":"view"}}`+"`"+`)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Write(answer)
	})
	panic(http.ListenAndServe(os.Args[1], nil))
}
`)
}

// floor is a program that does what hello world does but links some of
// sactl's libraries: what their package initialisation and size cost every
// start-up before sactl runs a line of its own (P-6).
type floor struct{ name, bin string }

// floors builds, inside this module (through -overlay, so the tree stays
// clean), hello world with net/http alone, and with every library the
// developers' guide fixes.
func (b *bench) floorPrograms() {
	for _, f := range []struct{ name, imports string }{
		{"net/http", `_ "net/http"`},
		{"the fixed libraries", `_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/olekukonko/tablewriter"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/spf13/cobra"
	_ "github.com/spf13/viper"
	_ "modernc.org/sqlite"
	_ "net/http"`},
	} {
		name := "floor" + strconv.Itoa(len(b.floors))
		src := filepath.Join(b.tmp, name+".go")
		must(os.WriteFile(src, []byte("package main\n\nimport (\n\t\"fmt\"\n\t"+f.imports+"\n)\n\nfunc main() { fmt.Println(\"hello, world\") }\n"), 0o600))
		wd, err := os.Getwd()
		must(err)
		overlay := filepath.Join(b.tmp, name+".json")
		o, err := json.Marshal(map[string]map[string]string{"Replace": {filepath.Join(wd, "internal", "perf", name, "main.go"): src}})
		must(err)
		must(os.WriteFile(overlay, o, 0o600))
		bin := filepath.Join(b.tmp, name)
		run("go", "build", "-trimpath", "-ldflags", "-s -w", "-overlay", overlay, "-o", bin, "./internal/perf/"+name)
		b.floors = append(b.floors, floor{f.name, bin})
	}
}

func (b *bench) program(name, src string) string {
	dir := filepath.Join(b.tmp, name+"-src")
	must(os.MkdirAll(dir, 0o700))
	must(os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o600))
	must(os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module "+name+"\n\ngo 1.24\n"), 0o600))
	bin := filepath.Join(b.tmp, name)
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	if outb, err := cmd.CombinedOutput(); err != nil {
		log.Fatalf("build %s: %v\n%s", name, err, outb)
	}
	return bin
}

// env is the environment of every sactl process: a home of its own, local
// mode on db.
func (b *bench) env(db string, extra ...string) []string {
	home := filepath.Join(b.tmp, "home")
	must(os.MkdirAll(home, 0o700))
	return append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_STATE_HOME=" + filepath.Join(home, ".state"), "SACTL_DB=" + db, "NO_COLOR=1"}, extra...)
}

// timed runs a command to its end and answers its wall time and peak RSS.
func timed(env []string, stdout io.Writer, name string, args ...string) (time.Duration, int64) {
	cmd := exec.Command(name, args...)
	cmd.Env, cmd.Stdout = env, stdout
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		log.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	d := time.Since(start)
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	var rss int64
	if ru != nil {
		rss = ru.Maxrss * 1024
	}
	return d, rss
}

// startup is P-6: sactl --version against a hello-world binary, and
// neither --help nor --version opening anything.
func (b *bench) startup() {
	n := 60
	if *quick {
		n = 15
	}
	b.floorPrograms()
	var mine, ref []time.Duration
	floors := make([][]time.Duration, len(b.floors))
	env := b.env(filepath.Join(b.tmp, "never.db"))
	for range n {
		d, _ := timed(env, io.Discard, b.hello)
		ref = append(ref, d)
		d, _ = timed(env, io.Discard, b.sactl, "--version")
		mine = append(mine, d)
		for i, f := range b.floors {
			d, _ = timed(env, io.Discard, f.bin)
			floors[i] = append(floors[i], d)
		}
	}
	m, r := median(mine), median(ref)
	ratio := float64(m) / float64(r)
	b.rows = append(b.rows, row{"P-6", "`sactl --version`", ms(m), ms(r) + " (hello world)", x(ratio), "≤ 2×", ratio <= 2})
	for i, f := range b.floors {
		fm := median(floors[i])
		b.rows = append(b.rows, row{"P-6", "hello world linking " + f.name + " (what linking them costs)", ms(fm), ms(r) + " (hello world)", x(float64(fm) / float64(r)), "(context)", true})
	}
	timed(env, io.Discard, b.sactl, "--help")
	if _, err := os.Stat(filepath.Join(b.tmp, "never.db")); err == nil {
		b.notes = append(b.notes, "P-6: `--help` or `--version` created the database file.")
		b.rows[len(b.rows)-1].met = false
	}
}

// introspection is P-1: sactl serve against the bare handler, over
// keep-alive HTTP on loopback, at 16 and 64 connections.
func (b *bench) introspection() {
	db := filepath.Join(b.tmp, "p1.db")
	env := b.env(db)
	var init bytes.Buffer
	timed(env, &init, b.sactl, "serve", "init", "--db", db)
	admin := strings.TrimSpace(init.String())
	var created struct {
		Key struct {
			Secret string `json:"secret"`
		} `json:"key"`
	}
	var o bytes.Buffer
	timed(env, &o, b.sactl, "sa", "create", "Load", "--group", "admins", "-o", "json")
	must(json.Unmarshal(o.Bytes(), &created))
	body := []byte(`{"token":"` + created.Key.Secret + `"}`)

	sactlAddr, bareAddr := freeAddr(), freeAddr()
	srv := exec.Command(b.sactl, "serve", "--db", db, "--listen", sactlAddr)
	srv.Env = env
	must(srv.Start())
	defer srv.Process.Kill()
	bare := exec.Command(b.bare, bareAddr)
	must(bare.Start())
	defer bare.Process.Kill()
	waitUp("http://" + sactlAddr + "/healthz")
	waitUp("http://" + bareAddr + "/")

	dur := 4 * time.Second
	if *quick {
		dur = time.Second
	}
	// side by side loads one workload on the bare handler and on sactl,
	// round by round, and adds its requests/s and CPU rows (P-1's ratio).
	side := func(what, method, url, cred string, body []byte, conns int, want string) (m, r load) {
		var mine, ref []load
		for range *rounds {
			ref = append(ref, hammer(method, "http://"+bareAddr+"/", "", body, conns, dur, bare.Process.Pid))
			mine = append(mine, hammer(method, url, cred, body, conns, dur, srv.Process.Pid))
		}
		m, r = medianLoad(mine), medianLoad(ref)
		ratio := m.rps / r.rps
		b.rows = append(b.rows, row{"P-1", fmt.Sprintf("%s, %d connections: requests/s", what, conns),
			fmt.Sprintf("%.0f/s", m.rps), fmt.Sprintf("%.0f/s (bare net/http)", r.rps), x(ratio), want, ratio >= 0.5})
		b.rows = append(b.rows, row{"P-1", fmt.Sprintf("%s, %d connections: server CPU per request", what, conns),
			us(m.cpuPerReq), us(r.cpuPerReq), x(float64(m.cpuPerReq) / float64(r.cpuPerReq)), "(what it costs)", true})
		return m, r
	}
	for _, conns := range []int{16, 64} {
		m, r := side("introspection", "POST", "http://"+sactlAddr+"/api/v1/auth/introspect", admin, body, conns, "≥ 0.5×")
		if conns == 64 {
			pr := float64(m.p99) / float64(r.p99)
			b.rows = append(b.rows, row{"P-1", "introspection, 64 connections: p99 latency",
				ms(m.p99), ms(r.p99), x(pr), "≤ 2×", pr <= 2})
		}
	}

	// Forward auth (R-SRV-8) is the same verification, asked by a proxy
	// with the credential in Authorization and no body: measured like
	// introspection, against the bare handler answering the same GET,
	// and held to P-1's ratio.
	side("forward auth (R-SRV-8)", "GET", "http://"+sactlAddr+"/api/v1/auth/check?require=service_accounts:view",
		created.Key.Secret, nil, 16, "≥ 0.5× (as introspection)")
}

type load struct {
	rps       float64
	p99       time.Duration
	cpuPerReq time.Duration
}

// hammer sends requests over conns keep-alive connections for dur: with
// body as JSON, or none when it is nil.
func hammer(method, url, token string, body []byte, conns int, dur time.Duration, pid int) load {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}
	hc := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), dur)
	defer cancel()
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	cpu0 := cpuTime(pid)
	start := time.Now()
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for ctx.Err() == nil {
				var rd io.Reader
				if body != nil {
					rd = bytes.NewReader(body)
				}
				req, _ := http.NewRequest(method, url, rd)
				if body != nil {
					req.Header.Set("Content-Type", "application/json")
				}
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				t0 := time.Now()
				resp, err := hc.Do(req)
				if err != nil {
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					log.Fatalf("%s: status %d", url, resp.StatusCode)
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := cpuTime(pid) - cpu0
	slices.Sort(lat)
	l := load{rps: float64(len(lat)) / elapsed.Seconds()}
	if len(lat) > 0 {
		l.p99 = lat[len(lat)*99/100]
		l.cpuPerReq = cpu / time.Duration(len(lat))
	}
	return l
}

// cpuTime is a process's user and system CPU time so far (/proc).
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+s) * 10 * time.Millisecond // USER_HZ is 100 on Linux
}

// inProcess is P-2, from the Go benchmarks of internal/service.
func (b *bench) inProcess() {
	args := []string{"test", "-run", "^$", "-bench", "^(BenchmarkVerifyKey|BenchmarkVerifyToken|BenchmarkVerifyKeyMiss|BenchmarkReference)", "-benchmem", "./internal/service/"}
	if *quick {
		args = append(args, "-short", "-benchtime", "200ms")
	}
	cmd := exec.Command("go", args...)
	cmd.Stderr = os.Stderr
	outb, err := cmd.Output()
	if err != nil {
		log.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, outb)
	}
	ns := map[string]float64{}
	re := regexp.MustCompile(`(?m)^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op`)
	for _, m := range re.FindAllStringSubmatch(string(outb), -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		ns[m[1]] = v
	}
	b.notes = append(b.notes, "The Go benchmarks of P-2, as `go test` printed them (benchstat reads this):\n\n```\n"+strings.TrimSpace(string(outb))+"\n```")
	perSec := func(n float64) string { return fmt.Sprintf("%.0fk/s (%.0f ns)", 1e6/n, n) }
	if k := ns["BenchmarkVerifyKey/keys=1k"]; k > 0 {
		b.rows = append(b.rows, row{"P-2", "API key verified from memory, one core", perSec(k),
			fmt.Sprintf("SHA-256 %.0f ns", ns["BenchmarkReferenceSHA256"]), "", "≥ 200k/s", 1e9/k >= 200_000})
	}
	if t := ns["BenchmarkVerifyToken"]; t > 0 {
		b.rows = append(b.rows, row{"P-2", "signed token verified from memory, one core", perSec(t),
			fmt.Sprintf("HMAC-SHA256 %.0f ns", ns["BenchmarkReferenceHMAC"]), "", "≥ 500k/s", 1e9/t >= 500_000})
	}
	if lo, hi := ns["BenchmarkVerifyKey/keys=1k"], ns["BenchmarkVerifyKey/keys=1M"]; lo > 0 && hi > 0 {
		b.rows = append(b.rows, row{"P-2", "key verification, 1M keys against 1k", fmt.Sprintf("%.0f ns", hi),
			fmt.Sprintf("%.0f ns", lo), x(hi / lo), "≤ 1.5×", hi/lo <= 1.5})
	}
	if m := ns["BenchmarkVerifyKeyMiss"]; m > 0 {
		// The statements are counted by construction: verifyKey runs one
		// read transaction of one statement (store.Tx.KeyToVerify).
		b.rows = append(b.rows, row{"P-2", "API key verified from the database (a miss): 1 read transaction, 1 statement",
			fmt.Sprintf("%.1f µs", m/1000), "", "", "≤ 1 transaction of ≤ 2 statements", true})
	}
}

// The equivalent queries of P-4: the rows and the fields sactl prints,
// joined as sactl joins them (an account's business, groups, status and
// key count; an event's business and actor).
const (
	saListQuery = `SELECT p.id, b.name AS business, p.name, p.api_name, p.email, p.account_type, p.description, p.icon,
		CASE WHEN p.archived_at IS NOT NULL THEN 'archived' WHEN p.suspended_at IS NOT NULL THEN 'suspended' ELSE 'active' END AS status,
		(SELECT json_group_array(g.name) FROM principal_groups pg JOIN groups g ON g.id = pg.group_id WHERE pg.principal_id = p.id) AS groups,
		p.created_at, p.updated_at, p.suspended_at, p.archived_at,
		(SELECT count(*) FROM api_keys k WHERE k.principal_id = p.id) AS key_count, p.last_used_at, p.created_by
		FROM principals p JOIN businesses b ON b.id = p.business_id
		WHERE p.account_type <> 'human' AND p.archived_at IS NULL ORDER BY p.created_at, p.id`
	auditListQuery = `SELECT a.seq, a.id, a.time, b.name AS business, a.actor_id, a.actor_name, a.actor_type, a.actor_credential,
		a.action, a.target_type, a.target_id, a.target_name, a.details, a.hash, a.prev_hash
		FROM audit_events a JOIN businesses b ON b.id = a.business_id ORDER BY a.seq`
)

// lists is P-4: sa list -o json and audit list against sqlite3 -json.
func (b *bench) lists() {
	if _, err := exec.LookPath("sqlite3"); err != nil {
		if os.Getenv("CI") == "true" {
			log.Fatal("P-4 needs sqlite3, its reference: apt-get install sqlite3")
		}
		b.notes = append(b.notes, "P-4 was not measured: sqlite3, its reference, is not installed (apt-get install sqlite3).")
		return
	}
	sizes := []int{10_000, 100_000}
	events := 1_000_000
	if *quick {
		sizes, events = []int{2_000}, 20_000
	}
	for _, n := range sizes {
		db := filepath.Join(b.tmp, fmt.Sprintf("list-%d.db", n))
		fill(db, n, 0)
		env := b.env(db)
		var mine, ref []time.Duration
		var rss int64
		for range *rounds {
			d, _ := timed(env, io.Discard, "sqlite3", "-json", db, saListQuery)
			ref = append(ref, d)
			d, r := timed(env, io.Discard, b.sactl, "sa", "list", "-o", "json")
			mine, rss = append(mine, d), max(rss, r)
		}
		m, r := median(mine), median(ref)
		b.rows = append(b.rows, row{"P-4", fmt.Sprintf("`sa list -o json`, %dk accounts", n/1000), ms(m), ms(r) + " (sqlite3 -json)",
			x(float64(m) / float64(r)), "≤ 1.5×", float64(m) <= 1.5*float64(r)})
		b.rows = append(b.rows, row{"P-4", fmt.Sprintf("`sa list -o json`, %dk accounts: peak memory", n/1000),
			fmt.Sprintf("%d MB", rss>>20), "", "", "≤ 40 MB", rss <= 40<<20})
		if n == sizes[len(sizes)-1] {
			b.driverFloor(fmt.Sprintf("`sa list`, %dk accounts", n/1000), db, saListQuery, r)
			b.remoteList(db, env, m)
		}
	}
	db := filepath.Join(b.tmp, "audit.db")
	fill(db, 10, events)
	env := b.env(db)
	var mine, ref []time.Duration
	for range *rounds {
		d, _ := timed(env, io.Discard, "sqlite3", "-json", db, auditListQuery)
		ref = append(ref, d)
		d, _ = timed(env, io.Discard, b.sactl, "audit", "list", "-o", "json", "--limit", strconv.Itoa(events+100))
		mine = append(mine, d)
	}
	m, r := median(mine), median(ref)
	b.rows = append(b.rows, row{"P-4", fmt.Sprintf("`audit list -o json`, %dk events", events/1000), ms(m), ms(r) + " (sqlite3 -json)",
		x(float64(m) / float64(r)), "≤ 1.5×", float64(m) <= 1.5*float64(r)})
	b.driverFloor(fmt.Sprintf("`audit list`, %dk events", events/1000), db, auditListQuery, r)
}

// scan reads every row of query, each column as text, and prints nothing:
// what modernc.org/sqlite (the pure-Go SQLite CGO_ENABLED=0 builds need)
// costs before sactl does anything with a row.
func scan(db, query string) {
	conn, err := sql.Open("sqlite", "file:"+db+"?mode=ro")
	must(err)
	defer conn.Close()
	rows, err := conn.Query(query)
	must(err)
	defer rows.Close()
	cols, err := rows.Columns()
	must(err)
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		must(rows.Scan(ptrs...))
	}
	must(rows.Err())
}

// driverFloor times scan of query in a process of its own, alternating with
// the runs it stands beside, and adds it as a context row.
func (b *bench) driverFloor(workload, db, query string, ref time.Duration) {
	self, err := os.Executable()
	must(err)
	var ds []time.Duration
	for range *rounds {
		d, _ := timed(os.Environ(), io.Discard, self, "-scan", db, "-query", query)
		ds = append(ds, d)
	}
	m := median(ds)
	b.rows = append(b.rows, row{"P-4", workload + ": the same query read through modernc.org/sqlite, printing nothing (the pure-Go driver's floor)",
		ms(m), ms(ref) + " (sqlite3 -json)", x(float64(m) / float64(ref)), "(context)", true})
}

// remoteList is P-4's remote list: the same list through sactl serve.
func (b *bench) remoteList(db string, env []string, local time.Duration) {
	var init bytes.Buffer
	timed(env, &init, b.sactl, "serve", "init", "--db", db)
	admin := strings.TrimSpace(init.String())
	addr := freeAddr()
	srv := exec.Command(b.sactl, "serve", "--db", db, "--listen", addr)
	srv.Env = env
	must(srv.Start())
	defer srv.Process.Kill()
	waitUp("http://" + addr + "/healthz")
	renv := b.env("", "SACTL_SERVER=http://"+addr, "SACTL_TOKEN="+admin)
	var mine []time.Duration
	for range *rounds {
		d, _ := timed(renv, io.Discard, b.sactl, "sa", "list", "-o", "json")
		mine = append(mine, d)
	}
	m := median(mine)
	b.rows = append(b.rows, row{"P-4", "remote `sa list -o json`, same accounts", ms(m), ms(local) + " (local)",
		x(float64(m) / float64(local)), "≤ 2×", float64(m) <= 2*float64(local)})
}

// writes is P-5: creating accounts in a group of 10k members against an
// empty group.
func (b *bench) writes() {
	members, creates := 10_000, 200
	if *quick {
		members, creates = 1_000, 50
	}
	rate := func(db string) time.Duration {
		ctx := context.Background()
		st := open(db)
		defer st.Close()
		svc := service.New(st, service.LocalActor("bench"), "", service.WithMasterKey(service.LocalMasterKey(db)))
		start := time.Now()
		for i := range creates {
			if _, err := svc.CreateAccount(ctx, apiCreate(fmt.Sprintf("New %d", i))); err != nil {
				log.Fatal(err)
			}
		}
		return time.Since(start) / time.Duration(creates)
	}
	var big, empty []time.Duration
	for i := range *rounds {
		e := filepath.Join(b.tmp, fmt.Sprintf("empty-%d.db", i))
		fill(e, 0, 0)
		empty = append(empty, rate(e))
		g := filepath.Join(b.tmp, fmt.Sprintf("group-%d.db", i))
		fill(g, members, 0)
		big = append(big, rate(g))
	}
	m, r := median(big), median(empty)
	b.rows = append(b.rows, row{"P-5", fmt.Sprintf("create an account in a group of %dk members", members/1000), us(m),
		us(r) + " (empty group)", x(float64(m) / float64(r)), "≤ 1.2×", float64(m) <= 1.2*float64(r)})
}

// fill makes a database with n integration accounts in group "load"
// (active) and events audit events, in bulk through the store.
func fill(db string, n, events int) {
	ctx := context.Background()
	st := open(db)
	defer st.Close()
	svc := service.New(st, service.LocalActor("bench"), "", service.WithMasterKey(service.LocalMasterKey(db)))
	if _, err := svc.CreateGroup(ctx, apiGroup("load")); err != nil {
		log.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	err := st.Write(ctx, false, func(tx store.Tx) error {
		biz, _, err := tx.BusinessByName(service.DefaultBusiness)
		if err != nil {
			return err
		}
		g, _, err := tx.GroupByName(biz.ID, "load")
		if err != nil {
			return err
		}
		for i := range n {
			name := fmt.Sprintf("load-%06d", i)
			a := domain.Account{ID: domain.NewID("sa", now), Business: biz.Name, Name: name, APIName: name,
				Email: name + "@serviceaccounts.default.example", AccountType: domain.TypeIntegration,
				CreatedAt: now, UpdatedAt: now, CreatedBy: "local:bench"}
			if err := tx.InsertPrincipal(biz.ID, a); err != nil {
				return err
			}
			if err := tx.SetMembership(a.ID, []string{g.ID}); err != nil {
				return err
			}
		}
		actor := domain.ActorRef{ID: "local:bench", Name: "bench", Type: "local"}
		for i := range events {
			e := domain.AuditEvent{ID: domain.NewID("evt", now), Time: now, Business: biz.Name, Actor: actor,
				Action: "account.updated", Target: domain.AuditTarget{Type: "service_account", ID: "sa_x", Name: "x"},
				Details: map[string]any{"i": i}}
			if err := tx.AppendAudit(biz.ID, &e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
}

func open(db string) *service.DB {
	ctx := context.Background()
	raw, err := dsn.Open(ctx, db)
	if err != nil {
		log.Fatal(err)
	}
	st, err := service.Open(ctx, raw)
	if err != nil {
		log.Fatal(err)
	}
	return st
}

// write puts the report in docs/benchmarks.md.
func (b *bench) write() error {
	var w bytes.Buffer
	fmt.Fprintf(&w, `# Benchmarks

Written by `+"`make bench`"+` (`+"`go run ./internal/perf`"+`) on %s. Each workload runs
side by side with its reference in one run on this machine, alternating,
%d rounds; the figures are medians. Targets are SPEC §13's ratios.

## Machine

| | |
|---|---|
| CPU | %s, %d cores (GOMAXPROCS %d) |
| Go | %s %s/%s, CGO_ENABLED=0 builds |
| Load generator | in the same process as this harness, sharing the cores with the server it loads (the reference shares them alike) |

## Results

| target | workload | sactl | reference | ratio | target | met |
|---|---|---|---|---|---|---|
`, time.Now().UTC().Format("2006-01-02 15:04 MST"), *rounds, cpuModel(), runtime.NumCPU(), runtime.GOMAXPROCS(0),
		runtime.Version(), runtime.GOOS, runtime.GOARCH)
	for _, r := range b.rows {
		met := "no"
		if r.met {
			met = "yes"
		}
		fmt.Fprintf(&w, "| %s | %s | %s | %s | %s | %s | %s |\n", r.target, r.workload, r.sactl, r.reference, r.ratio, r.want, met)
	}
	w.WriteString(`
## How each is measured

- **P-1**: ` + "`sactl serve`" + ` on a SQLite file, and a bare net/http handler
  that reads the body and answers a fixed 200-byte JSON, each in its own
  process; POST ` + "`/api/v1/auth/introspect`" + ` of one valid key, with the
  first admin's token, over 16 or 64 keep-alive connections for a few seconds.
  Server CPU is the server process's user + system time (` + "`/proc/PID/stat`" + `)
  over the requests it answered.
  Forward auth (R-SRV-8): GET ` + "`/api/v1/auth/check?require=service_accounts:view`" + `
  with the key in ` + "`Authorization`" + `, against the bare handler answering the same GET
  (no body to read), 16 connections.
- **P-2**: the Go benchmarks ` + "`BenchmarkVerifyKey`" + ` (1k, 100k, 1M stored keys),
  ` + "`BenchmarkVerifyToken`" + `, ` + "`BenchmarkVerifyKeyMiss`" + ` and the references in
  ` + "`internal/service/bench_test.go`" + `.
- **P-4**: ` + "`sactl sa list -o json`" + ` of N active accounts against ` + "`sqlite3 -json`" + ` of
  the equivalent query (the same rows and fields: business, status, groups and key count
  joined in, as ` + "`internal/perf/main.go`" + ` spells out), wall time and peak RSS
  (` + "`getrusage`" + `); the same list from ` + "`sactl serve`" + ` through ` + "`SACTL_SERVER`" + `;
  ` + "`audit list -o json`" + ` of every event against ` + "`sqlite3 -json`" + ` of the events with
  their business and actor.
- **P-5**: ` + "`Service.CreateAccount`" + ` in process, into group "load",
  on a database whose group "load" has 10k members, against one whose group
  is empty.
- **P-6**: ` + "`sactl --version`" + ` against a hello-world Go binary, both built with
  ` + "`-trimpath -ldflags '-s -w'`" + `; ` + "`--help`" + ` and ` + "`--version`" + ` must not create the database.
  For context, hello world again linking net/http alone, and linking every library the
  developers' guide fixes (pgx, tablewriter, Prometheus, cobra, viper, modernc SQLite): what
  their package initialisation and size cost before sactl runs a line of its own.
`)
	for _, n := range b.notes {
		w.WriteString("\n" + n + "\n")
	}
	return os.WriteFile(*out, w.Bytes(), 0o644)
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	if m := regexp.MustCompile(`(?m)^model name\s*:\s*(.+)$`).FindSubmatch(b); m != nil {
		return string(m[1])
	}
	return runtime.GOARCH
}

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func waitUp(url string) {
	for range 200 {
		if resp, err := http.Post(url, "application/json", strings.NewReader("{}")); err == nil {
			resp.Body.Close()
			if r, err := http.Get(url); err == nil {
				r.Body.Close()
			}
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	log.Fatalf("%s did not come up", url)
}

func run(name string, args ...string) {
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		log.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func medianLoad(ls []load) load {
	s := slices.Clone(ls)
	slices.SortFunc(s, func(a, b load) int { return int(a.rps - b.rps) })
	return s[len(s)/2]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }
func us(d time.Duration) string { return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond)) }
func x(r float64) string        { return fmt.Sprintf("%.2f×", r) }

func apiCreate(name string) api.CreateAccountRequest {
	return api.CreateAccountRequest{Name: name, Groups: []string{"load"}}
}

func apiGroup(name string) api.CreateGroupRequest {
	return api.CreateGroupRequest{Name: name, Permissions: domain.Permissions{"deals": domain.LevelView}}
}
