package sa

import (
	"github.com/spf13/cobra"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/cmdutil"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/output"
)

// NewCmdToken is "sactl sa token" (R-TOK-1).
func NewCmdToken(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token <command>",
		Short: "Signed tokens for the automation account",
		Long: `Mint short-lived signed tokens for the business's automation account, list the live ones and revoke them.
The list also holds the tokens service accounts got for their API keys
through OAuth2 (POST /oauth2/token), which revoke the same way.` + cmdutil.ExitStatusHelp,
	}
	opts := cmdutil.NewBase(f)
	var ttl string
	var req api.MintTokenRequest
	mint := &cobra.Command{
		Use:   "mint [--expires-in <duration>] [--execution <id>]",
		Short: "Mint a signed token for the automation account",
		Long: `Mint a short-lived token (sat_…) for the automation account: at most one
hour, 15 minutes by default. Verification needs no database write; rotating
the signing key (sactl tokens rotate-signing-key) leaves tokens already
issued valid until they expire. Needs service_accounts=edit and, as the
token carries the automation account's power, at least its level for every
permission key. A signed token never mints another.` + cmdutil.ExitStatusHelp,
		Example: "  sactl sa token mint --expires-in 5m --execution run-42 --jq .token",
		Args:    cmdutil.ExactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			flag := "--expires-in"
			if c.Flags().Changed("ttl") {
				flag = "--ttl"
			}
			d, err := cmdutil.ParseDurationFlag(flag, ttl)
			if err != nil {
				return err
			}
			req.TTL = d
			return cmdutil.Show(c.Context(), &opts, func(backend api.API) (domain.MintedToken, error) {
				return backend.MintToken(c.Context(), req)
			}, func(tok domain.MintedToken) error {
				d := output.NewDetail(opts.IO)
				d.Add("id", tok.ID)
				d.Add("account", tok.Account)
				d.Add("execution", output.FormatEmpty(opts.IO, deref(tok.Execution)))
				d.Add("expires_at", output.FormatTime(opts.IO, &tok.ExpiresAt, opts.Now()))
				d.Add("token", tok.Token)
				return d.Render()
			})
		},
	}
	// --expires-in is every credential's expiry flag (R-CLI-8); --ttl, its
	// old name, stays as a hidden alias.
	mint.Flags().StringVar(&ttl, "expires-in", "", "lifetime, at most 1h (default 15m)")
	mint.Flags().StringVar(&ttl, "ttl", "", "lifetime (the old name of --expires-in)")
	_ = mint.Flags().MarkHidden("ttl")
	mint.MarkFlagsMutuallyExclusive("expires-in", "ttl")
	mint.Flags().StringVar(&req.Execution, "execution", "", "an execution id recorded in the token")
	cmdutil.AddOutputFlag(mint, &opts)
	cmd.AddCommand(mint, newCmdTokenList(f), newCmdTokenRevoke(f))
	return cmd
}
