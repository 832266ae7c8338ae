package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/sactl/sactl/cmd"
	"github.com/sactl/sactl/internal/cmdutil"
	"github.com/sactl/sactl/internal/gendocs/gen"
	"github.com/sactl/sactl/internal/iostreams"
)

// TestHelpEveryCommand runs "--help" on every command of the documented
// tree (STYLE.md, "Tests") and checks what the reference and the man pages
// rely on: help works and opens no database, every command has a Short,
// every runnable command's Long ends with the exit statuses (R-CLI-3), no
// flag is defined twice or shadows an inherited one, every flag is
// described, and Use follows the syntax "<arg>", "[--flag]", "{a | b}",
// "<arg>...". Nothing is skipped: a violation is fixed in cmd/.
func TestHelpEveryCommand(t *testing.T) {
	var tree *cobra.Command
	if p := catch(func() { tree = gen.NewTree() }); p != "" {
		t.Fatalf("building the command tree panicked (a flag defined twice?): %s", p)
	}
	data := t.TempDir() // XDG_DATA_HOME: where a database would appear
	var commands []*cobra.Command
	collect(tree, &commands)
	for _, c := range commands {
		t.Run(strings.ReplaceAll(c.CommandPath(), " ", "_"), func(t *testing.T) {
			checkHelpRuns(t, c, data)
			checkDescriptions(t, c)
			checkFlags(t, c)
			if msg := checkUse(c.Use); msg != "" {
				t.Errorf("Use %q: %s", c.Use, msg)
			}
		})
	}
	if entries, _ := os.ReadDir(data); len(entries) > 0 {
		t.Errorf("--help created %s: help must open no database", filepath.Join(data, entries[0].Name()))
	}
}

func collect(c *cobra.Command, out *[]*cobra.Command) {
	*out = append(*out, c)
	for _, sub := range c.Commands() {
		collect(sub, out)
	}
}

// catch runs fn and returns what it panicked with, if anything (pflag
// panics when a flag name or shorthand is defined twice).
func catch(fn func()) (panicked string) {
	defer func() {
		if r := recover(); r != nil {
			panicked = fmt.Sprint(r)
		}
	}()
	fn()
	return ""
}

// checkHelpRuns runs "sactl <path> --help" the way a process does.
func checkHelpRuns(t *testing.T, c *cobra.Command, data string) {
	t.Helper()
	ios, _, stdout, stderr := iostreams.Test()
	f := cmdutil.New(ios)
	f.Getenv = func(k string) string {
		if k == "XDG_DATA_HOME" {
			return data
		}
		return ""
	}
	args := append(strings.Fields(c.CommandPath())[1:], "--help")
	code := -1
	if p := catch(func() { code = cmd.Run(context.Background(), f, args) }); p != "" {
		t.Errorf("sactl %s panicked: %s", strings.Join(args, " "), p)
		return
	}
	if code != 0 || stderr.Len() > 0 {
		t.Errorf("sactl %s: exit %d, stderr %q", strings.Join(args, " "), code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "Usage:") {
		t.Errorf("sactl %s printed no usage:\n%s", strings.Join(args, " "), stdout.String())
	}
}

func checkDescriptions(t *testing.T, c *cobra.Command) {
	t.Helper()
	if strings.TrimSpace(c.Short) == "" {
		t.Errorf("no Short description")
	}
	if c.Runnable() && !strings.HasSuffix(strings.TrimRight(c.Long, " \n"), cmdutil.ExitStatusHelp) {
		t.Errorf("Long does not end with cmdutil.ExitStatusHelp (the exit statuses, R-CLI-3); it ends %q",
			tail(c.Long, 60))
	}
	// Every command one runs shows how, in at least one example that
	// starts with its own path.
	if c.Runnable() && !c.HasSubCommands() && c.Name() != "help" && !strings.HasPrefix(c.Name(), "__complete") {
		if !strings.Contains(c.Example, c.CommandPath()) {
			t.Errorf("no example running %q (cobra Example)", c.CommandPath())
		}
	}
	// A usage error reads "sactl: sa get takes …": the command's path
	// without "sactl", which the error line starts with (R-CLI-4).
	if c.Args != nil {
		for _, args := range [][]string{nil, make([]string, 40)} {
			if err := c.Args(c, args); err != nil && strings.HasPrefix(err.Error(), c.Root().Name()+" ") {
				t.Errorf("usage error %q names sactl twice once printed", err)
			}
		}
	}
}

func tail(s string, n int) string {
	s = strings.TrimRight(s, " \n")
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// checkFlags finds flags that are described by nobody, or that reuse a name
// or shorthand of a flag inherited from a parent: cobra silently lets the
// local one win (or panics at run time for a shorthand).
func checkFlags(t *testing.T, c *cobra.Command) {
	t.Helper()
	ancestors := map[*pflag.Flag]string{}
	for p := c.Parent(); p != nil; p = p.Parent() {
		p.PersistentFlags().VisitAll(func(fl *pflag.Flag) { ancestors[fl] = p.CommandPath() })
	}
	own := map[*pflag.Flag]bool{}
	for _, fs := range []*pflag.FlagSet{c.Flags(), c.PersistentFlags()} {
		fs.VisitAll(func(fl *pflag.Flag) {
			if _, inherited := ancestors[fl]; !inherited {
				own[fl] = true
			}
		})
	}
	for fl := range own {
		if strings.TrimSpace(fl.Usage) == "" && !fl.Hidden {
			t.Errorf("flag --%s has no description", fl.Name)
		}
		if _, refused := fl.Annotations[cmdutil.RefusedAnnotation]; refused && fl.Hidden {
			continue // shadows a global flag on purpose (cmdutil.RefuseInheritedFlag)
		}
		for a, where := range ancestors {
			if a.Name == fl.Name {
				t.Errorf("flag --%s is defined again; %q already defines it for its subcommands", fl.Name, where)
			}
			if a.Shorthand != "" && a.Shorthand == fl.Shorthand {
				t.Errorf("flag --%s uses -%s, which %q already gives --%s", fl.Name, fl.Shorthand, where, a.Name)
			}
		}
	}
}

// The Use syntax (STYLE.md, "Commands"), as a sanity check rather than a
// parser: <arg>, <arg>..., [optional], [a | b], {one | other}, --flag <value>.
var (
	placeholder = `<[a-z][a-z0-9_-]*(?:=[a-z][a-z0-9_-]*)?>`
	flagItem    = `(?:--[a-z0-9][a-z0-9-]*|-[a-zA-Z])(?: ` + placeholder + `)?`
	item        = `(?:` + placeholder + `|` + flagItem + `)(?:\.\.\.)?`
	sequence    = item + `(?: ` + item + `)*`
	alternative = `(?:` + sequence + `|[a-z][a-z0-9-]*)`

	innermostGroup = regexp.MustCompile(`\[([^\[\]{}]*)\](\.\.\.)?|\{([^\[\]{}]*)\}(\.\.\.)?`)
	optionalBody   = regexp.MustCompile(`^(?:flags|` + sequence + `(?: ?\| ?` + sequence + `)*)$`)
	choiceBody     = regexp.MustCompile(`^` + alternative + `(?: ?\| ?` + alternative + `)+$`)
	wholeUse       = regexp.MustCompile(`^[a-z][a-z0-9-]*(?: ` + item + `)*$`)
)

// checkUse reduces the innermost [..] and {..} groups to a placeholder until
// none is left, checking each body, then checks the command line as a whole.
// It returns what is wrong, or "".
func checkUse(use string) string {
	s := use
	for {
		m := innermostGroup.FindStringSubmatchIndex(s)
		if m == nil {
			break
		}
		group, repeat := s[m[0]:m[1]], ""
		if strings.HasSuffix(group, "...") {
			repeat = "..."
		}
		if group[0] == '[' && !optionalBody.MatchString(s[m[2]:m[3]]) {
			return fmt.Sprintf("%q is not an optional part like [--flag <value>] or [<arg>]", group)
		}
		if group[0] == '{' && !choiceBody.MatchString(s[m[6]:m[7]]) {
			return fmt.Sprintf("%q is not a choice like {a | b}", group)
		}
		s = s[:m[0]] + "<group>" + repeat + s[m[1]:]
	}
	if strings.Contains(s, "(") {
		return "a required choice is written {a | b}, not (a | b)"
	}
	if !wholeUse.MatchString(s) {
		return `does not follow the syntax "name <arg> <arg>... [--flag <value>] {a | b}"` +
			" (after reducing groups: " + s + ")"
	}
	return ""
}

func TestCheckUse(t *testing.T) {
	good := []string{
		"sactl <command> <subcommand> [flags]",
		"create <name> [--description <text>] [--group <group>]...",
		"rotate <account> [--grace <duration> | --disable-previous] [--yes]",
		"create <name> --perm <key=level>... [--description <text>]",
		"get [<key>]",
		"delete <account> {--secondary | <key-id>} [--force]",
		"export [-o {table | json}]",
		"add <account> <group>...",
		"rotate-signing-key",
	}
	for _, use := range good {
		if msg := checkUse(use); msg != "" {
			t.Errorf("checkUse(%q) = %s, want ok", use, msg)
		}
	}
	bad := []string{
		"delete <account> (--secondary | <key-id>)",
		"get ACCOUNT",
		"get <Account>",
		"list [--status <status>",
		"list [--status <status>}",
		"set {json}",
		"create <name>  [--yes]",
		"Create <name>",
	}
	for _, use := range bad {
		if checkUse(use) == "" {
			t.Errorf("checkUse(%q) accepted it", use)
		}
	}
}
