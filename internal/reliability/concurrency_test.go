package reliability

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// concurrencyMaxKeys is max_keys_per_account in the concurrency test: room
// for named keys besides rotation.
const concurrencyMaxKeys = 4

// assignable are the groups a writer sets on its own account. They grant
// sactl permissions only, at view: an admin user may hand them out
// (R-PERM-8), so the same operations work through the server.
var assignable = []string{"base", "ga", "gb", "gc"}

// writer is one concurrent client and its model of what it changed: the
// state of its own account, the accounts and groups it made, and the audit
// events its successful operations must have appended (R-AUD-1).
type writer struct {
	w     int
	env   []string
	actor string // its user id in remote mode

	own        string // its own account's id
	suspended  bool
	groups     map[string]bool
	keys       []string // key ids, oldest first; the last is the primary
	updates    int      // description changes, the description says how many
	created    []string // names of the accounts it created besides its own
	newGroups  []string // groups it created, not yet added to the shared account
	sharedAdds []string // groups it added to the shared account

	ops    map[string]int // successful operations by kind
	events map[string]int // audit events they must have appended, by action
	fails  []result
}

// expectedEvents is the sum of the writers' expected events by action.
func expectedEvents(ws []*writer) map[string]int {
	out := map[string]int{}
	for _, w := range ws {
		for a, n := range w.events {
			out[a] += n
		}
	}
	return out
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// Writers do mixed operations at once on one database: create accounts,
// rotate keys, set groups, suspend and resume, create and delete keys,
// change descriptions, create groups and add them to one shared account
// (the same row set for all, where a lost update would show). Locally every
// writer is its own sactl process per operation; remotely every writer is a
// sactl client with its own user token through one "sactl serve". Every
// operation succeeds, none reports a locked database, the final state is
// what the writers' models say, and the audit log holds exactly one event
// per change (R-DB-3, R-AUD-1).
func TestConcurrentWritersLoseNothing(t *testing.T) {
	sc := currentScale(t)
	t.Run("local", func(t *testing.T) { concurrentWriters(t, sc, false) })
	t.Run("remote", func(t *testing.T) { concurrentWriters(t, sc, true) })
}

func concurrentWriters(t *testing.T, sc scale, remote bool) {
	begin := time.Now()
	s := newSandbox(t)
	local := s.localEnv()
	mode := "local"
	var admin string
	if remote {
		mode = "remote"
		admin = s.initServer()
	}
	for i, g := range assignable {
		perm := []string{"audit=view", "groups=view", "users=view", "settings=view"}[i]
		s.must(local, "groups", "create", g, "--perm", perm)
	}
	s.must(local, "settings", "set", "max_keys_per_account", fmt.Sprint(concurrencyMaxKeys))
	var shared account
	s.mustJSON(&shared, local, "sa", "create", "Shared", "--group", "base", "-o", "json")

	writers := make([]*writer, sc.writers)
	for i := range writers {
		writers[i] = &writer{w: i, env: local, groups: map[string]bool{}, ops: map[string]int{}, events: map[string]int{}}
	}
	var sv *server
	if remote {
		// One user with a token per writer, made by the local operator
		// (R-USER-2); every writer uses the profile with its own token in
		// SACTL_TOKEN, which overrides the profile's (R-SRV-5).
		for _, w := range writers {
			var u struct {
				ID string `json:"id"`
			}
			email := fmt.Sprintf("writer%d@writers.example", w.w)
			s.mustJSON(&u, local, "users", "create", fmt.Sprintf("Writer %d", w.w), "--email", email, "--group", "admins", "-o", "json")
			var tok struct {
				Secret string `json:"secret"`
			}
			s.mustJSON(&tok, local, "users", "tokens", "create", email, "-o", "json")
			w.actor = u.ID
			w.env = []string{"SACTL_PROFILE=srv", "SACTL_TOKEN=" + tok.Secret}
		}
		sv = s.startServer()
		r := s.run(nil, admin+"\n", "profile", "add", "srv", "--server", sv.url, "--token-stdin")
		if r.code != 0 {
			t.Fatalf("%v", r)
		}
	}
	var head []auditEvent
	s.mustJSON(&head, local, "audit", "list", "--limit", "1", "-o", "json")
	baseSeq := head[0].Seq

	loadBegin := time.Now()
	var wg sync.WaitGroup
	for _, w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.run(s, sc.writerOps, shared.ID)
		}()
	}
	wg.Wait()
	loadTime := time.Since(loadBegin)

	ops := 0
	for _, w := range writers {
		ops += total(w.ops)
		for i, f := range w.fails {
			if i == 5 {
				t.Errorf("writer %d: %d more failures", w.w, len(w.fails)-5)
				break
			}
			t.Errorf("writer %d: operation failed: %v", w.w, f)
		}
	}
	// No command, and no server request, met a locked database.
	locked := 0
	for _, r := range s.resultsSnapshot() {
		if lockedRE.MatchString(r.stderr) {
			locked++
			if locked <= 5 {
				t.Errorf("contention surfaced (R-DB-3): %v", r)
			}
		}
	}
	if remote {
		sv.stop()
		logs := s.serverLogs()
		if m := serverErrorRE.FindAllString(logs, 5); m != nil {
			t.Errorf("the server logged faults:\n%s", strings.Join(m, "\n"))
		}
		if m := lockedRE.FindAllString(logs, 5); m != nil {
			t.Errorf("the server logged contention: %q", m)
		}
	}

	// The final state is what the writers did.
	var all []account
	s.mustJSON(&all, local, "sa", "list", "-o", "json")
	byName := map[string]account{}
	for _, a := range all {
		byName[a.Name] = a
	}
	wantShared := map[string]bool{"base": true}
	checkedKeys := 0
	for _, w := range writers {
		var a account
		s.mustJSON(&a, local, "sa", "get", w.own, "-o", "json")
		wantStatus := "active"
		if w.suspended {
			wantStatus = "suspended"
		}
		if a.Status != wantStatus {
			t.Errorf("writer %d: own account is %s, want %s", w.w, a.Status, wantStatus)
		}
		if got, want := sortedSet(a.Groups), sortedKeys(w.groups); !slices.Equal(got, want) {
			t.Errorf("writer %d: own account's groups %v, want %v (lost update)", w.w, got, want)
		}
		if want := fmt.Sprintf("updates=%d", w.updates); w.updates > 0 && a.Description != want {
			t.Errorf("writer %d: description %q, want %q (lost update)", w.w, a.Description, want)
		}
		var ks []apiKey
		s.mustJSON(&ks, local, "sa", "keys", "list", w.own, "-o", "json")
		var got []string
		primary := ""
		for _, k := range ks {
			got = append(got, k.ID)
			if k.Role == "primary" {
				primary = k.ID
			}
		}
		checkedKeys += len(ks)
		if want := slices.Sorted(slices.Values(w.keys)); !slices.Equal(sortedSet(got), want) {
			t.Errorf("writer %d: own account's keys %v, want %v", w.w, sortedSet(got), want)
		} else if primary != w.keys[len(w.keys)-1] {
			t.Errorf("writer %d: primary is %s, want the newest key %s (R-KEY-4)", w.w, primary, w.keys[len(w.keys)-1])
		}
		if len(ks) > concurrencyMaxKeys {
			t.Errorf("writer %d: %d keys, limit %d (R-DB-3)", w.w, len(ks), concurrencyMaxKeys)
		}
		for _, name := range w.created {
			if c, ok := byName[name]; !ok || c.KeyCount != 1 || c.Status != "active" {
				t.Errorf("writer %d: created %q, now %+v (found %v)", w.w, name, c, ok)
			}
		}
		prefix := fmt.Sprintf("c-w%d-", w.w)
		n := 0
		for name := range byName {
			if strings.HasPrefix(name, prefix) {
				n++
			}
		}
		if n != len(w.created) {
			t.Errorf("writer %d: %d accounts named %s*, it created %d", w.w, n, prefix, len(w.created))
		}
		for _, g := range w.sharedAdds {
			wantShared[g] = true
		}
	}
	var sh account
	s.mustJSON(&sh, local, "sa", "get", shared.ID, "-o", "json")
	if got, want := sortedSet(sh.Groups), sortedKeys(wantShared); !slices.Equal(got, want) {
		t.Errorf("shared account: %d groups, want %d: lost updates (R-DB-3)\n got %v\nwant %v", len(got), len(want), got, want)
	}

	// One audit event per change, by action; in remote mode, by writer too.
	var evs []auditEvent
	for _, e := range s.auditEvents(local) {
		if e.Seq > baseSeq {
			evs = append(evs, e)
		}
	}
	gotByAction := map[string]int{}
	byActor := map[string]int{}
	for _, e := range evs {
		gotByAction[e.Action]++
		byActor[e.Actor.ID]++
	}
	want := expectedEvents(writers)
	if !maps.Equal(gotByAction, want) {
		t.Errorf("audit events by action:\n got %v\nwant %v", gotByAction, want)
	}
	if remote {
		for _, w := range writers {
			if got, want := byActor[w.actor], total(w.events); got != want {
				t.Errorf("writer %d (%s): %d audit events, want %d", w.w, w.actor, got, want)
			}
		}
	}
	s.checkDatabase()

	opsByKind := map[string]int{}
	for _, w := range writers {
		for k, n := range w.ops {
			opsByKind[k] += n
		}
	}
	t.Logf("concurrency %s (%s): %d writers × %d operations = %d successful in %v (%.0f/s), 0 failed, %d locked; by kind %v",
		mode, sc.name, sc.writers, sc.writerOps, ops, loadTime.Round(time.Millisecond), float64(ops)/loadTime.Seconds(), locked, opsByKind)
	t.Logf("concurrency %s (%s): %d audit events = expected %d; shared account holds %d groups; %d own keys checked; audit verify and db check ok; total %v",
		mode, sc.name, len(evs), total(want), len(sh.Groups), checkedKeys, time.Since(begin).Round(time.Millisecond))
}

func sortedSet(xs []string) []string {
	out := append([]string{}, xs...)
	sort.Strings(out)
	return out
}

func sortedKeys(m map[string]bool) []string {
	var out []string
	for k, v := range m {
		if v {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// run does n operations, the first creating the writer's own account.
func (w *writer) run(s *sandbox, n int, shared string) {
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(w.w)))
	var a account
	if !w.do(s, "create", &a, "sa", "create", fmt.Sprintf("own-w%d", w.w), "--group", "base", "-o", "json") {
		return
	}
	w.own, w.groups, w.keys = a.ID, map[string]bool{"base": true}, []string{a.Key.ID}
	w.events["service_account.created"]++
	w.events["key.created"]++
	for i := 1; i < n; i++ {
		op := w.choose(rng)
		switch op {
		case "create":
			name := fmt.Sprintf("c-w%d-%d", w.w, i)
			if w.do(s, op, nil, "sa", "create", name, "--group", "base", "-o", "json") {
				w.created = append(w.created, name)
				w.events["service_account.created"]++
				w.events["key.created"]++
			}
		case "rotate":
			var k apiKey
			if w.do(s, op, &k, "sa", "keys", "rotate", w.own, "--yes", "-o", "json") {
				// R-KEY-4: the oldest keys beyond the limit go.
				w.keys = append(w.keys, k.ID)
				if len(w.keys) > concurrencyMaxKeys {
					w.keys = w.keys[len(w.keys)-concurrencyMaxKeys:]
				}
				w.events["key.created"]++
				w.events["key.rotated"]++
			}
		case "key create":
			var k apiKey
			if w.do(s, op, &k, "sa", "keys", "create", w.own, "--name", fmt.Sprintf("k%d", i), "-o", "json") {
				w.keys = append(w.keys, k.ID)
				w.events["key.created"]++
			}
		case "key delete":
			j := rng.IntN(len(w.keys) - 1) // never the primary
			if w.do(s, op, nil, "sa", "keys", "delete", w.own, w.keys[j], "--yes", "-o", "json") {
				w.keys = slices.Delete(w.keys, j, j+1)
				w.events["key.deleted"]++
			}
		case "groups set":
			next := map[string]bool{}
			for _, g := range assignable {
				if rng.IntN(2) == 0 {
					next[g] = true
				}
			}
			if len(next) == 0 {
				next[assignable[rng.IntN(len(assignable))]] = true
			}
			if w.do(s, op, nil, append([]string{"sa", "groups", "set", w.own}, append(sortedKeys(next), "--yes", "-o", "json")...)...) {
				for g := range next {
					if !w.groups[g] {
						w.events["group.assigned"]++
					}
				}
				for g := range w.groups {
					if !next[g] {
						w.events["group.unassigned"]++
					}
				}
				w.groups = next
			}
		case "update":
			if w.do(s, op, nil, "sa", "update", w.own, "--description", fmt.Sprintf("updates=%d", w.updates+1), "-o", "json") {
				w.updates++
				w.events["service_account.updated"]++
			}
		case "suspend":
			if w.do(s, op, nil, "sa", "suspend", w.own, "--yes", "-o", "json") {
				w.suspended = true
				w.events["service_account.suspended"]++
			}
		case "resume":
			if w.do(s, op, nil, "sa", "resume", w.own, "-o", "json") {
				w.suspended = false
				w.events["service_account.resumed"]++
			}
		case "group create":
			g := fmt.Sprintf("g-w%d-%d", w.w, i)
			if w.do(s, op, nil, "groups", "create", g, "--perm", "audit=view", "-o", "json") {
				w.newGroups = append(w.newGroups, g)
				w.events["group.created"]++
			}
		case "shared add":
			g := w.newGroups[0]
			if w.do(s, op, nil, "sa", "groups", "add", shared, g, "-o", "json") {
				w.newGroups = w.newGroups[1:]
				w.sharedAdds = append(w.sharedAdds, g)
				w.events["group.assigned"]++
			}
		}
	}
}

// choose picks an operation the writer's account allows now: a suspended
// account can only be resumed (R-SA-7).
func (w *writer) choose(rng *rand.Rand) string {
	type choice struct {
		op     string
		weight int
		ok     bool
	}
	choices := []choice{
		{"create", 10, true},
		{"group create", 10, true},
		{"shared add", 20, len(w.newGroups) > 0},
		{"rotate", 15, !w.suspended},
		{"key create", 8, !w.suspended && len(w.keys) < concurrencyMaxKeys},
		{"key delete", 8, !w.suspended && len(w.keys) > 1},
		{"groups set", 10, !w.suspended},
		{"update", 8, !w.suspended},
		{"suspend", 5, !w.suspended},
		{"resume", 15, w.suspended},
	}
	sum := 0
	for _, c := range choices {
		if c.ok {
			sum += c.weight
		}
	}
	r := rng.IntN(sum)
	for _, c := range choices {
		if !c.ok {
			continue
		}
		if r < c.weight {
			return c.op
		}
		r -= c.weight
	}
	panic("unreachable")
}

// do runs one operation; it must succeed. into, if given, receives its JSON.
func (w *writer) do(s *sandbox, op string, into any, args ...string) bool {
	r := s.run(w.env, "", args...)
	if r.code != 0 {
		w.fails = append(w.fails, r)
		return false
	}
	if into != nil {
		if err := json.Unmarshal([]byte(r.stdout), into); err != nil {
			r.stderr += "\n(test: " + err.Error() + ")"
			w.fails = append(w.fails, r)
			return false
		}
	}
	w.ops[op]++
	return true
}
