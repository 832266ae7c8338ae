package storetest

import (
	"time"

	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
)

// The service checks these before it writes, but two writers can pass the
// same check; the store's constraints are what finally holds, and the
// service turns their violations into conflicts (wrapUnique). Each
// violation is tried in a transaction of its own.
var uniquenessTests = []test{
	{"APIName", func(s *suite) {
		// R-SA-2: unique per business, archived accounts included (they keep
		// theirs, so the audit log stays unambiguous).
		b, other := s.business("acme"), s.business("other")
		old := newAccount(b, "Old CI", "ci", t0)
		old.ArchivedAt = ptr(t0)
		s.insert(b, old)
		s.unique("a second account with api_name ci (the first archived)", s.writeErr(func(tx store.Tx) error {
			return tx.InsertPrincipal(b.ID, newAccount(b, "New CI", "ci", t0))
		}))
		live := newAccount(b, "Deploy", "deploy", t0)
		s.insert(b, live)
		live.APIName = "ci"
		s.unique("renaming an api_name to a taken one", s.writeErr(func(tx store.Tx) error { return tx.UpdatePrincipal(live) }))
		s.ok("api_name ci in another business", s.writeErr(func(tx store.Tx) error {
			return tx.InsertPrincipal(other.ID, newAccount(other, "CI", "ci", t0))
		}))
	}},
	{"LiveName", func(s *suite) {
		// R-SA-1: unique among non-archived service accounts, case-insensitive.
		b, other := s.business("acme"), s.business("other")
		first := newAccount(b, "Zapier Sync", "zapier-sync", t0)
		s.insert(b, first)
		s.unique("a second live account named ZAPIER SYNC", s.writeErr(func(tx store.Tx) error {
			return tx.InsertPrincipal(b.ID, newAccount(b, "ZAPIER SYNC", "zapier-2", t0))
		}))
		second := newAccount(b, "Zapier Export", "zapier-export", t0)
		s.insert(b, second)
		second.Name = "zapier sync"
		s.unique("renaming an account to a live one's name", s.writeErr(func(tx store.Tx) error { return tx.UpdatePrincipal(second) }))
		s.ok("a human named like a live service account", s.writeErr(func(tx store.Tx) error {
			return tx.InsertPrincipal(b.ID, newHuman(b, "Zapier Sync", "zs@acme.example", t0))
		}))
		s.ok("the name in another business", s.writeErr(func(tx store.Tx) error {
			return tx.InsertPrincipal(other.ID, newAccount(other, "Zapier Sync", "zapier-sync", t0))
		}))
		archived := newAccount(b, "zapier sync", "zapier-old", t0)
		archived.ArchivedAt = ptr(t0)
		s.ok("an archived account sharing a live one's name", s.writeErr(func(tx store.Tx) error {
			return tx.InsertPrincipal(b.ID, archived)
		}))
		// Archiving frees the name.
		first.ArchivedAt, first.UpdatedAt = ptr(at(time.Minute)), at(time.Minute)
		s.write(func(tx store.Tx) error { return tx.UpdatePrincipal(first) })
		s.ok("the name of an archived account, taken again", s.writeErr(func(tx store.Tx) error {
			return tx.InsertPrincipal(b.ID, newAccount(b, "Zapier SYNC", "zapier-3", t0))
		}))
	}},
	{"LiveEmail", func(s *suite) {
		b, other := s.business("acme"), s.business("other")
		ada := newHuman(b, "Ada", "ada@acme.example", t0)
		s.insert(b, ada)
		s.unique("a second live user with ada@acme.example", s.writeErr(func(tx store.Tx) error {
			return tx.InsertPrincipal(b.ID, newHuman(b, "Ada Two", "ada@acme.example", t0))
		}))
		s.ok("the email in another business", s.writeErr(func(tx store.Tx) error {
			return tx.InsertPrincipal(other.ID, newHuman(other, "Ada", "ada@acme.example", t0))
		}))
		ada.ArchivedAt = ptr(at(time.Minute))
		s.write(func(tx store.Tx) error { return tx.UpdatePrincipal(ada) })
		s.ok("the email of a removed user, taken again", s.writeErr(func(tx store.Tx) error {
			return tx.InsertPrincipal(b.ID, newHuman(b, "Ada", "ada@acme.example", t0))
		}))
	}},
	{"OneAutomation", func(s *suite) {
		// R-SA-4: exactly one automation account per business.
		b, other := s.business("acme"), s.business("other")
		s.insert(b, newAutomation(b))
		second := newAutomation(b)
		second.APIName, second.Name = "automation-2", "Automation 2"
		second.Email = "automation-2+" + domain.ShortID(second.ID) + "@serviceaccounts.acme.example"
		s.unique("a second automation account", s.writeErr(func(tx store.Tx) error { return tx.InsertPrincipal(b.ID, second) }))
		s.ok("the automation account of another business", s.writeErr(func(tx store.Tx) error {
			return tx.InsertPrincipal(other.ID, newAutomation(other))
		}))
	}},
	{"PrincipalID", func(s *suite) {
		b := s.business("acme")
		a := newAccount(b, "Bot", "bot", t0)
		s.insert(b, a)
		dup := newAccount(b, "Other", "other", t0)
		dup.ID = a.ID
		s.unique("a second principal with the same id", s.writeErr(func(tx store.Tx) error { return tx.InsertPrincipal(b.ID, dup) }))
	}},
	{"GroupName", func(s *suite) {
		// R-PERM-1: unique per business (case-insensitive, like lookups by name).
		b, other := s.business("acme"), s.business("other")
		s.write(func(tx store.Tx) error { return tx.InsertGroup(b.ID, newGroup(b, "Ops", nil)) })
		s.unique("a second group named ops", s.writeErr(func(tx store.Tx) error { return tx.InsertGroup(b.ID, newGroup(b, "ops", nil)) }))
		dev := newGroup(b, "dev", nil)
		s.write(func(tx store.Tx) error { return tx.InsertGroup(b.ID, dev) })
		dev.Name = "OPS"
		s.unique("renaming a group to a taken name", s.writeErr(func(tx store.Tx) error { return tx.UpdateGroup(dev) }))
		s.ok("the name in another business", s.writeErr(func(tx store.Tx) error { return tx.InsertGroup(other.ID, newGroup(other, "ops", nil)) }))
	}},
	{"KeyHash", func(s *suite) {
		// R-KEY-2: keys are found through a unique index of their hash.
		b := s.business("acme")
		a := newAccount(b, "Bot", "bot", t0)
		s.insert(b, a)
		k, h := newKey(a, "", t0)
		s.write(func(tx store.Tx) error { return tx.InsertKey(b.ID, a.ID, k, h, nil) })
		k2, _ := newKey(a, "", t0)
		s.unique("a second key with the same hash", s.writeErr(func(tx store.Tx) error { return tx.InsertKey(b.ID, a.ID, k2, h, nil) }))
	}},
	{"UserTokenHash", func(s *suite) {
		b := s.business("acme")
		u := newHuman(b, "Ada", "ada@acme.example", t0)
		s.insert(b, u)
		tok, h := newUserToken(u, t0)
		s.write(func(tx store.Tx) error { return tx.InsertUserToken(b.ID, u.ID, tok, h) })
		tok2, _ := newUserToken(u, t0)
		s.unique("a second user token with the same hash", s.writeErr(func(tx store.Tx) error {
			return tx.InsertUserToken(b.ID, u.ID, tok2, h)
		}))
	}},
}
