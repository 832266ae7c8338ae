package api

import (
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

// Page is the list envelope of R-SRV-6.
type Page[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}
