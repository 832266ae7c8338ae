package service

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
)

// Configuration export and import (R-CFG-1, R-PERM-5; seeds 000/001: "a
// service account can export business config but cannot import it").
//
// An import is the operations an operator would run by hand (settings
// set, groups create/update/delete, sa create/update/groups/suspend/
// resume/archive, sa admins add/remove), run through the same txn methods
// in one transaction, so each is authorized as it would be alone
// (R-PERM-4, R-PERM-8) and nothing is kept unless all of it succeeds. It
// never issues or revokes a key.

// ExportConfig writes the business's configuration: every setting, the
// groups that are not built in, the integration accounts that are not
// archived (domain.Config says what is left out and why).
func (s *Service) ExportConfig(ctx context.Context) (domain.Config, error) {
	var out domain.Config
	err := s.read(ctx, func(t *txn) error {
		if err := t.allow(OpConfigExport); err != nil {
			return err
		}
		c, err := t.currentConfig()
		out = c.doc
		return err
	})
	return out, err
}

// current is the business as an import compares it with its document.
type current struct {
	doc      domain.Config
	groups   map[string]domain.Group   // by name key, built-ins included
	accounts map[string]domain.Account // integration accounts by api_name, archived ones too
}

func (t *txn) currentConfig() (current, error) {
	c := current{doc: domain.Config{Version: domain.ConfigVersion, Settings: map[string]string{},
		Groups: []domain.ConfigGroup{}, Accounts: []domain.ConfigAccount{}},
		groups: map[string]domain.Group{}, accounts: map[string]domain.Account{}}
	set, err := t.settings()
	if err != nil {
		return c, err
	}
	for _, d := range domain.SettingDefs() {
		c.doc.Settings[d.Name] = d.Get(set)
	}
	groups, _, err := t.ListGroups(t.biz.ID, store.Page{})
	if err != nil {
		return c, err
	}
	for _, g := range groups {
		c.groups[domain.NameKey(g.Name)] = g
		if g.Builtin || g.Protected {
			continue
		}
		c.doc.Groups = append(c.doc.Groups, configGroup(g))
	}
	sort.Slice(c.doc.Groups, func(i, j int) bool { return c.doc.Groups[i].Name < c.doc.Groups[j].Name })
	accts, _, err := t.ListPrincipals(t.biz.ID, store.PrincipalFilter{Type: domain.TypeIntegration, IncludeArchived: true})
	if err != nil {
		return c, err
	}
	for _, a := range accts {
		c.accounts[a.APIName] = a
		if a.Status != domain.StatusArchived {
			c.doc.Accounts = append(c.doc.Accounts, configAccount(a))
		}
	}
	sort.Slice(c.doc.Accounts, func(i, j int) bool { return c.doc.Accounts[i].APIName < c.doc.Accounts[j].APIName })
	return c, nil
}

func configGroup(g domain.Group) domain.ConfigGroup {
	p := map[string]string{}
	for k, l := range g.Permissions {
		p[k] = l.String()
	}
	return domain.ConfigGroup{Name: g.Name, Description: g.Description, Permissions: p}
}

func configAccount(a domain.Account) domain.ConfigAccount {
	return domain.ConfigAccount{APIName: a.APIName, Name: a.Name, Description: a.Description, Icon: a.Icon,
		Type: a.AccountType, Status: a.Status, Groups: slices.Clone(a.Groups), Admins: slices.Clone(a.Admins)}
}

// ImportConfig applies a configuration document: it compares it with the
// business, asks once for the destructive part of the plan (R-CLI-2), and
// applies it in this one transaction. Importing what is already there
// changes nothing and writes no audit event.
func (s *Service) ImportConfig(ctx context.Context, req api.ImportConfigRequest) (domain.ImportPlan, error) {
	return written(s, ctx, req.Mutation, func(t *txn) (domain.ImportPlan, error) { return t.importConfig(req) })
}

// wantGroup and wantAccount are a document's groups and accounts,
// checked and normalized.
type wantGroup struct {
	name, desc string
	perms      domain.Permissions
}

type wantAccount struct {
	domain.ConfigAccount
	suspended bool
}

// checkDoc validates a document whole before anything is compared, so
// a bad line anywhere fails the import before it does anything.
func checkDoc(doc domain.Config) ([]wantGroup, []wantAccount, error) {
	if err := doc.CheckVersion(); err != nil {
		return nil, nil, err
	}
	for k, v := range doc.Settings {
		d, err := domain.LookupSetting(k)
		if err != nil {
			return nil, nil, err
		}
		probe := domain.DefaultSettings()
		if err := d.Set(&probe, v); err != nil {
			return nil, nil, err
		}
	}
	var groups []wantGroup
	seen := map[string]bool{}
	for i, g := range doc.Groups {
		name, err := domain.NormalizeName("group name", g.Name)
		if err != nil {
			return nil, nil, domain.Within(err, "groups[%d]", i)
		}
		if seen[domain.NameKey(name)] {
			return nil, nil, domain.Invalidf("group %q is in the configuration twice", name)
		}
		seen[domain.NameKey(name)] = true
		desc, err := domain.NormalizeDescription(g.Description)
		if err != nil {
			return nil, nil, domain.Within(err, "group %q", name)
		}
		perms := domain.Permissions{}
		for k, v := range g.Permissions {
			l, err := domain.ParseLevel(v)
			if err != nil {
				return nil, nil, domain.Within(err, "group %q", name)
			}
			perms[k] = l
		}
		if err := validatePermissions(perms); err != nil {
			return nil, nil, domain.Within(err, "group %q", name)
		}
		groups = append(groups, wantGroup{name: name, desc: desc, perms: perms})
	}
	var accts []wantAccount
	seenAPI := map[string]bool{}
	for i, a := range doc.Accounts {
		if err := domain.ValidateAPIName(a.APIName); err != nil {
			return nil, nil, domain.Within(err, "accounts[%d]", i)
		}
		if seenAPI[a.APIName] {
			return nil, nil, domain.Invalidf("account %q is in the configuration twice", a.APIName)
		}
		seenAPI[a.APIName] = true
		if a.Type != domain.TypeIntegration {
			return nil, nil, domain.Invalidf("account %q: type %s cannot be imported: a configuration holds %s accounts only",
				a.APIName, domain.Quote(string(a.Type)), domain.TypeIntegration)
		}
		w := wantAccount{ConfigAccount: a}
		switch a.Status {
		case domain.StatusActive, domain.StatusDisabled:
			// R-SA-5: derived from the groups, so it must agree with them.
			if (a.Status == domain.StatusDisabled) != (len(a.Groups) == 0) {
				return nil, nil, domain.Invalidf("account %q: status %s does not match its %d groups (disabled means no groups)",
					a.APIName, a.Status, len(a.Groups))
			}
		case domain.StatusSuspended:
			w.suspended = true
		default:
			return nil, nil, domain.Invalidf("account %q: status %s cannot be imported: use active, disabled or suspended",
				a.APIName, domain.Quote(string(a.Status)))
		}
		name, err := domain.NormalizeName("name", a.Name)
		if err != nil {
			return nil, nil, domain.Within(err, "account %q", a.APIName)
		}
		w.Name = name
		if w.Description, err = domain.NormalizeDescription(a.Description); err != nil {
			return nil, nil, domain.Within(err, "account %q", a.APIName)
		}
		if w.Icon, err = domain.NormalizeIcon(a.Icon); err != nil {
			return nil, nil, domain.Within(err, "account %q", a.APIName)
		}
		accts = append(accts, w)
	}
	return groups, accts, nil
}

// step is one part of an import: its line of the plan, and what applies
// it (nil when unchanged).
type step struct {
	change domain.PlanChange
	apply  func() error
	// destructive is what the confirmation says of it; "" when it is not.
	destructive string
	target      string
}

func (t *txn) importConfig(req api.ImportConfigRequest) (domain.ImportPlan, error) {
	plan := domain.ImportPlan{Changes: []domain.PlanChange{}, Notes: []string{}}
	if err := t.allow(OpConfigImport); err != nil {
		return plan, err
	}
	groups, accts, err := checkDoc(req.Config)
	if err != nil {
		return plan, err
	}
	cur, err := t.currentConfig()
	if err != nil {
		return plan, err
	}
	var steps []step
	steps = append(steps, t.settingSteps(req.Config.Settings, cur)...)
	gs, err := t.groupSteps(groups, cur)
	if err != nil {
		return plan, err
	}
	steps = append(steps, gs...)
	as, created, err := t.accountSteps(accts, cur)
	if err != nil {
		return plan, err
	}
	steps = append(steps, as...)
	if req.Prune {
		steps = append(steps, t.pruneSteps(groups, accts, cur)...)
	}

	var consequences, targets []string
	for _, s := range steps {
		plan.Changes = append(plan.Changes, s.change)
		switch s.change.Action {
		case domain.PlanCreate:
			plan.Created++
		case domain.PlanUpdate:
			plan.Updated++
		case domain.PlanUnchanged:
			plan.Unchanged++
		default:
			plan.Deleted++
		}
		if s.destructive != "" {
			consequences = append(consequences, s.destructive)
			targets = append(targets, s.target)
		}
	}
	switch {
	case created == 1:
		plan.Notes = append(plan.Notes, "the account this import creates holds no key: give it one with sactl sa keys rotate ACCOUNT")
	case created > 1:
		plan.Notes = append(plan.Notes, fmt.Sprintf("the %d accounts this import creates hold no key: give each one with sactl sa keys rotate ACCOUNT", created))
	}
	if len(consequences) > 0 {
		if err := t.confirm(domain.Confirmation{
			Action:        fmt.Sprintf("import a configuration into business %q", t.biz.Name),
			Consequences:  consequences,
			TypeToConfirm: "y",
			Targets:       targets,
		}); err != nil {
			return plan, err
		}
	}
	// The plan was agreed to as a whole, or takes nothing away (a new
	// account made suspended loses nothing): its parts ask no more.
	t.mut.Confirmed, t.mut.PlanDigest = true, ""
	changed := 0
	for _, s := range steps {
		if s.apply == nil {
			continue
		}
		if err := s.apply(); err != nil {
			return plan, domain.Within(err, "%s %s %q", s.change.Action, s.change.Kind, s.change.Name)
		}
		changed++
	}
	if changed > 0 {
		err = t.audit("config.imported", domain.AuditTarget{Type: "business", ID: t.biz.ID, Name: t.biz.Name}, map[string]any{
			"created": plan.Created, "updated": plan.Updated, "deleted": plan.Deleted, "prune": req.Prune})
	}
	return plan, err
}

func (t *txn) settingSteps(want map[string]string, cur current) []step {
	var steps []step
	for _, d := range domain.SettingDefs() {
		v, ok := want[d.Name]
		if !ok {
			continue // a setting the document does not name stays as it is
		}
		probe := domain.DefaultSettings()
		_ = d.Set(&probe, v) // checked by checkDoc
		next, now := d.Get(probe), cur.doc.Settings[d.Name]
		st := step{change: domain.PlanChange{Action: domain.PlanUnchanged, Kind: "setting", Name: d.Name, Details: []string{}}}
		if next != now {
			st.change.Action = domain.PlanUpdate
			st.change.Details = []string{fmt.Sprintf("value: %s → %s", now, next)}
			key, value := d.Name, next
			st.apply = func() error {
				_, err := t.setSetting(api.SetSettingRequest{Key: key, Value: value})
				return err
			}
		}
		steps = append(steps, st)
	}
	return steps
}

func (t *txn) groupSteps(want []wantGroup, cur current) ([]step, error) {
	var steps []step
	for _, w := range want {
		st := step{change: domain.PlanChange{Action: domain.PlanUnchanged, Kind: "group", Name: w.name, Details: []string{}}}
		g, ok := cur.groups[domain.NameKey(w.name)]
		switch {
		case !ok:
			st.change.Action = domain.PlanCreate
			st.change.Details = []string{"permissions: " + permString(w.perms)}
			req := api.CreateGroupRequest{Name: w.name, Description: w.desc, Permissions: w.perms}
			st.apply = func() error { _, err := t.createGroup(req); return err }
		case g.Builtin || g.Protected:
			if g.Name != w.name || g.Description != w.desc || permString(g.Permissions) != permString(w.perms) {
				return nil, domain.Protectedf("group %q is built in: its name, description and permissions are fixed; leave it out of the configuration", g.Name)
			}
		default:
			req := api.UpdateGroupRequest{Name: g.Name, Set: domain.Permissions{}}
			if g.Name != w.name {
				st.change.Details = append(st.change.Details, fmt.Sprintf("name: %s → %s", g.Name, w.name))
				req.NewName = &w.name
			}
			if g.Description != w.desc {
				st.change.Details = append(st.change.Details, fmt.Sprintf("description: %q → %q", g.Description, w.desc))
				req.Description = &w.desc
			}
			for _, k := range w.perms.Keys() {
				if have, ok := g.Permissions[k]; !ok || have != w.perms[k] {
					req.Set[k] = w.perms[k]
				}
			}
			for _, k := range g.Permissions.Keys() {
				if _, ok := w.perms[k]; !ok {
					req.Drop = append(req.Drop, k)
				}
			}
			if len(req.Set) > 0 || len(req.Drop) > 0 {
				st.change.Details = append(st.change.Details, fmt.Sprintf("permissions: %s → %s", permString(g.Permissions), permString(w.perms)))
			}
			if len(st.change.Details) > 0 {
				st.change.Action = domain.PlanUpdate
				st.apply = func() error { _, err := t.updateGroup(req); return err }
			}
		}
		steps = append(steps, st)
	}
	return steps, nil
}

func permString(p domain.Permissions) string {
	if len(p) == 0 {
		return "(none)"
	}
	return p.String()
}

// accountSteps compares the document's accounts with the business's; it
// answers how many it creates.
func (t *txn) accountSteps(want []wantAccount, cur current) ([]step, int, error) {
	var steps []step
	created := 0
	for _, w := range want {
		st := step{change: domain.PlanChange{Action: domain.PlanUnchanged, Kind: "account", Name: w.APIName, Details: []string{}}}
		a, ok := cur.accounts[w.APIName]
		if !ok {
			created++
			st.change.Action = domain.PlanCreate
			st.change.Details = []string{"groups: " + listString(w.Groups), "no key: rotate one to use it"}
			if len(w.Admins) > 0 {
				st.change.Details = append(st.change.Details, "admins: "+listString(w.Admins))
			}
			if w.suspended {
				st.change.Details = append(st.change.Details, "suspended")
			}
			st.apply = func() error { return t.createImported(w) }
			steps = append(steps, st)
			continue
		}
		if a.Status == domain.StatusArchived {
			return nil, 0, domain.Conflictf("api name %q belongs to an archived account; archived accounts cannot come back: choose another api name", w.APIName)
		}
		st.apply, st.change.Details, st.destructive = t.accountUpdate(a, w)
		if st.apply != nil {
			st.change.Action = domain.PlanUpdate
			st.target = a.ID
		}
		steps = append(steps, st)
	}
	return steps, created, nil
}

func listString(s []string) string {
	if len(s) == 0 {
		return "(none)"
	}
	return strings.Join(s, ", ")
}

// createImported creates an account of the document, without a key.
func (t *txn) createImported(w wantAccount) error {
	if err := t.allow(OpAccountCreate); err != nil {
		return err
	}
	a, groups, _, err := t.newAccount(domain.TypeIntegration, w.Name, w.Description, w.Icon, w.APIName, w.Groups)
	if err != nil {
		return err
	}
	if err := t.audit("service_account.created", accountTarget(a), map[string]any{
		"api_name": a.APIName, "groups": groupNames(groups), "via": "config import",
	}); err != nil {
		return err
	}
	for _, u := range w.Admins {
		if _, err := t.setAdmin(a.ID, u, true); err != nil {
			return err
		}
	}
	if w.suspended {
		_, err = t.suspend(a.ID)
	}
	return err
}

// accountUpdate is what makes an existing account what the document says:
// its apply (nil when nothing changes), the plan's details, and what the
// confirmation says of it when it takes something away (R-SA-6, R-SA-7).
func (t *txn) accountUpdate(a domain.Account, w wantAccount) (func() error, []string, string) {
	details := []string{}
	var upd api.UpdateAccountRequest
	upd.Ref = a.ID
	field := func(name string, have, want string, dst **string) {
		if have != want {
			details = append(details, fmt.Sprintf("%s: %q → %q", name, have, want))
			*dst = &want
		}
	}
	field("name", a.Name, w.Name, &upd.Name)
	field("description", a.Description, w.Description, &upd.Description)
	field("icon", a.Icon, w.Icon, &upd.Icon)
	fieldsChange := upd.Name != nil || upd.Description != nil || upd.Icon != nil
	groupsChange := !sameSet(a.Groups, w.Groups)
	if groupsChange {
		details = append(details, fmt.Sprintf("groups: %s → %s", listString(a.Groups), listString(w.Groups)))
	}
	addAdmins, dropAdmins := setDiff(w.Admins, a.Admins), setDiff(a.Admins, w.Admins)
	if len(addAdmins)+len(dropAdmins) > 0 {
		details = append(details, fmt.Sprintf("admins: %s → %s", listString(a.Admins), listString(w.Admins)))
	}
	suspended := a.Status == domain.StatusSuspended
	if suspended != w.suspended {
		details = append(details, fmt.Sprintf("status: %s → %s", a.Status, w.Status))
	}
	if len(details) == 0 {
		return nil, details, ""
	}
	var destructive []string
	if groupsChange && len(w.Groups) == 0 {
		destructive = append(destructive, fmt.Sprintf("account %q loses its last group and is disabled: integrations using its keys stop working", a.APIName))
	}
	if w.suspended && !suspended {
		destructive = append(destructive, fmt.Sprintf("account %q is suspended: its keys are kept but rejected", a.APIName))
	}
	apply := func() error {
		// A suspended account cannot be edited (R-SA-7): it is resumed
		// for the changes and suspended again after them.
		editsWhileSuspended := suspended && (fieldsChange || groupsChange)
		if suspended && (!w.suspended || editsWhileSuspended) {
			if _, err := t.resume(a.ID); err != nil {
				return err
			}
		}
		if fieldsChange {
			if _, err := t.updateAccount(upd); err != nil {
				return err
			}
		}
		if groupsChange {
			op := api.GroupsSet
			if len(w.Groups) == 0 {
				op = api.GroupsClear
			}
			if _, err := t.changeAccountGroups(api.ChangeGroupsRequest{Ref: a.ID, Op: op, Groups: w.Groups}); err != nil {
				return err
			}
		}
		for _, u := range addAdmins {
			if _, err := t.setAdmin(a.ID, u, true); err != nil {
				return err
			}
		}
		for _, u := range dropAdmins {
			if _, err := t.setAdmin(a.ID, u, false); err != nil {
				return err
			}
		}
		if w.suspended && (!suspended || editsWhileSuspended) {
			if _, err := t.suspend(a.ID); err != nil {
				return err
			}
		}
		return nil
	}
	return apply, details, strings.Join(destructive, "; ")
}

// pruneSteps are --prune's deletions: the groups and integration
// accounts the document does not name (built-ins and API-key accounts are
// never pruned).
func (t *txn) pruneSteps(groups []wantGroup, accts []wantAccount, cur current) []step {
	var steps []step
	named := map[string]bool{}
	for _, a := range accts {
		named[a.APIName] = true
	}
	for _, a := range cur.doc.Accounts {
		if named[a.APIName] {
			continue
		}
		acct := cur.accounts[a.APIName]
		steps = append(steps, step{
			change:      domain.PlanChange{Action: domain.PlanArchive, Kind: "account", Name: a.APIName, Details: []string{keysWord(acct.KeyCount) + " deleted"}},
			destructive: fmt.Sprintf("account %q is archived and %s deleted, for good", a.APIName, keysWord(acct.KeyCount)),
			target:      acct.ID,
			apply:       func() error { _, err := t.archiveAccount(acct.ID); return err },
		})
	}
	namedGroups := map[string]bool{}
	for _, g := range groups {
		namedGroups[domain.NameKey(g.name)] = true
	}
	for _, g := range cur.doc.Groups {
		if namedGroups[domain.NameKey(g.Name)] {
			continue
		}
		name, id := g.Name, cur.groups[domain.NameKey(g.Name)].ID
		what := fmt.Sprintf("group %q is deleted", name)
		if n, err := t.MemberCount(id); err == nil && n > 0 {
			what += fmt.Sprintf(": %d principals hold it, and those it is the last group of are disabled (R-PERM-7)", n)
		}
		steps = append(steps, step{
			change:      domain.PlanChange{Action: domain.PlanDelete, Kind: "group", Name: name, Details: []string{}},
			destructive: what,
			target:      id,
			apply:       func() error { _, err := t.deleteGroup(name); return err },
		})
	}
	return steps
}

// keysWord is "1 key", "2 keys".
func keysWord(n int) string {
	if n == 1 {
		return "1 key"
	}
	return fmt.Sprintf("%d keys", n)
}

func sameSet(a, b []string) bool {
	return len(setDiff(a, b)) == 0 && len(setDiff(b, a)) == 0
}

// setDiff is what a holds that b does not, compared case-insensitively
// (group names and emails both are), in a's order.
func setDiff(a, b []string) []string {
	in := map[string]bool{}
	for _, s := range b {
		in[strings.ToLower(s)] = true
	}
	var out []string
	for _, s := range a {
		if !in[strings.ToLower(s)] {
			out = append(out, s)
		}
	}
	return out
}
