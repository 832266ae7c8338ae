// Package audit holds "sactl audit": the audit log and its hash chain (R-AUD-1..3).
package audit

import (
	"bufio"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/sactl/sactl/internal/cmdutil"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/output"
	"github.com/spf13/cobra"
)

// NewCmdAudit is "sactl audit".
func NewCmdAudit(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit <command>",
		Short: "Read the audit log",
		Long:  "Read the business's append-only audit log: who did what to whom, and when." + cmdutil.ExitStatusHelp,
	}
	cmd.AddCommand(NewCmdList(f, false), NewCmdVerify(f))
	return cmd
}

// listOptions are the inputs of "audit list" and "sa audit".
type listOptions struct {
	cmdutil.Base
	Filter       domain.AuditFilter
	Since, Until string
}

// NewCmdList is "sactl audit list"; with forAccount it is "sactl sa audit <account>".
func NewCmdList(f *cmdutil.Factory, forAccount bool) *cobra.Command {
	opts := &listOptions{Base: cmdutil.NewBase(f)}
	cmd := &cobra.Command{
		Use:     "list [--account <account>] [--actor <principal>] [--action <action>] [--since <time>] [--until <time>] [--service-only] [--limit <n>]",
		Aliases: []string{"ls"},
		Short:   "List audit events, oldest first",
		Long: `List audit events, oldest first. Events are streamed, so this works on
logs of any size.

--since and --until take an RFC 3339 time (2026-11-24T09:00:00Z), a date
(2026-11-24, UTC) or a duration back from now (90m, 24h, 7d). --action takes
an exact action (key.rotated) or a prefix ending in "." or "*" (key.).
--limit shows the newest n events.` + cmdutil.ExitStatusHelp,
		Example: `  sactl audit list --since 7d --service-only
  sactl audit list --account zapier-sync --action group.
  sactl audit list -o json | jq -r '.[].action'`,
		Args: cmdutil.ExactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			if forAccount {
				opts.Filter.Account = args[0]
			}
			now := opts.Now()
			var err error
			if opts.Filter.Since, err = parseWhen("--since", opts.Since, now); err != nil {
				return err
			}
			if opts.Filter.Until, err = parseWhen("--until", opts.Until, now); err != nil {
				return err
			}
			return listRun(c, opts)
		},
	}
	fl := cmd.Flags()
	if forAccount {
		cmd.Use = "audit <account> [--actor <principal>] [--action <action>] [--since <time>] [--until <time>] [--limit <n>]"
		cmd.Aliases = nil
		cmd.Short = "Show one service account's audit timeline"
		cmd.Long = "Show the audit events about a service account or done by it, oldest first." + cmdutil.ExitStatusHelp
		cmd.Example = "  sactl sa audit zapier-sync --since 30d"
		cmd.Args = cmdutil.ExactArgs(1, "exactly one account")
		cmd.ValidArgsFunction = cmdutil.CompleteAccounts(f)
	} else {
		fl.StringVar(&opts.Filter.Account, "account", "", "events about or by this service account")
		fl.BoolVar(&opts.Filter.ServiceOnly, "service-only", false, "only events done by service accounts (automated and API activity)")
	}
	fl.StringVar(&opts.Filter.Actor, "actor", "", "events done by this principal (or local:<user>)")
	fl.StringVar(&opts.Filter.Action, "action", "", "events with this action, or prefix ending in . or *")
	_ = cmd.RegisterFlagCompletionFunc("action", cmdutil.CompleteAuditActions(f))
	fl.StringVar(&opts.Since, "since", "", "events at or after this time")
	fl.StringVar(&opts.Until, "until", "", "events before this time")
	cmdutil.AddLimitFlag(cmd, &opts.Filter.Limit, "only the newest n events (default: all)")
	cmdutil.AddOutputFlag(cmd, &opts.Base)
	return cmd
}

func parseWhen(flag, s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	if d, err := domain.ParseDuration(s); err == nil {
		return now.Add(-d).UTC(), nil
	}
	return time.Time{}, cmdutil.FlagErrorf("invalid %s %s: use an RFC 3339 time, a date (2006-01-02) or a duration such as 24h or 7d", flag, domain.Quote(s))
}

func listRun(c *cobra.Command, opts *listOptions) error {
	backend, err := opts.Backend(c.Context())
	if err != nil {
		return err
	}
	ios := opts.IO
	// Events stream out in whole events, a chunk at a time; what is still
	// buffered when the listing fails is dropped, so a failure part-way
	// never ends the output in the middle of an event, and a failure in
	// the first chunk leaves stdout empty (R-CLI-4).
	w := bufio.NewWriterSize(ios.Out, 2*flushAt)
	written := func() error {
		if w.Buffered() >= flushAt {
			return w.Flush()
		}
		return nil
	}
	now := opts.Now()
	switch {
	case opts.Shape.Active():
		all := []domain.AuditEvent{}
		if err := backend.ListAudit(c.Context(), opts.Filter, func(e domain.AuditEvent) error {
			all = append(all, e)
			return nil
		}); err != nil {
			return err
		}
		return opts.Shape.Write(ios.Out, all)
	case opts.Format == output.FormatJSON:
		// A streamed JSON array: each event is encoded whole before it is written.
		arr := output.NewJSONArray(ios.Out)
		if err := backend.ListAudit(c.Context(), opts.Filter, func(e domain.AuditEvent) error { return arr.Add(e) }); err != nil {
			return err
		}
		return arr.Close()
	case ios.IsStdoutTTY():
		t := output.NewTable(ios, "time", "actor", "action", "target", "details")
		err := backend.ListAudit(c.Context(), opts.Filter, func(e domain.AuditEvent) error {
			t.AddRow(output.FormatTime(ios, &e.Time, now), e.Actor.Name, e.Action, e.Target.Name, detailText(e.Details))
			return nil
		})
		if err != nil {
			return err
		}
		if t.Len() == 0 {
			fmt.Fprintln(ios.ErrOut, "no audit events match")
		}
		return t.Render()
	default:
		header := true
		err := backend.ListAudit(c.Context(), opts.Filter, func(e domain.AuditEvent) error {
			if header {
				header = false
				output.WriteTSVRow(w, "id", "time", "actor_id", "actor_name", "actor_type", "action",
					"target_type", "target_id", "target_name", "details")
			}
			d, _ := json.Marshal(e.Details)
			if err := output.WriteTSVRow(w, e.ID, output.FormatTime(ios, &e.Time, now), e.Actor.ID, e.Actor.Name, e.Actor.Type,
				e.Action, e.Target.Type, e.Target.ID, e.Target.Name, string(d)); err != nil {
				return err
			}
			return written()
		})
		if err != nil {
			return err
		}
		return w.Flush()
	}
}

// flushAt is how much listRun buffers before writing: a chunk of whole
// events.
const flushAt = 32 << 10

// detailText renders details as "k=v k=v" for the terminal table.
func detailText(d map[string]any) string {
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		v := d[k]
		switch x := v.(type) {
		case string:
			parts = append(parts, k+"="+x)
		default:
			b, _ := json.Marshal(x)
			parts = append(parts, k+"="+string(b))
		}
	}
	return strings.Join(parts, " ")
}
