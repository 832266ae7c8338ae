// Package profile holds "sactl profile": server profiles (R-SRV-5).
package profile

import (
	"bufio"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/sactl/sactl/internal/client"
	"github.com/sactl/sactl/internal/cmdutil"
	"github.com/sactl/sactl/internal/config"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/keys"
	"github.com/sactl/sactl/internal/output"
	"github.com/spf13/cobra"
)

// NewCmdProfile is "sactl profile".
func NewCmdProfile(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "profile <command>",
		Short: "Manage server profiles (remote mode)",
		Long: `Manage server profiles. With a profile selected (--profile, SACTL_PROFILE
or "profile use"), every command calls that sactl server instead of the
local database, with the same output.

Profiles live in $XDG_CONFIG_HOME/sactl/config.yaml (mode 0600, since it may
hold tokens). SACTL_SERVER and SACTL_TOKEN override the selected profile;
flags override both.` + cmdutil.ExitStatusHelp,
	}
	cmd.AddCommand(newCmdAdd(f), newCmdList(f), newCmdUse(f), newCmdRemove(f), newCmdShow(f))
	return cmd
}

func load(f *cmdutil.Factory) (string, config.File, error) {
	path, err := f.ConfigPath()
	if err != nil {
		return "", config.File{}, err
	}
	cfg, err := config.Load(path)
	return path, cfg, err
}

func newCmdAdd(f *cmdutil.Factory) *cobra.Command {
	var p config.Profile
	var tokenStdin, use bool
	cmd := &cobra.Command{
		Use:   "add <name> --server <url> {--token-stdin | --token-env <var>} [--default-business <name>] [--ca-cert <file>] [--use]",
		Short: "Add or replace a server profile",
		Long: `Add (or replace) a profile. The token is read from stdin (--token-stdin;
stored in the 0600 config file) or taken from an environment variable at
each use (--token-env), never from the command line. The profile becomes
the one in use only with --use (or later with "sactl profile use").

A server whose certificate comes from a private CA needs --ca-cert, a PEM
file of the CA certificates to trust for it (instead of the system's); the
file is checked now and its absolute path stored. --ca-cert or SACTL_CA_CERT
on a later command overrides it.` + cmdutil.ExitStatusHelp,
		Example: `  sactl serve init --db /srv/sactl.db | sactl profile add prod --server https://sactl.internal:7070 --token-stdin --use
  sactl profile add ci --server http://127.0.0.1:7070 --token-env SACTL_CI_TOKEN`,
		Args: cmdutil.ExactArgs(1, "exactly one profile name"),
		RunE: func(c *cobra.Command, args []string) error {
			name := args[0]
			if err := config.ValidateName(name); err != nil {
				return err
			}
			if name == "local" {
				return domain.Invalidf(`"local" is reserved: it means the local database`)
			}
			if err := config.ValidateServer(p.Server); err != nil {
				return err
			}
			if tokenStdin == (p.TokenEnv != "") {
				return cmdutil.FlagErrorf("give exactly one of --token-stdin and --token-env")
			}
			if tokenStdin {
				line, err := bufio.NewReader(io.LimitReader(f.IOStreams.In, 8<<10)).ReadString('\n')
				if err != nil && err != io.EOF {
					return err
				}
				p.Token = strings.TrimSpace(line)
				if _, _, err := keys.Parse(p.Token); err != nil && !strings.HasPrefix(p.Token, keys.TokenPrefix) {
					return domain.Invalidf("the token on stdin is not a sactl key or token (sau_…, sak_…)")
				}
			}
			// The global --ca-cert (the CAs trusted for the server of this
			// command) names the CAs of the profile's server.
			p.CACert = f.CACert
			if p.CACert != "" {
				// R-SRV-5: checked now, and kept as an absolute path, so the
				// profile works from any directory.
				if _, err := client.LoadCAPool(p.CACert); err != nil {
					return err
				}
				abs, err := filepath.Abs(p.CACert)
				if err != nil {
					return err
				}
				p.CACert = abs
			}
			path, cfg, err := load(f)
			if err != nil {
				return err
			}
			cfg.Profiles[name] = p
			// R-CLI-9: adding a profile never switches to it on its own.
			if use {
				cfg.Current = name
			}
			if err := config.Save(path, cfg); err != nil {
				return err
			}
			if cfg.Current == name {
				f.IOStreams.Ack("profile %q saved in %s and in use", name, path)
			} else {
				f.IOStreams.Ack("profile %q saved in %s; use it with: sactl profile use %s (or --profile %s)", name, path, name, name)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&p.Server, "server", "", "server URL, e.g. https://sactl.internal:7070")
	cmd.Flags().BoolVar(&tokenStdin, "token-stdin", false, "read the token from stdin")
	cmd.Flags().StringVar(&p.TokenEnv, "token-env", "", "take the token from this environment variable at each use")
	cmd.Flags().StringVar(&p.Business, "default-business", "", "business to work in with this profile (default: the credential's)")
	cmd.Flags().BoolVar(&use, "use", false, "make it the current profile")
	cmdutil.AddQuietFlag(cmd, f.IOStreams)
	return cmd
}

type row struct {
	Name     string `json:"name"`
	Current  bool   `json:"current"`
	Server   string `json:"server"`
	Business string `json:"business"`
	Token    string `json:"token"`
	CACert   string `json:"ca_cert,omitempty"`
}

func rows(cfg config.File) []row {
	out := []row{}
	for _, n := range cfg.Names() {
		p := cfg.Profiles[n]
		tok := "stored (" + keys.Secret(p.Token).Hint() + ")"
		if p.TokenEnv != "" {
			tok = "$" + p.TokenEnv
		}
		out = append(out, row{Name: n, Current: n == cfg.Current, Server: p.Server, Business: p.Business, Token: tok, CACert: p.CACert})
	}
	return out
}

func newCmdList(f *cmdutil.Factory) *cobra.Command {
	opts := cmdutil.NewBase(f)
	cmd := &cobra.Command{
		Use:     "list",
		Example: "  sactl profile list\n  sactl profile list -o json --jq '.[] | select(.current) | .name'",
		Aliases: []string{"ls"},
		Short:   "List server profiles",
		Long:    "List server profiles; tokens are shown as hints only." + cmdutil.ExitStatusHelp,
		Args:    cmdutil.ExactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			_, cfg, err := load(f)
			if err != nil {
				return err
			}
			rs := rows(cfg)
			return opts.Print(rs, func() error {
				t := output.NewTable(opts.IO, "name", "current", "server", "business", "token")
				for _, r := range rs {
					cur := ""
					if r.Current {
						cur = "*"
					}
					t.AddRow(r.Name, cur, r.Server, output.FormatEmpty(opts.IO, r.Business), r.Token)
				}
				return t.Render()
			})
		},
	}
	cmdutil.AddOutputFlag(cmd, &opts)
	return cmd
}

func newCmdShow(f *cmdutil.Factory) *cobra.Command {
	opts := cmdutil.NewBase(f)
	cmd := &cobra.Command{
		Use:               "show [<name>]",
		Example:           "  sactl profile show\n  sactl profile show prod -o json",
		Short:             "Show a profile (the current one by default)",
		Long:              "Show a profile; the token is shown as a hint only." + cmdutil.ExitStatusHelp,
		Args:              cmdutil.MaxArgs(1, "at most one profile name"),
		ValidArgsFunction: cmdutil.CompleteProfiles(f),
		RunE: func(c *cobra.Command, args []string) error {
			_, cfg, err := load(f)
			if err != nil {
				return err
			}
			name := cfg.Current
			if len(args) == 1 {
				name = args[0]
			}
			for _, r := range rows(cfg) {
				if r.Name == name {
					return opts.Print(r, func() error {
						d := output.NewDetail(opts.IO)
						d.Add("name", r.Name)
						d.Add("server", r.Server)
						d.Add("business", output.FormatEmpty(opts.IO, r.Business))
						d.Add("token", r.Token)
						if r.CACert != "" {
							d.Add("ca cert", r.CACert)
						}
						d.Add("current", fmt.Sprint(r.Current))
						return d.Render()
					})
				}
			}
			if name == "" {
				return domain.NotFoundf("no profile is in use: commands work on the local database")
			}
			return domain.NotFoundf("profile %s not found", domain.Quote(name))
		},
	}
	cmdutil.AddOutputFlag(cmd, &opts)
	return cmd
}

func newCmdUse(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:               "use <name>",
		Example:           "  sactl profile use prod\n  sactl profile use local",
		Short:             `Make a profile current ("local" for the local database)`,
		Long:              `Make a profile the current one; "sactl profile use local" goes back to the local database.` + cmdutil.ExitStatusHelp,
		Args:              cmdutil.ExactArgs(1, "exactly one profile name"),
		ValidArgsFunction: cmdutil.CompleteProfiles(f),
		RunE: func(c *cobra.Command, args []string) error {
			path, cfg, err := load(f)
			if err != nil {
				return err
			}
			name := args[0]
			if name == "local" {
				name = ""
			} else if _, ok := cfg.Profiles[name]; !ok {
				return domain.NotFoundf("profile %s not found", domain.Quote(name)).WithHint("list them with: sactl profile list")
			}
			cfg.Current = name
			return config.Save(path, cfg)
		},
	}
}

func newCmdRemove(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:               "remove <name>",
		Example:           "  sactl profile remove staging",
		Aliases:           []string{"rm"},
		Short:             "Remove a profile and its stored token",
		Long:              "Remove a profile and its stored token from the config file." + cmdutil.ExitStatusHelp,
		Args:              cmdutil.ExactArgs(1, "exactly one profile name"),
		ValidArgsFunction: cmdutil.CompleteProfiles(f),
		RunE: func(c *cobra.Command, args []string) error {
			path, cfg, err := load(f)
			if err != nil {
				return err
			}
			if _, ok := cfg.Profiles[args[0]]; !ok {
				return domain.NotFoundf("profile %s not found", domain.Quote(args[0]))
			}
			delete(cfg.Profiles, args[0])
			if cfg.Current == args[0] {
				cfg.Current = ""
			}
			return config.Save(path, cfg)
		},
	}
}
