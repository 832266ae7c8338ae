// Package groups holds "sactl groups": permission groups (R-PERM-1..7).
package groups

import (
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/cmdutil"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/iostreams"
	"github.com/sactl/sactl/internal/output"
)

// NewCmdGroups is "sactl groups".
func NewCmdGroups(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "groups <command>",
		Short: "Manage permission groups",
		Long: `Manage permission groups: named sets of permissions (key=level) assigned
to users and service accounts. Levels are none < view < edit < remove; a
principal's level for a key is the highest across its groups.

sactl checks service_accounts, groups, users, audit, config_export,
config_import, settings and introspection; any other key (contacts,
deals, ...) is stored for the applications that read introspection results.

Nobody hands out more than they hold: creating or editing a group, or
assigning one, needs at least every level it grants, application keys
included; taking a group away from someone else, lowering a level or
deleting a group needs the levels taken away.

The built-in "admins" group holds every sactl key at remove; it cannot be
changed or deleted, but its members can. The "automation" group belongs to
the automation account alone.` + cmdutil.ExitStatusHelp,
	}
	cmd.AddCommand(newCmdCreate(f), newCmdList(f), newCmdGet(f), newCmdUpdate(f), newCmdDelete(f))
	return cmd
}

func printGroups(ios *iostreams.IOStreams, gs []domain.Group) error {
	t := output.NewTable(ios, "name", "permissions", "member_count", "builtin", "description")
	for _, g := range gs {
		t.AddRow(g.Name, g.Permissions.String(), strconv.Itoa(g.MemberCount), strconv.FormatBool(g.Builtin), output.FormatEmpty(ios, g.Description))
	}
	return t.Render()
}

func printGroup(ios *iostreams.IOStreams, now time.Time, g domain.Group) error {
	d := output.NewDetail(ios)
	d.Add("name", g.Name)
	d.Add("description", output.FormatEmpty(ios, g.Description))
	d.Add("builtin", strconv.FormatBool(g.Builtin))
	d.Add("protected", strconv.FormatBool(g.Protected))
	d.Add("member_count", strconv.Itoa(g.MemberCount))
	for _, k := range g.Permissions.Keys() {
		d.Add("permission "+k, g.Permissions[k].String())
	}
	d.Add("created_at", output.FormatTime(ios, &g.CreatedAt, now))
	return d.Render()
}

func parsePerms(list []string) (domain.Permissions, error) {
	p, err := domain.ParsePermissions(list)
	if err != nil {
		return nil, cmdutil.FlagErrorf("%s", err)
	}
	return p, nil
}

func newCmdCreate(f *cmdutil.Factory) *cobra.Command {
	opts := cmdutil.NewBase(f)
	var req api.CreateGroupRequest
	var perms []string
	var mut cmdutil.MutationFlags
	cmd := &cobra.Command{
		Use:     "create <name> --perm <key=level>... [--description <text>]",
		Short:   "Create a permission group",
		Long:    "Create a permission group with the given permissions." + cmdutil.ExitStatusHelp,
		Example: "  sactl groups create readers --perm service_accounts=view --perm contacts=view\n  sactl groups create sa-operators --perm service_accounts=edit --description \"rotate and assign\"",
		Args:    cmdutil.ExactArgs(1, "exactly one group name"),
		RunE: func(c *cobra.Command, args []string) error {
			p, err := parsePerms(perms)
			if err != nil {
				return err
			}
			req.Name, req.Permissions = args[0], p
			return cmdutil.Change(c.Context(), &opts, mut, func(backend api.API, m api.Mutation) (domain.Group, error) {
				r := req
				r.Mutation = m
				return backend.CreateGroup(c.Context(), r)
			}, func(g domain.Group) error { return printGroup(opts.IO, opts.Now(), g) })
		},
	}
	cmd.Flags().StringArrayVarP(&perms, "perm", "p", nil, "a permission as key=level (repeatable)")
	cmd.Flags().StringVar(&req.Description, "description", "", "what the group is for")
	cmdutil.AddOutputFlag(cmd, &opts)
	cmdutil.AddMutationFlags(cmd, &mut, false)
	return cmd
}

func newCmdList(f *cmdutil.Factory) *cobra.Command {
	opts := cmdutil.NewBase(f)
	cmd := &cobra.Command{
		Use:     "list",
		Example: "  sactl groups list\n  sactl groups list --jq '.[] | select(.member_count == 0) | .name'",
		Aliases: []string{"ls"},
		Short:   "List permission groups",
		Long:    "List the business's permission groups with their permissions and member counts." + cmdutil.ExitStatusHelp,
		Args:    cmdutil.ExactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			return cmdutil.ShowList(c.Context(), &opts, func(backend api.API, p api.PageRequest) (api.Page[domain.Group], error) {
				return backend.ListGroups(c.Context(), p)
			}, func(gs []domain.Group) error { return printGroups(opts.IO, gs) })
		},
	}
	cmdutil.AddListFlags(cmd, &opts)
	return cmd
}

func newCmdGet(f *cmdutil.Factory) *cobra.Command {
	opts := cmdutil.NewBase(f)
	cmd := &cobra.Command{
		Use:               "get <group>",
		Example:           "  sactl groups get admins\n  sactl groups get readers -o json --jq .permissions",
		Aliases:           []string{"show", "view"},
		Short:             "Show one permission group",
		Long:              "Show one permission group." + cmdutil.ExitStatusHelp,
		Args:              cmdutil.ExactArgs(1, "exactly one group"),
		ValidArgsFunction: cmdutil.CompleteGroups(f),
		RunE: func(c *cobra.Command, args []string) error {
			return cmdutil.Show(c.Context(), &opts, func(backend api.API) (domain.Group, error) {
				return backend.GetGroup(c.Context(), args[0])
			}, func(g domain.Group) error { return printGroup(opts.IO, opts.Now(), g) })
		},
	}
	cmdutil.AddOutputFlag(cmd, &opts)
	return cmd
}

func newCmdUpdate(f *cmdutil.Factory) *cobra.Command {
	opts := cmdutil.NewBase(f)
	var name, desc string
	var perms, drop []string
	var mut cmdutil.MutationFlags
	cmd := &cobra.Command{
		Use:               "update <group> [--name <name>] [--description <text>] [--perm <key=level>]... [--drop-perm <key>]...",
		Short:             "Rename a group or change its permissions",
		Long:              "Rename a group, change its description, set permissions (--perm) or drop them (--drop-perm). Built-in groups cannot be changed." + cmdutil.ExitStatusHelp,
		Example:           "  sactl groups update readers --perm deals=view --drop-perm contacts",
		Args:              cmdutil.ExactArgs(1, "exactly one group"),
		ValidArgsFunction: cmdutil.CompleteGroups(f),
		RunE: func(c *cobra.Command, args []string) error {
			p, err := parsePerms(perms)
			if err != nil {
				return err
			}
			req := api.UpdateGroupRequest{Name: args[0], Set: p, Drop: drop}
			if c.Flags().Changed("name") {
				req.NewName = &name
			}
			if c.Flags().Changed("description") {
				req.Description = &desc
			}
			return cmdutil.Change(c.Context(), &opts, mut, func(backend api.API, m api.Mutation) (domain.Group, error) {
				r := req
				r.Mutation = m
				return backend.UpdateGroup(c.Context(), r)
			}, func(g domain.Group) error { return printGroup(opts.IO, opts.Now(), g) })
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "new name")
	cmd.Flags().StringVar(&desc, "description", "", "new description")
	cmd.Flags().StringArrayVarP(&perms, "perm", "p", nil, "set a permission as key=level (repeatable)")
	cmd.Flags().StringArrayVar(&drop, "drop-perm", nil, "drop a permission key (repeatable)")
	cmdutil.AddOutputFlag(cmd, &opts)
	cmdutil.AddMutationFlags(cmd, &mut, false)
	return cmd
}

func newCmdDelete(f *cmdutil.Factory) *cobra.Command {
	opts := cmdutil.NewBase(f)
	var mut cmdutil.MutationFlags
	cmd := &cobra.Command{
		Use:     "delete <group> [--yes]",
		Example: "  sactl groups delete readers\n  sactl groups delete readers --dry-run\n  sactl groups delete readers --yes",
		Aliases: []string{"rm"},
		Short:   "Delete a permission group",
		Long: `Delete a permission group. If it is assigned, the command lists the
service accounts it would leave disabled and asks for confirmation (type the
group's name), or needs --yes.` + cmdutil.ExitStatusHelp,
		Args:              cmdutil.ExactArgs(1, "exactly one group"),
		ValidArgsFunction: cmdutil.CompleteDeletableGroups(f),
		RunE: func(c *cobra.Command, args []string) error {
			return cmdutil.Change(c.Context(), &opts, mut, func(backend api.API, m api.Mutation) (domain.Group, error) {
				return backend.DeleteGroup(c.Context(), args[0], m)
			}, func(g domain.Group) error { return printGroup(opts.IO, opts.Now(), g) })
		},
	}
	cmdutil.AddOutputFlag(cmd, &opts)
	cmdutil.AddMutationFlags(cmd, &mut, true)
	return cmd
}
