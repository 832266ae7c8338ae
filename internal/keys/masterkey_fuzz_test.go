package keys

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// masterKeyErrorRE matches every error ParseMasterKey returns: fixed texts
// and a byte count, so none carries the input (R-KEY-10, R-CLI-4).
var masterKeyErrorRE = regexp.MustCompile(`^keys: master key (is empty \(want standard base64 of 32 bytes\)|` +
	`is not valid standard base64 \(want base64 of 32 bytes\)|has \d+ bytes, want 32|is all zeros)$`)

// masterKeyFileErrorRE matches every error readMasterKeyFile returns for a
// regular 0600 file, with its path written as PATH.
var masterKeyFileErrorRE = regexp.MustCompile(`^keys: master key file PATH(` +
	`: too short \(want one line of base64 of 32 bytes\)|` +
	` has the wrong size \(want one line of base64 of 32 bytes\)|` +
	`: master key (is empty \(want standard base64 of 32 bytes\)|` +
	`is not valid standard base64 \(want base64 of 32 bytes\)|has \d+ bytes, want 32|is all zeros))$`)

// masterKeySeeds are SACTL_MASTER_KEY values and key file contents, good
// and bad.
func masterKeySeeds() []string {
	var m MasterKey
	for i := range m {
		m[i] = byte(i*7 + 1)
	}
	line := base64.StdEncoding.EncodeToString(m[:])
	return []string{
		line, line + "\n", line + "\r\n", "  " + line + "\t\n", line + "\n\n", line + "\r", "\n" + line,
		line[:20] + " " + line[20:], line[:20] + "\t" + line[20:],
		nonCanonical(line), base64.RawStdEncoding.EncodeToString(m[:]), base64.URLEncoding.EncodeToString(m[:]),
		base64.StdEncoding.EncodeToString(m[:31]), base64.StdEncoding.EncodeToString(append(m[:], 7)),
		base64.StdEncoding.EncodeToString(make([]byte, 32)), strings.Repeat("ab", 32), "", " \n", "\x00",
		"=" + line[1:], line[:43] + "\u00a0",
	}
}

// FuzzParseMasterKey: SACTL_MASTER_KEY (R-KEY-10) is accepted only in its
// one canonical spelling, standard padded base64 of 32 non-zero bytes with
// nothing but white space around it, so two different strings never name
// the same key; the key then also reads back from a key file. Errors are
// fixed texts that never contain the input.
func FuzzParseMasterKey(f *testing.F) {
	for _, s := range masterKeySeeds() {
		f.Add(s)
	}
	path := filepath.Join(f.TempDir(), "master.key")
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMasterKey(s)
		if err != nil {
			if !masterKeyErrorRE.MatchString(err.Error()) {
				t.Fatalf("ParseMasterKey: unexpected error %q", err)
			}
			if m != (MasterKey{}) {
				t.Fatal("ParseMasterKey returned a key with an error")
			}
			return
		}
		if isZero((*[32]byte)(&m)) {
			t.Fatal("ParseMasterKey accepted the all-zero key")
		}
		canon := base64.StdEncoding.EncodeToString(m[:])
		if strings.TrimSpace(s) != canon {
			t.Fatalf("ParseMasterKey accepted %q, whose canonical spelling is %q", s, canon)
		}
		// The same key as a key file (encodeMasterKey, what
		// WriteMasterKeyFile writes) reads back.
		os.Remove(path)
		if err := os.WriteFile(path, encodeMasterKey(m), 0o600); err != nil {
			t.Fatal(err)
		}
		if got, err := ReadMasterKeyFile(path); err != nil || got != m {
			t.Fatalf("the key file of an accepted key reads back as %v, equal %v", err, got == m)
		}
	})
}

// FuzzReadMasterKeyFile: a 0600 master key file (R-KEY-10) is accepted only
// as one canonical line, optionally ended by a line end ("\n", "\r\n", or
// the "\r" the reader's trimming also lets through), holding the key
// ParseMasterKey reads from the same text. Errors are fixed texts naming
// the file, never its content. LoadOrCreateMasterKey agrees with it and
// never replaces a file it cannot use.
func FuzzReadMasterKeyFile(f *testing.F) {
	for _, s := range masterKeySeeds() {
		f.Add([]byte(s))
	}
	f.Add(bytes.Repeat([]byte("A"), 2000))
	path := filepath.Join(f.TempDir(), "master.key")
	f.Fuzz(func(t *testing.T, content []byte) {
		os.Remove(path)
		if err := os.WriteFile(path, content, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, 0o600); err != nil {
			t.Fatal(err)
		}
		m, err := ReadMasterKeyFile(path)
		again, lerr := LoadOrCreateMasterKey(path)
		if after, rerr := os.ReadFile(path); rerr != nil || !bytes.Equal(after, content) {
			t.Fatalf("reading the key file changed it (%v)", rerr)
		}
		if err != nil {
			if msg := strings.ReplaceAll(err.Error(), path, "PATH"); !masterKeyFileErrorRE.MatchString(msg) {
				t.Fatalf("ReadMasterKeyFile: unexpected error %q", msg)
			}
			if m != (MasterKey{}) {
				t.Fatal("ReadMasterKeyFile returned a key with an error")
			}
			if lerr == nil {
				t.Fatal("LoadOrCreateMasterKey accepted a file ReadMasterKeyFile refuses")
			}
			return
		}
		if lerr != nil || again != m {
			t.Fatalf("LoadOrCreateMasterKey disagrees with ReadMasterKeyFile: %v", lerr)
		}
		canon := base64.StdEncoding.EncodeToString(m[:])
		switch string(content) {
		case canon, canon + "\n", canon + "\r\n", canon + "\r":
		default:
			t.Fatalf("ReadMasterKeyFile accepted %q, whose canonical form is %q", content, canon)
		}
		if p, err := ParseMasterKey(string(content)); err != nil || p != m {
			t.Fatalf("ParseMasterKey disagrees with the key file: %v", err)
		}
	})
}
