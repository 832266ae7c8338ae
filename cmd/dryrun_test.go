package cmd_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/sactl/sactl/cmd"
	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/cmdutil"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/iostreams"
)

// TestEveryDryRunSaysSo: every command that takes --dry-run prints, with
// -o json, the would-be result with "dry_run": true as its last field, and
// says on stderr that nothing was changed; in local and in remote mode
// alike, and without changing anything (R-CLI-2). The table must name
// every such command, so a new one cannot be left out.
func TestEveryDryRunSaysSo(t *testing.T) {
	r := newRemote(t)
	ctx := context.Background()
	yes := api.Mutation{Confirmed: true}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := r.local.CreateAccount(ctx, api.CreateAccountRequest{Name: "Zapier Sync", Groups: []string{"admins"}})
	must(err)
	key, err := r.local.RotateKeys(ctx, api.RotateKeyRequest{Ref: "zapier-sync", Mutation: yes})
	must(err)
	_, err = r.local.CreateGroup(ctx, api.CreateGroupRequest{Name: "readers", Permissions: domain.Permissions{"service_accounts": domain.LevelView}})
	must(err)
	_, err = r.local.CreateAccount(ctx, api.CreateAccountRequest{Name: "Ledger", Groups: []string{"readers"}})
	must(err)
	_, err = r.local.CreateUser(ctx, api.CreateUserRequest{Name: "Ada Lovelace", Email: "ada@example.com", Groups: []string{"readers"}})
	must(err)
	utok, err := r.local.CreateUserToken(ctx, api.CreateUserTokenRequest{Ref: "ada@example.com"})
	must(err)
	minted, err := r.local.MintToken(ctx, api.MintTokenRequest{TTL: 10 * time.Minute})
	must(err)
	_, err = r.local.CreateAPIKey(ctx, api.CreateAPIKeyRequest{Name: "CI deploy", Groups: []string{"readers"}})
	must(err)
	_, err = r.local.AddAccountAdmin(ctx, "ledger", "ada@example.com", api.Mutation{})
	must(err)
	doc := filepath.Join(t.TempDir(), "config.json")
	must(os.WriteFile(doc, []byte(`{"version": 1, "settings": {"max_keys_per_account": "4"}}`), 0o600))

	// localOnly: only a local operator may do it for real (R-USER-2, and
	// businesses are made on the database), so its dry run is local too.
	type dryRun struct {
		args      []string
		localOnly bool
	}
	cases := []dryRun{
		{args: []string{"sa", "create", "Billing Export"}},
		{args: []string{"sa", "update", "zapier-sync", "--description", "growth"}},
		{args: []string{"sa", "suspend", "zapier-sync"}},
		{args: []string{"sa", "resume", "zapier-sync"}},
		{args: []string{"sa", "archive", "zapier-sync"}},
		{args: []string{"sa", "groups", "add", "zapier-sync", "readers"}},
		{args: []string{"sa", "groups", "remove", "zapier-sync", "admins"}},
		{args: []string{"sa", "groups", "set", "zapier-sync", "readers"}},
		{args: []string{"sa", "groups", "clear", "zapier-sync"}},
		{args: []string{"sa", "keys", "rotate", "zapier-sync"}},
		{args: []string{"sa", "keys", "create", "ledger", "--name", "staging"}},
		{args: []string{"sa", "keys", "delete", "zapier-sync", "--secondary"}},
		{args: []string{"sa", "keys", "disable", "zapier-sync", key.ID}},
		{args: []string{"sa", "keys", "enable", "zapier-sync", key.ID}},
		{args: []string{"sa", "token", "revoke", minted.ID}},
		{args: []string{"tokens", "rotate-signing-key"}},
		{args: []string{"groups", "create", "writers", "--perm", "service_accounts=edit"}},
		{args: []string{"groups", "update", "readers", "--description", "read only"}},
		{args: []string{"groups", "delete", "readers"}},
		{args: []string{"users", "create", "Grace Hopper", "--email", "grace@example.com"}},
		{args: []string{"users", "update", "ada@example.com", "--name", "Ada King"}},
		{args: []string{"users", "remove", "ada@example.com"}},
		{args: []string{"users", "groups", "add", "ada@example.com", "admins"}},
		{args: []string{"users", "groups", "remove", "ada@example.com", "readers"}},
		{args: []string{"users", "groups", "set", "ada@example.com", "admins"}},
		{args: []string{"users", "groups", "clear", "ada@example.com"}},
		{args: []string{"users", "tokens", "create", "ada@example.com"}, localOnly: true},
		{args: []string{"users", "tokens", "revoke", "ada@example.com", utok.ID}},
		{args: []string{"settings", "set", "max_keys_per_account", "3"}},
		{args: []string{"apikeys", "create", "--name", "Reporting", "--group", "readers"}},
		{args: []string{"apikeys", "revoke", "ci-deploy"}},
		{args: []string{"sa", "admins", "add", "zapier-sync", "ada@example.com"}},
		{args: []string{"sa", "admins", "remove", "ledger", "ada@example.com"}},
		{args: []string{"config", "import", doc}},
		{args: []string{"business", "create", "acme"}, localOnly: true},
	}

	t.Run("every command with --dry-run is in the table", func(t *testing.T) {
		var want, got []string
		ios, _, _, _ := iostreams.Test()
		root := cmd.NewCmdRoot(cmdutil.New(ios))
		var walk func(c *cobra.Command)
		walk = func(c *cobra.Command) {
			if c.Flags().Lookup("dry-run") != nil {
				want = append(want, strings.TrimPrefix(c.CommandPath(), root.Name()+" "))
			}
			for _, sub := range c.Commands() {
				walk(sub)
			}
		}
		walk(root)
		for _, c := range cases {
			sub, _, err := root.Find(c.args)
			if err != nil {
				t.Fatalf("%v: %v", c.args, err)
			}
			got = append(got, strings.TrimPrefix(sub.CommandPath(), root.Name()+" "))
		}
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(want, got) {
			t.Fatalf("commands with --dry-run:\n%s\nin the table:\n%s", strings.Join(want, "\n"), strings.Join(got, "\n"))
		}
	})

	local := map[string]string{"SACTL_DB": r.db, "XDG_CONFIG_HOME": r.env["XDG_CONFIG_HOME"]}
	audit := func() string {
		_, out, _ := runCLI(t, local, "audit", "list")
		return out
	}
	before := audit()
	for _, mode := range []struct {
		name string
		env  map[string]string
	}{{"local", local}, {"remote", r.env}} {
		for _, c := range cases {
			if c.localOnly && mode.name == "remote" {
				continue
			}
			args := append(slices.Clone(c.args), "--dry-run", "-o", "json")
			code, out, errOut := runCLI(t, mode.env, args...)
			if code != 0 {
				t.Errorf("%s: %v: exit %d: %s", mode.name, args, code, errOut)
				continue
			}
			if !strings.HasPrefix(out, "{\n") || !strings.HasSuffix(out, ",\n  \"dry_run\": true\n}\n") {
				t.Errorf("%s: %v: want an object ending with \"dry_run\": true, got\n%s", mode.name, args, out)
			}
			if !strings.HasSuffix(errOut, "dry run: nothing was changed\n") {
				t.Errorf("%s: %v: stderr %q does not say that nothing was changed", mode.name, args, errOut)
			}
		}
	}
	if after := audit(); after != before {
		t.Fatalf("dry runs changed something:\n%s", after)
	}
	// A real change carries no dry_run field, and a dry run's table none.
	for _, args := range [][]string{
		{"sa", "update", "zapier-sync", "--description", "growth", "-o", "json"},
		{"sa", "create", "Billing Export", "--dry-run"},
	} {
		code, out, errOut := runCLI(t, r.env, args...)
		if code != 0 || strings.Contains(out, "dry_run") {
			t.Errorf("%v: exit %d, stdout\n%s%s", args, code, out, errOut)
		}
	}
}
