package storetest

import (
	"bytes"
	"crypto/sha256"
	"time"

	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
)

var dataKeyTests = []test{
	{"WrappedDataKeys", func(s *suite) {
		// R-KEY-10: one wrapped data key per business.
		// Ids sort neither by name nor in insertion order (nor its reverse).
		biz := func(id, name string) domain.Business {
			b := newBusiness(name)
			b.ID = id
			return s.seedBusiness(b)
		}
		b, other, none := biz("biz_2", "zeta"), biz("biz_3", "acme"), biz("biz_1", "mid")
		if w, ok := find(s, func(tx store.Tx) ([]byte, bool, error) { return tx.WrappedDataKey(b.ID) }); ok || w != nil {
			s.t.Errorf("WrappedDataKey of a business without one: %q, %v", w, ok)
		}
		missing(s, "WrappedDataKey", func(tx store.Tx) ([]byte, bool, error) { return tx.WrappedDataKey(b.ID) })
		missing(s, "WrappedDataKey of a business never given one", func(tx store.Tx) ([]byte, bool, error) { return tx.WrappedDataKey(none.ID) })
		wb, wo, wn := []byte("wrapped zeta\x00\x01"), []byte("wrapped acme"), []byte("wrapped mid")
		s.write(func(tx store.Tx) error {
			return firstErr(tx.PutWrappedDataKey(b.ID, wb, t0), tx.PutWrappedDataKey(other.ID, wo, t0), tx.PutWrappedDataKey(none.ID, wn, t0))
		})
		got, _ := find(s, func(tx store.Tx) ([]byte, bool, error) { return tx.WrappedDataKey(b.ID) })
		if !bytes.Equal(got, wb) {
			s.t.Errorf("WrappedDataKey = %q; want %q", got, wb)
		}
		// Every business that has one, by business name: what the master key must open.
		all := view(s, func(tx store.Tx) ([]store.WrappedKeyRow, error) { return tx.WrappedDataKeys() })
		s.same("WrappedDataKeys", all, []store.WrappedKeyRow{
			{BusinessID: other.ID, Business: "acme", Wrapped: wo}, {BusinessID: none.ID, Business: "mid", Wrapped: wn},
			{BusinessID: b.ID, Business: "zeta", Wrapped: wb}})
		// A master key rotation re-seals them.
		rb := []byte("rewrapped zeta")
		s.write(func(tx store.Tx) error { return tx.ReplaceWrappedDataKey(b.ID, rb) })
		got, _ = find(s, func(tx store.Tx) ([]byte, bool, error) { return tx.WrappedDataKey(b.ID) })
		if !bytes.Equal(got, rb) {
			s.t.Errorf("WrappedDataKey after ReplaceWrappedDataKey = %q; want %q", got, rb)
		}
		got, _ = find(s, func(tx store.Tx) ([]byte, bool, error) { return tx.WrappedDataKey(other.ID) })
		if !bytes.Equal(got, wo) {
			s.t.Errorf("another business's WrappedDataKey after ReplaceWrappedDataKey = %q; want %q", got, wo)
		}
	}},
	{"SigningKeys", func(s *suite) {
		// R-TOK-2: newest first; adding one retires the current one at the
		// new one's creation, and a retired key keeps its retirement time.
		b, other := s.business("acme"), s.business("other")
		if ks := view(s, func(tx store.Tx) ([]store.SigningKeyRow, error) { return tx.SigningKeys(b.ID) }); len(ks) != 0 {
			s.t.Errorf("SigningKeys of a new business: %v", ks)
		}
		row := func(id string, created time.Time) store.SigningKeyRow {
			return store.SigningKeyRow{ID: domain.NewID("sk", created) + id, Sealed: []byte("sealed " + id), CreatedAt: created}
		}
		s1, s2, s3, so := row("1", t0), row("2", at(time.Hour)), row("3", at(2*time.Hour)), row("o", at(30*time.Minute))
		s.write(func(tx store.Tx) error {
			return firstErr(tx.InsertSigningKey(b.ID, s1), tx.InsertSigningKey(other.ID, so))
		})
		s.write(func(tx store.Tx) error { return tx.InsertSigningKey(b.ID, s2) })
		s1.RetiredAt = ptr(s2.CreatedAt)
		s.same("SigningKeys after one rotation", view(s, func(tx store.Tx) ([]store.SigningKeyRow, error) { return tx.SigningKeys(b.ID) }),
			[]store.SigningKeyRow{s2, s1})
		s.write(func(tx store.Tx) error { return tx.InsertSigningKey(b.ID, s3) })
		s2.RetiredAt = ptr(s3.CreatedAt)
		s.same("SigningKeys after two", view(s, func(tx store.Tx) ([]store.SigningKeyRow, error) { return tx.SigningKeys(b.ID) }),
			[]store.SigningKeyRow{s3, s2, s1})
		s.same("SigningKeys of the other business", view(s, func(tx store.Tx) ([]store.SigningKeyRow, error) { return tx.SigningKeys(other.ID) }),
			[]store.SigningKeyRow{so})
	}},
}

// tokenFixture is a business whose automation account has three recorded
// tokens (one expired), and another business with one.
type tokenFixture struct {
	b, other          domain.Business
	auto, otherAuto   domain.Account
	m1, m2, m3, mo    store.MintedTokenRow
	signer, osigner   string
	revoker, revoker2 string
}

func (s *suite) tokenFixture() *tokenFixture {
	s.t.Helper()
	f := &tokenFixture{b: s.business("acme"), other: s.business("other"), signer: "sk_1", osigner: "sk_2",
		revoker: "usr_revoker", revoker2: "usr_second"}
	f.auto, f.otherAuto = newAutomation(f.b), newAutomation(f.other)
	s.insert(f.b, f.auto)
	s.insert(f.other, f.otherAuto)
	rec := func(a domain.Account, signer string, issued time.Time, ttl time.Duration, execution *string) store.MintedTokenRow {
		return store.MintedTokenRow{PrincipalID: a.ID, SigningKey: signer, TokenRecord: domain.TokenRecord{
			ID: domain.NewID("tok", issued), Account: a.APIName, Execution: execution, Status: domain.TokenActive,
			IssuedAt: issued, ExpiresAt: issued.Add(ttl), CreatedBy: actor,
		}}
	}
	// Whole seconds, as minted (a token's claims are Unix seconds).
	base := t0.Truncate(time.Second)
	f.m1 = rec(f.auto, f.signer, base, 15*time.Minute, ptr("run-1"))
	f.m2 = rec(f.auto, f.signer, base, time.Hour, nil)
	f.m3 = rec(f.auto, f.signer, base.Add(-time.Hour), 30*time.Minute, nil)
	f.mo = rec(f.otherAuto, f.osigner, base.Add(-time.Hour), 30*time.Minute, ptr("run-o"))
	if f.m1.ID > f.m2.ID { // ties list by id (R-SRV-6's keyset); inserted the other way round
		f.m1.ID, f.m2.ID = f.m2.ID, f.m1.ID
	}
	s.write(func(tx store.Tx) error {
		return firstErr(tx.InsertMintedToken(f.b.ID, f.m2), tx.InsertMintedToken(f.b.ID, f.m1), tx.InsertMintedToken(f.b.ID, f.m3),
			tx.InsertMintedToken(f.other.ID, f.mo))
	})
	return f
}

// minted reads a business's recorded tokens; TokenRecord.Business is the
// service's to fill in, so it is left out of the comparison.
func minted(s *suite, bizID string, now time.Time) []store.MintedTokenRow {
	s.t.Helper()
	rows := view(s, func(tx store.Tx) ([]store.MintedTokenRow, error) {
		return whole(tx.LiveMintedTokens(bizID, now, store.Page{}))
	})
	for i := range rows {
		rows[i].Business = ""
	}
	return rows
}

func mintedToken(s *suite, bizID, id string) (store.MintedTokenRow, bool) {
	s.t.Helper()
	m, ok := find(s, func(tx store.Tx) (store.MintedTokenRow, bool, error) { return tx.MintedToken(bizID, id) })
	m.Business = ""
	return m, ok
}

func revoked(s *suite, bizID, id string) bool {
	s.t.Helper()
	return view(s, func(tx store.Tx) (bool, error) { return tx.MintedTokenRevoked(bizID, id) })
}

var mintedTokenTests = []test{
	{"Live", func(s *suite) {
		// R-TOK-4: the tokens that expire after now, oldest first (ties by
		// id), with the status the listing shows.
		f := s.tokenFixture()
		now := f.m1.IssuedAt.Add(time.Minute)
		s.same("LiveMintedTokens", minted(s, f.b.ID, now), []store.MintedTokenRow{f.m1, f.m2})
		s.same("LiveMintedTokens at m1's expiry", minted(s, f.b.ID, f.m1.ExpiresAt), []store.MintedTokenRow{f.m2})
		s.same("LiveMintedTokens long after", minted(s, f.b.ID, now.Add(24*time.Hour)), []store.MintedTokenRow{})
		s.same("LiveMintedTokens of the other business", minted(s, f.other.ID, f.mo.IssuedAt), []store.MintedTokenRow{f.mo})
	}},
	{"ByID", func(s *suite) {
		f := s.tokenFixture()
		got, ok := mintedToken(s, f.b.ID, f.m3.ID)
		if !ok {
			s.t.Fatal("MintedToken(m3): not found")
		}
		s.same("MintedToken of an expired token (kept until pruned)", got, f.m3)
		got, _ = mintedToken(s, f.b.ID, f.m1.ID)
		s.same("MintedToken(m1)", got, f.m1)
		missing(s, "MintedToken of another business", func(tx store.Tx) (store.MintedTokenRow, bool, error) {
			return tx.MintedToken(f.other.ID, f.m1.ID)
		})
		missing(s, "MintedToken(unknown)", func(tx store.Tx) (store.MintedTokenRow, bool, error) { return tx.MintedToken(f.b.ID, "tok_unknown") })
	}},
	{"Revoke", func(s *suite) {
		f := s.tokenFixture()
		s.same("MintedTokenRevoked before", revoked(s, f.b.ID, f.m1.ID), false)
		when := f.m1.IssuedAt.Add(2 * time.Minute)
		s.write(func(tx store.Tx) error { return tx.RevokeMintedToken(f.m1.ID, when, f.revoker) })
		s.same("MintedTokenRevoked after", revoked(s, f.b.ID, f.m1.ID), true)
		s.same("MintedTokenRevoked of another token", revoked(s, f.b.ID, f.m2.ID), false)
		s.same("MintedTokenRevoked from another business", revoked(s, f.other.ID, f.m1.ID), false)
		s.same("MintedTokenRevoked(unknown) (no error)", revoked(s, f.b.ID, "tok_unknown"), false)
		f.m1.RevokedAt, f.m1.RevokedBy, f.m1.Status = &when, &f.revoker, domain.TokenRevoked
		got, _ := mintedToken(s, f.b.ID, f.m1.ID)
		s.same("MintedToken after revocation", got, f.m1)
		// Revoked tokens stay listed until they expire.
		s.same("LiveMintedTokens", minted(s, f.b.ID, when), []store.MintedTokenRow{f.m1, f.m2})
		// A revocation is recorded once: its time and author stay.
		s.write(func(tx store.Tx) error { return tx.RevokeMintedToken(f.m1.ID, when.Add(time.Minute), f.revoker2) })
		got, _ = mintedToken(s, f.b.ID, f.m1.ID)
		s.same("MintedToken revoked twice", got, f.m1)
	}},
	{"Prune", func(s *suite) {
		f := s.tokenFixture()
		// Those that expired before the time go; one expiring at it stays.
		s.write(func(tx store.Tx) error { return tx.PruneMintedTokens(f.b.ID, f.m3.ExpiresAt) })
		if _, ok := mintedToken(s, f.b.ID, f.m3.ID); !ok {
			s.t.Error("PruneMintedTokens(m3's expiry) deleted m3")
		}
		s.write(func(tx store.Tx) error { return tx.PruneMintedTokens(f.b.ID, f.m3.ExpiresAt.Add(time.Second)) })
		if _, ok := mintedToken(s, f.b.ID, f.m3.ID); ok {
			s.t.Error("PruneMintedTokens kept a token that expired before")
		}
		for _, m := range []store.MintedTokenRow{f.m1, f.m2} {
			if _, ok := mintedToken(s, f.b.ID, m.ID); !ok {
				s.t.Errorf("PruneMintedTokens deleted a live token")
			}
		}
		if _, ok := mintedToken(s, f.other.ID, f.mo.ID); !ok {
			s.t.Error("PruneMintedTokens deleted another business's token")
		}
	}},
}

// newUserToken is a personal token of user u (R-USER-2) with its hash.
func newUserToken(u domain.Account, created time.Time) (domain.UserToken, [32]byte) {
	id := domain.NewID("utk", created)
	return domain.UserToken{ID: id, User: u.Email, Hint: "sau_" + id[4:8] + "…", CreatedAt: created, CreatedBy: u.ID},
		sha256.Sum256([]byte("user token " + id))
}

var userTokenTests = []test{
	{"InsertListFind", func(s *suite) {
		b, other := s.business("acme"), s.business("other")
		ada, bob, eve := newHuman(b, "Ada", "ada@acme.example", t0), newHuman(b, "Bob", "bob@acme.example", t0),
			newHuman(other, "Eve", "eve@other.example", t0)
		s.insert(b, ada, bob)
		s.insert(other, eve)
		u1, h1 := newUserToken(ada, at(time.Second))
		u1.Name, u1.ExpiresAt = "laptop", ptr(at(90*24*time.Hour))
		u2, h2 := newUserToken(ada, t0)
		u3, h3 := newUserToken(ada, at(time.Second))
		if u1.ID > u3.ID { // ties list by id (R-SRV-6's keyset); inserted the other way round
			u1.ID, u3.ID = u3.ID, u1.ID
		}
		ub, hb := newUserToken(bob, t0)
		ue, he := newUserToken(eve, t0)
		ue.User = eve.Email
		s.write(func(tx store.Tx) error {
			return firstErr(tx.InsertUserToken(b.ID, ada.ID, u3, h3), tx.InsertUserToken(b.ID, ada.ID, u2, h2),
				tx.InsertUserToken(b.ID, ada.ID, u1, h1), tx.InsertUserToken(b.ID, bob.ID, ub, hb),
				tx.InsertUserToken(other.ID, eve.ID, ue, he))
		})
		s.same("UserTokens(ada)", view(s, func(tx store.Tx) ([]domain.UserToken, error) { return whole(tx.UserTokens(ada.ID, store.Page{})) }),
			[]domain.UserToken{u2, u1, u3})
		got := mustFind(s, "UserTokenByHash", func(tx store.Tx) (store.UserTokenRow, bool, error) { return tx.UserTokenByHash(h1) })
		s.same("UserTokenByHash", got, store.UserTokenRow{UserToken: u1, BusinessID: b.ID, PrincipalID: ada.ID, Hash: h1[:]})
		missing(s, "UserTokenByHash(unknown)", func(tx store.Tx) (store.UserTokenRow, bool, error) {
			return tx.UserTokenByHash(sha256.Sum256([]byte("unknown")))
		})
		count := func(biz domain.Business) int {
			s.t.Helper()
			return view(s, func(tx store.Tx) (int, error) { return tx.CountUserTokens(biz.ID) })
		}
		s.same("CountUserTokens", count(b), 4)
		s.same("CountUserTokens of the other business", count(other), 1)
	}},
	{"RevokeAndTouch", func(s *suite) {
		b := s.business("acme")
		ada := newHuman(b, "Ada", "ada@acme.example", t0)
		s.insert(b, ada)
		u1, h1 := newUserToken(ada, t0)
		u2, h2 := newUserToken(ada, at(time.Second))
		s.write(func(tx store.Tx) error {
			return firstErr(tx.InsertUserToken(b.ID, ada.ID, u1, h1), tx.InsertUserToken(b.ID, ada.ID, u2, h2))
		})
		tokens := func() []domain.UserToken {
			s.t.Helper()
			return view(s, func(tx store.Tx) ([]domain.UserToken, error) { return whole(tx.UserTokens(ada.ID, store.Page{})) })
		}
		when := at(time.Hour)
		s.write(func(tx store.Tx) error { return tx.RevokeUserToken(u1.ID, when) })
		u1.RevokedAt = &when
		s.same("after RevokeUserToken", tokens(), []domain.UserToken{u1, u2})
		s.same("CountUserTokens counts live tokens", view(s, func(tx store.Tx) (int, error) { return tx.CountUserTokens(b.ID) }), 1)
		// Still found by hash, so verification can say "revoked" (R-USER-2).
		s.same("UserTokenByHash of a revoked token", mustFind(s, "UserTokenByHash", func(tx store.Tx) (store.UserTokenRow, bool, error) {
			return tx.UserTokenByHash(h1)
		}), store.UserTokenRow{UserToken: u1, BusinessID: b.ID, PrincipalID: ada.ID, Hash: h1[:]})
		s.write(func(tx store.Tx) error { return tx.RevokeUserToken(u1.ID, when.Add(time.Hour)) })
		s.same("revoked twice: the first time stays", tokens(), []domain.UserToken{u1, u2})
		// R-KEY-9's rule for user tokens too: at most one write per interval.
		use := at(2 * time.Hour)
		s.write(func(tx store.Tx) error { return tx.TouchUserToken(u2.ID, use, time.Minute) })
		s.write(func(tx store.Tx) error { return tx.TouchUserToken(u2.ID, use.Add(30*time.Second), time.Minute) })
		u2.LastUsedAt = &use
		s.same("touched twice within a minute", tokens(), []domain.UserToken{u1, u2})
		use2 := use.Add(2 * time.Minute)
		s.write(func(tx store.Tx) error { return tx.TouchUserToken(u2.ID, use2, time.Minute) })
		u2.LastUsedAt = &use2
		s.same("touched after the interval", tokens(), []domain.UserToken{u1, u2})
		got := mustFind(s, "UserTokenByHash", func(tx store.Tx) (store.UserTokenRow, bool, error) { return tx.UserTokenByHash(h2) })
		s.same("UserTokenByHash's last use", got.LastUsedAt, &use2)
	}},
}
