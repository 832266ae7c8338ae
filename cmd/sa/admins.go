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

// NewCmdAdmins is "sactl sa admins" (R-SA-12).
func NewCmdAdmins(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "admins <command>",
		Short: "Name the users who manage one service account",
		Long: `Name the users who manage one service account (its admins).

An account admin may edit that account, suspend and resume it and manage
its keys as if it held service_accounts=edit on it alone, without any
business-wide level. It cannot archive the account unless it holds
service_accounts=remove, and it is still bound by every other rule: it can
take a key only of an account no stronger than itself (R-PERM-9) and hand
out no level above its own (R-PERM-8).

Naming admins needs service_accounts=edit. "sa list --admin USER" lists the
accounts a user administers.` + cmdutil.ExitStatusHelp,
	}
	cmd.AddCommand(newCmdAdminsChange(f, true), newCmdAdminsChange(f, false), newCmdAdminsList(f))
	return cmd
}

type adminsOptions struct {
	cmdutil.Base
	Account, User string
	Mut           cmdutil.MutationFlags
}

func newCmdAdminsChange(f *cmdutil.Factory, add bool) *cobra.Command {
	opts := &adminsOptions{Base: cmdutil.NewBase(f)}
	cmd := &cobra.Command{
		Use:               "add <account> <user>",
		Short:             "Make a user an admin of the account",
		Long:              "Make a user (by email, id or unique name) an admin of the account. Adding one who already is changes nothing." + cmdutil.ExitStatusHelp,
		Example:           "  sactl sa admins add zapier-sync alice@example.com",
		Args:              cmdutil.ExactArgs(2, "an account and a user"),
		ValidArgsFunction: cmdutil.CompleteAccountThenUser(f),
	}
	call := api.API.AddAccountAdmin
	if !add {
		cmd.Use, cmd.Short = "remove <account> <user>", "Take a user's admin rights on the account away"
		cmd.Long = "Take a user's admin rights on the account away. Removing one who is not an admin changes nothing." + cmdutil.ExitStatusHelp
		cmd.Example = "  sactl sa admins remove zapier-sync alice@example.com"
		call = api.API.RemoveAccountAdmin
	}
	cmd.RunE = func(c *cobra.Command, args []string) error {
		opts.Account, opts.User = args[0], args[1]
		return cmdutil.Change(c.Context(), &opts.Base, opts.Mut, func(backend api.API, m api.Mutation) (domain.Account, error) {
			return call(backend, c.Context(), opts.Account, opts.User, m)
		}, func(a domain.Account) error { return printAccount(opts.IO, opts.Now(), a) })
	}
	cmdutil.AddOutputFlag(cmd, &opts.Base)
	cmdutil.AddMutationFlags(cmd, &opts.Mut, false)
	return cmd
}

func newCmdAdminsList(f *cmdutil.Factory) *cobra.Command {
	opts := &adminsOptions{Base: cmdutil.NewBase(f)}
	cmd := &cobra.Command{
		Use:               "list <account>",
		Aliases:           []string{"ls"},
		Short:             "List the account's admins",
		Long:              "List the users who administer the account, by email." + cmdutil.ExitStatusHelp,
		Example:           "  sactl sa admins list zapier-sync\n  sactl sa admins list zapier-sync -o json | jq -r '.[].email'",
		Args:              cmdutil.ExactArgs(1, "exactly one account"),
		ValidArgsFunction: cmdutil.CompleteAccounts(f),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Account = args[0]
			return cmdutil.Show(c.Context(), &opts.Base, func(backend api.API) ([]domain.User, error) {
				return backend.ListAccountAdmins(c.Context(), opts.Account)
			}, func(us []domain.User) error {
				if len(us) == 0 && opts.IO.IsStderrTTY() {
					fmt.Fprintln(opts.IO.ErrOut, "the account has no admins")
				}
				t := output.NewTable(opts.IO, "email", "name", "status", "groups")
				for _, u := range us {
					t.AddRow(u.Email, u.Name, string(u.Status), output.FormatEmpty(opts.IO, strings.Join(u.Groups, ",")))
				}
				return t.Render()
			})
		},
	}
	cmdutil.AddOutputFlag(cmd, &opts.Base)
	return cmd
}
