package cmdutil

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/iostreams"
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
//     The answer agrees to the plan shown and to nothing else: the confirmed
//     call carries the plan's digest, and if the plan changed meanwhile the
//     service refuses (exit 5) and the new plan is shown;
//   - with --yes: agree to the plan as it is when the change runs, unseen.
func Mutate[T any](ios *iostreams.IOStreams, flags MutationFlags, call func(api.Mutation) (T, error)) (T, error) {
	var zero T
	if flags.DryRun {
		// A dry run never commits, so it may ask the service twice: first
		// for the plan of a destructive change, then for its result.
		m := api.Mutation{DryRun: true}
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
	m := api.Mutation{Confirmed: flags.Yes}
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
	// R-CLI-2: the answer agreed to the plan shown, and to nothing else:
	// the service refuses if the plan changed while the question waited.
	m.PlanDigest = c.Digest
	res, err = call(m)
	if now := changedPlan(err); now != nil {
		printPlan(ios, ios.ColorScheme().WarningIcon()+" The plan is now to "+now.Action, append(now.Consequences, sameWords(*c, *now)...))
	}
	return res, err
}

// changedPlan is the plan a "changed since you confirmed" conflict carries.
func changedPlan(err error) *domain.Confirmation {
	var de *domain.Error
	if errors.As(err, &de) && de.Kind == domain.KindConflict {
		return de.Confirm
	}
	return nil
}

// sameWords explains a plan that changed though it reads the same as the
// one shown: it acts on other objects (an archive that deletes "2 keys",
// but not the same two). It says nothing when the words differ.
func sameWords(shown, now domain.Confirmation) []string {
	if now.Action != shown.Action || !slices.Equal(now.Consequences, shown.Consequences) {
		return nil
	}
	var added, gone []string
	for _, id := range now.Targets {
		if !slices.Contains(shown.Targets, id) {
			added = append(added, id)
		}
	}
	for _, id := range shown.Targets {
		if !slices.Contains(now.Targets, id) {
			gone = append(gone, id)
		}
	}
	switch {
	case len(added) > 0 && len(gone) > 0:
		return []string{fmt.Sprintf("it now acts on %s instead of %s", strings.Join(added, ", "), strings.Join(gone, ", "))}
	case len(added) > 0:
		return []string{"it now also acts on " + strings.Join(added, ", ")}
	case len(gone) > 0:
		return []string{"it no longer acts on " + strings.Join(gone, ", ")}
	}
	return nil
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
