package sa

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/cmdutil"
	"github.com/sactl/sactl/internal/domain"
)

// listOptions are the inputs of "sa list".
type listOptions struct {
	cmdutil.Base
	Req api.ListAccountsRequest
}

// NewCmdList is "sactl sa list".
func NewCmdList(f *cmdutil.Factory) *cobra.Command {
	opts := &listOptions{Base: cmdutil.NewBase(f)}
	cmd := &cobra.Command{
		Use:     "list [--status <status>] [--group <group>] [--admin <user>] [--archived]",
		Aliases: []string{"ls"},
		Short:   "List service accounts",
		Long: `List the business's service accounts, the automation account included.

Archived accounts are left out unless --archived (or --status archived) is
given. --admin lists the accounts a user administers (sa admins); a user
may list its own without service_accounts=view.` + cmdutil.ExitStatusHelp,
		Example: `  sactl sa list
  sactl sa list --status disabled
  sactl sa list --group admins -o json | jq -r '.[].api_name'
  sactl sa list --admin alice@example.com`,
		Args: cmdutil.ExactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			return listRun(c, opts)
		},
	}
	cmd.Flags().StringVar((*string)(&opts.Req.Status), "status", "", "only accounts with this status: {active|disabled|suspended|archived}")
	cmd.Flags().StringVarP(&opts.Req.Group, "group", "g", "", "only members of this group")
	_ = cmd.RegisterFlagCompletionFunc("group", cmdutil.CompleteGroupFlag(f))
	cmd.Flags().BoolVar(&opts.Req.Archived, "archived", false, "include archived accounts")
	cmd.Flags().StringVar(&opts.Req.Admin, "admin", "", "only accounts this user (email, id or name) administers")
	_ = cmd.RegisterFlagCompletionFunc("admin", cmdutil.CompleteUsers(f))
	_ = cmd.RegisterFlagCompletionFunc("status", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"active", "disabled", "suspended", "archived"}, cobra.ShellCompDirectiveNoFileComp
	})
	cmdutil.AddListFlags(cmd, &opts.Base)
	return cmd
}

func listRun(c *cobra.Command, opts *listOptions) error {
	return cmdutil.ShowList(c.Context(), &opts.Base, func(backend api.API, p api.PageRequest) (api.Page[domain.Account], error) {
		req := opts.Req
		req.PageRequest = p
		return backend.ListAccounts(c.Context(), req)
	}, func(accts []domain.Account) error {
		if len(accts) == 0 && opts.IO.IsStderrTTY() {
			fmt.Fprintln(opts.IO.ErrOut, "no service accounts match")
		}
		return printAccounts(opts.IO, opts.Now(), accts)
	})
}
