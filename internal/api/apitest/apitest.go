// Package apitest holds what tests of the API's implementations share.
package apitest

import (
	"errors"

	"github.com/sactl/sactl/internal/api"
)

// Items is the rows of a list that fits in one page, and an error when it
// does not.
func Items[T any](p api.Page[T], err error) ([]T, error) {
	if err == nil && p.NextCursor != nil {
		err = errors.New("the list has more than one page")
	}
	return p.Items, err
}
