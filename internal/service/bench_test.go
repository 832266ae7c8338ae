package service

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/keys"
	"github.com/sactl/sactl/internal/store"
)

// Verification benchmarks (R-KEY-2, R-TOK-3; the hot path of R-SRV-3). The
// figures are in docs/benchmarks.md; run them with `make bench` or
//
//	go test -run='^$' -bench='BenchmarkVerify' -benchmem -count=5 ./internal/service/
//
// Setup (filling the database) is outside the timed loop: every benchmark
// uses b.Loop, which times only the loop, so -benchtime changes the number
// of verifications, not the number of setups. -short skips the 1M size.

const (
	// benchRealKeys keys are created through the service and verified
	// round-robin in the timed loop.
	benchRealKeys = 100
	// benchFillerAccounts share the filler keys, so every size has the same
	// number of principals and only the number of keys grows.
	benchFillerAccounts = 1000
)

// benchStart is the fixed clock of the benchmarks: with time standing still,
// last_used_at is written by the first verification of a key only (R-KEY-9).
var benchStart = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

type benchEnv struct {
	ctx     context.Context
	st      *DB
	svc     *Service
	secrets []string
}

// newBenchEnv opens a fresh database in b.TempDir through Open, as sactl does.
func newBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	e := openBenchEnv(b, filepath.Join(b.TempDir(), "sactl.db"))
	b.Cleanup(func() { e.st.Close() })
	return e
}

// openBenchEnv opens a new database at db; the caller closes e.st.
func openBenchEnv(b *testing.B, db string) *benchEnv {
	b.Helper()
	ctx := context.Background()
	st, err := openDB(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	now := func() time.Time { return benchStart }
	return &benchEnv{ctx: ctx, st: st,
		svc: New(st, LocalActor("bench"), "", WithClock(now), WithMasterKey(LocalMasterKey(db)))}
}

// fill inserts n filler keys with random hashes, spread over
// benchFillerAccounts integration accounts, in one write transaction through
// the store. No secret matches them: they only make the tables and the
// unique hash index as large as a database holding n keys.
func (e *benchEnv) fill(b *testing.B, n int) {
	b.Helper()
	rng := rand.New(rand.NewChaCha8([32]byte{'s', 'a', 'c', 't', 'l'}))
	err := e.st.Write(e.ctx, false, func(tx store.Tx) error {
		biz, ok, err := tx.BusinessByName(DefaultBusiness)
		if err != nil || !ok {
			return fmt.Errorf("default business: ok=%v err=%v", ok, err)
		}
		owners := make([]string, benchFillerAccounts)
		for i := range owners {
			name := fmt.Sprintf("filler-%04d", i)
			a := domain.Account{
				ID: domain.NewID("sa", benchStart), Business: biz.Name, Name: name, APIName: name,
				Email:       name + "@serviceaccounts.bench.invalid",
				AccountType: domain.TypeIntegration, CreatedAt: benchStart, UpdatedAt: benchStart, CreatedBy: "local:bench",
			}
			if err := tx.InsertPrincipal(biz.ID, a); err != nil {
				return err
			}
			owners[i] = a.ID
		}
		for i := range n {
			var h [32]byte
			for j := 0; j < 32; j += 8 {
				v := rng.Uint64()
				for k := range 8 {
					h[j+k] = byte(v >> (8 * k))
				}
			}
			k := domain.Key{
				ID: domain.NewID("key", benchStart), Hint: "sak_fill…fill",
				CreatedAt: benchStart, CreatedBy: "bench",
			}
			if err := tx.InsertKey(biz.ID, owners[i%len(owners)], k, h, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// addRealKeys creates n integration accounts through the service; each comes
// with its first key (R-KEY-3), issued, hashed and sealed by issueKey. The
// accounts are in a group, so they are active and verification goes all the
// way to their permissions.
func (e *benchEnv) addRealKeys(b *testing.B, n int) {
	b.Helper()
	p, err := domain.ParsePermissions([]string{"service_accounts=view"})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := e.svc.CreateGroup(e.ctx, api.CreateGroupRequest{Name: "bench", Permissions: p}); err != nil {
		b.Fatal(err)
	}
	for i := range n {
		a, err := e.svc.CreateAccount(e.ctx, api.CreateAccountRequest{
			Name: fmt.Sprintf("bench-%03d", i), Groups: []string{"bench"},
		})
		if err != nil {
			b.Fatal(err)
		}
		if a.Key == nil || a.Key.Secret == "" {
			b.Fatal("account created without a key secret")
		}
		e.secrets = append(e.secrets, a.Key.Secret)
	}
}

// warm verifies every real key once: the first verification of a key writes
// its last_used_at (R-KEY-9); with the clock fixed, later ones are reads only.
func (e *benchEnv) warm(b *testing.B) {
	b.Helper()
	for _, s := range e.secrets {
		v, err := e.svc.Verify(e.ctx, s)
		if err != nil || !v.Active {
			b.Fatalf("warm-up verify: active=%v reason=%q err=%v", v.Active, v.Reason, err)
		}
	}
}

// fileMiB is the size of a file in MiB, 0 if it cannot be read.
func fileMiB(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size() >> 20
}

// BenchmarkVerifyKey measures Service.Verify of a valid API key in databases
// holding 1k, 100k and 1M keys (R-KEY-2: the cost must not grow with the
// number of keys). Each database is built once per process, outside the
// timer, and reused by every -count round. The timed loop verifies
// benchRealKeys keys round-robin, each verified once before the timer
// starts, so the loop measures the steady state: read-only verifications,
// last_used_at being already written this minute (R-KEY-9).
func BenchmarkVerifyKey(b *testing.B) {
	dir := b.TempDir()
	envs := map[int]*benchEnv{}
	defer func() {
		for _, e := range envs {
			e.st.Close()
		}
	}()
	for _, size := range []struct {
		name string
		n    int
	}{{"keys=1k", 1_000}, {"keys=100k", 100_000}, {"keys=1M", 1_000_000}} {
		b.Run(size.name, func(b *testing.B) {
			if testing.Short() && size.n > 100_000 {
				b.Skip("1M keys: skipped in -short mode")
			}
			e := envs[size.n]
			if e != nil && len(e.secrets) != benchRealKeys {
				b.Fatal("the setup of this size failed in an earlier round")
			}
			if e == nil {
				start := time.Now()
				e = openBenchEnv(b, filepath.Join(dir, size.name+".db"))
				envs[size.n] = e // closed by the parent, even if setup fails
				// The real keys are part of the total: the database holds
				// exactly size.n keys.
				e.fill(b, size.n-benchRealKeys)
				filled := time.Since(start)
				e.addRealKeys(b, benchRealKeys)
				e.warm(b)
				b.Logf("setup: %d keys in %s (bulk insert %s); database file %d MiB",
					size.n, time.Since(start).Round(time.Millisecond), filled.Round(time.Millisecond), fileMiB(e.st.Location()))
			}
			e.warm(b) // a no-op write-wise once done: the clock stands still

			b.ReportAllocs()
			i := 0
			for b.Loop() {
				v, err := e.svc.Verify(e.ctx, e.secrets[i%len(e.secrets)])
				if err != nil || !v.Active {
					b.Fatalf("verify: active=%v reason=%q err=%v", v.Active, v.Reason, err)
				}
				i++
			}
		})
	}
}

// BenchmarkVerifyMalformed verifies a key whose checksum is wrong. The
// service runs over a closed store: had Verify touched the database it
// would have failed, so a pass shows malformed input never reaches it.
func BenchmarkVerifyMalformed(b *testing.B) {
	e := newBenchEnv(b)
	s, err := keys.Generate(keys.KindAPIKey)
	if err != nil {
		b.Fatal(err)
	}
	bad := []byte(s.Reveal())
	last := len(bad) - 1
	if bad[last] == 'A' {
		bad[last] = 'B'
	} else {
		bad[last] = 'A'
	}
	credential := string(bad)
	if err := e.st.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		v, err := e.svc.Verify(e.ctx, credential)
		if err != nil || v.Active || v.Reason != domain.ReasonMalformed {
			b.Fatalf("verify: active=%v reason=%q err=%v", v.Active, v.Reason, err)
		}
	}
}

// BenchmarkVerifyToken verifies one signed token of the automation account
// (R-TOK-3): stateless, a read transaction only.
func BenchmarkVerifyToken(b *testing.B) {
	e := newBenchEnv(b)
	tok, err := e.svc.MintToken(e.ctx, api.MintTokenRequest{TTL: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		v, err := e.svc.Verify(e.ctx, tok.Token)
		if err != nil || !v.Active {
			b.Fatalf("verify: active=%v reason=%q err=%v", v.Active, v.Reason, err)
		}
	}
}

// BenchmarkVerifyKeyMiss verifies a valid key from the database, the cache
// bypassed: the cost of the first verification after any change.
func BenchmarkVerifyKeyMiss(b *testing.B) {
	e := newBenchEnv(b)
	e.addRealKeys(b, 1)
	e.warm(b)
	b.ReportAllocs()
	for b.Loop() {
		v, _, err := e.svc.verifyKey(e.ctx, e.secrets[0])
		if err != nil || !v.Active {
			b.Fatalf("verify: active=%v reason=%q err=%v", v.Active, v.Reason, err)
		}
	}
}

// The references of P-2: what a verification cannot cost less than.
func BenchmarkReferenceSHA256(b *testing.B) {
	s := []byte("sak_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV")
	for b.Loop() {
		_ = sha256.Sum256(s)
	}
}

func BenchmarkReferenceHMAC(b *testing.B) {
	m := hmac.New(sha256.New, make([]byte, 32))
	s := []byte(`{"acc":"sa_01kkpea9m7tj4hv60hb2s0m2cr","biz":"biz_01kkpea9m7tj4hv60hb2s0m2cr","exp":1764590000}`)
	for b.Loop() {
		m.Reset()
		m.Write(s)
		_ = m.Sum(nil)
	}
}
