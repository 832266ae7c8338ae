package sa

import (
	"github.com/spf13/cobra"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/cmdutil"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/output"
)

// newCmdTokenRevoke is "sactl sa token revoke" (R-TOK-4, R-CLI-2).
func newCmdTokenRevoke(f *cmdutil.Factory) *cobra.Command {
	opts := cmdutil.NewBase(f)
	var mut cmdutil.MutationFlags
	cmd := &cobra.Command{
		Use:   "revoke <token-id> [--yes] [--dry-run]",
		Short: "Revoke a minted token before it expires",
		Long: `Revoke a minted token by its id (tok_…, from "sactl sa token list"): it
fails verification from now on instead of at its expiry, with the reason
"revoked". Asks for confirmation on a terminal; needs --yes otherwise.
Revoking a revoked token changes nothing; an expired token cannot be
revoked (exit 5). Needs the rights minting needs: service_accounts=edit and
the level of the token's account (the automation account's, or for a token
from OAuth2 the level of the account whose key it was exchanged for) for
every permission key.` + cmdutil.ExitStatusHelp,
		Example:           "  sactl sa token revoke tok_01jd0qg6v4b8m3k2x9r7c5t1ze --yes",
		Args:              cmdutil.ExactArgs(1, "exactly one token id"),
		ValidArgsFunction: cmdutil.CompleteLiveTokens(f),
		RunE: func(c *cobra.Command, args []string) error {
			return cmdutil.Change(c.Context(), &opts, mut, func(backend api.API, m api.Mutation) (domain.TokenRecord, error) {
				return backend.RevokeToken(c.Context(), args[0], m)
			}, func(r domain.TokenRecord) error {
				now := opts.Now()
				d := output.NewDetail(opts.IO)
				d.Add("id", r.ID)
				d.Add("status", r.Status)
				d.Add("execution", output.FormatEmpty(opts.IO, deref(r.Execution)))
				d.Add("expires_at", output.FormatTime(opts.IO, &r.ExpiresAt, now))
				d.Add("revoked_at", output.FormatTime(opts.IO, r.RevokedAt, now))
				return d.Render()
			})
		},
	}
	cmdutil.AddOutputFlag(cmd, &opts)
	cmdutil.AddMutationFlags(cmd, &mut, true)
	return cmd
}
