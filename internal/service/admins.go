package service

import (
	"context"
	"sort"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
)

// Per-account admins (R-SA-12, seed 003): users who manage one service
// account as if they held service_accounts=edit on it alone. Naming them
// needs service_accounts=edit business-wide: an account admin cannot
// appoint others. What an admin may then do is authz.go's AccountAdmin
// rows, still bound by R-PERM-8, R-PERM-9 and R-KEY-11.

// adminTarget resolves the account and the user of an admin change.
func (t *txn) adminTarget(ref, user string) (domain.Account, domain.Account, error) {
	if err := t.allow(OpAccountAdmins); err != nil {
		return domain.Account{}, domain.Account{}, err
	}
	a, err := t.resolveServiceAccount(ref)
	if err != nil {
		return a, domain.Account{}, err
	}
	switch {
	case a.IsAutomation():
		return a, domain.Account{}, domain.Protectedf("the automation account %q is protected: it has no admins", a.Name)
	case a.Status == domain.StatusArchived:
		return a, domain.Account{}, domain.Conflictf("service account %q is archived; archived accounts cannot be changed", a.Name)
	}
	u, err := t.resolveUser(user)
	if err != nil {
		return a, u, err
	}
	if u.ArchivedAt != nil {
		return a, u, domain.Conflictf("user %q was removed; a removed user cannot administer anything", u.Email)
	}
	return a, u, nil
}

// AddAccountAdmin makes a user an admin of a service account; adding one
// who already is changes nothing and writes no audit event.
func (s *Service) AddAccountAdmin(ctx context.Context, ref, user string, m api.Mutation) (domain.Account, error) {
	return written(s, ctx, m, func(t *txn) (domain.Account, error) { return t.setAdmin(ref, user, true) })
}

// RemoveAccountAdmin takes a user's admin rights on a service account
// away; removing one who is not an admin changes nothing.
func (s *Service) RemoveAccountAdmin(ctx context.Context, ref, user string, m api.Mutation) (domain.Account, error) {
	return written(s, ctx, m, func(t *txn) (domain.Account, error) { return t.setAdmin(ref, user, false) })
}

// setAdmin makes the user an admin of the account, or no more one; the
// audit event is written only when that changed something.
func (t *txn) setAdmin(ref, user string, admin bool) (domain.Account, error) {
	a, u, err := t.adminTarget(ref, user)
	if err != nil {
		return a, err
	}
	change, action := t.RemoveAccountAdmin, "service_account.admin_removed"
	if admin {
		change = func(account, user string) (bool, error) { return t.AddAccountAdmin(account, user, t.now) }
		action = "service_account.admin_added"
	}
	changed, err := change(a.ID, u.ID)
	if err != nil {
		return a, err
	}
	if changed {
		if err := t.audit(action, accountTarget(a), map[string]any{"user": u.ID, "email": u.Email}); err != nil {
			return a, err
		}
	}
	return t.reloadAccount(a.ID)
}

// ListAccountAdmins lists the admins of a service account, by email. It
// needs what reading the account needs (an admin may see its fellows).
func (s *Service) ListAccountAdmins(ctx context.Context, ref string) ([]domain.User, error) {
	var out []domain.User
	err := s.read(ctx, func(t *txn) error {
		if err := t.allow(OpAccountRead); err != nil {
			return err
		}
		a, err := t.resolveServiceAccount(ref)
		if err != nil {
			return err
		}
		out = []domain.User{}
		for _, email := range a.Admins {
			u, ok, err := t.LiveUserByEmail(t.biz.ID, email)
			if err != nil {
				return err
			}
			if ok {
				out = append(out, domain.UserFromAccount(u))
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Email < out[j].Email })
		return nil
	})
	return out, err
}
