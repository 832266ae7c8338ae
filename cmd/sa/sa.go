// Package sa holds the "sactl sa" commands: service accounts.
package sa

import (
	"github.com/sactl/sactl/internal/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdSA is "sactl sa".
func NewCmdSA(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "sa <command>",
		Aliases: []string{"service-accounts"},
		Short:   "Manage service accounts",
		Long: `Manage service accounts: create, list, update, suspend, archive, and set
their permission groups.

Name an account by its id, its api name or its exact name.` + cmdutil.ExitStatusHelp,
	}
	cmd.AddCommand(
		NewCmdCreate(f),
		NewCmdList(f),
		NewCmdGet(f),
		NewCmdUpdate(f),
		NewCmdSuspend(f),
		NewCmdResume(f),
		NewCmdArchive(f),
		NewCmdGroups(f),
		NewCmdAdmins(f),
		NewCmdAudit(f),
		NewCmdKeys(f),
		NewCmdToken(f),
	)
	return cmd
}
