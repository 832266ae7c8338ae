// Package config holds server profiles (R-SRV-5): $XDG_CONFIG_HOME/sactl/config.yaml,
// written 0600 because it may hold tokens; SACTL_* environment variables
// override it and flags override both.
package config

import (
	"bytes"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"

	"github.com/sactl/sactl/internal/domain"
)

// Profile is one server to talk to.
type Profile struct {
	Server   string `yaml:"server" mapstructure:"server" json:"server"`
	Token    string `yaml:"token,omitempty" mapstructure:"token" json:"-"`
	TokenEnv string `yaml:"token_env,omitempty" mapstructure:"token_env" json:"token_env,omitempty"`
	Business string `yaml:"business,omitempty" mapstructure:"business" json:"business,omitempty"`
	// CACert is a PEM file of the CAs to trust for Server (a private CA).
	CACert string `yaml:"ca_cert,omitempty" mapstructure:"ca_cert" json:"ca_cert,omitempty"`
}

// File is the whole config file.
type File struct {
	Current  string             `yaml:"current,omitempty" mapstructure:"current"`
	Profiles map[string]Profile `yaml:"profiles" mapstructure:"profiles"`
}

// Path is the config file's location for an environment.
func Path(getenv func(string) string) (string, error) {
	if p := getenv("SACTL_CONFIG"); p != "" {
		return p, nil
	}
	dir := getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", errors.New("cannot find a home directory for the config file: set XDG_CONFIG_HOME")
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "sactl", "config.yaml"), nil
}

// Load reads the config file through viper; a missing file is an empty config.
func Load(path string) (File, error) {
	f := File{Profiles: map[string]Profile{}}
	v := viper.New()
	v.SetConfigFile(path)
	v.SetConfigType("yaml")
	if err := v.ReadInConfig(); err != nil {
		if errors.Is(err, os.ErrNotExist) || os.IsNotExist(errors.Unwrap(err)) {
			return f, nil
		}
		if _, statErr := os.Stat(path); os.IsNotExist(statErr) {
			return f, nil
		}
		return f, &loadError{path: path, err: err}
	}
	if err := v.Unmarshal(&f); err != nil {
		return f, &loadError{path: path, err: err}
	}
	if f.Profiles == nil {
		f.Profiles = map[string]Profile{}
	}
	return f, nil
}

// loadError is a config file that does not load. yaml and viper quote the
// file's content in their errors, control characters included, so Error
// escapes those, line and paragraph separators, and format characters
// (bidirectional marks and overrides, zero-width ones): a message stays
// one line on a terminal and cannot rearrange itself (R-CLI-4).
type loadError struct {
	path string
	err  error
}

func (e *loadError) Error() string {
	var b strings.Builder
	for _, r := range "read " + e.path + ": " + e.err.Error() {
		if (unicode.IsControl(r) && r != '\n' && r != '\t') || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029' {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (e *loadError) Unwrap() error { return e.err }

// Save writes the config file atomically with mode 0600.
func Save(path string, f File) error {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(f); err != nil {
		return err
	}
	return writeFile(path, buf.Bytes())
}

// writeFile replaces path atomically with a 0600 file (its directory 0700):
// readers see the old content or the new, never a mix.
func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

var nameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`) })

// ValidateName checks a profile name. Like every name, it must not look
// like a credential (R-CLI-4).
func ValidateName(name string) error {
	if p, ok := domain.CredentialPrefix(name); ok {
		return domain.Invalidf("profile name must not look like a credential (%s…)", p)
	}
	if !nameRE().MatchString(name) {
		return domain.Invalidf("invalid profile name %s: use lower-case letters, digits, - and _", domain.Quote(name))
	}
	return nil
}

// ValidateServer checks a server URL.
func ValidateServer(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return domain.Invalidf("invalid server URL %s: use http(s)://host[:port]", domain.Quote(s))
	}
	return nil
}

// Names lists the profiles in order.
func (f File) Names() []string {
	out := make([]string, 0, len(f.Profiles))
	for n := range f.Profiles {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Remote is a resolved remote target: where, with what, as which business.
type Remote struct {
	Profile  string
	Server   string
	Token    string
	Business string
	CACert   string // the profile's ca_cert
}

// Resolve picks the remote target: the --profile flag, else SACTL_PROFILE,
// else the current profile; SACTL_SERVER / SACTL_TOKEN override its fields
// (and alone make an ad-hoc remote). It returns nil for local mode.
func Resolve(f File, flagProfile string, getenv func(string) string) (*Remote, error) {
	name, p, err := Select(f, flagProfile, getenv)
	if err != nil || p.Server == "" {
		return nil, err
	}
	token := p.Token
	if p.TokenEnv != "" {
		token = getenv(p.TokenEnv)
		if token == "" {
			return nil, domain.Unauthenticatedf("profile %q takes its token from the environment variable %q, which is empty", name, p.TokenEnv)
		}
	}
	if t := getenv("SACTL_TOKEN"); t != "" {
		token = t
	}
	if token == "" {
		// Quoted: the server comes from a file or the environment and may
		// hold a line break (R-CLI-4: one line).
		return nil, domain.Unauthenticatedf("no token for server %q: add one with sactl profile add, or set SACTL_TOKEN", p.Server)
	}
	return &Remote{Profile: name, Server: p.Server, Token: strings.TrimSpace(token), Business: p.Business, CACert: p.CACert}, nil
}

// Select is the profile Resolve uses, by name ("" for none or local), and
// its server (SACTL_SERVER overriding it; "" in local mode), without
// looking for its token.
func Select(f File, flagProfile string, getenv func(string) string) (string, Profile, error) {
	name := flagProfile
	if name == "" {
		name = getenv("SACTL_PROFILE")
	}
	if name == "" {
		name = f.Current
	}
	var p Profile
	if name != "" && name != "local" {
		var ok bool
		if p, ok = f.Profiles[name]; !ok {
			return "", p, domain.NotFoundf("profile %s not found", domain.Quote(name)).WithHint("list them with: sactl profile list")
		}
	} else {
		name = ""
	}
	if s := getenv("SACTL_SERVER"); s != "" {
		p.Server = s
	}
	return name, p, nil
}
