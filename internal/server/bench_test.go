package server

// Introspection load benchmarks (R-SRV-3, docs/benchmarks.md "Introspection
// over HTTP"). Both targets are driven by the same load driver against a real
// TCP listener on 127.0.0.1: BenchmarkIntrospect hits the sactl server,
// BenchmarkBareHandler a bare net/http handler that decodes the same JSON body
// and writes a constant JSON answer of about the same size. Run with
//
//	go test -run='^$' -bench='BenchmarkIntrospect|BenchmarkBareHandler' -benchtime=3s -count=3 ./internal/server/
//
// Besides ns/op (wall time / requests, the inverse of throughput) each
// benchmark reports req/s and the p50 and p99 latency seen by the client.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/service"
	"github.com/sactl/sactl/internal/testdb"
)

// benchConns are the concurrency levels: one keep-alive connection per worker.
var benchConns = []int{1, 16, 64}

// benchTarget is what the load driver sends: POST url with auth (if any) and
// one of bodies (round robin), expecting a 200 whose body holds want.
type benchTarget struct {
	url    string
	auth   string
	bodies [][]byte
	want   []byte
}

// benchLoad sends b.N requests over conns workers, each with its own
// keep-alive connection, and reports req/s and p50/p99 latency.
func benchLoad(b *testing.B, tg benchTarget, conns int) {
	b.Helper()
	clients := make([]*http.Client, conns)
	for i := range clients {
		tr := &http.Transport{MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1, DisableCompression: true}
		clients[i] = &http.Client{Transport: tr}
		defer tr.CloseIdleConnections()
	}
	send := func(c *http.Client, body []byte, buf *bytes.Buffer) error {
		req, err := http.NewRequest(http.MethodPost, tg.url, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		if tg.auth != "" {
			req.Header.Set("Authorization", "Bearer "+tg.auth)
		}
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		buf.Reset()
		_, err = io.Copy(buf, resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK || !bytes.Contains(buf.Bytes(), tg.want) {
			return fmt.Errorf("status %d, body %s", resp.StatusCode, buf.Bytes())
		}
		return nil
	}
	// Open every connection before timing: the steady state is keep-alive.
	var buf bytes.Buffer
	for _, c := range clients {
		if err := send(c, tg.bodies[0], &buf); err != nil {
			b.Fatal(err)
		}
	}

	lat := make([]time.Duration, b.N) // slot i is request i's latency
	var next atomic.Int64
	var firstErr atomic.Pointer[error]
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for _, c := range clients {
		wg.Go(func() {
			var buf bytes.Buffer
			for {
				i := int(next.Add(1) - 1)
				if i >= b.N || firstErr.Load() != nil {
					return
				}
				t0 := time.Now()
				err := send(c, tg.bodies[i%len(tg.bodies)], &buf)
				lat[i] = time.Since(t0)
				if err != nil {
					firstErr.CompareAndSwap(nil, &err)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if p := firstErr.Load(); p != nil {
		b.Fatal(*p)
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Nanoseconds()) / 1e3
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
}

// benchIntrospectKeys is how many active keys the introspection body cycles
// through, so the benchmark does not only ever read one row.
const benchIntrospectKeys = 16

// newIntrospectTarget opens a store, initialises the admin (whose user token
// sau_… is the caller), creates accounts with keys and serves the sactl API.
func newIntrospectTarget(b *testing.B) benchTarget {
	b.Helper()
	ctx := context.Background()
	db := filepath.Join(b.TempDir(), "sactl.db")
	st, err := testdb.Open(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	mk := service.LocalMasterKey(db)
	local := service.New(st, service.LocalActor("bench"), "", service.WithMasterKey(mk))
	_, tok, err := local.InitAdmin(ctx, "")
	if err != nil {
		b.Fatal(err)
	}
	tg := benchTarget{auth: tok.Secret, want: []byte(`"active":true`)}
	for i := range benchIntrospectKeys {
		c, err := local.CreateAccount(ctx, api.CreateAccountRequest{Name: fmt.Sprintf("Bench %02d", i), Groups: []string{"admins"}})
		if err != nil {
			b.Fatal(err)
		}
		body, _ := json.Marshal(map[string]string{"token": c.Key.Secret})
		tg.bodies = append(tg.bodies, body)
	}
	// The real clock: last_used_at (R-KEY-9) is written at most once a minute
	// per credential. The warm-up below verifies every key and the caller
	// token once, so those writes happen before timing; one benchmark run
	// (all concurrency levels) takes well under a minute.
	ts := httptest.NewServer(New(Config{Store: st, MasterKey: mk}).Handler())
	b.Cleanup(ts.Close)
	tg.url = ts.URL + "/api/v1/auth/introspect"
	c := &http.Client{}
	for _, body := range tg.bodies {
		req, _ := http.NewRequest(http.MethodPost, tg.url, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tg.auth)
		req.Header.Set("Content-Type", "application/json")
		resp, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !bytes.Contains(out, tg.want) {
			b.Fatalf("warm-up introspection: %d %s", resp.StatusCode, out)
		}
	}
	c.CloseIdleConnections()
	return tg
}

func BenchmarkIntrospect(b *testing.B) {
	tg := newIntrospectTarget(b)
	for _, n := range benchConns {
		b.Run(fmt.Sprintf("conns=%d", n), func(b *testing.B) { benchLoad(b, tg, n) })
	}
}

// bareIntrospection is the constant answer of the bare handler, shaped and
// sized like a real introspection answer of an admin service account.
var bareIntrospection = []byte(`{"active":true,"principal":{"id":"sa_01m86tm80b3wm16nkt4y57fnwm","name":"Bench 00",` +
	`"api_name":"bench-00","account_type":"service_integration"},"business":"default","status":"active",` +
	`"permissions":{"audit":"remove","config_export":"remove","config_import":"remove","groups":"remove",` +
	`"service_accounts":"remove","settings":"remove","users":"remove"},` +
	`"credential":{"type":"api_key","id":"key_01m86tm80b9df4av3r2wb7sejd","expires_at":null}}` + "\n")

// bareHandler does what any JSON endpoint must: limit, read and decode the
// body, then write a JSON answer with the same headers as sactl's writeJSON.
func bareHandler(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	var body struct {
		Token         string `json:"token"`
		TokenTypeHint string `json:"token_type_hint,omitempty"`
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil || body.Token == "" {
		http.Error(w, `{"error":{"code":"invalid","message":"bad body"}}`, http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(bareIntrospection)
}

func BenchmarkBareHandler(b *testing.B) {
	ts := httptest.NewServer(http.HandlerFunc(bareHandler))
	b.Cleanup(ts.Close)
	tg := benchTarget{url: ts.URL + "/api/v1/auth/introspect", want: []byte(`"active":true`)}
	// The same sizes of request as BenchmarkIntrospect: a caller credential
	// (ignored here) and {"token":"sak_…"}.
	tg.auth = "sau_" + string(bytes.Repeat([]byte("x"), 49))
	for i := range benchIntrospectKeys {
		body, _ := json.Marshal(map[string]string{"token": fmt.Sprintf("sak_%049d", i)})
		tg.bodies = append(tg.bodies, body)
	}
	for _, n := range benchConns {
		b.Run(fmt.Sprintf("conns=%d", n), func(b *testing.B) { benchLoad(b, tg, n) })
	}
}
