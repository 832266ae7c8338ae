package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sactl/sactl/internal/domain"
)

// Strict HTTP (R-SRV-4): what a request must look like before any handler
// reads it. The refusals are `invalid` errors (SPEC §12 has no other code
// for a malformed request, and a client maps them to exit code 2) whose
// HTTP status says more precisely what was wrong: 405, 413 or 415.

// bodyKind is what request body a route reads.
type bodyKind uint8

const (
	// noBody: the route reads none, and refuses a request that sends one
	// rather than ignoring it (a dry_run sent in a body would otherwise be
	// ignored, and the change made for real).
	noBody bodyKind = iota
	// jsonBody: one JSON object, sent as application/json.
	jsonBody
	// jsonOrFormBody: JSON, or RFC 7662's application/x-www-form-urlencoded
	// (introspection, R-SRV-3).
	jsonOrFormBody
	// formBody: application/x-www-form-urlencoded only (the OAuth2
	// endpoints, R-SRV-10).
	formBody
)

const (
	mediaJSON = "application/json"
	mediaForm = "application/x-www-form-urlencoded"
)

// requestError is an invalid request for which HTTP has a more precise
// status than 400.
type requestError struct {
	status int
	err    *domain.Error
}

func (e *requestError) Error() string { return e.err.Error() }
func (e *requestError) Unwrap() error { return e.err }

func invalidStatus(status int, format string, a ...any) error {
	return &requestError{status: status, err: domain.Invalidf(format, a...)}
}

func tooLarge() error {
	return invalidStatus(http.StatusRequestEntityTooLarge, "request body is larger than %d bytes", MaxBodyBytes)
}

// checkRequest refuses, before authentication and before the handler, a
// request whose form the route does not take: these checks are about the
// request, not its sender, and cost no credential lookup. It returns the
// media type of the body ("" when there is none).
func checkRequest(rt route, r *http.Request) (string, error) {
	if !utf8.ValidString(r.URL.Path) {
		return "", domain.Invalidf("the request path is not valid UTF-8")
	}
	if strings.Contains(r.URL.RawQuery, "%") { // only escapes can spell invalid UTF-8
		for k, vs := range r.URL.Query() {
			for _, v := range append(vs, k) {
				if !utf8.ValidString(v) {
					return "", domain.Invalidf("a query parameter is not valid UTF-8")
				}
			}
		}
	}
	if r.ContentLength > MaxBodyBytes {
		return "", tooLarge()
	}
	if !hasBody(r) {
		return "", nil // no body: no content type demanded
	}
	if rt.Body == noBody {
		return "", domain.Invalidf("%s %s takes no request body; dry_run, confirm and the other options are query parameters",
			rt.Method, rt.Path)
	}
	mt, ok := mediaType(r.Header.Get("Content-Type"))
	if ok && ((mt == mediaJSON && rt.Body != formBody) || (mt == mediaForm && rt.Body != jsonBody)) {
		return mt, nil
	}
	want := mediaJSON
	switch rt.Body {
	case jsonOrFormBody:
		want += " or " + mediaForm
	case formBody:
		want = mediaForm
	}
	got := "no Content-Type"
	if ct := r.Header.Get("Content-Type"); ct != "" {
		got = "Content-Type " + quoteInput(ct)
	}
	return "", invalidStatus(http.StatusUnsupportedMediaType, "the request body must be %s (charset utf-8), not %s", want, got)
}

// hasBody reports whether r carries a body. One of unknown length (chunked)
// is looked at: an empty one is no body.
func hasBody(r *http.Request) bool {
	if r.ContentLength >= 0 {
		return r.ContentLength > 0
	}
	br := bufio.NewReaderSize(r.Body, 16)
	_, err := br.Peek(1)
	r.Body = readCloser{br, r.Body}
	return err != io.EOF
}

type readCloser struct {
	io.Reader
	io.Closer
}

// mediaType parses a Content-Type: the media type in lower case, and
// whether its parameters are acceptable (a charset, when given, is UTF-8:
// RFC 8259 JSON is nothing else).
func mediaType(ct string) (string, bool) {
	if ct == mediaJSON || ct == mediaForm { // the usual spelling, without parsing
		return ct, true
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return "", false
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return mt, false
	}
	return mt, true
}

// readBody reads the whole body, bounded by MaxBodyBytes.
func readBody(r *http.Request) ([]byte, error) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, tooLarge()
		}
		return nil, domain.Invalidf("cannot read the request body")
	}
	return data, nil
}

// decodeJSON reads a body that is exactly one JSON object: valid UTF-8, no
// unknown fields, nothing after it but white space (R-SRV-4). Its errors are
// worded here, never the decoder's (which name Go types).
func decodeJSON(r *http.Request, v any) error {
	data, err := readBody(r)
	if err != nil {
		return err
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	switch {
	case len(trimmed) == 0:
		return domain.Invalidf("the request body is empty: send a JSON object")
	case trimmed[0] != '{':
		return domain.Invalidf("the request body must be a JSON object")
	case !utf8.Valid(data):
		return domain.Invalidf("the request body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return domain.Invalidf("invalid JSON body: data after the object")
	}
	return nil
}

// jsonError words a decoding error for the caller.
func jsonError(err error) error {
	if de, ok := errors.AsType[*domain.Error](err); ok {
		return de // a value's own UnmarshalJSON (a permission level) said what was wrong
	}
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		return domain.Invalidf("invalid JSON body: syntax error at byte %d", se.Offset)
	}
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		got, _, _ := strings.Cut(te.Value, " ") // "number 1e999": the value is not repeated
		return domain.Invalidf("invalid JSON body: %s must be %s, not %s", fieldName(te.Field), jsonType(te.Type), article(got))
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return domain.Invalidf("invalid JSON body: it ends before the object does")
	}
	// DisallowUnknownFields has no error type: `json: unknown field "x"`.
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return domain.Invalidf("invalid JSON body: unknown field %s", quoteInput(strings.Trim(name, `"`)))
	}
	return domain.Invalidf("invalid JSON body")
}

func fieldName(f string) string {
	if f == "" {
		return "the body"
	}
	return "field " + quoteInput(f)
}

// jsonType names a Go type as the JSON a caller sends for it.
func jsonType(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number in range"
	case reflect.Float32, reflect.Float64:
		return "a number in range"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Pointer:
		return jsonType(t.Elem())
	}
	return "another type"
}

func article(jsonKind string) string {
	switch jsonKind {
	case "array", "object":
		return "an " + jsonKind
	case "bool":
		return "true or false"
	case "":
		return "that"
	}
	return "a " + jsonKind
}

// clipInput makes caller input fit for a message: credentials hidden, at
// most 80 characters, valid UTF-8 (R-CLI-4).
func clipInput(s string) string {
	s = strings.ToValidUTF8(redactPath(s), "\uFFFD")
	if utf8.RuneCountInString(s) > 80 {
		s = string([]rune(s)[:79]) + "…"
	}
	return s
}

// quoteInput is clipInput, quoted.
func quoteInput(s string) string { return strconv.Quote(clipInput(s)) }

// muxErrorWriter turns the mux's own plain-text answers into the JSON
// errors of R-SRV-2. The mux answers itself when no pattern matched the
// request (r.Pattern is then empty): 404 for an unknown path, and 405 with
// Allow for a known path and a method it does not have. The patterns carry
// their methods ("GET /api/v1/groups"), so the mux knows the Allow list.
type muxErrorWriter struct {
	http.ResponseWriter
	r    *http.Request
	code int // the status answered in JSON; 0 while passing through
}

func (w *muxErrorWriter) WriteHeader(code int) {
	if w.code != 0 {
		return
	}
	if w.r.Pattern != "" || (code != http.StatusNotFound && code != http.StatusMethodNotAllowed) {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.code = code
	method, path := clipInput(w.r.Method), clipInput(w.r.URL.Path)
	var err error = domain.NotFoundf("no route %s %s", method, domain.Quote(path))
	if code == http.StatusMethodNotAllowed {
		err = invalidStatus(code, "method %s is not allowed on %s; it takes %s", method, path, w.Header().Get("Allow"))
	}
	if isOAuthPath(w.r.URL.Path) {
		writeOAuthError(w.ResponseWriter, err) // in RFC 6749's shape (R-SRV-10)
		return
	}
	writeError(w.ResponseWriter, err)
}

func (w *muxErrorWriter) Write(b []byte) (int, error) {
	if w.code != 0 {
		return len(b), nil // the mux's plain-text body, answered in JSON instead
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *muxErrorWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
