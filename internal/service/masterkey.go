package service

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"time"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/keys"
	"github.com/sactl/sactl/internal/store"
)

// MasterKey is where the master key that seals every business's data key
// comes from (R-KEY-10): a 0600 file, or the SACTL_MASTER_KEY environment
// variable. A database that holds sealed data never runs with a missing or
// different key, and no new key is ever made in its place.
type MasterKey struct {
	// Source names it in messages: "master key file <path>" or
	// "SACTL_MASTER_KEY"; never the key.
	Source string
	path   string // the file, when it is one
	load   func(create bool) (keys.MasterKey, error)
	cache  *masterCache
}

type masterCache struct {
	mu sync.Mutex
	mk *keys.MasterKey
}

// MasterKeyFile is a master key kept in a file. The file is created (0600)
// only while the database holds nothing sealed.
func MasterKeyFile(path string) MasterKey {
	m := MasterKey{Source: "master key file " + path, path: path, cache: &masterCache{}}
	m.load = func(create bool) (keys.MasterKey, error) {
		if create {
			return keys.LoadOrCreateMasterKey(path)
		}
		mk, err := keys.ReadMasterKeyFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return mk, fmt.Errorf("%s is missing, but the database holds sealed secrets: restore it (sactl db backup copies it beside each backup) or give the right one with --master-key-file or SACTL_MASTER_KEY; sactl never makes a new key in its place", m.Source)
		}
		return mk, err
	}
	return m
}

// MasterKeyEnv is a master key given as base64 of 32 bytes in
// SACTL_MASTER_KEY.
func MasterKeyEnv(value string) MasterKey {
	return MasterKey{Source: "SACTL_MASTER_KEY", cache: &masterCache{}, load: func(bool) (keys.MasterKey, error) {
		mk, err := keys.ParseMasterKey(value)
		if err != nil {
			return mk, errors.New("SACTL_MASTER_KEY is not a master key: give base64 of 32 bytes")
		}
		return mk, nil
	}}
}

// MasterKeyRequired is no master key, for a database that needs one
// given: loading it fails with msg.
func MasterKeyRequired(msg string) MasterKey {
	return MasterKey{Source: "no master key", cache: &masterCache{}, load: func(bool) (keys.MasterKey, error) {
		return keys.MasterKey{}, errors.New(msg)
	}}
}

// LocalMasterKey is the default master key of a local database: the 0600
// file <db>.masterkey next to it.
func LocalMasterKey(dbPath string) MasterKey { return MasterKeyFile(dbPath + ".masterkey") }

// Path is the master key's file, "" when it comes from the environment.
func (m MasterKey) Path() string { return m.path }

// Load reads the master key once per process; create allows making a new
// key file when there is none (only while nothing is sealed).
func (m MasterKey) Load(create bool) (keys.MasterKey, error) {
	m.cache.mu.Lock()
	defer m.cache.mu.Unlock()
	if m.cache.mk != nil {
		return *m.cache.mk, nil
	}
	mk, err := m.load(create)
	if err != nil {
		return mk, err
	}
	m.cache.mk = &mk
	return mk, nil
}

func (m MasterKey) forget() {
	m.cache.mu.Lock()
	m.cache.mk = nil
	m.cache.mu.Unlock()
}

// open unwraps one business's data key, naming the source when it does not
// open: that is a different master key from the one that sealed it.
func (m MasterKey) open(mk keys.MasterKey, business string, wrapped []byte) (keys.DataKey, error) {
	dk, err := mk.Unwrap(wrapped)
	if err != nil {
		return dk, fmt.Errorf("the key in %s does not open business %q's data key: it is not the master key this database was sealed with; give the right one with --master-key-file or SACTL_MASTER_KEY (sactl never replaces it)", m.Source, business)
	}
	return dk, nil
}

// CheckMasterKey makes sure the master key opens every business's data key
// (R-KEY-10): serve runs it before listening, /readyz on every probe, and
// local mode when it opens the database. A database with nothing sealed
// needs no key yet. When the key file does not open them but the file a
// master key rotation was writing (<file>.new) does, that rotation was
// interrupted after it committed: CheckMasterKey finishes it and says so.
func CheckMasterKey(ctx context.Context, st *DB, m MasterKey) (finished bool, err error) {
	var sealed []store.WrappedKeyRow
	if err := st.Read(ctx, func(tx store.Tx) (err error) {
		sealed, err = tx.WrappedDataKeys()
		return err
	}); err != nil || len(sealed) == 0 {
		return false, err
	}
	opensAll := func(mk keys.MasterKey, m MasterKey) error {
		for _, r := range sealed {
			if _, err := m.open(mk, r.Business, r.Wrapped); err != nil {
				return err
			}
		}
		return nil
	}
	mk, err := m.Load(false)
	if err == nil {
		if err = opensAll(mk, m); err == nil {
			return false, nil
		}
	}
	if m.path == "" {
		return false, err
	}
	next := MasterKeyFile(m.path + ".new")
	nmk, nerr := next.Load(false)
	if nerr != nil || opensAll(nmk, next) != nil {
		return false, err
	}
	if rerr := os.Rename(next.path, m.path); rerr != nil {
		return false, fmt.Errorf("finishing an interrupted master key rotation: %w", rerr)
	}
	m.forget()
	return true, nil
}

// RotateMasterKey re-seals every business's data key under a new master key
// in one transaction (R-KEY-10, R-DB-2), with a master_key.rotated audit
// event in each business. The new key is written (0600, never over an
// existing file) before the transaction: to newFile, or, when newFile is ""
// and the key is a file, to <file>.new, which replaces the file once the
// transaction has committed. Only a local operator can, being the owner of
// the file. It returns the file holding the new key and how many data keys
// were re-sealed.
func RotateMasterKey(ctx context.Context, st *DB, m MasterKey, actor Actor, newFile string) (string, int, error) {
	if actor.As != "" || actor.PrincipalID != "" {
		return "", 0, domain.Forbiddenf("forbidden: only a local operator can rotate the master key")
	}
	if _, err := CheckMasterKey(ctx, st, m); err != nil {
		return "", 0, err
	}
	replace := newFile == ""
	if replace {
		if m.path == "" {
			return "", 0, domain.Invalidf("the master key comes from %s: give --new-key-file for the new one", m.Source)
		}
		newFile = m.path + ".new"
	}
	next, err := keys.NewMasterKey()
	if err != nil {
		return "", 0, err
	}
	if err := keys.WriteMasterKeyFile(newFile, next); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return "", 0, domain.Conflictf("%s already exists: remove it, or finish an interrupted rotation by opening the database once", newFile)
		}
		return "", 0, err
	}
	n := 0
	err = st.Write(ctx, false, func(tx store.Tx) error {
		// No business is created, and no data key sealed, beside the
		// rotation: each would stay under the old key (R-KEY-10).
		if err := tx.LockAll(); err != nil {
			return err
		}
		cur, err := m.Load(false)
		if err != nil {
			return err
		}
		rows, err := tx.WrappedDataKeys()
		if err != nil {
			return err
		}
		now := time.Now().UTC().Truncate(time.Microsecond)
		who := domain.ActorRef{ID: "local:" + actor.Local, Name: actor.Local, Type: "local"}
		for _, r := range rows {
			dk, err := m.open(cur, r.Business, r.Wrapped)
			if err != nil {
				return err
			}
			w, err := next.Wrap(dk)
			if err != nil {
				return err
			}
			if err := tx.ReplaceWrappedDataKey(r.BusinessID, w); err != nil {
				return err
			}
			e := domain.AuditEvent{ID: domain.NewID("evt", now), Time: now, Business: r.Business, Actor: who,
				Action: "master_key.rotated", Target: domain.AuditTarget{Type: "business", ID: r.BusinessID, Name: r.Business},
				Details: map[string]any{}}
			if err := tx.AppendAudit(r.BusinessID, &e); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		os.Remove(newFile)
		return "", 0, err
	}
	m.forget()
	if replace {
		if err := os.Rename(newFile, m.path); err != nil {
			return "", n, fmt.Errorf("the data keys are sealed under the new key in %s, but it could not replace %s: %w", newFile, m.path, err)
		}
		return m.path, n, nil
	}
	return newFile, n, nil
}

// SealDataKey makes sure the business has a data key sealed under the
// master key (R-KEY-10), creating the master key file when the database
// holds nothing sealed yet. "serve init" runs it on a server database, so
// the key file exists to be copied to every replica before any of them
// starts: no replica ever makes a key of its own.
func (s *Service) SealDataKey(ctx context.Context) error {
	return s.write(ctx, api.Mutation{}, func(t *txn) error {
		if err := t.allow(OpServerInit); err != nil {
			return err
		}
		_, err := t.dataKey(true)
		return err
	})
}
