package cmdutil

import (
	"fmt"

	"github.com/spf13/cobra"
)

// RefusedAnnotation marks a hidden flag that shadows an inherited global
// flag on purpose: the command has no use for it, so its help leaves it
// out and giving it is a usage error rather than silently ignored.
const RefusedAnnotation = "sactl_refused"

// RefuseInheritedFlag shadows the global flag name on cmd with a hidden
// flag that refuses any value, saying why.
func RefuseInheritedFlag(cmd *cobra.Command, name, why string) {
	cmd.Flags().Var(refusedFlag{name: name, cmd: cmd.Name(), why: why}, name, why)
	_ = cmd.Flags().MarkHidden(name)
	_ = cmd.Flags().SetAnnotation(name, RefusedAnnotation, []string{why})
}

type refusedFlag struct{ name, cmd, why string }

func (f refusedFlag) String() string { return "" }
func (f refusedFlag) Type() string   { return "string" }
func (f refusedFlag) Set(string) error {
	return fmt.Errorf("--%s does not apply to %s: %s", f.name, f.cmd, f.why)
}
