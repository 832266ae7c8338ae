// Package cmd is sactl's command tree. Commands are thin: they parse flags,
// call the service interface and print; every rule lives in internal/service.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"

	"github.com/sactl/sactl/cmd/audit"
	"github.com/sactl/sactl/cmd/auth"
	"github.com/sactl/sactl/cmd/business"
	"github.com/sactl/sactl/cmd/config"
	"github.com/sactl/sactl/cmd/db"
	"github.com/sactl/sactl/cmd/groups"
	"github.com/sactl/sactl/cmd/profile"
	"github.com/sactl/sactl/cmd/sa"
	"github.com/sactl/sactl/cmd/serve"
	"github.com/sactl/sactl/cmd/settings"
	"github.com/sactl/sactl/cmd/tokens"
	"github.com/sactl/sactl/cmd/users"
	"github.com/sactl/sactl/internal/build"
	"github.com/sactl/sactl/internal/cmdutil"
	"github.com/sactl/sactl/internal/domain"
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
	markRun(root, &ran)
	cmd, err := root.ExecuteContextC(ctx)
	f.WarnCredentialExpiry()
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

// markRun wraps every command's RunE so that Run can tell an error of the
// command from one of cobra's checks before it (arguments, unknown, required
// or mutually exclusive flags): the latter are usage errors (exit 2).
func markRun(c *cobra.Command, ran *bool) {
	for _, sub := range c.Commands() {
		markRun(sub, ran)
	}
	if run := c.RunE; run != nil {
		c.RunE = func(c *cobra.Command, args []string) error {
			*ran = true
			return run(c, args)
		}
	}
}

// printError writes R-CLI-4's one line: "sactl: <message>", with a hint.
//
// It is the last line of defence of R-CLI-4, whoever wrote the message (a
// dependency, cobra, a server): every credential in it is replaced by its
// hint, quoted strings are cut to 80 characters and invisible characters
// escaped (domain.RedactMessage). A usage error also repeats words of the
// command line (pflag's "unknown flag: --…"), so in one every word is cut
// to 80 characters too.
func printError(ios *iostreams.IOStreams, cmd *cobra.Command, err error) {
	msg := err.Error()
	if hint := cmdutil.Hint(err); hint != "" {
		msg += " (" + hint + ")"
	}
	var fe *cmdutil.FlagError
	usage := errors.As(err, &fe)
	if usage && cmd != nil {
		msg += fmt.Sprintf(" (see: %s --help)", cmd.CommandPath())
	}
	msg = domain.RedactMessage(msg)
	if usage {
		msg = cutWords(msg)
	}
	fmt.Fprintln(ios.ErrOut, "sactl: "+msg)
}

// wordRE splits a message into quoted strings (already cut by
// domain.RedactMessage) and other words.
var wordRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`"(?:[^"\\\n]|\\.)*"|[^ "]+`) })

// cutWords cuts every word of msg outside quotes to domain.MaxQuoted
// characters.
func cutWords(msg string) string {
	return wordRE().ReplaceAllStringFunc(msg, func(w string) string {
		if strings.HasPrefix(w, `"`) {
			return w
		}
		return domain.Cut(w, domain.MaxQuoted)
	})
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
	pf.StringVar(&f.DBPath, "db", "", "database: a SQLite file, or a postgres:// URL (env SACTL_DB); means local mode")
	pf.StringVar(&f.Business, "business", "", `business to work in (env SACTL_BUSINESS, default "default")`)
	pf.StringVar(&f.As, "as", "", "run as this principal, with its permissions (audited; local mode)")
	pf.StringVar(&f.MasterKeyFile, "master-key-file", "", "file holding the master key that seals stored secrets (env SACTL_MASTER_KEY; default <db>.masterkey)")
	pf.StringVar(&f.CACert, "ca-cert", "", "PEM file of the CA certificates to trust for the server (env SACTL_CA_CERT; remote mode)")
	pf.StringVar(&f.Profile, "profile", "", "server profile to use (env SACTL_PROFILE; \"local\" for the local database)")
	_ = root.RegisterFlagCompletionFunc("profile", cmdutil.CompleteProfileFlag(f))
	_ = root.RegisterFlagCompletionFunc("business", cmdutil.CompleteBusinesses(f))
	_ = root.RegisterFlagCompletionFunc("as", cmdutil.CompletePrincipals(f))
	root.CompletionOptions.HiddenDefaultCmd = false

	root.AddCommand(
		sa.NewCmdSA(f),
		sa.NewCmdAPIKeys(f),
		groups.NewCmdGroups(f),
		users.NewCmdUsers(f),
		users.NewCmdSeats(f),
		business.NewCmdBusiness(f),
		settings.NewCmdSettings(f),
		config.NewCmdConfig(f),
		audit.NewCmdAudit(f),
		auth.NewCmdAuth(f),
		tokens.NewCmdTokens(f),
		profile.NewCmdProfile(f),
		serve.NewCmdServe(f),
		db.NewCmdDB(f),
	)
	// cobra binds the completion scripts' writer when the command is made.
	root.SetOut(f.IOStreams.Out)
	root.InitDefaultCompletionCmd()
	if comp, _, err := root.Find([]string{"completion"}); err == nil && comp != root {
		for _, c := range append(comp.Commands(), comp) {
			c.Long = strings.TrimRight(c.Long, "\n") + cmdutil.ExitStatusHelp
			if c != comp {
				c.Example = fmt.Sprintf("  sactl completion %s > %s", c.Name(), completionFile[c.Name()])
			}
		}
	}
	requireKnownSubcommands(root)
	return root
}

// completionFile is where each shell looks for a completion script.
var completionFile = map[string]string{
	"bash":       "/etc/bash_completion.d/sactl",
	"zsh":        `"${fpath[1]}/_sactl"`,
	"fish":       "~/.config/fish/completions/sactl.fish",
	"powershell": "sactl.ps1; . ./sactl.ps1",
}

// requireKnownSubcommands makes "sactl sa lst" a usage error (exit 2) instead
// of cobra's default of printing help and exiting 0.
func requireKnownSubcommands(c *cobra.Command) {
	for _, sub := range c.Commands() {
		requireKnownSubcommands(sub)
	}
	if !c.HasSubCommands() || c.Runnable() {
		return
	}
	c.Args = cobra.ArbitraryArgs
	c.RunE = func(c *cobra.Command, args []string) error {
		if len(args) == 0 {
			return c.Help()
		}
		msg := fmt.Sprintf("unknown command %s for %q", domain.Quote(args[0]), c.CommandPath())
		c.SuggestionsMinimumDistance = 2
		if s := c.SuggestionsFor(args[0]); len(s) > 0 {
			msg += "; did you mean " + strings.Join(quoteAll(s), " or ") + "?"
		}
		return cmdutil.FlagErrorf("%s", msg)
	}
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}
