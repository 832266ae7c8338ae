package service

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/keys"
	"github.com/sactl/sactl/internal/store"
)

// pruneGrace keeps a token's record a little past its expiry before pruning
// it, so a process whose clock runs slightly behind still sees a revocation
// while it would still accept the token's expiry.
const pruneGrace = time.Minute

// recordToken records a freshly minted token by id (R-TOK-4), in the
// transaction that mints it, and prunes the business's long-expired records.
func (t *txn) recordToken(owner domain.Account, c keys.TokenClaims, signingKey string) error {
	if err := t.PruneMintedTokens(t.biz.ID, t.now.Add(-pruneGrace)); err != nil {
		return err
	}
	rec := store.MintedTokenRow{PrincipalID: owner.ID, SigningKey: signingKey, TokenRecord: domain.TokenRecord{
		ID: c.ID, IssuedAt: time.Unix(c.IssuedAt, 0).UTC(), ExpiresAt: time.Unix(c.Expiry, 0).UTC(), CreatedBy: t.actor.ID,
	}}
	if c.Execution != "" {
		rec.Execution = &c.Execution
	}
	return t.InsertMintedToken(t.biz.ID, rec)
}

// ListTokens lists the business's live minted tokens, revoked ones included
// (R-TOK-4). Nothing secret is stored, so nothing secret is listed.
func (s *Service) ListTokens(ctx context.Context, req api.PageRequest) (api.Page[domain.TokenRecord], error) {
	var out api.Page[domain.TokenRecord]
	err := s.read(ctx, func(t *txn) error {
		// Like listing keys (R-PERM-4: view).
		if err := t.allow(OpTokenList); err != nil {
			return err
		}
		p, err := storePage(req)
		if err != nil {
			return err
		}
		rows, next, err := t.LiveMintedTokens(t.biz.ID, t.now, p)
		if err != nil {
			return err
		}
		items := make([]domain.TokenRecord, len(rows))
		for i, r := range rows {
			items[i] = r.TokenRecord
			items[i].Business = t.biz.Name
		}
		out = api.NewPage(items, next)
		return nil
	})
	return out, err
}

// RevokeToken revokes a live minted token before its expiry (R-TOK-4): it
// fails verification from then on. Destructive, so it needs confirmation
// (R-CLI-2). Revoking a revoked token changes nothing and succeeds; an
// expired token cannot be revoked (conflict): it already fails.
func (s *Service) RevokeToken(ctx context.Context, id string, m api.Mutation) (domain.TokenRecord, error) {
	var out domain.TokenRecord
	err := s.write(ctx, m, func(t *txn) error {
		if err := t.allow(OpTokenRevoke); err != nil {
			return err
		}
		id = strings.TrimSpace(id)
		if strings.HasPrefix(id, keys.TokenPrefix) {
			// Never echo it: that is the credential, not its id.
			return domain.Invalidf("give the token's id (tok_…), not the token itself").
				WithHint("list the ids with: sactl sa token list")
		}
		row, ok, err := t.MintedToken(t.biz.ID, id)
		if err != nil {
			return err
		}
		if !ok {
			return domain.NotFoundf("business %q has no recorded token %s", t.biz.Name, domain.Quote(id)).
				WithHint("list the live ones with: sactl sa token list")
		}
		// The token's owner: the automation account (R-TOK-1), or the
		// account whose key it was exchanged for (R-SRV-10). Revoking needs
		// its power, as minting did.
		owner, ok, err := t.PrincipalByID(t.biz.ID, row.PrincipalID)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("token %s: its account %s is not stored", row.ID, row.PrincipalID)
		}
		if err := t.allowOn(OpTokenRevoke, owner); err != nil {
			return err
		}
		rec := row.TokenRecord
		rec.Business = t.biz.Name
		if !rec.ExpiresAt.After(t.now) {
			return domain.Conflictf("token %s expired at %s; it no longer verifies, so there is nothing to revoke",
				rec.ID, rec.ExpiresAt.Format(time.RFC3339))
		}
		if rec.RevokedAt != nil {
			out = rec // already revoked: nothing to do
			return nil
		}
		execution := "no execution id"
		if rec.Execution != nil {
			execution = "execution " + *rec.Execution
		}
		if err := t.confirm(domain.Confirmation{
			Action: fmt.Sprintf("revoke token %s of %s (%s)", rec.ID, tokenOwner(owner), execution),
			Consequences: []string{fmt.Sprintf("anything using it fails at once, instead of at its expiry (%s)",
				rec.ExpiresAt.Format(time.RFC3339))},
			TypeToConfirm: "y",
			Targets:       []string{owner.ID, rec.ID},
		}); err != nil {
			return err
		}
		if err := t.RevokeMintedToken(rec.ID, t.now, t.actor.ID); err != nil {
			return err
		}
		by := t.actor.ID
		rec.RevokedAt, rec.RevokedBy, rec.Status = &t.now, &by, domain.TokenRevoked
		out = rec
		return t.audit("token.revoked", accountTarget(owner), map[string]any{
			"token_id": rec.ID, "execution": rec.Execution, "expires_at": rec.ExpiresAt,
		})
	})
	return out, err
}

// tokenOwner names a token's account in a confirmation.
func tokenOwner(a domain.Account) string {
	if a.IsAutomation() {
		return "the automation account"
	}
	return fmt.Sprintf("service account %q", a.Name)
}
