package sa

import (
	"github.com/spf13/cobra"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/cmdutil"
)

// createOptions are the inputs of "sa create".
type createOptions struct {
	cmdutil.Base
	Req api.CreateAccountRequest
	Mut cmdutil.MutationFlags
}

// NewCmdCreate is "sactl sa create".
func NewCmdCreate(f *cmdutil.Factory) *cobra.Command {
	opts := &createOptions{Base: cmdutil.NewBase(f)}
	cmd := &cobra.Command{
		Use:   "create <name> [--description <text>] [--icon <icon>] [--api-name <slug>] [--group <group>]...",
		Short: "Create an integration service account",
		Long: `Create an integration service account.

The name (1-80 characters) must be unique among the business's service
accounts, ignoring case. The api name is derived from it unless given. An
account without groups is created disabled.

The account's first API key is printed with it, secret included: store it.` + cmdutil.ExitStatusHelp,
		Example: `  sactl sa create "Zapier Sync" --group admins
  sactl sa create "Billing Export" --description "owned by #billing" --icon 💸 --group readers -o json`,
		Args: cmdutil.ExactArgs(1, "exactly one name (quote names with spaces)"),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Req.Name = args[0]
			return createRun(c, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Req.Description, "description", "", "what the account is for, e.g. the owning team")
	fl.StringVar(&opts.Req.Icon, "icon", "", "a short name or an emoji")
	fl.StringVar(&opts.Req.APIName, "api-name", "", "the api name (slug); derived from the name if not given")
	fl.StringArrayVarP(&opts.Req.Groups, "group", "g", nil, "a permission group to assign (repeatable)")
	_ = cmd.RegisterFlagCompletionFunc("group", cmdutil.CompleteGroupFlag(f))
	cmdutil.AddOutputFlag(cmd, &opts.Base)
	cmdutil.AddQuietFlag(cmd, f.IOStreams)
	cmdutil.AddMutationFlags(cmd, &opts.Mut, false)
	return cmd
}

func createRun(c *cobra.Command, opts *createOptions) error {
	return cmdutil.Change(c.Context(), &opts.Base, opts.Mut, func(backend api.API, m api.Mutation) (api.CreatedAccount, error) {
		req := opts.Req
		req.Mutation = m
		return backend.CreateAccount(c.Context(), req)
	}, func(res api.CreatedAccount) error { return printCreated(opts.IO, opts.Now(), res) })
}
