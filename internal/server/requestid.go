package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
)

// Request ids (R-SRV-7). Every request has one: the caller's X-Request-Id
// when it is well-formed (so a proxy's or a client's id follows the request
// through sactl's logs), else a fresh one from crypto/rand. It is echoed in
// the answer's X-Request-Id and is on every log line of the request.

// RequestIDHeader is the request id's header, in both directions.
const RequestIDHeader = "X-Request-Id"

// maxRequestID bounds an accepted id: a UUID is 36 characters, a W3C trace
// id 32; 128 leaves room for a prefix without letting a caller fill the
// logs.
const maxRequestID = 128

// validRequestID reports whether id may be taken from a caller as it is:
// 1 to maxRequestID characters of letters, digits and - _ . : / + =, so it
// can neither break a log line (no spaces, quotes, control characters) nor
// pass for something else in it.
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestID {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '-', c == '_', c == '.', c == ':', c == '/', c == '+', c == '=':
		default:
			return false
		}
	}
	return true
}

// newRequestID is 128 random bits in hex.
func newRequestID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	return hex.EncodeToString(b[:])
}

// requestID is the caller's id when well-formed, else a new one. Of
// several X-Request-Id headers only a single one counts.
func requestID(r *http.Request) string {
	if vs := r.Header.Values(RequestIDHeader); len(vs) == 1 && validRequestID(vs[0]) {
		return vs[0]
	}
	return newRequestID()
}

// requestInfo is what the server decided about a request before routing
// it: its id and the client's address (proxy.go).
type requestInfo struct {
	id     string
	client string // the client's address: the peer, or from X-Forwarded-For
	peer   string // the direct peer's address
}

type requestInfoKey struct{}

func withRequestInfo(ctx context.Context, ri *requestInfo) context.Context {
	return context.WithValue(ctx, requestInfoKey{}, ri)
}

func requestInfoOf(ctx context.Context) *requestInfo {
	ri, _ := ctx.Value(requestInfoKey{}).(*requestInfo)
	return ri
}

// RequestIDOf is the id of the request ctx belongs to, "" outside one.
func RequestIDOf(ctx context.Context) string {
	if ri := requestInfoOf(ctx); ri != nil {
		return ri.id
	}
	return ""
}

// requestHandler puts request_id on every record logged with a request's
// context, whoever logs it (the request line, an internal error, the
// readiness check), so no log call site can forget it.
type requestHandler struct{ slog.Handler }

func (h requestHandler) Handle(ctx context.Context, rec slog.Record) error {
	if id := RequestIDOf(ctx); id != "" {
		rec.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, rec)
}

func (h requestHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return requestHandler{h.Handler.WithAttrs(as)}
}

func (h requestHandler) WithGroup(name string) slog.Handler {
	return requestHandler{h.Handler.WithGroup(name)}
}
