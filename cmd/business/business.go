// Package business holds "sactl business": tenants.
package business

import (
	"github.com/spf13/cobra"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/cmdutil"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/output"
)

// NewCmdBusiness is "sactl business".
func NewCmdBusiness(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "business <command>",
		Short: "Manage businesses (tenants)",
		Long: `Manage businesses. Every account, group, key and audit event belongs to one.
Select one with the global --business flag (or SACTL_BUSINESS).` + cmdutil.ExitStatusHelp,
	}
	cmd.AddCommand(newCmdCreate(f), newCmdList(f))
	return cmd
}

func newCmdCreate(f *cmdutil.Factory) *cobra.Command {
	opts := cmdutil.NewBase(f)
	var req api.CreateBusinessRequest
	var mut cmdutil.MutationFlags
	cmd := &cobra.Command{
		Use:   "create <name> [--domain <domain>]",
		Short: "Create a business with its automation account and built-in groups",
		Long: `Create a business. Like "default", it starts with its automation account and
the built-in admins and automation groups. Its domain (default
<name>.example) appears in its service accounts' generated emails.` + cmdutil.ExitStatusHelp,
		Example: "  sactl business create acme --domain acme.com",
		Args:    cmdutil.ExactArgs(1, "exactly one business name"),
		RunE: func(c *cobra.Command, args []string) error {
			req.Name = args[0]
			return cmdutil.Change(c.Context(), &opts, mut, func(backend api.API, m api.Mutation) (domain.Business, error) {
				r := req
				r.Mutation = m
				return backend.CreateBusiness(c.Context(), r)
			}, func(b domain.Business) error { return printBusinesses(&opts, []domain.Business{b}) })
		},
	}
	cmd.Flags().StringVar(&req.Domain, "domain", "", "email domain for generated service account emails")
	cmdutil.AddOutputFlag(cmd, &opts)
	cmdutil.AddMutationFlags(cmd, &mut, false)
	return cmd
}

func newCmdList(f *cmdutil.Factory) *cobra.Command {
	opts := cmdutil.NewBase(f)
	cmd := &cobra.Command{
		Use:     "list",
		Example: "  sactl business list\n  sactl business list -o json --jq '.[].name'",
		Aliases: []string{"ls"},
		Short:   "List businesses",
		Long:    "List businesses." + cmdutil.ExitStatusHelp,
		Args:    cmdutil.ExactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			return cmdutil.ShowList(c.Context(), &opts, func(backend api.API, p api.PageRequest) (api.Page[domain.Business], error) {
				return backend.ListBusinesses(c.Context(), p)
			}, func(bs []domain.Business) error { return printBusinesses(&opts, bs) })
		},
	}
	cmdutil.AddListFlags(cmd, &opts)
	return cmd
}

func printBusinesses(opts *cmdutil.Base, bs []domain.Business) error {
	t := output.NewTable(opts.IO, "name", "domain", "id", "created_at")
	for _, b := range bs {
		t.AddRow(b.Name, b.Domain, b.ID, output.FormatTime(opts.IO, &b.CreatedAt, opts.Now()))
	}
	return t.Render()
}
