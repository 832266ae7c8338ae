// Package cmdutil is what every command shares: the factory that lazily
// opens the backend, the output flag, the confirmation flow and the one
// mapping from errors to exit codes.
package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"time"

	"github.com/sactl/sactl/internal/client"
	"github.com/sactl/sactl/internal/config"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/iostreams"
	"github.com/sactl/sactl/internal/service"
	"github.com/sactl/sactl/internal/store/sqlite"
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

	store  *sqlite.Store
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
func (f *Factory) Backend(ctx context.Context) (service.API, error) {
	remote, err := f.Remote()
	if err != nil {
		return nil, err
	}
	if remote != nil {
		if f.As != "" {
			return nil, FlagErrorf("--as works in local mode only; against a server you act as the profile's credential")
		}
		if f.DBPath != "" {
			return nil, FlagErrorf("--db works in local mode only, and profile %s is in use; add --profile local to use a database file", domain.Quote(remote.Profile))
		}
		biz := f.Business
		if biz == "" {
			biz = f.Getenv("SACTL_BUSINESS")
		}
		if biz == "" {
			biz = remote.Business
		}
		c, err := client.New(remote.Server, remote.Token, biz, nil)
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
		st, err := f.OpenStore(ctx, path)
		if err != nil {
			return nil, err
		}
		f.store, f.usage = st, service.NewUsage(st)
	}
	actor := service.LocalActor(OSUser())
	actor.As = f.As
	return service.New(f.store, actor, f.BusinessName(), service.WithClock(f.Now),
		service.WithMasterKey(f.MasterKey(f.store.Path())), service.WithUsage(f.usage)), nil
}

// MasterKey is where the master key comes from (R-KEY-10), in local mode as
// for the server: --master-key-file, else SACTL_MASTER_KEY, else the 0600
// file <db>.masterkey next to the database.
func (f *Factory) MasterKey(dbPath string) service.MasterKey {
	switch {
	case f.MasterKeyFile != "":
		return service.MasterKeyFile(f.MasterKeyFile)
	case f.Getenv("SACTL_MASTER_KEY") != "":
		return service.MasterKeyEnv(f.Getenv("SACTL_MASTER_KEY"))
	}
	return service.LocalMasterKey(dbPath)
}

// OpenStore opens a database and checks that the master key opens what it
// holds sealed (R-KEY-10): a missing or different key is refused at once,
// naming where the key came from.
func (f *Factory) OpenStore(ctx context.Context, path string) (*sqlite.Store, error) {
	st, err := service.Open(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	finished, err := service.CheckMasterKey(ctx, st, f.MasterKey(path))
	if err != nil {
		st.Close()
		return nil, err
	}
	if finished {
		fmt.Fprintf(f.IOStreams.ErrOut, "sactl: finished an interrupted master key rotation: %s now holds the new key\n", f.MasterKey(path).Path())
	}
	return st, nil
}

// ConfigPath is the profiles file.
func (f *Factory) ConfigPath() (string, error) { return config.Path(f.Getenv) }

// Remote is the selected server, or nil in local mode.
func (f *Factory) Remote() (*config.Remote, error) {
	path, err := f.ConfigPath()
	if err != nil {
		return nil, err
	}
	cfg, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	return config.Resolve(cfg, f.Profile, f.Getenv)
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

// DatabasePath is --db, else SACTL_DB, else $XDG_DATA_HOME/sactl/sactl.db.
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
