package domain

import (
	"strings"
	"time"
)

// AccountType tells humans from the kinds of service account (SPEC §1).
type AccountType string

// Account types. Any value starting with "service_" is a service account.
const (
	TypeHuman       AccountType = "human"
	TypeAutomation  AccountType = "service_automation"
	TypeIntegration AccountType = "service_integration"
	TypeAPIKey      AccountType = "service_apikey"
)

// IsService reports whether t is a service account type.
func (t AccountType) IsService() bool { return strings.HasPrefix(string(t), "service_") }

// Status is derived from an account's state, never set directly (R-SA-5).
type Status string

// Statuses in order of precedence.
const (
	StatusArchived  Status = "archived"
	StatusSuspended Status = "suspended"
	StatusDisabled  Status = "disabled"
	StatusActive    Status = "active"
	// StatusRemoved is a human user's archived state (users remove).
	StatusRemoved Status = "removed"
)

// ParseStatus validates a status filter value.
func ParseStatus(s string) (Status, error) {
	switch st := Status(strings.ToLower(strings.TrimSpace(s))); st {
	case StatusArchived, StatusSuspended, StatusDisabled, StatusActive:
		return st, nil
	}
	return "", Invalidf("invalid status %s: use active, disabled, suspended or archived", Quote(s))
}

// DeriveStatus applies R-SA-5: archived > suspended > disabled (no groups) > active.
// Humans are never "disabled" or "suspended" by this rule: a person without
// groups is still a member of the business (R-SA-9 counts them as a seat).
func DeriveStatus(t AccountType, archived, suspended bool, groupCount int) Status {
	switch {
	case archived && !t.IsService():
		return StatusRemoved
	case archived:
		return StatusArchived
	case !t.IsService():
		return StatusActive
	case suspended:
		return StatusSuspended
	case groupCount == 0:
		return StatusDisabled
	}
	return StatusActive
}

// Business is a tenant. Every other object belongs to one.
type Business struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Domain    string    `json:"domain"`
	CreatedAt time.Time `json:"created_at"`
}

// Account is a principal: a human user or a service account (one model, SPEC §1).
// Its JSON form is the "account" shape of SPEC §12.
type Account struct {
	ID          string      `json:"id"`
	Business    string      `json:"business"`
	Name        string      `json:"name"`
	APIName     string      `json:"api_name"`
	Email       string      `json:"email"`
	AccountType AccountType `json:"account_type"`
	Description string      `json:"description"`
	Icon        string      `json:"icon"`
	Status      Status      `json:"status"`
	Groups      []string    `json:"groups"`
	// Admins are the emails of the users who manage this one account
	// (R-SA-12), in order.
	Admins      []string   `json:"admins"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	SuspendedAt *time.Time `json:"suspended_at"`
	ArchivedAt  *time.Time `json:"archived_at"`
	KeyCount    int        `json:"key_count"`
	LastUsedAt  *time.Time `json:"last_used_at"`
	// CreatedBy is the actor id that created the principal: a principal's
	// id, "local:<os user>" or "system" (R-KEY-11's lineage follows it).
	CreatedBy string `json:"created_by"`
}

// IsAutomation reports whether a is its business's protected automation account (R-SA-4).
func (a *Account) IsAutomation() bool { return a.AccountType == TypeAutomation }

// User is the "user" JSON shape of SPEC §12.
type User struct {
	ID          string      `json:"id"`
	Business    string      `json:"business"`
	Name        string      `json:"name"`
	Email       string      `json:"email"`
	AccountType AccountType `json:"account_type"`
	Status      Status      `json:"status"`
	Groups      []string    `json:"groups"`
	CreatedAt   time.Time   `json:"created_at"`
	UpdatedAt   time.Time   `json:"updated_at"`
	ArchivedAt  *time.Time  `json:"removed_at"`
}

// UserFromAccount gives the user view of a principal.
func UserFromAccount(a Account) User {
	return User{
		ID: a.ID, Business: a.Business, Name: a.Name, Email: a.Email,
		AccountType: a.AccountType, Status: a.Status, Groups: a.Groups,
		CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt, ArchivedAt: a.ArchivedAt,
	}
}

// Group is a permission group (R-PERM-1), the "group" JSON shape of SPEC §12.
type Group struct {
	ID          string      `json:"id"`
	Business    string      `json:"business"`
	Name        string      `json:"name"`
	Description string      `json:"description"`
	Permissions Permissions `json:"permissions"`
	Builtin     bool        `json:"builtin"`
	Protected   bool        `json:"protected"`
	MemberCount int         `json:"member_count"`
	CreatedAt   time.Time   `json:"created_at"`
	UpdatedAt   time.Time   `json:"updated_at"`
}

// Seats is the "seats" JSON shape of SPEC §12 (R-SA-9).
type Seats struct {
	Seats           int `json:"seats"`
	ServiceAccounts int `json:"service_accounts"`
}

// Actor identifies who performs a change, as recorded in audit events.
type ActorRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
	// Credential is what the actor authenticated with (R-AUD-4); absent
	// for a local operator, who needs none.
	Credential *ActorCredential `json:"credential,omitempty"`
}

// ActorCredential names the credential behind an audited change (R-AUD-4):
// an API key's id, a user token's id, or a signed token's id and the
// execution it was minted for. Never the credential itself.
type ActorCredential struct {
	Type      string `json:"type"`
	ID        string `json:"id,omitempty"`
	Execution string `json:"execution,omitempty"`
}

// AuditEvent is the "audit event" JSON shape of SPEC §12 (R-AUD-1, R-AUD-2).
type AuditEvent struct {
	Seq      int64          `json:"seq"`
	ID       string         `json:"id"`
	Time     time.Time      `json:"time"`
	Business string         `json:"business"`
	Actor    ActorRef       `json:"actor"`
	Action   string         `json:"action"`
	Target   AuditTarget    `json:"target"`
	Details  map[string]any `json:"details"`
	Hash     string         `json:"hash"`
	PrevHash string         `json:"prev_hash"`
}

// AuditTarget names the object an event is about.
type AuditTarget struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Name string `json:"name"`
}

// KeyRole is a key's role among its account's keys (R-KEY-4).
type KeyRole string

// Key roles.
const (
	RolePrimary   KeyRole = "primary"
	RoleSecondary KeyRole = "secondary"
)

// KeyStatus is a key's state (R-KEY-7, R-KEY-8).
type KeyStatus string

// Key statuses.
const (
	KeyActive   KeyStatus = "active"
	KeyDisabled KeyStatus = "disabled"
	KeyExpired  KeyStatus = "expired"
)

// Key is an API key's public view, the "key" JSON shape of SPEC §12. Secret
// is set only when a key is created, rotated or revealed.
type Key struct {
	ID         string     `json:"id"`
	Account    string     `json:"account"`
	Name       string     `json:"name"`
	Role       KeyRole    `json:"role"`
	Status     KeyStatus  `json:"status"`
	Hint       string     `json:"hint"`
	CreatedAt  time.Time  `json:"created_at"`
	CreatedBy  string     `json:"created_by"`
	ExpiresAt  *time.Time `json:"expires_at"`
	DisabledAt *time.Time `json:"disabled_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	Secret     string     `json:"secret,omitempty"`
	Sealed     bool       `json:"retrievable"`
}

// KeyInventoryItem is one line of the key inventory (R-KEY-13, "keys list
// --all"): a key, with the role and status its account's list gives it, and
// the account that owns it.
type KeyInventoryItem struct {
	Key
	Owner KeyOwner `json:"owner"`
}

// KeyOwner names the service account a key belongs to.
type KeyOwner struct {
	ID      string `json:"id"`
	APIName string `json:"api_name"`
	Name    string `json:"name"`
}
