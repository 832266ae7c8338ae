package domain

import (
	"errors"
	"fmt"
	"github.com/sactl/sactl/internal/msgcheck"
	"strconv"
)

// The fuzz targets of this package check every error they get against
// R-CLI-4 with invalidProblem, which reads R-CLI-4 as internal/msgcheck
// does for every package's fuzz tests.

// invalidProblem says how err, returned for the inputs in, breaks the rules
// for invalid input, or "" when it does not: it must be a KindInvalid
// domain error whose message passes messageProblem.
func invalidProblem(err error, in ...string) string {
	var de *Error
	if !errors.As(err, &de) || de.Kind != KindInvalid {
		return fmt.Sprintf("error %q is not a domain error of kind invalid", err)
	}
	if !errors.Is(err, ErrInvalid) {
		return "error does not match ErrInvalid"
	}
	return msgcheck.Problem(de.Msg, in...)
}

// show quotes s for a test failure, cut so that a long input stays readable.
func show(s string) string {
	if cut, long := msgcheck.FirstRunes(s, 60); long && len(cut) < len(s) {
		return strconv.Quote(cut) + fmt.Sprintf("… (%d bytes)", len(s))
	}
	return strconv.Quote(s)
}
