package sa

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/cmdutil"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/iostreams"
	"github.com/sactl/sactl/internal/output"
)

// NewCmdKeys is "sactl sa keys" (SPEC §3).
func NewCmdKeys(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys <command>",
		Short: "Manage a service account's API keys",
		Long: `Manage a service account's API keys.

The newest active key is the primary, the others are secondary. "rotate"
makes a new primary and deletes the oldest keys beyond the business's
max_keys_per_account (default 2: the old primary becomes secondary, an older
secondary is deleted). Secrets are printed when a key is made; "show"
reveals one again unless the business turned key_retrieval off.` + cmdutil.ExitStatusHelp,
	}
	cmd.AddCommand(newCmdKeysList(f), newCmdKeysRotate(f), newCmdKeysCreate(f), newCmdKeysDelete(f),
		newCmdKeysToggle(f, false), newCmdKeysToggle(f, true), newCmdKeysShow(f))
	return cmd
}

func printKeys(ios *iostreams.IOStreams, now time.Time, ks []domain.Key) error {
	t := output.NewTable(ios, "id", "name", "role", "status", "hint", "created_at", "expires_at", "last_used_at")
	t.NoTruncate("id")
	for _, k := range ks {
		t.AddRow(k.ID, output.FormatEmpty(ios, k.Name), string(k.Role), string(k.Status), k.Hint,
			output.FormatTime(ios, &k.CreatedAt, now), output.FormatTime(ios, k.ExpiresAt, now), output.FormatTime(ios, k.LastUsedAt, now))
	}
	return t.Render()
}

// addKey adds a key's fields to a detail view; prefix is "" or "key_".
func addKey(d *output.Detail, ios *iostreams.IOStreams, now time.Time, k domain.Key, prefix string) {
	d.Add(prefix+"id", k.ID)
	if k.Name != "" {
		d.Add(prefix+"name", k.Name)
	}
	d.Add(prefix+"role", string(k.Role))
	d.Add(prefix+"status", string(k.Status))
	d.Add(prefix+"hint", k.Hint)
	d.Add(prefix+"expires_at", output.FormatTime(ios, k.ExpiresAt, now))
	if k.Secret != "" {
		d.Add(prefix+"secret", k.Secret)
	}
}

// secretNote tells a person at a terminal what happens to a secret just printed.
func secretNote(ios *iostreams.IOStreams, k domain.Key) {
	if k.Secret == "" || !ios.IsStderrTTY() {
		return
	}
	if k.Sealed {
		ios.Ack("Store this key now. It can be shown again with: sactl sa keys show %s %s", k.Account, k.ID)
	} else {
		ios.Ack("Store this key now: it will not be shown again (key_retrieval is off).")
	}
}

func printKey(ios *iostreams.IOStreams, now time.Time, k domain.Key) error {
	d := output.NewDetail(ios)
	addKey(d, ios, now, k, "")
	d.Add("created_at", output.FormatTime(ios, &k.CreatedAt, now))
	d.Add("last_used_at", output.FormatTime(ios, k.LastUsedAt, now))
	if err := d.Render(); err != nil {
		return err
	}
	secretNote(ios, k)
	return nil
}

func newCmdKeysList(f *cmdutil.Factory) *cobra.Command {
	opts := cmdutil.NewBase(f)
	var all bool
	var expiring, unused string
	cmd := &cobra.Command{
		Use:     "list {<account> | --all [--expiring-within <duration>] [--unused-for <duration>]}",
		Aliases: []string{"ls"},
		Short:   "List an account's keys, or every key of the business (never their secrets)",
		Long: `List an account's keys: id, name, role (primary or secondary), status
(active, disabled or expired), hint, creation, expiry and last use. Use the
last use to check that consumers moved to a new key before deleting the old
one.

--all lists the keys of every account of the business instead, for periodic
reviews (R-KEY-13): the owning account and who created each key are added,
sorted by account, then oldest first. Two filters narrow it, together when
both are given:

  --expiring-within D  keys already expired, or whose expires_at or the
                       business's key_max_ttl (counted from creation) passes
                       within D: what breaks soon unless rotated
  --unused-for D       keys whose last use, or creation if never used, is
                       more than D ago: candidates for deletion

Durations read like 36h, 14d, 2w or 1y.` + cmdutil.ExitStatusHelp,
		Example: "  sactl sa keys list zapier-sync\n  sactl sa keys list --all --expiring-within 14d\n" +
			"  sactl sa keys list --all --unused-for 90d -o json",
		Args: func(c *cobra.Command, args []string) error {
			switch {
			case all && len(args) > 0:
				return cmdutil.FlagErrorf("sa keys list --all takes no account: it lists every account's keys")
			case !all && len(args) != 1:
				return cmdutil.FlagErrorf("sa keys list takes exactly one account, or --all")
			case !all && (expiring != "" || unused != ""):
				return cmdutil.FlagErrorf("--expiring-within and --unused-for filter the inventory: add --all")
			}
			return nil
		},
		ValidArgsFunction: cmdutil.CompleteAccounts(f),
		RunE: func(c *cobra.Command, args []string) error {
			if all {
				return keysInventory(c, opts)
			}
			return cmdutil.ShowList(c.Context(), &opts, func(backend api.API, p api.PageRequest) (api.Page[domain.Key], error) {
				return backend.ListKeys(c.Context(), args[0], p)
			}, func(ks []domain.Key) error { return printKeys(opts.IO, opts.Now(), ks) })
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "list the keys of every account of the business")
	cmd.Flags().StringVar(&expiring, "expiring-within", "", "with --all: only keys expired or expiring within this long (e.g. 14d)")
	cmd.Flags().StringVar(&unused, "unused-for", "", "with --all: only keys unused for longer than this (e.g. 90d)")
	cmdutil.AddListFlags(cmd, &opts)
	return cmd
}

// keysInventory is "keys list --all" (R-KEY-13).
func keysInventory(c *cobra.Command, opts cmdutil.Base) error {
	var req api.ListAllKeysRequest
	for i, dst := range []**time.Duration{&req.ExpiringWithin, &req.UnusedFor} {
		if flag := [...]string{"expiring-within", "unused-for"}[i]; c.Flags().Changed(flag) {
			d, err := cmdutil.ParseDurationFlag("--"+flag, c.Flag(flag).Value.String())
			if err != nil {
				return err
			}
			*dst = &d
		}
	}
	return cmdutil.ShowList(c.Context(), &opts, func(backend api.API, p api.PageRequest) (api.Page[domain.KeyInventoryItem], error) {
		req.PageRequest = p
		return backend.ListAllKeys(c.Context(), req)
	}, func(items []domain.KeyInventoryItem) error { return printInventory(opts.IO, opts.Now(), items) })
}

func printInventory(ios *iostreams.IOStreams, now time.Time, items []domain.KeyInventoryItem) error {
	t := output.NewTable(ios, "account", "id", "name", "role", "status", "hint", "created_at", "created_by",
		"expires_at", "last_used_at")
	t.NoTruncate("id")
	for _, k := range items {
		t.AddRow(k.Owner.APIName, k.ID, output.FormatEmpty(ios, k.Name), string(k.Role), string(k.Status), k.Hint,
			output.FormatTime(ios, &k.CreatedAt, now), k.CreatedBy,
			output.FormatTime(ios, k.ExpiresAt, now), output.FormatTime(ios, k.LastUsedAt, now))
	}
	return t.Render()
}

func newCmdKeysRotate(f *cmdutil.Factory) *cobra.Command {
	opts := cmdutil.NewBase(f)
	var mut cmdutil.MutationFlags
	var grace string
	var req api.RotateKeyRequest
	cmd := &cobra.Command{
		Use:   "rotate <account> [--grace <duration> | --disable-previous] [--yes]",
		Short: "Make a new primary key; delete the oldest beyond the limit",
		Long: `Make a new primary key. The previous primary becomes secondary; if the
account would then hold more than max_keys_per_account keys, the oldest are
deleted in the same step, which asks for confirmation (or --yes).

--grace gives the demoted key an expiry (it dies by itself once consumers
moved); --disable-previous disables it at once (kept, re-enableable).` + cmdutil.ExitStatusHelp,
		Example:           "  sactl sa keys rotate zapier-sync\n  sactl sa keys rotate zapier-sync --grace 24h --yes -o json",
		Args:              cmdutil.ExactArgs(1, "exactly one account"),
		ValidArgsFunction: cmdutil.CompleteAccounts(f),
		RunE: func(c *cobra.Command, args []string) error {
			g, err := cmdutil.ParseDurationFlag("--grace", grace)
			if err != nil {
				return err
			}
			req.Ref, req.Grace = args[0], g
			return cmdutil.Change(c.Context(), &opts, mut, func(backend api.API, m api.Mutation) (domain.Key, error) {
				r := req
				r.Mutation = m
				return backend.RotateKeys(c.Context(), r)
			}, func(k domain.Key) error { return printKey(opts.IO, opts.Now(), k) })
		},
	}
	cmd.Flags().StringVar(&grace, "grace", "", "expire the demoted primary after this long (e.g. 24h, 7d)")
	cmd.Flags().BoolVar(&req.DisablePrevious, "disable-previous", false, "disable the demoted primary at once")
	cmdutil.AddQuietFlag(cmd, f.IOStreams)
	cmdutil.AddOutputFlag(cmd, &opts)
	cmdutil.AddMutationFlags(cmd, &mut, true)
	return cmd
}

func newCmdKeysCreate(f *cmdutil.Factory) *cobra.Command {
	opts := cmdutil.NewBase(f)
	var mut cmdutil.MutationFlags
	var expires string
	var req api.CreateKeyRequest
	cmd := &cobra.Command{
		Use:   "create <account> --name <name> [--expires-in <duration>]",
		Short: "Add a named key without deleting any",
		Long: `Add a named key, deleting none. Fails once the account holds
max_keys_per_account keys. The expiry defaults to key_default_ttl and must
lie within key_min_ttl and key_max_ttl.` + cmdutil.ExitStatusHelp,
		Example:           "  sactl sa keys create zapier-sync --name staging --expires-in 180d",
		Args:              cmdutil.ExactArgs(1, "exactly one account"),
		ValidArgsFunction: cmdutil.CompleteAccounts(f),
		RunE: func(c *cobra.Command, args []string) error {
			d, err := cmdutil.ParseDurationFlag("--expires-in", expires)
			if err != nil {
				return err
			}
			req.Ref, req.ExpiresIn = args[0], d
			return cmdutil.Change(c.Context(), &opts, mut, func(backend api.API, m api.Mutation) (domain.Key, error) {
				r := req
				r.Mutation = m
				return backend.CreateKey(c.Context(), r)
			}, func(k domain.Key) error { return printKey(opts.IO, opts.Now(), k) })
		},
	}
	cmd.Flags().StringVar(&req.Name, "name", "", "a name for the key, e.g. the consumer using it")
	cmd.Flags().StringVar(&expires, "expires-in", "", "lifetime, e.g. 90d, 6w, 1y (default: key_default_ttl)")
	cmdutil.AddQuietFlag(cmd, f.IOStreams)
	cmdutil.AddOutputFlag(cmd, &opts)
	cmdutil.AddMutationFlags(cmd, &mut, false)
	return cmd
}

func newCmdKeysDelete(f *cmdutil.Factory) *cobra.Command {
	opts := cmdutil.NewBase(f)
	var mut cmdutil.MutationFlags
	var req api.KeyRequest
	cmd := &cobra.Command{
		Use:   "delete <account> {--secondary | <key-id>} [--force] [--yes]",
		Short: "Delete a key permanently",
		Long: `Delete a key permanently, after confirmation (or --yes). Deleting the
primary of an account that still has a secondary also needs --force.` + cmdutil.ExitStatusHelp,
		Example:           "  sactl sa keys delete zapier-sync --secondary\n  sactl sa keys delete zapier-sync key_01jd… --yes",
		Args:              cmdutil.MinArgs(1, "an account and a key id (or --secondary)"),
		ValidArgsFunction: cmdutil.CompleteAccountThenKey(f),
		RunE: func(c *cobra.Command, args []string) error {
			if err := keyArgs(&req, args); err != nil {
				return err
			}
			return cmdutil.Change(c.Context(), &opts, mut, func(backend api.API, m api.Mutation) (domain.Key, error) {
				r := req
				r.Mutation = m
				return backend.DeleteKey(c.Context(), r)
			}, func(k domain.Key) error { return printKey(opts.IO, opts.Now(), k) })
		},
	}
	cmd.Flags().BoolVar(&req.Secondary, "secondary", false, "delete the account's secondary key")
	cmd.Flags().BoolVar(&req.Force, "force", false, "allow deleting the primary while a secondary exists")
	cmdutil.AddOutputFlag(cmd, &opts)
	cmdutil.AddMutationFlags(cmd, &mut, true)
	return cmd
}

// keyArgs reads "<account> [<key-id>]" into a request.
func keyArgs(req *api.KeyRequest, args []string) error {
	if len(args) > 2 {
		return cmdutil.FlagErrorf("give an account and at most one key id")
	}
	req.Ref = args[0]
	if len(args) == 2 {
		req.KeyID = args[1]
	}
	return nil
}

func newCmdKeysToggle(f *cmdutil.Factory, enable bool) *cobra.Command {
	opts := cmdutil.NewBase(f)
	var mut cmdutil.MutationFlags
	var req api.KeyRequest
	verb, short := "disable", "Disable a key: rejected, but kept"
	if enable {
		verb, short = "enable", "Enable a disabled key again"
	}
	cmd := &cobra.Command{
		Use:               verb + " <account> <key-id>",
		Example:           "  sactl sa keys " + verb + " zapier-sync key_01m8sk0wj753z5cap8x2j1hh1n",
		Short:             short,
		Long:              short + "." + cmdutil.ExitStatusHelp,
		Args:              cmdutil.ExactArgs(2, "an account and a key id"),
		ValidArgsFunction: cmdutil.CompleteAccountThenKey(f),
		RunE: func(c *cobra.Command, args []string) error {
			if err := keyArgs(&req, args); err != nil {
				return err
			}
			return cmdutil.Change(c.Context(), &opts, mut, func(backend api.API, m api.Mutation) (domain.Key, error) {
				r := req
				r.Mutation = m
				return backend.SetKeyEnabled(c.Context(), r, enable)
			}, func(k domain.Key) error { return printKey(opts.IO, opts.Now(), k) })
		},
	}
	cmdutil.AddOutputFlag(cmd, &opts)
	cmdutil.AddMutationFlags(cmd, &mut, false)
	return cmd
}

func newCmdKeysShow(f *cmdutil.Factory) *cobra.Command {
	opts := cmdutil.NewBase(f)
	var req api.KeyRequest
	cmd := &cobra.Command{
		Use:   "show <account> [--secondary | <key-id>]",
		Short: "Reveal a key's secret (audited)",
		Long: `Reveal the secret of the primary key, the secondary, or a key by id.
Each reveal is recorded in the audit log. Keys created while the business's
key_retrieval setting was off are stored hash-only and cannot be shown.` + cmdutil.ExitStatusHelp,
		Example:           "  sactl sa keys show zapier-sync\n  sactl sa keys show zapier-sync --secondary -o json | jq -r .secret",
		Args:              cmdutil.MinArgs(1, "an account, and optionally a key id"),
		ValidArgsFunction: cmdutil.CompleteAccountThenKey(f),
		RunE: func(c *cobra.Command, args []string) error {
			if err := keyArgs(&req, args); err != nil {
				return err
			}
			return cmdutil.Show(c.Context(), &opts, func(backend api.API) (domain.Key, error) {
				return backend.ShowKey(c.Context(), req)
			}, func(k domain.Key) error { return printKey(opts.IO, opts.Now(), k) })
		},
	}
	cmd.Flags().BoolVar(&req.Secondary, "secondary", false, "show the secondary key")
	cmdutil.AddQuietFlag(cmd, f.IOStreams)
	cmdutil.AddOutputFlag(cmd, &opts)
	return cmd
}
