package sa

import (
	"github.com/spf13/cobra"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/cmdutil"
	"github.com/sactl/sactl/internal/domain"
)

// groupsOptions are the inputs of "sa groups set|add|remove|clear".
type groupsOptions struct {
	cmdutil.Base
	Req api.ChangeGroupsRequest
	Mut cmdutil.MutationFlags
}

// NewCmdGroups is "sactl sa groups" (R-SA-6).
func NewCmdGroups(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "groups <command>",
		Short: "Set a service account's permission groups",
		Long: `Set, add, remove or clear a service account's permission groups.

An account with no group is disabled: its keys stop working. Removing the
last group therefore asks for confirmation (or --yes).` + cmdutil.ExitStatusHelp,
	}
	cmd.AddCommand(
		NewCmdGroupsChange(f, api.GroupsSet, "set <account> <group>...", "Replace the account's groups with these", 1),
		NewCmdGroupsChange(f, api.GroupsAdd, "add <account> <group>...", "Add groups to the account", 2),
		NewCmdGroupsChange(f, api.GroupsRemove, "remove <account> <group>...", "Remove groups from the account", 2),
		NewCmdGroupsChange(f, api.GroupsClear, "clear <account> [--yes]", "Remove every group: the account becomes disabled", 1),
	)
	return cmd
}

// NewCmdGroupsChange is one of "sa groups set|add|remove|clear".
func NewCmdGroupsChange(f *cmdutil.Factory, op api.GroupOp, use, short string, minArgs int) *cobra.Command {
	opts := &groupsOptions{Base: cmdutil.NewBase(f)}
	args := cmdutil.MinArgs(minArgs, "an account and at least one group")
	if op == api.GroupsClear {
		args = cmdutil.ExactArgs(1, "exactly one account")
	}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Long:  short + "." + cmdutil.ExitStatusHelp,
		Example: map[api.GroupOp]string{
			api.GroupsSet:    "  sactl sa groups set zapier-sync readers writers",
			api.GroupsAdd:    "  sactl sa groups add zapier-sync writers",
			api.GroupsRemove: "  sactl sa groups remove zapier-sync writers",
			api.GroupsClear:  "  sactl sa groups clear zapier-sync --yes",
		}[op],
		Args:              args,
		ValidArgsFunction: cmdutil.CompleteAccountThenGroups(f),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Req.Ref, opts.Req.Op, opts.Req.Groups = args[0], op, args[1:]
			return cmdutil.Change(c.Context(), &opts.Base, opts.Mut, func(backend api.API, m api.Mutation) (domain.Account, error) {
				req := opts.Req
				req.Mutation = m
				return backend.ChangeAccountGroups(c.Context(), req)
			}, func(a domain.Account) error { return printAccount(opts.IO, opts.Now(), a) })
		},
	}
	cmdutil.AddOutputFlag(cmd, &opts.Base)
	cmdutil.AddMutationFlags(cmd, &opts.Mut, op != api.GroupsAdd)
	return cmd
}
