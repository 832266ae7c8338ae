package sa

import (
	"github.com/sactl/sactl/cmd/audit"
	"github.com/sactl/sactl/internal/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdAudit is "sactl sa audit <account>": one account's timeline (R-AUD-3).
func NewCmdAudit(f *cmdutil.Factory) *cobra.Command {
	return audit.NewCmdList(f, true)
}
