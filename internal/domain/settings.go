package domain

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Settings are a business's tunables. Zero durations mean "not set".
type Settings struct {
	MaxServiceAccounts int           // R-SA-10; 0 = unlimited
	MaxKeysPerAccount  int           // R-KEY-4/5; 1..100, default 2
	KeyRetrieval       bool          // R-KEY-10
	KeyMinTTL          time.Duration // R-KEY-8
	KeyMaxTTL          time.Duration // R-KEY-8
	KeyDefaultTTL      time.Duration // R-KEY-8
	KeyInactivityLimit time.Duration // R-KEY-14; 0 = off
}

// MaxKeysLimit is the highest max_keys_per_account (R-KEY-5).
const MaxKeysLimit = 100

// DefaultSettings are those of a new business.
func DefaultSettings() Settings {
	return Settings{MaxKeysPerAccount: 2, KeyRetrieval: true}
}

// SettingDef describes one setting: its name, help and how it is read and written.
type SettingDef struct {
	Name        string
	Description string
	set         func(*Settings, string) error
	get         func(Settings) string
}

var settingDefs = []SettingDef{
	{
		Name:        "max_service_accounts",
		Description: "most non-archived integration accounts (a number, or unlimited)",
		set: func(s *Settings, v string) (err error) {
			s.MaxServiceAccounts, err = parseLimit("max_service_accounts", v, 1, 1_000_000, true)
			return err
		},
		get: func(s Settings) string { return formatLimit(s.MaxServiceAccounts) },
	},
	{
		Name:        "max_keys_per_account",
		Description: fmt.Sprintf("most API keys one account holds (1-%d)", MaxKeysLimit),
		set: func(s *Settings, v string) (err error) {
			s.MaxKeysPerAccount, err = parseLimit("max_keys_per_account", v, 1, MaxKeysLimit, false)
			return err
		},
		get: func(s Settings) string { return strconv.Itoa(s.MaxKeysPerAccount) },
	},
	{
		Name:        "key_retrieval",
		Description: "whether key secrets are stored sealed so they can be shown again (on or off)",
		set: func(s *Settings, v string) error {
			switch strings.ToLower(v) {
			case "on", "true", "yes":
				s.KeyRetrieval = true
			case "off", "false", "no":
				s.KeyRetrieval = false
			default:
				return Invalidf("invalid key_retrieval %s: use on or off", Quote(v))
			}
			return nil
		},
		get: func(s Settings) string { return onOff(s.KeyRetrieval) },
	},
	durationSetting("key_min_ttl", "shortest expiry a key may be given", func(s *Settings) *time.Duration { return &s.KeyMinTTL }),
	durationSetting("key_max_ttl", "longest expiry a key may be given, and the oldest a key may be used", func(s *Settings) *time.Duration { return &s.KeyMaxTTL }),
	durationSetting("key_default_ttl", "expiry of keys created without --expires-in", func(s *Settings) *time.Duration { return &s.KeyDefaultTTL }),
	durationSetting("key_inactivity_limit", "reject keys unused for longer than this", func(s *Settings) *time.Duration { return &s.KeyInactivityLimit }),
}

func durationSetting(name, desc string, field func(*Settings) *time.Duration) SettingDef {
	return SettingDef{
		Name:        name,
		Description: desc + " (a duration such as 180d or 2y, or none)",
		set: func(s *Settings, v string) error {
			if strings.EqualFold(v, "none") || strings.EqualFold(v, "off") {
				*field(s) = 0
				return nil
			}
			d, err := ParseDuration(v)
			if err != nil {
				return Invalidf("invalid %s %s: %v", name, Quote(v), err)
			}
			if d <= 0 {
				return Invalidf("invalid %s %s: must be positive, or none", name, Quote(v))
			}
			*field(s) = d
			return nil
		},
		get: func(s Settings) string {
			if d := *field(&s); d != 0 {
				return FormatDuration(d)
			}
			return "none"
		},
	}
}

func parseLimit(name, v string, min, max int, unlimited bool) (int, error) {
	// R-CLI-8: no silent zero; "unlimited" says it.
	if unlimited && strings.EqualFold(v, "unlimited") {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		if unlimited {
			return 0, Invalidf("invalid %s %s: use a number from %d to %d, or unlimited", name, Quote(v), min, max)
		}
		return 0, Invalidf("invalid %s %s: use a number from %d to %d", name, Quote(v), min, max)
	}
	return n, nil
}

func formatLimit(n int) string {
	if n == 0 {
		return "unlimited"
	}
	return strconv.Itoa(n)
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// SettingDefs returns every setting in name order.
func SettingDefs() []SettingDef {
	out := append([]SettingDef(nil), settingDefs...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// LookupSetting finds a setting by name.
func LookupSetting(name string) (SettingDef, error) {
	for _, d := range settingDefs {
		if d.Name == name {
			return d, nil
		}
	}
	names := make([]string, len(settingDefs))
	for i, d := range settingDefs {
		names[i] = d.Name
	}
	sort.Strings(names)
	return SettingDef{}, Invalidf("unknown setting %s: use one of %s", Quote(name), strings.Join(names, ", "))
}

// Get returns the setting's value in s, in its canonical text form.
func (d SettingDef) Get(s Settings) string { return d.get(s) }

// Set parses v into s. It does not check cross-setting constraints; call Validate.
func (d SettingDef) Set(s *Settings, v string) error { return d.set(s, strings.TrimSpace(v)) }

// Validate checks the constraints between settings (R-KEY-8): min ≤ default ≤ max.
func (s Settings) Validate() error {
	if s.KeyMinTTL != 0 && s.KeyMaxTTL != 0 && s.KeyMinTTL > s.KeyMaxTTL {
		return Invalidf("key_min_ttl (%s) is longer than key_max_ttl (%s)", FormatDuration(s.KeyMinTTL), FormatDuration(s.KeyMaxTTL))
	}
	if s.KeyDefaultTTL != 0 {
		if s.KeyMinTTL != 0 && s.KeyDefaultTTL < s.KeyMinTTL {
			return Invalidf("key_default_ttl (%s) is shorter than key_min_ttl (%s)", FormatDuration(s.KeyDefaultTTL), FormatDuration(s.KeyMinTTL))
		}
		if s.KeyMaxTTL != 0 && s.KeyDefaultTTL > s.KeyMaxTTL {
			return Invalidf("key_default_ttl (%s) is longer than key_max_ttl (%s)", FormatDuration(s.KeyDefaultTTL), FormatDuration(s.KeyMaxTTL))
		}
	}
	return nil
}

// The units of the duration grammar beyond Go's (R-CLI-8).
const (
	Day   = 24 * time.Hour
	Week  = 7 * Day
	Month = 30 * Day
	Year  = 365 * Day
	// MaxDuration bounds every duration sactl reads: longer is a mistake,
	// and time.Duration itself ends near 292 years.
	MaxDuration = 100 * Year
)

// durationUnits are the grammar's units, longest first: a compound names
// each at most once, in this order ("1d12h", never "12h1d").
var durationUnits = []struct {
	name string
	d    time.Duration
}{
	{"y", Year}, {"mo", Month}, {"w", Week}, {"d", Day}, {"h", time.Hour}, {"m", time.Minute}, {"s", time.Second},
	{"ms", time.Millisecond}, {"us", time.Microsecond}, {"µs", time.Microsecond}, {"ns", time.Nanosecond},
}

var errDurationSyntax = errors.New("use a duration such as 90m, 36h, 14d, 2w, 6mo, 1y or 1d12h")

// ParseDuration reads the one duration grammar of R-CLI-8: whole numbers
// of units, longest first, each unit at most once: "90s", "15m", "36h",
// "14d", "2w", "6mo" (30 days), "1y" (365 days), "1d12h". A duration is
// never negative and never longer than MaxDuration.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty duration")
	}
	if s[0] == '-' {
		return 0, errors.New("a duration cannot be negative")
	}
	var total time.Duration
	next := 0 // index in durationUnits of the longest unit still allowed
	for rest := s; rest != ""; {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 {
			return 0, errDurationSyntax
		}
		n, err := strconv.ParseInt(rest[:i], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("longer than %s", FormatDuration(MaxDuration))
		}
		rest = rest[i:]
		u := -1
		for j := next; j < len(durationUnits); j++ {
			name := durationUnits[j].name
			if strings.HasPrefix(rest, name) && (name != "m" || !strings.HasPrefix(rest, "mo") && !strings.HasPrefix(rest, "ms")) {
				u = j
				break
			}
		}
		if u < 0 {
			return 0, errDurationSyntax
		}
		unit := durationUnits[u]
		rest = rest[len(unit.name):]
		next = u + 1
		if unit.name == "us" {
			next++ // "µs" is the same unit
		}
		if n > int64(MaxDuration/unit.d) || total+time.Duration(n)*unit.d > MaxDuration {
			return 0, fmt.Errorf("longer than %s", FormatDuration(MaxDuration))
		}
		total += time.Duration(n) * unit.d
	}
	return total, nil
}

// FormatDuration writes d in the grammar ParseDuration reads, canonically:
// whole days in the longest of years, weeks and days that holds them
// ("90d", "2w", "1y"), anything else as its non-zero parts from days down
// ("1d12h", "1h30m", "500ms"). Months are read but never written, as a
// month is not a whole number of weeks.
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	if d < 0 {
		return "-" + FormatDuration(-max(d, -2*MaxDuration))
	}
	if d%Day == 0 {
		for _, u := range durationUnits[:4] {
			if u.name != "mo" && d%u.d == 0 {
				return strconv.FormatInt(int64(d/u.d), 10) + u.name
			}
		}
	}
	var b strings.Builder
	for _, u := range durationUnits[3:] {
		if u.name == "us" {
			continue
		}
		if n := d / u.d; n > 0 {
			b.WriteString(strconv.FormatInt(int64(n), 10) + u.name)
			d -= n * u.d
		}
	}
	return b.String()
}
