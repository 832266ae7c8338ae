package config

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"time"
)

// State is what sactl remembers between runs that is not configuration:
// today, when it last warned about each remote credential (R-KEY-16).
type State struct {
	// ExpiryWarned maps a remote (see Remote.Key) to its last expiry warning.
	ExpiryWarned map[string]time.Time `json:"expiry_warned,omitempty"`
}

// StatePath is the state file: $XDG_STATE_HOME/sactl/state.json, by
// default ~/.local/state/sactl/state.json.
func StatePath(getenv func(string) string) (string, error) {
	dir := getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", errors.New("cannot find a home directory for the state file: set XDG_STATE_HOME")
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "sactl", "state.json"), nil
}

// LoadState reads the state file; a missing or unreadable one is empty
// state (it only ever holds what can be forgotten).
func LoadState(path string) State {
	var s State
	if b, err := os.ReadFile(path); err == nil {
		_ = json.Unmarshal(b, &s)
	}
	if s.ExpiryWarned == nil {
		s.ExpiryWarned = map[string]time.Time{}
	}
	return s
}

// SaveState writes the state file atomically, 0600.
func SaveState(path string, s State) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return writeFile(path, append(b, '\n'))
}

// Key names the remote target in the state file: the profile, or the
// server for an ad-hoc SACTL_SERVER/SACTL_TOKEN target.
func (r *Remote) Key() string {
	if r.Profile != "" {
		return "profile:" + r.Profile
	}
	return "server:" + r.Server
}
