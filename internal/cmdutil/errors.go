package cmdutil

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/iostreams"
)

// Exit codes of R-CLI-3.
const (
	ExitOK        = 0
	ExitError     = 1
	ExitUsage     = 2
	ExitNotFound  = 3
	ExitForbidden = 4
	ExitConflict  = 5
)

// FlagError is a usage error: the command's usage is printed with it.
type FlagError struct{ err error }

func (e *FlagError) Error() string { return e.err.Error() }
func (e *FlagError) Unwrap() error { return e.err }

// FlagErrorf makes a usage error (exit 2).
func FlagErrorf(format string, a ...any) error {
	return &FlagError{err: fmt.Errorf(format, a...)}
}

// ErrNotConfirmed is returned when the user answers no at a prompt (exit 2).
var ErrNotConfirmed = errors.New("not confirmed; nothing was changed")

// ExitCode is the one mapping from errors to exit codes (R-CLI-3).
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var fe *FlagError
	if errors.As(err, &fe) || errors.Is(err, ErrNotConfirmed) || errors.Is(err, iostreams.ErrCancelled) {
		return ExitUsage
	}
	switch domain.KindOf(err) {
	case domain.KindInvalid, domain.KindNeedsConfirm:
		return ExitUsage
	case domain.KindNotFound:
		return ExitNotFound
	case domain.KindUnauthenticated, domain.KindForbidden:
		return ExitForbidden
	case domain.KindConflict, domain.KindProtected:
		return ExitConflict
	}
	return ExitError
}

// Hint returns the hint carried by a domain error, if any.
func Hint(err error) string {
	var de *domain.Error
	if errors.As(err, &de) {
		return de.Hint
	}
	return ""
}

// DurationFlag is a duration flag in sactl's one grammar (R-CLI-8: 90s,
// 15m, 36h, 14d, 2w, 6mo, 1y, 1d12h), positive, starting at def.
func DurationFlag(d *time.Duration, def time.Duration) pflag.Value {
	*d = def
	return durationFlag{d}
}

type durationFlag struct{ d *time.Duration }

func (f durationFlag) String() string { return domain.FormatDuration(*f.d) }
func (f durationFlag) Type() string   { return "duration" }
func (f durationFlag) Set(s string) error {
	d, err := domain.ParseDuration(s)
	if err != nil {
		return err
	}
	if d == 0 {
		return fmt.Errorf("give a positive duration such as 30s or 2m")
	}
	*f.d = d
	return nil
}

// ParseDurationFlag reads a duration flag ("" is none): 90m, 36h, 180d,
// 2w, 2y. A malformed one is a usage error.
func ParseDurationFlag(flag, s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := domain.ParseDuration(s)
	if err != nil {
		return 0, FlagErrorf("invalid %s %s: %v", flag, domain.Quote(s), err)
	}
	// R-CLI-8: a zero would silently mean "the default"; leaving the flag
	// out says that.
	if d == 0 {
		return 0, FlagErrorf("invalid %s %s: give a positive duration such as 90m, 14d or 1y; leave %s out for the default", flag, domain.Quote(s), flag)
	}
	return d, nil
}
