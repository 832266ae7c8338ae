package keys

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// masterKeyLine is the length of the base64 (standard, padded) of 32 bytes.
const masterKeyLine = 44

// ParseMasterKey decodes a master key given as standard base64 of 32 bytes,
// the form of SACTL_MASTER_KEY (R-KEY-10). Surrounding white space is
// ignored. Errors never contain s.
func ParseMasterKey(s string) (MasterKey, error) {
	m, err := decodeMasterKey(strings.TrimSpace(s))
	if err != nil {
		return MasterKey{}, fmt.Errorf("keys: %w", err)
	}
	return m, nil
}

func decodeMasterKey(s string) (MasterKey, error) {
	var m MasterKey
	if s == "" {
		return m, errors.New("master key is empty (want standard base64 of 32 bytes)")
	}
	// The decoder skips '\r' and '\n' anywhere, even in strict mode; refuse
	// them, so that one key has one spelling.
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || strings.ContainsAny(s, "\r\n") {
		clear(b)
		return m, errors.New("master key is not valid standard base64 (want base64 of 32 bytes)")
	}
	defer clear(b)
	if len(b) != len(m) {
		return m, fmt.Errorf("master key has %d bytes, want 32", len(b))
	}
	copy(m[:], b)
	if isZero((*[32]byte)(&m)) {
		return MasterKey{}, errors.New("master key is all zeros")
	}
	return m, nil
}

// encodeMasterKey is the file format: one line of standard base64.
func encodeMasterKey(m MasterKey) []byte {
	return []byte(base64.StdEncoding.EncodeToString(m[:]) + "\n")
}

// LoadOrCreateMasterKey returns the master key stored at path, creating the
// file with a new random key if it does not exist (R-KEY-10, local mode).
//
// The file holds one line: standard base64 of 32 bytes, optionally followed
// by a newline. A file of any other content is an error, and so is a file
// whose mode lets group or others in (mode&0o077 != 0): fix it with chmod 600.
//
// A new file is created with mode 0600 (missing parent directories with
// 0700). Creation is race-safe: the key is written to a temporary file that
// is then hard-linked into place, so the file never exists half-written, and
// when another process creates it first, its key is read and returned.
func LoadOrCreateMasterKey(path string) (MasterKey, error) {
	return loadOrCreateMasterKey(path, newMasterKey)
}

func newMasterKey() (MasterKey, error) {
	var m MasterKey
	if _, err := rand.Read(m[:]); err != nil {
		return MasterKey{}, fmt.Errorf("keys: reading random bytes: %w", err)
	}
	return m, nil
}

// loadOrCreateMasterKey is LoadOrCreateMasterKey with the key generator as a
// parameter, so a test can create the file between the existence check and
// the creation, as a concurrent process would.
func loadOrCreateMasterKey(path string, gen func() (MasterKey, error)) (MasterKey, error) {
	if path == "" {
		return MasterKey{}, errors.New("keys: master key file path is empty")
	}
	m, err := readMasterKeyFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return m, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return MasterKey{}, fmt.Errorf("keys: creating directory for master key file: %w", err)
	}
	m, err = gen()
	if err != nil {
		return MasterKey{}, err
	}
	created, err := createMasterKeyFile(path, m)
	if err != nil {
		return MasterKey{}, err
	}
	if created {
		return m, nil
	}
	// Another process won the race: use its key. Hard-linked files are
	// complete; an exclusive-create fallback writer may still be writing,
	// so give a short file a moment.
	var theirs MasterKey
	for range 50 {
		theirs, err = readMasterKeyFile(path)
		if !errors.Is(err, errMasterKeyShort) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	return theirs, err
}

// ReadMasterKeyFile reads a master key file without ever creating one; a
// missing file is an error matching fs.ErrNotExist.
func ReadMasterKeyFile(path string) (MasterKey, error) { return readMasterKeyFile(path) }

// WriteMasterKeyFile creates path, mode 0600, holding m; it never replaces
// an existing file (fs.ErrExist).
func WriteMasterKeyFile(path string, m MasterKey) error {
	created, err := createMasterKeyFile(path, m)
	if err == nil && !created {
		err = fmt.Errorf("keys: %s: %w", path, fs.ErrExist)
	}
	return err
}

// NewMasterKey makes a master key from crypto/rand.
func NewMasterKey() (MasterKey, error) { return newMasterKey() }

// errMasterKeyShort marks a key file shorter than one key line: it may still
// be being written.
var errMasterKeyShort = errors.New("too short")

// readMasterKeyFile reads and checks a master key file. A missing file is
// an error matching fs.ErrNotExist.
func readMasterKeyFile(path string) (MasterKey, error) {
	f, err := os.Open(path)
	if err != nil {
		return MasterKey{}, fmt.Errorf("keys: opening master key file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return MasterKey{}, fmt.Errorf("keys: opening master key file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return MasterKey{}, fmt.Errorf("keys: master key file %s is not a regular file", path)
	}
	// Unix permission bits mean nothing on Windows.
	if perm := fi.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return MasterKey{}, fmt.Errorf("keys: master key file %s is accessible by group or others (mode %04o); run: chmod 600 %s", path, perm, path)
	}
	b, err := io.ReadAll(io.LimitReader(f, 1024))
	if err != nil {
		return MasterKey{}, fmt.Errorf("keys: reading master key file: %w", err)
	}
	defer clear(b)
	s := string(b)
	s = strings.TrimSuffix(s, "\n")
	s = strings.TrimSuffix(s, "\r")
	if len(s) < masterKeyLine && !strings.ContainsAny(s, "\r\n") {
		return MasterKey{}, fmt.Errorf("keys: master key file %s: %w (want one line of base64 of 32 bytes)", path, errMasterKeyShort)
	}
	if len(s) != masterKeyLine {
		return MasterKey{}, fmt.Errorf("keys: master key file %s has the wrong size (want one line of base64 of 32 bytes)", path)
	}
	m, err := decodeMasterKey(s)
	if err != nil {
		return MasterKey{}, fmt.Errorf("keys: master key file %s: %w", path, err)
	}
	return m, nil
}

// linkFile is os.Link; a test replaces it to exercise the fallback for file
// systems without hard links.
var linkFile = os.Link

// createMasterKeyFile creates path holding m, mode 0600. It reports false,
// without error, when path already exists.
func createMasterKeyFile(path string, m MasterKey) (bool, error) {
	content := encodeMasterKey(m)
	defer clear(content)

	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return false, fmt.Errorf("keys: creating master key file: %w", err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName)
	if err := writeKeyFile(tmp, content); err != nil {
		return false, err
	}
	err = linkFile(tmpName, path)
	switch {
	case err == nil:
		syncDir(dir)
		return true, nil
	case errors.Is(err, fs.ErrExist):
		return false, nil
	}
	// No hard links on this file system: create the file exclusively.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("keys: creating master key file: %w", err)
	}
	if err := writeKeyFile(f, content); err != nil {
		os.Remove(path)
		return false, err
	}
	syncDir(dir)
	return true, nil
}

// writeKeyFile sets f to mode 0600 (whatever the umask), writes content,
// syncs and closes f.
func writeKeyFile(f *os.File, content []byte) error {
	err := f.Chmod(0o600)
	if err == nil {
		_, err = f.Write(content)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("keys: writing master key file: %w", err)
	}
	return nil
}

// syncDir makes a new directory entry durable, best effort.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
