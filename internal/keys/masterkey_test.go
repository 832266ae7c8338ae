package keys

import (
	"encoding/base64"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// Master key tests are not parallel: TestMasterKeyFileModeIgnoresUmask
// changes the process umask.

func skipOnWindows(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("Unix permission bits")
	}
}

func TestLoadOrCreateMasterKeyCreates(t *testing.T) {
	skipOnWindows(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "state", "sactl", "master.key")

	m, err := LoadOrCreateMasterKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if m == (MasterKey{}) {
		t.Fatal("created an all-zero key")
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode = %04o, want 0600", perm)
	}
	for _, d := range []string{filepath.Join(dir, "state"), filepath.Join(dir, "state", "sactl")} {
		fi, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm != 0o700 {
			t.Errorf("directory %s mode = %04o, want 0700", d, perm)
		}
	}
	content, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := base64.StdEncoding.EncodeToString(m[:]) + "\n"; string(content) != want {
		t.Errorf("file holds %d bytes that are not one line of base64 of the key", len(content))
	}
	// No temporary file is left behind.
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the key file", len(entries))
	}

	again, err := LoadOrCreateMasterKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if again != m {
		t.Error("second call returned another key")
	}
	if c2, _ := os.ReadFile(path); string(c2) != string(content) {
		t.Error("second call rewrote the file")
	}
}

func TestLoadOrCreateMasterKeyReadsExisting(t *testing.T) {
	skipOnWindows(t)
	want, _ := newMasterKey()
	line := base64.StdEncoding.EncodeToString(want[:])
	for name, content := range map[string]string{
		"newline":    line + "\n",
		"no newline": line,
		"CRLF":       line + "\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "master.key")
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := LoadOrCreateMasterKey(path)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Fatal("loaded another key than the file's")
			}
		})
	}
}

func TestLoadOrCreateMasterKeyRefusesOpenModes(t *testing.T) {
	skipOnWindows(t)
	m, _ := newMasterKey()
	line := base64.StdEncoding.EncodeToString(m[:])
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660, 0o601, 0o610, 0o666} {
		path := filepath.Join(t.TempDir(), "master.key")
		if err := os.WriteFile(path, []byte(line+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		got, err := LoadOrCreateMasterKey(path)
		if err == nil {
			t.Errorf("mode %04o: loaded the key, want an error", mode)
			continue
		}
		if got != (MasterKey{}) {
			t.Errorf("mode %04o: returned a key with the error", mode)
		}
		if !strings.Contains(err.Error(), "chmod 600") || !strings.Contains(err.Error(), path) {
			t.Errorf("mode %04o: error %q does not tell to chmod 600 the file", mode, err)
		}
		checkSafeError(t, err, line)
		if c, _ := os.ReadFile(path); string(c) != line+"\n" {
			t.Errorf("mode %04o: the file was changed", mode)
		}
	}
}

func TestLoadOrCreateMasterKeyRejectsBadContent(t *testing.T) {
	skipOnWindows(t)
	m, _ := newMasterKey()
	line := base64.StdEncoding.EncodeToString(m[:])
	for name, content := range map[string]string{
		"empty":              "",
		"newline only":       "\n",
		"31 bytes":           base64.StdEncoding.EncodeToString(m[:31]) + "\n",
		"33 bytes":           base64.StdEncoding.EncodeToString(append(m[:], 1)) + "\n",
		"unpadded":           base64.RawStdEncoding.EncodeToString(m[:]) + "\n",
		"url alphabet":       strings.NewReplacer("+", "-", "/", "_").Replace(strings.Repeat("+/", 21)+"A=") + "\n",
		"not base64":         strings.Repeat("!", 43) + "=\n",
		"two lines":          line + "\n" + line + "\n",
		"two newlines":       line + "\n\n",
		"leading space":      " " + line + "\n",
		"trailing space":     line + " \n",
		"all zeros":          base64.StdEncoding.EncodeToString(make([]byte, 32)) + "\n",
		"non-canonical bits": nonCanonical(line) + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "master.key")
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := LoadOrCreateMasterKey(path)
			if err == nil {
				t.Fatalf("loaded a key from bad content")
			}
			if got != (MasterKey{}) {
				t.Error("returned a key with the error")
			}
			checkSafeError(t, err, content, line)
			if c, _ := os.ReadFile(path); string(c) != content {
				t.Error("the file was changed")
			}
		})
	}
}

// nonCanonical returns line, the padded base64 of 32 bytes, with one of the
// unused low bits of its last character set: it decodes to the same bytes
// under a lenient decoder but is not what an encoder writes.
func nonCanonical(line string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	i := strings.IndexByte(alphabet, line[42])
	return line[:42] + string(alphabet[i|1]) + "="
}

func TestLoadOrCreateMasterKeyNotARegularFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateMasterKey(path); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("error = %v, want not a regular file", err)
	}
	if _, err := LoadOrCreateMasterKey(""); err == nil {
		t.Fatal("empty path: want an error")
	}
}

// TestLoadOrCreateMasterKeyLosesRace: when another process creates the file
// between our existence check and our creation, its key is used.
func TestLoadOrCreateMasterKeyLosesRace(t *testing.T) {
	skipOnWindows(t)
	path := filepath.Join(t.TempDir(), "master.key")
	theirs, _ := newMasterKey()
	ours, _ := newMasterKey()
	got, err := loadOrCreateMasterKey(path, func() (MasterKey, error) {
		// The other process wins here.
		if err := os.WriteFile(path, encodeMasterKey(theirs), 0o600); err != nil {
			t.Fatal(err)
		}
		return ours, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got != theirs {
		t.Fatal("did not return the key of the process that created the file")
	}
	if c, _ := os.ReadFile(path); string(c) != string(encodeMasterKey(theirs)) {
		t.Fatal("overwrote the other process's file")
	}
}

// TestLoadOrCreateMasterKeyWithoutHardLinks: on a file system without hard
// links the key file is created exclusively instead, still 0600, and a lost
// race still returns the winner's key.
func TestLoadOrCreateMasterKeyWithoutHardLinks(t *testing.T) {
	skipOnWindows(t)
	linkFile = func(string, string) error { return &os.LinkError{Op: "link", Err: errors.ErrUnsupported} }
	defer func() { linkFile = os.Link }()

	dir := t.TempDir()
	path := filepath.Join(dir, "master.key")
	m, err := LoadOrCreateMasterKey(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode = %04o, want 0600", perm)
	}
	if again, err := LoadOrCreateMasterKey(path); err != nil || again != m {
		t.Fatalf("reload: %v (same key: %v)", err, again == m)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the key file", len(entries))
	}

	path2 := filepath.Join(dir, "other.key")
	theirs, _ := newMasterKey()
	got, err := loadOrCreateMasterKey(path2, func() (MasterKey, error) {
		if err := os.WriteFile(path2, encodeMasterKey(theirs), 0o600); err != nil {
			t.Fatal(err)
		}
		return m, nil
	})
	if err != nil || got != theirs {
		t.Fatalf("lost race: %v (got the winner's key: %v)", err, got == theirs)
	}
}

// TestLoadOrCreateMasterKeyWaitsForWriter: a winner that creates the file
// exclusively (no hard links) writes it after creating it; the loser waits
// for the content instead of failing on an empty file.
func TestLoadOrCreateMasterKeyWaitsForWriter(t *testing.T) {
	skipOnWindows(t)
	path := filepath.Join(t.TempDir(), "master.key")
	theirs, _ := newMasterKey()
	ours, _ := newMasterKey()
	var wg sync.WaitGroup
	defer wg.Wait()
	got, err := loadOrCreateMasterKey(path, func() (MasterKey, error) {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			time.Sleep(100 * time.Millisecond)
			f.Write(encodeMasterKey(theirs))
			f.Close()
		})
		return ours, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got != theirs {
		t.Fatal("did not return the winner's key")
	}
}

func TestLoadOrCreateMasterKeyConcurrent(t *testing.T) {
	skipOnWindows(t)
	path := filepath.Join(t.TempDir(), "sub", "master.key")
	const n = 32
	keys := make([]MasterKey, n)
	errs := make([]error, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Go(func() {
			start.Wait()
			keys[i], errs[i] = LoadOrCreateMasterKey(path)
		})
	}
	start.Done()
	done.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		if keys[i] != keys[0] {
			t.Fatalf("caller %d got another key", i)
		}
	}
	if m, err := LoadOrCreateMasterKey(path); err != nil || m != keys[0] {
		t.Fatalf("the file does not hold the returned key (%v)", err)
	}
}

func TestParseMasterKey(t *testing.T) {
	m, _ := newMasterKey()
	line := base64.StdEncoding.EncodeToString(m[:])
	for _, in := range []string{line, line + "\n", "  " + line + "\t\n"} {
		got, err := ParseMasterKey(in)
		if err != nil || got != m {
			t.Errorf("ParseMasterKey(%d-byte input) = %v, equal %v", len(in), err, got == m)
		}
	}
	for name, in := range map[string]string{
		"empty":        "",
		"blank":        " \n",
		"31 bytes":     base64.StdEncoding.EncodeToString(m[:31]),
		"33 bytes":     base64.StdEncoding.EncodeToString(append(m[:], 7)),
		"unpadded":     base64.RawStdEncoding.EncodeToString(m[:]),
		"url encoding": base64.URLEncoding.EncodeToString(append([]byte{0xfb, 0xff}, m[2:]...)),
		"hex":          strings.Repeat("ab", 32),
		"inner space":  line[:20] + " " + line[20:],
		"all zeros":    base64.StdEncoding.EncodeToString(make([]byte, 32)),
	} {
		got, err := ParseMasterKey(in)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if got != (MasterKey{}) {
			t.Errorf("%s: returned a key with the error", name)
		}
		checkSafeError(t, err, in, line)
	}
}

func TestReadMasterKeyFileMissing(t *testing.T) {
	_, err := readMasterKeyFile(filepath.Join(t.TempDir(), "nope"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("error = %v, want fs.ErrNotExist", err)
	}
}

func TestNonCanonicalHelper(t *testing.T) {
	m, _ := newMasterKey()
	line := base64.StdEncoding.EncodeToString(m[:])
	nc := nonCanonical(line)
	if nc == line {
		t.Fatal("nonCanonical changed nothing")
	}
	if b, err := base64.StdEncoding.DecodeString(nc); err != nil || string(b) != string(m[:]) {
		t.Fatal("nonCanonical is not a lenient encoding of the same bytes")
	}
}
