package sa

import (
	"github.com/spf13/cobra"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/cmdutil"
	"github.com/sactl/sactl/internal/domain"
)

// getOptions are the inputs of "sa get".
type getOptions struct {
	cmdutil.Base
	Ref string
}

// NewCmdGet is "sactl sa get".
func NewCmdGet(f *cmdutil.Factory) *cobra.Command {
	opts := &getOptions{Base: cmdutil.NewBase(f)}
	cmd := &cobra.Command{
		Use:               "get <account>",
		Aliases:           []string{"show", "view"},
		Short:             "Show one service account",
		Long:              "Show one service account, named by id, api name or exact name." + cmdutil.ExitStatusHelp,
		Example:           "  sactl sa get zapier-sync\n  sactl sa get \"Zapier Sync\" -o json",
		Args:              cmdutil.ExactArgs(1, "exactly one account"),
		ValidArgsFunction: cmdutil.CompleteAccounts(f),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Ref = args[0]
			return cmdutil.Show(c.Context(), &opts.Base, func(backend api.API) (domain.Account, error) {
				return backend.GetAccount(c.Context(), opts.Ref)
			}, func(a domain.Account) error { return printAccount(opts.IO, opts.Now(), a) })
		},
	}
	cmdutil.AddOutputFlag(cmd, &opts.Base)
	return cmd
}
