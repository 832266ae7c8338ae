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
