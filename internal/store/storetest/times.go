package storetest

import (
	"time"

	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
)

// Times the suite stores: microsecond parts that a millisecond column, a
// float or a rounding (instead of exact) conversion would change.
var (
	tMicro     = time.Date(2026, 12, 31, 23, 59, 59, 999999000, time.UTC)
	tOneUS     = time.Date(2027, 1, 1, 0, 0, 0, 1000, time.UTC)
	tWhole     = time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)
	tFar       = time.Date(2199, 2, 3, 4, 5, 6, 7000, time.UTC)
	tOtherZone = time.Date(2026, 7, 1, 9, 30, 0, 123456000, time.FixedZone("IST", 5*3600+1800))
)

var timeTests = []test{
	{"MicrosecondsInUTC", func(s *suite) {
		// Every time column of every row comes back as the same instant, to
		// the microsecond, in UTC; a nil time stays nil.
		b := newBusiness("acme")
		b.CreatedAt = tMicro
		s.seedBusiness(b)
		got := mustFind(s, "BusinessByID", func(tx store.Tx) (domain.Business, bool, error) { return tx.BusinessByID(b.ID) })
		s.same("business", got, b)

		a := newAccount(b, "Bot", "bot", tMicro)
		a.UpdatedAt, a.SuspendedAt, a.ArchivedAt = tOneUS, ptr(tWhole), ptr(tFar)
		plain := newAccount(b, "Plain", "plain", tOneUS) // no suspension, archive or use: nil
		s.insert(b, a, plain)
		for _, want := range []domain.Account{a, plain} {
			got := mustFind(s, "PrincipalByID", func(tx store.Tx) (domain.Account, bool, error) { return tx.PrincipalByID(b.ID, want.ID) })
			s.same("principal "+want.Name, got, want)
		}

		g := newGroup(b, "ops", nil)
		g.CreatedAt, g.UpdatedAt = tMicro, tOneUS
		s.write(func(tx store.Tx) error { return tx.InsertGroup(b.ID, g) })
		gg, _ := find(s, func(tx store.Tx) (domain.Group, bool, error) { return tx.GroupByName(b.ID, "ops") })
		s.same("group", gg, g)

		k, h := newKey(plain, "", tMicro)
		k.ExpiresAt, k.DisabledAt = ptr(tFar), ptr(tOneUS)
		k2, h2 := newKey(plain, "", tOneUS) // no expiry, never disabled: nil
		s.write(func(tx store.Tx) error {
			return firstErr(tx.InsertKey(b.ID, plain.ID, k, h, nil), tx.InsertKey(b.ID, plain.ID, k2, h2, nil))
		})
		s.write(func(tx store.Tx) error { return tx.TouchKey(k.ID, plain.ID, tWhole.Add(time.Microsecond), time.Minute) })
		k.LastUsedAt = ptr(tWhole.Add(time.Microsecond))
		s.same("keys", keysOf(s, plain.ID), []domain.Key{k, k2})

		sk := store.SigningKeyRow{ID: "sk_1", Sealed: []byte{1}, CreatedAt: tMicro}
		sk2 := store.SigningKeyRow{ID: "sk_2", Sealed: []byte{2}, CreatedAt: tOneUS}
		s.write(func(tx store.Tx) error {
			return firstErr(tx.InsertSigningKey(b.ID, sk), tx.InsertSigningKey(b.ID, sk2))
		})
		sk.RetiredAt = ptr(tOneUS)
		s.same("signing keys", view(s, func(tx store.Tx) ([]store.SigningKeyRow, error) { return tx.SigningKeys(b.ID) }),
			[]store.SigningKeyRow{sk2, sk})

		u := newHuman(b, "Ada", "ada@acme.example", tMicro)
		s.insert(b, u)
		ut, uh := newUserToken(u, tMicro)
		ut.ExpiresAt = ptr(tFar)
		ut2, uh2 := newUserToken(u, tOneUS)
		s.write(func(tx store.Tx) error {
			return firstErr(tx.InsertUserToken(b.ID, u.ID, ut, uh), tx.InsertUserToken(b.ID, u.ID, ut2, uh2))
		})
		s.write(func(tx store.Tx) error {
			return firstErr(tx.RevokeUserToken(ut.ID, tOneUS), tx.TouchUserToken(ut2.ID, tWhole, time.Minute))
		})
		ut.RevokedAt, ut2.LastUsedAt = ptr(tOneUS), ptr(tWhole)
		s.same("user tokens", view(s, func(tx store.Tx) ([]domain.UserToken, error) { return whole(tx.UserTokens(u.ID, store.Page{})) }),
			[]domain.UserToken{ut, ut2})

		e := newEvent(b, "key.created", plain.ID, tMicro)
		s.write(func(tx store.Tx) error { return tx.AppendAudit(b.ID, &e) })
		var listed domain.AuditEvent
		s.read(func(tx store.Tx) error {
			return tx.ListAudit(b.ID, store.AuditQuery{}, func(e domain.AuditEvent) error { listed = e; return nil })
		})
		s.same("audit event time", listed.Time, tMicro)
	}},
	{"OtherZonesComeBackInUTC", func(s *suite) {
		b := s.business("acme")
		a := newAccount(b, "Bot", "bot", tOtherZone)
		a.UpdatedAt = tOtherZone
		s.insert(b, a)
		got := mustFind(s, "PrincipalByID", func(tx store.Tx) (domain.Account, bool, error) { return tx.PrincipalByID(b.ID, a.ID) })
		s.same("an account created at a time given in IST", got, a)
	}},
	{"OrderAtMicroseconds", func(s *suite) {
		// Creation order holds between times a microsecond apart and
		// across a second boundary, whatever the insertion order.
		b := s.business("acme")
		a := newAccount(b, "Bot", "bot", t0)
		s.insert(b, a)
		late, hl := newKey(a, "late", tOneUS)
		early, he := newKey(a, "early", tMicro)
		mid, hm := newKey(a, "mid", tMicro.Add(-time.Microsecond))
		s.write(func(tx store.Tx) error {
			return firstErr(tx.InsertKey(b.ID, a.ID, late, hl, nil), tx.InsertKey(b.ID, a.ID, early, he, nil),
				tx.InsertKey(b.ID, a.ID, mid, hm, nil))
		})
		s.same("KeysOf", names(keysOf(s, a.ID), func(k domain.Key) string { return k.Name }), []string{"mid", "early", "late"})
		p1, p2 := newAccount(b, "P1", "p1", tOneUS), newAccount(b, "P2", "p2", tMicro)
		s.insert(b, p1, p2)
		s.same("ListPrincipals", ids(list(s, b, store.PrincipalFilter{})), []string{a.ID, p2.ID, p1.ID})
	}},
}
