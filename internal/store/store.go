// Package store is the seam between the service layer and storage: the
// interface every backend (internal/store/sqlite, internal/store/postgres)
// implements, and the neutral rows and filters that cross it. Backends run
// queries; every rule of SPEC.md lives in internal/service (R-SA-5's status
// is derived there, not in a query). Times are time.Time on this side of
// the seam, whatever a backend stores.
package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/sactl/sactl/internal/domain"
)

// Store is an open database.
type Store interface {
	// Read runs fn in a read-only transaction: one consistent snapshot.
	Read(ctx context.Context, fn func(Tx) error) error
	// Write runs fn in one transaction (R-DB-1, R-DB-2): everything fn does
	// is committed together or not at all; with dryRun it is rolled back
	// even when fn succeeds. A backend that can fail a transaction for a
	// conflict with a concurrent one (a serialization failure) runs fn
	// again, so fn must have no effect outside the transaction that it
	// cannot repeat.
	Write(ctx context.Context, dryRun bool, fn func(Tx) error) error
	// Location names the database for messages: a file path, or a URL
	// without its password (never a secret).
	Location() string
	// Backend is "sqlite" or "postgres".
	Backend() string
	// Check runs the backend's own consistency checks; it returns the
	// problems found, none when the database is sound.
	Check(ctx context.Context) (CheckResult, error)
	// Migrations reports the schema version against this binary's.
	Migrations(ctx context.Context) (MigrationStatus, error)
	Close() error
}

// Tx is one transaction; its methods are the queries the service needs.
// Accounts it returns carry their groups but no Status: the service
// derives that (R-SA-5).
type Tx interface {
	// LockBusiness serialises this write transaction with every other
	// write of the business, so that a check followed by an act (a key
	// limit, an account cap, the audit chain head) sees no concurrent
	// change between the two. A backend whose write transactions are
	// already serial (SQLite) does nothing.
	LockBusiness(businessID string) error
	// LockAll serialises this write transaction with every write of every
	// business (LockBusiness waits for it, and it for them): for a change
	// that spans businesses, such as sealing every data key under a new
	// master key (R-KEY-10), which must not miss a business created or a
	// key sealed meanwhile.
	LockAll() error
	AppendAudit(businessID string, e *domain.AuditEvent) error
	AuditHead(businessID string) (domain.AuditHead, error)
	ListAudit(businessID string, q AuditQuery, fn func(domain.AuditEvent) error) error
	InsertBusiness(b domain.Business) error
	BusinessByName(name string) (domain.Business, bool, error)
	BusinessByID(id string) (domain.Business, bool, error)
	ListBusinesses(p Page) ([]domain.Business, string, error)
	Settings(businessID string) (map[string]string, error)
	PutSetting(businessID, key, value string) error
	GroupPermissions(groupID string) (domain.Permissions, error)
	// GroupByName and GroupsOf leave MemberCount 0; ListGroups fills it.
	GroupByName(businessID, name string) (domain.Group, bool, error)
	MemberCount(groupID string) (int, error)
	ListGroups(businessID string, p Page) ([]domain.Group, string, error)
	InsertGroup(businessID string, g domain.Group) error
	UpdateGroup(g domain.Group) error
	SetGroupPermissions(groupID string, p domain.Permissions) error
	DeleteGroup(groupID string) error
	SetMembership(principalID string, groupIDs []string) error
	Members(businessID, groupID string) ([]domain.Account, error)
	EffectivePermissions(principalID string) (domain.Permissions, error)
	DeleteKeysOf(principalID string, now time.Time) (int, error)
	GroupsOf(principalID string) ([]domain.Group, error)
	KeysOf(principalID string) ([]domain.Key, error)
	KeyInventory(businessID string, q InventoryQuery) ([]InventoryKey, error)
	InsertKey(businessID, principalID string, k domain.Key, hash [32]byte, sealed []byte) error
	KeyByHash(hash [32]byte) (StoredKey, []byte, bool, error)
	// KeyToVerify reads everything verifying an API key needs in one
	// statement (P-2): the key, its account, business and settings, the
	// account's group count and effective permissions.
	KeyToVerify(hash [32]byte) (KeyVerification, bool, error)
	SealedSecret(keyID string) ([]byte, error)
	DeleteKey(keyID string, now time.Time) error
	DeletedKeyByHash(hash [32]byte) (DeletedKey, bool, error)
	UpdateKeyState(k domain.Key) error
	TouchKey(keyID, principalID string, now time.Time, every time.Duration) error
	WrappedDataKey(businessID string) ([]byte, bool, error)
	PutWrappedDataKey(businessID string, wrapped []byte, now time.Time) error
	WrappedDataKeys() ([]WrappedKeyRow, error)
	ReplaceWrappedDataKey(businessID string, wrapped []byte) error
	SigningKeys(businessID string) ([]SigningKeyRow, error)
	InsertSigningKey(businessID string, r SigningKeyRow) error
	InsertMintedToken(businessID string, m MintedTokenRow) error
	PruneMintedTokens(businessID string, before time.Time) error
	LiveMintedTokens(businessID string, now time.Time, p Page) ([]MintedTokenRow, string, error)
	MintedToken(businessID, id string) (MintedTokenRow, bool, error)
	MintedTokenRevoked(businessID, id string) (bool, error)
	RevokeMintedToken(id string, now time.Time, by string) error
	PrincipalByID(businessID, id string) (domain.Account, bool, error)
	PrincipalByAPIName(businessID, apiName string) (domain.Account, bool, error)
	LiveServiceAccountByName(businessID, nameKey string) (domain.Account, bool, error)
	LiveUserByEmail(businessID, email string) (domain.Account, bool, error)
	LiveUsersByName(businessID, nameKey string) ([]domain.Account, error)
	Automation(businessID string) (domain.Account, bool, error)
	ListPrincipals(businessID string, f PrincipalFilter) ([]domain.Account, string, error)
	CountPrincipals(businessID string, typ domain.AccountType) (int, error)
	CountServiceAccounts(businessID string) (int, error)
	APINameTaken(businessID, apiName string) (bool, error)
	InsertPrincipal(businessID string, a domain.Account) error
	CreatorChain(businessID, id string) ([]CreatorLink, error)
	UpdatePrincipal(a domain.Account) error
	// Per-account admins (R-SA-12).
	AddAccountAdmin(accountID, userID string, now time.Time) (bool, error)
	RemoveAccountAdmin(accountID, userID string) (bool, error)
	IsAccountAdmin(accountID, userID string) (bool, error)
	AdministersAny(userID string) (bool, error)
	DropAdminRows(principalID string) error
	InsertUserToken(businessID, principalID string, u domain.UserToken, hash [32]byte) error
	UserTokenByHash(hash [32]byte) (UserTokenRow, bool, error)
	UserTokens(principalID string, p Page) ([]domain.UserToken, string, error)
	CountUserTokens(businessID string) (int, error)
	RevokeUserToken(id string, now time.Time) error
	TouchUserToken(id string, now time.Time, every time.Duration) error
}

// CheckResult is what a backend's own checks found: each problem as one
// line naming the table and row.
type CheckResult struct {
	Integrity   []string // damaged storage, rows breaking a CHECK or NOT NULL
	ForeignKeys []string // rows referring to missing rows
}

// Backuper is a store that can write a consistent copy of itself to a new
// file while in use (R-DB-5): SQLite. A server database is backed up with
// its own tools.
type Backuper interface {
	Backup(ctx context.Context, dest string) error
}

// Watcher is a store that tells a cache when the database may have
// changed (P-3: a cached verification is never staler than the database).
type Watcher interface {
	// Version changes whenever a transaction commits a change, in any
	// process sharing the database (within MaxStale). ok is false while
	// it cannot tell: nothing may be cached then.
	Version(ctx context.Context) (v uint64, ok bool)
	// MaxStale bounds how late Version may see a change made by another
	// process: 0 when it sees every commit at once (SQLite); else cached
	// answers must also be recomputed once they are this old.
	MaxStale() time.Duration
}

// ErrUniqueViolation is wrapped by the error of a write that broke a
// uniqueness constraint (a name, an api_name, an email taken meanwhile).
var ErrUniqueViolation = errors.New("unique constraint violated")

// IsUniqueViolation reports whether err is, or wraps, ErrUniqueViolation.
func IsUniqueViolation(err error) bool { return errors.Is(err, ErrUniqueViolation) }

// AuditQuery is a resolved audit filter.
type AuditQuery struct {
	AccountID   string
	ActorID     string
	Action      string
	Since       time.Time // zero: no bound
	Until       time.Time // zero: no bound
	ServiceOnly bool
	// Limit selects the newest Limit matching events (still listed oldest
	// first); with PageSize, the first page of them. It does not combine
	// with After.
	Limit int
	// After and PageSize page through the log: the events after that
	// sequence number, at most PageSize of them.
	After    int64
	PageSize int
}

// Page asks a list for one page (R-SRV-6): at most Limit rows after the
// cursor After, which is "" for the first page or the cursor a previous
// page returned (domain.EncodeCursor: the sort key of its last row). A
// list returns, with its rows, the cursor of the next page, or "" when no
// row follows. Limit 0 reads every row: for the service's own needs of a
// whole set (every member of a group a confirmation names), never for a
// list a caller asked for.
type Page struct {
	Limit int
	After string
}

// PrincipalFilter selects principals for listing. Principals are listed in
// creation order, (created_at, id); with Prefix, by name first.
type PrincipalFilter struct {
	Humans          bool               // humans instead of service accounts
	IncludeArchived bool               // archived ones too
	OnlyArchived    bool               // archived ones only
	GroupID         string             // members of this group only
	AdminID         string             // service accounts this user administers only (R-SA-12)
	Type            domain.AccountType // principals of this type only
	Prefix          string             // name, api_name or email starting with this (case-insensitive)
	IncludeOthers   bool               // with Prefix: service accounts and humans alike
	// Suspended and Grouped, when set, keep the principals that are (or
	// are not) suspended, and that hold at least one group (or none): the
	// stored facts R-SA-5's statuses are derived from, so the service can
	// ask for one status a page at a time.
	Suspended *bool
	Grouped   *bool
	Page
}

// InventoryQuery asks for the keys of a business (R-KEY-13), whole accounts
// at a time (an account's key roles depend on all its keys): every key of
// at most Accounts accounts (0: all), starting with the account FromOwner
// names or the first one after it.
type InventoryQuery struct {
	UnusedBefore *time.Time // flag keys unused since then, and keep only the accounts holding one
	From         *InventoryOwner
	Accounts     int
}

// InventoryOwner is the sort key of an account in the key inventory: its
// api_name ("" for none), then its id.
type InventoryOwner struct {
	APIName, ID string
}

// InventoryKey is a key of the business-wide inventory (R-KEY-13) with its
// owner. Unused is whether its last use, or its creation if it was never
// used, is before the UnusedBefore asked for (always true when none was).
type InventoryKey struct {
	domain.Key
	OwnerID, OwnerName string
	Unused             bool
}

// StoredKey is an API key row as the service needs it for verification.
type StoredKey struct {
	domain.Key
	BusinessID  string
	PrincipalID string
}

// KeyVerification is what KeyToVerify reads. Principal holds the fields a
// verification answers with and its status derives from (ID, Business,
// Name, APIName, AccountType, SuspendedAt, ArchivedAt); GroupCount is the
// number of its groups.
type KeyVerification struct {
	StoredKey
	Hash        []byte
	Business    domain.Business
	Principal   domain.Account
	GroupCount  int
	Settings    map[string]string
	Permissions domain.Permissions
}

// DeletedKey is the tombstone of a deleted key.
type DeletedKey struct {
	KeyID, BusinessID, PrincipalID string
}

// WrappedKeyRow is one business's wrapped data key (R-KEY-10).
type WrappedKeyRow struct {
	BusinessID, Business string
	Wrapped              []byte
}

// SigningKeyRow is a sealed token signing key.
type SigningKeyRow struct {
	ID        string
	Sealed    []byte
	CreatedAt time.Time
	RetiredAt *time.Time
}

// MintedTokenRow is what is recorded of a minted token (R-TOK-4).
type MintedTokenRow struct {
	domain.TokenRecord
	PrincipalID string
	SigningKey  string
}

// UserTokenRow is a user token as stored; the secret itself never is.
type UserTokenRow struct {
	domain.UserToken
	BusinessID  string
	PrincipalID string
	Hash        []byte
}

// CreatorLink is one step of a principal's created_by chain.
type CreatorLink struct {
	ID          string
	Name        string
	AccountType domain.AccountType
	CreatedBy   string
}

// MigrationStatus is a database file's schema against this binary's.
type MigrationStatus struct {
	Version int      `json:"schema_version"`
	Latest  int      `json:"latest"`
	Pending []string `json:"pending"`
}

// StoredValueError is R-DB-6's error for a stored value that cannot be
// parsed: a row edited by hand, or a damaged file. It names the table, the
// column and the row, so an operator can find and repair it. It is no
// caller's mistake, so it carries no domain kind (internal, exit 1).
type StoredValueError struct {
	Table, Column string
	Row           string // the row's id (and for a composite key, what else names it)
	Value         any    // as stored (string, int64, float64, []byte)
	As            string // what it should have been: "a time", "a boolean", …
}

func (e *StoredValueError) Error() string {
	return fmt.Sprintf("%s.%s of %s: cannot parse %s as %s", e.Table, e.Column, e.Row, quoteStored(e.Value), e.As)
}

// maxQuoted bounds a stored value quoted in a message (R-CLI-4).
const maxQuoted = 80

func quoteStored(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case []byte:
		v = string(x)
	}
	s := fmt.Sprint(v)
	if utf8.RuneCountInString(s) > maxQuoted {
		s = string([]rune(s)[:maxQuoted-1]) + "…"
	}
	return strconv.Quote(s)
}
