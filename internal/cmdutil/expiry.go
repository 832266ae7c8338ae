package cmdutil

import (
	"fmt"
	"strings"
	"time"

	"github.com/sactl/sactl/internal/config"
	"github.com/sactl/sactl/internal/keys"
)

// R-KEY-16: how early, and how often, sactl warns that the credential of
// the selected remote is about to expire.
const (
	expirySoon   = 14 * 24 * time.Hour // warn at most once a day from here
	expiryUrgent = 24 * time.Hour      // warn on every command from here
)

// expiryWarning decides whether to warn now about a credential expiring at
// expires, given the last warning (zero if none); remember says to record
// this warning as the day's.
func expiryWarning(now, expires, lastWarned time.Time) (warn, remember bool) {
	left := expires.Sub(now)
	switch {
	case left <= 0:
		return false, false // the server rejects it: the command's error says so
	case left <= expiryUrgent:
		return true, false
	case left <= expirySoon:
		return now.Sub(lastWarned) >= 24*time.Hour, true
	}
	return false, false
}

// WarnCredentialExpiry prints R-KEY-16's warning on stderr, never stdout,
// when the command talked to a server whose answers said that the
// credential in use expires soon. Signed tokens live an hour at most by
// design, so they are not warned about. It never fails the command.
func (f *Factory) WarnCredentialExpiry() {
	if f.client == nil || strings.HasPrefix(f.remote.Token, keys.TokenPrefix) {
		return
	}
	expires, ok := f.client.CredentialExpiresAt()
	if !ok {
		return
	}
	now := f.Now()
	path, err := config.StatePath(f.Getenv)
	state := config.State{ExpiryWarned: map[string]time.Time{}}
	if err == nil {
		state = config.LoadState(path)
	}
	key := f.remote.Key()
	warn, remember := expiryWarning(now, expires, state.ExpiryWarned[key])
	if !warn {
		return
	}
	whose := fmt.Sprintf("the credential of profile %q", f.remote.Profile)
	fix := fmt.Sprintf("create a new one and store it with: sactl profile add %s --server %s --token-stdin", f.remote.Profile, f.remote.Server)
	if f.remote.Profile == "" || f.Getenv("SACTL_TOKEN") != "" {
		whose, fix = "the credential in SACTL_TOKEN", "create a new one before then"
	}
	fmt.Fprintf(f.IOStreams.ErrOut, "sactl: warning: %s expires in %s (%s); %s\n",
		whose, timeLeft(expires.Sub(now)), expires.UTC().Format(time.RFC3339), fix)
	if remember && err == nil {
		state.ExpiryWarned[key] = now.UTC()
		_ = config.SaveState(path, state) // best effort: at worst it warns again
	}
}

// timeLeft is a duration for people: minutes, hours, or days.
func timeLeft(d time.Duration) string {
	plural := func(n int, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	switch {
	case d < time.Hour:
		return plural(max(1, int(d.Minutes())), "minute")
	case d < 48*time.Hour:
		return plural(int(d.Hours()), "hour")
	}
	return plural(int(d.Hours()/24), "day")
}
