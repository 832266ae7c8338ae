// Package cmdutil is what every command shares: the factory that lazily
// opens the backend, the output flag, the confirmation flow and the one
// mapping from errors to exit codes.
package cmdutil

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"time"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/client"
	"github.com/sactl/sactl/internal/config"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/iostreams"
	"github.com/sactl/sactl/internal/service"
	"github.com/sactl/sactl/internal/store/dsn"
)

// Factory makes a command's dependencies lazily, so --help and --version
// open no database and touch no network.
type Factory struct {
	IOStreams *iostreams.IOStreams
	Now       func() time.Time
	Getenv    func(string) string

	// Global flags, bound by the root command.
	DBPath   string
	Business string
	As       string
	Profile  string
	// MasterKeyFile is --master-key-file (R-KEY-10).
	MasterKeyFile string
	// CACert is --ca-cert: the CAs to trust for a server (R-SRV-5).
	CACert string

	store  *service.DB
	usage  *service.Usage // last uses noted by local verifications (R-KEY-9)
	remote *config.Remote // the remote target, once Backend chose one
	client *client.Client
}

// New returns the factory for a real process.
func New(ios *iostreams.IOStreams) *Factory {
	return &Factory{IOStreams: ios, Now: time.Now, Getenv: os.Getenv}
}

// Backend opens the service the commands call: a server when a profile is
// selected (remote mode), else the local SQLite database.
func (f *Factory) Backend(ctx context.Context) (api.API, error) {
	remote, err := f.Remote()
	if err != nil {
		return nil, err
	}
	if remote != nil {
		if f.As != "" {
			return nil, FlagErrorf("--as works in local mode only; against a server you act as the profile's credential")
		}
		biz := f.Business
		if biz == "" {
			biz = f.Getenv("SACTL_BUSINESS")
		}
		if biz == "" {
			biz = remote.Business
		}
		hc, err := client.HTTPClient(f.CACertFile(remote))
		if err != nil {
			return nil, err
		}
		c, err := client.New(remote.Server, remote.Token, biz, hc)
		if err != nil {
			return nil, err
		}
		f.remote, f.client = remote, c
		return c, nil
	}
	if f.store == nil {
		path, err := f.DatabasePath()
		if err != nil {
			return nil, err
		}
		if err := f.checkDatabaseDir(path); err != nil {
			return nil, err
		}
		st, err := f.OpenStore(ctx, path)
		if err != nil {
			return nil, err
		}
		f.store, f.usage = st, service.NewUsage(st)
	}
	actor := service.LocalActor(OSUser())
	actor.As = f.As
	return service.New(f.store, actor, f.BusinessName(), service.WithClock(f.Now),
		service.WithMasterKey(f.MasterKey(f.store.Location())), service.WithUsage(f.usage)), nil
}

// CACertFile is the file of CAs trusted for remote's server (R-SRV-5):
// --ca-cert, else SACTL_CA_CERT, else the profile's ca_cert; "" for the
// system's.
func (f *Factory) CACertFile(remote *config.Remote) string {
	return cmp.Or(f.CACert, f.Getenv("SACTL_CA_CERT"), remote.CACert)
}

// MasterKey is where the master key comes from (R-KEY-10), in local mode as
// for the server: --master-key-file, else SACTL_MASTER_KEY, else, for a
// database file, the 0600 file <db>.masterkey next to it. A PostgreSQL
// database has no "next to it": its replicas must share one key, given to
// each of them.
func (f *Factory) MasterKey(db string) service.MasterKey {
	switch {
	case f.MasterKeyFile != "":
		return service.MasterKeyFile(f.MasterKeyFile)
	case f.Getenv("SACTL_MASTER_KEY") != "":
		return service.MasterKeyEnv(f.Getenv("SACTL_MASTER_KEY"))
	case dsn.IsURL(db):
		return service.MasterKeyRequired("a PostgreSQL database needs its master key given with --master-key-file or SACTL_MASTER_KEY (every replica the same one)")
	}
	return service.LocalMasterKey(db)
}

// IsServerDatabase reports whether db is a server database (a postgres://
// URL) rather than a file.
func IsServerDatabase(db string) bool { return dsn.IsURL(db) }

// NeedMasterKey refuses a server database without a master key given:
// its replicas must all use the same one, so sactl never picks one for
// them (R-KEY-10). A database file has its default, <db>.masterkey.
func (f *Factory) NeedMasterKey(db string) error {
	if dsn.IsURL(db) && f.MasterKeyFile == "" && f.Getenv("SACTL_MASTER_KEY") == "" {
		return FlagErrorf("a PostgreSQL database needs its master key: give --master-key-file or SACTL_MASTER_KEY, the same on every replica")
	}
	return nil
}

// OpenDatabase opens a database by path or URL (R-DB-4), creating a file
// or a schema when there is none yet.
func (f *Factory) OpenDatabase(ctx context.Context, db string) (*service.DB, error) {
	raw, err := dsn.Open(ctx, db)
	if err != nil {
		return nil, err
	}
	st, err := service.Open(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", dsn.Redacted(db), err)
	}
	return st, nil
}

// OpenExisting opens the database of --db / SACTL_DB, which must already
// exist: the db commands never create a database file.
func (f *Factory) OpenExisting(ctx context.Context) (*service.DB, error) {
	db, err := f.existingDatabase()
	if err != nil {
		return nil, err
	}
	return f.OpenDatabase(ctx, db)
}

// existingDatabase is --db / SACTL_DB when it names a database file that
// exists, or a server database (which the server knows about).
func (f *Factory) existingDatabase() (string, error) {
	db, err := f.LocalDatabase("db")
	if err != nil {
		return "", err
	}
	if kind, path, err := dsn.Parse(db); err != nil {
		return "", err
	} else if kind == dsn.SQLite {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return "", domain.NotFoundf("no database at %s", path).WithHint("give its path with --db")
		} else if err != nil {
			return "", err
		}
	}
	return db, nil
}

// MigrationStatus reads the schema version of the database of --db /
// SACTL_DB without migrating or creating anything.
func (f *Factory) MigrationStatus(ctx context.Context) (service.MigrationStatus, error) {
	db, err := f.existingDatabase()
	if err != nil {
		return service.MigrationStatus{}, err
	}
	return dsn.Status(ctx, db)
}

// RedactedDatabase is a database's location fit for a message or a log
// line: a URL's password removed.
func RedactedDatabase(db string) string { return dsn.Redacted(db) }

// OpenStore opens a database by path or URL (R-DB-4) and checks that the
// master key opens what it holds sealed (R-KEY-10): a missing or different
// key is refused at once, naming where the key came from.
func (f *Factory) OpenStore(ctx context.Context, db string) (*service.DB, error) {
	st, err := f.OpenDatabase(ctx, db)
	if err != nil {
		return nil, err
	}
	finished, err := service.CheckMasterKey(ctx, st, f.MasterKey(db))
	if err != nil {
		st.Close()
		return nil, err
	}
	if finished {
		fmt.Fprintf(f.IOStreams.ErrOut, "sactl: finished an interrupted master key rotation: %s now holds the new key\n", f.MasterKey(db).Path())
	}
	return st, nil
}

// ConfigPath is the profiles file.
func (f *Factory) ConfigPath() (string, error) { return config.Path(f.Getenv) }

// Remote is the selected server, or nil in local mode.
func (f *Factory) Remote() (*config.Remote, error) {
	cfg, local, err := f.mode()
	if err != nil || local {
		return nil, err
	}
	return config.Resolve(cfg, f.Profile, f.Getenv)
}

// mode reads the config file and says whether the command runs in local
// mode whatever it holds. Flags beat the environment, which beats the
// config file (R-CLI-9): --profile, else --db (local), else SACTL_PROFILE
// or SACTL_SERVER, else SACTL_DB (local), else the current profile.
func (f *Factory) mode() (config.File, bool, error) {
	if f.Profile != "" && f.Profile != "local" && f.DBPath != "" {
		return config.File{}, false, FlagErrorf("--db works in local mode only, and profile %s is in use; add --profile local to use a database file", domain.Quote(f.Profile))
	}
	if f.Profile == "" {
		if f.DBPath != "" {
			return config.File{}, true, nil
		}
		if f.Getenv("SACTL_PROFILE") == "" && f.Getenv("SACTL_SERVER") == "" && f.Getenv("SACTL_DB") != "" {
			return config.File{}, true, nil
		}
	}
	path, err := f.ConfigPath()
	if err != nil {
		return config.File{}, false, err
	}
	cfg, err := config.Load(path)
	return cfg, false, err
}

// Close releases what the factory opened, writing the last uses the
// command's verifications noted first (R-KEY-9).
func (f *Factory) Close() error {
	if f.store == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := f.usage.Flush(ctx)
	if err != nil {
		err = fmt.Errorf("record last use: %w", err)
	}
	err = errors.Join(err, f.store.Close())
	f.store = nil
	return err
}

// BusinessName is --business, else SACTL_BUSINESS, else "default".
func (f *Factory) BusinessName() string {
	if f.Business != "" {
		return f.Business
	}
	if b := f.Getenv("SACTL_BUSINESS"); b != "" {
		return b
	}
	return service.DefaultBusiness
}

// DatabasePath is where the database is, a file path or a postgres:// URL:
// --db, else SACTL_DB, else $XDG_DATA_HOME/sactl/sactl.db.
func (f *Factory) DatabasePath() (string, error) {
	if f.DBPath != "" {
		return f.DBPath, nil
	}
	if p := f.Getenv("SACTL_DB"); p != "" {
		return p, nil
	}
	data := f.Getenv("XDG_DATA_HOME")
	if data == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", errors.New("cannot find a home directory for the database: give --db or set SACTL_DB")
		}
		data = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(data, "sactl", "sactl.db"), nil
}

// selectedServer is the profile and server the command would use, without
// looking for a token; server is "" in local mode.
func (f *Factory) selectedServer() (name, server string, err error) {
	cfg, local, err := f.mode()
	if err != nil || local {
		return "", "", err
	}
	name, p, err := config.Select(cfg, f.Profile, f.Getenv)
	return name, p.Server, err
}

// LocalDatabase is the database a command that works on the database
// itself opens (serve, serve init, db …): never through a profile, so a
// server profile in use is an error rather than a silent switch to the
// local file (R-CLI-9); an explicit path's directory must exist.
func (f *Factory) LocalDatabase(command string) (string, error) {
	name, server, err := f.selectedServer()
	if err != nil {
		return "", err
	}
	if server != "" {
		return "", FlagErrorf("%s works on a database, and profile %s (server %s) is in use: give --db, or --profile local",
			command, domain.Quote(cmp.Or(name, "from SACTL_SERVER")), domain.Quote(server))
	}
	path, err := f.DatabasePath()
	if err != nil {
		return "", err
	}
	return path, f.checkDatabaseDir(path)
}

// checkDatabaseDir refuses a database file named with --db or SACTL_DB
// whose directory does not exist: a mistyped path is an error, never a new
// directory and an empty database (R-CLI-9). Only the default path is
// created on first use.
func (f *Factory) checkDatabaseDir(db string) error {
	if f.DBPath == "" && f.Getenv("SACTL_DB") == "" {
		return nil
	}
	kind, path, err := dsn.Parse(db)
	if err != nil || kind != dsn.SQLite {
		return err
	}
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return domain.Invalidf("no directory %s for the database %s: create it first, or fix the path", domain.Quote(dir), domain.Quote(path))
	case err != nil:
		return err
	case !st.IsDir():
		return domain.Invalidf("%s is not a directory, so it cannot hold the database %s", domain.Quote(dir), domain.Quote(path))
	}
	return nil
}

// OSUser is the local operator's name (R-PERM-6).
func OSUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "unknown"
}
