package storetest

import (
	"bytes"
	"crypto/sha256"
	"slices"
	"time"

	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
)

// tiedKeys gives keys that share a creation time ids that sort in the
// order given (see tied); the tests insert them in another order.
func tiedKeys(ks ...*domain.Key) {
	ids := make([]string, len(ks))
	for i, k := range ks {
		ids[i] = domain.NewID("key", k.CreatedAt)
	}
	slices.Sort(ids)
	for i, k := range ks {
		k.ID = ids[i]
	}
}

// keyFixture is a business with an account "bot" holding three keys and
// an account "other" holding one.
type keyFixture struct {
	b                  domain.Business
	bot, other         domain.Account
	k1, k2, k3, ko     domain.Key
	h1, h2, h3, ho     [32]byte
	sealed1, sealedOth []byte
}

func (s *suite) keyFixture() *keyFixture {
	s.t.Helper()
	f := &keyFixture{b: s.business("acme")}
	f.bot, f.other = newAccount(f.b, "Bot", "bot", t0), newAccount(f.b, "Other", "other", t0)
	// k2 is the oldest though inserted second; k1 and k3 share a creation
	// time and list by id, k3 inserted first.
	f.k1, f.h1 = newKey(f.bot, "first", at(time.Second))
	f.k2, f.h2 = newKey(f.bot, "", t0)
	f.k3, f.h3 = newKey(f.bot, "ci", at(time.Second))
	tiedKeys(&f.k1, &f.k3)
	f.k3.ExpiresAt, f.k3.DisabledAt = ptr(at(90*24*time.Hour)), ptr(at(2*time.Second))
	f.ko, f.ho = newKey(f.other, "", t0)
	f.sealed1, f.sealedOth = []byte("sealed secret one\x00\xff"), []byte("sealed other")
	f.k1.Sealed, f.ko.Sealed = true, true
	s.insert(f.b, f.bot, f.other)
	s.write(func(tx store.Tx) error {
		return firstErr(tx.InsertKey(f.b.ID, f.bot.ID, f.k3, f.h3, nil), tx.InsertKey(f.b.ID, f.bot.ID, f.k2, f.h2, nil),
			tx.InsertKey(f.b.ID, f.bot.ID, f.k1, f.h1, f.sealed1), tx.InsertKey(f.b.ID, f.other.ID, f.ko, f.ho, f.sealedOth))
	})
	return f
}

func keysOf(s *suite, principalID string) []domain.Key {
	s.t.Helper()
	return view(s, func(tx store.Tx) ([]domain.Key, error) { return tx.KeysOf(principalID) })
}

// keyByHash runs KeyByHash in its own read transaction.
func keyByHash(s *suite, h [32]byte) (store.StoredKey, []byte, bool) {
	s.t.Helper()
	var sk store.StoredKey
	var stored []byte
	var ok bool
	s.read(func(tx store.Tx) (err error) {
		sk, stored, ok, err = tx.KeyByHash(h)
		return err
	})
	return sk, stored, ok
}

var keyTests = []test{
	{"InsertAndList", func(s *suite) {
		f := s.keyFixture()
		// Oldest first, ties in insertion order; role and status are the
		// service's to derive (R-KEY-4), so the store leaves them empty.
		s.same("KeysOf(bot)", keysOf(s, f.bot.ID), []domain.Key{f.k2, f.k1, f.k3})
		s.same("KeysOf(other)", keysOf(s, f.other.ID), []domain.Key{f.ko})
		if ks := keysOf(s, "sa_unknown"); len(ks) != 0 {
			s.t.Errorf("KeysOf an unknown account: %v", ks)
		}
		a := mustFind(s, "PrincipalByID", func(tx store.Tx) (domain.Account, bool, error) { return tx.PrincipalByID(f.b.ID, f.bot.ID) })
		s.same("KeyCount of bot", a.KeyCount, 3)
	}},
	{"ByHash", func(s *suite) {
		// R-KEY-2: found by hash, and the stored hash comes back for the
		// constant-time comparison.
		f := s.keyFixture()
		sk, stored, ok := keyByHash(s, f.h1)
		if !ok {
			s.t.Fatal("KeyByHash: not found")
		}
		s.same("KeyByHash", sk, store.StoredKey{Key: f.k1, BusinessID: f.b.ID, PrincipalID: f.bot.ID})
		if !bytes.Equal(stored, f.h1[:]) {
			s.t.Errorf("KeyByHash returned stored hash %x; want %x", stored, f.h1)
		}
		sk, _, _ = keyByHash(s, f.h3)
		s.same("KeyByHash(k3)", sk, store.StoredKey{Key: f.k3, BusinessID: f.b.ID, PrincipalID: f.bot.ID})
		if _, _, ok := keyByHash(s, sha256.Sum256([]byte("unknown"))); ok {
			s.t.Error("KeyByHash of an unknown hash: found")
		}
		err := s.st.Read(s.ctx, func(tx store.Tx) error {
			_, _, _, err := tx.KeyByHash(sha256.Sum256([]byte("unknown")))
			return err
		})
		s.ok("KeyByHash of an unknown hash (want ok=false, no error)", err)
	}},
	{"SealedSecret", func(s *suite) {
		// R-KEY-10: the sealed secret of a retrievable key; nil for a
		// hash-only one.
		f := s.keyFixture()
		got := view(s, func(tx store.Tx) ([]byte, error) { return tx.SealedSecret(f.k1.ID) })
		if !bytes.Equal(got, f.sealed1) {
			s.t.Errorf("SealedSecret(k1) = %q; want %q", got, f.sealed1)
		}
		if got := view(s, func(tx store.Tx) ([]byte, error) { return tx.SealedSecret(f.k2.ID) }); got != nil {
			s.t.Errorf("SealedSecret of a hash-only key = %q; want nil", got)
		}
	}},
	{"UpdateKeyState", func(s *suite) {
		// R-KEY-7 disable/enable, R-KEY-12 a grace expiry.
		f := s.keyFixture()
		f.k1.DisabledAt, f.k1.ExpiresAt = ptr(at(time.Hour)), ptr(at(24*time.Hour))
		s.write(func(tx store.Tx) error { return tx.UpdateKeyState(f.k1) })
		s.same("after disabling with an expiry", keysOf(s, f.bot.ID), []domain.Key{f.k2, f.k1, f.k3})
		f.k1.DisabledAt, f.k3.DisabledAt, f.k3.ExpiresAt = nil, nil, nil
		s.write(func(tx store.Tx) error { return firstErr(tx.UpdateKeyState(f.k1), tx.UpdateKeyState(f.k3)) })
		s.same("after enabling and clearing the expiry", keysOf(s, f.bot.ID), []domain.Key{f.k2, f.k1, f.k3})
	}},
	{"DeleteKey", func(s *suite) {
		f := s.keyFixture()
		s.write(func(tx store.Tx) error { return tx.DeleteKey(f.k1.ID, at(time.Hour)) })
		s.same("KeysOf after DeleteKey", keysOf(s, f.bot.ID), []domain.Key{f.k2, f.k3})
		if _, _, ok := keyByHash(s, f.h1); ok {
			s.t.Error("KeyByHash found a deleted key")
		}
		// The tombstone lets verification say the key was deleted.
		d := mustFind(s, "DeletedKeyByHash", func(tx store.Tx) (store.DeletedKey, bool, error) { return tx.DeletedKeyByHash(f.h1) })
		s.same("DeletedKeyByHash", d, store.DeletedKey{KeyID: f.k1.ID, BusinessID: f.b.ID, PrincipalID: f.bot.ID})
		missing(s, "DeletedKeyByHash of a live key", func(tx store.Tx) (store.DeletedKey, bool, error) { return tx.DeletedKeyByHash(f.h2) })
		missing(s, "DeletedKeyByHash of an unknown hash", func(tx store.Tx) (store.DeletedKey, bool, error) {
			return tx.DeletedKeyByHash(sha256.Sum256([]byte("unknown")))
		})
		a := mustFind(s, "PrincipalByID", func(tx store.Tx) (domain.Account, bool, error) { return tx.PrincipalByID(f.b.ID, f.bot.ID) })
		s.same("KeyCount after DeleteKey", a.KeyCount, 2)
		s.same("the other account's keys", keysOf(s, f.other.ID), []domain.Key{f.ko})
	}},
	{"DeleteKeysOf", func(s *suite) {
		// R-SA-8: archiving deletes every key of the account.
		f := s.keyFixture()
		var n int
		s.write(func(tx store.Tx) (err error) {
			n, err = tx.DeleteKeysOf(f.bot.ID, at(time.Hour))
			return err
		})
		s.same("DeleteKeysOf returned", n, 3)
		if ks := keysOf(s, f.bot.ID); len(ks) != 0 {
			s.t.Errorf("KeysOf after DeleteKeysOf: %v", ks)
		}
		for _, h := range [][32]byte{f.h1, f.h2, f.h3} {
			if _, _, ok := keyByHash(s, h); ok {
				s.t.Errorf("KeyByHash found a key deleted by DeleteKeysOf")
			}
			d, ok := find(s, func(tx store.Tx) (store.DeletedKey, bool, error) { return tx.DeletedKeyByHash(h) })
			if !ok || d.PrincipalID != f.bot.ID || d.BusinessID != f.b.ID {
				s.t.Errorf("tombstone of a key deleted by DeleteKeysOf: %+v, %v", d, ok)
			}
		}
		s.same("the other account's keys", keysOf(s, f.other.ID), []domain.Key{f.ko})
		s.write(func(tx store.Tx) (err error) {
			n, err = tx.DeleteKeysOf(f.bot.ID, at(2*time.Hour))
			return err
		})
		s.same("DeleteKeysOf of an account without keys", n, 0)
	}},
	{"TouchKey", func(s *suite) {
		// R-KEY-9: at most one write per interval per key; the account's
		// last use is its newest key use and never goes back.
		f := s.keyFixture()
		every := time.Minute
		touch := func(k domain.Key, when time.Time) {
			s.t.Helper()
			s.write(func(tx store.Tx) error { return tx.TouchKey(k.ID, f.bot.ID, when, every) })
		}
		lastUse := func() (k1, k2 *time.Time, account *time.Time) {
			s.t.Helper()
			ks := keysOf(s, f.bot.ID)
			a := mustFind(s, "PrincipalByID", func(tx store.Tx) (domain.Account, bool, error) { return tx.PrincipalByID(f.b.ID, f.bot.ID) })
			return ks[1].LastUsedAt, ks[0].LastUsedAt, a.LastUsedAt
		}
		u1 := at(time.Hour)
		touch(f.k1, u1)
		k1, k2, acct := lastUse()
		s.same("k1 after its first use", k1, &u1)
		s.same("k2, never used", k2, (*time.Time)(nil))
		s.same("the account after k1's first use", acct, &u1)
		sk, _, _ := keyByHash(s, f.h1)
		s.same("KeyByHash's last use", sk.LastUsedAt, &u1)
		touch(f.k1, u1.Add(30*time.Second))
		k1, _, acct = lastUse()
		s.same("k1 touched again within the interval", k1, &u1)
		s.same("the account then", acct, &u1)
		u2 := u1.Add(61 * time.Second)
		touch(f.k1, u2)
		k1, _, acct = lastUse()
		s.same("k1 touched after the interval", k1, &u2)
		s.same("the account then", acct, &u2)
		u3 := u1.Add(10 * time.Second) // older than the account's last use
		touch(f.k2, u3)
		k1, k2, acct = lastUse()
		s.same("k2 after its first use", k2, &u3)
		s.same("k1 then", k1, &u2)
		s.same("the account's last use, which never goes back", acct, &u2)
	}},
	{"Inventory", func(s *suite) {
		// R-KEY-13: every key of the business, by account api_name, oldest
		// first within an account (the order roles are derived in).
		b, other := s.business("acme"), s.business("other")
		s.seedOther(other)
		zed, alpha, mid, yan := newAccount(b, "Zed", "zed", t0), newAccount(b, "Alpha", "alpha", at(time.Second)),
			newAccount(b, "Mid", "mid", t0), newAccount(b, "Yan", "yan", t0)
		z1, hz1 := newKey(zed, "", t0)
		z2, hz2 := newKey(zed, "", at(time.Minute))
		a1, ha1 := newKey(alpha, "", at(2*time.Minute))
		a2, ha2 := newKey(alpha, "", at(time.Minute))
		a3, ha3 := newKey(alpha, "", at(time.Minute))
		y1, hy1 := newKey(yan, "", at(5*time.Hour))
		tiedKeys(&a2, &a3)
		s.insert(b, zed, alpha, mid, yan)
		s.write(func(tx store.Tx) error {
			return firstErr(tx.InsertKey(b.ID, alpha.ID, a1, ha1, nil), tx.InsertKey(b.ID, zed.ID, z2, hz2, nil),
				tx.InsertKey(b.ID, zed.ID, z1, hz1, nil), tx.InsertKey(b.ID, alpha.ID, a3, ha3, nil),
				tx.InsertKey(b.ID, alpha.ID, a2, ha2, nil), tx.InsertKey(b.ID, yan.ID, y1, hy1, nil))
		})
		s.write(func(tx store.Tx) error {
			return firstErr(tx.TouchKey(a1.ID, alpha.ID, at(3*time.Hour), time.Minute),
				tx.TouchKey(z1.ID, zed.ID, at(3*time.Hour), time.Minute), tx.TouchKey(z2.ID, zed.ID, at(4*time.Hour), time.Minute))
		})
		a1.LastUsedAt, z1.LastUsedAt, z2.LastUsedAt = ptr(at(3*time.Hour)), ptr(at(3*time.Hour)), ptr(at(4*time.Hour))
		item := func(k domain.Key, owner domain.Account, unused bool) store.InventoryKey {
			return store.InventoryKey{Key: k, OwnerID: owner.ID, OwnerName: owner.Name, Unused: unused}
		}
		all := view(s, func(tx store.Tx) ([]store.InventoryKey, error) { return tx.KeyInventory(b.ID, store.InventoryQuery{}) })
		s.same("KeyInventory", all, []store.InventoryKey{
			item(a2, alpha, true), item(a3, alpha, true), item(a1, alpha, true),
			item(y1, yan, true), item(z1, zed, true), item(z2, zed, true)})
		// Unused since a time: the accounts holding such a key, with all
		// of their keys, each flagged. A key never used counts from its
		// creation: y1, made after the cut, is not unused.
		cut := at(2 * time.Hour)
		got := view(s, func(tx store.Tx) ([]store.InventoryKey, error) {
			return tx.KeyInventory(b.ID, store.InventoryQuery{UnusedBefore: &cut})
		})
		s.same("KeyInventory unused since t0+2h", got, []store.InventoryKey{
			item(a2, alpha, true), item(a3, alpha, true), item(a1, alpha, false)})
		late := at(10 * time.Hour)
		got = view(s, func(tx store.Tx) ([]store.InventoryKey, error) {
			return tx.KeyInventory(b.ID, store.InventoryQuery{UnusedBefore: &late})
		})
		s.same("KeyInventory unused since t0+10h", names(got, func(k store.InventoryKey) string { return k.ID }),
			names(all, func(k store.InventoryKey) string { return k.ID }))
		early := t0
		got = view(s, func(tx store.Tx) ([]store.InventoryKey, error) {
			return tx.KeyInventory(b.ID, store.InventoryQuery{UnusedBefore: &early})
		})
		s.same("KeyInventory unused since t0", got, []store.InventoryKey{})
	}},
}

// keyToVerifyTests: the one-statement read of a key's verification (P-2)
// says what KeyByHash, BusinessByID, PrincipalByID, Settings and
// EffectivePermissions would, together.
var keyToVerifyTests = []test{
	{"KeyToVerify", func(s *suite) {
		f := s.keyFixture()
		g1 := newGroup(f.b, "ops", domain.Permissions{"deals": domain.LevelView, "contacts": domain.LevelEdit})
		g2 := newGroup(f.b, "sales", domain.Permissions{"deals": domain.LevelRemove})
		f.bot.SuspendedAt = ptr(at(time.Hour))
		s.write(func(tx store.Tx) error {
			return firstErr(tx.InsertGroup(f.b.ID, g1), tx.InsertGroup(f.b.ID, g2),
				tx.SetMembership(f.bot.ID, []string{g1.ID, g2.ID}), tx.UpdatePrincipal(f.bot),
				tx.PutSetting(f.b.ID, "key_max_ttl", "90d"), tx.PutSetting(f.b.ID, "max_keys_per_account", "3"))
		})
		got, ok := find(s, func(tx store.Tx) (store.KeyVerification, bool, error) { return tx.KeyToVerify(f.h1) })
		if !ok {
			s.t.Fatal("KeyToVerify of k1: not found")
		}
		want := store.KeyVerification{
			StoredKey: store.StoredKey{Key: f.k1, BusinessID: f.b.ID, PrincipalID: f.bot.ID},
			Hash:      f.h1[:], Business: f.b,
			Principal: domain.Account{ID: f.bot.ID, Business: f.b.Name, Name: f.bot.Name, APIName: f.bot.APIName,
				AccountType: f.bot.AccountType, SuspendedAt: f.bot.SuspendedAt},
			GroupCount:  2,
			Settings:    map[string]string{"key_max_ttl": "90d", "max_keys_per_account": "3"},
			Permissions: domain.Permissions{"deals": domain.LevelRemove, "contacts": domain.LevelEdit},
		}
		s.same("KeyToVerify of k1", got, want)
		other, _ := find(s, func(tx store.Tx) (store.KeyVerification, bool, error) { return tx.KeyToVerify(f.ho) })
		s.same("KeyToVerify of a key of an account in no group", []any{other.GroupCount, other.Permissions, other.Settings},
			[]any{0, domain.Permissions{}, map[string]string{"key_max_ttl": "90d", "max_keys_per_account": "3"}})
		missing(s, "KeyToVerify(unknown)", func(tx store.Tx) (store.KeyVerification, bool, error) {
			return tx.KeyToVerify(sha256.Sum256([]byte("no such key")))
		})
	}},
}
