package domain

import (
	"encoding/json"
	"time"
)

// Reasons a credential does not authenticate (SPEC §12 "verification").
const (
	ReasonMalformed        = "malformed"
	ReasonUnknown          = "unknown"
	ReasonExpired          = "expired"
	ReasonTooOld           = "too_old"  // R-KEY-14: older than key_max_ttl
	ReasonInactive         = "inactive" // R-KEY-14: unused for longer than key_inactivity_limit
	ReasonDisabledKey      = "disabled_key"
	ReasonAccountNotActive = "account_not_active"
	ReasonBadSignature     = "bad_signature"
	ReasonRevoked          = "revoked" // the key was deleted, or the token revoked (R-TOK-4)
)

// KeyState applies R-KEY-7, R-KEY-8 and R-KEY-14 to a key at a time: its
// status, and why it is rejected when it is not active. Policy bites at use
// time, so a key made before key_max_ttl was lowered is judged by today's value.
func KeyState(k Key, now time.Time, s Settings) (KeyStatus, string) {
	switch {
	case k.DisabledAt != nil:
		return KeyDisabled, ReasonDisabledKey
	case Expired(k.ExpiresAt, now):
		return KeyExpired, ReasonExpired
	case s.KeyMaxTTL > 0 && now.Sub(k.CreatedAt) > s.KeyMaxTTL:
		return KeyExpired, ReasonTooOld
	case s.KeyInactivityLimit > 0:
		last := k.CreatedAt
		if k.LastUsedAt != nil {
			last = *k.LastUsedAt
		}
		if now.Sub(last) > s.KeyInactivityLimit {
			return KeyExpired, ReasonInactive
		}
	}
	return KeyActive, ""
}

// KeyExpiresWithin reports whether a key is expired now or expires within
// d of now (R-KEY-13 "--expiring-within"), judged by KeyState so that
// R-KEY-14's policy counts: it is expired now for any reason, or at now+d
// its expires_at or the business's key_max_ttl (counted from created_at)
// has passed. key_inactivity_limit is not projected forward, since it
// depends on use that may still come ("--unused-for" finds those keys).
// Whether the key is disabled does not matter.
func KeyExpiresWithin(k Key, now time.Time, d time.Duration, s Settings) bool {
	k.DisabledAt = nil
	if st, _ := KeyState(k, now, s); st == KeyExpired {
		return true
	}
	s.KeyInactivityLimit = 0
	st, _ := KeyState(k, now.Add(d), s)
	return st == KeyExpired
}

// AssignRoles sets each key's status and role (R-KEY-4): the newest active
// key is the primary, every other key is secondary. keys must be oldest first.
func AssignRoles(keys []Key, now time.Time, s Settings) {
	primary := -1
	for i := range keys {
		keys[i].Status, _ = KeyState(keys[i], now, s)
		keys[i].Role = RoleSecondary
		if keys[i].Status == KeyActive {
			primary = i
		}
	}
	if primary >= 0 {
		keys[primary].Role = RolePrimary
	}
}

// Verification is the result of checking a credential: the body of
// "auth verify -o json" and of POST /api/v1/auth/introspect (R-SRV-3).
type Verification struct {
	Active      bool                `json:"active"`
	Principal   *VerifiedPrincipal  `json:"principal"`
	Business    string              `json:"business"`
	Status      Status              `json:"status"` // null when no principal was found
	Permissions Permissions         `json:"permissions"`
	Credential  *VerifiedCredential `json:"credential"`
	Reason      string              `json:"reason,omitempty"`
}

// VerifiedPrincipal names who a credential belongs to.
type VerifiedPrincipal struct {
	ID          string      `json:"id"`
	Name        string      `json:"name"`
	APIName     string      `json:"api_name"`
	AccountType AccountType `json:"account_type"`
	// Email is a user's address, for the identity forward auth and the
	// Kubernetes webhook hand on (R-SRV-8, R-SRV-9); not part of the
	// verification's JSON (SPEC §12).
	Email string `json:"-"`
}

// Handle is how a principal is named to the services behind sactl
// (R-SRV-8's X-Sactl-Principal, R-SRV-9's username): a service account
// by its api_name, a user by their email.
func (p *VerifiedPrincipal) Handle() string {
	if p.APIName != "" {
		return p.APIName
	}
	return p.Email
}

// Credential types of a verification.
const (
	CredentialAPIKey      = "api_key"
	CredentialSignedToken = "signed_token"
	CredentialUserToken   = "user_token"
)

// VerifiedCredential describes the credential that was checked.
type VerifiedCredential struct {
	Type      string     `json:"type"`
	ID        string     `json:"id"`
	ExpiresAt *time.Time `json:"expires_at"`
	// Execution is a signed token's execution id, for the audit events of
	// what the token does (R-AUD-4).
	Execution string `json:"-"`
	// IssuedAt is when the credential was made (RFC 7662's iat, R-SRV-10);
	// nil when not known.
	IssuedAt *time.Time `json:"-"`
	// Scope is what an OAuth2 token was narrowed to (R-SRV-10); nil for a
	// credential that carries its owner's permissions unnarrowed. The
	// verification's Permissions are already narrowed by it; the server's
	// own authorization narrows the caller's by it too.
	Scope Permissions `json:"-"`
}

// MintedToken is a signed token for the automation account (R-TOK-1). Token
// is the credential itself.
type MintedToken struct {
	ID        string    `json:"id"`
	Token     string    `json:"token"`
	Account   string    `json:"account"`
	Business  string    `json:"business"`
	Execution *string   `json:"execution"` // null when none was given
	IssuedAt  time.Time `json:"issued_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Explain says in words why a verification failed, e.g. "malformed key" or
// "account is not active (archived)".
func (v Verification) Explain() string {
	cred := "key"
	if v.Credential != nil {
		switch v.Credential.Type {
		case CredentialSignedToken:
			cred = "token"
		case CredentialUserToken:
			cred = "user token"
		}
	}
	switch {
	case v.Reason == "":
		return "credential is active"
	case v.Reason == ReasonMalformed && cred == "key":
		return "malformed key: not a sactl API key, or mistyped (its checksum does not match)"
	case v.Reason == ReasonMalformed && cred == "user token":
		return "malformed user token: mistyped (its checksum does not match)"
	case v.Reason == ReasonMalformed:
		return "malformed token: not a token minted by sactl"
	case v.Reason == ReasonUnknown:
		return "unknown " + cred + ": no such credential in business " + quote(v.Business)
	case v.Reason == ReasonExpired:
		return cred + " has expired"
	case v.Reason == ReasonTooOld:
		return "key is older than the business's key_max_ttl"
	case v.Reason == ReasonInactive:
		return "key was unused for longer than the business's key_inactivity_limit"
	case v.Reason == ReasonDisabledKey:
		return "key is disabled"
	case v.Reason == ReasonAccountNotActive:
		return "account is not active (" + string(v.Status) + ")"
	case v.Reason == ReasonBadSignature:
		return "token signature does not verify"
	case v.Reason == ReasonRevoked && cred != "key":
		return cred + " was revoked"
	case v.Reason == ReasonRevoked:
		return "key was deleted"
	}
	return v.Reason
}

func quote(s string) string { return `"` + s + `"` }

// UserToken is a human user's personal token for the server (R-USER-2).
// Secret is set only when it is created.
type UserToken struct {
	ID         string     `json:"id"`
	User       string     `json:"user"`
	Name       string     `json:"name"`
	Hint       string     `json:"hint"`
	CreatedAt  time.Time  `json:"created_at"`
	CreatedBy  string     `json:"created_by"`
	ExpiresAt  *time.Time `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	Secret     string     `json:"secret,omitempty"`
}

// MarshalJSON writes absent values as null (SPEC §12), keeping field order.
func (v Verification) MarshalJSON() ([]byte, error) {
	out := struct {
		Active      bool               `json:"active"`
		Principal   *VerifiedPrincipal `json:"principal"`
		Business    string             `json:"business"`
		Status      *Status            `json:"status"`
		Permissions Permissions        `json:"permissions"`
		Credential  *credentialJSON    `json:"credential"`
		Reason      string             `json:"reason,omitempty"`
	}{v.Active, v.Principal, v.Business, nil, v.Permissions, nil, v.Reason}
	if v.Status != "" {
		out.Status = &v.Status
	}
	if v.Credential != nil {
		// Inline rather than through VerifiedCredential's own marshaler:
		// the hot path of introspection encodes one level of JSON, not two.
		c := v.Credential.json()
		out.Credential = &c
	}
	return json.Marshal(out)
}

// credentialJSON is VerifiedCredential's JSON shape.
type credentialJSON struct {
	Type      string     `json:"type"`
	ID        *string    `json:"id"`
	ExpiresAt *time.Time `json:"expires_at"`
}

// MarshalJSON writes an unknown id as null (SPEC §12), keeping field order.
func (c VerifiedCredential) MarshalJSON() ([]byte, error) { return json.Marshal(c.json()) }

func (c VerifiedCredential) json() credentialJSON {
	out := credentialJSON{Type: c.Type, ExpiresAt: c.ExpiresAt}
	if c.ID != "" {
		out.ID = &c.ID
	}
	return out
}

// Expired reports whether a credential expiring at exp (nil: never) is
// expired at now: its expiry is not after now.
func Expired(exp *time.Time, now time.Time) bool { return exp != nil && !exp.After(now) }
