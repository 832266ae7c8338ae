package keys

import "errors"

// Sentinel errors. Compare with errors.Is: the errors this package returns
// wrap them with a short reason (for example "malformed key: checksum
// mismatch"). No error text ever contains a secret or the credential that was
// passed in.
var (
	// ErrMalformed reports an API key, user token or signed token that is not
	// well-formed (R-KEY-1, R-TOK-1). Wrapping errors read "malformed key: …"
	// or "malformed token: …". An operator-facing reason of "malformed" in
	// introspection (SPEC §12) maps to this error.
	ErrMalformed = errors.New("malformed key")

	// ErrSealBroken reports sealed bytes that cannot be opened: tampered,
	// truncated, of an unknown version, sealed with another key, or opened
	// with other additional data (R-KEY-10). GCM does not say which.
	ErrSealBroken = errors.New("sealed data cannot be opened (tampered, truncated or wrong key)")

	// ErrBadSignature reports a signed token whose signature does not verify,
	// or whose signing key is unknown (R-TOK-3).
	ErrBadSignature = errors.New("bad token signature")

	// ErrExpired reports a signed token whose expiry is not after now (R-TOK-3).
	ErrExpired = errors.New("token expired")

	// ErrForeignBusiness reports a valid signed token of another business
	// (R-TOK-3).
	ErrForeignBusiness = errors.New("token belongs to another business")
)

// malformedError is an ErrMalformed with a reason. what is "key" or "token".
// reason is a fixed phrase chosen by this package, never derived from input.
type malformedError struct {
	what   string
	reason string
}

func (e *malformedError) Error() string { return "malformed " + e.what + ": " + e.reason }

func (e *malformedError) Unwrap() error { return ErrMalformed }

func malformedKey(reason string) error   { return &malformedError{what: "key", reason: reason} }
func malformedToken(reason string) error { return &malformedError{what: "token", reason: reason} }
