// Package cmd is sactl's command tree. Commands are thin: they parse flags,
// call the service interface and print; every rule lives in internal/service.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/sactl/sactl/cmd/audit"
	"github.com/sactl/sactl/cmd/business"
	"github.com/sactl/sactl/cmd/groups"
	"github.com/sactl/sactl/cmd/sa"
	"github.com/sactl/sactl/cmd/settings"
	"github.com/sactl/sactl/cmd/users"
	"github.com/sactl/sactl/internal/build"
	"github.com/sactl/sactl/internal/cmdutil"
	"github.com/sactl/sactl/internal/iostreams"
	"github.com/spf13/cobra"
)

// Main runs sactl with the process's arguments and returns its exit code.
func Main() int {
	return Run(context.Background(), cmdutil.New(iostreams.System()), os.Args[1:])
}

// Run executes one command line with the given factory.
func Run(ctx context.Context, f *cmdutil.Factory, args []string) int {
	defer f.Close()
	root := NewCmdRoot(f)
	root.SetArgs(args)
	root.SetIn(f.IOStreams.In)
	root.SetOut(f.IOStreams.Out)
	root.SetErr(f.IOStreams.ErrOut)
	ran := false
	root.PersistentPreRun = func(*cobra.Command, []string) { ran = true }
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return cmdutil.ExitOK
	}
	if !ran {
		// Cobra's own errors (unknown command or flag, wrong arguments) are usage errors.
		var fe *cmdutil.FlagError
		if !errors.As(err, &fe) {
			err = cmdutil.FlagErrorf("%s", err)
		}
	}
	printError(f.IOStreams, cmd, err)
	return cmdutil.ExitCode(err)
}

// printError writes R-CLI-4's one line: "sactl: <message>", with a hint.
func printError(ios *iostreams.IOStreams, cmd *cobra.Command, err error) {
	msg := strings.ReplaceAll(err.Error(), "\n", " ")
	if hint := cmdutil.Hint(err); hint != "" {
		msg += " (" + hint + ")"
	}
	var fe *cmdutil.FlagError
	if errors.As(err, &fe) && cmd != nil {
		msg += fmt.Sprintf(" (see: %s --help)", cmd.CommandPath())
	}
	fmt.Fprintln(ios.ErrOut, "sactl: "+msg)
}

// NewCmdRoot builds the command tree.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "sactl <command> <subcommand> [flags]",
		Short: "Administer service accounts, their keys and permission groups",
		Long: `sactl manages service accounts: the non-human identities that integrations,
CI jobs and automations use to call a business's APIs.

By default it works on a local SQLite database ($XDG_DATA_HOME/sactl/sactl.db,
or --db / SACTL_DB); the first command creates it with the "default"
business, its automation account and the built-in groups.` + cmdutil.ExitStatusHelp,
		Example: `  sactl sa list
  sactl sa create "Zapier Sync" --group admins
  sactl sa groups clear zapier-sync --yes
  sactl sa list -o json | jq -r '.[].api_name'`,
		Version:       build.String(),
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetVersionTemplate("sactl {{.Version}}\n")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return cmdutil.FlagErrorf("%s", err)
	})
	pf := root.PersistentFlags()
	pf.StringVar(&f.DBPath, "db", "", "SQLite database file (env SACTL_DB)")
	pf.StringVar(&f.Business, "business", "", `business to work in (env SACTL_BUSINESS, default "default")`)
	pf.StringVar(&f.As, "as", "", "run as this principal, with its permissions (audited)")
	root.CompletionOptions.HiddenDefaultCmd = false

	root.AddCommand(
		sa.NewCmdSA(f),
		groups.NewCmdGroups(f),
		users.NewCmdUsers(f),
		users.NewCmdSeats(f),
		business.NewCmdBusiness(f),
		settings.NewCmdSettings(f),
		audit.NewCmdAudit(f),
	)
	return root
}
