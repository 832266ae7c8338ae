// Package users holds "sactl users" and "sactl seats": human users (R-USER-1, R-SA-9).
package users

import (
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/cmdutil"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/iostreams"
	"github.com/sactl/sactl/internal/output"
)

// NewCmdUsers is "sactl users".
func NewCmdUsers(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "users <command>",
		Short: "Manage human users",
		Long: `Manage the business's human users. Service accounts never appear here;
"users search --include-service-accounts" is the one exception.

Name a user by id, email or (unique) name.` + cmdutil.ExitStatusHelp,
	}
	groups := &cobra.Command{Use: "groups <command>", Short: "Set a user's permission groups", Long: "Set, add, remove or clear a user's permission groups." + cmdutil.ExitStatusHelp}
	for _, op := range []api.GroupOp{api.GroupsSet, api.GroupsAdd, api.GroupsRemove, api.GroupsClear} {
		groups.AddCommand(newCmdGroupsChange(f, op))
	}
	cmd.AddCommand(newCmdCreate(f), newCmdList(f), newCmdGet(f), newCmdUpdate(f), newCmdRemove(f), newCmdSearch(f), groups, newCmdTokens(f))
	return cmd
}

func printUsers(ios *iostreams.IOStreams, now time.Time, us []domain.User) error {
	t := output.NewTable(ios, "id", "name", "email", "status", "groups", "created_at")
	for _, u := range us {
		t.AddRow(u.ID, u.Name, u.Email, string(u.Status), output.FormatEmpty(ios, strings.Join(u.Groups, ",")), output.FormatTime(ios, &u.CreatedAt, now))
	}
	return t.Render()
}

func printUser(ios *iostreams.IOStreams, now time.Time, u domain.User) error {
	d := output.NewDetail(ios)
	d.Add("id", u.ID)
	d.Add("name", u.Name)
	d.Add("email", u.Email)
	d.Add("status", string(u.Status))
	d.Add("groups", output.FormatEmpty(ios, strings.Join(u.Groups, ",")))
	d.Add("created_at", output.FormatTime(ios, &u.CreatedAt, now))
	if u.ArchivedAt != nil {
		d.Add("removed_at", output.FormatTime(ios, u.ArchivedAt, now))
	}
	return d.Render()
}

func newCmdCreate(f *cmdutil.Factory) *cobra.Command {
	opts := cmdutil.NewBase(f)
	var req api.CreateUserRequest
	var mut cmdutil.MutationFlags
	cmd := &cobra.Command{
		Use:     "create <name> --email <email> [--group <group>]...",
		Short:   "Add a human user",
		Long:    "Add a human user. Users count as seats (see sactl seats)." + cmdutil.ExitStatusHelp,
		Example: `  sactl users create "Ada Lovelace" --email ada@example.com --group admins`,
		Args:    cmdutil.ExactArgs(1, "exactly one name (quote names with spaces)"),
		RunE: func(c *cobra.Command, args []string) error {
			req.Name = args[0]
			return cmdutil.Change(c.Context(), &opts, mut, func(backend api.API, m api.Mutation) (domain.User, error) {
				r := req
				r.Mutation = m
				return backend.CreateUser(c.Context(), r)
			}, func(u domain.User) error { return printUser(opts.IO, opts.Now(), u) })
		},
	}
	cmd.Flags().StringVar(&req.Email, "email", "", "the user's email address (required)")
	_ = cmd.MarkFlagRequired("email")
	cmd.Flags().StringArrayVarP(&req.Groups, "group", "g", nil, "a permission group to assign (repeatable)")
	_ = cmd.RegisterFlagCompletionFunc("group", cmdutil.CompleteGroupFlag(f))
	cmdutil.AddOutputFlag(cmd, &opts)
	cmdutil.AddMutationFlags(cmd, &mut, false)
	return cmd
}

func newCmdList(f *cmdutil.Factory) *cobra.Command {
	opts := cmdutil.NewBase(f)
	var req api.ListUsersRequest
	cmd := &cobra.Command{
		Use:     "list [--group <group>] [--removed]",
		Example: "  sactl users list\n  sactl users list --group admins -o json --jq '.[].email'",
		Aliases: []string{"ls"},
		Short:   "List human users",
		Long:    "List the business's human users; service accounts are never listed here (R-SA-9)." + cmdutil.ExitStatusHelp,
		Args:    cmdutil.ExactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			return cmdutil.ShowList(c.Context(), &opts, func(backend api.API, p api.PageRequest) (api.Page[domain.User], error) {
				req.PageRequest = p
				return backend.ListUsers(c.Context(), req)
			}, func(us []domain.User) error { return printUsers(opts.IO, opts.Now(), us) })
		},
	}
	cmd.Flags().StringVarP(&req.Group, "group", "g", "", "only members of this group")
	_ = cmd.RegisterFlagCompletionFunc("group", cmdutil.CompleteGroupFlag(f))
	cmd.Flags().BoolVar(&req.Removed, "removed", false, "include removed users")
	cmdutil.AddListFlags(cmd, &opts)
	return cmd
}

func newCmdGet(f *cmdutil.Factory) *cobra.Command {
	opts := cmdutil.NewBase(f)
	cmd := &cobra.Command{
		Use:               "get <user>",
		Example:           "  sactl users get ada@example.com\n  sactl users get ada@example.com -o json",
		Aliases:           []string{"show", "view"},
		Short:             "Show one user",
		Long:              "Show one user, named by id, email or name." + cmdutil.ExitStatusHelp,
		Args:              cmdutil.ExactArgs(1, "exactly one user"),
		ValidArgsFunction: cmdutil.CompleteUser(f),
		RunE: func(c *cobra.Command, args []string) error {
			return cmdutil.Show(c.Context(), &opts, func(backend api.API) (domain.User, error) {
				return backend.GetUser(c.Context(), args[0])
			}, func(u domain.User) error { return printUser(opts.IO, opts.Now(), u) })
		},
	}
	cmdutil.AddOutputFlag(cmd, &opts)
	return cmd
}

func newCmdUpdate(f *cmdutil.Factory) *cobra.Command {
	opts := cmdutil.NewBase(f)
	var name, email string
	var mut cmdutil.MutationFlags
	cmd := &cobra.Command{
		Use:               "update <user> [--name <name>] [--email <email>]",
		Example:           "  sactl users update ada@example.com --name 'Ada King'",
		Short:             "Change a user's name or email",
		Long:              "Change a user's name or email." + cmdutil.ExitStatusHelp,
		Args:              cmdutil.ExactArgs(1, "exactly one user"),
		ValidArgsFunction: cmdutil.CompleteUser(f),
		RunE: func(c *cobra.Command, args []string) error {
			req := api.UpdateUserRequest{Ref: args[0]}
			if c.Flags().Changed("name") {
				req.Name = &name
			}
			if c.Flags().Changed("email") {
				req.Email = &email
			}
			return cmdutil.Change(c.Context(), &opts, mut, func(backend api.API, m api.Mutation) (domain.User, error) {
				r := req
				r.Mutation = m
				return backend.UpdateUser(c.Context(), r)
			}, func(u domain.User) error { return printUser(opts.IO, opts.Now(), u) })
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "new name")
	cmd.Flags().StringVar(&email, "email", "", "new email address")
	cmdutil.AddOutputFlag(cmd, &opts)
	cmdutil.AddMutationFlags(cmd, &mut, false)
	return cmd
}

func newCmdRemove(f *cmdutil.Factory) *cobra.Command {
	opts := cmdutil.NewBase(f)
	var mut cmdutil.MutationFlags
	cmd := &cobra.Command{
		Use:     "remove <user> [--yes]",
		Example: "  sactl users remove ada@example.com\n  sactl users remove ada@example.com --yes",
		Aliases: []string{"rm"},
		Short:   "Remove a user from the business",
		Long: `Remove a user: they lose every group and stop counting as a seat. The
record stays, marked removed, for the audit log. Asks for confirmation, or
needs --yes.` + cmdutil.ExitStatusHelp,
		Args:              cmdutil.ExactArgs(1, "exactly one user"),
		ValidArgsFunction: cmdutil.CompleteUser(f),
		RunE: func(c *cobra.Command, args []string) error {
			return cmdutil.Change(c.Context(), &opts, mut, func(backend api.API, m api.Mutation) (domain.User, error) {
				return backend.RemoveUser(c.Context(), args[0], m)
			}, func(u domain.User) error { return printUser(opts.IO, opts.Now(), u) })
		},
	}
	cmdutil.AddOutputFlag(cmd, &opts)
	cmdutil.AddMutationFlags(cmd, &mut, true)
	return cmd
}

func newCmdGroupsChange(f *cmdutil.Factory, op api.GroupOp) *cobra.Command {
	opts := cmdutil.NewBase(f)
	var mut cmdutil.MutationFlags
	use, args := string(op)+" <user> <group>...", cmdutil.MinArgs(2, "a user and at least one group")
	switch op {
	case api.GroupsClear:
		use, args = "clear <user>", cmdutil.ExactArgs(1, "exactly one user")
	case api.GroupsSet:
		args = cmdutil.MinArgs(1, "a user and its groups")
	}
	cmd := &cobra.Command{
		Use:               use,
		Example:           "  sactl users groups " + string(op) + " ada@example.com" + map[api.GroupOp]string{api.GroupsSet: " admins readers", api.GroupsAdd: " readers", api.GroupsRemove: " readers", api.GroupsClear: " --yes"}[op],
		Short:             map[api.GroupOp]string{api.GroupsSet: "Replace the user's groups", api.GroupsAdd: "Add groups to the user", api.GroupsRemove: "Remove groups from the user", api.GroupsClear: "Remove every group from the user"}[op],
		Args:              args,
		ValidArgsFunction: cmdutil.CompleteUserThenGroups(f),
		RunE: func(c *cobra.Command, args []string) error {
			req := api.ChangeGroupsRequest{Ref: args[0], Op: op, Groups: args[1:]}
			return cmdutil.Change(c.Context(), &opts, mut, func(backend api.API, m api.Mutation) (domain.User, error) {
				r := req
				r.Mutation = m
				return backend.ChangeUserGroups(c.Context(), r)
			}, func(u domain.User) error { return printUser(opts.IO, opts.Now(), u) })
		},
	}
	cmd.Long = cmd.Short + "." + cmdutil.ExitStatusHelp
	cmdutil.AddOutputFlag(cmd, &opts)
	cmdutil.AddMutationFlags(cmd, &mut, false)
	return cmd
}

func newCmdSearch(f *cmdutil.Factory) *cobra.Command {
	opts := cmdutil.NewBase(f)
	var req api.SearchRequest
	cmd := &cobra.Command{
		Use:   "search <prefix> [--include-service-accounts] [--limit <n>]",
		Short: "Find users by the start of their name or email (typeahead)",
		Long: `Find users whose name, a word of their name, or email starts with the prefix,
ignoring case. Service accounts are left out unless
--include-service-accounts is given (R-SA-9).` + cmdutil.ExitStatusHelp,
		Example: "  sactl users search ada\n  sactl users search zap --include-service-accounts",
		Args:    cmdutil.ExactArgs(1, "exactly one prefix"),
		RunE: func(c *cobra.Command, args []string) error {
			req.Prefix = args[0]
			return cmdutil.Show(c.Context(), &opts, func(backend api.API) ([]domain.Account, error) {
				return backend.SearchPrincipals(c.Context(), req)
			}, func(res []domain.Account) error {
				t := output.NewTable(opts.IO, "id", "name", "email", "account_type", "status")
				for _, a := range res {
					t.AddRow(a.ID, a.Name, a.Email, string(a.AccountType), string(a.Status))
				}
				return t.Render()
			})
		},
	}
	cmd.Flags().BoolVar(&req.IncludeServiceAccounts, "include-service-accounts", false, "include service accounts")
	cmd.Flags().IntVarP(&req.Limit, "limit", "L", 20, "most results (1-100)")
	cmdutil.AddOutputFlag(cmd, &opts)
	return cmd
}

// NewCmdSeats is "sactl seats" (R-SA-9).
func NewCmdSeats(f *cmdutil.Factory) *cobra.Command {
	opts := cmdutil.NewBase(f)
	cmd := &cobra.Command{
		Use:     "seats",
		Example: "  sactl seats\n  sactl seats -o json --jq .seats",
		Short:   "Count billable seats: human users, never service accounts",
		Long:    "Count the business's seats: its human users who have not been removed. Service accounts are reported apart and never billed." + cmdutil.ExitStatusHelp,
		Args:    cmdutil.ExactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			return cmdutil.Show(c.Context(), &opts, func(backend api.API) (domain.Seats, error) {
				return backend.Seats(c.Context())
			}, func(s domain.Seats) error {
				d := output.NewDetail(opts.IO)
				d.Add("seats", strconv.Itoa(s.Seats))
				d.Add("service_accounts", strconv.Itoa(s.ServiceAccounts))
				return d.Render()
			})
		},
	}
	cmdutil.AddOutputFlag(cmd, &opts)
	return cmd
}
