package service

import (
	"time"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
)

// Paging (R-SRV-6). Every list reads one page from the store, at most the
// limit asked for after the cursor given, so no list is ever read whole to
// be cut. The cursors are the store's keyset cursors (domain.EncodeCursor),
// passed through as they are, in process and over HTTP alike.

// storePage checks a page request and makes it the store's.
func storePage(p api.PageRequest) (store.Page, error) {
	n, err := domain.PageLimit(p.Limit)
	return store.Page{Limit: n, After: p.Cursor}, err
}

// keysCursor is the list name of an account's keys' cursors.
const keysCursor = "keys"

// pageOfKeys cuts a page from an account's keys, which are bounded by
// max_keys_per_account and must all be read anyway to derive their roles
// (R-KEY-4), with the same keyset cursors as every other list: (created_at,
// id) of the last key.
func pageOfKeys(ks []domain.Key, req api.PageRequest) (api.Page[domain.Key], error) {
	p, err := storePage(req)
	if err != nil {
		return api.Page[domain.Key]{}, err
	}
	after, id, ok, err := p.TimeKey(keysCursor)
	if err != nil {
		return api.Page[domain.Key]{}, err
	}
	start := 0
	if ok {
		for start < len(ks) && !keyAfter(ks[start], after, id) {
			start++
		}
	}
	items, next := store.Cut(ks[start:], p, keysCursor, func(k domain.Key) []string { return store.TimeID(k.CreatedAt, k.ID) })
	return api.NewPage(items, next), nil
}

// keyAfter reports whether k sorts after the key at (t, id): later, or as
// old with a greater id.
func keyAfter(k domain.Key, t time.Time, id string) bool {
	return k.CreatedAt.After(t) || k.CreatedAt.Equal(t) && k.ID > id
}

// inventoryCursor is the list name of the key inventory's cursors: the
// owner's sort key and the last key's, (api_name, owner id, created_at, id).
const inventoryCursor = "inventory"

// statusFilter asks the store for the principals of one status, from the
// stored facts R-SA-5 derives it from (domain.DeriveStatus): archived
// outranks suspended, which outranks holding no group (disabled).
func statusFilter(f *store.PrincipalFilter, st domain.Status) {
	yes, no := true, false
	switch st {
	case domain.StatusArchived:
		f.OnlyArchived = true
	case domain.StatusSuspended:
		f.IncludeArchived, f.Suspended = false, &yes
	case domain.StatusDisabled:
		f.IncludeArchived, f.Suspended, f.Grouped = false, &no, &no
	case domain.StatusActive:
		f.IncludeArchived, f.Suspended, f.Grouped = false, &no, &yes
	}
}
