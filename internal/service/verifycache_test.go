package service

import (
	"context"
	"crypto/sha256"
	"github.com/sactl/sactl/internal/api/apitest"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
)

// freshness is one change after which a cached verification must not hold.
type freshness struct {
	name string
	// setup makes the credential, with changer's help; it must verify.
	setup func(e *env, changer *Service) string
	// change makes the change, through changer (or the clock).
	change func(e *env, changer *Service, cred string)
	// check judges the answer after the change (nil: it must be rejected).
	check func(t *testing.T, v domain.Verification)
}

// keyOf makes a service account in group ops and returns its key.
func keyOf(e *env, changer *Service, name string, req ...api.CreateKeyRequest) string {
	e.t.Helper()
	created, err := changer.CreateAccount(e.ctx, api.CreateAccountRequest{Name: name, Groups: []string{"ops"}})
	if err != nil {
		e.t.Fatal(err)
	}
	if len(req) == 0 {
		return created.Key.Secret
	}
	req[0].Ref = created.APIName
	k, err := changer.CreateKey(e.ctx, req[0])
	if err != nil {
		e.t.Fatal(err)
	}
	return k.Secret
}

// primary is the id of an account's primary key.
func primary(e *env, c *Service, ref string) string {
	for _, k := range must(apitest.Items(c.ListKeys(e.ctx, ref, api.PageRequest{}))) {
		if k.Role == domain.RolePrimary {
			return k.ID
		}
	}
	e.t.Fatalf("%s has no primary key", ref)
	return ""
}

// firstKey is the id of an account's oldest key.
func firstKey(e *env, c *Service, ref string) string {
	return must(apitest.Items(c.ListKeys(e.ctx, ref, api.PageRequest{})))[0].ID
}

// must is v, or a panic (failing the test) for an error.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

var freshnessCases = []freshness{
	{name: "archive", setup: func(e *env, c *Service) string { return keyOf(e, c, "Arch") },
		change: func(e *env, c *Service, _ string) { must(c.ArchiveAccount(e.ctx, "arch", yes)) }},
	{name: "suspend", setup: func(e *env, c *Service) string { return keyOf(e, c, "Susp") },
		change: func(e *env, c *Service, _ string) { must(c.SuspendAccount(e.ctx, "susp", yes)) }},
	{name: "group clear", setup: func(e *env, c *Service) string { return keyOf(e, c, "Clr") },
		change: func(e *env, c *Service, _ string) {
			must(c.ChangeAccountGroups(e.ctx, api.ChangeGroupsRequest{Ref: "clr", Op: api.GroupsClear, Mutation: yes}))
		}},
	{name: "group permission change", setup: func(e *env, c *Service) string { return keyOf(e, c, "Perm") },
		change: func(e *env, c *Service, _ string) {
			must(c.UpdateGroup(e.ctx, api.UpdateGroupRequest{Name: "ops", Set: domain.Permissions{"deals": domain.LevelEdit}, Mutation: yes}))
		},
		check: func(t *testing.T, v domain.Verification) {
			if !v.Active || v.Permissions["deals"] != domain.LevelEdit {
				t.Fatalf("after the group's permission changed: %+v; want deals=edit", v)
			}
		}},
	{name: "key delete", setup: func(e *env, c *Service) string {
		return keyOf(e, c, "Del", api.CreateKeyRequest{Name: "second"})
	},
		change: func(e *env, c *Service, _ string) {
			ks := must(apitest.Items(c.ListKeys(e.ctx, "del", api.PageRequest{})))
			for _, k := range ks {
				if k.Name == "second" {
					must(c.DeleteKey(e.ctx, api.KeyRequest{Ref: "del", KeyID: k.ID, Force: true, Mutation: yes}))
				}
			}
		}},
	{name: "key disable", setup: func(e *env, c *Service) string { return keyOf(e, c, "Dis") },
		change: func(e *env, c *Service, _ string) {
			must(c.SetKeyEnabled(e.ctx, api.KeyRequest{Ref: "dis", KeyID: primary(e, c, "dis"), Mutation: yes}, false))
		}},
	{name: "expiry", setup: func(e *env, c *Service) string {
		return keyOf(e, c, "Exp", api.CreateKeyRequest{Name: "short", ExpiresIn: time.Hour})
	},
		change: func(e *env, _ *Service, _ string) { e.clk.advance(time.Hour) }},
	{name: "key_max_ttl tightened", setup: func(e *env, c *Service) string { return keyOf(e, c, "Ttl") },
		change: func(e *env, c *Service, _ string) {
			e.clk.advance(48 * time.Hour)
			must(c.SetSetting(e.ctx, api.SetSettingRequest{Key: "key_max_ttl", Value: "1d", Mutation: yes}))
		}},
	{name: "key_max_ttl reached", setup: func(e *env, c *Service) string {
		must(c.SetSetting(e.ctx, api.SetSettingRequest{Key: "key_max_ttl", Value: "30d", Mutation: yes}))
		return keyOf(e, c, "Old")
	},
		change: func(e *env, _ *Service, _ string) { e.clk.advance(31 * domain.Day) }},
	{name: "key_inactivity_limit tightened", setup: func(e *env, c *Service) string { return keyOf(e, c, "Idle") },
		change: func(e *env, c *Service, _ string) {
			e.clk.advance(48 * time.Hour)
			must(c.SetSetting(e.ctx, api.SetSettingRequest{Key: "key_inactivity_limit", Value: "1d", Mutation: yes}))
		}},
	{name: "token revocation", setup: func(e *env, c *Service) string {
		return must(c.MintToken(e.ctx, api.MintTokenRequest{TTL: time.Hour})).Token
	},
		change: func(e *env, c *Service, _ string) {
			toks := must(apitest.Items(c.ListTokens(e.ctx, api.PageRequest{})))
			must(c.RevokeToken(e.ctx, toks[0].ID, yes))
		}},
	{name: "token expiry", setup: func(e *env, c *Service) string {
		return must(c.MintToken(e.ctx, api.MintTokenRequest{TTL: 10 * time.Minute})).Token
	},
		change: func(e *env, _ *Service, _ string) { e.clk.advance(10 * time.Minute) }},
	{name: "user token revocation", setup: func(e *env, c *Service) string {
		must(c.CreateUser(e.ctx, api.CreateUserRequest{Name: "Ada", Email: "ada@default.example", Groups: []string{"ops"}}))
		return must(c.CreateUserToken(e.ctx, api.CreateUserTokenRequest{Ref: "ada@default.example", Name: "laptop"})).Secret
	},
		change: func(e *env, c *Service, _ string) {
			toks := must(apitest.Items(c.ListUserTokens(e.ctx, "ada@default.example", api.PageRequest{})))
			must(c.RevokeUserToken(e.ctx, "ada@default.example", toks[0].ID, yes))
		}},
	{name: "user removal", setup: func(e *env, c *Service) string {
		must(c.CreateUser(e.ctx, api.CreateUserRequest{Name: "Bob", Email: "bob@default.example", Groups: []string{"ops"}}))
		return must(c.CreateUserToken(e.ctx, api.CreateUserTokenRequest{Ref: "bob@default.example", Name: "laptop"})).Secret
	},
		change: func(e *env, c *Service, _ string) { must(c.RemoveUser(e.ctx, "bob@default.example", yes)) }},
	{name: "key re-enabled", setup: func(e *env, c *Service) string {
		cred := keyOf(e, c, "Back")
		must(c.SetKeyEnabled(e.ctx, api.KeyRequest{Ref: "back", KeyID: firstKey(e, c, "back"), Mutation: yes}, false))
		return cred
	},
		change: func(e *env, c *Service, _ string) {
			must(c.SetKeyEnabled(e.ctx, api.KeyRequest{Ref: "back", KeyID: firstKey(e, c, "back"), Mutation: yes}, true))
		},
		check: func(t *testing.T, v domain.Verification) {
			if !v.Active {
				t.Fatalf("a cached rejection outlived the key's re-enabling: %+v", v)
			}
		}},
}

// TestVerifyCacheFreshness (P-3): a cached verification never outlives a
// change that alters its answer, whether the change is made in this
// process, through another store on the same database (another sactl
// process on the SQLite file; another replica on PostgreSQL, whose pass of
// make test runs this too), or by time alone.
func TestVerifyCacheFreshness(t *testing.T) {
	for _, where := range []string{"in process", "another store"} {
		for _, c := range freshnessCases {
			t.Run(where+"/"+c.name, func(t *testing.T) {
				e := newEnv(t)
				changer := e.local
				if where == "another store" {
					other, err := openDB(e.ctx, e.db)
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { other.Close() })
					changer = New(other, LocalActor("tester"), "", WithClock(e.clk.now), WithMasterKey(e.mk))
				}
				e.createGroup("ops", "deals=view", "introspection=view")
				verifier := NewAuthenticator(e.st, WithClock(e.clk.now), WithMasterKey(e.mk), WithUsage(e.usage))
				cred := c.setup(e, changer)
				before := must(verifier.Verify(e.ctx, cred))
				if c.check == nil || c.name == "group permission change" {
					if !before.Active {
						t.Fatalf("before the change: %+v", before)
					}
				}
				if again := must(verifier.Verify(e.ctx, cred)); !reflect.DeepEqual(again, before) {
					t.Fatalf("the cached answer differs from the first:\n %+v\n %+v", again, before)
				}
				if !e.st.cache.holds(cred) {
					t.Fatal("the answer was not cached: this test would prove nothing")
				}
				c.change(e, changer, cred)
				after := must(verifier.Verify(e.ctx, cred))
				if c.check != nil {
					c.check(t, after)
				} else if after.Active {
					t.Fatalf("accepted after %s: %+v", c.name, after)
				}
				// The answer is the uncached one.
				fresh := must(NewAuthenticator(e.st, WithClock(e.clk.now), WithMasterKey(e.mk)).verifyUncached(e.ctx, cred))
				if !reflect.DeepEqual(after, fresh) {
					t.Fatalf("after %s, cached path: %+v\nuncached: %+v", c.name, after, fresh)
				}
			})
		}
	}
}

// TestVerifyCacheConcurrent runs verifications and changes together under
// the race detector: answers stay well-formed, and once the last change is
// made no cached answer from before it survives.
func TestVerifyCacheConcurrent(t *testing.T) {
	e := newEnv(t)
	e.createGroup("ops", "deals=view")
	verifier := NewAuthenticator(e.st, WithClock(e.clk.now), WithMasterKey(e.mk), WithUsage(e.usage))
	cred := keyOf(e, e.local, "Busy")
	id := primary(e, e.local, "busy")
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := verifier.Verify(e.ctx, cred); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for i := range 20 {
		on := i%2 == 1
		must(e.local.SetKeyEnabled(e.ctx, api.KeyRequest{Ref: "busy", KeyID: id, Mutation: yes}, on))
	}
	must(e.local.SetKeyEnabled(e.ctx, api.KeyRequest{Ref: "busy", KeyID: id, Mutation: yes}, false))
	close(stop)
	wg.Wait()
	if v := must(verifier.Verify(e.ctx, cred)); v.Active {
		t.Fatalf("accepted after the key was disabled: %+v", v)
	}
}

// The hit path allocates next to nothing: the credential's hash and
// the lookup, no query, no copy of the answer's maps.
func TestVerifyCacheHitAllocations(t *testing.T) {
	e := newEnv(t)
	e.createGroup("ops", "deals=view")
	verifier := NewAuthenticator(e.st, WithClock(e.clk.now), WithMasterKey(e.mk), WithUsage(e.usage))
	cred := keyOf(e, e.local, "Hot")
	must(verifier.Verify(e.ctx, cred))
	allocs := testing.AllocsPerRun(200, func() {
		if v, err := verifier.Verify(e.ctx, cred); err != nil || !v.Active {
			t.Fatal(v, err)
		}
	})
	// SQLite's data_version read through database/sql is most of them.
	if allocs > 10 {
		t.Fatalf("a cache hit allocates %.0f objects", allocs)
	}
	t.Logf("a cache hit allocates %.0f objects", allocs)
}

// holds reports whether an answer for cred is cached, in any scope.
func (c *verifyCache) holds(cred string) bool {
	h := sha256.Sum256([]byte(cred))
	c.mu.RLock()
	defer c.mu.RUnlock()
	for k := range c.entries {
		if k.hash == h {
			return true
		}
	}
	return false
}

// verifyUncached verifies without the cache, as the first lookup does.
func (s *Service) verifyUncached(ctx context.Context, cred string) (domain.Verification, error) {
	verify := s.verifierOf(cred)
	if verify == nil {
		return s.Verify(ctx, cred)
	}
	v, _, err := verify(ctx, cred)
	return v, err
}

// fixedWatcher never sees a change and bounds answers' age by maxStale.
type fixedWatcher struct{ maxStale time.Duration }

func (fixedWatcher) Version(context.Context) (uint64, bool) { return 1, true }
func (w fixedWatcher) MaxStale() time.Duration              { return w.maxStale }

// On a backend that may miss a change made by hand (PostgreSQL), an answer
// older than MaxStale is recomputed even though no change was seen, and
// the age counts from before the answer was read.
func TestVerifyCacheMaxStale(t *testing.T) {
	c := &verifyCache{w: fixedWatcher{maxStale: time.Second}, entries: map[cacheKey]*cacheEntry{}}
	now := time.Now()
	k := cacheKey{business: "default"}
	c.get(k, 1, now) // takes version 1
	c.put(k, 1, &cacheEntry{filled: now.Add(-900 * time.Millisecond)})
	if c.get(k, 1, now) == nil {
		t.Fatal("an answer 0.9 s old was dropped; MaxStale is 1 s")
	}
	c.put(k, 1, &cacheEntry{filled: now.Add(-1100 * time.Millisecond)})
	if c.get(k, 1, now) != nil {
		t.Fatal("an answer 1.1 s old was served; MaxStale is 1 s")
	}
}
