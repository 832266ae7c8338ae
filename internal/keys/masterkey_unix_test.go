//go:build unix

package keys

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestMasterKeyFileModeIgnoresUmask: the key file is exactly 0600 whatever
// the umask; under umask 0277 a plain 0600 create would give 0400.
func TestMasterKeyFileModeIgnoresUmask(t *testing.T) {
	dir := t.TempDir()
	old := syscall.Umask(0o277)
	defer syscall.Umask(old)
	path := filepath.Join(dir, "master.key")
	if _, err := LoadOrCreateMasterKey(path); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Fatalf("key file mode = %04o under umask 0277, want 0600", perm)
	}
}
