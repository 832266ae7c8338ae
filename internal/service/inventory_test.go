package service

import (
	"github.com/sactl/sactl/internal/api/apitest"
	"strings"
	"testing"
	"time"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
)

func (e *env) inventory(s *Service, req api.ListAllKeysRequest) []domain.KeyInventoryItem {
	e.t.Helper()
	items, err := apitest.Items(s.ListAllKeys(e.ctx, req))
	if err != nil {
		e.t.Fatalf("ListAllKeys(%+v): %v", req, err)
	}
	return items
}

// names lists an inventory as "account/key name", in its order.
func names(items []domain.KeyInventoryItem) string {
	var out []string
	for _, it := range items {
		out = append(out, it.Owner.APIName+"/"+it.Name)
	}
	return strings.Join(out, " ")
}

func (e *env) namedKey(ref, name string, expiresIn time.Duration) domain.Key {
	e.t.Helper()
	k, err := e.local.CreateKey(e.ctx, api.CreateKeyRequest{Ref: ref, Name: name, ExpiresIn: expiresIn})
	if err != nil {
		e.t.Fatalf("create key %s/%s: %v", ref, name, err)
	}
	return k
}

func (e *env) set(key, value string) {
	e.t.Helper()
	if _, err := e.local.SetSetting(e.ctx, api.SetSettingRequest{Key: key, Value: value}); err != nil {
		e.t.Fatal(err)
	}
}

func TestKeyInventoryListsEveryAccountOfTheBusiness(t *testing.T) { // R-KEY-13
	e := newEnv(t)
	e.createWithKey("Zeta", "admins")
	e.clk.advance(time.Second)
	alpha, _ := e.createWithKey("Alpha", "admins")
	e.clk.advance(time.Second)
	if _, err := e.local.RotateKeys(e.ctx, api.RotateKeyRequest{Ref: "alpha"}); err != nil {
		t.Fatal(err)
	}
	e.createWithKey("Gone", "admins")
	if _, err := e.local.ArchiveAccount(e.ctx, "gone", yes); err != nil {
		t.Fatal(err)
	}
	// Another business's keys are not this business's inventory.
	if _, err := e.local.CreateBusiness(e.ctx, api.CreateBusinessRequest{Name: "acme"}); err != nil {
		t.Fatal(err)
	}
	acme := New(e.st, LocalActor("tester"), "acme", WithClock(e.clk.now), WithMasterKey(e.mk))
	if _, err := acme.CreateAccount(e.ctx, api.CreateAccountRequest{Name: "Acme Bot", Groups: []string{"admins"}}); err != nil {
		t.Fatal(err)
	}
	if got := names(e.inventory(acme, api.ListAllKeysRequest{})); got != "acme-bot/" {
		t.Fatalf("acme's inventory: %q", got)
	}

	items := e.inventory(e.local, api.ListAllKeysRequest{})
	// By account, then oldest first; the archived account has no keys left
	// (R-SA-8) and the automation account none at all (R-SA-4).
	if len(items) != 3 || items[0].Owner.APIName != "alpha" || items[1].Owner.APIName != "alpha" || items[2].Owner.APIName != "zeta" {
		t.Fatalf("inventory: %q", names(items))
	}
	if o := items[0].Owner; o.ID != alpha.ID || o.Name != "Alpha" {
		t.Fatalf("owner: %+v", o)
	}
	// Each key reads as its account's own list has it: role and status.
	want := append(e.keys("alpha"), e.keys("zeta")...)
	for i, it := range items {
		k := it.Key
		if k.ID != want[i].ID || k.Role != want[i].Role || k.Status != want[i].Status || k.Account != it.Owner.APIName {
			t.Errorf("item %d: %+v, ListKeys has %+v", i, k, want[i])
		}
		if k.Secret != "" {
			t.Errorf("item %d carries a secret", i)
		}
		if k.CreatedBy != "local:tester" {
			t.Errorf("item %d: created_by %q, want who created it", i, k.CreatedBy)
		}
	}
	if items[0].Role != domain.RoleSecondary || items[1].Role != domain.RolePrimary {
		t.Fatalf("alpha's roles: %s, %s", items[0].Role, items[1].Role)
	}
}

func TestKeyInventoryExpiringWithin(t *testing.T) { // R-KEY-13, R-KEY-8, R-KEY-14
	e := newEnv(t)
	e.set("max_keys_per_account", "10")
	e.createWithKey("Exp", "admins") // no expiry
	e.namedKey("exp", "gone", domain.Day)
	e.namedKey("exp", "edge", 15*domain.Day)
	e.namedKey("exp", "later", 15*domain.Day+time.Microsecond)
	off := e.namedKey("exp", "off", 2*domain.Day)
	if _, err := e.local.SetKeyEnabled(e.ctx, api.KeyRequest{Ref: "exp", KeyID: off.ID}, false); err != nil {
		t.Fatal(err)
	}
	e.clk.advance(domain.Day)

	// Already expired keys are listed; so is a key expiring exactly at
	// now + 14d, a disabled one alike; not one a microsecond later, nor a
	// key without expiry.
	items := e.inventory(e.local, api.ListAllKeysRequest{ExpiringWithin: ptr(14 * domain.Day)})
	if got := names(items); got != "exp/gone exp/edge exp/off" {
		t.Fatalf("expiring within 14d: %q", got)
	}
	if items[0].Status != domain.KeyExpired || items[2].Status != domain.KeyDisabled {
		t.Fatalf("statuses: %s, %s", items[0].Status, items[2].Status)
	}
	if got := names(e.inventory(e.local, api.ListAllKeysRequest{ExpiringWithin: ptr(time.Hour)})); got != "exp/gone" {
		t.Fatalf("expiring within 1h: %q", got)
	}

	// Policy bites at use time (R-KEY-14): a key with no expiry of its own
	// expires once it is older than today's key_max_ttl.
	e2 := newEnv(t)
	e2.createWithKey("Old", "admins")
	e2.clk.advance(300 * domain.Day)
	e2.set("key_max_ttl", "1y") // Old is too old 65 days from now
	if got := names(e2.inventory(e2.local, api.ListAllKeysRequest{ExpiringWithin: ptr(64 * domain.Day)})); got != "" {
		t.Fatalf("within 64d: %q", got)
	}
	if got := names(e2.inventory(e2.local, api.ListAllKeysRequest{ExpiringWithin: ptr(66 * domain.Day)})); got != "old/" {
		t.Fatalf("key_max_ttl passes within 66d: %q", got)
	}
	// A key already rejected for inactivity is expired, so it is listed; a
	// key in use is not, however short key_inactivity_limit is.
	e2.createWithKey("Busy", "admins")
	e2.set("key_inactivity_limit", "1d")
	e2.clk.advance(2 * domain.Day)
	busy := e2.keys("busy")
	if busy[0].Status != domain.KeyExpired {
		t.Fatalf("busy is inactive: %+v", busy[0])
	}
	_, secret := e2.createWithKey("Fresh", "admins")
	e2.verify(e2.local, secret)
	got := e2.inventory(e2.local, api.ListAllKeysRequest{ExpiringWithin: ptr(7 * domain.Day)})
	if names(got) != "busy/ old/" {
		t.Fatalf("within 7d with key_inactivity_limit 1d: %q", names(got))
	}
}

func TestKeyInventoryUnusedFor(t *testing.T) { // R-KEY-13, R-KEY-9
	e := newEnv(t)
	e.createWithKey("A", "admins") // a's first key, never used
	_, b := e.createWithKey("B", "admins")
	t0 := e.clk.now()
	e.clk.advance(10 * domain.Day)
	e.namedKey("a", "second", 100*domain.Day) // never used; expires at t0 + 110d
	e.verify(e.local, b)                      // b's last use: t0 + 10d
	e.clk.advance(80 * domain.Day)            // now: t0 + 90d

	// "Unused for 90d" means a last use, or creation, before now - 90d:
	// exactly 90 days ago is not yet.
	if got := names(e.inventory(e.local, api.ListAllKeysRequest{UnusedFor: ptr(90 * domain.Day)})); got != "" {
		t.Fatalf("at the boundary: %q", got)
	}
	// a's second key was made exactly 80 days ago and b's key used then:
	// neither yet, while a's first key is.
	if got := names(e.inventory(e.local, api.ListAllKeysRequest{UnusedFor: ptr(80 * domain.Day)})); got != "a/" {
		t.Fatalf("at the boundary of 80d: %q", got)
	}
	e.clk.advance(time.Microsecond)
	// b was created at t0 too, but used since: its last use counts.
	items := e.inventory(e.local, api.ListAllKeysRequest{UnusedFor: ptr(90 * domain.Day)})
	if names(items) != "a/" {
		t.Fatalf("unused for 90d: %q", names(items))
	}
	if !items[0].CreatedAt.Equal(t0) || items[0].LastUsedAt != nil {
		t.Fatalf("never used, judged by its creation: %+v", items[0])
	}
	// The role is the one among all of a's keys, not among those listed.
	if items[0].Role != domain.RoleSecondary {
		t.Fatalf("a's first key is secondary to the newer one, got %s", items[0].Role)
	}
	if got := names(e.inventory(e.local, api.ListAllKeysRequest{UnusedFor: ptr(80 * domain.Day)})); got != "a/ a/second b/" {
		t.Fatalf("unused for 80d: %q", got)
	}
	if got := names(e.inventory(e.local, api.ListAllKeysRequest{UnusedFor: ptr(85 * domain.Day)})); got != "a/" {
		t.Fatalf("unused for 85d: %q", got)
	}
	// Both filters: both must hold.
	both := api.ListAllKeysRequest{UnusedFor: ptr(80 * domain.Day), ExpiringWithin: ptr(30 * domain.Day)}
	if got := names(e.inventory(e.local, both)); got != "a/second" {
		t.Fatalf("unused for 80d and expiring within 30d: %q", got)
	}
}

func TestKeyInventoryNeedsView(t *testing.T) { // R-KEY-13, R-PERM-4
	e := newEnv(t)
	e.createGroup("viewers", "service_accounts=view")
	e.createGroup("sales", "contacts=remove")
	e.createWithKey("Viewer", "viewers")
	e.createWithKey("Seller", "sales")
	if got := names(e.inventory(e.as("viewer"), api.ListAllKeysRequest{})); got != "seller/ viewer/" {
		t.Fatalf("a viewer sees every key: %q", got)
	}
	_, err := apitest.Items(e.as("seller").ListAllKeys(e.ctx, api.ListAllKeysRequest{}))
	wantKind(t, err, domain.KindForbidden)
	_, err = apitest.Items(e.local.ListAllKeys(e.ctx, api.ListAllKeysRequest{UnusedFor: ptr(-time.Hour)}))
	wantKind(t, err, domain.KindInvalid)
}

func ptr[T any](v T) *T { return &v }
