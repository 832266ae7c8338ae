// Package business holds "sactl business": tenants.
package business

import (
	"github.com/sactl/sactl/internal/cmdutil"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/output"
	"github.com/sactl/sactl/internal/service"
	"github.com/spf13/cobra"
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
	var req service.CreateBusinessRequest
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
			api, err := opts.Backend(c.Context())
			if err != nil {
				return err
			}
			b, err := cmdutil.Mutate(opts.IO, mut, func(m service.Mutation) (domain.Business, error) {
				r := req
				r.Mutation = m
				return api.CreateBusiness(c.Context(), r)
			})
			if err != nil {
				return err
			}
			return opts.Print(b, func() error { return printBusinesses(&opts, []domain.Business{b}) })
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
		Aliases: []string{"ls"},
		Short:   "List businesses",
		Long:    "List businesses." + cmdutil.ExitStatusHelp,
		Args:    cmdutil.ExactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			api, err := opts.Backend(c.Context())
			if err != nil {
				return err
			}
			bs, err := api.ListBusinesses(c.Context())
			if err != nil {
				return err
			}
			return opts.Print(bs, func() error { return printBusinesses(&opts, bs) })
		},
	}
	cmdutil.AddOutputFlag(cmd, &opts)
	return cmd
}

func printBusinesses(opts *cmdutil.Base, bs []domain.Business) error {
	t := output.NewTable(opts.IO, "name", "domain", "id", "created_at")
	for _, b := range bs {
		t.AddRow(b.Name, b.Domain, b.ID, output.FormatTime(opts.IO, &b.CreatedAt, opts.Now()))
	}
	return t.Render()
}
