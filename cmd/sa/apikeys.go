package sa

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/cmdutil"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/output"
)

// NewCmdAPIKeys is "sactl apikeys" (R-SA-11, seed 002). It lives with the
// sa commands because an API key is a service account and prints as one.
func NewCmdAPIKeys(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "apikeys <command>",
		Aliases: []string{"api-keys"},
		Short:   "Manage API keys, each its own service account",
		Long: `Manage API keys. An API key is its own service account: creating one
creates a service_apikey account named after the key's nickname, holding
that one key and the permissions of its groups; revoking the key deletes
it and archives the account. Audit events name the nickname.

An API key's groups never change, and it gets no second key and no
rotation: to change what a key may do, create a new key with the groups you
want and revoke the old one.` + cmdutil.ExitStatusHelp,
	}
	cmd.AddCommand(newCmdAPIKeysCreate(f), newCmdAPIKeysList(f), newCmdAPIKeysRevoke(f))
	return cmd
}

func newCmdAPIKeysCreate(f *cmdutil.Factory) *cobra.Command {
	opts := &struct {
		cmdutil.Base
		Req     api.CreateAPIKeyRequest
		Expires string
		Mut     cmdutil.MutationFlags
	}{Base: cmdutil.NewBase(f)}
	cmd := &cobra.Command{
		Use:   "create --name <nickname> --group <group>... [--expires-in <duration>]",
		Short: "Create an API key and its service account",
		Long: `Create an API key. Its service account is named after the nickname and
holds the groups given (at least one), for good. The secret is printed
once: store it.` + cmdutil.ExitStatusHelp,
		Example: `  sactl apikeys create --name "CI deploy" --group deployers --expires-in 90d
  sactl apikeys create --name reporting --group readers -o json | jq -r .key.secret`,
		Args: cmdutil.ExactArgs(0, "no arguments (the nickname is --name)"),
		RunE: func(c *cobra.Command, args []string) error {
			d, err := cmdutil.ParseDurationFlag("--expires-in", opts.Expires)
			if err != nil {
				return err
			}
			opts.Req.ExpiresIn = d
			return cmdutil.Change(c.Context(), &opts.Base, opts.Mut, func(backend api.API, m api.Mutation) (api.CreatedAccount, error) {
				req := opts.Req
				req.Mutation = m
				return backend.CreateAPIKey(c.Context(), req)
			}, func(res api.CreatedAccount) error { return printCreated(opts.IO, opts.Now(), res) })
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Req.Name, "name", "", "the key's nickname, which names its service account (required)")
	fl.StringArrayVarP(&opts.Req.Groups, "group", "g", nil, "a permission group the key holds (repeatable; at least one)")
	fl.StringVar(&opts.Expires, "expires-in", "", "lifetime, e.g. 90d, 6w, 1y (default: key_default_ttl)")
	_ = cmd.MarkFlagRequired("name")
	_ = cmd.RegisterFlagCompletionFunc("group", cmdutil.CompleteGroupFlag(f))
	cmdutil.AddOutputFlag(cmd, &opts.Base)
	cmdutil.AddQuietFlag(cmd, f.IOStreams)
	cmdutil.AddMutationFlags(cmd, &opts.Mut, false)
	return cmd
}

func newCmdAPIKeysList(f *cmdutil.Factory) *cobra.Command {
	opts := &struct{ cmdutil.Base }{Base: cmdutil.NewBase(f)}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the API keys",
		Long: `List the live API keys: nickname, key hint, groups, when created, last
used and when it expires. Never a secret.` + cmdutil.ExitStatusHelp,
		Example: "  sactl apikeys list\n  sactl apikeys list -o json | jq -r '.[] | select(.key.last_used_at == null) | .name'",
		Args:    cmdutil.ExactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			return cmdutil.ShowList(c.Context(), &opts.Base, func(backend api.API, p api.PageRequest) (api.Page[api.APIKey], error) {
				return backend.ListAPIKeys(c.Context(), p)
			}, func(ks []api.APIKey) error {
				if len(ks) == 0 && opts.IO.IsStderrTTY() {
					fmt.Fprintln(opts.IO.ErrOut, "no API keys")
				}
				now := opts.Now()
				t := output.NewTable(opts.IO, "nickname", "key", "status", "groups", "created", "last used", "expires")
				for _, k := range ks {
					hint, status, expires := "", string(k.Status), output.FormatTime(opts.IO, nil, now)
					if k.Key != nil {
						hint, expires = k.Key.Hint, output.FormatTime(opts.IO, k.Key.ExpiresAt, now)
						if k.Status == domain.StatusActive && k.Key.Status != "" && k.Key.Status != domain.KeyActive {
							status = string(k.Key.Status)
						}
					}
					t.AddRow(k.Name, hint, status, output.FormatEmpty(opts.IO, strings.Join(k.Groups, ",")),
						output.FormatTime(opts.IO, &k.CreatedAt, now), output.FormatTime(opts.IO, k.LastUsedAt, now), expires)
				}
				return t.Render()
			})
		},
	}
	cmdutil.AddListFlags(cmd, &opts.Base)
	return cmd
}

func newCmdAPIKeysRevoke(f *cmdutil.Factory) *cobra.Command {
	cmd := newStateCmd(f, &cobra.Command{
		Use:   "revoke <nickname> [--yes]",
		Short: "Revoke an API key: the key is deleted and its account archived",
		Long: `Revoke an API key: the key is deleted permanently and its service account
archived, in one change, so anything using the key fails at once. This
cannot be undone. Name the key by its nickname, its account's api name or
id.

On a terminal you are asked to type the account's api name; elsewhere
--yes is required.` + cmdutil.ExitStatusHelp,
		Example: "  sactl apikeys revoke ci-deploy\n  sactl apikeys revoke ci-deploy --yes -o json",
	}, true, api.API.RevokeAPIKey)
	cmd.ValidArgsFunction = cmdutil.CompleteAPIKeys(f)
	return cmd
}
