package cmdutil

import (
	"errors"
	"fmt"
	"time"

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
	return d, nil
}
