package users

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/cmdutil"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/iostreams"
	"github.com/sactl/sactl/internal/output"
)

// newCmdTokens is "sactl users tokens" (R-USER-2).
func newCmdTokens(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tokens <command>",
		Short: "Manage users' personal tokens for the server",
		Long:  "Manage users' personal tokens (sau_…), with which people authenticate to sactl serve." + cmdutil.ExitStatusHelp,
	}
	cmd.AddCommand(newCmdTokensCreate(f), newCmdTokensList(f), newCmdTokensRevoke(f))
	return cmd
}

func printToken(ios *iostreams.IOStreams, now time.Time, t domain.UserToken) error {
	d := output.NewDetail(ios)
	d.Add("id", t.ID)
	d.Add("user", t.User)
	d.Add("name", output.FormatEmpty(ios, t.Name))
	d.Add("hint", t.Hint)
	d.Add("expires_at", output.FormatTime(ios, t.ExpiresAt, now))
	d.Add("revoked_at", output.FormatTime(ios, t.RevokedAt, now))
	if t.Secret != "" {
		d.Add("secret", t.Secret)
	}
	return d.Render()
}

func newCmdTokensCreate(f *cmdutil.Factory) *cobra.Command {
	opts := cmdutil.NewBase(f)
	var mut cmdutil.MutationFlags
	var req api.CreateUserTokenRequest
	var expires string
	cmd := &cobra.Command{
		Use:               "create <user> [--name <name>] [--expires-in <duration>]",
		Example:           "  sactl users tokens create ada@example.com --name laptop --expires-in 90d",
		Short:             "Create a personal token for a user (shown once)",
		Long:              "Create a personal token for a user. Its secret is printed once. A user token is created only by its own user (authenticated as that user) or by a local operator; never by a service account or a signed token." + cmdutil.ExitStatusHelp,
		Args:              cmdutil.ExactArgs(1, "exactly one user"),
		ValidArgsFunction: cmdutil.CompleteUser(f),
		RunE: func(c *cobra.Command, args []string) error {
			d, err := cmdutil.ParseDurationFlag("--expires-in", expires)
			if err != nil {
				return err
			}
			req.Ref, req.ExpiresIn = args[0], d
			return cmdutil.Change(c.Context(), &opts, mut, func(backend api.API, m api.Mutation) (domain.UserToken, error) {
				r := req
				r.Mutation = m
				return backend.CreateUserToken(c.Context(), r)
			}, func(t domain.UserToken) error {
				if err := printToken(opts.IO, opts.Now(), t); err != nil {
					return err
				}
				if opts.IO.IsStderrTTY() && t.Secret != "" {
					opts.IO.Ack("Store this token now: it will not be shown again.")
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&req.Name, "name", "", "a name for the token, e.g. the laptop it is for")
	cmd.Flags().StringVar(&expires, "expires-in", "", "lifetime, e.g. 90d (default: no expiry)")
	cmdutil.AddQuietFlag(cmd, f.IOStreams)
	cmdutil.AddOutputFlag(cmd, &opts)
	cmdutil.AddMutationFlags(cmd, &mut, false)
	return cmd
}

func newCmdTokensList(f *cmdutil.Factory) *cobra.Command {
	opts := cmdutil.NewBase(f)
	cmd := &cobra.Command{
		Use:               "list <user>",
		Example:           "  sactl users tokens list ada@example.com",
		Aliases:           []string{"ls"},
		Short:             "List a user's tokens (never their secrets)",
		Long:              "List a user's personal tokens." + cmdutil.ExitStatusHelp,
		Args:              cmdutil.ExactArgs(1, "exactly one user"),
		ValidArgsFunction: cmdutil.CompleteUser(f),
		RunE: func(c *cobra.Command, args []string) error {
			return cmdutil.ShowList(c.Context(), &opts, func(backend api.API, p api.PageRequest) (api.Page[domain.UserToken], error) {
				return backend.ListUserTokens(c.Context(), args[0], p)
			}, func(ts []domain.UserToken) error {
				t := output.NewTable(opts.IO, "id", "name", "hint", "created_at", "expires_at", "revoked_at", "last_used_at")
				now := opts.Now()
				for _, u := range ts {
					t.AddRow(u.ID, output.FormatEmpty(opts.IO, u.Name), u.Hint, output.FormatTime(opts.IO, &u.CreatedAt, now),
						output.FormatTime(opts.IO, u.ExpiresAt, now), output.FormatTime(opts.IO, u.RevokedAt, now), output.FormatTime(opts.IO, u.LastUsedAt, now))
				}
				return t.Render()
			})
		},
	}
	cmdutil.AddListFlags(cmd, &opts)
	return cmd
}

func newCmdTokensRevoke(f *cmdutil.Factory) *cobra.Command {
	opts := cmdutil.NewBase(f)
	var mut cmdutil.MutationFlags
	cmd := &cobra.Command{
		Use:   "revoke <user> <token-id> [--yes]",
		Short: "Revoke a user's token at once",
		Long: `Revoke a user's personal token, after confirmation (or --yes): requests
using it fail from now on. Revoking a revoked token changes nothing.` + cmdutil.ExitStatusHelp,
		Example:           "  sactl users tokens revoke ada@example.com utk_01jd… --yes",
		Args:              cmdutil.ExactArgs(2, "a user and a token id"),
		ValidArgsFunction: cmdutil.CompleteUserThenToken(f),
		RunE: func(c *cobra.Command, args []string) error {
			return cmdutil.Change(c.Context(), &opts, mut, func(backend api.API, m api.Mutation) (domain.UserToken, error) {
				return backend.RevokeUserToken(c.Context(), args[0], args[1], m)
			}, func(t domain.UserToken) error { return printToken(opts.IO, opts.Now(), t) })
		},
	}
	cmdutil.AddOutputFlag(cmd, &opts)
	cmdutil.AddMutationFlags(cmd, &mut, true)
	return cmd
}
