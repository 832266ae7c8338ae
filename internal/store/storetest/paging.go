package storetest

import (
	"fmt"
	"time"

	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
)

// pages reads a list a page of limit at a time, following its cursors,
// and checks each page: at most limit rows, no empty page after the first,
// and a cursor exactly when rows follow (so the last page, even a full
// one, has none).
func pages[T any](s *suite, what string, limit int, list func(tx store.Tx, p store.Page) ([]T, string, error)) []T {
	s.t.Helper()
	out := []T{}
	p := store.Page{Limit: limit}
	for n := 1; ; n++ {
		var items []T
		var next string
		s.read(func(tx store.Tx) (err error) {
			items, next, err = list(tx, p)
			return err
		})
		switch {
		case len(items) > limit:
			s.t.Fatalf("%s, limit %d: page %d holds %d rows", what, limit, n, len(items))
		case len(items) == 0 && n > 1:
			s.t.Fatalf("%s, limit %d: page %d is empty: the page before should have had no cursor", what, limit, n)
		case next != "" && len(items) < limit:
			s.t.Fatalf("%s, limit %d: page %d holds %d rows and a cursor", what, limit, n, len(items))
		case n > 1000:
			s.t.Fatalf("%s, limit %d: more than 1000 pages", what, limit)
		}
		out = append(out, items...)
		if next == "" {
			return out
		}
		if next == p.After {
			s.t.Fatalf("%s, limit %d: page %d gave back its own cursor", what, limit, n)
		}
		p.After = next
	}
}

// samePaged checks that a list read a page at a time, for every limit from
// 1 to one more than its length, is the list read whole, want.
func samePaged[T any](s *suite, what string, want []T, list func(tx store.Tx, p store.Page) ([]T, string, error)) {
	s.t.Helper()
	s.same(what+" whole", view(s, func(tx store.Tx) ([]T, error) { return whole(list(tx, store.Page{})) }), want)
	for limit := 1; limit <= len(want)+1; limit++ {
		s.same(fmt.Sprintf("%s in pages of %d", what, limit), pages(s, what, limit, list), want)
	}
}

// invalidCursor checks that a list refuses a cursor as invalid input.
func invalidCursor(s *suite, what, cursor string, list func(tx store.Tx, p store.Page) error) {
	s.t.Helper()
	err := s.st.Read(s.ctx, func(tx store.Tx) error { return list(tx, store.Page{Limit: 2, After: cursor}) })
	if domain.KindOf(err) != domain.KindInvalid {
		s.t.Errorf("%s with cursor %q: got %v, want an invalid-input error", what, cursor, err)
	}
}

var pagingTests = []test{
	{"Principals", func(s *suite) {
		// R-SRV-6: creation order, (created_at, id), a page at a time;
		// accounts created at the same instant list by id, whatever the
		// order they were inserted in.
		b, other := s.business("acme"), s.business("other")
		g := newGroup(b, "ops", nil)
		a1, a2, a3 := newAccount(b, "A1", "a1", t0), newAccount(b, "A2", "a2", t0), newAccount(b, "A3", "a3", t0)
		tied(&a1, &a2, &a3)
		a4 := newAccount(b, "A4", "a4", at(time.Second))
		a5 := newAccount(b, "A5", "a5", at(2*time.Second))
		a5.SuspendedAt = ptr(at(3 * time.Second))
		a6 := newAccount(b, "A6", "a6", at(2*time.Second))
		tied(&a5, &a6)
		gone := newAccount(b, "Gone", "gone", at(time.Second))
		gone.ArchivedAt = ptr(at(time.Hour))
		tied(&a4, &gone)
		h := newHuman(b, "Ada", "ada@acme.example", t0)
		s.seedOther(other)
		s.write(func(tx store.Tx) error { return tx.InsertGroup(b.ID, g) })
		s.insert(b, a6, gone, a3, h, a5, a1, a4, a2)
		s.write(func(tx store.Tx) error {
			return firstErr(tx.SetMembership(a2.ID, []string{g.ID}), tx.SetMembership(a5.ID, []string{g.ID}),
				tx.SetMembership(a6.ID, []string{g.ID}), tx.SetMembership(gone.ID, []string{g.ID}))
		})
		listed := func(f store.PrincipalFilter) func(tx store.Tx, p store.Page) ([]string, string, error) {
			return func(tx store.Tx, p store.Page) ([]string, string, error) {
				f.Page = p
				as, next, err := tx.ListPrincipals(b.ID, f)
				return ids(as), next, err
			}
		}
		yes, no := true, false
		samePaged(s, "service accounts", ids([]domain.Account{a1, a2, a3, a4, a5, a6}), listed(store.PrincipalFilter{}))
		samePaged(s, "service accounts, archived too", ids([]domain.Account{a1, a2, a3, a4, gone, a5, a6}),
			listed(store.PrincipalFilter{IncludeArchived: true}))
		samePaged(s, "humans", ids([]domain.Account{h}), listed(store.PrincipalFilter{Humans: true}))
		samePaged(s, "members of ops", ids([]domain.Account{a2, a5, a6}), listed(store.PrincipalFilter{GroupID: g.ID}))
		// The stored facts statuses derive from (R-SA-5), as filters.
		samePaged(s, "suspended", ids([]domain.Account{a5}), listed(store.PrincipalFilter{Suspended: &yes}))
		samePaged(s, "not suspended, grouped", ids([]domain.Account{a2, a6}), listed(store.PrincipalFilter{Suspended: &no, Grouped: &yes}))
		samePaged(s, "not suspended, no group", ids([]domain.Account{a1, a3, a4}), listed(store.PrincipalFilter{Suspended: &no, Grouped: &no}))
		samePaged(s, "archived only", ids([]domain.Account{gone}), listed(store.PrincipalFilter{OnlyArchived: true}))
		// A cursor is a position, not a row: the page after an account
		// archived meanwhile still starts after it.
		var first []domain.Account
		var next string
		s.read(func(tx store.Tx) (err error) {
			first, next, err = tx.ListPrincipals(b.ID, store.PrincipalFilter{Page: store.Page{Limit: 2}})
			return err
		})
		s.same("first page", ids(first), ids([]domain.Account{a1, a2}))
		a2.ArchivedAt = ptr(at(time.Hour))
		s.write(func(tx store.Tx) error { return tx.UpdatePrincipal(a2) })
		rest := view(s, func(tx store.Tx) ([]domain.Account, error) {
			return whole(tx.ListPrincipals(b.ID, store.PrincipalFilter{Page: store.Page{Limit: 10, After: next}}))
		})
		s.same("the page after, a2 archived meanwhile", ids(rest), ids([]domain.Account{a3, a4, a5, a6}))
	}},
	{"Groups", func(s *suite) {
		b := s.business("acme")
		gs := []domain.Group{newGroup(b, "Zulu", nil), newGroup(b, "alpha", nil), newGroup(b, "Mike", nil), newGroup(b, "bravo", nil)}
		s.write(func(tx store.Tx) error {
			for _, g := range gs {
				if err := tx.InsertGroup(b.ID, g); err != nil {
					return err
				}
			}
			return nil
		})
		samePaged(s, "groups", []string{"alpha", "bravo", "Mike", "Zulu"}, func(tx store.Tx, p store.Page) ([]string, string, error) {
			got, next, err := tx.ListGroups(b.ID, p)
			return names(got, func(g domain.Group) string { return g.Name }), next, err
		})
		// The page after a group deleted meanwhile starts after it.
		var next string
		s.read(func(tx store.Tx) (err error) {
			_, next, err = tx.ListGroups(b.ID, store.Page{Limit: 2})
			return err
		})
		s.write(func(tx store.Tx) error { return tx.DeleteGroup(gs[3].ID) }) // bravo
		rest := view(s, func(tx store.Tx) ([]domain.Group, error) {
			return whole(tx.ListGroups(b.ID, store.Page{Limit: 5, After: next}))
		})
		s.same("the page after bravo, deleted", names(rest, func(g domain.Group) string { return g.Name }), []string{"Mike", "Zulu"})
	}},
	{"Businesses", func(s *suite) {
		for _, n := range []string{"delta", "alpha", "charlie", "bravo"} {
			s.business(n)
		}
		samePaged(s, "businesses", []string{"alpha", "bravo", "charlie", "delta"}, func(tx store.Tx, p store.Page) ([]string, string, error) {
			got, next, err := tx.ListBusinesses(p)
			return names(got, func(b domain.Business) string { return b.Name }), next, err
		})
	}},
	{"Tokens", func(s *suite) {
		f := s.tokenFixture()
		now := f.m1.IssuedAt.Add(time.Minute)
		samePaged(s, "live minted tokens", []string{f.m1.ID, f.m2.ID}, func(tx store.Tx, p store.Page) ([]string, string, error) {
			got, next, err := tx.LiveMintedTokens(f.b.ID, now, p)
			return names(got, func(m store.MintedTokenRow) string { return m.ID }), next, err
		})
		samePaged(s, "every unexpired token", []string{f.m3.ID, f.m1.ID, f.m2.ID}, func(tx store.Tx, p store.Page) ([]string, string, error) {
			got, next, err := tx.LiveMintedTokens(f.b.ID, f.m3.IssuedAt, p)
			return names(got, func(m store.MintedTokenRow) string { return m.ID }), next, err
		})
		b := s.business("people")
		ada := newHuman(b, "Ada", "ada@people.example", t0)
		s.insert(b, ada)
		var want []string
		var toks []domain.UserToken
		var hashes [][32]byte
		for i := range 5 {
			u, h := newUserToken(ada, at(time.Duration(i/2)*time.Second)) // pairs created together
			toks, hashes, want = append(toks, u), append(hashes, h), append(want, u.ID)
		}
		s.write(func(tx store.Tx) error {
			for i := len(toks) - 1; i >= 0; i-- {
				if err := tx.InsertUserToken(b.ID, ada.ID, toks[i], hashes[i]); err != nil {
					return err
				}
			}
			return nil
		})
		samePaged(s, "user tokens", want, func(tx store.Tx, p store.Page) ([]string, string, error) {
			got, next, err := tx.UserTokens(ada.ID, p)
			return names(got, func(u domain.UserToken) string { return u.ID }), next, err
		})
	}},
	{"Inventory", func(s *suite) {
		// The key inventory comes whole accounts at a time (roles depend on
		// all of an account's keys), by (api_name, id), from an account on.
		f := s.keyFixture()
		c := newAccount(f.b, "Carol", "carol", t0)
		s.insert(f.b, c, newAccount(f.b, "Keyless", "keyless", t0))
		kc, hc := newKey(c, "", t0)
		s.write(func(tx store.Tx) error { return tx.InsertKey(f.b.ID, c.ID, kc, hc, nil) })
		owners := func(q store.InventoryQuery) []string {
			s.t.Helper()
			rows := view(s, func(tx store.Tx) ([]store.InventoryKey, error) { return tx.KeyInventory(f.b.ID, q) })
			return names(rows, func(r store.InventoryKey) string { return r.Key.Account + "/" + r.ID })
		}
		bot, carol, other := "bot/", "carol/", "other/"
		s.same("every account", owners(store.InventoryQuery{}),
			[]string{bot + f.k2.ID, bot + f.k1.ID, bot + f.k3.ID, carol + kc.ID, other + f.ko.ID})
		s.same("one account", owners(store.InventoryQuery{Accounts: 1}), []string{bot + f.k2.ID, bot + f.k1.ID, bot + f.k3.ID})
		s.same("from carol on", owners(store.InventoryQuery{From: &store.InventoryOwner{APIName: "carol", ID: c.ID}}),
			[]string{carol + kc.ID, other + f.ko.ID})
		s.same("two from bot on", owners(store.InventoryQuery{From: &store.InventoryOwner{APIName: "bot", ID: f.bot.ID}, Accounts: 2}),
			[]string{bot + f.k2.ID, bot + f.k1.ID, bot + f.k3.ID, carol + kc.ID})
		s.same("from between bot and carol", owners(store.InventoryQuery{From: &store.InventoryOwner{APIName: "c", ID: ""}, Accounts: 1}),
			[]string{carol + kc.ID})
		s.same("from past the end", owners(store.InventoryQuery{From: &store.InventoryOwner{APIName: "zz"}}), []string{})
	}},
	{"InvalidCursors", func(s *suite) {
		b := s.business("acme")
		groups := domain.EncodeCursor(store.CursorGroups, "ops", "grp_1")
		principals := func(c string) func(tx store.Tx, p store.Page) error {
			return func(tx store.Tx, p store.Page) error {
				_, _, err := tx.ListPrincipals(b.ID, store.PrincipalFilter{Page: store.Page{Limit: 2, After: c}})
				return err
			}
		}
		for _, c := range []string{"!!!", "bm90IGpzb24", groups, domain.EncodeCursor(store.CursorPrincipals, "yesterday", "sa_1"),
			domain.EncodeCursor(store.CursorPrincipals, "2026-01-01T00:00:00Z")} {
			invalidCursor(s, "ListPrincipals", c, principals(c))
		}
		invalidCursor(s, "ListGroups", "x", func(tx store.Tx, p store.Page) error { _, _, err := tx.ListGroups(b.ID, p); return err })
		invalidCursor(s, "ListBusinesses", groups, func(tx store.Tx, p store.Page) error { _, _, err := tx.ListBusinesses(p); return err })
		invalidCursor(s, "LiveMintedTokens", groups, func(tx store.Tx, p store.Page) error {
			_, _, err := tx.LiveMintedTokens(b.ID, t0, p)
			return err
		})
		invalidCursor(s, "UserTokens", groups, func(tx store.Tx, p store.Page) error { _, _, err := tx.UserTokens("usr_1", p); return err })
	}},
}
