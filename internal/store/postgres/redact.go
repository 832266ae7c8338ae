package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
)

// mask stands for a secret in a message (as internal/store/dsn writes it).
const mask = "xxxxx"

// schemeRE is a URL's scheme.
var schemeRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`) })

// Redact is a database URL fit for a message: its passwords replaced by
// xxxxx (see redact).
func Redact(raw string) string {
	loc, _ := redact(raw)
	return loc
}

// redact returns a database URL fit for a message (R-DB-4: a password in a
// DSN never reaches a log or an error): the password of its user info and
// every query parameter naming a password (password=, sslpassword=)
// replaced by xxxxx. A URL that does not parse is shown as its scheme
// only, as what follows may hold a secret. It also returns every secret
// found, as written and decoded, so that messages of the driver can be
// scrubbed of them (see scrub).
func redact(raw string) (string, []string) {
	secrets := secretsIn(raw)
	u, err := url.Parse(raw)
	if err != nil {
		return schemeRE().FindString(raw) + "//…", secrets
	}
	if u.User != nil {
		if pw, ok := u.User.Password(); ok {
			secrets = append(secrets, pw)
			u.User = url.UserPassword(u.User.Username(), mask)
		}
	}
	if q := u.Query(); len(q) > 0 {
		changed := false
		for k, vs := range q {
			if strings.Contains(strings.ToLower(k), "password") {
				secrets = append(secrets, vs...)
				q.Set(k, mask)
				changed = true
			}
		}
		if changed {
			u.RawQuery = q.Encode()
		}
	}
	return u.String(), secrets
}

// passwordKV is a password in a keyword/value connection string, or a
// password parameter of a URL's query.
var passwordKV = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)password\s*=\s*('(?:[^'\\]|\\.)*'|[^\s&#]*)`) })

// secretsIn finds what may be a password in a connection string by hand,
// without trusting it to parse: the user info's password (up to the first
// and to the last "@", so a malformed one is covered too) and any
// password= value, each as written and percent-decoded.
func secretsIn(raw string) []string {
	var out []string
	add := func(s string) {
		s = strings.Trim(s, "'")
		if s == "" || s == mask {
			return
		}
		out = append(out, s)
		if d, err := url.PathUnescape(s); err == nil && d != s {
			out = append(out, d)
		}
		if d, err := url.QueryUnescape(s); err == nil && d != s {
			out = append(out, d)
		}
	}
	if _, rest, ok := strings.Cut(raw, "://"); ok {
		if _, afterColon, ok := strings.Cut(rest, ":"); ok {
			if i := strings.Index(afterColon, "@"); i >= 0 {
				add(afterColon[:i])
			}
			if i := strings.LastIndex(afterColon, "@"); i >= 0 {
				add(afterColon[:i])
			}
		}
	}
	for _, m := range passwordKV().FindAllStringSubmatch(raw, -1) {
		add(m[1])
	}
	return out
}

// scrub replaces every secret in msg by xxxxx, the longest first.
func scrub(msg string, secrets []string) string {
	sorted := append([]string(nil), secrets...)
	sort.Slice(sorted, func(i, j int) bool { return len(sorted[i]) > len(sorted[j]) })
	for _, s := range sorted {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, mask)
		}
	}
	return msg
}

// scrubbedError is an error of the driver told with no secret in it. It
// keeps only what callers test for reachable (a context's end, a server
// error with its SQLSTATE), never the driver's own error: pgx's connect
// and parse errors carry the configuration, password included.
type scrubbedError struct {
	msg   string
	cause []error
}

func (e *scrubbedError) Error() string   { return e.msg }
func (e *scrubbedError) Unwrap() []error { return e.cause }

// scrubbed is prefix: err, scrubbed of secrets.
func scrubbed(prefix string, secrets []string, err error) error {
	e := &scrubbedError{msg: scrub(prefix+": "+err.Error(), secrets)}
	for _, target := range []error{context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, target) {
			e.cause = append(e.cause, target)
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		e.cause = append(e.cause, pe)
	}
	return e
}

// openError is Open's error: it names the database, never its password.
func openError(loc string, secrets []string, err error) error {
	var se *scrubbedError
	if errors.As(err, &se) {
		return &scrubbedError{msg: fmt.Sprintf("open database %s: %s", loc, se.msg), cause: se.cause}
	}
	return scrubbed("open database "+loc, secrets, err)
}

// parseError is the error for a URL pgx cannot parse. pgx's message quotes
// the connection string (redacted on a best-effort basis only); this one
// keeps only the reason, scrubbed.
func parseError(what, loc string, secrets []string, err error) error {
	msg := err.Error()
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) {
		if i := strings.Index(msg, "`: "); strings.HasPrefix(msg, "cannot parse `") && i >= 0 {
			msg = msg[i+len("`: "):]
		}
	}
	return &scrubbedError{msg: scrub(fmt.Sprintf("%s %s: not a valid PostgreSQL URL: %s", what, loc, msg), secrets)}
}
