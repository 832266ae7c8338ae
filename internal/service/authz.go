package service

import (
	"fmt"
	"slices"

	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
)

// The authorization model, in one place (R-PERM-4, R-PERM-6, R-PERM-8,
// R-PERM-9, R-PERM-10, R-KEY-11, R-USER-2). Every operation of the service
// calls allow(op) before it reads anything else; an operation with a target
// principal then calls allowOn(op, target) once it has resolved it, and one
// that hands out or takes away groups calls allowGrant or allowTakeAway
// (R-PERM-8).
// The table below is the whole policy: the escalation suite and SECURITY.md
// are written from it.
//
// A local operator (no --as) holds every permission: whoever can write the
// database file owns it (R-PERM-6). Every rule below is about principals.

// Op names an operation for authorization.
type Op string

// The operations.
const (
	OpAccountRead      Op = "read service accounts"
	OpAccountCreate    Op = "create service accounts"
	OpAccountUpdate    Op = "update service accounts"
	OpAccountSuspend   Op = "suspend service accounts"
	OpAccountResume    Op = "resume service accounts"
	OpAccountArchive   Op = "archive service accounts"
	OpAccountGroups    Op = "change a service account's groups"
	OpKeyList          Op = "list keys"
	OpKeyCreate        Op = "create keys"
	OpKeyRotate        Op = "rotate keys"
	OpKeyReveal        Op = "reveal keys"
	OpKeyChange        Op = "delete or disable keys"
	OpKeyEnable        Op = "enable keys"
	OpTokenMint        Op = "mint signed tokens"
	OpTokenList        Op = "list signed tokens"
	OpTokenRevoke      Op = "revoke signed tokens"
	OpTokenExchange    Op = "exchange its API key for a signed token"
	OpSigningKeyRotate Op = "rotate the signing key"
	OpGroupRead        Op = "read groups"
	OpGroupCreate      Op = "create groups"
	OpGroupUpdate      Op = "update groups"
	OpGroupDelete      Op = "delete groups"
	OpUserRead         Op = "read users"
	OpUserCreate       Op = "create users"
	OpUserUpdate       Op = "update users"
	OpUserGroups       Op = "change a user's groups"
	OpUserRemove       Op = "remove users"
	OpUserTokenCreate  Op = "create user tokens"
	OpUserTokenList    Op = "list user tokens"
	OpUserTokenRevoke  Op = "revoke user tokens"
	OpSettingsRead     Op = "read settings"
	OpSettingsWrite    Op = "change settings"
	OpAccountAdmins    Op = "change a service account's admins"
	OpAPIKeyRevoke     Op = "revoke API keys"
	OpConfigExport     Op = "export the configuration"
	OpConfigImport     Op = "import a configuration"
	OpAuditRead        Op = "read the audit log"
	OpIntrospect       Op = "introspect credentials"
	OpBusinessCreate   Op = "create businesses"
	OpServerInit       Op = "initialise the server"
)

// Obtains says which credential an operation hands its caller.
type Obtains string

// What an operation can hand out.
const (
	ObtainsNothing     Obtains = ""
	ObtainsAPIKey      Obtains = "API key"
	ObtainsSignedToken Obtains = "signed token"
	ObtainsUserToken   Obtains = "user token"
)

// Rule is what an operation needs of a principal.
type Rule struct {
	// Perm and Level are the R-PERM-4 level check: the caller's effective
	// level for Perm must be at least Level. An empty Perm checks nothing.
	Perm  string
	Level domain.Level
	// Obtains is the credential the operation hands the caller: it needs
	// the power of the credential's owner (R-PERM-9 dominance), is never
	// done by a signed token (R-KEY-11), and for keys and signed tokens
	// never by a service account of the owner's lineage (R-KEY-11).
	// A user token is created only by its own user (R-USER-2).
	Obtains Obtains
	// Dominates: the operation needs the target's power although it hands
	// out no credential: it controls the credentials a target holds, or
	// gives a suspended account or a disabled key its power back (whoever
	// holds that key would get it).
	Dominates bool
	// Self: a principal may do this to itself without Perm (its own user
	// tokens); to others it needs Perm at Level.
	Self bool
	// LocalOnly: only a local operator may, never a principal.
	LocalOnly bool
	// AccountAdmin: an admin of the one service account the operation is
	// on may do it without Perm, as if it held service_accounts=edit on
	// that account alone (R-SA-12); every other check still applies
	// (R-PERM-8, R-PERM-9, R-KEY-11). Only for operations of at most edit
	// on one account: never archive, never a list.
	AccountAdmin bool
	// NoService: never a service account, whatever its groups (R-PERM-5).
	NoService bool
	// OwnKey: the caller exchanges the API key it authenticated with for a
	// credential of its own account that is bound to that key and no
	// stronger than it (R-SRV-10: OAuth2 client credentials). Only through
	// an API key, only for its own account; no level is needed, and
	// R-KEY-11's lineage rule does not apply: the credential outlives
	// nothing (see oauth2.go).
	OwnKey bool
}

// Rules is the authorization table, one row per operation.
var Rules = map[Op]Rule{
	OpAccountRead:      {Perm: domain.PermServiceAccounts, Level: domain.LevelView, AccountAdmin: true},
	OpAccountCreate:    {Perm: domain.PermServiceAccounts, Level: domain.LevelEdit, Obtains: ObtainsAPIKey},
	OpAccountUpdate:    {Perm: domain.PermServiceAccounts, Level: domain.LevelEdit, AccountAdmin: true},
	OpAccountSuspend:   {Perm: domain.PermServiceAccounts, Level: domain.LevelEdit, AccountAdmin: true},
	OpAccountResume:    {Perm: domain.PermServiceAccounts, Level: domain.LevelEdit, Dominates: true, AccountAdmin: true},
	OpAccountArchive:   {Perm: domain.PermServiceAccounts, Level: domain.LevelRemove},
	OpAccountGroups:    {Perm: domain.PermServiceAccounts, Level: domain.LevelEdit, AccountAdmin: true},
	OpKeyList:          {Perm: domain.PermServiceAccounts, Level: domain.LevelView, AccountAdmin: true},
	OpKeyCreate:        {Perm: domain.PermServiceAccounts, Level: domain.LevelEdit, Obtains: ObtainsAPIKey, AccountAdmin: true},
	OpKeyRotate:        {Perm: domain.PermServiceAccounts, Level: domain.LevelEdit, Obtains: ObtainsAPIKey, AccountAdmin: true},
	OpKeyReveal:        {Perm: domain.PermServiceAccounts, Level: domain.LevelView, Obtains: ObtainsAPIKey, AccountAdmin: true},
	OpKeyChange:        {Perm: domain.PermServiceAccounts, Level: domain.LevelEdit, AccountAdmin: true},
	OpKeyEnable:        {Perm: domain.PermServiceAccounts, Level: domain.LevelEdit, Dominates: true, AccountAdmin: true},
	OpTokenMint:        {Perm: domain.PermServiceAccounts, Level: domain.LevelEdit, Obtains: ObtainsSignedToken},
	OpTokenList:        {Perm: domain.PermServiceAccounts, Level: domain.LevelView},
	OpTokenRevoke:      {Perm: domain.PermServiceAccounts, Level: domain.LevelEdit, Dominates: true},
	OpTokenExchange:    {Obtains: ObtainsSignedToken, OwnKey: true},
	OpSigningKeyRotate: {Perm: domain.PermServiceAccounts, Level: domain.LevelEdit, Dominates: true},
	OpGroupRead:        {Perm: domain.PermGroups, Level: domain.LevelView},
	OpGroupCreate:      {Perm: domain.PermGroups, Level: domain.LevelEdit},
	OpGroupUpdate:      {Perm: domain.PermGroups, Level: domain.LevelEdit},
	OpGroupDelete:      {Perm: domain.PermGroups, Level: domain.LevelRemove},
	OpUserRead:         {Perm: domain.PermUsers, Level: domain.LevelView},
	OpUserCreate:       {Perm: domain.PermUsers, Level: domain.LevelEdit},
	OpUserUpdate:       {Perm: domain.PermUsers, Level: domain.LevelEdit},
	OpUserGroups:       {Perm: domain.PermUsers, Level: domain.LevelEdit},
	OpUserRemove:       {Perm: domain.PermUsers, Level: domain.LevelRemove},
	OpUserTokenCreate:  {Obtains: ObtainsUserToken},
	OpUserTokenList:    {Perm: domain.PermUsers, Level: domain.LevelView, Self: true},
	OpUserTokenRevoke:  {Perm: domain.PermUsers, Level: domain.LevelEdit, Self: true},
	OpSettingsRead:     {Perm: domain.PermSettings, Level: domain.LevelView},
	OpSettingsWrite:    {Perm: domain.PermSettings, Level: domain.LevelEdit},
	OpAccountAdmins:    {Perm: domain.PermServiceAccounts, Level: domain.LevelEdit},
	OpAPIKeyRevoke:     {Perm: domain.PermServiceAccounts, Level: domain.LevelRemove},
	OpConfigExport:     {Perm: domain.PermConfigExport, Level: domain.LevelView},
	OpConfigImport:     {Perm: domain.PermConfigImport, Level: domain.LevelEdit, NoService: true},
	OpAuditRead:        {Perm: domain.PermAudit, Level: domain.LevelView},
	OpIntrospect:       {Perm: domain.PermIntrospection, Level: domain.LevelView},
	OpBusinessCreate:   {LocalOnly: true},
	OpServerInit:       {LocalOnly: true},
}

// forbidden is every authorization refusal: exit 4, HTTP 403.
func forbidden(format string, a ...any) *domain.Error {
	return domain.Forbiddenf("forbidden: "+format, a...)
}

// who names the acting principal in a refusal.
func (t *txn) who() string { return fmt.Sprintf("%s %q", kindWord(*t.principal), t.principal.Name) }

// viaSignedToken reports whether the actor acts through a signed token:
// a server request authenticated by one, or --as the automation account,
// which only ever authenticates with signed tokens (R-SA-4).
func (t *txn) viaSignedToken() bool {
	return t.principal != nil && (t.principal.IsAutomation() ||
		(t.cred != nil && t.cred.Type == domain.CredentialSignedToken))
}

// allow is the check every operation makes first: local-only operations,
// the credential kinds that may never obtain a credential, and the
// R-PERM-4 level.
func (t *txn) allow(op Op) error {
	r, ok := Rules[op]
	if !ok {
		return fmt.Errorf("authorization: no rule for operation %q", op)
	}
	if t.principal == nil {
		return nil // a local operator (R-PERM-6)
	}
	if r.LocalOnly {
		return forbidden("only a local operator can %s", op)
	}
	if r.Obtains != ObtainsNothing && t.viaSignedToken() {
		// R-KEY-11: a short-lived token never turns into a credential
		// that outlives it.
		return forbidden("a signed token never creates credentials, so it cannot %s", op)
	}
	if r.OwnKey {
		if t.cred == nil || t.cred.Type != domain.CredentialAPIKey {
			return forbidden("only an API key can be exchanged for a token of its own account (R-SRV-10)")
		}
		return nil // the account itself: allowOn checks that
	}
	if r.Obtains == ObtainsUserToken && t.principal.AccountType.IsService() {
		return forbidden("a service account never creates user tokens (R-USER-2)")
	}
	if r.NoService && t.principal.AccountType.IsService() {
		return forbidden("a service account can never %s, whatever its groups (R-PERM-5)", op)
	}
	if r.Self {
		return nil // checked against the target by allowOn
	}
	err := t.needLevel(op, r.Perm, r.Level)
	if err != nil && r.AccountAdmin && !t.principal.AccountType.IsService() {
		// R-SA-12: an account admin may still do this to an account it
		// administers. The level check waits for the account: the first
		// service account the operation resolves must be one, and an
		// operation that resolves none fails with err (adminPending).
		some, aerr := t.AdministersAny(t.principal.ID)
		if aerr != nil {
			return aerr
		}
		if some {
			t.admin = &adminCheck{op: op, refusal: err}
			return nil
		}
	}
	return err
}

// adminCheck is a level check an account admin's operation left for the
// account it resolves (R-SA-12).
type adminCheck struct {
	op      Op
	refusal error
	// account is the account the check passed for; "" until then.
	account string
}

// checkAdmin finishes a pending adminCheck once an operation resolved the
// service account a: the principal must administer it, and an operation
// passes for one account only.
func (t *txn) checkAdmin(a domain.Account) error {
	c := t.admin
	if c == nil {
		return nil
	}
	if c.account != "" {
		if c.account == a.ID {
			return nil
		}
		return c.refusal
	}
	ok, err := t.IsAccountAdmin(a.ID, t.principal.ID)
	if err != nil {
		return err
	}
	if !ok {
		return c.refusal
	}
	c.account = a.ID
	return nil
}

// adminPending fails an operation that left an admin's level check for an
// account and never resolved one: it fails closed.
func (t *txn) adminPending() error {
	if t.admin != nil && t.admin.account == "" {
		return t.admin.refusal
	}
	return nil
}

func (t *txn) needLevel(op Op, key string, l domain.Level) error {
	if key == "" {
		return nil
	}
	if have := t.perms[key]; have < l {
		return forbidden("%s cannot %s: that needs %s=%s, above its own level (%s)", t.who(), op, key, l, have)
	}
	return nil
}

// allowOn is the check of an operation on a target principal, once it is
// resolved: a user token only for oneself (R-USER-2), no credential of the
// caller's own lineage (R-KEY-11), and the target's power (R-PERM-9).
func (t *txn) allowOn(op Op, target domain.Account) error {
	r := Rules[op]
	if t.principal == nil {
		return nil
	}
	self := t.principal.ID == target.ID
	if r.OwnKey {
		if !self {
			return forbidden("%s can %s only for its own account (R-SRV-10)", t.who(), op)
		}
		return nil // its own power: R-PERM-9 holds by itself
	}
	if r.Self && !self {
		if err := t.needLevel(op, r.Perm, r.Level); err != nil {
			return err
		}
	}
	if r.Obtains == ObtainsUserToken && !self {
		return forbidden("a user token is created only by its own user or a local operator; %s cannot create one for %q (R-USER-2)",
			t.who(), target.Name)
	}
	if (r.Obtains == ObtainsAPIKey || r.Obtains == ObtainsSignedToken) && t.principal.AccountType.IsService() {
		if err := t.notOwnLineage(op, target); err != nil {
			return err
		}
	}
	if r.Obtains == ObtainsNothing && !r.Dominates {
		return nil
	}
	perms, err := t.EffectivePermissions(target.ID)
	if err != nil {
		return err
	}
	if k, ok := t.above(perms); ok {
		return forbidden("%s cannot %s of %q: that needs %s=%s, above its own level (%s)",
			t.who(), op, target.Name, k, perms[k], t.perms[k])
	}
	return nil
}

// above is the first permission key, in key order, for which p holds a
// level above the caller's: what an operation would hand out, or take away,
// beyond the caller's own power (R-PERM-8, R-PERM-9).
func (t *txn) above(p domain.Permissions) (string, bool) {
	for _, k := range p.Keys() {
		if p[k] > t.perms[k] {
			return k, true
		}
	}
	return "", false
}

// allowGrant applies R-PERM-8 to what an operation hands out: no level
// above the caller's own, for every permission key.
func (t *txn) allowGrant(p domain.Permissions) error {
	if t.principal == nil {
		return nil
	}
	if k, ok := t.above(p); ok {
		return forbidden("%s cannot grant %s=%s, above its own level (%s)", t.who(), k, p[k], t.perms[k])
	}
	return nil
}

// allowTakeAway applies R-PERM-8 to what an operation takes away from
// others (what says what, e.g. `take group "sales" away from "bot"`):
// taking levels away needs them.
func (t *txn) allowTakeAway(what string, p domain.Permissions) error {
	if t.principal == nil {
		return nil
	}
	if k, ok := t.above(p); ok {
		return forbidden("%s cannot %s: it grants %s=%s, above its own level (%s)", t.who(), what, k, p[k], t.perms[k])
	}
	return nil
}

// notOwnLineage applies R-KEY-11: a service account never creates, rotates
// or reveals keys (or mints tokens) of its own account, of an account it
// created, directly or through accounts it created, nor (so that a helper
// cannot do what its creator may not) of its creators or their other
// helpers. Put together: not of any account with the same lineage root,
// the first account of an unbroken chain of service accounts creating
// service accounts.
func (t *txn) notOwnLineage(op Op, target domain.Account) error {
	mine, err := t.serviceLineage(t.principal.ID)
	if err != nil {
		return err
	}
	theirs, err := t.serviceLineage(target.ID)
	if err != nil {
		return err
	}
	if len(mine) == 0 || len(theirs) == 0 || mine[len(mine)-1].ID != theirs[len(theirs)-1].ID {
		return nil
	}
	me := t.who()
	switch i := indexOf(mine, target.ID); {
	case target.ID == t.principal.ID:
		return forbidden("%s cannot %s of its own account (R-KEY-11)", me, op)
	case i > 0:
		return forbidden("%s cannot %s of %q, which created it%s (R-KEY-11)", me, op, target.Name, through(mine[1:i]))
	}
	if i := indexOf(theirs, t.principal.ID); i > 0 {
		return forbidden("%s cannot %s of %q, which it created%s (R-KEY-11)", me, op, target.Name, through(theirs[1:i]))
	}
	return forbidden("%s cannot %s of %q: both were created by %q (R-KEY-11)", me, op, target.Name, theirs[len(theirs)-1].Name)
}

// serviceLineage is a principal's chain of creators while they are service
// accounts: the principal first, its lineage root last.
func (t *txn) serviceLineage(id string) ([]store.CreatorLink, error) {
	chain, err := t.CreatorChain(t.biz.ID, id)
	if err != nil {
		return nil, err
	}
	for i, l := range chain {
		if !l.AccountType.IsService() {
			return chain[:i], nil
		}
	}
	return chain, nil
}

func indexOf(chain []store.CreatorLink, id string) int {
	return slices.IndexFunc(chain, func(l store.CreatorLink) bool { return l.ID == id })
}

// through names the accounts between two ends of a lineage.
func through(mid []store.CreatorLink) string {
	if len(mid) == 0 {
		return ""
	}
	s := " through"
	for i, l := range mid {
		if i > 0 {
			s += ","
		}
		s += fmt.Sprintf(" %q", l.Name)
	}
	return s
}
