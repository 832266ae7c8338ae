// Package settings holds "sactl settings": a business's tunables.
package settings

import (
	"github.com/spf13/cobra"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/cmdutil"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/output"
)

// NewCmdSettings is "sactl settings".
func NewCmdSettings(f *cmdutil.Factory) *cobra.Command {
	var keys []string
	for _, d := range domain.SettingDefs() {
		keys = append(keys, "    "+d.Name+": "+d.Description)
	}
	cmd := &cobra.Command{
		Use:   "settings <command>",
		Short: "Read and change business settings",
		Long:  "Read and change the business's settings:\n\n" + joinLines(keys) + cmdutil.ExitStatusHelp,
	}
	cmd.AddCommand(newCmdGet(f), newCmdSet(f))
	return cmd
}

func joinLines(ls []string) string {
	out := ""
	for _, l := range ls {
		out += l + "\n"
	}
	return out
}

func completeKeys(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, d := range domain.SettingDefs() {
		out = append(out, d.Name+"\t"+d.Description)
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

func newCmdGet(f *cmdutil.Factory) *cobra.Command {
	opts := cmdutil.NewBase(f)
	cmd := &cobra.Command{
		Use:               "get [<key>]",
		Short:             "Show settings",
		Long:              "Show every setting, or one, with its default." + cmdutil.ExitStatusHelp,
		Example:           "  sactl settings get\n  sactl settings get max_keys_per_account -o json",
		Args:              cmdutil.MaxArgs(1, "at most one setting key"),
		ValidArgsFunction: completeKeys,
		RunE: func(c *cobra.Command, args []string) error {
			backend, err := opts.Backend(c.Context())
			if err != nil {
				return err
			}
			all, err := backend.GetSettings(c.Context())
			if err != nil {
				return err
			}
			if len(args) == 1 {
				if _, err := domain.LookupSetting(args[0]); err != nil {
					return err
				}
				for _, s := range all {
					if s.Key == args[0] {
						return opts.Print(s, func() error { return printSettings(&opts, []api.Setting{s}) })
					}
				}
			}
			return opts.Print(all, func() error { return printSettings(&opts, all) })
		},
	}
	cmdutil.AddOutputFlag(cmd, &opts)
	return cmd
}

func newCmdSet(f *cmdutil.Factory) *cobra.Command {
	opts := cmdutil.NewBase(f)
	var mut cmdutil.MutationFlags
	cmd := &cobra.Command{
		Use:               "set <key> <value>",
		Short:             "Change a setting",
		Long:              "Change a setting. Key TTL bounds must stay ordered: key_min_ttl <= key_default_ttl <= key_max_ttl." + cmdutil.ExitStatusHelp,
		Example:           "  sactl settings set max_keys_per_account 50\n  sactl settings set key_max_ttl 2y\n  sactl settings set key_retrieval off",
		Args:              cmdutil.ExactArgs(2, "a key and a value"),
		ValidArgsFunction: completeKeys,
		RunE: func(c *cobra.Command, args []string) error {
			return cmdutil.Change(c.Context(), &opts, mut, func(backend api.API, m api.Mutation) (api.Setting, error) {
				return backend.SetSetting(c.Context(), api.SetSettingRequest{Key: args[0], Value: args[1], Mutation: m})
			}, func(s api.Setting) error { return printSettings(&opts, []api.Setting{s}) })
		},
	}
	cmdutil.AddOutputFlag(cmd, &opts)
	cmdutil.AddMutationFlags(cmd, &mut, false)
	return cmd
}

func printSettings(opts *cmdutil.Base, ss []api.Setting) error {
	t := output.NewTable(opts.IO, "key", "value", "default")
	for _, s := range ss {
		t.AddRow(s.Key, s.Value, s.Default)
	}
	return t.Render()
}
