// Package tokens holds "sactl tokens": the business's token signing key.
package tokens

import (
	"github.com/spf13/cobra"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/cmdutil"
	"github.com/sactl/sactl/internal/output"
)

// NewCmdTokens is "sactl tokens" (R-TOK-2).
func NewCmdTokens(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tokens <command>",
		Short: "Manage the signing key of automation tokens",
		Long:  "Manage the key that signs the automation account's tokens." + cmdutil.ExitStatusHelp,
	}
	opts := cmdutil.NewBase(f)
	var mut cmdutil.MutationFlags
	rotate := &cobra.Command{
		Use:     "rotate-signing-key",
		Example: "  sactl tokens rotate-signing-key\n  sactl tokens rotate-signing-key --dry-run",
		Short:   "Start signing tokens with a new key",
		Long: `Start signing tokens with a new key. Tokens signed with the previous key
keep verifying until they expire (at most one hour).` + cmdutil.ExitStatusHelp,
		Args: cmdutil.ExactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			backend, err := opts.Backend(c.Context())
			if err != nil {
				return err
			}
			id, err := cmdutil.Mutate(opts.IO, mut, func(m api.Mutation) (string, error) {
				return backend.RotateSigningKey(c.Context(), m)
			})
			if err != nil {
				return err
			}
			res := map[string]string{"signing_key": id}
			return opts.PrintChange(mut, res, func() error {
				d := output.NewDetail(opts.IO)
				d.Add("signing_key", id)
				return d.Render()
			})
		},
	}
	cmdutil.AddOutputFlag(rotate, &opts)
	cmdutil.AddMutationFlags(rotate, &mut, false)
	cmd.AddCommand(rotate)
	return cmd
}
