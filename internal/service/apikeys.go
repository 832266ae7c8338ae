package service

import (
	"context"
	"fmt"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
)

// API-key accounts (R-SA-11, seed 002): "when you create an API key, a
// corresponding service account is automatically created", named after the
// key's nickname, with the key's permissions for good, "automatically
// deleted when the API key is revoked". The account holds exactly one key:
// keys.go refuses a second key, a rotation and deleting that key, and
// accounts.go refuses changing its groups.

// CreateAPIKey creates a service_apikey account named after the nickname,
// in its groups, with its one key; the secret is in this result only. It
// needs what creating an account needs (R-PERM-4, R-PERM-8).
func (s *Service) CreateAPIKey(ctx context.Context, req api.CreateAPIKeyRequest) (api.CreatedAccount, error) {
	var out api.CreatedAccount
	err := s.write(ctx, req.Mutation, func(t *txn) error {
		if err := t.allow(OpAccountCreate); err != nil {
			return err
		}
		if len(req.Groups) == 0 {
			return domain.Invalidf("an API key needs at least one --group: its groups are fixed when it is created")
		}
		a, groups, set, err := t.newAccount(domain.TypeAPIKey, req.Name, "", "", "", req.Groups)
		if err != nil {
			return err
		}
		key, err := t.issueKey(a, "", req.ExpiresIn, set)
		if err != nil {
			return err
		}
		details := map[string]any{"api_name": a.APIName, "groups": groupNames(groups), "key_id": key.ID, "hint": key.Hint}
		if key.ExpiresAt != nil {
			details["expires_at"] = key.ExpiresAt.UTC().Format("2006-01-02T15:04:05Z")
		}
		if err := t.audit("api_key.created", accountTarget(a), details); err != nil {
			return err
		}
		out.Key = &key
		out.Account, err = t.reloadAccount(a.ID)
		return err
	})
	return out, err
}

// ListAPIKeys lists the live API-key accounts with their key (never its
// secret), in creation order, a page at a time. It needs
// service_accounts=view.
func (s *Service) ListAPIKeys(ctx context.Context, p api.PageRequest) (api.Page[api.APIKey], error) {
	var out api.Page[api.APIKey]
	err := s.read(ctx, func(t *txn) error {
		if err := t.allow(OpAccountRead); err != nil {
			return err
		}
		page, err := storePage(p)
		if err != nil {
			return err
		}
		accts, next, err := t.ListPrincipals(t.biz.ID, store.PrincipalFilter{Type: domain.TypeAPIKey, Page: page})
		if err != nil {
			return err
		}
		set, err := t.settings()
		if err != nil {
			return err
		}
		items := make([]api.APIKey, 0, len(accts))
		for _, a := range accts {
			ks, err := t.accountKeys(a, set)
			if err != nil {
				return err
			}
			item := api.APIKey{Account: a}
			if len(ks) > 0 {
				item.Key = &ks[0]
			}
			items = append(items, item)
		}
		out = api.NewPage(items, next)
		return nil
	})
	return out, err
}

// RevokeAPIKey deletes an API key and archives its account in one
// transaction, after confirmation (R-SA-11, R-SA-8). It needs
// service_accounts=remove, as archiving does.
func (s *Service) RevokeAPIKey(ctx context.Context, ref string, m api.Mutation) (domain.Account, error) {
	var out domain.Account
	err := s.write(ctx, m, func(t *txn) error {
		if err := t.allow(OpAPIKeyRevoke); err != nil {
			return err
		}
		a, err := t.resolveServiceAccount(ref)
		if err != nil {
			return err
		}
		if a.AccountType != domain.TypeAPIKey {
			return domain.Invalidf("%q is not an API key but a %s account; archive it with: sactl sa archive %s",
				a.Name, a.AccountType, a.APIName)
		}
		if a.Status == domain.StatusArchived {
			out = a // already revoked: nothing to do
			return nil
		}
		if err := t.archive(a, fmt.Sprintf("revoke API key %q and archive its account", a.Name), "api_key.revoked"); err != nil {
			return err
		}
		out, err = t.reloadAccount(a.ID)
		return err
	})
	return out, err
}
