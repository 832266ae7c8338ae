package service

import (
	"context"
	"fmt"
	"time"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/keys"
	"github.com/sactl/sactl/internal/store"
)

// CreateUserToken issues a personal token for a user; its secret is in this
// result only. Only the user itself or a local operator may (R-USER-2).
func (s *Service) CreateUserToken(ctx context.Context, req api.CreateUserTokenRequest) (domain.UserToken, error) {
	return written(s, ctx, req.Mutation, func(t *txn) (domain.UserToken, error) { return t.createUserToken(req) })
}

func (t *txn) createUserToken(req api.CreateUserTokenRequest) (domain.UserToken, error) {
	if err := t.allow(OpUserTokenCreate); err != nil {
		return domain.UserToken{}, err
	}
	u, err := t.resolveUser(req.Ref)
	if err != nil {
		return domain.UserToken{}, err
	}
	if err := t.allowOn(OpUserTokenCreate, u); err != nil {
		return domain.UserToken{}, err
	}
	if u.Status != domain.StatusActive {
		return domain.UserToken{}, domain.Conflictf("user %q was removed; removed users cannot get tokens", u.Name)
	}
	name, err := keyName(req.Name)
	if err != nil {
		return domain.UserToken{}, err
	}
	if req.ExpiresIn < 0 {
		return domain.UserToken{}, domain.Invalidf("expiry must be positive")
	}
	secret, err := keys.Generate(keys.KindUserToken)
	if err != nil {
		return domain.UserToken{}, err
	}
	tok := domain.UserToken{
		ID: domain.NewID("utk", t.now), User: u.Email, Name: name, Hint: secret.Hint(),
		CreatedAt: t.now, CreatedBy: t.actor.ID,
	}
	if req.ExpiresIn > 0 {
		at := t.now.Add(req.ExpiresIn)
		tok.ExpiresAt = &at
	}
	if err := t.InsertUserToken(t.biz.ID, u.ID, tok, secret.Hash()); err != nil {
		return tok, err
	}
	if err := t.audit("user_token.created", accountTarget(u), map[string]any{
		"token_id": tok.ID, "hint": tok.Hint, "name": name, "expires_at": tok.ExpiresAt,
	}); err != nil {
		return tok, err
	}
	if !t.dryRun {
		tok.Secret = secret.Reveal()
	}
	return tok, nil
}

// ListUserTokens lists a user's tokens, never their secrets.
func (s *Service) ListUserTokens(ctx context.Context, ref string, req api.PageRequest) (api.Page[domain.UserToken], error) {
	var out api.Page[domain.UserToken]
	err := s.read(ctx, func(t *txn) error {
		if err := t.allow(OpUserTokenList); err != nil {
			return err
		}
		u, err := t.resolveUser(ref)
		if err != nil {
			return err
		}
		if err := t.allowOn(OpUserTokenList, u); err != nil {
			return err
		}
		p, err := storePage(req)
		if err != nil {
			return err
		}
		items, next, err := t.UserTokens(u.ID, p)
		out = api.NewPage(items, next)
		return err
	})
	return out, err
}

// RevokeUserToken revokes one of a user's tokens at once.
func (s *Service) RevokeUserToken(ctx context.Context, ref, tokenID string, m api.Mutation) (domain.UserToken, error) {
	var out domain.UserToken
	err := s.write(ctx, m, func(t *txn) error {
		if err := t.allow(OpUserTokenRevoke); err != nil {
			return err
		}
		u, err := t.resolveUser(ref)
		if err != nil {
			return err
		}
		// Anyone may revoke their own tokens; others need users=edit.
		if err := t.allowOn(OpUserTokenRevoke, u); err != nil {
			return err
		}
		toks, _, err := t.UserTokens(u.ID, store.Page{})
		if err != nil {
			return err
		}
		for _, tok := range toks {
			if tok.ID != tokenID {
				continue
			}
			if tok.RevokedAt != nil {
				out = tok
				return nil
			}
			if err := t.confirm(domain.Confirmation{
				Action:        fmt.Sprintf("revoke token %s (%s) of user %s", tok.ID, tok.Hint, u.Email),
				Consequences:  []string{"anything using it, a profile included, fails at once"},
				TypeToConfirm: "y",
				Targets:       []string{u.ID, tok.ID},
			}); err != nil {
				return err
			}
			if err := t.RevokeUserToken(tok.ID, t.now); err != nil {
				return err
			}
			tok.RevokedAt = &t.now
			out = tok
			return t.audit("user_token.revoked", accountTarget(u), map[string]any{"token_id": tok.ID, "hint": tok.Hint})
		}
		return domain.NotFoundf("user %q has no token %s", u.Email, domain.Quote(tokenID))
	})
	return out, err
}

// InitAdmin makes the first administrator of a business served over HTTP
// (R-USER-2, "sactl serve init"): a user in the admins group with a token,
// printed once. It refuses once any user token exists.
func (s *Service) InitAdmin(ctx context.Context, email string) (domain.User, domain.UserToken, error) {
	var user domain.User
	var tok domain.UserToken
	err := s.write(ctx, api.Mutation{}, func(t *txn) error {
		if err := t.allow(OpServerInit); err != nil {
			return err
		}
		n, err := t.CountUserTokens(t.biz.ID)
		if err != nil {
			return err
		}
		if n > 0 {
			return domain.Conflictf("business %q already has user tokens; create more with: sactl users tokens create USER", t.biz.Name)
		}
		if email == "" {
			email = "admin@" + t.biz.Domain
		}
		email, err = domain.NormalizeEmail(email)
		if err != nil {
			return err
		}
		u, ok, err := t.LiveUserByEmail(t.biz.ID, email)
		if err != nil {
			return err
		}
		if ok {
			// An existing user becomes the administrator the token is for.
			if u, err = t.changeGroups(u, api.ChangeGroupsRequest{Op: api.GroupsAdd, Groups: []string{AdminsGroup}}); err != nil {
				return err
			}
		} else {
			admins, err := t.group(AdminsGroup)
			if err != nil {
				return err
			}
			if u, err = t.insertUser("Administrator", email, []domain.Group{admins}); err != nil {
				return err
			}
		}
		if tok, err = t.createUserToken(api.CreateUserTokenRequest{Ref: u.ID, Name: "serve init"}); err != nil {
			return err
		}
		return t.reloadUser(u.ID, &user)
	})
	return user, tok, err
}

func (s *Service) verifyUserToken(ctx context.Context, credential string) (domain.Verification, cacheHints, error) {
	v := domain.Verification{Permissions: domain.Permissions{}, Business: s.business}
	var h cacheHints
	kind, secret, err := keys.Parse(credential)
	if err != nil || kind != keys.KindUserToken {
		v.Reason = domain.ReasonMalformed
		return v, h, nil
	}
	hash := secret.Hash()
	err = s.st.Read(ctx, func(tx store.Tx) error {
		row, ok, err := tx.UserTokenByHash(hash)
		if err != nil {
			return err
		}
		if !ok || !keys.Equal(row.Hash, hash) {
			v.Reason = domain.ReasonUnknown
			return nil
		}
		v.Credential = &domain.VerifiedCredential{Type: domain.CredentialUserToken, ID: row.ID, ExpiresAt: row.ExpiresAt, IssuedAt: &row.CreatedAt}
		t, err := s.verifyTxn(tx, row.BusinessID, &v)
		if err != nil || t == nil {
			return err
		}
		u, ok, err := t.PrincipalByID(t.biz.ID, row.PrincipalID)
		if err != nil || !ok {
			v.Reason = domain.ReasonUnknown
			return err
		}
		fillPrincipal(&v, t, u)
		switch {
		case row.RevokedAt != nil:
			v.Reason = domain.ReasonRevoked
		case domain.Expired(row.ExpiresAt, t.now):
			v.Reason = domain.ReasonExpired
		case u.Status != domain.StatusActive:
			v.Reason = domain.ReasonAccountNotActive
		}
		if v.Reason != "" {
			return nil
		}
		if v.Permissions, err = t.EffectivePermissions(u.ID); err != nil {
			return err
		}
		v.Active = true
		h.still = func(now time.Time) bool { return !domain.Expired(row.ExpiresAt, now) }
		h.use = func(u *Usage, now time.Time) { u.noteUserToken(row.ID, now) }
		h.lastUsed = row.LastUsedAt
		if s.usage != nil && (row.LastUsedAt == nil || t.now.Sub(*row.LastUsedAt) >= lastUsedEvery) {
			s.usage.noteUserToken(row.ID, t.now) // R-KEY-9, as for keys
			h.lastUsed = &t.now
		}
		return nil
	})
	return v, h, err
}
