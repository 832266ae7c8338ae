package audit

import (
	"fmt"
	"strconv"

	"github.com/sactl/sactl/internal/cmdutil"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/iostreams"
	"github.com/sactl/sactl/internal/output"
	"github.com/spf13/cobra"
)

// NewCmdVerify is "sactl audit verify" (R-AUD-2).
func NewCmdVerify(f *cmdutil.Factory) *cobra.Command {
	opts := cmdutil.NewBase(f)
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Recompute the audit hash chain; fail on the first broken event",
		Long: `Recompute the business's audit hash chain from its first event: each
event must link to the hash of the event before it, and its own hash must
match its content. Its end must be the head stored with the business (the
newest event's sequence number and hash, written with each event). Exits 1
naming the first broken event when an event was changed, removed, inserted
or reordered behind sactl's back, or what is missing when the newest events
were removed.

Whoever can write the database file can also rewrite the stored head: to
notice that, keep the head hash this prints somewhere else and compare it
later.` + cmdutil.ExitStatusHelp,
		Example: `  sactl audit verify
  sactl audit verify -o json | jq -r .head`,
		Args: cmdutil.ExactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			backend, err := opts.Backend(c.Context())
			if err != nil {
				return err
			}
			res, err := backend.VerifyAudit(c.Context())
			if err != nil {
				return err
			}
			if err := opts.Print(res, func() error { return printCheck(opts.IO, res) }); err != nil {
				return err
			}
			if b := res.Broken; b != nil && b.ID == "" {
				// Removed from the end: there is no event to name (R-AUD-2).
				return fmt.Errorf("audit chain of business %q broken: %s", res.Business, b.Reason)
			} else if b != nil {
				return fmt.Errorf("audit chain of business %q broken at event %s (seq %d, %s): %s", res.Business, b.ID, b.Seq, b.Action, b.Reason)
			}
			return nil
		},
	}
	cmdutil.AddOutputFlag(cmd, &opts)
	return cmd
}

func printCheck(ios *iostreams.IOStreams, res domain.AuditCheck) error {
	d := output.NewDetail(ios)
	d.Add("business", res.Business)
	status := "ok"
	if !res.OK {
		status = "broken"
	}
	d.Add("chain", status)
	d.Add("events", strconv.FormatInt(res.Events, 10))
	d.Add("head", output.FormatEmpty(ios, res.Head))
	if b := res.Broken; b != nil {
		d.Add("broken_event", output.FormatEmpty(ios, b.ID))
		d.Add("broken_seq", strconv.FormatInt(b.Seq, 10))
		d.Add("broken_action", output.FormatEmpty(ios, b.Action))
		d.Add("reason", b.Reason)
	}
	return d.Render()
}
