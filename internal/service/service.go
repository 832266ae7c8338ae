// Package service enforces every rule of SPEC.md. Each call runs as an Actor
// in one transaction; the CLI (local mode) and the HTTP server (remote mode)
// both call it, so a rule lives here once.
package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"regexp"
	"sync"
	"time"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/keys"
	"github.com/sactl/sactl/internal/store"
)

// DefaultBusiness is the business every new database starts with.
const DefaultBusiness = "default"

// Actor is who performs a call.
//
// In local mode the actor is the operating-system user, who holds every
// permission because whoever can write the database file owns it (R-PERM-6).
// With As set, the call runs with the rights of that principal of the
// business instead, and its audit events record the local user as "via".
// The server sets PrincipalID from a verified credential.
type Actor struct {
	Local       string // OS user name for local mode
	As          string // --as: a principal reference (id, api_name, name or email)
	PrincipalID string // set by the server after authentication
	// Credential is what the server authenticated PrincipalID with: its
	// kind decides what it may obtain (R-KEY-11) and audit events record
	// it (R-AUD-4).
	Credential *domain.ActorCredential
	// Verified is the server's verification of that credential, made for
	// this request: checks that need no more than it (R-PERM-10's
	// introspection=view) are made against it without a transaction.
	Verified *domain.Verification
}

// LocalActor is the actor for an OS user (R-PERM-6).
func LocalActor(user string) Actor { return Actor{Local: user} }

// Service is the service layer bound to an actor and a business.
type Service struct {
	st       *DB
	now      func() time.Time
	actor    Actor
	business string
	// master is the master key that seals each business's data key
	// (R-KEY-10). It is loaded only when a secret is sealed or opened.
	master MasterKey
	// usage collects last uses (R-KEY-9); nil records none.
	usage *Usage
	// anyBusiness makes Verify accept credentials of every business (the
	// server's authentication, which learns the business from the credential).
	anyBusiness bool
}

// Option configures a Service.
type Option func(*Service)

// WithClock injects the clock (tests).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithUsage makes verifications note last uses in u (R-KEY-9).
func WithUsage(u *Usage) Option { return func(s *Service) { s.usage = u } }

// WithMasterKey sets where the master key comes from (R-KEY-10).
func WithMasterKey(mk MasterKey) Option {
	return func(s *Service) { s.master = mk }
}

// New binds a store to an actor and a business name.
func New(st *DB, actor Actor, business string, opts ...Option) *Service {
	if business == "" {
		business = DefaultBusiness
	}
	s := &Service{st: st, now: time.Now, actor: actor, business: business, master: noMasterKey()}
	for _, o := range opts {
		o(s)
	}
	return s
}

// NewAuthenticator returns a service whose Verify accepts a credential of any
// business and reports which one it belongs to: the server authenticates
// requests with it.
func NewAuthenticator(st *DB, opts ...Option) *Service {
	s := New(st, Actor{}, DefaultBusiness, opts...)
	s.anyBusiness = true
	return s
}

var systemActor = domain.ActorRef{ID: "system", Name: "sactl", Type: "system"}

// txn is one transaction with its resolved business and actor.
type txn struct {
	store.Tx
	s     *Service
	now   time.Time
	biz   domain.Business
	actor domain.ActorRef
	// principal is the acting principal; nil for a local operator.
	principal *domain.Account
	perms     domain.Permissions
	// cred is the credential the principal acts through; nil with --as.
	cred *domain.ActorCredential
	via  string
	// dryRun is set in a dry run: nothing is kept, so no secret is shown.
	dryRun bool
	// mut is the call's mutation; planChecked records that confirm compared
	// its PlanDigest with the plan (R-CLI-2).
	mut         api.Mutation
	planChecked bool
	// admin is an account admin's level check waiting for the account
	// the operation is on (R-SA-12); nil when none is.
	admin *adminCheck
}

func (s *Service) read(ctx context.Context, fn func(*txn) error) error {
	s.flushUsage(ctx)
	return s.readNow(ctx, fn)
}

// readNow is read without first writing the noted last uses: for a
// verification, which never writes (R-KEY-9).
func (s *Service) readNow(ctx context.Context, fn func(*txn) error) error {
	return s.st.Read(ctx, func(tx store.Tx) error {
		t, err := s.begin(tx, false)
		if err != nil {
			return err
		}
		if err := fn(t); err != nil {
			return err
		}
		return t.adminPending()
	})
}

func (s *Service) write(ctx context.Context, m api.Mutation, fn func(*txn) error) error {
	if m.PlanDigest != "" && !planDigestRE().MatchString(m.PlanDigest) {
		return domain.Invalidf("invalid confirmation: confirm with true or with the digest of the plan shown (16 hex digits)")
	}
	s.flushUsage(ctx)
	return s.st.Write(ctx, m.DryRun, func(tx store.Tx) error {
		t, err := s.begin(tx, true)
		if err != nil {
			return err
		}
		t.dryRun, t.mut = m.DryRun, m
		if err := fn(t); err != nil {
			return err
		}
		if err := t.adminPending(); err != nil {
			return err
		}
		// R-CLI-2: the caller agreed to a plan, and this change did not
		// have one (say, what it would delete is already gone, or someone
		// else made the change): that is not what was agreed to either.
		if m.PlanDigest != "" && !t.planChecked {
			return domain.PlanChanged(nil)
		}
		return nil
	})
}

// written is write for an operation that answers a value: fn's, once the
// change committed.
func written[T any](s *Service, ctx context.Context, m api.Mutation, fn func(*txn) (T, error)) (T, error) {
	var out T
	err := s.write(ctx, m, func(t *txn) (err error) {
		out, err = fn(t)
		return err
	})
	return out, err
}

// flushUsage writes the last uses this process noted before an operator's
// call reads or changes anything, so what it shows (sa keys list, a
// confirmation's "last used") includes every verification answered before
// it (R-KEY-9). A busy database leaves them noted for the next flush.
func (s *Service) flushUsage(ctx context.Context) {
	if s.usage != nil && s.usage.Pending() > 0 {
		_ = s.usage.Flush(ctx)
	}
}

// clock is the service's time as stored: UTC, to the microsecond.
func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// begin resolves the business and the actor inside the transaction, so a
// permission check and the change it guards see the same state. A write
// first takes the business's write lock, so every check it makes holds
// until it commits, on any backend and across replicas.
func (s *Service) begin(tx store.Tx, write bool) (*txn, error) {
	t := &txn{Tx: tx, s: s, now: s.clock()}
	biz, ok, err := tx.BusinessByName(s.business)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, domain.NotFoundf("business %s not found", domain.Quote(s.business)).WithHint("list them with: sactl business list")
	}
	t.biz = biz
	if write {
		if err := tx.LockBusiness(biz.ID); err != nil {
			return nil, err
		}
	}
	switch {
	case s.actor.PrincipalID != "":
		p, ok, err := tx.PrincipalByID(biz.ID, s.actor.PrincipalID)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, domain.Forbiddenf("credential does not belong to business %q", biz.Name)
		}
		t.cred = s.actor.Credential
		return t, t.actAs(p, "")
	case s.actor.As != "":
		p, err := t.resolvePrincipal(s.actor.As)
		if err != nil {
			return nil, err
		}
		return t, t.actAs(p, "local:"+s.actor.Local)
	default:
		t.actor = domain.ActorRef{ID: "local:" + s.actor.Local, Name: s.actor.Local, Type: "local"}
	}
	return t, nil
}

func (t *txn) actAs(p domain.Account, via string) error {
	if p.Status != domain.StatusActive {
		return domain.Unauthenticatedf("%s %q is %s and cannot act", kindWord(p), p.Name, p.Status)
	}
	perms, err := t.EffectivePermissions(p.ID)
	if err != nil {
		return err
	}
	if v := t.s.actor.Verified; v != nil && v.Credential != nil && v.Principal != nil && v.Principal.ID == p.ID {
		perms = perms.Narrow(v.Credential.Scope) // an OAuth2 token's scope (R-SRV-10)
	}
	t.principal, t.perms, t.via = &p, perms, via
	t.actor = domain.ActorRef{ID: p.ID, Name: p.Name, Type: string(p.AccountType), Credential: t.cred}
	return nil
}

func kindWord(a domain.Account) string {
	if a.AccountType.IsService() {
		return "service account"
	}
	return "user"
}

// confirm implements R-CLI-2 for the service: a destructive change goes
// ahead when the call agrees to its plan c, either blindly (Confirmed) or
// by the digest of the plan the caller showed (PlanDigest), which must be
// the digest of c. The digest is computed here and nowhere else. Dry runs
// ask too, so a dry run can show the plan.
func (t *txn) confirm(c domain.Confirmation) error {
	c.Digest = planDigest(t.biz.ID, c)
	switch {
	case t.mut.PlanDigest != "":
		t.planChecked = true
		if t.mut.PlanDigest != c.Digest {
			return domain.PlanChanged(&c)
		}
		return nil
	case t.mut.Confirmed:
		return nil
	}
	return domain.NeedsConfirmation(c)
}

// planDigestRE is the form of a plan digest: 16 lower-case hex digits.
var planDigestRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9a-f]{16}$`) })

// planDigest identifies a plan: the first 64 bits of a SHA-256 over its
// canonical JSON, within its business. It is not a secret and needs no
// more bits: it tells apart the plans one caller could be shown for one
// change, and the targets' ids make those of different objects differ.
func planDigest(businessID string, c domain.Confirmation) string {
	canonical, err := json.Marshal(struct {
		Version       int      `json:"v"`
		Business      string   `json:"business"`
		Action        string   `json:"action"`
		Consequences  []string `json:"consequences"`
		TypeToConfirm string   `json:"type_to_confirm"`
		Targets       []string `json:"targets"`
	}{1, businessID, c.Action, c.Consequences, c.TypeToConfirm, c.Targets})
	if err != nil {
		panic(err) // strings only: cannot fail
	}
	sum := sha256.Sum256(canonical)
	return hex.EncodeToString(sum[:8])
}

// keyIDs are the ids of keys, for a plan's targets.
func keyIDs(ks []domain.Key) []string {
	ids := make([]string, len(ks))
	for i, k := range ks {
		ids[i] = k.ID
	}
	return ids
}

// audit appends an event in the current transaction (R-AUD-1).
func (t *txn) audit(action string, target domain.AuditTarget, details map[string]any) error {
	if details == nil {
		details = map[string]any{}
	}
	if t.via != "" {
		details["via"] = t.via
	}
	e := domain.AuditEvent{
		ID: domain.NewID("evt", t.now), Time: t.now, Business: t.biz.Name,
		Actor: t.actor, Action: action, Target: target, Details: details,
	}
	return t.AppendAudit(t.biz.ID, &e)
}

func accountTarget(a domain.Account) domain.AuditTarget {
	typ := "service_account"
	if !a.AccountType.IsService() {
		typ = "user"
	}
	return domain.AuditTarget{Type: typ, ID: a.ID, Name: a.Name}
}

func (t *txn) settings() (domain.Settings, error) {
	raw, err := t.Settings(t.biz.ID)
	if err != nil {
		return domain.Settings{}, err
	}
	return parseSettings(t.biz.ID, raw)
}

// parseSettings applies a business's stored settings to the defaults.
func parseSettings(businessID string, raw map[string]string) (domain.Settings, error) {
	s := domain.DefaultSettings()
	for k, v := range raw {
		d, err := domain.LookupSetting(k)
		if err != nil {
			continue // a setting from a newer sactl: keep it, ignore it
		}
		if err := d.Set(&s, v); err != nil {
			// R-DB-6: a hand-edited row; no caller's mistake.
			return s, &store.StoredValueError{Table: "settings", Column: "value",
				Row: businessID + " (setting " + k + ")", Value: v, As: "a " + k + " value"}
		}
	}
	return s, nil
}

// wrapUnique turns a unique-constraint race (two writers passing the same
// check) into the conflict the check would have reported.
func wrapUnique(err error, msg string, a ...any) error {
	if store.IsUniqueViolation(err) {
		return domain.Conflictf(msg, a...)
	}
	return err
}

func noMasterKey() MasterKey {
	return MasterKey{Source: "no master key", cache: &masterCache{}, load: func(bool) (keys.MasterKey, error) {
		return keys.MasterKey{}, errors.New("no master key is configured for sealing secrets")
	}}
}
