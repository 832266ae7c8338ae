package storetest

import (
	"strconv"
	"time"

	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
)

var groupTests = []test{
	{"InsertAndFind", func(s *suite) {
		b, other := s.business("acme"), s.business("other")
		g := newGroup(b, "Sales Ops", domain.Permissions{"deals": domain.LevelEdit, "contacts": domain.LevelView,
			// A key held at none is kept as given (a take-away in a group).
			"audit": domain.LevelNone})
		g.Description = "sales tooling"
		builtin := newGroup(b, "admins", domain.AllSactlAt(domain.LevelRemove))
		builtin.Builtin = true
		protected := newGroup(b, "automation", domain.AllSactlAt(domain.LevelRemove))
		protected.Builtin, protected.Protected = true, true
		s.write(func(tx store.Tx) error {
			return firstErr(tx.InsertGroup(b.ID, g), tx.InsertGroup(b.ID, builtin), tx.InsertGroup(b.ID, protected))
		})
		byName := func(biz domain.Business, name string) (domain.Group, bool) {
			s.t.Helper()
			return find(s, func(tx store.Tx) (domain.Group, bool, error) { return tx.GroupByName(biz.ID, name) })
		}
		got, ok := byName(b, "sales ops")
		if !ok {
			s.t.Fatal("GroupByName(sales ops): not found; names are matched case-insensitively")
		}
		s.same("GroupByName", got, g)
		got, _ = byName(b, "automation")
		s.same("GroupByName(automation)", got, protected)
		s.same("GroupPermissions", view(s, func(tx store.Tx) (domain.Permissions, error) { return tx.GroupPermissions(g.ID) }),
			g.Permissions)
		if _, ok := byName(other, "sales ops"); ok {
			s.t.Error("GroupByName found a group of another business")
		}
		missing(s, "GroupByName(unknown)", func(tx store.Tx) (domain.Group, bool, error) { return tx.GroupByName(b.ID, "unknown") })
		empty := newGroup(b, "empty", nil)
		s.write(func(tx store.Tx) error { return tx.InsertGroup(b.ID, empty) })
		got, _ = byName(b, "empty")
		s.same("a group without permissions", got, empty)
	}},
	{"ListByName", func(s *suite) {
		b, other := s.business("acme"), s.business("other")
		s.seedOther(other)
		var gs []domain.Group
		for _, n := range []string{"beta", "Alpha", "gamma", "Delta"} {
			gs = append(gs, newGroup(b, n, domain.Permissions{"deals": domain.LevelView}))
		}
		s.write(func(tx store.Tx) error {
			return firstErr(tx.InsertGroup(b.ID, gs[0]), tx.InsertGroup(b.ID, gs[1]),
				tx.InsertGroup(b.ID, gs[2]), tx.InsertGroup(b.ID, gs[3]))
		})
		got := view(s, func(tx store.Tx) ([]domain.Group, error) { return whole(tx.ListGroups(b.ID, store.Page{})) })
		// By name, case-insensitively.
		s.same("ListGroups", got, []domain.Group{gs[1], gs[0], gs[3], gs[2]})
	}},
	{"Update", func(s *suite) {
		b := s.business("acme")
		g := newGroup(b, "ops", domain.Permissions{"deals": domain.LevelEdit, "contacts": domain.LevelView})
		s.write(func(tx store.Tx) error { return tx.InsertGroup(b.ID, g) })
		g.Name, g.Description, g.UpdatedAt = "Operations", "on call", at(time.Minute)
		g.Permissions = domain.Permissions{"deals": domain.LevelRemove, "audit": domain.LevelView} // contacts dropped
		s.write(func(tx store.Tx) error { return tx.UpdateGroup(g) })
		got, ok := find(s, func(tx store.Tx) (domain.Group, bool, error) { return tx.GroupByName(b.ID, "operations") })
		if !ok {
			s.t.Fatal("GroupByName(new name): not found")
		}
		s.same("after UpdateGroup", got, g)
		missing(s, "GroupByName(old name)", func(tx store.Tx) (domain.Group, bool, error) { return tx.GroupByName(b.ID, "ops") })
		// Replacing the permissions alone.
		s.write(func(tx store.Tx) error {
			return tx.SetGroupPermissions(g.ID, domain.Permissions{"settings": domain.LevelEdit})
		})
		s.same("after SetGroupPermissions", view(s, func(tx store.Tx) (domain.Permissions, error) { return tx.GroupPermissions(g.ID) }),
			domain.Permissions{"settings": domain.LevelEdit})
		s.write(func(tx store.Tx) error { return tx.SetGroupPermissions(g.ID, domain.Permissions{}) })
		s.same("after SetGroupPermissions(none)", view(s, func(tx store.Tx) (domain.Permissions, error) { return tx.GroupPermissions(g.ID) }),
			domain.Permissions{})
	}},
	{"Membership", func(s *suite) {
		b, other := s.business("acme"), s.business("other")
		s.seedOther(other)
		ops := newGroup(b, "ops", domain.Permissions{"deals": domain.LevelEdit})
		billing := newGroup(b, "Billing", domain.Permissions{"deals": domain.LevelView})
		zed := newAccount(b, "Zed", "zed", t0)
		amy := newHuman(b, "amy", "amy@acme.example", at(time.Second))
		bot := newAccount(b, "Bot", "bot", at(2*time.Second))
		gone := newAccount(b, "Gone", "gone", t0)
		gone.ArchivedAt = ptr(t0)
		lone := newAccount(b, "Lone", "lone", t0)
		s.write(func(tx store.Tx) error { return firstErr(tx.InsertGroup(b.ID, ops), tx.InsertGroup(b.ID, billing)) })
		s.insert(b, zed, amy, bot, gone, lone)
		s.write(func(tx store.Tx) error {
			return firstErr(tx.SetMembership(zed.ID, []string{ops.ID, billing.ID}), tx.SetMembership(amy.ID, []string{ops.ID}),
				tx.SetMembership(bot.ID, []string{ops.ID}), tx.SetMembership(gone.ID, []string{ops.ID}))
		})
		// An account's groups, by name.
		zed.Groups, amy.Groups, bot.Groups = []string{"Billing", "ops"}, []string{"ops"}, []string{"ops"}
		s.same("account with two groups", mustFind(s, "PrincipalByID", func(tx store.Tx) (domain.Account, bool, error) {
			return tx.PrincipalByID(b.ID, zed.ID)
		}), zed)
		s.same("GroupsOf", names(view(s, func(tx store.Tx) ([]domain.Group, error) { return tx.GroupsOf(zed.ID) }),
			func(g domain.Group) string { return g.Name }), []string{"Billing", "ops"})
		if gs := view(s, func(tx store.Tx) ([]domain.Group, error) { return tx.GroupsOf(lone.ID) }); len(gs) != 0 {
			s.t.Errorf("GroupsOf an account without groups: %v", gs)
		}
		// Members: live principals of any kind, by name; MemberCount counts them.
		s.same("Members(ops)", view(s, func(tx store.Tx) ([]domain.Account, error) { return tx.Members(b.ID, ops.ID) }),
			[]domain.Account{amy, bot, zed})
		g, _ := find(s, func(tx store.Tx) (domain.Group, bool, error) { return tx.GroupByName(b.ID, "ops") })
		s.same("GroupByName leaves MemberCount out", g.MemberCount, 0)
		s.same("MemberCount of ops (archived members left out)", view(s, func(tx store.Tx) (int, error) { return tx.MemberCount(ops.ID) }), 3)
		gs := view(s, func(tx store.Tx) ([]domain.Group, error) { return whole(tx.ListGroups(b.ID, store.Page{})) })
		s.same("MemberCount in ListGroups", names(gs, func(g domain.Group) string { return g.Name + ":" + strconv.Itoa(g.MemberCount) }),
			[]string{"Billing:1", "ops:3"})
		gs = view(s, func(tx store.Tx) ([]domain.Group, error) { return tx.GroupsOf(zed.ID) })
		s.same("groups of GroupsOf carry their permissions, not their counts", gs, []domain.Group{
			withCount(billing, 0), withCount(ops, 0)})
		// SetMembership replaces; an empty list clears.
		s.write(func(tx store.Tx) error { return tx.SetMembership(zed.ID, []string{billing.ID}) })
		s.same("after replacing zed's groups", names(view(s, func(tx store.Tx) ([]domain.Group, error) { return tx.GroupsOf(zed.ID) }),
			func(g domain.Group) string { return g.Name }), []string{"Billing"})
		s.write(func(tx store.Tx) error { return tx.SetMembership(zed.ID, nil) })
		zed.Groups = []string{}
		s.same("after clearing zed's groups", mustFind(s, "PrincipalByID", func(tx store.Tx) (domain.Account, bool, error) {
			return tx.PrincipalByID(b.ID, zed.ID)
		}), zed)
		s.same("Members(ops) after", ids(view(s, func(tx store.Tx) ([]domain.Account, error) { return tx.Members(b.ID, ops.ID) })),
			ids([]domain.Account{amy, bot}))
	}},
	{"DeleteCascades", func(s *suite) {
		b := s.business("acme")
		ops := newGroup(b, "ops", domain.Permissions{"deals": domain.LevelEdit})
		keep := newGroup(b, "keep", domain.Permissions{"contacts": domain.LevelView})
		a := newAccount(b, "Bot", "bot", t0)
		s.write(func(tx store.Tx) error { return firstErr(tx.InsertGroup(b.ID, ops), tx.InsertGroup(b.ID, keep)) })
		s.insert(b, a)
		s.write(func(tx store.Tx) error { return tx.SetMembership(a.ID, []string{ops.ID, keep.ID}) })
		s.write(func(tx store.Tx) error { return tx.DeleteGroup(ops.ID) })
		missing(s, "GroupByName of a deleted group", func(tx store.Tx) (domain.Group, bool, error) { return tx.GroupByName(b.ID, "ops") })
		a.Groups = []string{"keep"}
		s.same("the member after its group was deleted", mustFind(s, "PrincipalByID", func(tx store.Tx) (domain.Account, bool, error) {
			return tx.PrincipalByID(b.ID, a.ID)
		}), a)
		s.same("its effective permissions", view(s, func(tx store.Tx) (domain.Permissions, error) { return tx.EffectivePermissions(a.ID) }),
			domain.Permissions{"contacts": domain.LevelView})
		s.same("ListGroups", names(view(s, func(tx store.Tx) ([]domain.Group, error) { return whole(tx.ListGroups(b.ID, store.Page{})) }),
			func(g domain.Group) string { return g.Name }), []string{"keep"})
		if p := view(s, func(tx store.Tx) (domain.Permissions, error) { return tx.GroupPermissions(ops.ID) }); len(p) != 0 {
			s.t.Errorf("permissions of a deleted group: %v", p)
		}
		// The name is free again.
		s.ok("a new group with the deleted one's name", s.writeErr(func(tx store.Tx) error { return tx.InsertGroup(b.ID, newGroup(b, "ops", nil)) }))
		if res, err := s.st.Check(s.ctx); err != nil || len(res.ForeignKeys) != 0 {
			s.t.Errorf("check after deleting a group: %+v, %v", res, err)
		}
	}},
	{"EffectivePermissions", func(s *suite) {
		// R-PERM-3: the highest level of each key across the principal's groups.
		b := s.business("acme")
		g1 := newGroup(b, "one", domain.Permissions{"deals": domain.LevelView, "contacts": domain.LevelRemove, "audit": domain.LevelNone})
		g2 := newGroup(b, "two", domain.Permissions{"deals": domain.LevelEdit, "contacts": domain.LevelView})
		g3 := newGroup(b, "three", domain.Permissions{"settings": domain.LevelView})
		a, lone := newAccount(b, "Bot", "bot", t0), newAccount(b, "Lone", "lone", t0)
		s.write(func(tx store.Tx) error {
			return firstErr(tx.InsertGroup(b.ID, g1), tx.InsertGroup(b.ID, g2), tx.InsertGroup(b.ID, g3))
		})
		s.insert(b, a, lone)
		s.write(func(tx store.Tx) error { return tx.SetMembership(a.ID, []string{g1.ID, g2.ID}) })
		got := view(s, func(tx store.Tx) (domain.Permissions, error) { return tx.EffectivePermissions(a.ID) })
		// A key held at none is the same as a key not held.
		for k, l := range got {
			if l == domain.LevelNone {
				delete(got, k)
			}
		}
		s.same("EffectivePermissions", got, domain.Permissions{"deals": domain.LevelEdit, "contacts": domain.LevelRemove})
		if p := view(s, func(tx store.Tx) (domain.Permissions, error) { return tx.EffectivePermissions(lone.ID) }); len(p) != 0 {
			s.t.Errorf("EffectivePermissions without groups: %v; want none", p)
		}
	}},
}

func withCount(g domain.Group, n int) domain.Group {
	g.MemberCount = n
	return g
}
