package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/keys"
)

// OAuth2 client credentials (R-SRV-10, RFC 6749 §4.4): a service account's
// API key (the client secret) is exchanged for a short-lived signed token
// of that account.
//
// How this fits R-KEY-11 and R-PERM-9: the token is no credential beyond
// the key its holder already has. It is of the key's own account, never
// another's; it carries at most that account's permissions at each use,
// narrowed further by a scope when one is asked; it lives at most an hour
// and never past the key's own expiry; and it fails at once when the key
// does (deleted, disabled, expired or out of policy) or when the account
// stops being active (P-3). So it outlives nothing: revoking the key
// revokes every token exchanged for it. That is why the exchange needs no
// permission level, and why R-KEY-11's "not of its own account" (which
// stops a key from minting credentials that outlive it) does not apply to
// it. A signed token cannot be exchanged (the client secret is an API key),
// so no token begets another.

// OAuth2TokenTTL is the lifetime of a token from the token endpoint: the
// longest a signed token may live (R-TOK-1), shorter when its key expires
// sooner. sactl has no token lifetime setting; a client that wants less
// simply asks again sooner.
const OAuth2TokenTTL = keys.MaxTokenTTL

// ClientCredentials is an OAuth2 client's authentication (RFC 6749
// §2.3.1): ID is the account's api_name or the key's id, Secret an API key
// (sak_…) of that account.
type ClientCredentials struct {
	ID, Secret string
}

// OAuth2Grant is a token from the token endpoint and the scope it was
// granted: the scope asked for, or, when none was, the account's
// permissions at the time (the token then carries them as they are at
// each use).
type OAuth2Grant struct {
	domain.MintedToken
	Scope       string
	PrincipalID string // the account's id
}

// AuthenticateClient verifies an OAuth2 client's credentials through the
// one verification (and its cache) every credential goes through. s is the
// server's authenticator. A failure is an *api.OAuth2Error: invalid_client
// when the key does not authenticate (unknown, malformed, deleted,
// disabled, expired, or not a key of client_id), unauthorized_client when
// it does but its account is suspended or disabled (R-SA-5, R-SA-7): the
// client is known, and may not be given tokens. An archived account's keys
// are deleted, so they are invalid_client.
func (s *Service) AuthenticateClient(ctx context.Context, cc ClientCredentials) (domain.Verification, error) {
	if !strings.HasPrefix(cc.Secret, string(keys.KindAPIKey)+"_") {
		return domain.Verification{}, &api.OAuth2Error{Code: api.OAuth2InvalidClient, Reason: domain.ReasonMalformed,
			Description: "client authentication failed: the client secret must be an API key (sak_...) of the account named by client_id"}
	}
	v, err := s.Verify(ctx, cc.Secret)
	if err != nil {
		return v, err
	}
	if !v.Active {
		code := api.OAuth2InvalidClient
		if v.Reason == domain.ReasonAccountNotActive && v.Status != domain.StatusArchived {
			code = api.OAuth2UnauthorizedClient
		}
		return v, &api.OAuth2Error{Code: code, Reason: v.Reason, Description: "client authentication failed: " + v.Explain()}
	}
	if cc.ID != v.Principal.APIName && cc.ID != v.Credential.ID {
		return v, &api.OAuth2Error{Code: api.OAuth2InvalidClient, Reason: "client_mismatch",
			Description: fmt.Sprintf("client authentication failed: the client secret is not a key of client_id %s; client_id is the account's api_name or the key's id",
				domain.Quote(cc.ID))}
	}
	return v, nil
}

// AsVerified is s acting as the principal of a verification made by the
// authenticator s, with the credential verified (R-AUD-4 records it).
func (s *Service) AsVerified(v domain.Verification) *Service {
	out := *s
	out.anyBusiness, out.business = false, v.Business
	out.actor = Actor{PrincipalID: v.Principal.ID, Verified: &v, Credential: &domain.ActorCredential{
		Type: v.Credential.Type, ID: v.Credential.ID, Execution: v.Credential.Execution}}
	return &out
}

// OAuth2Token is RFC 6749 §4.4's token request (R-SRV-10): the client
// authenticates with an API key of its account, and gets a signed token of
// that account, recorded and revocable like every minted token (R-TOK-4),
// with a token.minted audit event whose actor is the account acting with
// that key (R-AUD-4). scope is RFC 6749 §3.3's parameter: space-separated
// key:level permissions the account holds, to which the token is narrowed;
// empty for the account's permissions. Errors are *api.OAuth2Error but for
// internal ones.
func (s *Service) OAuth2Token(ctx context.Context, cc ClientCredentials, scope string) (OAuth2Grant, error) {
	v, err := s.AuthenticateClient(ctx, cc)
	if err != nil {
		return OAuth2Grant{}, err
	}
	asked, err := domain.ParseScope(scope)
	if err != nil {
		return OAuth2Grant{}, api.OAuth2Errorf(api.OAuth2InvalidScope, "%s", err.Error())
	}
	var out OAuth2Grant
	err = s.AsVerified(v).write(ctx, api.Mutation{}, func(t *txn) error {
		if err := t.allow(OpTokenExchange); err != nil {
			return err
		}
		self := *t.principal
		if err := t.allowOn(OpTokenExchange, self); err != nil {
			return err
		}
		// The key as it stands in this transaction: the token depends on it.
		k, reason, err := t.clientKey(self, t.cred.ID)
		if err != nil {
			return err
		}
		if reason != "" {
			failed := domain.Verification{Reason: reason, Credential: &domain.VerifiedCredential{Type: domain.CredentialAPIKey}}
			return &api.OAuth2Error{Code: api.OAuth2InvalidClient, Reason: reason, Description: "client authentication failed: " + failed.Explain()}
		}
		if key, ok := t.perms.Covers(asked); !ok {
			return api.OAuth2Errorf(api.OAuth2InvalidScope, "service account %s holds %s=%s, not %s:%s; ask only for what it holds",
				domain.Quote(self.APIName), key, t.perms[key], key, asked[key])
		}
		now := t.now.Truncate(time.Second)
		ttl := OAuth2TokenTTL
		if end := k.end(); end != nil && end.Sub(now) < ttl {
			ttl = end.Sub(now).Truncate(time.Second)
		}
		if ttl < time.Second {
			return &api.OAuth2Error{Code: api.OAuth2InvalidClient, Reason: domain.ReasonExpired,
				Description: "client authentication failed: the key expires within a second"}
		}
		granted := t.perms.Scope()
		if asked != nil {
			granted = asked.Scope()
		}
		tok, err := t.mintToken(self, ttl, keys.TokenClaims{ClientKey: k.k.ID, Scope: asked.Scope()}, map[string]any{
			"grant": "oauth2_client_credentials", "key_id": k.k.ID, "scope": granted,
		})
		if err != nil {
			return err
		}
		out = OAuth2Grant{MintedToken: tok, Scope: granted, PrincipalID: self.ID}
		return nil
	})
	var de *domain.Error
	if errors.As(err, &de) && de.Kind == domain.KindUnauthenticated {
		// The account stopped being active since its key verified.
		return out, &api.OAuth2Error{Code: api.OAuth2UnauthorizedClient, Reason: domain.ReasonAccountNotActive, Description: de.Msg}
	}
	return out, err
}

// clientKeyState is the API key a token was exchanged for (R-SRV-10), as the
// token's verification judges it again at each use.
type clientKeyState struct {
	k   domain.Key
	set domain.Settings
}

// live reports whether the key still authenticates at now, by R-KEY-7,
// R-KEY-8 and R-KEY-14's rule; a nil clientKeyState (a token of no key) always.
func (k *clientKeyState) live(now time.Time) bool {
	if k == nil {
		return true
	}
	_, reason := domain.KeyState(k.k, now, k.set)
	return reason == ""
}

// end is when the key stops authenticating by itself: its expiry, or its
// age reaching key_max_ttl (R-KEY-8, R-KEY-14); nil for never.
func (k clientKeyState) end() *time.Time {
	end := k.k.ExpiresAt
	if k.set.KeyMaxTTL > 0 {
		aged := k.k.CreatedAt.Add(k.set.KeyMaxTTL)
		if end == nil || aged.Before(*end) {
			end = &aged
		}
	}
	return end
}

// clientKey finds the key id of account a: with reason set when it does
// not authenticate now (revoked: it was deleted).
func (t *txn) clientKey(a domain.Account, id string) (clientKeyState, string, error) {
	ks, err := t.KeysOf(a.ID)
	if err != nil {
		return clientKeyState{}, "", err
	}
	set, err := t.settings()
	if err != nil {
		return clientKeyState{}, "", err
	}
	for _, k := range ks {
		if k.ID == id {
			_, reason := domain.KeyState(k, t.now, set)
			return clientKeyState{k: k, set: set}, reason, nil
		}
	}
	return clientKeyState{}, domain.ReasonRevoked, nil
}
