package cmdutil

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/iostreams"
	"github.com/sactl/sactl/internal/output"
)

// Base is embedded in every command's options: its dependencies, made lazily.
type Base struct {
	IO      *iostreams.IOStreams
	Backend func(context.Context) (api.API, error)
	Now     func() time.Time
	Format  output.Format
	// Shape is --jq / --template: JSON shaped for a script.
	Shape output.Shaping
	// Limit is a list's --limit: at most this many items, 0 for all.
	Limit int
}

// NewBase fills a Base from the factory.
func NewBase(f *Factory) Base {
	return Base{IO: f.IOStreams, Backend: f.Backend, Now: f.Now, Format: output.FormatTable}
}

// AddOutputFlag registers -o/--output {table|json} (R-CLI-1), and --jq
// and --template, which shape the JSON.
func AddOutputFlag(cmd *cobra.Command, b *Base) {
	cmd.Flags().VarP(&b.Format, "output", "o", "output format: {table|json} (default table)")
	_ = cmd.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"table", "json"}, cobra.ShellCompDirectiveNoFileComp
	})
	AddShapeFlags(cmd, b)
}

// AddListFlags is AddOutputFlag for a list, with -L/--limit: at most that
// many items, read a page at a time, so a remote list never fetches more
// than asked (R-SRV-6).
func AddListFlags(cmd *cobra.Command, b *Base) {
	AddOutputFlag(cmd, b)
	AddLimitFlag(cmd, &b.Limit, "list at most this many (default: all)")
}

// AddLimitFlag is -L/--limit n into p, n ≥ 1 (R-CLI-8: no silent 0), for a
// list whose limit means something of its own (audit list: the newest n).
func AddLimitFlag(cmd *cobra.Command, p *int, usage string) {
	cmd.Flags().VarP(limitFlag{p}, "limit", "L", usage)
	_ = cmd.RegisterFlagCompletionFunc("limit", cobra.NoFileCompletions)
}

// limitFlag is --limit: a positive number. 0 would be a silent
// "everything" (R-CLI-8): leaving the flag out says that.
type limitFlag struct{ n *int }

func (l limitFlag) String() string {
	if l.n == nil || *l.n == 0 {
		return ""
	}
	return strconv.Itoa(*l.n)
}

func (l limitFlag) Type() string { return "n" }

func (l limitFlag) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return fmt.Errorf("use a number of at least 1; leave --limit out to list everything")
	}
	*l.n = n
	return nil
}

// AddShapeFlags registers --jq and --template alone, for a command whose
// output is JSON already.
func AddShapeFlags(cmd *cobra.Command, b *Base) {
	cmd.Flags().Var(&b.Shape.JQ, "jq", "print what this jq expression makes of the JSON output, e.g. '.[].api_name' (no jq needed)")
	cmd.Flags().VarP(&b.Shape.Template, "template", "t", "print the JSON output through this Go template (with timeago, json and join), e.g. '{{range .}}{{.name}}{{\"\\n\"}}{{end}}'")
	cmd.MarkFlagsMutuallyExclusive("jq", "template")
	_ = cmd.RegisterFlagCompletionFunc("jq", cobra.NoFileCompletions)
	_ = cmd.RegisterFlagCompletionFunc("template", cobra.NoFileCompletions)
}

// Print writes v as JSON (or shaped by --jq or --template), or calls table
// to print it for people.
func (b *Base) Print(v any, table func() error) error {
	if b.Shape.Active() {
		return b.Shape.Write(b.IO.Out, v)
	}
	if b.Format == output.FormatJSON {
		return output.WriteJSON(b.IO.Out, v)
	}
	return table()
}

// commandName is a command's path without "sactl", which the error line
// starts with already (R-CLI-4): "sactl: sa get takes exactly one account".
func commandName(cmd *cobra.Command) string {
	return strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" ")
}

// ExactArgs is cobra.ExactArgs with a usage error that names what is missing.
func ExactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return FlagErrorf("%s takes %s", commandName(cmd), what)
		}
		return nil
	}
}

// MinArgs is cobra.MinimumNArgs with a usage error.
func MinArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return FlagErrorf("%s takes %s", commandName(cmd), what)
		}
		return nil
	}
}

// MaxArgs is cobra.MaximumNArgs with a usage error.
func MaxArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) > n {
			return FlagErrorf("%s takes %s", commandName(cmd), what)
		}
		return nil
	}
}

// ExitStatusHelp ends each command's long help, so it reaches the man pages.
const ExitStatusHelp = `

Exit status: 0 ok, 1 other error, 2 usage error, invalid input or not
confirmed, 3 not found, 4 unauthenticated or forbidden, 5 conflict
(duplicate, limit reached, protected account).`

// Show fetches a value through the backend and prints it: JSON as is, or
// table(v) for people. Read commands are this and their flags.
func Show[T any](ctx context.Context, b *Base, get func(api.API) (T, error), table func(T) error) error {
	backend, err := b.Backend(ctx)
	if err != nil {
		return err
	}
	v, err := get(backend)
	if err != nil {
		return err
	}
	return b.Print(v, func() error { return table(v) })
}

// ShowList prints a list: as JSON, streamed a page at a time (P-4: memory
// flat in the number of items); as a table, read whole first (its columns
// are as wide as their widest cell).
func ShowList[T any](ctx context.Context, b *Base, list func(api.API, api.PageRequest) (api.Page[T], error), table func([]T) error) error {
	backend, err := b.Backend(ctx)
	if err != nil {
		return err
	}
	pages := func(p api.PageRequest) (api.Page[T], error) { return list(backend, p) }
	if b.Limit > 0 {
		pages = limited(pages, b.Limit)
	}
	if b.Format != output.FormatJSON || b.Shape.Active() {
		all, err := api.All(pages)
		if err != nil {
			return err
		}
		return b.Print(all, func() error { return table(all) })
	}
	arr := output.NewJSONArray(b.IO.Out)
	if err := api.Each(pages, func(x T) error { return arr.Add(x) }); err != nil {
		return err
	}
	return arr.Close()
}

// limited reads at most n items of a list: each page asks for no more than
// are still wanted, and the list ends once n were read.
func limited[T any](list func(api.PageRequest) (api.Page[T], error), n int) func(api.PageRequest) (api.Page[T], error) {
	left := n
	return func(p api.PageRequest) (api.Page[T], error) {
		p.Limit = min(cmp.Or(p.Limit, domain.MaxPage), left)
		page, err := list(p)
		if err != nil {
			return page, err
		}
		if len(page.Items) > left {
			page.Items = page.Items[:left]
		}
		left -= len(page.Items)
		if left <= 0 {
			page.NextCursor = nil
		}
		return page, nil
	}
}

// PrintChange is Print for the result of a change: the JSON of a dry run
// carries "dry_run": true, so a script cannot take it for the real thing
// (R-CLI-2). The table says nothing more; Mutate said it on stderr.
func (b *Base) PrintChange(flags MutationFlags, v any, table func() error) error {
	if flags.DryRun && (b.Format == output.FormatJSON || b.Shape.Active()) {
		return b.Print(output.MarkDryRun(v), nil)
	}
	return b.Print(v, table)
}

// Change runs a change through the confirmation flow (R-CLI-2) and prints
// its result with PrintChange.
func Change[T any](ctx context.Context, b *Base, flags MutationFlags, call func(api.API, api.Mutation) (T, error), table func(T) error) error {
	backend, err := b.Backend(ctx)
	if err != nil {
		return err
	}
	v, err := Mutate(b.IO, flags, func(m api.Mutation) (T, error) { return call(backend, m) })
	if err != nil {
		return err
	}
	return b.PrintChange(flags, v, func() error { return table(v) })
}

// AddQuietFlag is -q/--quiet on a command that acknowledges what it did on
// stderr (iostreams.IOStreams.Ack).
func AddQuietFlag(cmd *cobra.Command, ios *iostreams.IOStreams) {
	cmd.Flags().BoolVarP(&ios.Quiet, "quiet", "q", false, "say nothing on stderr about what was done (errors and warnings still)")
}
