package domain

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// ConfigVersion is the version of the configuration document this sactl
// writes and reads (R-CFG-1, docs/config.md). A document of another
// version is refused, never guessed at.
const ConfigVersion = 1

// Config is a business's configuration as `config export` writes it and
// `config import` applies it (R-CFG-1): its settings, its groups with their
// permissions and its integration accounts, never a key, a secret, an id
// or a time, so two exports of the same state are the same bytes. Groups
// are sorted by name, accounts by api_name; maps are written sorted.
//
// Left out on purpose: the protected automation group and account (every
// business has them, and they cannot change, R-SA-4); API-key accounts
// (each is its key, and an import never issues keys, R-SA-11); archived
// accounts; users (accounts name their admins by email).
type Config struct {
	Version  int               `json:"version" yaml:"version"`
	Settings map[string]string `json:"settings" yaml:"settings"`
	Groups   []ConfigGroup     `json:"groups" yaml:"groups"`
	Accounts []ConfigAccount   `json:"accounts" yaml:"accounts"`
}

// ConfigGroup is a group of a Config: its permissions as key → level name.
type ConfigGroup struct {
	Name        string            `json:"name" yaml:"name"`
	Description string            `json:"description" yaml:"description"`
	Permissions map[string]string `json:"permissions" yaml:"permissions"`
}

// ConfigAccount is an integration account of a Config, named by api_name.
// Status is active, disabled (no groups: derived) or suspended.
type ConfigAccount struct {
	APIName     string      `json:"api_name" yaml:"api_name"`
	Name        string      `json:"name" yaml:"name"`
	Description string      `json:"description" yaml:"description"`
	Icon        string      `json:"icon" yaml:"icon"`
	Type        AccountType `json:"type" yaml:"type"`
	Status      Status      `json:"status" yaml:"status"`
	Groups      []string    `json:"groups" yaml:"groups"`
	Admins      []string    `json:"admins" yaml:"admins"`
}

// ParseConfig reads a configuration document, JSON or YAML, strictly: an
// unknown field, a second document, a missing or other version is an
// invalid-input error naming what is wrong (R-CFG-1).
func ParseConfig(data []byte) (Config, error) {
	var c Config
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return c, Invalidf("the configuration file is empty")
	}
	if trimmed[0] == '{' {
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return c, Invalidf("invalid configuration: %s", jsonProblem(err))
		}
		if dec.More() {
			return c, Invalidf("invalid configuration: more than one JSON document")
		}
	} else {
		dec := yaml.NewDecoder(bytes.NewReader(trimmed))
		dec.KnownFields(true)
		if err := dec.Decode(&c); err != nil {
			return c, Invalidf("invalid configuration: %s", yamlProblem(err))
		}
		var more any
		if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
			return c, Invalidf("invalid configuration: more than one YAML document")
		}
	}
	return c, c.CheckVersion()
}

// CheckVersion refuses a document of a version this sactl does not read.
func (c Config) CheckVersion() error {
	switch c.Version {
	case ConfigVersion:
		return nil
	case 0:
		return Invalidf("invalid configuration: no version; this sactl reads version %d (see docs/config.md)", ConfigVersion)
	}
	return Invalidf("unsupported configuration version %d: this sactl reads version %d", c.Version, ConfigVersion)
}

// jsonProblem says what is wrong with a document in one line, without
// echoing its values (they could hold a pasted secret, R-CLI-4).
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("malformed JSON at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("field %s must be %s", Quote(te.Field), te.Type)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + Quote(strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the JSON ends too early"
	}
	return "malformed JSON"
}

// yamlProblem is jsonProblem for YAML: yaml.v3's messages name the line
// and the field, not the values, except for a value of the wrong type,
// which is said without it.
func yamlProblem(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg := te.Errors[0]
		if strings.Contains(msg, "cannot unmarshal") {
			if line, _, ok := strings.Cut(msg, ": cannot"); ok {
				return line + ": a value of the wrong type"
			}
			return "a value of the wrong type"
		}
		if m := yamlUnknownRE().FindStringSubmatch(msg); m != nil {
			return m[1] + ": unknown field " + Quote(m[2])
		}
		return strings.TrimPrefix(msg, "yaml: ")
	}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if i := strings.Index(msg, ": "); i >= 0 && strings.HasPrefix(msg, "line ") {
		return msg[:i] + ": malformed YAML"
	}
	return "malformed YAML"
}

// yamlUnknownRE is yaml.v3's "line 2: field foo not found in type …".
var yamlUnknownRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(line \d+): field (\S+) not found in type `)
})

// ImportPlan is what `config import` does, or would do with --dry-run
// (R-CFG-1): one change per setting, group and account the document or
// the business names, in document order, then the deletions of --prune.
type ImportPlan struct {
	Changes []PlanChange `json:"changes"`
	// Created, Updated, Unchanged and Deleted count Changes by action
	// (archiving an account counts as a deletion).
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Deleted   int `json:"deleted"`
	// Notes are what the operator must know, e.g. that created accounts
	// hold no key yet.
	Notes []string `json:"notes"`
}

// Plan actions.
const (
	PlanCreate    = "create"
	PlanUpdate    = "update"
	PlanUnchanged = "unchanged"
	PlanDelete    = "delete"
	PlanArchive   = "archive"
)

// PlanChange is one line of an ImportPlan: what happens to one object.
type PlanChange struct {
	Action string `json:"action"`
	Kind   string `json:"kind"` // setting, group or account
	Name   string `json:"name"`
	// Details say what changes, one "field: from → to" each.
	Details []string `json:"details"`
}
