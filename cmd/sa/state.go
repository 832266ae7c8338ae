package sa

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/cmdutil"
	"github.com/sactl/sactl/internal/domain"
)

// stateOptions are the inputs of suspend, resume and archive.
type stateOptions struct {
	cmdutil.Base
	Ref string
	Mut cmdutil.MutationFlags
}

type stateCall func(backend api.API, ctx context.Context, ref string, m api.Mutation) (domain.Account, error)

// NewCmdSuspend is "sactl sa suspend" (R-SA-7).
func NewCmdSuspend(f *cmdutil.Factory) *cobra.Command {
	return newStateCmd(f, &cobra.Command{
		Use:   "suspend <account> [--yes]",
		Short: "Suspend a service account: its keys are kept but rejected",
		Long: `Suspend a service account. Its keys are kept but rejected until it is
resumed, and it cannot be edited meanwhile. The command lists what depends
on the account (its active keys and their last use) and asks for
confirmation.` + cmdutil.ExitStatusHelp,
		Example: "  sactl sa suspend zapier-sync\n  sactl sa suspend zapier-sync --yes -o json",
	}, true, api.API.SuspendAccount)
}

// NewCmdResume is "sactl sa resume" (R-SA-7).
func NewCmdResume(f *cmdutil.Factory) *cobra.Command {
	return newStateCmd(f, &cobra.Command{
		Use:     "resume <account>",
		Short:   "Resume a suspended service account",
		Long:    "Resume a suspended service account: its keys authenticate again." + cmdutil.ExitStatusHelp,
		Example: "  sactl sa resume zapier-sync",
	}, false, api.API.ResumeAccount)
}

// NewCmdArchive is "sactl sa archive" (R-SA-8).
func NewCmdArchive(f *cmdutil.Factory) *cobra.Command {
	return newStateCmd(f, &cobra.Command{
		Use:   "archive <account> [--yes]",
		Short: "Archive a service account and delete its keys, for good",
		Long: `Archive a service account: every key it holds is deleted permanently, so
anything using them fails at once. The account stays visible in
"sa list --archived" and in the audit log. This cannot be undone.

On a terminal you are asked to type the account's api name; elsewhere
--yes is required.` + cmdutil.ExitStatusHelp,
		Example: "  sactl sa archive zapier-sync\n  sactl sa archive zapier-sync --dry-run\n  sactl sa archive zapier-sync --yes",
	}, true, api.API.ArchiveAccount)
}

func newStateCmd(f *cmdutil.Factory, cmd *cobra.Command, destructive bool, call stateCall) *cobra.Command {
	opts := &stateOptions{Base: cmdutil.NewBase(f)}
	cmd.Args = cmdutil.ExactArgs(1, "exactly one account")
	cmd.ValidArgsFunction = cmdutil.CompleteAccounts(f)
	cmd.RunE = func(c *cobra.Command, args []string) error {
		opts.Ref = args[0]
		return cmdutil.Change(c.Context(), &opts.Base, opts.Mut, func(backend api.API, m api.Mutation) (domain.Account, error) {
			return call(backend, c.Context(), opts.Ref, m)
		}, func(a domain.Account) error { return printAccount(opts.IO, opts.Now(), a) })
	}
	cmdutil.AddOutputFlag(cmd, &opts.Base)
	cmdutil.AddMutationFlags(cmd, &opts.Mut, destructive)
	return cmd
}
