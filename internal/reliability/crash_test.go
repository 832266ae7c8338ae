package reliability

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// maxKeys is max_keys_per_account as the crash test leaves it: the default
// (R-KEY-4), where a rotation of an account holding two keys deletes one.
const maxKeys = 2

// crashWorkers is how many sactl processes run at once in the crash test.
const crashWorkers = 4

// issued is a secret sactl printed, and the key it belongs to.
type issued struct {
	secret  string
	keyID   string
	account string // id
}

// secretBook collects every secret as it is printed, by key id.
type secretBook struct {
	mu    sync.Mutex
	byKey map[string]issued
}

func (b *secretBook) add(k *apiKey, accountID string) {
	if k == nil || k.Secret == "" {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.byKey == nil {
		b.byKey = map[string]issued{}
	}
	b.byKey[k.ID] = issued{secret: k.Secret, keyID: k.ID, account: accountID}
}

func (b *secretBook) all() []issued {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]issued, 0, len(b.byKey))
	for _, v := range b.byKey {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].keyID < out[j].keyID })
	return out
}

// accountPool is the accounts the crash workers act on, by id.
type accountPool struct {
	mu  sync.Mutex
	ids []string
}

func (p *accountPool) add(id string) {
	p.mu.Lock()
	p.ids = append(p.ids, id)
	p.mu.Unlock()
}

func (p *accountPool) pick(rng *rand.Rand) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.ids) == 0 {
		return "", false
	}
	return p.ids[rng.IntN(len(p.ids))], true
}

func (p *accountPool) remove(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, v := range p.ids {
		if v == id {
			p.ids = append(p.ids[:i], p.ids[i+1:]...)
			return
		}
	}
}

func (p *accountPool) size() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.ids)
}

// tally counts outcomes by name.
type tally struct {
	mu sync.Mutex
	m  map[string]int
}

func (c *tally) add(name string) {
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]int{}
	}
	c.m[name]++
	c.mu.Unlock()
}

func (c *tally) get(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[name]
}

func (c *tally) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	names := make([]string, 0, len(c.m))
	for n := range c.m {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s=%d", n, c.m[n])
	}
	return strings.Join(parts, " ")
}

// Four sactl processes rotate keys, archive and create accounts on one
// database file while processes are killed with SIGKILL at random moments of
// their run. Whatever was killed, a rotation or an archive happened entirely
// or not at all (R-DB-2), and no account holds more keys than
// max_keys_per_account (R-DB-3): every key "sa keys list" shows
// authenticates, every secret of a key that is gone is rejected, the audit
// log accounts for every key, and the audit chain and the file are intact.
func TestCrashKilledWritersLeaveConsistentState(t *testing.T) {
	sc := currentScale(t)
	s := newSandbox(t)
	local := s.localEnv()
	begin := time.Now()
	s.must(local, "groups", "create", "base", "--perm", "audit=view")

	var book secretBook
	var pool accountPool
	create := func(name string) result {
		return s.run(local, "", "sa", "create", name, "--group", "base", "-o", "json")
	}
	for i := 0; i < 8; i++ {
		r := create(fmt.Sprintf("seed-%d", i))
		var a account
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &a) != nil {
			t.Fatalf("%v", r)
		}
		book.add(a.Key, a.ID)
		pool.add(a.ID)
	}

	var (
		done       atomic.Int64 // operations that exited 0
		attempts   atomic.Int64
		kills      atomic.Int64
		outcomes   tally
		durMu      sync.Mutex
		meanDur    = 40 * time.Millisecond // running mean of a command's duration
		failures   atomic.Int64
		archivedOK sync.Map // account ids a successful archive answered
		maxAttemp  = int64(3*sc.crashOps + 20*sc.crashKills)
	)
	finished := func() bool {
		return done.Load() >= int64(sc.crashOps) && kills.Load() >= int64(sc.crashKills)
	}
	worker := func(w int) {
		rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(w)))
		for n := 0; !finished() && failures.Load() < 10; n++ {
			if attempts.Add(1) > maxAttemp {
				return
			}
			// Kill often enough to reach the target in time; keep going
			// past the operation target until enough kills happened.
			left := int64(sc.crashOps) - done.Load()
			need := int64(sc.crashKills) - kills.Load()
			p := 0.5
			if left > 0 {
				p = min(0.5, 1.5*float64(need)/float64(left))
			}
			if need <= 0 {
				p = 0.05
			}
			wantKill := rng.Float64() < p

			var op, target string
			var args []string
			switch roll := rng.IntN(100); {
			case roll < 35 || pool.size() < 4:
				op = "create"
				args = []string{"sa", "create", fmt.Sprintf("w%d-%d", w, n), "--group", "base", "-o", "json"}
			case roll < 85:
				op = "rotate"
				target, _ = pool.pick(rng)
				args = []string{"sa", "keys", "rotate", target, "--yes", "-o", "json"}
			default:
				op = "archive"
				target, _ = pool.pick(rng)
				args = []string{"sa", "archive", target, "--yes", "-o", "json"}
			}
			proc := s.start(local, "", args...)
			var timer *time.Timer
			if wantKill {
				// Somewhere in the command's life, weighted to its second
				// half, where the transaction is.
				durMu.Lock()
				d := time.Duration((0.4 + 0.7*rng.Float64()) * float64(meanDur))
				durMu.Unlock()
				timer = time.AfterFunc(d, proc.kill)
			}
			r := proc.wait()
			if timer != nil {
				timer.Stop()
			}
			if r.killed {
				kills.Add(1)
				outcomes.add(op + " killed")
				// A process killed after printing still issued its secret.
				collect(&book, op, target, r.stdout)
				continue
			}
			if lockedRE.MatchString(r.stderr) {
				t.Errorf("contention surfaced: %v", r)
				failures.Add(1)
			}
			switch {
			case r.code == 0:
				durMu.Lock()
				meanDur = (meanDur*7 + r.dur) / 8
				durMu.Unlock()
				done.Add(1)
				outcomes.add(op + " ok")
				id := collect(&book, op, target, r.stdout)
				switch op {
				case "create":
					pool.add(id)
				case "archive":
					// Archiving an archived account answers it again
					// (no event): count accounts, not answers.
					archivedOK.Store(target, true)
					pool.remove(target)
				}
			case op != "create" && (r.code == 3 || r.code == 5):
				// Another worker archived the account first (or its
				// archive was killed after committing): not found or
				// conflict (archived), both exit codes of R-CLI-3.
				outcomes.add(op + " gone")
				pool.remove(target)
			default:
				t.Errorf("unexpected failure: %v", r)
				failures.Add(1)
			}
		}
	}
	var wg sync.WaitGroup
	for w := 0; w < crashWorkers; w++ {
		wg.Add(1)
		go func() { defer wg.Done(); worker(w) }()
	}
	wg.Wait()
	loadTime := time.Since(begin)
	if t.Failed() {
		t.FailNow()
	}
	if !finished() {
		t.Fatalf("after %d attempts: %d operations succeeded (want %d), %d kills (want %d)",
			attempts.Load(), done.Load(), sc.crashOps, kills.Load(), sc.crashKills)
	}

	// The file and the chain survived the kills.
	s.checkDatabase()

	// Every account: within the key limit, its count and list agreeing.
	var accounts []account
	s.mustJSON(&accounts, local, "sa", "list", "--archived", "-o", "json")
	listed := map[string]apiKey{}      // key id -> key, from "sa keys list"
	listedOwner := map[string]string{} // key id -> account id
	archived := map[string]bool{}      // account id
	accountIDs := map[string]bool{}    // every integration account
	var mu sync.Mutex
	var integ []account
	for _, a := range accounts {
		if a.AccountType == "service_integration" {
			integ = append(integ, a)
			accountIDs[a.ID] = true
		}
	}
	parallel(crashWorkers, len(integ), func(i int) {
		a := integ[i]
		if a.Status == "archived" {
			mu.Lock()
			archived[a.ID] = true
			mu.Unlock()
			if a.KeyCount != 0 {
				t.Errorf("archived account %s (%s) still counts %d keys (R-SA-8, R-DB-2)", a.APIName, a.ID, a.KeyCount)
			}
			return
		}
		var ks []apiKey
		s.mustJSON(&ks, local, "sa", "keys", "list", a.ID, "-o", "json")
		if len(ks) > maxKeys {
			t.Errorf("account %s holds %d keys, more than max_keys_per_account=%d (R-DB-3)", a.APIName, len(ks), maxKeys)
		}
		if len(ks) == 0 {
			t.Errorf("account %s (%s) is %s with no key: a creation or rotation was half done (R-DB-2)", a.APIName, a.ID, a.Status)
		}
		if len(ks) != a.KeyCount {
			t.Errorf("account %s: key_count %d, but sa keys list shows %d", a.APIName, a.KeyCount, len(ks))
		}
		mu.Lock()
		for _, k := range ks {
			listed[k.ID] = k
			listedOwner[k.ID] = a.ID
		}
		mu.Unlock()
	})

	// The inventory (R-KEY-13) shows the same keys.
	var inventory []apiKey
	s.mustJSON(&inventory, local, "sa", "keys", "list", "--all", "-o", "json")
	inv := map[string]bool{}
	for _, k := range inventory {
		inv[k.ID] = true
		if _, ok := listed[k.ID]; !ok {
			t.Errorf("key %s is in the inventory but not in its account's list", k.ID)
		}
	}
	if len(inv) != len(listed) {
		t.Errorf("inventory holds %d keys, account lists %d", len(inv), len(listed))
	}

	// Every listed key authenticates: reveal it (R-KEY-10) and verify it;
	// a secret collected for it earlier must be the same one.
	collected := map[string]issued{}
	for _, is := range book.all() {
		collected[is.keyID] = is
	}
	keyIDs := make([]string, 0, len(listed))
	for id := range listed {
		keyIDs = append(keyIDs, id)
	}
	sort.Strings(keyIDs)
	var verifiedActive atomic.Int64
	parallel(crashWorkers, len(keyIDs), func(i int) {
		id := keyIDs[i]
		var shown apiKey
		s.mustJSON(&shown, local, "sa", "keys", "show", listedOwner[id], id, "-o", "json")
		if c, ok := collected[id]; ok && c.secret != shown.Secret {
			t.Errorf("key %s: the secret shown is not the one printed when it was made", id)
		}
		v := s.verify(local, shown.Secret)
		if !v.Active || v.Credential == nil || v.Credential.ID != id {
			t.Errorf("listed key %s of %s does not verify: %+v", id, listedOwner[id], v)
			return
		}
		verifiedActive.Add(1)
	})

	// Every secret printed for a key that is gone is rejected.
	var gone []issued
	for _, is := range book.all() {
		if _, ok := listed[is.keyID]; !ok {
			gone = append(gone, is)
		}
	}
	var rejected atomic.Int64
	parallel(crashWorkers, len(gone), func(i int) {
		is := gone[i]
		if v := s.verify(local, is.secret); v.Active {
			t.Errorf("key %s of %s is not listed but its secret still authenticates: %+v", is.keyID, is.account, v)
			return
		}
		rejected.Add(1)
	})

	// The audit log accounts for every key and account (R-DB-2: a
	// rotation's new key, its deletions and its event are one transaction).
	events := s.auditEvents(local)
	created := map[string]string{} // key id -> account id, from key.created
	deleted := map[string]bool{}   // key ids, from key.rotated
	createdAccounts := map[string]bool{}
	archivedEvents := map[string]int{}
	rotations := 0
	for _, e := range events {
		switch e.Action {
		case "key.created":
			id, _ := e.Details["key_id"].(string)
			created[id] = e.Target.ID
		case "key.rotated":
			rotations++
			ids, _ := e.Details["deleted_key_ids"].([]any)
			for _, v := range ids {
				deleted[v.(string)] = true
			}
			nk, _ := e.Details["new_key_id"].(string)
			if _, ok := created[nk]; !ok {
				t.Errorf("key.rotated %s names new key %s with no key.created before it", e.ID, nk)
			}
		case "service_account.created":
			createdAccounts[e.Target.ID] = true
		case "service_account.archived":
			archivedEvents[e.Target.ID]++
		}
	}
	for id := range accountIDs {
		if !createdAccounts[id] {
			t.Errorf("account %s exists without a service_account.created event", id)
		}
		if n := archivedEvents[id]; (n == 1) != archived[id] || n > 1 {
			t.Errorf("account %s: archived=%v but %d service_account.archived events", id, archived[id], n)
		}
	}
	for id := range createdAccounts {
		if !accountIDs[id] {
			t.Errorf("service_account.created for %s, which does not exist", id)
		}
	}
	for id, owner := range listedOwner {
		if created[id] != owner {
			t.Errorf("listed key %s of %s: key.created names account %q", id, owner, created[id])
		}
		if deleted[id] {
			t.Errorf("listed key %s was deleted by a rotation", id)
		}
	}
	alive := 0
	for id, owner := range created {
		if deleted[id] || archived[owner] {
			continue
		}
		alive++
		if _, ok := listed[id]; !ok {
			t.Errorf("key %s of %s: created, never deleted, account not archived, yet not listed (R-DB-2)", id, owner)
		}
	}
	for id := range collected {
		if _, ok := created[id]; !ok {
			t.Errorf("key %s was printed to a caller but has no key.created event (R-DB-1)", id)
		}
	}
	if got := outcomes.get("rotate ok"); rotations < got {
		t.Errorf("%d rotations succeeded but only %d key.rotated events", got, rotations)
	}

	// Kills land before, inside and after the transaction: those after
	// show as changes made by a command that never reported them.
	t.Logf("crash (%s): %d workers, %d attempts in %v, %d succeeded, %d killed (SIGKILL); outcomes: %s",
		sc.name, crashWorkers, attempts.Load(), loadTime.Round(time.Millisecond), done.Load(), kills.Load(), &outcomes)
	t.Logf("crash (%s): killed commands whose change had committed: %d creations, %d rotations, %d archives",
		sc.name, len(createdAccounts)-8-outcomes.get("create ok"), rotations-outcomes.get("rotate ok"), len(archived)-syncMapLen(&archivedOK))
	t.Logf("crash (%s): checked %d accounts (%d archived), %d listed keys within %d each and verified active, %d secrets of gone keys rejected, %d audit events (%d key.created, %d key.rotated), audit verify and db check ok; total %v",
		sc.name, len(accountIDs), len(archived), verifiedActive.Load(), maxKeys, rejected.Load(), len(events), len(created), rotations, time.Since(begin).Round(time.Millisecond))
}

// collect records the secret a create or rotate printed and answers the id
// of the account it created (or target).
func collect(book *secretBook, op, target, stdout string) string {
	switch op {
	case "create":
		var a account
		if json.Unmarshal([]byte(stdout), &a) == nil {
			book.add(a.Key, a.ID)
			return a.ID
		}
	case "rotate":
		var k apiKey
		if json.Unmarshal([]byte(stdout), &k) == nil {
			book.add(&k, target)
		}
	}
	return target
}

// Four processes open a new database file at once, creating it, its schema,
// the default business and the master key, while some of them are killed.
// Afterwards the file is sound, there is one default business, and every key
// stored in it can be revealed with the one master key (R-DB-1, R-DB-2,
// R-KEY-10).
func TestCrashDuringBootstrap(t *testing.T) {
	sc := currentScale(t)
	begin := time.Now()
	kills, accounts := 0, 0
	for round := 0; round < sc.bootstrapRounds; round++ {
		dir := filepath.Join(t.TempDir(), fmt.Sprintf("round-%d", round))
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		s := newSandboxIn(t, dir)
		local := s.localEnv()
		rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(round)))
		procs := make([]*proc, crashWorkers)
		for i := range procs {
			procs[i] = s.start(local, "", "sa", "create", fmt.Sprintf("boot-%d", i), "--group", "admins", "-o", "json")
		}
		// Kill two of them, somewhere in the first 60 ms.
		for _, i := range rng.Perm(crashWorkers)[:2] {
			time.AfterFunc(time.Duration(rng.IntN(60))*time.Millisecond, procs[i].kill)
		}
		for _, p := range procs {
			r := p.wait()
			switch {
			case r.killed:
				kills++
			case r.code != 0:
				t.Errorf("round %d: %v", round, r)
			}
		}
		s.checkDatabase()
		var bs []map[string]any
		s.mustJSON(&bs, local, "business", "list", "-o", "json")
		if len(bs) != 1 {
			t.Errorf("round %d: %d businesses after a concurrent bootstrap, want 1: %v", round, len(bs), bs)
		}
		var as []account
		s.mustJSON(&as, local, "sa", "list", "-o", "json")
		for _, a := range as {
			if a.AccountType != "service_integration" {
				continue
			}
			accounts++
			var k apiKey
			s.mustJSON(&k, local, "sa", "keys", "show", a.ID, "-o", "json")
			if v := s.verify(local, k.Secret); !v.Active {
				t.Errorf("round %d: the key of %s does not verify: %+v", round, a.APIName, v)
			}
		}
	}
	t.Logf("bootstrap (%s): %d rounds of %d processes on a new file, %d killed, %d accounts revealed and verified, db check ok each round; %v",
		sc.name, sc.bootstrapRounds, crashWorkers, kills, accounts, time.Since(begin).Round(time.Millisecond))
}

func syncMapLen(m *sync.Map) int {
	n := 0
	m.Range(func(any, any) bool { n++; return true })
	return n
}
