package sa

import (
	"github.com/spf13/cobra"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/cmdutil"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/output"
)

// newCmdTokenList is "sactl sa token list" (R-TOK-4).
func newCmdTokenList(f *cmdutil.Factory) *cobra.Command {
	opts := cmdutil.NewBase(f)
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the business's live signed tokens (never the tokens)",
		Long: `List the business's minted tokens that have not expired yet, oldest first:
id, the account it is of (the automation account, or a service account that
got it for one of its API keys through OAuth2), status (active, or revoked
before its expiry), execution id, when it was issued, when it expires, when
it was revoked and who minted it. Tokens are recorded by id only: the
tokens themselves are never stored.` + cmdutil.ExitStatusHelp,
		Example: "  sactl sa token list\n  sactl sa token list -o json | jq -r '.[] | select(.status == \"active\") | .id'",
		Args:    cmdutil.ExactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			return cmdutil.ShowList(c.Context(), &opts, func(backend api.API, p api.PageRequest) (api.Page[domain.TokenRecord], error) {
				return backend.ListTokens(c.Context(), p)
			}, func(toks []domain.TokenRecord) error {
				t := output.NewTable(opts.IO, "id", "account", "status", "execution", "issued_at", "expires_at", "revoked_at", "created_by")
				t.NoTruncate("id", "account")
				now := opts.Now()
				for _, r := range toks {
					t.AddRow(r.ID, r.Account, r.Status, output.FormatEmpty(opts.IO, deref(r.Execution)),
						output.FormatTime(opts.IO, &r.IssuedAt, now), output.FormatTime(opts.IO, &r.ExpiresAt, now),
						output.FormatTime(opts.IO, r.RevokedAt, now), r.CreatedBy)
				}
				return t.Render()
			})
		},
	}
	cmdutil.AddListFlags(cmd, &opts)
	return cmd
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
