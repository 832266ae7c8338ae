// Package api is sactl's contract: the API interface the command line
// calls, its request and result types, and what travels on the wire (error
// bodies, pages, headers, the mapping of error kinds to HTTP statuses).
// internal/service implements it in process (local mode),
// internal/client over HTTP (remote mode), and internal/server serves it;
// one contract suite runs the same tests against both implementations.
package api

import (
	"context"
	"time"

	"github.com/sactl/sactl/internal/domain"
)

// PageRequest asks a list for one page (R-SRV-6): at most Limit items (0:
// domain.DefaultPage; at most domain.MaxPage) after Cursor, which is "" for
// the first page, else the NextCursor of the page before, unchanged. Every
// list but the audit log's pages so, in process and over HTTP alike; All
// follows the cursors to the end.
type PageRequest struct {
	Limit  int    `json:"-"`
	Cursor string `json:"-"`
}

// API is what the command line calls. *Service implements it over SQLite
// (local mode); the HTTP client implements it over the server (remote mode).
// Both must behave identically: one contract test suite runs against both.
type API interface {
	CreateAccount(ctx context.Context, req CreateAccountRequest) (CreatedAccount, error)
	ListAccounts(ctx context.Context, req ListAccountsRequest) (Page[domain.Account], error)
	GetAccount(ctx context.Context, ref string) (domain.Account, error)
	UpdateAccount(ctx context.Context, req UpdateAccountRequest) (domain.Account, error)
	SuspendAccount(ctx context.Context, ref string, m Mutation) (domain.Account, error)
	ResumeAccount(ctx context.Context, ref string, m Mutation) (domain.Account, error)
	ArchiveAccount(ctx context.Context, ref string, m Mutation) (domain.Account, error)
	ChangeAccountGroups(ctx context.Context, req ChangeGroupsRequest) (domain.Account, error)
	// Per-account admins (R-SA-12).
	AddAccountAdmin(ctx context.Context, ref, user string, m Mutation) (domain.Account, error)
	RemoveAccountAdmin(ctx context.Context, ref, user string, m Mutation) (domain.Account, error)
	ListAccountAdmins(ctx context.Context, ref string) ([]domain.User, error)

	// API-key accounts (R-SA-11): an account that is one key.
	CreateAPIKey(ctx context.Context, req CreateAPIKeyRequest) (CreatedAccount, error)
	ListAPIKeys(ctx context.Context, p PageRequest) (Page[APIKey], error)
	RevokeAPIKey(ctx context.Context, ref string, m Mutation) (domain.Account, error)

	// Configuration export and import (R-CFG-1, R-PERM-5).
	ExportConfig(ctx context.Context) (domain.Config, error)
	ImportConfig(ctx context.Context, req ImportConfigRequest) (domain.ImportPlan, error)

	ListKeys(ctx context.Context, ref string, p PageRequest) (Page[domain.Key], error)
	CreateKey(ctx context.Context, req CreateKeyRequest) (domain.Key, error)
	RotateKeys(ctx context.Context, req RotateKeyRequest) (domain.Key, error)
	DeleteKey(ctx context.Context, req KeyRequest) (domain.Key, error)
	SetKeyEnabled(ctx context.Context, req KeyRequest, enabled bool) (domain.Key, error)
	ShowKey(ctx context.Context, req KeyRequest) (domain.Key, error)
	// ListAllKeys lists the keys of every account of the business (R-KEY-13).
	ListAllKeys(ctx context.Context, req ListAllKeysRequest) (Page[domain.KeyInventoryItem], error)
	// Verify checks an API key or signed token; a bad credential is a
	// result with Active false and a reason, not an error.
	Verify(ctx context.Context, credential string) (domain.Verification, error)
	MintToken(ctx context.Context, req MintTokenRequest) (domain.MintedToken, error)
	RotateSigningKey(ctx context.Context, m Mutation) (string, error)
	// ListTokens lists the business's live minted tokens (R-TOK-4).
	ListTokens(ctx context.Context, p PageRequest) (Page[domain.TokenRecord], error)
	// RevokeToken revokes a minted token by id before its expiry (R-TOK-4).
	RevokeToken(ctx context.Context, id string, m Mutation) (domain.TokenRecord, error)

	CreateUserToken(ctx context.Context, req CreateUserTokenRequest) (domain.UserToken, error)
	ListUserTokens(ctx context.Context, ref string, p PageRequest) (Page[domain.UserToken], error)
	RevokeUserToken(ctx context.Context, ref, tokenID string, m Mutation) (domain.UserToken, error)

	CreateGroup(ctx context.Context, req CreateGroupRequest) (domain.Group, error)
	ListGroups(ctx context.Context, p PageRequest) (Page[domain.Group], error)
	GetGroup(ctx context.Context, name string) (domain.Group, error)
	UpdateGroup(ctx context.Context, req UpdateGroupRequest) (domain.Group, error)
	DeleteGroup(ctx context.Context, name string, m Mutation) (domain.Group, error)

	CreateUser(ctx context.Context, req CreateUserRequest) (domain.User, error)
	ListUsers(ctx context.Context, req ListUsersRequest) (Page[domain.User], error)
	GetUser(ctx context.Context, ref string) (domain.User, error)
	UpdateUser(ctx context.Context, req UpdateUserRequest) (domain.User, error)
	RemoveUser(ctx context.Context, ref string, m Mutation) (domain.User, error)
	ChangeUserGroups(ctx context.Context, req ChangeGroupsRequest) (domain.User, error)
	SearchPrincipals(ctx context.Context, req SearchRequest) ([]domain.Account, error)
	Seats(ctx context.Context) (domain.Seats, error)

	CreateBusiness(ctx context.Context, req CreateBusinessRequest) (domain.Business, error)
	ListBusinesses(ctx context.Context, p PageRequest) (Page[domain.Business], error)

	GetSettings(ctx context.Context) ([]Setting, error)
	SetSetting(ctx context.Context, req SetSettingRequest) (Setting, error)

	// ListAudit calls fn for each matching event, oldest first, without
	// holding them all in memory (R-AUD-3).
	ListAudit(ctx context.Context, f domain.AuditFilter, fn func(domain.AuditEvent) error) error
	// VerifyAudit recomputes the audit hash chain (R-AUD-2); a broken chain
	// is a result naming the first broken event, not an error.
	VerifyAudit(ctx context.Context) (domain.AuditCheck, error)
}

// CreateAccountRequest creates an integration service account (R-SA-1).
type CreateAccountRequest struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Icon        string   `json:"icon,omitempty"`
	APIName     string   `json:"api_name,omitempty"`
	Groups      []string `json:"groups,omitempty"`
	Mutation
}

// CreatedAccount is the "created account" JSON shape of SPEC §12: the
// account and its first key, with the secret (R-KEY-3).
type CreatedAccount struct {
	domain.Account
	Key *domain.Key `json:"key"`
}

// CreateAPIKeyRequest creates an API-key account (R-SA-11): a
// service_apikey account named Name holding one key, in Groups for good.
type CreateAPIKeyRequest struct {
	Name      string        `json:"name"`
	Groups    []string      `json:"groups"`
	ExpiresIn time.Duration `json:"-"`
	Mutation
}

// APIKey is an API-key account with its one key, never its secret
// (apikeys list).
type APIKey struct {
	domain.Account
	Key *domain.Key `json:"key"`
}

// ImportConfigRequest applies a configuration document (R-CFG-1): Prune
// also deletes the groups and archives the accounts it does not name.
type ImportConfigRequest struct {
	Config domain.Config `json:"config"`
	Prune  bool          `json:"prune,omitempty"`
	Mutation
}

// ListAccountsRequest filters service accounts.
type ListAccountsRequest struct {
	Status   domain.Status `json:"status,omitempty"`
	Group    string        `json:"group,omitempty"`
	Archived bool          `json:"archived,omitempty"` // include archived accounts
	// Admin keeps the accounts this user (id, email or name) administers
	// (R-SA-12).
	Admin string `json:"admin,omitempty"`
	// Type keeps the accounts of one type (apikeys list: service_apikey).
	Type domain.AccountType `json:"type,omitempty"`
	PageRequest
}

// UpdateAccountRequest changes the fields that are not nil.
type UpdateAccountRequest struct {
	Ref         string  `json:"-"`
	Name        *string `json:"name,omitempty"`
	APIName     *string `json:"api_name,omitempty"`
	Description *string `json:"description,omitempty"`
	Icon        *string `json:"icon,omitempty"`
	Mutation
}

// GroupOp is how ChangeGroups treats its list.
type GroupOp string

// Group operations (R-SA-6).
const (
	GroupsSet    GroupOp = "set"
	GroupsAdd    GroupOp = "add"
	GroupsRemove GroupOp = "remove"
	GroupsClear  GroupOp = "clear"
)

// ChangeGroupsRequest sets, adds, removes or clears a principal's groups.
type ChangeGroupsRequest struct {
	Ref    string   `json:"-"`
	Op     GroupOp  `json:"op"`
	Groups []string `json:"groups"`
	Mutation
}

// CreateGroupRequest creates a permission group (R-PERM-1).
type CreateGroupRequest struct {
	Name        string             `json:"name"`
	Description string             `json:"description,omitempty"`
	Permissions domain.Permissions `json:"permissions"`
	Mutation
}

// UpdateGroupRequest edits a group: rename, describe, set or drop permissions.
type UpdateGroupRequest struct {
	Name        string             `json:"-"`
	NewName     *string            `json:"name,omitempty"`
	Description *string            `json:"description,omitempty"`
	Set         domain.Permissions `json:"set_permissions,omitempty"`
	Drop        []string           `json:"drop_permissions,omitempty"`
	Mutation
}

// CreateUserRequest creates a human user (R-USER-1).
type CreateUserRequest struct {
	Name   string   `json:"name"`
	Email  string   `json:"email"`
	Groups []string `json:"groups,omitempty"`
	Mutation
}

// ListUsersRequest filters users.
type ListUsersRequest struct {
	Removed bool   `json:"removed,omitempty"` // include removed users
	Group   string `json:"group,omitempty"`
	PageRequest
}

// UpdateUserRequest changes the fields that are not nil.
type UpdateUserRequest struct {
	Ref   string  `json:"-"`
	Name  *string `json:"name,omitempty"`
	Email *string `json:"email,omitempty"`
	Mutation
}

// SearchRequest is a typeahead search (R-SA-9, R-USER-1).
type SearchRequest struct {
	Prefix                 string `json:"prefix"`
	IncludeServiceAccounts bool   `json:"include_service_accounts,omitempty"`
	Limit                  int    `json:"limit,omitempty"`
}

// CreateBusinessRequest creates a tenant.
type CreateBusinessRequest struct {
	Name   string `json:"name"`
	Domain string `json:"domain,omitempty"`
	Mutation
}

// Setting is one business setting with its value and whether it is the default.
type Setting struct {
	Key         string `json:"key"`
	Value       string `json:"value"`
	Default     string `json:"default"`
	IsDefault   bool   `json:"is_default"`
	Description string `json:"description"`
}

// SetSettingRequest changes one setting.
type SetSettingRequest struct {
	Key   string `json:"key"`
	Value string `json:"value"`
	Mutation
}

// Mutation is carried by every request that changes something (R-CLI-2).
//
// Over HTTP it travels as the query parameters dry_run and confirm, never in
// a body: a body field would be one more way to ask for a dry run that a
// handler could forget to honour, so bodies that carry one are rejected.
type Mutation struct {
	// DryRun runs the whole change, checks included, then rolls it back.
	DryRun bool `json:"-"`
	// Confirmed agrees to a destructive change, whatever its plan is when
	// the call runs (--yes, confirm=true); without it or PlanDigest such a
	// change fails with a domain.KindNeedsConfirm error describing what it
	// would do.
	Confirmed bool `json:"-"`
	// PlanDigest agrees to exactly the plan that was shown: the Digest of
	// the domain.Confirmation the caller showed (confirm=<digest>). If the
	// change would now do something else, or needs no confirmation any
	// more, it fails with a conflict and changes nothing (R-CLI-2). It
	// takes precedence over Confirmed.
	PlanDigest string `json:"-"`
}

// KeyRequest names an account and, for some calls, one of its keys.
type KeyRequest struct {
	Ref string `json:"-"`
	// KeyID names a key; Secondary names the account's secondary key instead.
	KeyID     string `json:"key_id,omitempty"`
	Secondary bool   `json:"secondary,omitempty"`
	// Force allows deleting the primary while a secondary exists (R-KEY-6).
	Force bool `json:"force,omitempty"`
	Mutation
}

// CreateKeyRequest adds a named key (R-KEY-5).
type CreateKeyRequest struct {
	Ref       string        `json:"-"`
	Name      string        `json:"name"`
	ExpiresIn time.Duration `json:"expires_in,omitempty"`
	Mutation
}

// RotateKeyRequest rotates an account's keys (R-KEY-4, R-KEY-12).
type RotateKeyRequest struct {
	Ref string `json:"-"`
	// Grace gives the demoted primary an expiry at now + Grace.
	Grace time.Duration `json:"grace,omitempty"`
	// DisablePrevious disables the demoted primary at once.
	DisablePrevious bool `json:"disable_previous,omitempty"`
	Mutation
}

// MintTokenRequest mints a signed token for the automation account (R-TOK-1).
type MintTokenRequest struct {
	TTL       time.Duration `json:"ttl,omitempty"`
	Execution string        `json:"execution,omitempty"`
}

// ListAllKeysRequest filters the key inventory (R-KEY-13). A nil filter
// does not filter; a given one must be positive; both together must both hold.
type ListAllKeysRequest struct {
	// ExpiringWithin keeps keys that are expired or expire within this long
	// (domain.KeyExpiresWithin).
	ExpiringWithin *time.Duration `json:"expiring_within,omitempty"`
	// UnusedFor keeps keys whose last use, or creation if never used, is
	// more than this long ago (the comparison R-KEY-14's
	// key_inactivity_limit makes).
	UnusedFor *time.Duration `json:"unused_for,omitempty"`
	PageRequest
}

// CreateUserTokenRequest makes a personal token for a user (R-USER-2).
type CreateUserTokenRequest struct {
	Ref       string        `json:"-"`
	Name      string        `json:"name,omitempty"`
	ExpiresIn time.Duration `json:"expires_in,omitempty"`
	Mutation
}
