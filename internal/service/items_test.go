package service

import (
	"errors"

	"github.com/sactl/sactl/internal/api"
)

// items is the rows of a list that fits in one page, and an error when it
// does not.
func items[T any](p api.Page[T], err error) ([]T, error) {
	if err == nil && p.NextCursor != nil {
		err = errors.New("the list has more than one page")
	}
	return p.Items, err
}
