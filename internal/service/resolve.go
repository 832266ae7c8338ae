package service

import (
	"strings"

	"github.com/sactl/sactl/internal/domain"
)

// resolveServiceAccount finds a service account by id, api_name or exact
// name (R-CLI-5). Names are matched case-insensitively among non-archived
// accounts, where they are unique (R-SA-1).
func (t *txn) resolveServiceAccount(ref string) (domain.Account, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return domain.Account{}, domain.Invalidf("name a service account by id, api name or name")
	}
	try := []func() (domain.Account, bool, error){
		func() (domain.Account, bool, error) { return t.PrincipalByID(t.biz.ID, ref) },
		func() (domain.Account, bool, error) { return t.PrincipalByAPIName(t.biz.ID, ref) },
		func() (domain.Account, bool, error) { return t.LiveServiceAccountByName(t.biz.ID, domain.NameKey(ref)) },
	}
	for _, f := range try {
		a, ok, err := f()
		if err != nil {
			return a, err
		}
		if ok && a.AccountType.IsService() {
			return a, t.checkAdmin(a)
		}
		if ok && t.admin != nil {
			return domain.Account{}, t.admin.refusal // an admin learns nothing of others
		}
		if ok {
			return a, domain.NotFoundf("%s is a user, not a service account", domain.Quote(ref)).WithHint("see: sactl users get %s", a.ID)
		}
	}
	if t.admin != nil {
		return domain.Account{}, t.admin.refusal
	}
	return domain.Account{}, domain.NotFoundf("service account %s not found in business %q", domain.Quote(ref), t.biz.Name).
		WithHint("list them with: sactl sa list")
}

// resolveUser finds a human by id, email or (unique) name.
func (t *txn) resolveUser(ref string) (domain.Account, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return domain.Account{}, domain.Invalidf("name a user by id, email or name")
	}
	if a, ok, err := t.PrincipalByID(t.biz.ID, ref); err != nil || (ok && !a.AccountType.IsService()) {
		return a, err
	}
	if a, ok, err := t.LiveUserByEmail(t.biz.ID, strings.ToLower(ref)); err != nil || ok {
		return a, err
	}
	matches, err := t.LiveUsersByName(t.biz.ID, domain.NameKey(ref))
	if err != nil {
		return domain.Account{}, err
	}
	switch len(matches) {
	case 1:
		return matches[0], nil
	case 0:
		return domain.Account{}, domain.NotFoundf("user %s not found in business %q", domain.Quote(ref), t.biz.Name).
			WithHint("list them with: sactl users list")
	}
	return domain.Account{}, domain.Invalidf("%d users are named %s; name one by email or id", len(matches), domain.Quote(ref))
}

// resolvePrincipal finds a service account or a user (for --as).
func (t *txn) resolvePrincipal(ref string) (domain.Account, error) {
	a, err := t.resolveServiceAccount(ref)
	if err == nil {
		return a, nil
	}
	if u, uerr := t.resolveUser(ref); uerr == nil {
		return u, nil
	}
	if domain.KindOf(err) == domain.KindNotFound {
		return a, domain.NotFoundf("principal %s not found in business %q", domain.Quote(ref), t.biz.Name)
	}
	return a, err
}

// resolveGroups finds groups by name, dropping repeats. The protected
// automation group can never be assigned (R-SA-4).
func (t *txn) resolveGroups(names []string) ([]domain.Group, error) {
	var out []domain.Group
	seen := map[string]bool{}
	for _, n := range names {
		g, err := t.group(n)
		if err != nil {
			return nil, err
		}
		if g.Protected {
			return nil, domain.Protectedf("group %q is protected: only the automation account holds it", g.Name)
		}
		if !seen[g.ID] {
			seen[g.ID] = true
			out = append(out, g)
		}
	}
	return out, nil
}

func (t *txn) group(name string) (domain.Group, error) {
	g, ok, err := t.GroupByName(t.biz.ID, strings.TrimSpace(name))
	if err != nil {
		return g, err
	}
	if !ok {
		return g, domain.NotFoundf("group %s not found in business %q", domain.Quote(name), t.biz.Name).
			WithHint("list them with: sactl groups list")
	}
	return g, nil
}

// shownGroup is a group as a caller is shown it, with its member count
// (group only resolves it: counting is O(members), P-5).
func (t *txn) shownGroup(name string) (domain.Group, error) {
	g, err := t.group(name)
	if err != nil {
		return g, err
	}
	g.MemberCount, err = t.MemberCount(g.ID)
	return g, err
}

func groupPerms(gs []domain.Group) domain.Permissions {
	p := domain.Permissions{}
	for _, g := range gs {
		p.Merge(g.Permissions)
	}
	return p
}

func groupNames(gs []domain.Group) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = g.Name
	}
	return out
}
