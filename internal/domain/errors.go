package domain

import (
	"errors"
	"fmt"
)

// Kind classifies an error so that exactly one place maps it to an exit code
// (cmd) and one place maps it to an HTTP status (server).
type Kind string

// The error kinds of SPEC §10 (R-CLI-3) and §12 (server error codes).
const (
	KindInvalid         Kind = "invalid"
	KindNotFound        Kind = "not_found"
	KindConflict        Kind = "conflict"
	KindProtected       Kind = "protected"
	KindUnauthenticated Kind = "unauthenticated"
	KindForbidden       Kind = "forbidden"
	KindNeedsConfirm    Kind = "confirmation_required"
	KindInternal        Kind = "internal"
)

// Sentinels for errors.Is. Every *Error matches the sentinel of its Kind.
var (
	ErrInvalid         = &Error{Kind: KindInvalid, Msg: "invalid input"}
	ErrNotFound        = &Error{Kind: KindNotFound, Msg: "not found"}
	ErrConflict        = &Error{Kind: KindConflict, Msg: "conflict"}
	ErrProtected       = &Error{Kind: KindProtected, Msg: "protected"}
	ErrUnauthenticated = &Error{Kind: KindUnauthenticated, Msg: "unauthenticated"}
	ErrForbidden       = &Error{Kind: KindForbidden, Msg: "forbidden"}
	ErrNeedsConfirm    = &Error{Kind: KindNeedsConfirm, Msg: "confirmation required"}
)

// Error is the typed error every service call returns for a rule violation.
// Msg is one line meant for an operator; Hint, when set, says what to do.
// Neither ever contains a secret (R-CLI-4): messages quote user input with
// Quote, and the constructors below pass every message and hint through
// RedactMessage besides, so a %q or %s of user input that missed Quote
// still shows a credential by its hint and is cut to MaxQuoted characters.
type Error struct {
	Kind Kind
	Msg  string
	Hint string
	// Confirm is set on KindNeedsConfirm errors: what the change would do.
	Confirm *Confirmation
}

func (e *Error) Error() string { return e.Msg }

// Is makes errors.Is(err, domain.ErrNotFound) true for every not-found error.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && isSentinel(t) && t.Kind == e.Kind
}

func isSentinel(e *Error) bool {
	switch e {
	case ErrInvalid, ErrNotFound, ErrConflict, ErrProtected, ErrUnauthenticated, ErrForbidden, ErrNeedsConfirm:
		return true
	}
	return false
}

// Confirmation describes a destructive change the service refused to make
// without confirmation (R-CLI-2): what it is, what it would break, and what
// the operator must type on a terminal to go ahead.
type Confirmation struct {
	Action       string   `json:"action"`
	Consequences []string `json:"consequences"`
	// TypeToConfirm is what a terminal user types to agree: the account's
	// name for irreversible changes, "y" otherwise.
	TypeToConfirm string `json:"type_to_confirm"`
	// Targets are the ids of what the change acts on: the principal, group
	// or token it changes, and every key it deletes or stops, every group
	// it removes or member it takes a group from. Two plans in the same
	// words on other objects are different plans.
	Targets []string `json:"targets"`
	// Digest identifies the plan (R-CLI-2): 16 hex digits of a SHA-256 over
	// the business, action, consequences, type_to_confirm and targets. A
	// caller that showed the plan sends it back to confirm exactly that plan.
	Digest string `json:"digest"`
}

func newErr(k Kind, format string, a ...any) *Error {
	return &Error{Kind: k, Msg: RedactMessage(fmt.Sprintf(format, a...))}
}

// Invalidf reports bad input (exit 2, HTTP 400).
func Invalidf(format string, a ...any) *Error { return newErr(KindInvalid, format, a...) }

// NotFoundf reports a missing object (exit 3, HTTP 404).
func NotFoundf(format string, a ...any) *Error { return newErr(KindNotFound, format, a...) }

// Conflictf reports a duplicate or a limit reached (exit 5, HTTP 409).
func Conflictf(format string, a ...any) *Error { return newErr(KindConflict, format, a...) }

// Protectedf reports a change to a protected object (exit 5, HTTP 409).
func Protectedf(format string, a ...any) *Error { return newErr(KindProtected, format, a...) }

// Forbiddenf reports a missing permission (exit 4, HTTP 403).
func Forbiddenf(format string, a ...any) *Error { return newErr(KindForbidden, format, a...) }

// Unauthenticatedf reports a missing or bad credential (exit 4, HTTP 401).
func Unauthenticatedf(format string, a ...any) *Error {
	return newErr(KindUnauthenticated, format, a...)
}

// NeedsConfirmation is returned for a destructive change made without
// confirmation (exit 2).
func NeedsConfirmation(c Confirmation) *Error {
	return &Error{Kind: KindNeedsConfirm, Msg: RedactMessage(c.Action + ": confirmation required"), Confirm: &c}
}

// PlanChanged is returned for a change confirmed with the digest of a plan
// that is not the one it would now carry out (R-CLI-2, exit 5): now is the
// plan as it is, for the caller to show, or nil when the change needs no
// confirmation any more. Either way nothing was changed.
func PlanChanged(now *Confirmation) *Error {
	if now == nil {
		return Conflictf("the plan changed since you confirmed; nothing was changed").
			WithHint("it no longer needs confirmation: run the command again to see what it does now")
	}
	e := Conflictf("the plan to %s changed since you confirmed; nothing was changed", now.Action).
		WithHint("run the command again to review the new plan")
	e.Confirm = now
	return e
}

// WithHint returns a copy of e carrying a hint.
func (e *Error) WithHint(format string, a ...any) *Error {
	c := *e
	c.Hint = RedactMessage(fmt.Sprintf(format, a...))
	return &c
}

// Within says where err happened, keeping its kind, hint and
// confirmation: "group \"ops\": unknown permission level …"; a refusal
// keeps "forbidden:" first and says where at the end. An error that
// is not an *Error is wrapped as is (it stays internal).
func Within(err error, format string, a ...any) error {
	var e *Error
	if !errors.As(err, &e) {
		return fmt.Errorf(format+": %w", append(a, err)...)
	}
	c := *e
	where := RedactMessage(fmt.Sprintf(format, a...))
	if e.Kind == KindForbidden {
		// Every refusal starts "forbidden:" (the escalation suite's rule).
		c.Msg = e.Msg + " (" + where + ")"
	} else {
		c.Msg = where + ": " + e.Msg
	}
	return &c
}

// KindOf returns the kind of err, or KindInternal for untyped errors.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}
