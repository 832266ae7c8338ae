package sa

import (
	"github.com/spf13/cobra"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/cmdutil"
	"github.com/sactl/sactl/internal/domain"
)

// updateOptions are the inputs of "sa update".
type updateOptions struct {
	cmdutil.Base
	Req api.UpdateAccountRequest
	Mut cmdutil.MutationFlags
}

// NewCmdUpdate is "sactl sa update".
func NewCmdUpdate(f *cmdutil.Factory) *cobra.Command {
	opts := &updateOptions{Base: cmdutil.NewBase(f)}
	var name, apiName, desc, icon string
	cmd := &cobra.Command{
		Use:   "update <account> [--name <name>] [--api-name <slug>] [--description <text>] [--icon <icon>]",
		Short: "Rename or describe a service account",
		Long: `Change a service account's name, api name, description or icon. Give an
empty value to clear the description or icon.

The automation account cannot be changed, a suspended account must be
resumed first, and an archived one cannot be changed at all.` + cmdutil.ExitStatusHelp,
		Example:           `  sactl sa update zapier-sync --name "Zapier Sync (prod)" --description "owned by #growth"`,
		Args:              cmdutil.ExactArgs(1, "exactly one account"),
		ValidArgsFunction: cmdutil.CompleteAccounts(f),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Req.Ref = args[0]
			fl := c.Flags()
			opts.Req.Name = changed(fl.Changed("name"), name)
			opts.Req.APIName = changed(fl.Changed("api-name"), apiName)
			opts.Req.Description = changed(fl.Changed("description"), desc)
			opts.Req.Icon = changed(fl.Changed("icon"), icon)
			return cmdutil.Change(c.Context(), &opts.Base, opts.Mut, func(backend api.API, m api.Mutation) (domain.Account, error) {
				req := opts.Req
				req.Mutation = m
				return backend.UpdateAccount(c.Context(), req)
			}, func(a domain.Account) error { return printAccount(opts.IO, opts.Now(), a) })
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&name, "name", "", "new name")
	fl.StringVar(&apiName, "api-name", "", "new api name (integration accounts only)")
	fl.StringVar(&desc, "description", "", "new description")
	fl.StringVar(&icon, "icon", "", "new icon")
	cmdutil.AddOutputFlag(cmd, &opts.Base)
	cmdutil.AddMutationFlags(cmd, &opts.Mut, false)
	return cmd
}

func changed(set bool, v string) *string {
	if !set {
		return nil
	}
	return &v
}
