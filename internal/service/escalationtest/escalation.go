// Package escalationtest is the escalation suite of the authorization model
// (internal/service/authz.go; R-PERM-8, R-PERM-9, R-KEY-11, R-USER-2): every
// operation that hands out or takes away power, for callers at every level
// (none, view, edit, remove), with and without the target's application
// permission, as a user, a service account, a helper that service account
// created, and a signed token.
//
// The expected outcome of each case comes from the rules as SPEC.md states
// them (the oracle below), not from the implementation. The suite runs
// against the service acting --as each caller (internal/service) and against
// a real server acting with each caller's credential (internal/client's
// contract suite), which also checks that both give the same answers.
package escalationtest

import (
	"context"
	"fmt"
	"github.com/sactl/sactl/internal/api/apitest"
	"strings"
	"testing"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
)

// Kind is what a caller authenticates as.
type Kind string

// Caller kinds.
const (
	User           Kind = "user"
	ServiceAccount Kind = "service_account"
	Helper         Kind = "helper" // a service account created by a ServiceAccount caller
	SignedToken    Kind = "signed_token"
)

// Caller is one principal the suite acts as.
type Caller struct {
	Name  string // e.g. "helper/edit/app"
	Kind  Kind
	Level domain.Level // for every sactl permission key
	App   bool         // holds the application permission contacts=remove
	// ID names the principal (for --as); Credential authenticates it (for
	// a server): an API key, a user token or a signed token.
	ID         string
	Credential string
	// Creator and Created name the other end of a lineage: a helper's
	// creator, a service account's helper (R-KEY-11).
	Creator, Created string
}

// Fixture is what Setup made.
type Fixture struct {
	Callers  []Caller
	spareKey string // a disabled key of the target account
}

// The target principals hold targetPerms: a little sactl power and an
// application permission, so dominance is about both.
var targetPerms = domain.Permissions{domain.PermServiceAccounts: domain.LevelView, "contacts": domain.LevelEdit}

const (
	targetGroup   = "target-perms"
	saViewGroup   = "sa-view"
	emptyGroup    = "empty"
	richGroup     = "rich"
	targetAccount = "target"
	plainAccount  = "plain"
	pausedAccount = "paused"
	targetUser    = "ursula@example.com"
	plainUser     = "walter@example.com"
	// Every user caller administers these two accounts (R-SA-12): one
	// holding nothing, one holding targetPerms.
	managedAccount     = "managed"
	managedRichAccount = "managed-rich"
	apiKeyAccount      = "api-key"
)

var levels = []domain.Level{domain.LevelNone, domain.LevelView, domain.LevelEdit, domain.LevelRemove}

// Setup builds the fixture in a fresh business with op, a local operator.
// act gives the API acting as a caller (used to let service accounts create
// their helpers); mint gives a signed token of the automation account.
func Setup(t *testing.T, op api.API, act func(Caller) api.API) Fixture {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	group := func(name string, p domain.Permissions) {
		_, err := op.CreateGroup(ctx, api.CreateGroupRequest{Name: name, Permissions: p})
		must(err)
	}
	group(targetGroup, targetPerms)
	group(saViewGroup, domain.Permissions{domain.PermServiceAccounts: domain.LevelView})
	group(emptyGroup, nil)
	group(richGroup, domain.Permissions{"contacts": domain.LevelEdit})
	all := domain.AllSactlAt(domain.LevelRemove)
	all["contacts"] = domain.LevelRemove
	group("bootstrap", all)

	_, err := op.CreateAccount(ctx, api.CreateAccountRequest{Name: "Target", APIName: targetAccount, Groups: []string{targetGroup}})
	must(err)
	_, err = op.CreateAccount(ctx, api.CreateAccountRequest{Name: "Plain", APIName: plainAccount})
	must(err)
	_, err = op.SetSetting(ctx, api.SetSettingRequest{Key: "max_keys_per_account", Value: "10"})
	must(err)
	// A disabled key and a suspended account hold power that enabling or
	// resuming gives back to whoever holds their keys.
	spare, err := op.CreateKey(ctx, api.CreateKeyRequest{Ref: targetAccount, Name: "spare"})
	must(err)
	_, err = op.SetKeyEnabled(ctx, api.KeyRequest{Ref: targetAccount, KeyID: spare.ID}, false)
	must(err)
	_, err = op.CreateAccount(ctx, api.CreateAccountRequest{Name: "Paused", APIName: pausedAccount, Groups: []string{targetGroup}})
	must(err)
	_, err = op.SuspendAccount(ctx, pausedAccount, api.Mutation{Confirmed: true})
	must(err)
	_, err = op.CreateUser(ctx, api.CreateUserRequest{Name: "Ursula", Email: targetUser, Groups: []string{targetGroup}})
	must(err)
	_, err = op.CreateUser(ctx, api.CreateUserRequest{Name: "Walter", Email: plainUser})
	must(err)

	f := Fixture{spareKey: spare.ID}
	for _, l := range levels {
		for _, app := range []bool{false, true} {
			suffix := l.String()
			p := domain.AllSactlAt(l)
			if app {
				suffix += "-app"
				p["contacts"] = domain.LevelRemove
			}
			g := "caller-" + suffix
			group(g, p)

			u, err := op.CreateUser(ctx, api.CreateUserRequest{Name: "user " + suffix, Email: "user-" + suffix + "@example.com", Groups: []string{g}})
			must(err)
			ut, err := op.CreateUserToken(ctx, api.CreateUserTokenRequest{Ref: u.ID, Name: "suite"})
			must(err)
			f.Callers = append(f.Callers, Caller{Name: "user/" + suffix, Kind: User, Level: l, App: app, ID: u.ID, Credential: ut.Secret})

			// The service account creates its helper while it holds the
			// bootstrap group, then keeps only its caller group.
			sa, err := op.CreateAccount(ctx, api.CreateAccountRequest{Name: "sa " + suffix, APIName: "sa-" + suffix, Groups: []string{g, "bootstrap"}})
			must(err)
			saCaller := Caller{Name: "service_account/" + suffix, Kind: ServiceAccount, Level: l, App: app, ID: sa.ID, Credential: sa.Key.Secret}
			h, err := act(saCaller).CreateAccount(ctx, api.CreateAccountRequest{Name: "helper " + suffix, APIName: "helper-" + suffix, Groups: []string{g}})
			must(err)
			_, err = op.ChangeAccountGroups(ctx, api.ChangeGroupsRequest{Ref: sa.ID, Op: api.GroupsRemove, Groups: []string{"bootstrap"}})
			must(err)
			saCaller.Created = h.ID
			f.Callers = append(f.Callers, saCaller,
				Caller{Name: "helper/" + suffix, Kind: Helper, Level: l, App: app, ID: h.ID, Credential: h.Key.Secret, Creator: sa.ID})
		}
	}
	_, err = op.CreateAccount(ctx, api.CreateAccountRequest{Name: "Managed", APIName: managedAccount})
	must(err)
	_, err = op.CreateAccount(ctx, api.CreateAccountRequest{Name: "Managed Rich", APIName: managedRichAccount, Groups: []string{targetGroup}})
	must(err)
	for _, c := range f.Callers {
		if c.Kind == User {
			for _, a := range []string{managedAccount, managedRichAccount} {
				_, err = op.AddAccountAdmin(ctx, a, c.ID, api.Mutation{})
				must(err)
			}
		}
	}
	_, err = op.CreateAPIKey(ctx, api.CreateAPIKeyRequest{Name: "API Key", Groups: []string{targetGroup}})
	must(err)
	auto, err := op.GetAccount(ctx, "automation")
	must(err)
	tok, err := op.MintToken(ctx, api.MintTokenRequest{})
	must(err)
	f.Callers = append(f.Callers, Caller{Name: "signed_token", Kind: SignedToken, Level: domain.LevelRemove, ID: auto.ID, Credential: tok.Token})
	return f
}

// Case is one operation the suite tries.
type Case struct {
	Name string
	// Applies says whether the case makes sense for the caller (nil: always).
	Applies func(c Caller) bool
	Do      func(ctx context.Context, backend api.API, c Caller) error
	// Allowed is the oracle: whether SPEC.md lets the caller do it.
	Allowed func(c Caller) bool
}

var (
	dry    = api.Mutation{DryRun: true}
	dryYes = api.Mutation{DryRun: true, Confirmed: true}
)

func atLeast(c Caller, l domain.Level) bool { return c.Level >= l }

// holdsTarget: the caller holds every level of targetPerms (R-PERM-8/9).
func holdsTarget(c Caller) bool { return c.Level >= domain.LevelView && c.App }

func isService(c Caller) bool { return c.Kind != User }

// obtains is the rule of every operation that hands the caller a key or a
// token of a target holding targetPerms (R-PERM-9, R-KEY-11).
func obtains(level domain.Level) func(Caller) bool {
	return func(c Caller) bool { return c.Kind != SignedToken && atLeast(c, level) && holdsTarget(c) }
}

// grants is the rule of handing out (or taking away) targetPerms with an
// operation needing level (R-PERM-8).
func grants(level domain.Level) func(Caller) bool {
	return func(c Caller) bool { return atLeast(c, level) && holdsTarget(c) }
}

// Cases is every case of the suite.
func Cases(f Fixture) []Case {
	return []Case{
		{Name: "enable a disabled key", Do: func(ctx context.Context, backend api.API, c Caller) error {
			_, err := backend.SetKeyEnabled(ctx, api.KeyRequest{Ref: targetAccount, KeyID: f.spareKey, Mutation: dry}, true)
			return err
		}, Allowed: grants(domain.LevelEdit)},
		{Name: "disable a key", Do: func(ctx context.Context, backend api.API, c Caller) error {
			ks, err := apitest.Items(backend.ListKeys(ctx, targetAccount, api.PageRequest{}))
			if err != nil {
				return err
			}
			_, err = backend.SetKeyEnabled(ctx, api.KeyRequest{Ref: targetAccount, KeyID: ks[0].ID, Mutation: dry}, false)
			return err
		}, Allowed: func(c Caller) bool { return atLeast(c, domain.LevelEdit) }},
		{Name: "resume a suspended account", Do: func(ctx context.Context, backend api.API, c Caller) error {
			_, err := backend.ResumeAccount(ctx, pausedAccount, dry)
			return err
		}, Allowed: grants(domain.LevelEdit)},
		{Name: "create an account with a group", Do: func(ctx context.Context, backend api.API, c Caller) error {
			_, err := backend.CreateAccount(ctx, api.CreateAccountRequest{Name: "New", Groups: []string{targetGroup}, Mutation: dry})
			return err
		}, Allowed: obtains(domain.LevelEdit)},
		{Name: "assign a group to an account", Do: func(ctx context.Context, backend api.API, c Caller) error {
			_, err := backend.ChangeAccountGroups(ctx, api.ChangeGroupsRequest{Ref: plainAccount, Op: api.GroupsAdd, Groups: []string{targetGroup}, Mutation: dry})
			return err
		}, Allowed: grants(domain.LevelEdit)},
		{Name: "assign a sactl-only group to an account", Do: func(ctx context.Context, backend api.API, c Caller) error {
			_, err := backend.ChangeAccountGroups(ctx, api.ChangeGroupsRequest{Ref: plainAccount, Op: api.GroupsAdd, Groups: []string{saViewGroup}, Mutation: dry})
			return err
		}, Allowed: func(c Caller) bool { return atLeast(c, domain.LevelEdit) }},
		{Name: "take a group away from an account", Do: func(ctx context.Context, backend api.API, c Caller) error {
			_, err := backend.ChangeAccountGroups(ctx, api.ChangeGroupsRequest{Ref: targetAccount, Op: api.GroupsRemove, Groups: []string{targetGroup}, Mutation: dryYes})
			return err
		}, Allowed: grants(domain.LevelEdit)},
		{Name: "create a group", Do: func(ctx context.Context, backend api.API, c Caller) error {
			_, err := backend.CreateGroup(ctx, api.CreateGroupRequest{Name: "new-group", Permissions: targetPerms, Mutation: dry})
			return err
		}, Allowed: grants(domain.LevelEdit)},
		{Name: "raise a group's level", Do: func(ctx context.Context, backend api.API, c Caller) error {
			_, err := backend.UpdateGroup(ctx, api.UpdateGroupRequest{Name: emptyGroup, Set: domain.Permissions{"contacts": domain.LevelEdit}, Mutation: dry})
			return err
		}, Allowed: func(c Caller) bool { return atLeast(c, domain.LevelEdit) && c.App }},
		{Name: "drop a group's level", Do: func(ctx context.Context, backend api.API, c Caller) error {
			_, err := backend.UpdateGroup(ctx, api.UpdateGroupRequest{Name: richGroup, Drop: []string{"contacts"}, Mutation: dry})
			return err
		}, Allowed: func(c Caller) bool { return atLeast(c, domain.LevelEdit) && c.App }},
		{Name: "delete a group", Do: func(ctx context.Context, backend api.API, c Caller) error {
			_, err := backend.DeleteGroup(ctx, targetGroup, dryYes)
			return err
		}, Allowed: grants(domain.LevelRemove)},
		{Name: "create a user with a group", Do: func(ctx context.Context, backend api.API, c Caller) error {
			_, err := backend.CreateUser(ctx, api.CreateUserRequest{Name: "New", Email: "new@example.com", Groups: []string{targetGroup}, Mutation: dry})
			return err
		}, Allowed: grants(domain.LevelEdit)},
		{Name: "assign a group to a user", Do: func(ctx context.Context, backend api.API, c Caller) error {
			_, err := backend.ChangeUserGroups(ctx, api.ChangeGroupsRequest{Ref: plainUser, Op: api.GroupsAdd, Groups: []string{targetGroup}, Mutation: dry})
			return err
		}, Allowed: grants(domain.LevelEdit)},
		{Name: "take a group away from a user", Do: func(ctx context.Context, backend api.API, c Caller) error {
			_, err := backend.ChangeUserGroups(ctx, api.ChangeGroupsRequest{Ref: targetUser, Op: api.GroupsRemove, Groups: []string{targetGroup}, Mutation: dry})
			return err
		}, Allowed: grants(domain.LevelEdit)},
		{Name: "remove a user", Do: func(ctx context.Context, backend api.API, c Caller) error {
			_, err := backend.RemoveUser(ctx, targetUser, dryYes)
			return err
		}, Allowed: grants(domain.LevelRemove)},
		{Name: "create a key", Do: func(ctx context.Context, backend api.API, c Caller) error {
			_, err := backend.CreateKey(ctx, api.CreateKeyRequest{Ref: targetAccount, Name: "extra", Mutation: dry})
			return err
		}, Allowed: obtains(domain.LevelEdit)},
		{Name: "rotate keys", Do: func(ctx context.Context, backend api.API, c Caller) error {
			_, err := backend.RotateKeys(ctx, api.RotateKeyRequest{Ref: targetAccount, Mutation: dryYes})
			return err
		}, Allowed: obtains(domain.LevelEdit)},
		{Name: "reveal a key", Do: func(ctx context.Context, backend api.API, c Caller) error {
			_, err := backend.ShowKey(ctx, api.KeyRequest{Ref: targetAccount})
			return err
		}, Allowed: obtains(domain.LevelView)},
		// Plain holds nothing: dominance and grants hold for every caller,
		// so only the level and the credential kind decide.
		{Name: "create an account with a sactl-only group", Do: func(ctx context.Context, backend api.API, c Caller) error {
			_, err := backend.CreateAccount(ctx, api.CreateAccountRequest{Name: "New", Groups: []string{saViewGroup}, Mutation: dry})
			return err
		}, Allowed: func(c Caller) bool { return c.Kind != SignedToken && atLeast(c, domain.LevelEdit) }},
		{Name: "rotate the keys of an account holding nothing", Do: func(ctx context.Context, backend api.API, c Caller) error {
			_, err := backend.RotateKeys(ctx, api.RotateKeyRequest{Ref: plainAccount, Mutation: dryYes})
			return err
		}, Allowed: func(c Caller) bool { return c.Kind != SignedToken && atLeast(c, domain.LevelEdit) }},
		{Name: "reveal the key of an account holding nothing", Do: func(ctx context.Context, backend api.API, c Caller) error {
			_, err := backend.ShowKey(ctx, api.KeyRequest{Ref: plainAccount})
			return err
		}, Allowed: func(c Caller) bool { return c.Kind != SignedToken && atLeast(c, domain.LevelView) }},
		{Name: "rotate the keys of one's creator",
			Applies: func(c Caller) bool { return c.Creator != "" },
			Do: func(ctx context.Context, backend api.API, c Caller) error {
				_, err := backend.RotateKeys(ctx, api.RotateKeyRequest{Ref: c.Creator, Mutation: dryYes})
				return err
			}, Allowed: func(Caller) bool { return false }},
		{Name: "reveal the key of one's creator",
			Applies: func(c Caller) bool { return c.Creator != "" },
			Do: func(ctx context.Context, backend api.API, c Caller) error {
				_, err := backend.ShowKey(ctx, api.KeyRequest{Ref: c.Creator})
				return err
			}, Allowed: func(Caller) bool { return false }},
		{Name: "rotate the keys of an account one created",
			Applies: func(c Caller) bool { return c.Created != "" },
			Do: func(ctx context.Context, backend api.API, c Caller) error {
				_, err := backend.RotateKeys(ctx, api.RotateKeyRequest{Ref: c.Created, Mutation: dryYes})
				return err
			}, Allowed: func(Caller) bool { return false }},
		{Name: "create a key of one's own account",
			Applies: func(c Caller) bool { return c.Kind == ServiceAccount || c.Kind == Helper },
			Do: func(ctx context.Context, backend api.API, c Caller) error {
				_, err := backend.CreateKey(ctx, api.CreateKeyRequest{Ref: c.ID, Name: "mine", Mutation: dry})
				return err
			}, Allowed: func(Caller) bool { return false }},
		{Name: "create a user token for someone else", Do: func(ctx context.Context, backend api.API, c Caller) error {
			_, err := backend.CreateUserToken(ctx, api.CreateUserTokenRequest{Ref: targetUser, Mutation: dry})
			return err
		}, Allowed: func(Caller) bool { return false }},
		{Name: "create a user token for oneself", Do: func(ctx context.Context, backend api.API, c Caller) error {
			_, err := backend.CreateUserToken(ctx, api.CreateUserTokenRequest{Ref: c.ID, Mutation: dry})
			return err
		}, Allowed: func(c Caller) bool { return c.Kind == User }},
		// Per-account admins (R-SA-12): every user caller administers
		// managed and managed-rich, as if it held service_accounts=edit on
		// them alone; archiving still needs remove, and dominance holds.
		{Name: "rotate the keys of an account one administers", Do: func(ctx context.Context, backend api.API, c Caller) error {
			_, err := backend.RotateKeys(ctx, api.RotateKeyRequest{Ref: managedAccount, Mutation: dryYes})
			return err
		}, Allowed: func(c Caller) bool { return c.Kind == User || (c.Kind != SignedToken && atLeast(c, domain.LevelEdit)) }},
		{Name: "rotate the keys of a stronger account one administers", Do: func(ctx context.Context, backend api.API, c Caller) error {
			_, err := backend.RotateKeys(ctx, api.RotateKeyRequest{Ref: managedRichAccount, Mutation: dryYes})
			return err
		}, Allowed: func(c Caller) bool { return (c.Kind == User && holdsTarget(c)) || obtains(domain.LevelEdit)(c) }},
		{Name: "suspend an account one administers", Do: func(ctx context.Context, backend api.API, c Caller) error {
			_, err := backend.SuspendAccount(ctx, managedAccount, dryYes)
			return err
		}, Allowed: func(c Caller) bool { return c.Kind == User || atLeast(c, domain.LevelEdit) }},
		{Name: "archive an account one administers", Do: func(ctx context.Context, backend api.API, c Caller) error {
			_, err := backend.ArchiveAccount(ctx, managedAccount, dryYes)
			return err
		}, Allowed: func(c Caller) bool { return atLeast(c, domain.LevelRemove) }},
		{Name: "list service accounts", Do: func(ctx context.Context, backend api.API, c Caller) error {
			_, err := backend.ListAccounts(ctx, api.ListAccountsRequest{})
			return err
		}, Allowed: func(c Caller) bool { return atLeast(c, domain.LevelView) }},
		{Name: "list the accounts one administers", Applies: func(c Caller) bool { return c.Kind == User }, Do: func(ctx context.Context, backend api.API, c Caller) error {
			_, err := backend.ListAccounts(ctx, api.ListAccountsRequest{Admin: c.ID})
			return err
		}, Allowed: func(c Caller) bool { return true }},
		{Name: "list the accounts another user administers", Do: func(ctx context.Context, backend api.API, c Caller) error {
			_, err := backend.ListAccounts(ctx, api.ListAccountsRequest{Admin: plainUser})
			return err
		}, Allowed: func(c Caller) bool { return atLeast(c, domain.LevelView) }},
		{Name: "name an account's admin", Do: func(ctx context.Context, backend api.API, c Caller) error {
			_, err := backend.AddAccountAdmin(ctx, plainAccount, plainUser, dry)
			return err
		}, Allowed: func(c Caller) bool { return atLeast(c, domain.LevelEdit) }},
		// API-key accounts (R-SA-11).
		{Name: "create an API key with a group", Do: func(ctx context.Context, backend api.API, c Caller) error {
			_, err := backend.CreateAPIKey(ctx, api.CreateAPIKeyRequest{Name: "New Key", Groups: []string{targetGroup}, Mutation: dry})
			return err
		}, Allowed: obtains(domain.LevelEdit)},
		{Name: "revoke an API key", Do: func(ctx context.Context, backend api.API, c Caller) error {
			_, err := backend.RevokeAPIKey(ctx, apiKeyAccount, dryYes)
			return err
		}, Allowed: func(c Caller) bool { return atLeast(c, domain.LevelRemove) }},
		// Configuration (R-PERM-5): a service account exports, never imports.
		{Name: "export the configuration", Do: func(ctx context.Context, backend api.API, c Caller) error {
			_, err := backend.ExportConfig(ctx)
			return err
		}, Allowed: func(c Caller) bool { return atLeast(c, domain.LevelView) }},
		{Name: "import a configuration", Do: func(ctx context.Context, backend api.API, c Caller) error {
			_, err := backend.ImportConfig(ctx, api.ImportConfigRequest{Config: domain.Config{Version: domain.ConfigVersion}, Mutation: dry})
			return err
		}, Allowed: func(c Caller) bool { return c.Kind == User && atLeast(c, domain.LevelEdit) }},
		// An import is the hand operations, each bound as it is alone: a
		// group it creates grants nothing above the caller (R-PERM-8).
		{Name: "import a configuration that creates a group", Do: func(ctx context.Context, backend api.API, c Caller) error {
			perms := map[string]string{}
			for k, l := range targetPerms {
				perms[k] = l.String()
			}
			doc := domain.Config{Version: domain.ConfigVersion, Groups: []domain.ConfigGroup{{Name: "imported", Permissions: perms}}}
			_, err := backend.ImportConfig(ctx, api.ImportConfigRequest{Config: doc, Mutation: dry})
			return err
		}, Allowed: func(c Caller) bool { return c.Kind == User && grants(domain.LevelEdit)(c) }},
		{Name: "mint a signed token", Do: func(ctx context.Context, backend api.API, c Caller) error {
			_, err := backend.MintToken(ctx, api.MintTokenRequest{})
			return err
		}, Allowed: func(c Caller) bool { return c.Kind != SignedToken && atLeast(c, domain.LevelRemove) }},
	}
}

// Outcome is the answer to one case: "ok", or the error kind and message.
type Outcome struct {
	Case, Caller, Got string
}

// Run runs every case for every caller with act(caller) and checks each
// against the oracle: an allowed case succeeds, a refused one fails with a
// forbidden error (exit 4, HTTP 403) whose message starts "forbidden:".
func Run(t *testing.T, f Fixture, act func(Caller) api.API) []Outcome {
	t.Helper()
	ctx := context.Background()
	var out []Outcome
	allowed, refused := 0, 0
	for _, cs := range Cases(f) {
		for _, c := range f.Callers {
			if cs.Applies != nil && !cs.Applies(c) {
				continue
			}
			err := cs.Do(ctx, act(c), c)
			got := "ok"
			if err != nil {
				got = fmt.Sprintf("%s: %s", domain.KindOf(err), err)
			}
			out = append(out, Outcome{Case: cs.Name, Caller: c.Name, Got: got})
			want := cs.Allowed(c)
			switch {
			case want && err != nil:
				t.Errorf("%s as %s: want allowed, got %s", cs.Name, c.Name, got)
			case !want && err == nil:
				t.Errorf("%s as %s: want forbidden, got allowed (an escalation)", cs.Name, c.Name)
			case !want && (domain.KindOf(err) != domain.KindForbidden || !strings.HasPrefix(err.Error(), "forbidden: ")):
				t.Errorf("%s as %s: want a forbidden error, got %s", cs.Name, c.Name, got)
			}
			if want {
				allowed++
			} else {
				refused++
			}
		}
	}
	if allowed == 0 || refused == 0 {
		t.Errorf("the suite must have both allowed (%d) and refused (%d) cases", allowed, refused)
	}
	return out
}
