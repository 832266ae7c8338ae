package service

import (
	"context"
	"fmt"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
)

// CreateUser adds a human user (R-USER-1).
func (s *Service) CreateUser(ctx context.Context, req api.CreateUserRequest) (domain.User, error) {
	var out domain.User
	err := s.write(ctx, req.Mutation, func(t *txn) error {
		if err := t.allow(OpUserCreate); err != nil {
			return err
		}
		name, err := domain.NormalizeName("name", req.Name)
		if err != nil {
			return err
		}
		email, err := domain.NormalizeEmail(req.Email)
		if err != nil {
			return err
		}
		if _, ok, err := t.LiveUserByEmail(t.biz.ID, email); err != nil {
			return err
		} else if ok {
			return domain.Conflictf("a user with email %s already exists", domain.Quote(email))
		}
		groups, err := t.resolveGroups(req.Groups)
		if err != nil {
			return err
		}
		if err := t.allowGrant(groupPerms(groups)); err != nil {
			return err
		}
		a, err := t.insertUser(name, email, groups)
		if err != nil {
			return err
		}
		return t.reloadUser(a.ID, &out)
	})
	return out, err
}

// insertUser adds a human with its groups, audited (R-USER-1).
func (t *txn) insertUser(name, email string, groups []domain.Group) (domain.Account, error) {
	a := domain.Account{
		ID: domain.NewID("usr", t.now), Business: t.biz.Name, Name: name, Email: email,
		AccountType: domain.TypeHuman, CreatedAt: t.now, UpdatedAt: t.now, CreatedBy: t.actor.ID,
	}
	if err := t.InsertPrincipal(t.biz.ID, a); err != nil {
		return a, wrapUnique(err, "a user with email %s already exists", domain.Quote(email))
	}
	if err := t.SetMembership(a.ID, groupIDs(groups)); err != nil {
		return a, err
	}
	return a, t.audit("user.created", accountTarget(a), map[string]any{"email": email, "groups": groupNames(groups)})
}

func (t *txn) reloadUser(id string, out *domain.User) error {
	a, err := t.reloadAccount(id)
	*out = domain.UserFromAccount(a)
	return err
}

// ListUsers lists humans only: service accounts never appear here (R-SA-9).
func (s *Service) ListUsers(ctx context.Context, req api.ListUsersRequest) (api.Page[domain.User], error) {
	var out api.Page[domain.User]
	err := s.read(ctx, func(t *txn) error {
		if err := t.allow(OpUserRead); err != nil {
			return err
		}
		page, err := storePage(req.PageRequest)
		if err != nil {
			return err
		}
		f := store.PrincipalFilter{Humans: true, IncludeArchived: req.Removed, Page: page}
		if req.Group != "" {
			g, err := t.group(req.Group)
			if err != nil {
				return err
			}
			f.GroupID = g.ID
		}
		all, next, err := t.ListPrincipals(t.biz.ID, f)
		if err != nil {
			return err
		}
		users := make([]domain.User, len(all))
		for i, a := range all {
			users[i] = domain.UserFromAccount(a)
		}
		out = api.NewPage(users, next)
		return nil
	})
	return out, err
}

// GetUser finds a user by id, email or name.
func (s *Service) GetUser(ctx context.Context, ref string) (domain.User, error) {
	var out domain.User
	err := s.read(ctx, func(t *txn) error {
		if err := t.allow(OpUserRead); err != nil {
			return err
		}
		a, err := t.resolveUser(ref)
		out = domain.UserFromAccount(a)
		return err
	})
	return out, err
}

// UpdateUser changes a user's name or email.
func (s *Service) UpdateUser(ctx context.Context, req api.UpdateUserRequest) (domain.User, error) {
	var out domain.User
	err := s.write(ctx, req.Mutation, func(t *txn) error {
		if err := t.allow(OpUserUpdate); err != nil {
			return err
		}
		if req.Name == nil && req.Email == nil {
			return domain.Invalidf("nothing to update: give --name or --email")
		}
		a, err := t.resolveUser(req.Ref)
		if err != nil {
			return err
		}
		if a.ArchivedAt != nil {
			return domain.Conflictf("user %q was removed; removed users cannot be changed", a.Name)
		}
		changes := map[string]any{}
		if req.Name != nil {
			n, err := domain.NormalizeName("name", *req.Name)
			if err != nil {
				return err
			}
			if n != a.Name {
				changes["name"] = map[string]string{"from": a.Name, "to": n}
				a.Name = n
			}
		}
		if req.Email != nil {
			e, err := domain.NormalizeEmail(*req.Email)
			if err != nil {
				return err
			}
			if e != a.Email {
				if _, ok, err := t.LiveUserByEmail(t.biz.ID, e); err != nil {
					return err
				} else if ok {
					return domain.Conflictf("a user with email %s already exists", domain.Quote(e))
				}
				changes["email"] = map[string]string{"from": a.Email, "to": e}
				a.Email = e
			}
		}
		if len(changes) == 0 {
			out = domain.UserFromAccount(a)
			return nil
		}
		a.UpdatedAt = t.now
		if err := t.UpdatePrincipal(a); err != nil {
			return wrapUnique(err, "a user with email %s already exists", domain.Quote(a.Email))
		}
		if err := t.audit("user.updated", accountTarget(a), map[string]any{"changes": changes}); err != nil {
			return err
		}
		return t.reloadUser(a.ID, &out)
	})
	return out, err
}

// RemoveUser removes a user from the business. The record stays for the
// audit log; the user stops counting as a seat. Needs confirmation.
func (s *Service) RemoveUser(ctx context.Context, ref string, m api.Mutation) (domain.User, error) {
	var out domain.User
	err := s.write(ctx, m, func(t *txn) error {
		if err := t.allow(OpUserRemove); err != nil {
			return err
		}
		a, err := t.resolveUser(ref)
		if err != nil {
			return err
		}
		if a.ArchivedAt != nil {
			out = domain.UserFromAccount(a)
			return nil
		}
		if t.principal != nil && t.principal.ID == a.ID {
			return domain.Forbiddenf("user %q cannot remove themselves", a.Name)
		}
		// R-PERM-8: removing a user takes away all of its groups.
		held, err := t.GroupsOf(a.ID)
		if err != nil {
			return err
		}
		if err := t.allowTakeAway(fmt.Sprintf("remove user %q", a.Name), groupPerms(held)); err != nil {
			return err
		}
		if err := t.confirm(domain.Confirmation{
			Action:        fmt.Sprintf("remove user %q <%s>", a.Name, a.Email),
			Consequences:  []string{"the user loses every permission and stops counting as a seat"},
			TypeToConfirm: "y",
			Targets:       []string{a.ID},
		}); err != nil {
			return err
		}
		a.ArchivedAt, a.UpdatedAt = &t.now, t.now
		if err := t.UpdatePrincipal(a); err != nil {
			return err
		}
		if err := t.SetMembership(a.ID, nil); err != nil {
			return err
		}
		// A removed user administers nothing any more (R-SA-12).
		if err := t.DropAdminRows(a.ID); err != nil {
			return err
		}
		if err := t.audit("user.removed", accountTarget(a), map[string]any{"email": a.Email}); err != nil {
			return err
		}
		return t.reloadUser(a.ID, &out)
	})
	return out, err
}

// ChangeUserGroups sets, adds, removes or clears a user's groups.
func (s *Service) ChangeUserGroups(ctx context.Context, req api.ChangeGroupsRequest) (domain.User, error) {
	var out domain.User
	err := s.write(ctx, req.Mutation, func(t *txn) error {
		if err := t.allow(OpUserGroups); err != nil {
			return err
		}
		a, err := t.resolveUser(req.Ref)
		if err != nil {
			return err
		}
		if a.ArchivedAt != nil {
			return domain.Conflictf("user %q was removed; removed users cannot be changed", a.Name)
		}
		a, err = t.changeGroups(a, req)
		out = domain.UserFromAccount(a)
		return err
	})
	return out, err
}

// SearchPrincipals is the typeahead: users whose name or email starts with
// the prefix; service accounts only when asked for (R-SA-9).
func (s *Service) SearchPrincipals(ctx context.Context, req api.SearchRequest) ([]domain.Account, error) {
	var out []domain.Account
	err := s.read(ctx, func(t *txn) (err error) {
		if err := t.allow(OpUserRead); err != nil {
			return err
		}
		if req.Prefix == "" {
			return domain.Invalidf("give a prefix to search for")
		}
		limit := req.Limit
		if limit == 0 {
			limit = 20
		}
		if limit < 1 || limit > 100 {
			return domain.Invalidf("invalid limit %d: use 1 to 100", req.Limit)
		}
		out, _, err = t.ListPrincipals(t.biz.ID, store.PrincipalFilter{
			Humans: true, IncludeOthers: req.IncludeServiceAccounts, Prefix: req.Prefix, Page: store.Page{Limit: limit},
		})
		return err
	})
	return out, err
}

// Seats counts the humans a bill is based on; service accounts are reported
// apart and never billed (R-SA-9).
func (s *Service) Seats(ctx context.Context) (domain.Seats, error) {
	var out domain.Seats
	err := s.read(ctx, func(t *txn) (err error) {
		if err := t.allow(OpUserRead); err != nil {
			return err
		}
		if out.Seats, err = t.CountPrincipals(t.biz.ID, domain.TypeHuman); err != nil {
			return err
		}
		out.ServiceAccounts, err = t.CountServiceAccounts(t.biz.ID)
		return err
	})
	return out, err
}
