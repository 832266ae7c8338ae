// Package config holds "sactl config export|import": a business's
// configuration as a document (R-CFG-1, R-PERM-5; docs/config.md).
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/cmdutil"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/output"
	"github.com/sactl/sactl/internal/server"
)

// NewCmdConfig is "sactl config".
func NewCmdConfig(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config <command>",
		Short: "Export and import the business's configuration",
		Long: `Export the business's configuration (settings, groups and integration
accounts, never a key or a secret) as a versioned document, and import one
into this or another business. The format is docs/config.md.

A service account may export the configuration but never import it,
whatever its groups (R-PERM-5).` + cmdutil.ExitStatusHelp,
	}
	cmd.AddCommand(newCmdExport(f), newCmdImport(f))
	return cmd
}

func newCmdExport(f *cmdutil.Factory) *cobra.Command {
	opts := &struct {
		cmdutil.Base
		Format string
	}{Base: cmdutil.NewBase(f)}
	cmd := &cobra.Command{
		Use:   "export [--output {json|yaml}]",
		Short: "Write the business's configuration",
		Long: `Write the business's configuration to stdout as JSON (the default) or
YAML: every setting, the groups with their permissions, and the integration
accounts with their groups, admins and status. Two exports of the same
state are the same bytes: everything is sorted, and nothing that changes
on its own (ids, times, keys, last use) is in it.

The automation account, the built-in groups, API-key accounts (each is
its key) and archived accounts are left out.` + cmdutil.ExitStatusHelp,
		Example: "  sactl config export > config.json\n  sactl config export -o yaml > config.yaml\n  sactl --business staging config export | sactl --business prod config import - --dry-run",
		Args:    cmdutil.ExactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			if opts.Format != "json" && opts.Format != "yaml" {
				return cmdutil.FlagErrorf("invalid output format %s: use json or yaml", domain.Quote(opts.Format))
			}
			backend, err := opts.Backend(c.Context())
			if err != nil {
				return err
			}
			doc, err := backend.ExportConfig(c.Context())
			if err != nil {
				return err
			}
			if opts.Format == "json" {
				opts.Base.Format = output.FormatJSON
				return opts.Print(doc, nil)
			}
			var buf bytes.Buffer
			enc := yaml.NewEncoder(&buf)
			enc.SetIndent(2)
			if err := enc.Encode(doc); err != nil {
				return fmt.Errorf("encoding YAML: %w", err)
			}
			if err := enc.Close(); err != nil {
				return fmt.Errorf("encoding YAML: %w", err)
			}
			_, err = opts.IO.Out.Write(buf.Bytes())
			return err
		},
	}
	cmd.Flags().StringVarP(&opts.Format, "output", "o", "json", "output format: {json|yaml}")
	cmdutil.AddShapeFlags(cmd, &opts.Base)
	_ = cmd.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"json", "yaml"}, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

func newCmdImport(f *cmdutil.Factory) *cobra.Command {
	opts := &struct {
		cmdutil.Base
		File  string
		Prune bool
		Mut   cmdutil.MutationFlags
	}{Base: cmdutil.NewBase(f)}
	cmd := &cobra.Command{
		Use:   "import <file> [--prune] [--dry-run] [--yes]",
		Short: "Apply a configuration document",
		Long: `Apply a configuration document (JSON or YAML; - reads stdin) to the
business: it prints the plan (create, update or unchanged for each setting,
group and account the document names; with --prune, the groups to delete
and the accounts to archive that it does not name), asks before anything
destructive, and applies it all in one transaction or nothing at all.

Importing the same document twice changes nothing the second time. An
unknown field or version is refused. An import never issues or revokes a
key: an account it creates has none until one is rotated
(sactl sa keys rotate ACCOUNT).` + cmdutil.ExitStatusHelp,
		Example: "  sactl config import config.json --dry-run\n  sactl config import config.yaml --prune --yes -o json",
		Args:    cmdutil.ExactArgs(1, "exactly one file (- for stdin)"),
		RunE: func(c *cobra.Command, args []string) error {
			data, err := readDoc(opts.IO.In, args[0])
			if err != nil {
				return err
			}
			doc, err := domain.ParseConfig(data)
			if err != nil {
				return err
			}
			return cmdutil.Change(c.Context(), &opts.Base, opts.Mut, func(backend api.API, m api.Mutation) (domain.ImportPlan, error) {
				return backend.ImportConfig(c.Context(), api.ImportConfigRequest{Config: doc, Prune: opts.Prune, Mutation: m})
			}, func(p domain.ImportPlan) error { return printPlan(&opts.Base, p) })
		},
	}
	cmd.Flags().BoolVar(&opts.Prune, "prune", false, "also delete the groups and archive the accounts the document does not name (asks first)")
	cmdutil.AddOutputFlag(cmd, &opts.Base)
	cmdutil.AddMutationFlags(cmd, &opts.Mut, true)
	return cmd
}

// readDoc reads the document, at most what the server accepts.
func readDoc(stdin io.Reader, path string) ([]byte, error) {
	var r io.Reader
	if path == "-" {
		r = stdin
	} else {
		fh, err := os.Open(path)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, domain.Invalidf("configuration file %s does not exist", domain.Quote(path))
			}
			return nil, domain.Invalidf("cannot read configuration file %s: %v", domain.Quote(path), errors.Unwrap(err))
		}
		defer fh.Close()
		if st, err := fh.Stat(); err == nil && st.IsDir() {
			return nil, domain.Invalidf("configuration file %s is a directory", domain.Quote(path))
		}
		r = fh
	}
	data, err := io.ReadAll(io.LimitReader(r, server.MaxImportBytes+1))
	if err != nil {
		return nil, domain.Invalidf("cannot read configuration file %s: %v", domain.Quote(path), err)
	}
	if len(data) > server.MaxImportBytes {
		return nil, domain.Invalidf("configuration file %s is larger than %d MiB", domain.Quote(path), server.MaxImportBytes>>20)
	}
	return data, nil
}

// printPlan shows an import's plan: a line per object, then the counts
// and the notes on stderr.
func printPlan(b *cmdutil.Base, p domain.ImportPlan) error {
	t := output.NewTable(b.IO, "action", "kind", "name", "details")
	for _, c := range p.Changes {
		t.AddRow(c.Action, c.Kind, c.Name, output.FormatEmpty(b.IO, strings.Join(c.Details, "; ")))
	}
	if err := t.Render(); err != nil {
		return err
	}
	fmt.Fprintf(b.IO.ErrOut, "%d to create, %d to update, %d unchanged, %d to delete\n", p.Created, p.Updated, p.Unchanged, p.Deleted)
	for _, n := range p.Notes {
		fmt.Fprintln(b.IO.ErrOut, "note: "+n)
	}
	return nil
}
