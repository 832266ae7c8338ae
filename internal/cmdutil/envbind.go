package cmdutil

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/sactl/sactl/internal/domain"
)

// EnvName is the environment variable of a flag: SACTL_ and the flag's name
// in upper case, "-" as "_" (--tls-cert: SACTL_TLS_CERT).
func EnvName(flag string) string {
	return "SACTL_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// BindEnv is the one binding of a command's flags to the environment and a
// YAML settings file (R-SRV-7), through viper: a flag given on the command
// line wins, then its environment variable (EnvName), then the file's key
// of the flag's name (file "" for none). A value from the environment or the
// file goes through the flag's own parser, so it is checked as the flag
// would be; a bad one is a usage error naming where it came from. Flags
// named in skip are left alone (their variables are read elsewhere).
func BindEnv(fs *pflag.FlagSet, file string, skip ...string) error {
	v := viper.New()
	if file != "" {
		v.SetConfigFile(file)
		v.SetConfigType("yaml")
		if err := v.ReadInConfig(); err != nil {
			var pe viper.ConfigParseError
			if errors.As(err, &pe) {
				return FlagErrorf("settings file %s is not valid YAML: %s", domain.Quote(file), domain.RedactMessage(pe.Error()))
			}
			return FlagErrorf("cannot read the settings file %s: %v", domain.Quote(file), errors.Unwrap(err))
		}
		for _, key := range v.AllKeys() {
			f := fs.Lookup(key)
			switch {
			case f != nil && !f.Hidden && contains(skip, key):
				return FlagErrorf("settings file %s: %s cannot be set there: give --%s or %s", domain.Quote(file), domain.Quote(key), key, EnvName(key))
			case f == nil || f.Hidden || contains(skip, key):
				return FlagErrorf("settings file %s: unknown setting %s", domain.Quote(file), domain.Quote(key))
			}
		}
	}
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		if err != nil || f.Changed || f.Hidden || f.Name == "help" || contains(skip, f.Name) {
			return
		}
		env := EnvName(f.Name)
		_ = v.BindEnv(f.Name, env)
		if !v.IsSet(f.Name) {
			return
		}
		source := "environment variable " + env
		if os.Getenv(env) == "" {
			source = "setting " + f.Name + " in " + file
		}
		val := settingString(v.Get(f.Name))
		if serr := f.Value.Set(val); serr != nil {
			err = FlagErrorf("invalid value %s for %s (--%s): %v", domain.Quote(val), source, f.Name, serr)
			return
		}
		f.Changed = true
	})
	return err
}

// settingString is a value of the environment or the file as a flag's
// text: a YAML list as its items joined by commas (repeatable flags).
func settingString(v any) string {
	if items, ok := v.([]any); ok {
		parts := make([]string, len(items))
		for i, it := range items {
			parts[i] = fmt.Sprint(it)
		}
		return strings.Join(parts, ",")
	}
	return fmt.Sprint(v)
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
