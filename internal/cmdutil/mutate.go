package cmdutil

import (
	"errors"
	"fmt"
	"strings"

	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/iostreams"
	"github.com/sactl/sactl/internal/service"
	"github.com/spf13/cobra"
)

// MutationFlags are --yes and --dry-run (R-CLI-2).
type MutationFlags struct {
	Yes    bool
	DryRun bool
}

// AddMutationFlags registers --dry-run on a command that changes something,
// and --yes when the change can be destructive.
func AddMutationFlags(cmd *cobra.Command, m *MutationFlags, destructive bool) {
	cmd.Flags().BoolVar(&m.DryRun, "dry-run", false, "show what would change, change nothing")
	if destructive {
		cmd.Flags().BoolVarP(&m.Yes, "yes", "y", false, "do not ask for confirmation")
	}
}

// Mutate runs a change through the confirmation flow of R-CLI-2. The service
// decides what is destructive; here we only ask:
//   - with --dry-run: report what would happen, change nothing;
//   - destructive without --yes: on a terminal, show the consequences and ask
//     (typing the name for irreversible changes); otherwise fail with exit 2.
//
// It returns the result and whether it was a dry run.
func Mutate[T any](ios *iostreams.IOStreams, flags MutationFlags, call func(service.Mutation) (T, error)) (T, error) {
	var zero T
	if flags.DryRun {
		// A dry run never commits, so it may ask the service twice: first
		// for the plan of a destructive change, then for its result.
		m := service.Mutation{DryRun: true}
		res, err := call(m)
		if c := confirmation(err); c != nil {
			printPlan(ios, "would "+c.Action, c.Consequences)
			m.Confirmed = true
			res, err = call(m)
		}
		if err == nil {
			fmt.Fprintln(ios.ErrOut, "dry run: nothing was changed")
		}
		return res, err
	}
	m := service.Mutation{Confirmed: flags.Yes}
	res, err := call(m)
	c := confirmation(err)
	if c == nil {
		return res, err
	}
	if !ios.CanPrompt() {
		return zero, FlagErrorf("%s needs confirmation: --yes required when not running interactively", c.Action)
	}
	printPlan(ios, ios.ColorScheme().WarningIcon()+" "+capitalize(c.Action), c.Consequences)
	var ok bool
	if c.TypeToConfirm == "" || c.TypeToConfirm == "y" {
		ok, err = ios.Confirm("Continue?")
	} else {
		ok, err = ios.ConfirmByTyping("", c.TypeToConfirm)
	}
	switch {
	case errors.Is(err, iostreams.ErrCancelled), err == nil && !ok:
		return zero, ErrNotConfirmed
	case err != nil:
		return zero, err
	}
	m.Confirmed = true
	return call(m)
}

func confirmation(err error) *domain.Confirmation {
	var de *domain.Error
	if errors.As(err, &de) && de.Kind == domain.KindNeedsConfirm {
		return de.Confirm
	}
	return nil
}

func printPlan(ios *iostreams.IOStreams, title string, lines []string) {
	fmt.Fprintf(ios.ErrOut, "%s:\n", title)
	for _, l := range lines {
		fmt.Fprintf(ios.ErrOut, "  - %s\n", l)
	}
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
