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
	"github.com/sactl/sactl/internal/store"
)

// lastUsedEvery is how often last_used_at may be written per key (R-KEY-9).
const lastUsedEvery = time.Minute

// keyAccount resolves an account whose keys are managed: an integration or
// API-key account (the automation account uses signed tokens, R-SA-4).
func (t *txn) keyAccount(ref string, forChange bool) (domain.Account, error) {
	a, err := t.resolveServiceAccount(ref)
	if err != nil {
		return a, err
	}
	if a.IsAutomation() {
		return a, domain.Protectedf("the automation account %q has no stored keys; it uses signed tokens (sactl sa token mint)", a.Name)
	}
	if forChange {
		if err := editable(a, "have its keys changed"); err != nil {
			return a, err
		}
	}
	return a, nil
}

// keyScope is what most key operations start from: the permission check,
// the account, the business's settings and the account's keys.
type keyScope struct {
	a   domain.Account
	set domain.Settings
	ks  []domain.Key
}

func (t *txn) keyScope(ref string, op Op, forChange bool) (keyScope, error) {
	var sc keyScope
	if err := t.allow(op); err != nil {
		return sc, err
	}
	a, err := t.keyAccount(ref, forChange)
	if err != nil {
		return sc, err
	}
	if err := t.allowOn(op, a); err != nil {
		return sc, err
	}
	set, err := t.settings()
	if err != nil {
		return sc, err
	}
	ks, err := t.accountKeys(a, set)
	return keyScope{a: a, set: set, ks: ks}, err
}

// accountKeys lists an account's keys with role and status (R-KEY-4).
func (t *txn) accountKeys(a domain.Account, set domain.Settings) ([]domain.Key, error) {
	ks, err := t.KeysOf(a.ID)
	if err != nil {
		return nil, err
	}
	domain.AssignRoles(ks, t.now, set)
	return ks, nil
}

// expiry applies R-KEY-8: the asked lifetime, else the default; within the
// business's bounds. With a maximum and nothing asked, keys get the maximum.
func expiry(now time.Time, asked time.Duration, s domain.Settings) (*time.Time, error) {
	d := asked
	if d == 0 {
		d = s.KeyDefaultTTL
	}
	if d == 0 {
		d = s.KeyMaxTTL
	}
	if d < 0 {
		return nil, domain.Invalidf("expiry must be positive")
	}
	if d == 0 {
		return nil, nil
	}
	if s.KeyMinTTL > 0 && d < s.KeyMinTTL {
		return nil, domain.Invalidf("expiry %s is shorter than key_min_ttl (%s)", domain.FormatDuration(d), domain.FormatDuration(s.KeyMinTTL))
	}
	if s.KeyMaxTTL > 0 && d > s.KeyMaxTTL {
		return nil, domain.Invalidf("expiry %s is longer than key_max_ttl (%s)", domain.FormatDuration(d), domain.FormatDuration(s.KeyMaxTTL))
	}
	at := now.Add(d)
	return &at, nil
}

// issueKey makes a key for an account: the secret from crypto/rand, stored
// as its SHA-256 (R-KEY-2) and, when retrieval is on, sealed (R-KEY-10).
// The returned key carries the secret; nothing else ever does.
func (t *txn) issueKey(a domain.Account, name string, ttl time.Duration, set domain.Settings) (domain.Key, error) {
	exp, err := expiry(t.now, ttl, set)
	if err != nil {
		return domain.Key{}, err
	}
	secret, err := keys.Generate(keys.KindAPIKey)
	if err != nil {
		return domain.Key{}, err
	}
	k := domain.Key{
		ID: domain.NewID("key", t.now), Account: a.APIName, Name: name, Hint: secret.Hint(),
		CreatedAt: t.now, CreatedBy: t.actor.ID, ExpiresAt: exp, Sealed: set.KeyRetrieval,
	}
	var sealed []byte
	if set.KeyRetrieval {
		dk, err := t.dataKey(true)
		if err != nil {
			return k, err
		}
		if sealed, err = dk.Seal([]byte(secret.Reveal()), sealAAD(t.biz.ID, k.ID)); err != nil {
			return k, err
		}
	}
	if err := t.InsertKey(t.biz.ID, a.ID, k, secret.Hash(), sealed); err != nil {
		return k, err
	}
	if err := t.audit("key.created", accountTarget(a), map[string]any{
		"key_id": k.ID, "name": name, "hint": k.Hint, "expires_at": k.ExpiresAt, "retrievable": set.KeyRetrieval,
	}); err != nil {
		return k, err
	}
	if !t.dryRun {
		k.Secret = secret.Reveal()
	}
	k.Status, k.Role = domain.KeyActive, domain.RolePrimary
	return k, nil
}

// sealAAD binds a sealed secret to its business and key, so a sealed value
// copied onto another row does not open.
func sealAAD(businessID, keyID string) []byte { return []byte(businessID + "|" + keyID) }

// dataKey returns the business's data key, creating it (sealed by the
// master key) on first use when create is set (R-KEY-10). A master key is
// made only while the database holds nothing sealed: once it does, a
// missing or different key is an error, never replaced.
func (t *txn) dataKey(create bool) (keys.DataKey, error) {
	wrapped, ok, err := t.WrappedDataKey(t.biz.ID)
	if err != nil {
		return keys.DataKey{}, err
	}
	if ok {
		mk, err := t.s.master.Load(false)
		if err != nil {
			return keys.DataKey{}, err
		}
		return t.s.master.open(mk, t.biz.Name, wrapped)
	}
	if !create {
		return keys.DataKey{}, fmt.Errorf("business %q has no data key", t.biz.Name)
	}
	sealed, err := t.WrappedDataKeys()
	if err != nil {
		return keys.DataKey{}, err
	}
	mk, err := t.s.master.Load(len(sealed) == 0)
	if err != nil {
		return keys.DataKey{}, err
	}
	for _, r := range sealed { // the same key as the rest of the database
		if _, err := t.s.master.open(mk, r.Business, r.Wrapped); err != nil {
			return keys.DataKey{}, err
		}
	}
	dk, err := keys.NewDataKey()
	if err != nil {
		return dk, err
	}
	if wrapped, err = mk.Wrap(dk); err != nil {
		return dk, err
	}
	return dk, t.PutWrappedDataKey(t.biz.ID, wrapped, t.now)
}

// keyLimitError is R-KEY-15's message: what is used, what is allowed, what to do.
func keyLimitError(a domain.Account, n, max int) error {
	which := "--secondary"
	if n > 2 {
		which = "<key-id>" // several secondaries: name one
	}
	return domain.Conflictf("service account %q holds %d of %d keys; delete one (sactl sa keys delete %s %s) or raise max_keys_per_account",
		a.APIName, n, max, a.APIName, which)
}

// ListKeys lists an account's keys, never their secrets (R-PERM-4: view).
func (s *Service) ListKeys(ctx context.Context, ref string, p api.PageRequest) (api.Page[domain.Key], error) {
	var out api.Page[domain.Key]
	err := s.read(ctx, func(t *txn) error {
		sc, err := t.keyScope(ref, OpKeyList, false)
		if err != nil {
			return err
		}
		out, err = pageOfKeys(sc.ks, p)
		return err
	})
	return out, err
}

// ListAllKeys is the key inventory of R-KEY-13: the keys of every account
// of the business, with their owner, for periodic reviews; never a secret.
// Needs what ListKeys needs (R-PERM-4: view). Role and status come from the
// same code as ListKeys, so a key reads the same in both lists.
func (s *Service) ListAllKeys(ctx context.Context, req api.ListAllKeysRequest) (api.Page[domain.KeyInventoryItem], error) {
	for i, d := range []*time.Duration{req.ExpiringWithin, req.UnusedFor} {
		if d != nil && *d <= 0 {
			flag := [...]string{"--expiring-within", "--unused-for"}[i]
			return api.Page[domain.KeyInventoryItem]{}, domain.Invalidf("invalid %s %s: give a positive duration such as 14d", flag, domain.FormatDuration(*d))
		}
	}
	page, err := storePage(req.PageRequest)
	if err != nil {
		return api.Page[domain.KeyInventoryItem]{}, err
	}
	// The cursor names the last key listed and its owner: the next page
	// starts with that owner's keys after it. (An owner archived or a key
	// deleted meanwhile moves nothing: the position is by sort key.)
	key, err := page.Key(inventoryCursor, 4)
	if err != nil {
		return api.Page[domain.KeyInventoryItem]{}, err
	}
	var from *store.InventoryOwner
	var skip func(r store.InventoryKey) bool // keys already listed on earlier pages
	if key != nil {
		at, err := domain.ParseCursorTime(key[2])
		if err != nil {
			return api.Page[domain.KeyInventoryItem]{}, err
		}
		from = &store.InventoryOwner{APIName: key[0], ID: key[1]}
		skip = func(r store.InventoryKey) bool { return r.OwnerID == key[1] && !keyAfter(r.Key, at, key[3]) }
	}
	var out api.Page[domain.KeyInventoryItem]
	err = s.read(ctx, func(t *txn) error {
		if err := t.allow(OpKeyList); err != nil {
			return err
		}
		set, err := t.settings()
		if err != nil {
			return err
		}
		q := store.InventoryQuery{From: from, Accounts: page.Limit + 1}
		if req.UnusedFor != nil {
			cut := t.now.Add(-*req.UnusedFor)
			q.UnusedBefore = &cut
		}
		items := []domain.KeyInventoryItem{}
		// Whole accounts at a time, until one key more than the page
		// holds passes the filters (so a next page has something), or
		// no account is left.
		for {
			rows, err := t.KeyInventory(t.biz.ID, q)
			if err != nil {
				return err
			}
			accounts := 0
			// Rows come grouped by account, oldest first: derive each
			// account's roles and statuses over all of its keys, then filter.
			for start := 0; start < len(rows); {
				end := start + 1
				for end < len(rows) && rows[end].OwnerID == rows[start].OwnerID {
					end++
				}
				accounts++
				ks := make([]domain.Key, end-start)
				for i := range ks {
					ks[i] = rows[start+i].Key
				}
				domain.AssignRoles(ks, t.now, set)
				for i, k := range ks {
					r := rows[start+i]
					if skip != nil && skip(r) || !r.Unused ||
						(req.ExpiringWithin != nil && !domain.KeyExpiresWithin(k, t.now, *req.ExpiringWithin, set)) {
						continue
					}
					if len(items) == page.Limit {
						last := items[len(items)-1]
						out = api.NewPage(items, domain.EncodeCursor(inventoryCursor,
							last.Owner.APIName, last.Owner.ID, domain.CursorTime(last.CreatedAt), last.ID))
						return nil
					}
					items = append(items, domain.KeyInventoryItem{Key: k,
						Owner: domain.KeyOwner{ID: r.OwnerID, APIName: k.Account, Name: r.OwnerName}})
				}
				start = end
			}
			if accounts < q.Accounts {
				out = api.NewPage(items, "")
				return nil
			}
			// Go on from the last account read, every key of it listed.
			last := rows[len(rows)-1]
			q.From = &store.InventoryOwner{APIName: last.Account, ID: last.OwnerID}
			skip = func(r store.InventoryKey) bool { return r.OwnerID == last.OwnerID }
		}
	})
	return out, err
}

// CreateKey adds a named key without deleting any (R-KEY-5).
func (s *Service) CreateKey(ctx context.Context, req api.CreateKeyRequest) (domain.Key, error) {
	var out domain.Key
	err := s.write(ctx, req.Mutation, func(t *txn) error {
		if err := t.allow(OpKeyCreate); err != nil {
			return err
		}
		a, err := t.keyAccount(req.Ref, true)
		if err != nil {
			return err
		}
		if err := t.allowOn(OpKeyCreate, a); err != nil {
			return err
		}
		if a.AccountType == domain.TypeAPIKey {
			return domain.Protectedf("API-key account %q holds exactly one key; create a new API key instead", a.Name)
		}
		name, err := keyName(req.Name)
		if err != nil {
			return err
		}
		set, err := t.settings()
		if err != nil {
			return err
		}
		if a.KeyCount >= set.MaxKeysPerAccount {
			return keyLimitError(a, a.KeyCount, set.MaxKeysPerAccount)
		}
		out, err = t.issueKey(a, name, req.ExpiresIn, set)
		return err
	})
	return out, err
}

func keyName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	return domain.NormalizeName("key name", s)
}

// RotateKeys makes a new primary; the oldest keys beyond
// max_keys_per_account go in the same transaction, which needs confirmation
// (R-KEY-4). Grace and DisablePrevious handle the demoted primary (R-KEY-12).
func (s *Service) RotateKeys(ctx context.Context, req api.RotateKeyRequest) (domain.Key, error) {
	var out domain.Key
	err := s.write(ctx, req.Mutation, func(t *txn) error {
		sc, err := t.keyScope(req.Ref, OpKeyRotate, true)
		if err != nil {
			return err
		}
		a, set, ks := sc.a, sc.set, sc.ks
		if a.AccountType == domain.TypeAPIKey {
			return domain.Protectedf("API-key account %q cannot rotate; create a new API key and revoke the old one", a.Name)
		}
		if req.Grace < 0 || (req.Grace > 0 && req.DisablePrevious) {
			return domain.Invalidf("give either a positive --grace or --disable-previous, not both")
		}
		// Oldest first: the new key makes len+1; anything beyond the limit goes.
		excess := len(ks) + 1 - set.MaxKeysPerAccount
		var doomed, kept []domain.Key
		for i, k := range ks {
			if i < excess {
				doomed = append(doomed, k)
			} else {
				kept = append(kept, k)
			}
		}
		if len(doomed) > 0 {
			var cons []string
			for _, k := range doomed {
				cons = append(cons, fmt.Sprintf("%s key %s (%s) will be deleted permanently; %s", k.Role, k.ID, k.Hint, usage(k)))
			}
			if err := t.confirm(domain.Confirmation{
				Action:        fmt.Sprintf("rotate the keys of service account %q", a.Name),
				Consequences:  cons,
				TypeToConfirm: "y",
				Targets:       append([]string{a.ID}, keyIDs(doomed)...),
			}); err != nil {
				return err
			}
		}
		for _, k := range doomed {
			if err := t.DeleteKey(k.ID, t.now); err != nil {
				return err
			}
		}
		// R-KEY-12: the demoted primary may get a grace expiry or be disabled.
		for _, k := range kept {
			if k.Role != domain.RolePrimary {
				continue
			}
			switch {
			case req.DisablePrevious:
				k.DisabledAt = &t.now
			case req.Grace > 0:
				until := t.now.Add(req.Grace)
				if k.ExpiresAt == nil || until.Before(*k.ExpiresAt) {
					k.ExpiresAt = &until
				}
			default:
				continue
			}
			if err := t.UpdateKeyState(k); err != nil {
				return err
			}
		}
		out, err = t.issueKey(a, "", 0, set)
		if err != nil {
			return err
		}
		deleted := make([]string, len(doomed))
		for i, k := range doomed {
			deleted[i] = k.ID
		}
		return t.audit("key.rotated", accountTarget(a), map[string]any{
			"new_key_id": out.ID, "deleted_key_ids": deleted,
			"grace": domain.FormatDuration(req.Grace), "disable_previous": req.DisablePrevious,
		})
	})
	return out, err
}

func usage(k domain.Key) string {
	if k.LastUsedAt == nil {
		return "never used"
	}
	return "last used " + k.LastUsedAt.Format("2006-01-02 15:04 UTC")
}

// pickKey finds the key a request names: an id, or the account's secondary
// (the only one, or an error naming the choices), or by default the primary.
func pickKey(ks []domain.Key, req api.KeyRequest, a domain.Account) (domain.Key, error) {
	switch {
	case req.KeyID != "" && req.Secondary:
		return domain.Key{}, domain.Invalidf("name a key by id or --secondary, not both")
	case req.KeyID != "":
		for _, k := range ks {
			if k.ID == req.KeyID {
				return k, nil
			}
		}
		return domain.Key{}, domain.NotFoundf("service account %q has no key %s", a.APIName, domain.Quote(req.KeyID)).
			WithHint("list them with: sactl sa keys list %s", a.APIName)
	case req.Secondary:
		var sec []string
		var found domain.Key
		for _, k := range ks {
			if k.Role == domain.RoleSecondary {
				sec = append(sec, k.ID)
				found = k
			}
		}
		switch len(sec) {
		case 1:
			return found, nil
		case 0:
			return domain.Key{}, domain.NotFoundf("service account %q has no secondary key", a.APIName)
		}
		return domain.Key{}, domain.Invalidf("service account %q has %d secondary keys; name one: %s", a.APIName, len(sec), strings.Join(sec, ", "))
	}
	for _, k := range ks {
		if k.Role == domain.RolePrimary {
			return k, nil
		}
	}
	return domain.Key{}, domain.NotFoundf("service account %q has no active key", a.APIName)
}

// DeleteKey deletes a key permanently, after confirmation (R-KEY-6).
func (s *Service) DeleteKey(ctx context.Context, req api.KeyRequest) (domain.Key, error) {
	var out domain.Key
	err := s.write(ctx, req.Mutation, func(t *txn) error {
		if req.KeyID == "" && !req.Secondary {
			return domain.Invalidf("name the key to delete: a key id or --secondary")
		}
		sc, err := t.keyScope(req.Ref, OpKeyChange, true)
		if err != nil {
			return err
		}
		a, ks := sc.a, sc.ks
		if a.AccountType == domain.TypeAPIKey {
			return domain.Protectedf("API-key account %q is its key: revoke the API key instead (sactl apikeys revoke %s)", a.Name, a.APIName)
		}
		k, err := pickKey(ks, req, a)
		if err != nil {
			return err
		}
		if k.Role == domain.RolePrimary && len(ks) > 1 && !req.Force {
			return domain.Conflictf("key %s is the primary of %q; rotate first, or add --force to delete it anyway", k.ID, a.APIName)
		}
		if err := t.confirm(domain.Confirmation{
			Action:        fmt.Sprintf("delete %s key %s (%s) of service account %q", k.Role, k.ID, k.Hint, a.Name),
			Consequences:  []string{"the key is deleted permanently; anything using it fails at once (" + usage(k) + ")"},
			TypeToConfirm: "y",
			Targets:       []string{a.ID, k.ID},
		}); err != nil {
			return err
		}
		if err := t.DeleteKey(k.ID, t.now); err != nil {
			return err
		}
		out = k
		return t.audit("key.deleted", accountTarget(a), map[string]any{"key_id": k.ID, "hint": k.Hint, "role": string(k.Role)})
	})
	return out, err
}

// SetKeyEnabled disables or re-enables one key; a disabled key is rejected but kept (R-KEY-7).
func (s *Service) SetKeyEnabled(ctx context.Context, req api.KeyRequest, enabled bool) (domain.Key, error) {
	var out domain.Key
	err := s.write(ctx, req.Mutation, func(t *txn) error {
		if req.KeyID == "" {
			return domain.Invalidf("name the key by id")
		}
		op := OpKeyChange
		if enabled {
			op = OpKeyEnable // its power comes back to whoever holds it
		}
		sc, err := t.keyScope(req.Ref, op, true)
		if err != nil {
			return err
		}
		a, set := sc.a, sc.set
		k, err := pickKey(sc.ks, req, a)
		if err != nil {
			return err
		}
		if (k.DisabledAt == nil) == enabled {
			out = k // nothing to do
			return nil
		}
		action := "key.enabled"
		if enabled {
			k.DisabledAt = nil
		} else {
			k.DisabledAt, action = &t.now, "key.disabled"
		}
		if err := t.UpdateKeyState(k); err != nil {
			return err
		}
		if err := t.audit(action, accountTarget(a), map[string]any{"key_id": k.ID, "hint": k.Hint}); err != nil {
			return err
		}
		ks, err := t.accountKeys(a, set)
		if err != nil {
			return err
		}
		out, err = pickKey(ks, api.KeyRequest{KeyID: k.ID}, a)
		return err
	})
	return out, err
}

// ShowKey reveals a key's secret (R-KEY-10); an audited event. Keys made
// while key_retrieval was off are hash-only and cannot be shown.
func (s *Service) ShowKey(ctx context.Context, req api.KeyRequest) (domain.Key, error) {
	var out domain.Key
	if req.DryRun {
		// A dry run would roll back the audit event but still hand out
		// the secret: a reveal nobody could see (R-AUD-1).
		return out, domain.Invalidf("revealing a key has no dry run")
	}
	// A write transaction: revealing appends an audit event.
	err := s.write(ctx, req.Mutation, func(t *txn) error {
		sc, err := t.keyScope(req.Ref, OpKeyReveal, false)
		if err != nil {
			return err
		}
		a, set := sc.a, sc.set
		if a.Status == domain.StatusArchived {
			return domain.Conflictf("service account %q is archived; its keys were deleted", a.Name)
		}
		k, err := pickKey(sc.ks, req, a)
		if err != nil {
			return err
		}
		sealed, err := t.SealedSecret(k.ID)
		if err != nil {
			return err
		}
		if sealed == nil {
			if !set.KeyRetrieval {
				return domain.Conflictf("key %s cannot be shown: key_retrieval is off for business %q, so keys are stored hash-only and shown once", k.ID, t.biz.Name).
					WithHint("rotate to get a new key: sactl sa keys rotate %s", a.APIName)
			}
			return domain.Conflictf("key %s cannot be shown: it was created while key_retrieval was off and is stored hash-only", k.ID).
				WithHint("rotate to get a new key: sactl sa keys rotate %s", a.APIName)
		}
		dk, err := t.dataKey(false)
		if err != nil {
			return err
		}
		plain, err := dk.Open(sealed, sealAAD(t.biz.ID, k.ID))
		if err != nil {
			return fmt.Errorf("key %s: the sealed secret does not open: %w", k.ID, err)
		}
		k.Secret = string(plain)
		out = k
		return t.audit("key.revealed", accountTarget(a), map[string]any{"key_id": k.ID, "hint": k.Hint})
	})
	return out, err
}

// Verify checks a credential (R-KEY-2, R-TOK-3): it never fails for a bad
// credential, it says why in the result. Malformed input is rejected before
// any database access.
//
// A principal asking needs introspection=view (R-PERM-10); a local operator
// and the server's own authentication need nothing. The credential is taken
// exactly as given: a token has one spelling (R-TOK-3), so whitespace around
// it is the caller's to strip.
//
// Answers come from the verification cache while nothing changed (P-3);
// the returned Verification may be shared with other callers and must not
// be changed.
func (s *Service) Verify(ctx context.Context, credential string) (domain.Verification, error) {
	if !s.anyBusiness && (s.actor.PrincipalID != "" || s.actor.As != "") {
		if err := s.allowIntrospection(ctx); err != nil {
			return domain.Verification{}, err
		}
	}
	verify := s.verifierOf(credential)
	if verify == nil {
		return domain.Verification{Reason: domain.ReasonMalformed, Permissions: domain.Permissions{}, Business: s.business}, nil
	}
	if !strings.HasPrefix(credential, keys.TokenPrefix) && !wellFormed(credential) {
		// A key or user token that fails its checksum never reaches the
		// database, the cache's version included. (A token's shape costs
		// more to check than a cache lookup: a malformed one is told so
		// on a miss, and not kept.)
		v, _, err := verify(ctx, credential)
		return v, err
	}
	return s.cachedVerify(ctx, credential, func() (domain.Verification, cacheHints, error) { return verify(ctx, credential) })
}

// wellFormed reports whether a key or user token parses (its checksum).
func wellFormed(credential string) bool {
	_, _, err := keys.Parse(credential)
	return err == nil
}

// verifierOf is the verification of a credential's kind, by its prefix;
// nil for none.
func (s *Service) verifierOf(credential string) func(ctx context.Context, credential string) (domain.Verification, cacheHints, error) {
	switch {
	case strings.HasPrefix(credential, keys.TokenPrefix):
		return s.verifyToken
	case strings.HasPrefix(credential, string(keys.KindAPIKey)+"_"):
		return s.verifyKey
	case strings.HasPrefix(credential, string(keys.KindUserToken)+"_"):
		return s.verifyUserToken
	}
	return nil
}

// allowIntrospection is R-PERM-10's check of a principal that asks to
// verify credentials. A server request carries its caller's verification,
// just made: it is checked against that, as allow would in a transaction.
func (s *Service) allowIntrospection(ctx context.Context) error {
	if v := s.actor.Verified; v != nil && v.Active && v.Principal != nil && v.Principal.ID == s.actor.PrincipalID {
		p := v.Principal
		t := &txn{s: s, now: s.clock(), cred: s.actor.Credential, perms: v.Permissions,
			principal: &domain.Account{ID: p.ID, Name: p.Name, APIName: p.APIName, AccountType: p.AccountType, Status: v.Status}}
		return t.allow(OpIntrospect)
	}
	return s.readNow(ctx, func(t *txn) error { return t.allow(OpIntrospect) })
}

func (s *Service) verifyKey(ctx context.Context, credential string) (domain.Verification, cacheHints, error) {
	v := domain.Verification{Permissions: domain.Permissions{}, Business: s.business}
	var h cacheHints
	kind, secret, err := keys.Parse(credential)
	if err != nil || kind != keys.KindAPIKey {
		v.Reason = domain.ReasonMalformed
		return v, h, nil
	}
	hash := secret.Hash()
	// P-2: one statement for all of it, in one read transaction.
	err = s.st.Read(ctx, func(tx store.Tx) error {
		kv, ok, err := tx.KeyToVerify(hash)
		if err != nil {
			return err
		}
		if !ok || !keys.Equal(kv.Hash, hash) {
			return s.explainDeleted(tx, &v, hash)
		}
		sk := kv.StoredKey
		v.Credential = &domain.VerifiedCredential{Type: domain.CredentialAPIKey, ID: sk.ID, ExpiresAt: sk.ExpiresAt, IssuedAt: &sk.CreatedAt}
		if !s.anyBusiness && kv.Business.Name != s.business {
			unknown(&v)
			return nil
		}
		now := s.clock()
		a := kv.Principal
		a.Status = deriveStatus(a, kv.GroupCount)
		fillPrincipalOf(&v, kv.Business.Name, a)
		if a.Status != domain.StatusActive {
			v.Reason = domain.ReasonAccountNotActive
			return nil
		}
		set, err := parseSettings(kv.Business.ID, kv.Settings)
		if err != nil {
			return err
		}
		if _, reason := domain.KeyState(sk.Key, now, set); reason != "" {
			v.Reason = reason
			return nil
		}
		v.Permissions = kv.Permissions
		v.Active = true
		// R-KEY-14 again at each cached use, by the same rule.
		h.still = func(now time.Time) bool { _, reason := domain.KeyState(sk.Key, now, set); return reason == "" }
		h.use = func(u *Usage, now time.Time) { u.noteKey(sk.ID, sk.PrincipalID, now) }
		h.lastUsed = sk.LastUsedAt
		// R-KEY-9: noted in memory, written later in a batch, at most
		// once a minute per key: verification itself never writes.
		if s.usage != nil && (sk.LastUsedAt == nil || now.Sub(*sk.LastUsedAt) >= lastUsedEvery) {
			s.usage.noteKey(sk.ID, sk.PrincipalID, now)
			h.lastUsed = &now
		}
		return nil
	})
	return v, h, err
}

func fillPrincipal(v *domain.Verification, t *txn, a domain.Account) {
	fillPrincipalOf(v, t.biz.Name, a)
}

func fillPrincipalOf(v *domain.Verification, business string, a domain.Account) {
	v.Business, v.Status = business, a.Status
	v.Principal = &domain.VerifiedPrincipal{ID: a.ID, Name: a.Name, APIName: a.APIName, AccountType: a.AccountType}
	if !a.AccountType.IsService() {
		v.Principal.Email = a.Email // a user's handle (R-SRV-8)
	}
}

// signingKeys opens the business's signing keys that may still verify: the
// current one and those retired less than a token lifetime ago (R-TOK-2).
func (t *txn) signingKeys() ([]keys.SigningKey, error) {
	rows, err := t.SigningKeys(t.biz.ID)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	dk, err := t.dataKey(false)
	if err != nil {
		return nil, err
	}
	var out []keys.SigningKey
	for _, r := range rows {
		if r.RetiredAt != nil && t.now.Sub(*r.RetiredAt) > keys.MaxTokenTTL {
			continue
		}
		plain, err := dk.Open(r.Sealed, sealAAD(t.biz.ID, r.ID))
		if err != nil || len(plain) != 32 {
			return nil, fmt.Errorf("signing key %s does not open", r.ID)
		}
		sk := keys.SigningKey{ID: r.ID}
		copy(sk.Secret[:], plain)
		out = append(out, sk)
	}
	return out, nil
}

func (s *Service) verifyToken(ctx context.Context, credential string) (domain.Verification, cacheHints, error) {
	v := domain.Verification{Permissions: domain.Permissions{}, Business: s.business,
		Credential: &domain.VerifiedCredential{Type: domain.CredentialSignedToken}}
	var h cacheHints
	unverified, err := keys.ParseTokenUnverified(credential)
	if err != nil {
		v.Reason, h.noCache = domain.ReasonMalformed, true
		return v, h, nil
	}
	// R-TOK-3: stateless, a read only.
	err = s.st.Read(ctx, func(tx store.Tx) error {
		t, err := s.verifyTxn(tx, unverified.Business, &v)
		if err != nil || t == nil {
			return err
		}
		sks, err := t.signingKeys()
		if err != nil {
			return err
		}
		claims, err := keys.VerifyToken(credential, func(kid string) (keys.SigningKey, bool) {
			for _, k := range sks {
				if k.ID == kid {
					return k, true
				}
			}
			return keys.SigningKey{}, false
		}, t.biz.ID, t.now)
		switch {
		case errors.Is(err, keys.ErrExpired):
			v.Reason = domain.ReasonExpired
		case errors.Is(err, keys.ErrForeignBusiness):
			unknown(&v)
		case errors.Is(err, keys.ErrMalformed):
			// Possibly issued "in the future" by a clock ahead: it may
			// verify later, so this answer is not kept.
			v.Reason, h.noCache = domain.ReasonMalformed, true
		case err != nil:
			v.Reason = domain.ReasonBadSignature
		}
		if err != nil {
			return nil
		}
		exp, iat := time.Unix(claims.Expiry, 0).UTC(), time.Unix(claims.IssuedAt, 0).UTC()
		v.Credential = &domain.VerifiedCredential{Type: domain.CredentialSignedToken, ID: claims.ID, ExpiresAt: &exp,
			Execution: claims.Execution, IssuedAt: &iat}
		a, ok, err := t.PrincipalByID(t.biz.ID, claims.Account)
		if err != nil {
			return err
		}
		// A minted token is the automation account's (R-TOK-1); one
		// exchanged for an API key is of that key's account (R-SRV-10).
		if !ok || a.IsAutomation() != (claims.ClientKey == "") || !a.AccountType.IsService() {
			v.Reason = domain.ReasonUnknown
			return nil
		}
		var scope domain.Permissions
		if claims.Scope != "" {
			if scope, err = domain.ParseScope(claims.Scope); err != nil || scope == nil {
				v.Reason = domain.ReasonMalformed // signed by us, so never
				return nil
			}
			v.Credential.Scope = scope
		}
		fillPrincipal(&v, t, a)
		// R-TOK-4: a revoked token fails from its revocation on. One indexed
		// read in this read transaction: it sees a revocation made by any
		// process sharing the database, and writes nothing (R-TOK-3). A
		// token minted before tokens were recorded has no record.
		revoked, err := t.MintedTokenRevoked(t.biz.ID, claims.ID)
		if err != nil {
			return err
		}
		if revoked {
			v.Reason = domain.ReasonRevoked
			return nil
		}
		if a.Status != domain.StatusActive {
			v.Reason = domain.ReasonAccountNotActive
			return nil
		}
		// R-SRV-10: a token exchanged for an API key fails as soon as the
		// key does (deleted, disabled, expired, or out of policy).
		var key *clientKeyState
		if claims.ClientKey != "" {
			k, reason, err := t.clientKey(a, claims.ClientKey)
			if err != nil {
				return err
			}
			if reason != "" {
				v.Reason = reason
				return nil
			}
			key = &k
		}
		perms, err := t.EffectivePermissions(a.ID)
		if err != nil {
			return err
		}
		v.Permissions = perms.Narrow(scope)
		v.Active = true
		// The same token, so the same signature: only its expiry (and its
		// key's state, by the rule that judged it) is judged again at each
		// cached use (R-TOK-3).
		h.still = func(now time.Time) bool { return keys.TokenLive(claims.Expiry, now) && key.live(now) }
		return nil
	})
	return v, h, err
}

// MintToken mints a short-lived signed token for the business's automation
// account (R-TOK-1); the first mint creates the signing key.
func (s *Service) MintToken(ctx context.Context, req api.MintTokenRequest) (domain.MintedToken, error) {
	var out domain.MintedToken
	err := s.write(ctx, api.Mutation{}, func(t *txn) error {
		if err := t.allow(OpTokenMint); err != nil {
			return err
		}
		auto, err := t.automation()
		if err != nil {
			return err
		}
		if err := t.allowOn(OpTokenMint, auto); err != nil {
			return err
		}
		ttl := req.TTL
		if ttl == 0 {
			ttl = 15 * time.Minute
		}
		if ttl < time.Second || ttl > keys.MaxTokenTTL {
			return domain.Invalidf("token ttl %s is out of range: use 1s to 1h", domain.FormatDuration(ttl))
		}
		if len(req.Execution) > 128 || strings.ContainsFunc(req.Execution, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return domain.Invalidf("execution id must be at most 128 printable characters")
		}
		out, err = t.mintToken(auto, ttl, keys.TokenClaims{Execution: req.Execution}, nil)
		return err
	})
	return out, err
}

// mintToken mints a signed token of owner living ttl, with the claims
// given in c besides its business, account, times and id (R-TOK-1), and
// records it with its audit event in this transaction (R-TOK-4). The
// first token of a business creates its signing key. details are added to
// the audit event's.
func (t *txn) mintToken(owner domain.Account, ttl time.Duration, c keys.TokenClaims, details map[string]any) (domain.MintedToken, error) {
	sks, err := t.signingKeys()
	if err != nil {
		return domain.MintedToken{}, err
	}
	var sk keys.SigningKey
	if len(sks) == 0 {
		if sk, err = t.newSigningKey(); err != nil {
			return domain.MintedToken{}, err
		}
	} else {
		sk = sks[0]
	}
	now := t.now.Truncate(time.Second)
	c.Business, c.Account, c.IssuedAt, c.Expiry = t.biz.ID, owner.ID, now.Unix(), now.Add(ttl).Unix()
	c.ID = domain.NewID("tok", t.now)
	tok, err := keys.MintToken(sk, c)
	if err != nil {
		return domain.MintedToken{}, err
	}
	out := domain.MintedToken{ID: c.ID, Token: tok, Account: owner.APIName, Business: t.biz.Name,
		IssuedAt: now, ExpiresAt: now.Add(ttl)}
	if c.Execution != "" {
		out.Execution = &c.Execution
	}
	// R-TOK-4: recorded by id, with its audit event, in this transaction.
	if err := t.recordToken(owner, c, sk.ID); err != nil {
		return domain.MintedToken{}, err
	}
	ev := map[string]any{"token_id": c.ID, "execution": c.Execution, "expires_at": out.ExpiresAt, "signing_key": sk.ID}
	for k, v := range details {
		ev[k] = v
	}
	return out, t.audit("token.minted", accountTarget(owner), ev)
}

// automation is the business's automation account (R-SA-4).
func (t *txn) automation() (domain.Account, error) {
	auto, ok, err := t.Automation(t.biz.ID)
	if err == nil && !ok {
		err = fmt.Errorf("business %q has no automation account", t.biz.Name)
	}
	return auto, err
}

func (t *txn) newSigningKey() (keys.SigningKey, error) {
	sk, err := keys.NewSigningKey()
	if err != nil {
		return sk, err
	}
	dk, err := t.dataKey(true)
	if err != nil {
		return sk, err
	}
	sealed, err := dk.Seal(sk.Secret[:], sealAAD(t.biz.ID, sk.ID))
	if err != nil {
		return sk, err
	}
	return sk, t.InsertSigningKey(t.biz.ID, store.SigningKeyRow{ID: sk.ID, Sealed: sealed, CreatedAt: t.now})
}

// RotateSigningKey replaces the token signing key; tokens signed by the old
// one keep verifying until they expire (R-TOK-2).
func (s *Service) RotateSigningKey(ctx context.Context, m api.Mutation) (string, error) {
	var id string
	err := s.write(ctx, m, func(t *txn) error {
		if err := t.allow(OpSigningKeyRotate); err != nil {
			return err
		}
		auto, err := t.automation()
		if err != nil {
			return err
		}
		if err := t.allowOn(OpSigningKeyRotate, auto); err != nil {
			return err
		}
		sk, err := t.newSigningKey()
		if err != nil {
			return err
		}
		id = sk.ID
		return t.audit("signing_key.rotated", domain.AuditTarget{Type: "business", ID: t.biz.ID, Name: t.biz.Name},
			map[string]any{"signing_key": sk.ID})
	})
	return id, err
}

// verifyTxn opens the verification of a credential belonging to a
// business: nil (with the reason set) when it is another business than the
// one asked about.
func (s *Service) verifyTxn(tx store.Tx, businessID string, v *domain.Verification) (*txn, error) {
	biz, ok, err := tx.BusinessByID(businessID)
	if err != nil {
		return nil, err
	}
	if !ok || (!s.anyBusiness && biz.Name != s.business) {
		unknown(v)
		return nil, nil
	}
	v.Business = biz.Name
	return &txn{Tx: tx, s: s, now: s.clock(), biz: biz}, nil
}

// unknown answers about a credential of another business as if it did not
// exist (R-PERM-10): the caller learns neither its id nor its owner, so a
// tenant cannot probe another's credentials.
func unknown(v *domain.Verification) {
	typ := ""
	if v.Credential != nil && v.Credential.Type == domain.CredentialSignedToken {
		typ = domain.CredentialSignedToken // as any unknown token reads
	}
	*v = domain.Verification{Reason: domain.ReasonUnknown, Permissions: domain.Permissions{}, Business: v.Business}
	if typ != "" {
		v.Credential = &domain.VerifiedCredential{Type: typ}
	}
}

// explainDeleted says why a key that is not stored fails: it never existed,
// it was deleted, or its account was archived (R-SA-8).
func (s *Service) explainDeleted(tx store.Tx, v *domain.Verification, hash [32]byte) error {
	v.Reason = domain.ReasonUnknown
	d, ok, err := tx.DeletedKeyByHash(hash)
	if err != nil || !ok {
		return err
	}
	v.Credential = &domain.VerifiedCredential{Type: domain.CredentialAPIKey, ID: d.KeyID}
	t, err := s.verifyTxn(tx, d.BusinessID, v)
	if err != nil || t == nil {
		return err
	}
	a, ok, err := t.PrincipalByID(t.biz.ID, d.PrincipalID)
	if err != nil || !ok {
		return err
	}
	fillPrincipal(v, t, a)
	v.Reason = domain.ReasonRevoked
	if a.Status == domain.StatusArchived {
		v.Reason = domain.ReasonAccountNotActive
	}
	return nil
}
