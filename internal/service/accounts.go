package service

import (
	"context"
	"fmt"
	"strconv"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
)

// CreateAccount creates an integration service account (R-SA-1..3, R-SA-10).
func (s *Service) CreateAccount(ctx context.Context, req api.CreateAccountRequest) (api.CreatedAccount, error) {
	var out api.CreatedAccount
	err := s.write(ctx, req.Mutation, func(t *txn) error {
		if err := t.allow(OpAccountCreate); err != nil {
			return err
		}
		a, groups, set, err := t.newAccount(domain.TypeIntegration, req.Name, req.Description, req.Icon, req.APIName, req.Groups)
		if err != nil {
			return err
		}
		if err := t.audit("service_account.created", accountTarget(a), map[string]any{
			"api_name": a.APIName, "groups": groupNames(groups),
		}); err != nil {
			return err
		}
		// R-KEY-3: the first key comes with the account; its secret is in this result only.
		key, err := t.issueKey(a, "", 0, set)
		if err != nil {
			return err
		}
		out.Key = &key
		out.Account, err = t.reloadAccount(a.ID)
		return err
	})
	return out, err
}

// newAccount validates and inserts a service account of typ in its
// groups: the part of creating one that integration and API-key accounts
// share (R-SA-1..3, R-SA-10, R-PERM-8). It answers the business settings
// for the key that comes next.
func (t *txn) newAccount(typ domain.AccountType, rawName, rawDesc, rawIcon, rawAPIName string, groupRefs []string) (domain.Account, []domain.Group, domain.Settings, error) {
	var a domain.Account
	var set domain.Settings
	name, err := domain.NormalizeName("name", rawName)
	if err != nil {
		return a, nil, set, err
	}
	desc, err := domain.NormalizeDescription(rawDesc)
	if err != nil {
		return a, nil, set, err
	}
	icon, err := domain.NormalizeIcon(rawIcon)
	if err != nil {
		return a, nil, set, err
	}
	if err := t.accountNameFree(name); err != nil {
		return a, nil, set, err
	}
	apiName, err := t.chooseAPIName(rawAPIName, name)
	if err != nil {
		return a, nil, set, err
	}
	groups, err := t.resolveGroups(groupRefs)
	if err != nil {
		return a, nil, set, err
	}
	if err := t.allowGrant(groupPerms(groups)); err != nil {
		return a, nil, set, err
	}
	// R-SA-10: the cap counts non-archived integration accounts.
	if set, err = t.settings(); err != nil {
		return a, nil, set, err
	}
	if typ == domain.TypeIntegration && set.MaxServiceAccounts > 0 {
		n, err := t.CountPrincipals(t.biz.ID, domain.TypeIntegration)
		if err != nil {
			return a, nil, set, err
		}
		if n >= set.MaxServiceAccounts {
			return a, nil, set, domain.Conflictf("business %q holds %d of %d service accounts; archive one (sactl sa archive ACCOUNT) or raise max_service_accounts",
				t.biz.Name, n, set.MaxServiceAccounts)
		}
	}
	id := domain.NewID("sa", t.now)
	a = domain.Account{
		ID: id, Business: t.biz.Name, Name: name, APIName: apiName,
		Email:       serviceEmail(apiName, id, t.biz.Domain),
		AccountType: typ, Description: desc, Icon: icon,
		CreatedAt: t.now, UpdatedAt: t.now, CreatedBy: t.actor.ID,
	}
	if err := t.InsertPrincipal(t.biz.ID, a); err != nil {
		return a, nil, set, wrapUnique(err, "a service account named %q or with api name %q already exists", name, apiName)
	}
	return a, groups, set, t.SetMembership(a.ID, groupIDs(groups))
}

// serviceEmail is R-SA-3's generated address; it is never used to sign in.
func serviceEmail(apiName, id, businessDomain string) string {
	return fmt.Sprintf("%s+%s@serviceaccounts.%s", apiName, domain.ShortID(id), businessDomain)
}

// chooseAPIName validates a given api_name, or derives a free one from the
// name (R-SA-2). Archived accounts keep their api_name, so a derived name
// gets a numeric suffix rather than reuse one that appears in the audit log.
func (t *txn) chooseAPIName(given, name string) (string, error) {
	if given != "" {
		if err := domain.ValidateAPIName(given); err != nil {
			return "", err
		}
		taken, err := t.APINameTaken(t.biz.ID, given)
		if err != nil {
			return "", err
		}
		if taken {
			return "", domain.Conflictf("api name %q is already used in business %q", given, t.biz.Name)
		}
		return given, nil
	}
	base := domain.Slugify(name)
	for i := 1; i < 1000; i++ {
		cand := base
		if i > 1 {
			suffix := "-" + strconv.Itoa(i)
			cand = base[:min(len(base), domain.MaxAPINameLen-len(suffix))] + suffix
		}
		taken, err := t.APINameTaken(t.biz.ID, cand)
		if err != nil {
			return "", err
		}
		if !taken {
			return cand, nil
		}
	}
	return "", domain.Conflictf("no free api name derived from %q; give one with --api-name", name)
}

// accountNameFree fails when a live service account has this name, in any
// case (R-SA-1).
func (t *txn) accountNameFree(name string) error {
	other, ok, err := t.LiveServiceAccountByName(t.biz.ID, domain.NameKey(name))
	if err == nil && ok {
		err = domain.Conflictf("a service account named %q already exists (%s)", other.Name, other.APIName)
	}
	return err
}

func groupIDs(gs []domain.Group) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = g.ID
	}
	return out
}

func (t *txn) reloadAccount(id string) (domain.Account, error) {
	a, ok, err := t.PrincipalByID(t.biz.ID, id)
	if err == nil && !ok {
		err = fmt.Errorf("account %s vanished inside its own transaction", id)
	}
	return a, err
}

// ListAccounts lists service accounts (R-SA-5 status filter).
func (s *Service) ListAccounts(ctx context.Context, req api.ListAccountsRequest) (api.Page[domain.Account], error) {
	var out api.Page[domain.Account]
	err := s.read(ctx, func(t *txn) error {
		var admin domain.Account
		if req.Admin != "" {
			u, err := t.resolveUser(req.Admin)
			if err != nil {
				if aerr := t.allow(OpAccountRead); aerr != nil {
					return aerr // who is a user is not for a caller without view to learn
				}
				return err
			}
			admin = u
		}
		// R-SA-12: a user may list the accounts it administers itself
		// without service_accounts=view; anyone else's need it.
		self := t.principal != nil && admin.ID == t.principal.ID
		if !self {
			if err := t.allow(OpAccountRead); err != nil {
				return err
			}
		}
		page, err := storePage(req.PageRequest)
		if err != nil {
			return err
		}
		f := store.PrincipalFilter{IncludeArchived: req.Archived, AdminID: admin.ID, Type: req.Type, Page: page}
		if req.Status != "" {
			st, err := domain.ParseStatus(string(req.Status))
			if err != nil {
				return err
			}
			statusFilter(&f, st)
		}
		if req.Group != "" {
			g, err := t.group(req.Group)
			if err != nil {
				return err
			}
			f.GroupID = g.ID
		}
		items, next, err := t.ListPrincipals(t.biz.ID, f)
		out = api.NewPage(items, next)
		return err
	})
	return out, err
}

// GetAccount finds one service account (R-CLI-5).
func (s *Service) GetAccount(ctx context.Context, ref string) (domain.Account, error) {
	var out domain.Account
	err := s.read(ctx, func(t *txn) (err error) {
		if err := t.allow(OpAccountRead); err != nil {
			return err
		}
		out, err = t.resolveServiceAccount(ref)
		return err
	})
	return out, err
}

// editable checks that an account may be edited: not the automation account
// (R-SA-4), not archived (R-SA-8), not suspended (R-SA-7).
func editable(a domain.Account, what string) error {
	switch {
	case a.IsAutomation():
		return domain.Protectedf("the automation account %q is protected: it cannot %s", a.Name, what)
	case a.Status == domain.StatusArchived:
		return domain.Conflictf("service account %q is archived; archived accounts cannot be changed", a.Name)
	case a.Status == domain.StatusSuspended:
		return domain.Conflictf("service account %q is suspended; resume it first (sactl sa resume %s)", a.Name, a.APIName)
	}
	return nil
}

// UpdateAccount renames or re-describes an account (R-SA-1, R-SA-2).
func (s *Service) UpdateAccount(ctx context.Context, req api.UpdateAccountRequest) (domain.Account, error) {
	return written(s, ctx, req.Mutation, func(t *txn) (domain.Account, error) { return t.updateAccount(req) })
}

func (t *txn) updateAccount(req api.UpdateAccountRequest) (out domain.Account, err error) {
	err = func() error {
		if err := t.allow(OpAccountUpdate); err != nil {
			return err
		}
		if req.Name == nil && req.APIName == nil && req.Description == nil && req.Icon == nil {
			return domain.Invalidf("nothing to update: give --name, --api-name, --description or --icon")
		}
		a, err := t.resolveServiceAccount(req.Ref)
		if err != nil {
			return err
		}
		if err := editable(a, "be changed"); err != nil {
			return err
		}
		changes := map[string]any{}
		change := func(field string, cur *string, next string) {
			if *cur != next {
				changes[field] = map[string]string{"from": *cur, "to": next}
				*cur = next
			}
		}
		if req.Name != nil {
			name, err := domain.NormalizeName("name", *req.Name)
			if err != nil {
				return err
			}
			if domain.NameKey(name) != domain.NameKey(a.Name) {
				if err := t.accountNameFree(name); err != nil {
					return err
				}
			}
			change("name", &a.Name, name)
		}
		if req.APIName != nil && *req.APIName != a.APIName {
			// R-SA-2: api_name is changeable for integration accounts only.
			if a.AccountType != domain.TypeIntegration {
				return domain.Protectedf("the api name of %s account %q cannot be changed", a.AccountType, a.Name)
			}
			apiName, err := t.chooseAPIName(*req.APIName, a.Name)
			if err != nil {
				return err
			}
			change("api_name", &a.APIName, apiName)
			a.Email = serviceEmail(apiName, a.ID, t.biz.Domain)
		}
		if req.Description != nil {
			d, err := domain.NormalizeDescription(*req.Description)
			if err != nil {
				return err
			}
			change("description", &a.Description, d)
		}
		if req.Icon != nil {
			i, err := domain.NormalizeIcon(*req.Icon)
			if err != nil {
				return err
			}
			change("icon", &a.Icon, i)
		}
		if len(changes) == 0 {
			out = a
			return nil
		}
		a.UpdatedAt = t.now
		if err := t.UpdatePrincipal(a); err != nil {
			return wrapUnique(err, "a service account named %q or with api name %q already exists", a.Name, a.APIName)
		}
		if err := t.audit("service_account.updated", accountTarget(a), map[string]any{"changes": changes}); err != nil {
			return err
		}
		out, err = t.reloadAccount(a.ID)
		return err
	}()
	return out, err
}

// SuspendAccount suspends an account: its keys are kept but rejected (R-SA-7).
// It lists what depends on the account and needs confirmation.
func (s *Service) SuspendAccount(ctx context.Context, ref string, m api.Mutation) (domain.Account, error) {
	return written(s, ctx, m, func(t *txn) (domain.Account, error) { return t.suspend(ref) })
}

func (t *txn) suspend(ref string) (out domain.Account, err error) {
	err = func() error {
		if err := t.allow(OpAccountSuspend); err != nil {
			return err
		}
		a, err := t.resolveServiceAccount(ref)
		if err != nil {
			return err
		}
		if a.Status == domain.StatusSuspended {
			out = a // already suspended: nothing to do
			return nil
		}
		if err := editable(a, "be suspended"); err != nil {
			return err
		}
		deps, depIDs, err := t.dependents(a)
		if err != nil {
			return err
		}
		if err := t.confirm(domain.Confirmation{
			Action:        fmt.Sprintf("suspend service account %q", a.Name),
			Consequences:  append(deps, "the account cannot be edited until it is resumed"),
			TypeToConfirm: "y",
			Targets:       append([]string{a.ID}, depIDs...),
		}); err != nil {
			return err
		}
		a.SuspendedAt, a.UpdatedAt = &t.now, t.now
		if err := t.UpdatePrincipal(a); err != nil {
			return err
		}
		if err := t.audit("service_account.suspended", accountTarget(a), nil); err != nil {
			return err
		}
		out, err = t.reloadAccount(a.ID)
		return err
	}()
	return out, err
}

// dependents says what stops working when an account stops authenticating:
// its keys that authenticate now, judged as verification judges them, in
// words and by id.
func (t *txn) dependents(a domain.Account) ([]string, []string, error) {
	set, err := t.settings()
	if err != nil {
		return nil, nil, err
	}
	keys, err := t.accountKeys(a, set)
	if err != nil {
		return nil, nil, err
	}
	var out, ids []string
	for _, k := range keys {
		if k.Status == domain.KeyActive {
			out = append(out, fmt.Sprintf("active key %s (%s, %s) will be rejected", k.ID, k.Hint, usage(k)))
			ids = append(ids, k.ID)
		}
	}
	if len(out) == 0 {
		out = append(out, "the account has no active keys")
	}
	return out, ids, nil
}

// ResumeAccount lifts a suspension (R-SA-7).
func (s *Service) ResumeAccount(ctx context.Context, ref string, m api.Mutation) (domain.Account, error) {
	return written(s, ctx, m, func(t *txn) (domain.Account, error) { return t.resume(ref) })
}

func (t *txn) resume(ref string) (out domain.Account, err error) {
	err = func() error {
		if err := t.allow(OpAccountResume); err != nil {
			return err
		}
		a, err := t.resolveServiceAccount(ref)
		if err != nil {
			return err
		}
		if err := t.allowOn(OpAccountResume, a); err != nil {
			return err
		}
		if a.Status == domain.StatusArchived {
			return domain.Conflictf("service account %q is archived; archived accounts cannot be changed", a.Name)
		}
		if a.SuspendedAt == nil {
			out = a // not suspended: nothing to do
			return nil
		}
		a.SuspendedAt, a.UpdatedAt = nil, t.now
		if err := t.UpdatePrincipal(a); err != nil {
			return err
		}
		if err := t.audit("service_account.resumed", accountTarget(a), nil); err != nil {
			return err
		}
		out, err = t.reloadAccount(a.ID)
		return err
	}()
	return out, err
}

// ArchiveAccount deletes every key of an account and archives it, for good (R-SA-8).
func (s *Service) ArchiveAccount(ctx context.Context, ref string, m api.Mutation) (domain.Account, error) {
	return written(s, ctx, m, func(t *txn) (domain.Account, error) { return t.archiveAccount(ref) })
}

func (t *txn) archiveAccount(ref string) (out domain.Account, err error) {
	err = func() error {
		if err := t.allow(OpAccountArchive); err != nil {
			return err
		}
		a, err := t.resolveServiceAccount(ref)
		if err != nil {
			return err
		}
		if a.IsAutomation() {
			return domain.Protectedf("the automation account %q is protected: it cannot be archived", a.Name)
		}
		if a.Status == domain.StatusArchived {
			out = a // already archived: nothing to do
			return nil
		}
		if err := t.archive(a, fmt.Sprintf("archive service account %q", a.Name), "service_account.archived"); err != nil {
			return err
		}
		out, err = t.reloadAccount(a.ID)
		return err
	}()
	return out, err
}

// archive is R-SA-8 once allowed and confirmed by the caller's plan:
// every key deleted, the account archived, its admins dropped, and one
// audit event named action.
func (t *txn) archive(a domain.Account, what, action string) error {
	consequences := []string{fmt.Sprintf("%d keys will be deleted permanently; anything using them fails at once", a.KeyCount)}
	if a.KeyCount == 1 {
		consequences[0] = "its key will be deleted permanently; anything using it fails at once"
	}
	doomed, err := t.KeysOf(a.ID)
	if err != nil {
		return err
	}
	if err := t.confirm(domain.Confirmation{
		Action:        what,
		Consequences:  append(consequences, "archiving cannot be undone"),
		TypeToConfirm: a.APIName,
		Targets:       append([]string{a.ID}, keyIDs(doomed)...),
	}); err != nil {
		return err
	}
	n, err := t.DeleteKeysOf(a.ID, t.now)
	if err != nil {
		return err
	}
	a.ArchivedAt, a.UpdatedAt = &t.now, t.now
	if err := t.UpdatePrincipal(a); err != nil {
		return err
	}
	if err := t.DropAdminRows(a.ID); err != nil { // R-SA-12: nothing left to manage
		return err
	}
	return t.audit(action, accountTarget(a), map[string]any{"deleted_keys": n})
}

// ChangeAccountGroups sets, adds, removes or clears a service account's
// groups (R-SA-6). Leaving it with none disables it and needs confirmation.
func (s *Service) ChangeAccountGroups(ctx context.Context, req api.ChangeGroupsRequest) (domain.Account, error) {
	return written(s, ctx, req.Mutation, func(t *txn) (domain.Account, error) { return t.changeAccountGroups(req) })
}

func (t *txn) changeAccountGroups(req api.ChangeGroupsRequest) (out domain.Account, err error) {
	err = func() error {
		if err := t.allow(OpAccountGroups); err != nil {
			return err
		}
		a, err := t.resolveServiceAccount(req.Ref)
		if err != nil {
			return err
		}
		if err := editable(a, "have its groups changed"); err != nil {
			return err
		}
		// R-SA-11: an API-key account's groups are fixed at creation.
		if a.AccountType == domain.TypeAPIKey {
			return domain.Protectedf("the groups of API-key account %q cannot be changed; create a new key and revoke the old one", a.Name)
		}
		out, err = t.changeGroups(a, req)
		return err
	}()
	return out, err
}

// changeGroups applies a group operation to any principal.
func (t *txn) changeGroups(a domain.Account, req api.ChangeGroupsRequest) (domain.Account, error) {
	gs, err := t.resolveGroups(req.Groups)
	if err != nil {
		return a, err
	}
	held, err := t.GroupsOf(a.ID)
	if err != nil {
		return a, err
	}
	current := map[string]bool{}
	for _, g := range held {
		current[g.ID] = true
	}
	next := map[string]bool{}
	switch req.Op {
	case api.GroupsSet:
	case api.GroupsClear:
		if len(req.Groups) > 0 {
			return a, domain.Invalidf("clear takes no groups; use remove to take away some")
		}
	case api.GroupsAdd, api.GroupsRemove:
		if len(req.Groups) == 0 {
			return a, domain.Invalidf("name at least one group to %s", req.Op)
		}
		for id := range current {
			next[id] = true
		}
	default:
		return a, domain.Invalidf("unknown group operation %s", domain.Quote(string(req.Op)))
	}
	for _, g := range gs {
		if req.Op == api.GroupsRemove {
			delete(next, g.ID)
		} else {
			next[g.ID] = true
		}
	}
	var added, removed []domain.Group
	for _, g := range gs {
		if next[g.ID] && !current[g.ID] {
			added = append(added, g)
		}
	}
	for _, g := range held {
		if !next[g.ID] {
			removed = append(removed, g)
		}
	}
	if len(added) == 0 && len(removed) == 0 {
		return a, nil
	}
	if err := t.allowGrant(groupPerms(added)); err != nil {
		return a, err
	}
	if t.principal == nil || t.principal.ID != a.ID { // one may give up one's own groups
		for _, g := range removed {
			if err := t.allowTakeAway(fmt.Sprintf("take group %q away from %q", g.Name, a.Name), g.Permissions); err != nil {
				return a, err
			}
		}
	}
	if len(next) == 0 && a.AccountType.IsService() {
		// R-SA-6: removing the last group disables the account.
		targets := []string{a.ID}
		for _, g := range removed {
			targets = append(targets, g.ID)
		}
		if err := t.confirm(domain.Confirmation{
			Action: fmt.Sprintf("remove every permission group from service account %q", a.Name),
			Consequences: []string{
				"the account becomes disabled: integrations using its keys stop working",
				"assigning a group again makes it active again",
			},
			TypeToConfirm: "y",
			Targets:       targets,
		}); err != nil {
			return a, err
		}
	}
	ids := make([]string, 0, len(next))
	for id := range next {
		ids = append(ids, id)
	}
	if err := t.SetMembership(a.ID, ids); err != nil {
		return a, err
	}
	for _, g := range added {
		if err := t.audit("group.assigned", accountTarget(a), map[string]any{"group": g.Name}); err != nil {
			return a, err
		}
	}
	for _, g := range removed {
		if err := t.audit("group.unassigned", accountTarget(a), map[string]any{"group": g.Name}); err != nil {
			return a, err
		}
	}
	return t.reloadAccount(a.ID)
}
