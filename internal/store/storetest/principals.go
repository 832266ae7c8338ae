package storetest

import (
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
)

// tied gives accounts that share a creation time ids that sort in the
// order given (each keeping its prefix). Lists break creation-time ties by
// id, the keyset their cursors hold (R-SRV-6); the tests insert such
// accounts in another order, so a backend that breaks ties by insertion
// order fails every time, not by chance.
func tied(as ...*domain.Account) {
	ids := make([]string, len(as))
	for i, a := range as {
		ids[i] = strings.SplitN(domain.NewID("x", a.CreatedAt), "_", 2)[1]
	}
	slices.Sort(ids)
	for i, a := range as {
		a.ID = strings.SplitN(a.ID, "_", 2)[0] + "_" + ids[i]
		if a.AccountType.IsService() {
			a.Email = a.APIName + "+" + domain.ShortID(a.ID) + "@serviceaccounts." + a.Business + ".example"
		}
	}
}

var principalTests = []test{
	{"InsertAndFind", func(s *suite) {
		b, other := s.business("acme"), s.business("other")
		a := newAccount(b, "Zapier Sync", "zapier-sync", t0)
		a.Description, a.Icon = "owned by the growth team", "⚡"
		s.insert(b, a)
		// Accounts come with their groups (none here) and no status: the
		// service derives that (R-SA-5).
		s.same("PrincipalByID", mustFind(s, "PrincipalByID", func(tx store.Tx) (domain.Account, bool, error) {
			return tx.PrincipalByID(b.ID, a.ID)
		}), a)
		s.same("PrincipalByAPIName", mustFind(s, "PrincipalByAPIName", func(tx store.Tx) (domain.Account, bool, error) {
			return tx.PrincipalByAPIName(b.ID, "zapier-sync")
		}), a)
		// R-SA-1: names are matched case-insensitively, through their key.
		s.same("LiveServiceAccountByName", mustFind(s, "LiveServiceAccountByName", func(tx store.Tx) (domain.Account, bool, error) {
			return tx.LiveServiceAccountByName(b.ID, domain.NameKey(" ZAPIER sync "))
		}), a)
		missing(s, "PrincipalByID from another business", func(tx store.Tx) (domain.Account, bool, error) {
			return tx.PrincipalByID(other.ID, a.ID)
		})
		missing(s, "PrincipalByAPIName in another business", func(tx store.Tx) (domain.Account, bool, error) {
			return tx.PrincipalByAPIName(other.ID, "zapier-sync")
		})
		missing(s, "LiveServiceAccountByName in another business", func(tx store.Tx) (domain.Account, bool, error) {
			return tx.LiveServiceAccountByName(other.ID, domain.NameKey(a.Name))
		})
		missing(s, "PrincipalByID(unknown)", func(tx store.Tx) (domain.Account, bool, error) {
			return tx.PrincipalByID(b.ID, "sa_unknown")
		})
		missing(s, "PrincipalByAPIName(unknown)", func(tx store.Tx) (domain.Account, bool, error) {
			return tx.PrincipalByAPIName(b.ID, "unknown")
		})
		missing(s, "LiveUserByEmail of a service account", func(tx store.Tx) (domain.Account, bool, error) {
			return tx.LiveUserByEmail(b.ID, a.Email)
		})
	}},
	{"Humans", func(s *suite) {
		b := s.business("acme")
		// Humans have no api_name, and may share a name; ties in creation
		// time list by id.
		ada := newHuman(b, "Ada Lovelace", "ada@acme.example", t0)
		ada2 := newHuman(b, "Ada Lovelace", "ada.l@acme.example", t0)
		gone := newHuman(b, "ada lovelace", "gone@acme.example", t0)
		gone.ArchivedAt = ptr(at(time.Hour))
		sa := newAccount(b, "Ada Lovelace", "ada", t0)
		tied(&ada, &ada2, &gone, &sa)
		s.insert(b, sa, gone, ada2, ada)
		got := view(s, func(tx store.Tx) ([]domain.Account, error) {
			return tx.LiveUsersByName(b.ID, domain.NameKey("ADA LOVELACE"))
		})
		s.same("LiveUsersByName (live humans, creation order)", got, []domain.Account{ada, ada2})
		s.same("LiveUserByEmail", mustFind(s, "LiveUserByEmail", func(tx store.Tx) (domain.Account, bool, error) {
			return tx.LiveUserByEmail(b.ID, "ada.l@acme.example")
		}), ada2)
		missing(s, "LiveUserByEmail of a removed user", func(tx store.Tx) (domain.Account, bool, error) {
			return tx.LiveUserByEmail(b.ID, "gone@acme.example")
		})
		missing(s, "PrincipalByAPIName(\"\") (humans have none)", func(tx store.Tx) (domain.Account, bool, error) {
			return tx.PrincipalByAPIName(b.ID, "")
		})
		// A service account's name lookup finds service accounts only.
		s.same("LiveServiceAccountByName of a name humans share", mustFind(s, "LiveServiceAccountByName", func(tx store.Tx) (domain.Account, bool, error) {
			return tx.LiveServiceAccountByName(b.ID, domain.NameKey("ada lovelace"))
		}), sa)
		s.insert(b, newHuman(b, "Grace", "grace@acme.example", t0))
		missing(s, "LiveServiceAccountByName of a human's name", func(tx store.Tx) (domain.Account, bool, error) {
			return tx.LiveServiceAccountByName(b.ID, domain.NameKey("Grace"))
		})
		if us := view(s, func(tx store.Tx) ([]domain.Account, error) { return tx.LiveUsersByName(b.ID, "nobody") }); len(us) != 0 {
			s.t.Errorf("LiveUsersByName(nobody): %v", ids(us))
		}
		s.same("a removed user by id", mustFind(s, "PrincipalByID", func(tx store.Tx) (domain.Account, bool, error) {
			return tx.PrincipalByID(b.ID, gone.ID)
		}), gone)
	}},
	{"AccountAdmins", func(s *suite) { // R-SA-12
		b := s.business("acme")
		zap, bill := newAccount(b, "Zapier Sync", "zapier-sync", t0), newAccount(b, "Billing", "billing", at(time.Second))
		key := newAccount(b, "CI key", "ci-key", at(2*time.Second))
		key.AccountType = domain.TypeAPIKey
		zoe, ann := newHuman(b, "Zoe", "zoe@acme.example", t0), newHuman(b, "Ann", "ann@acme.example", t0)
		s.insert(b, zap, bill, key, zoe, ann)
		var first, again bool
		s.write(func(tx store.Tx) (err error) {
			if first, err = tx.AddAccountAdmin(zap.ID, zoe.ID, t0); err != nil {
				return err
			}
			if again, err = tx.AddAccountAdmin(zap.ID, zoe.ID, t0); err != nil {
				return err
			}
			_, err = tx.AddAccountAdmin(zap.ID, ann.ID, t0)
			return err
		})
		s.same("AddAccountAdmin (new, again)", []bool{first, again}, []bool{true, false})
		got := mustFind(s, "PrincipalByID", func(tx store.Tx) (domain.Account, bool, error) { return tx.PrincipalByID(b.ID, zap.ID) })
		s.same("an account's admins, by email", got.Admins, []string{"ann@acme.example", "zoe@acme.example"})
		s.same("IsAccountAdmin", view(s, func(tx store.Tx) ([]bool, error) {
			x, err1 := tx.IsAccountAdmin(zap.ID, zoe.ID)
			y, err2 := tx.IsAccountAdmin(bill.ID, zoe.ID)
			z, err3 := tx.AdministersAny(zoe.ID)
			w, err4 := tx.AdministersAny(bill.ID)
			return []bool{x, y, z, w}, errors.Join(err1, err2, err3, err4)
		}), []bool{true, false, true, false})
		admin := view(s, func(tx store.Tx) ([]domain.Account, error) {
			as, _, err := tx.ListPrincipals(b.ID, store.PrincipalFilter{AdminID: zoe.ID})
			return as, err
		})
		s.same("ListPrincipals AdminID", ids(admin), []string{zap.ID})
		typed := view(s, func(tx store.Tx) ([]domain.Account, error) {
			as, _, err := tx.ListPrincipals(b.ID, store.PrincipalFilter{Type: domain.TypeAPIKey})
			return as, err
		})
		s.same("ListPrincipals Type", ids(typed), []string{key.ID})
		var removed, removedAgain bool
		s.write(func(tx store.Tx) (err error) {
			if removed, err = tx.RemoveAccountAdmin(zap.ID, ann.ID); err != nil {
				return err
			}
			removedAgain, err = tx.RemoveAccountAdmin(zap.ID, ann.ID)
			return err
		})
		s.same("RemoveAccountAdmin (held, not held)", []bool{removed, removedAgain}, []bool{true, false})
		// Dropping a principal's rows ends its roles either way round.
		s.write(func(tx store.Tx) error {
			if _, err := tx.AddAccountAdmin(bill.ID, zoe.ID, t0); err != nil {
				return err
			}
			return tx.DropAdminRows(zoe.ID)
		})
		for _, a := range []domain.Account{zap, bill} {
			got := mustFind(s, "PrincipalByID", func(tx store.Tx) (domain.Account, bool, error) { return tx.PrincipalByID(b.ID, a.ID) })
			s.same("admins after DropAdminRows of "+a.APIName, len(got.Admins), 0)
		}
	}},
	{"Automation", func(s *suite) {
		b, other := s.business("acme"), s.business("other")
		missing(s, "Automation of a business without one", func(tx store.Tx) (domain.Account, bool, error) {
			return tx.Automation(b.ID)
		})
		auto := newAutomation(b)
		s.insert(b, newAccount(b, "Bot", "bot", t0), auto)
		s.same("Automation", mustFind(s, "Automation", func(tx store.Tx) (domain.Account, bool, error) {
			return tx.Automation(b.ID)
		}), auto)
		missing(s, "Automation of another business", func(tx store.Tx) (domain.Account, bool, error) {
			return tx.Automation(other.ID)
		})
	}},
	{"Update", func(s *suite) {
		b := s.business("acme")
		a := newAccount(b, "Zapier Sync", "zapier-sync", t0)
		s.insert(b, a)
		byID := func() domain.Account {
			s.t.Helper()
			return mustFind(s, "PrincipalByID", func(tx store.Tx) (domain.Account, bool, error) { return tx.PrincipalByID(b.ID, a.ID) })
		}
		// Rename, new api_name, describe, suspend.
		a.Name, a.APIName, a.Email = "Zapier Export", "zapier-export", "zapier-export+"+domain.ShortID(a.ID)+"@serviceaccounts.acme.example"
		a.Description, a.Icon, a.UpdatedAt, a.SuspendedAt = "exports", "📦", at(time.Minute), ptr(at(time.Minute))
		s.write(func(tx store.Tx) error { return tx.UpdatePrincipal(a) })
		s.same("after an update that suspends", byID(), a)
		missing(s, "LiveServiceAccountByName(old name)", func(tx store.Tx) (domain.Account, bool, error) {
			return tx.LiveServiceAccountByName(b.ID, domain.NameKey("Zapier Sync"))
		})
		missing(s, "PrincipalByAPIName(old api_name)", func(tx store.Tx) (domain.Account, bool, error) {
			return tx.PrincipalByAPIName(b.ID, "zapier-sync")
		})
		mustFind(s, "LiveServiceAccountByName(new name)", func(tx store.Tx) (domain.Account, bool, error) {
			return tx.LiveServiceAccountByName(b.ID, domain.NameKey("zapier export"))
		})
		// Resume: the suspension time goes back to nil.
		a.SuspendedAt, a.UpdatedAt = nil, at(2*time.Minute)
		s.write(func(tx store.Tx) error { return tx.UpdatePrincipal(a) })
		s.same("after resume", byID(), a)
		// Archive (R-SA-8): still found by id and api_name, no longer by name
		// nor listed among live accounts.
		a.ArchivedAt, a.UpdatedAt = ptr(at(3*time.Minute)), at(3*time.Minute)
		s.write(func(tx store.Tx) error { return tx.UpdatePrincipal(a) })
		s.same("after archive", byID(), a)
		s.same("PrincipalByAPIName of an archived account", mustFind(s, "PrincipalByAPIName", func(tx store.Tx) (domain.Account, bool, error) {
			return tx.PrincipalByAPIName(b.ID, "zapier-export")
		}), a)
		missing(s, "LiveServiceAccountByName of an archived account", func(tx store.Tx) (domain.Account, bool, error) {
			return tx.LiveServiceAccountByName(b.ID, domain.NameKey(a.Name))
		})
		s.same("ListPrincipals of live accounts", ids(list(s, b, store.PrincipalFilter{})), []string{})
	}},
	{"List", func(s *suite) {
		b, other := s.business("acme"), s.business("other")
		g := newGroup(b, "ops", nil)
		late := newAccount(b, "Late", "late", at(2*time.Second))
		y := newAccount(b, "Yankee", "yankee", t0)
		z := newAccount(b, "Alpha", "alpha", t0)
		auto := newAutomation(b)
		w := newAccount(b, "Whisky", "whisky", at(time.Second))
		old := newAccount(b, "Old", "old", at(3*time.Second))
		old.ArchivedAt = ptr(at(4 * time.Second))
		h := newHuman(b, "Ada", "ada@acme.example", t0)
		h2 := newHuman(b, "Bob", "bob@acme.example", at(time.Second))
		tied(&y, &z, &auto, &h)
		s.seedOther(other)
		s.write(func(tx store.Tx) error { return tx.InsertGroup(b.ID, g) })
		s.insert(b, late, auto, z, y, w, old, h, h2)
		s.write(func(tx store.Tx) error {
			return firstErr(tx.SetMembership(late.ID, []string{g.ID}), tx.SetMembership(y.ID, []string{g.ID}),
				tx.SetMembership(h.ID, []string{g.ID}), tx.SetMembership(old.ID, []string{g.ID}))
		})
		late.Groups, y.Groups, h.Groups, old.Groups = []string{"ops"}, []string{"ops"}, []string{"ops"}, []string{"ops"}
		// Creation order, ties by id.
		s.same("ListPrincipals (service accounts)", list(s, b, store.PrincipalFilter{}), []domain.Account{y, z, auto, w, late})
		s.same("ListPrincipals with IncludeArchived", ids(list(s, b, store.PrincipalFilter{IncludeArchived: true})),
			ids([]domain.Account{y, z, auto, w, late, old}))
		s.same("ListPrincipals with OnlyArchived", ids(list(s, b, store.PrincipalFilter{OnlyArchived: true})), ids([]domain.Account{old}))
		s.same("ListPrincipals of humans", list(s, b, store.PrincipalFilter{Humans: true}), []domain.Account{h, h2})
		s.same("ListPrincipals of a group", ids(list(s, b, store.PrincipalFilter{GroupID: g.ID})), ids([]domain.Account{y, late}))
		s.same("ListPrincipals of a group, humans", ids(list(s, b, store.PrincipalFilter{GroupID: g.ID, Humans: true})),
			ids([]domain.Account{h}))
		s.same("ListPrincipals of a group, archived too", ids(list(s, b, store.PrincipalFilter{GroupID: g.ID, IncludeArchived: true})),
			ids([]domain.Account{y, late, old}))
		s.same("ListPrincipals with Limit 2", ids(list(s, b, store.PrincipalFilter{Page: store.Page{Limit: 2}})), ids([]domain.Account{y, z}))
		s.same("ListPrincipals with Limit 10", ids(list(s, b, store.PrincipalFilter{Page: store.Page{Limit: 10}})), ids([]domain.Account{y, z, auto, w, late}))
		s.same("ListPrincipals of humans with Limit 1", ids(list(s, b, store.PrincipalFilter{Humans: true, Page: store.Page{Limit: 1}})), ids([]domain.Account{h}))
	}},
	{"Search", func(s *suite) {
		// R-USER-1's typeahead (users search): a prefix of the name, of a
		// word of the name, of the api_name or of the email, case-insensitive,
		// ordered by name; archived principals left out.
		b := s.business("acme")
		ada := newHuman(b, "Ada Lovelace", "countess@acme.example", t0)
		adam := newHuman(b, "adam smith", "adam@acme.example", at(time.Second))
		grace := newHuman(b, "Grace Hopper", "grace@navy.example", t0)
		gone := newHuman(b, "Ada Gone", "ada.gone@acme.example", t0)
		gone.ArchivedAt = ptr(at(time.Hour))
		bot := newAccount(b, "Sync Bot", "adapter-sync", at(2*time.Second))
		odd := newHuman(b, "A%b_c", "odd@acme.example", t0)
		s.insert(b, grace, adam, ada, gone, bot, odd)
		search := func(f store.PrincipalFilter) []string {
			s.t.Helper()
			return names(list(s, b, f), func(a domain.Account) string { return a.Name })
		}
		s.same("humans starting with ada", search(store.PrincipalFilter{Humans: true, Prefix: "ada"}), []string{"Ada Lovelace", "adam smith"})
		s.same("humans starting with ADA", search(store.PrincipalFilter{Humans: true, Prefix: "ADA"}), []string{"Ada Lovelace", "adam smith"})
		s.same("a word of the name", search(store.PrincipalFilter{Humans: true, Prefix: "hop"}), []string{"Grace Hopper"})
		s.same("an email", search(store.PrincipalFilter{Humans: true, Prefix: "countess@"}), []string{"Ada Lovelace"})
		s.same("everyone starting with ada", search(store.PrincipalFilter{Humans: true, IncludeOthers: true, Prefix: "ada"}),
			[]string{"Ada Lovelace", "adam smith", "Sync Bot"})
		s.same("service accounts by api_name", search(store.PrincipalFilter{Prefix: "adapter-"}), []string{"Sync Bot"})
		s.same("humans only", search(store.PrincipalFilter{Humans: true, Prefix: "adapter"}), []string{})
		s.same("Limit 1", search(store.PrincipalFilter{Humans: true, Prefix: "ada", Page: store.Page{Limit: 1}}), []string{"Ada Lovelace"})
		// A prefix is text, never a pattern.
		s.same("prefix a_a", search(store.PrincipalFilter{Humans: true, Prefix: "a_a"}), []string{})
		s.same("prefix %", search(store.PrincipalFilter{Humans: true, Prefix: "%"}), []string{})
		s.same("prefix a%b_", search(store.PrincipalFilter{Humans: true, Prefix: "a%b_"}), []string{"A%b_c"})
	}},
	{"Counts", func(s *suite) {
		b, other := s.business("acme"), s.business("other")
		arch := newAccount(b, "Archived", "archived", t0)
		arch.ArchivedAt = ptr(t0)
		gone := newHuman(b, "Gone", "gone@acme.example", t0)
		gone.ArchivedAt = ptr(t0)
		apikey := newAccount(b, "ci key", "ci-key", t0)
		apikey.AccountType = domain.TypeAPIKey
		s.insert(b, newAutomation(b), newAccount(b, "One", "one", t0), newAccount(b, "Two", "two", t0), arch, apikey,
			newHuman(b, "Ada", "ada@acme.example", t0), gone)
		s.insert(other, newAccount(other, "One", "one", t0))
		count := func(biz domain.Business, typ domain.AccountType) int {
			s.t.Helper()
			return view(s, func(tx store.Tx) (int, error) { return tx.CountPrincipals(biz.ID, typ) })
		}
		s.same("live integration accounts", count(b, domain.TypeIntegration), 2)
		s.same("live humans (seats)", count(b, domain.TypeHuman), 1)
		s.same("automation accounts", count(b, domain.TypeAutomation), 1)
		s.same("API-key accounts", count(b, domain.TypeAPIKey), 1)
		s.same("integration accounts of the other business", count(other, domain.TypeIntegration), 1)
		s.same("CountServiceAccounts (every live service account)",
			view(s, func(tx store.Tx) (int, error) { return tx.CountServiceAccounts(b.ID) }), 4)
		taken := func(biz domain.Business, name string) bool {
			s.t.Helper()
			return view(s, func(tx store.Tx) (bool, error) { return tx.APINameTaken(biz.ID, name) })
		}
		s.same("APINameTaken(one)", taken(b, "one"), true)
		s.same("APINameTaken of an archived account", taken(b, "archived"), true)
		s.same("APINameTaken(unknown)", taken(b, "unknown"), false)
		s.same("APINameTaken in another business", taken(other, "two"), false)
	}},
	{"CreatorChain", func(s *suite) {
		b, other := s.business("acme"), s.business("other")
		root := newAccount(b, "Root", "root", t0)
		mid := newAccount(b, "Mid", "mid", t0)
		mid.CreatedBy = root.ID
		leaf := newAccount(b, "Leaf", "leaf", t0)
		leaf.CreatedBy = mid.ID
		human := newHuman(b, "Ada", "ada@acme.example", t0)
		helper := newAccount(b, "Helper", "helper", t0)
		helper.CreatedBy = human.ID
		foreign := newAccount(other, "Foreign", "foreign", t0)
		foreign.CreatedBy = root.ID // an id of another business: not followed
		s.insert(b, leaf, mid, root, human, helper)
		s.insert(other, foreign)
		link := func(a domain.Account) store.CreatorLink {
			return store.CreatorLink{ID: a.ID, Name: a.Name, AccountType: a.AccountType, CreatedBy: a.CreatedBy}
		}
		chain := func(biz domain.Business, id string) []store.CreatorLink {
			s.t.Helper()
			return view(s, func(tx store.Tx) ([]store.CreatorLink, error) { return tx.CreatorChain(biz.ID, id) })
		}
		s.same("CreatorChain(leaf)", chain(b, leaf.ID), []store.CreatorLink{link(leaf), link(mid), link(root)})
		s.same("CreatorChain(helper) (through a human)", chain(b, helper.ID), []store.CreatorLink{link(helper), link(human)})
		s.same("CreatorChain(root) (created by a local operator)", chain(b, root.ID), []store.CreatorLink{link(root)})
		s.same("CreatorChain across businesses", chain(other, foreign.ID), []store.CreatorLink{link(foreign)})
		if c := chain(b, "sa_unknown"); len(c) != 0 {
			s.t.Errorf("CreatorChain of an unknown id: %v; want none", c)
		}
		if c := chain(other, leaf.ID); len(c) != 0 {
			s.t.Errorf("CreatorChain of an id of another business: %v; want none", c)
		}
	}},
	{"CreatorChainCycle", func(s *suite) {
		// Only a hand edit makes a cycle, but the walk must end: bounded,
		// not an endless loop or an error.
		b := s.business("acme")
		x, y := newAccount(b, "X", "x", t0), newAccount(b, "Y", "y", t0)
		x.CreatedBy, y.CreatedBy = y.ID, x.ID
		s.insert(b, x, y)
		done := make(chan []store.CreatorLink, 1)
		go func() {
			var c []store.CreatorLink
			err := s.st.Read(s.ctx, func(tx store.Tx) (err error) {
				c, err = tx.CreatorChain(b.ID, x.ID)
				return err
			})
			if err != nil {
				s.t.Errorf("CreatorChain of a cycle: %v", err)
			}
			done <- c
		}()
		select {
		case c := <-done:
			if len(c) < 2 || c[0].ID != x.ID || c[1].ID != y.ID || len(c) > 100_000 {
				s.t.Errorf("CreatorChain of a cycle: %d links starting %v; want x, y, … and a bound", len(c), c[:min(len(c), 3)])
			}
		case <-time.After(20 * time.Second):
			s.t.Fatal("CreatorChain of a cycle did not return")
		}
	}},
}

// list runs ListPrincipals in its own read transaction.
func list(s *suite, b domain.Business, f store.PrincipalFilter) []domain.Account {
	s.t.Helper()
	return view(s, func(tx store.Tx) ([]domain.Account, error) { return whole(tx.ListPrincipals(b.ID, f)) })
}

// seedOther fills another business with rows that no query of the first
// may return: one of each principal kind, a group, a key.
func (s *suite) seedOther(b domain.Business) {
	s.t.Helper()
	a, h := newAccount(b, "Yankee", "yankee", t0), newHuman(b, "Ada", "ada@acme.example", t0)
	g := newGroup(b, "ops", domain.Permissions{"deals": domain.LevelRemove})
	k, hash := newKey(a, "", t0)
	s.write(func(tx store.Tx) error {
		return firstErr(tx.InsertPrincipal(b.ID, newAutomation(b)), tx.InsertPrincipal(b.ID, a), tx.InsertPrincipal(b.ID, h),
			tx.InsertGroup(b.ID, g), tx.SetMembership(a.ID, []string{g.ID}), tx.SetMembership(h.ID, []string{g.ID}),
			tx.InsertKey(b.ID, a.ID, k, hash, nil))
	})
}
