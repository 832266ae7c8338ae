package api

import (
	"fmt"
	"net/http"

	"github.com/sactl/sactl/internal/domain"
)

// BusinessHeader names the business a request is for; it must be the
// credential's own (R-SRV-3).
const BusinessHeader = "X-Sactl-Business"

// CredentialExpiresHeader is on every authenticated answer whose bearer
// credential expires: when, in RFC 3339 UTC.
const CredentialExpiresHeader = "X-Sactl-Credential-Expires"

// ErrorBody is the JSON error of R-SRV-2.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail carries the code, message, hint and, for destructive changes,
// the confirmation the client must give.
type ErrorDetail struct {
	Code         string               `json:"code"`
	Message      string               `json:"message"`
	Hint         string               `json:"hint,omitempty"`
	Confirmation *domain.Confirmation `json:"confirmation,omitempty"`
}

// StatusOf is the one mapping from error kinds to HTTP statuses.
func StatusOf(k domain.Kind) int {
	switch k {
	case domain.KindInvalid:
		return http.StatusBadRequest
	case domain.KindNotFound:
		return http.StatusNotFound
	case domain.KindConflict, domain.KindProtected:
		return http.StatusConflict
	case domain.KindUnauthenticated:
		return http.StatusUnauthorized
	case domain.KindForbidden:
		return http.StatusForbidden
	case domain.KindNeedsConfirm:
		return http.StatusPreconditionRequired
	}
	return http.StatusInternalServerError
}

// Page is one page of a list, and the list envelope of R-SRV-6.
type Page[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// AuditCursor is the list name of the audit log's cursors
// (domain.EncodeCursor): they hold the sequence number of the last event
// of a page. The log pages by itself (R-AUD-3), not through PageRequest.
const AuditCursor = "audit"

// NewPage makes a page of items followed by the page at cursor next ("":
// none follows).
func NewPage[T any](items []T, next string) Page[T] {
	p := Page[T]{Items: items}
	if p.Items == nil {
		p.Items = []T{}
	}
	if next != "" {
		p.NextCursor = &next
	}
	return p
}

// All reads a whole list a page at a time, the largest pages allowed,
// following each page's cursor to the next (list sets the PageRequest on
// its request and calls the API).
func All[T any](list func(PageRequest) (Page[T], error)) ([]T, error) {
	out := []T{}
	err := Each(list, func(x T) error {
		out = append(out, x)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Each calls fn for every item of a list, read a page at a time as All
// reads it, holding one page at a time.
func Each[T any](list func(PageRequest) (Page[T], error), fn func(T) error) error {
	req := PageRequest{Limit: domain.MaxPage}
	for {
		p, err := list(req)
		if err != nil {
			return err
		}
		for _, x := range p.Items {
			if err := fn(x); err != nil {
				return err
			}
		}
		if p.NextCursor == nil {
			return nil
		}
		if *p.NextCursor == req.Cursor {
			return fmt.Errorf("a page gave back its own cursor %q", req.Cursor)
		}
		req.Cursor = *p.NextCursor
	}
}

// Forward auth (R-SRV-8): the identity headers a check answers with, for
// the proxy to hand on to the service behind it, and the header a proxy
// may state requirements in besides ?require=.
const (
	PrincipalHeader   = "X-Sactl-Principal"    // a service account's api_name, a user's email
	PrincipalIDHeader = "X-Sactl-Principal-Id" // the principal's id
	PermissionsHeader = "X-Sactl-Permissions"  // key=level,… in key order, the levels held
	RequireHeader     = "X-Sactl-Require"      // key:level,…, as ?require=
)

// Kubernetes webhook token authentication (R-SRV-9): the fields of
// authentication.k8s.io/v1 TokenReview that sactl reads and writes, in
// its JSON (k8s.io/api/authentication/v1; v1beta1 has the same shape).
// sactl defines them here rather than import k8s.io/api, which would
// weigh the binary down; a test in internal/k8stest decodes the answers
// with the Kubernetes types.
const (
	TokenReviewKind    = "TokenReview"
	TokenReviewVersion = "authentication.k8s.io/v1"
	TokenReviewV1beta1 = "authentication.k8s.io/v1beta1"
)

// TokenReview is a Kubernetes TokenReview: the request (spec) and the
// answer (status). A request's metadata (the API server sends
// {"creationTimestamp":null}) and status are read and ignored; the answer
// carries neither metadata nor spec, so never the token.
type TokenReview struct {
	APIVersion string             `json:"apiVersion"`
	Kind       string             `json:"kind"`
	Metadata   map[string]any     `json:"metadata,omitempty"`
	Spec       *TokenReviewSpec   `json:"spec,omitempty"`
	Status     *TokenReviewStatus `json:"status,omitempty"`
}

// TokenReviewSpec is what is to be reviewed.
type TokenReviewSpec struct {
	Token     string   `json:"token"`
	Audiences []string `json:"audiences,omitempty"`
}

// TokenReviewStatus is the review's answer.
type TokenReviewStatus struct {
	Authenticated bool             `json:"authenticated"`
	User          *TokenReviewUser `json:"user,omitempty"`
	Audiences     []string         `json:"audiences,omitempty"`
	Error         string           `json:"error,omitempty"`
}

// TokenReviewUser is the authenticated user (UserInfo).
type TokenReviewUser struct {
	Username string              `json:"username,omitempty"`
	UID      string              `json:"uid,omitempty"`
	Groups   []string            `json:"groups,omitempty"`
	Extra    map[string][]string `json:"extra,omitempty"`
}

// OAuth2 error codes (RFC 6749 §5.2; R-SRV-10).
const (
	OAuth2InvalidRequest       = "invalid_request"
	OAuth2InvalidClient        = "invalid_client"
	OAuth2UnauthorizedClient   = "unauthorized_client"
	OAuth2UnsupportedGrantType = "unsupported_grant_type"
	OAuth2InvalidScope         = "invalid_scope"
	// RFC 6750 §3.1, for the introspection endpoint's bearer caller.
	OAuth2InvalidToken      = "invalid_token"
	OAuth2InsufficientScope = "insufficient_scope"
	// RFC 6749 §4.1.2.1's, for an internal error.
	OAuth2ServerError = "server_error"
)

// OAuth2Error is an OAuth2 endpoint's error (RFC 6749 §5.2), and its JSON
// body: {"error":"invalid_client","error_description":"…"}. Reason is why
// client authentication failed, for the failed-authentication metric; it
// is never sent.
type OAuth2Error struct {
	Code        string `json:"error"`
	Description string `json:"error_description,omitempty"`
	Reason      string `json:"-"`
}

func (e *OAuth2Error) Error() string { return e.Code + ": " + e.Description }

// OAuth2Errorf makes an OAuth2Error; the description is worded like every
// message (credentials in it are redacted by the server).
func OAuth2Errorf(code, format string, a ...any) *OAuth2Error {
	return &OAuth2Error{Code: code, Description: fmt.Sprintf(format, a...)}
}
