// Package db holds "sactl db": backups and checks of the database file (R-DB-5).
package db

import (
	"errors"
	"fmt"
	"github.com/sactl/sactl/internal/api"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/sactl/sactl/internal/cmdutil"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/output"
	"github.com/sactl/sactl/internal/service"
	"github.com/spf13/cobra"
)

// NewCmdDB is "sactl db".
func NewCmdDB(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "db <command>",
		Short: "Back up and check the database file",
		Long: `Back up and check a sactl database file. These commands work on the file
itself (--db, SACTL_DB or the default path), also while other sactl processes
or "sactl serve" use it; against a server, run them on the server's host.` + cmdutil.ExitStatusHelp,
	}
	cmd.AddCommand(newCmdBackup(f), newCmdCheck(f), newCmdMigrate(f), newCmdRotateMasterKey(f))
	return cmd
}

// Backup is what "db backup" did (docs/json.md "backup").
type Backup struct {
	Path          string  `json:"path"`
	Bytes         int64   `json:"bytes"`
	SchemaVersion int     `json:"schema_version"`
	MasterKey     *string `json:"master_key"` // where the master key was copied, if it was
}

func newCmdBackup(f *cmdutil.Factory) *cobra.Command {
	opts := cmdutil.NewBase(f)
	var noMasterKey bool
	cmd := &cobra.Command{
		Use:   "backup <file> [--no-master-key]",
		Short: "Write a consistent copy of the database while it is in use",
		Long: `Write a consistent copy of the database to a new file (0600), while other
processes keep reading and writing it. The local master key file
(<db>.masterkey), without which sealed keys and signing keys cannot be used,
is copied beside the backup as <file>.masterkey unless --no-master-key is
given (then keep it safe yourself). A backup restores by pointing --db at it.` + cmdutil.ExitStatusHelp,
		Example: "  sactl db backup /backups/sactl-$(date +%F).db",
		Args:    cmdutil.ExactArgs(1, "the backup file"),
		RunE: func(c *cobra.Command, args []string) error {
			dest := args[0]
			if _, err := os.Stat(dest); err == nil {
				return domain.Conflictf("%s already exists: a backup never overwrites a file", dest)
			}
			st, err := f.OpenExisting(c.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			if err := st.Backup(c.Context(), dest); err != nil {
				return fmt.Errorf("back up to %s: %w", dest, err)
			}
			res := Backup{Path: dest}
			if fi, err := os.Stat(dest); err == nil {
				res.Bytes = fi.Size()
			}
			if res.SchemaVersion, err = st.SchemaVersion(c.Context()); err != nil {
				return err
			}
			if src := f.MasterKey(st.Location()).Path(); !noMasterKey && src != "" {
				copied, err := copyMasterKey(src, dest+".masterkey")
				if err != nil {
					os.Remove(dest)
					return fmt.Errorf("copy the master key: %w", err)
				}
				if copied {
					mk := dest + ".masterkey"
					res.MasterKey = &mk
				}
			}
			return opts.Print(res, func() error {
				d := output.NewDetail(opts.IO)
				d.Add("path", res.Path)
				d.Add("bytes", strconv.FormatInt(res.Bytes, 10))
				d.Add("schema_version", strconv.Itoa(res.SchemaVersion))
				mk := ""
				if res.MasterKey != nil {
					mk = *res.MasterKey
				}
				d.Add("master_key", output.FormatEmpty(opts.IO, mk))
				return d.Render()
			})
		},
	}
	cmd.Flags().BoolVar(&noMasterKey, "no-master-key", false, "do not copy the local master key beside the backup")
	cmdutil.AddOutputFlag(cmd, &opts)
	return cmd
}

// copyMasterKey copies the local master key file, 0600, when there is one.
func copyMasterKey(src, dest string) (bool, error) {
	in, err := os.Open(src)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil // never used: nothing sealed yet
	} else if err != nil {
		return false, err
	}
	defer in.Close()
	out, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return false, err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(dest)
		return false, err
	}
	return true, out.Close()
}

// Check is what "db check" found (docs/json.md "database check").
type Check struct {
	Path          string              `json:"path"`
	OK            bool                `json:"ok"`
	SchemaVersion int                 `json:"schema_version"`
	Integrity     []string            `json:"integrity"`    // problems; [] when sound
	ForeignKeys   []string            `json:"foreign_keys"` // problems; [] when sound
	Audit         []domain.AuditCheck `json:"audit"`        // one per business
	// MasterKey is "ok" when the master key opens every business's sealed
	// data (R-KEY-10), else what is wrong.
	MasterKey string `json:"master_key"`
}

func newCmdCheck(f *cmdutil.Factory) *cobra.Command {
	opts := cmdutil.NewBase(f)
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Check the file's integrity and every business's audit chain",
		Long: `Run SQLite's integrity and foreign-key checks on the database file and
recompute the audit hash chain of every business, comparing its end with
the head stored with the business (R-AUD-2). Exits 1 when anything is
wrong, after printing what.` + cmdutil.ExitStatusHelp,
		Example: "  sactl db check --db /srv/sactl.db",
		Args:    cmdutil.ExactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			st, err := f.OpenExisting(c.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			res := Check{Path: st.Location(), Audit: []domain.AuditCheck{}}
			if res.SchemaVersion, err = st.SchemaVersion(c.Context()); err != nil {
				return err
			}
			found, err := st.Check(c.Context())
			if err != nil {
				return err
			}
			res.Integrity, res.ForeignKeys = found.Integrity, found.ForeignKeys
			res.Integrity, res.ForeignKeys = orEmpty(res.Integrity), orEmpty(res.ForeignKeys)
			res.MasterKey = "ok"
			if _, err := service.CheckMasterKey(c.Context(), st, f.MasterKey(st.Location())); err != nil {
				res.MasterKey = err.Error()
			}
			operator := service.LocalActor(cmdutil.OSUser())
			bs, err := api.All(func(p api.PageRequest) (api.Page[domain.Business], error) {
				return service.New(st, operator, "").ListBusinesses(c.Context(), p)
			})
			if err != nil {
				return err
			}
			res.OK = len(res.Integrity) == 0 && len(res.ForeignKeys) == 0 && res.MasterKey == "ok"
			var broken []string
			if res.MasterKey != "ok" {
				broken = append(broken, "the master key does not open the sealed data")
			}
			for _, b := range bs {
				a, err := service.New(st, operator, b.Name).VerifyAudit(c.Context())
				if err != nil {
					return err
				}
				res.Audit = append(res.Audit, a)
				if !a.OK {
					res.OK = false
					where := "at " + a.Broken.ID
					if a.Broken.ID == "" {
						where = fmt.Sprintf("at seq %d: its newest events were removed", a.Broken.Seq)
					}
					broken = append(broken, fmt.Sprintf("audit chain of %q broken %s", a.Business, where))
				}
			}
			if err := opts.Print(res, func() error { return printCheck(opts, res) }); err != nil {
				return err
			}
			if !res.OK {
				var what []string
				if n := len(res.Integrity); n > 0 {
					what = append(what, fmt.Sprintf("%d integrity problem(s)", n))
				}
				if n := len(res.ForeignKeys); n > 0 {
					what = append(what, fmt.Sprintf("%d foreign-key problem(s)", n))
				}
				return fmt.Errorf("database %s: %s", res.Path, strings.Join(append(what, broken...), "; "))
			}
			return nil
		},
	}
	cmdutil.AddOutputFlag(cmd, &opts)
	return cmd
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func printCheck(opts cmdutil.Base, res Check) error {
	d := output.NewDetail(opts.IO)
	d.Add("path", res.Path)
	d.Add("schema_version", strconv.Itoa(res.SchemaVersion))
	okOr := func(problems []string) string {
		if len(problems) == 0 {
			return "ok"
		}
		return strings.Join(problems, "; ")
	}
	d.Add("integrity", okOr(res.Integrity))
	d.Add("foreign_keys", okOr(res.ForeignKeys))
	d.Add("master_key", res.MasterKey)
	for _, a := range res.Audit {
		v := fmt.Sprintf("ok, %d events", a.Events)
		if b := a.Broken; b != nil && b.ID == "" {
			v = "broken: " + b.Reason
		} else if b != nil {
			v = fmt.Sprintf("broken at event %s (seq %d, %s): %s", b.ID, b.Seq, b.Action, b.Reason)
		}
		d.Add("audit "+a.Business, v)
	}
	return d.Render()
}

func newCmdMigrate(f *cmdutil.Factory) *cobra.Command {
	opts := cmdutil.NewBase(f)
	var status bool
	cmd := &cobra.Command{
		Use:   "migrate [--status]",
		Short: "Show or apply the database's schema migrations",
		Long: `Bring the database's schema up to this sactl's version, or with --status
only show its version and the migrations it lacks. Every command migrates a
database automatically when it opens it; this makes it explicit, e.g. before
starting a new server version.` + cmdutil.ExitStatusHelp,
		Example: "  sactl db migrate --status\n  sactl db migrate --db /srv/sactl.db",
		Args:    cmdutil.ExactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			if !status {
				st, err := f.OpenExisting(c.Context())
				if err != nil {
					return err
				}
				st.Close()
			}
			res, err := f.MigrationStatus(c.Context())
			if err != nil {
				return err
			}
			return opts.Print(res, func() error {
				d := output.NewDetail(opts.IO)
				d.Add("schema_version", strconv.Itoa(res.Version))
				d.Add("latest", strconv.Itoa(res.Latest))
				d.Add("pending", output.FormatEmpty(opts.IO, strings.Join(res.Pending, " ")))
				return d.Render()
			})
		},
	}
	cmd.Flags().BoolVar(&status, "status", false, "only show the schema version and pending migrations")
	cmdutil.AddOutputFlag(cmd, &opts)
	return cmd
}

// MasterKeyRotation is what "db rotate-master-key" did (docs/json.md).
type MasterKeyRotation struct {
	// KeyFile holds the new master key.
	KeyFile string `json:"key_file"`
	// Resealed is how many businesses' data keys were sealed anew.
	Resealed int `json:"resealed"`
}

func newCmdRotateMasterKey(f *cmdutil.Factory) *cobra.Command {
	opts := cmdutil.NewBase(f)
	var newKeyFile string
	cmd := &cobra.Command{
		Use:   "rotate-master-key [--new-key-file <file>]",
		Short: "Seal every business's data key under a new master key",
		Long: `Make a new master key (R-KEY-10) and seal every business's data key under it,
in one transaction, with a master_key.rotated audit event in each business.
Sealed secrets and signing keys stay as they are: they are sealed by the data
keys, which do not change.

With the master key in a file (--master-key-file, or <db>.masterkey), the new
key is written to <file>.new (0600) before the transaction and replaces the
file once it has committed; if sactl is killed in between, the next command
that opens the database finishes the swap. With the key in SACTL_MASTER_KEY,
give --new-key-file: the new key is written there, and you then point
SACTL_MASTER_KEY or --master-key-file at it.

Backups made before the rotation still need the old key (the copy beside
each backup). Stop servers using the database first, and restart them with
the new key: a running server keeps the key it started with.` + cmdutil.ExitStatusHelp,
		Example: "  sactl db rotate-master-key --db /srv/sactl.db --master-key-file /etc/sactl/master.key",
		Args:    cmdutil.ExactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			st, err := f.OpenExisting(c.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			actor := service.LocalActor(cmdutil.OSUser())
			actor.As = f.As
			file, n, err := service.RotateMasterKey(c.Context(), st, f.MasterKey(st.Location()), actor, newKeyFile)
			if err != nil {
				return err
			}
			res := MasterKeyRotation{KeyFile: file, Resealed: n}
			return opts.Print(res, func() error {
				d := output.NewDetail(opts.IO)
				d.Add("key_file", res.KeyFile)
				d.Add("resealed", strconv.Itoa(res.Resealed))
				return d.Render()
			})
		},
	}
	cmd.Flags().StringVar(&newKeyFile, "new-key-file", "", "write the new master key to this new file (needed when the key comes from SACTL_MASTER_KEY)")
	cmdutil.AddOutputFlag(cmd, &opts)
	return cmd
}
