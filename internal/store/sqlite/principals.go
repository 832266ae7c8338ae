package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
)

const principalCols = `p.id, b.name, p.account_type, p.name, p.api_name, p.email, p.description, p.icon,
	p.created_at, p.updated_at, p.suspended_at, p.archived_at, p.last_used_at, p.created_by,
	(SELECT count(*) FROM api_keys k WHERE k.principal_id = p.id),
	(SELECT json_group_array(g.name ORDER BY g.name_key) FROM principal_groups pg
		JOIN groups g ON g.id = pg.group_id WHERE pg.principal_id = p.id),
	(SELECT json_group_array(u.email ORDER BY u.email) FROM account_admins aa
		JOIN principals u ON u.id = aa.user_id WHERE aa.principal_id = p.id)`

const principalFrom = ` FROM principals p JOIN businesses b ON b.id = p.business_id `

type scanner interface{ Scan(...any) error }

func scanPrincipal(r scanner) (domain.Account, error) {
	var a domain.Account
	var apiName, suspended, archived, lastUsed sql.NullString
	var typ, created, updated, groups, admins string
	err := r.Scan(&a.ID, &a.Business, &typ, &a.Name, &apiName, &a.Email, &a.Description, &a.Icon,
		&created, &updated, &suspended, &archived, &lastUsed, &a.CreatedBy, &a.KeyCount, &groups, &admins)
	if err != nil {
		return a, err
	}
	p := parseRow("principals", a.ID)
	a.AccountType = p.AccountType("account_type", typ)
	a.APIName = apiName.String
	a.CreatedAt, a.UpdatedAt = p.time("created_at", created), p.time("updated_at", updated)
	a.SuspendedAt, a.ArchivedAt = p.timePtr("suspended_at", suspended), p.timePtr("archived_at", archived)
	a.LastUsedAt = p.timePtr("last_used_at", lastUsed)
	a.Groups = p.Strings("groups", groups)
	a.Admins = p.Strings("admins", admins)
	return a, p.Err
}

func (t *Tx) onePrincipal(where string, args ...any) (domain.Account, bool, error) {
	a, err := scanPrincipal(t.queryRow(`SELECT `+principalCols+principalFrom+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return a, false, nil
	}
	if err != nil {
		return a, false, err
	}
	return a, true, nil
}

// PrincipalByID finds a principal of a business by id.
func (t *Tx) PrincipalByID(businessID, id string) (domain.Account, bool, error) {
	return t.onePrincipal(`WHERE p.business_id = ? AND p.id = ?`, businessID, id)
}

// PrincipalByAPIName finds a principal by api_name (unique, archived included).
func (t *Tx) PrincipalByAPIName(businessID, apiName string) (domain.Account, bool, error) {
	return t.onePrincipal(`WHERE p.business_id = ? AND p.api_name = ?`, businessID, apiName)
}

// LiveServiceAccountByName finds a non-archived service account by
// case-insensitive name (unique per R-SA-1).
func (t *Tx) LiveServiceAccountByName(businessID, nameKey string) (domain.Account, bool, error) {
	return t.onePrincipal(`WHERE p.business_id = ? AND p.name_key = ? AND p.archived_at IS NULL
		AND p.account_type <> 'human'`, businessID, nameKey)
}

// LiveUserByEmail finds a non-archived human by email.
func (t *Tx) LiveUserByEmail(businessID, email string) (domain.Account, bool, error) {
	return t.onePrincipal(`WHERE p.business_id = ? AND p.email = ? AND p.archived_at IS NULL
		AND p.account_type = 'human'`, businessID, email)
}

// LiveUsersByName finds non-archived humans by case-insensitive name.
func (t *Tx) LiveUsersByName(businessID, nameKey string) ([]domain.Account, error) {
	return t.listPrincipals(`WHERE p.business_id = ? AND p.name_key = ? AND p.archived_at IS NULL
		AND p.account_type = 'human' ORDER BY p.created_at, p.id`, businessID, nameKey)
}

// Automation returns the business's automation account (R-SA-4).
func (t *Tx) Automation(businessID string) (domain.Account, bool, error) {
	return t.onePrincipal(`WHERE p.business_id = ? AND p.account_type = 'service_automation'`, businessID)
}

func (t *Tx) listPrincipals(where string, args ...any) ([]domain.Account, error) {
	rows, err := t.query(`SELECT `+principalCols+principalFrom+where, args...)
	if err != nil {
		return nil, err
	}
	out := []domain.Account{}
	for rows.Next() {
		a, err := scanPrincipal(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// ListPrincipals lists principals of a business in creation order,
// (created_at, id), a page at a time; with a Prefix, by name first, at most
// Limit of them (a typeahead: it takes no cursor).
func (t *Tx) ListPrincipals(businessID string, f store.PrincipalFilter) ([]domain.Account, string, error) {
	where := []string{"p.business_id = ?"}
	args := []any{businessID}
	switch {
	case f.IncludeOthers:
	case f.Humans:
		where = append(where, "p.account_type = 'human'")
	default:
		where = append(where, "p.account_type <> 'human'")
	}
	switch {
	case f.OnlyArchived:
		where = append(where, "p.archived_at IS NOT NULL")
	case !f.IncludeArchived:
		where = append(where, "p.archived_at IS NULL")
	}
	if f.Suspended != nil {
		where = append(where, "p.suspended_at IS "+map[bool]string{true: "NOT NULL", false: "NULL"}[*f.Suspended])
	}
	if f.Grouped != nil {
		where = append(where, map[bool]string{true: "", false: "NOT "}[*f.Grouped]+
			"EXISTS (SELECT 1 FROM principal_groups pg WHERE pg.principal_id = p.id)")
	}
	if f.GroupID != "" {
		where = append(where, "EXISTS (SELECT 1 FROM principal_groups pg WHERE pg.principal_id = p.id AND pg.group_id = ?)")
		args = append(args, f.GroupID)
	}
	if f.AdminID != "" {
		where = append(where, "EXISTS (SELECT 1 FROM account_admins aa WHERE aa.principal_id = p.id AND aa.user_id = ?)")
		args = append(args, f.AdminID)
	}
	if f.Type != "" {
		where = append(where, "p.account_type = ?")
		args = append(args, string(f.Type))
	}
	order := " ORDER BY p.created_at, p.id"
	if f.Prefix != "" {
		if f.After != "" {
			return nil, "", fmt.Errorf("a prefix search takes no cursor")
		}
		like := escapeLike(domain.NameKey(f.Prefix)) + "%"
		where = append(where, `(p.name_key LIKE ? ESCAPE '\' OR p.api_name LIKE ? ESCAPE '\' OR p.email LIKE ? ESCAPE '\'
			OR p.name_key LIKE ? ESCAPE '\')`)
		args = append(args, like, like, like, "% "+like)
		order = " ORDER BY p.name_key, p.created_at, p.id"
	}
	after, id, ok, err := f.TimeKey(store.CursorPrincipals)
	if err != nil {
		return nil, "", err
	}
	if ok {
		where = append(where, "(p.created_at, p.id) > (?, ?)")
		args = append(args, fmtTime(after), id)
	}
	q := "WHERE " + strings.Join(where, " AND ") + order
	n := f.Fetch()
	if f.Prefix != "" {
		n = f.Limit
	}
	if n > 0 {
		q += " LIMIT ?"
		args = append(args, n)
	}
	out, err := t.listPrincipals(q, args...)
	if err != nil {
		return nil, "", err
	}
	if f.Prefix != "" {
		return out, "", nil
	}
	out, next := store.Cut(out, f.Page, store.CursorPrincipals, func(a domain.Account) []string { return store.TimeID(a.CreatedAt, a.ID) })
	return out, next, nil
}

func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// CountPrincipals counts non-archived principals of a business by type.
func (t *Tx) CountPrincipals(businessID string, typ domain.AccountType) (int, error) {
	var n int
	err := t.queryRow(`SELECT count(*) FROM principals WHERE business_id = ? AND account_type = ?
		AND archived_at IS NULL`, businessID, typ).Scan(&n)
	return n, err
}

// CountServiceAccounts counts non-archived service accounts of every type.
func (t *Tx) CountServiceAccounts(businessID string) (int, error) {
	var n int
	err := t.queryRow(`SELECT count(*) FROM principals WHERE business_id = ? AND account_type <> 'human'
		AND archived_at IS NULL`, businessID).Scan(&n)
	return n, err
}

// APINameTaken reports whether an api_name is used in a business, archived accounts included.
func (t *Tx) APINameTaken(businessID, apiName string) (bool, error) {
	var n int
	err := t.queryRow(`SELECT count(*) FROM principals WHERE business_id = ? AND api_name = ?`, businessID, apiName).Scan(&n)
	return n > 0, err
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// InsertPrincipal adds a principal. Status, groups and key count are derived, not stored.
func (t *Tx) InsertPrincipal(businessID string, a domain.Account) error {
	if a.CreatedBy == "" {
		return errors.New("a principal must record who created it (created_by)")
	}
	_, err := t.exec(`INSERT INTO principals (id, business_id, account_type, name, name_key, api_name, email,
		description, icon, created_at, updated_at, suspended_at, archived_at, created_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, businessID, a.AccountType, a.Name, domain.NameKey(a.Name), nullIfEmpty(a.APIName), a.Email,
		a.Description, a.Icon, fmtTime(a.CreatedAt), fmtTime(a.UpdatedAt), fmtTimePtr(a.SuspendedAt), fmtTimePtr(a.ArchivedAt),
		a.CreatedBy)
	return err
}

// maxLineage bounds a created_by chain walk; a real chain is far shorter,
// and the bound keeps a hand-edited cycle from looping.
const maxLineage = 1000

// CreatorChain returns a principal and the principals that created it, in
// order: the principal first, then its creator, its creator's creator, and
// so on while the creator is a principal of the same business (R-KEY-11).
func (t *Tx) CreatorChain(businessID, id string) ([]store.CreatorLink, error) {
	rows, err := t.query(`WITH RECURSIVE chain(id, name, account_type, created_by, depth) AS (
			SELECT id, name, account_type, created_by, 0 FROM principals WHERE business_id = ? AND id = ?
			UNION ALL
			SELECT p.id, p.name, p.account_type, p.created_by, c.depth + 1
			FROM principals p JOIN chain c ON p.id = c.created_by
			WHERE p.business_id = ? AND c.depth < ?
		) SELECT id, name, account_type, created_by FROM chain ORDER BY depth`, businessID, id, businessID, maxLineage)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.CreatorLink
	for rows.Next() {
		var l store.CreatorLink
		var typ string
		if err := rows.Scan(&l.ID, &l.Name, &typ, &l.CreatedBy); err != nil {
			return nil, err
		}
		p := parseRow("principals", l.ID)
		if l.AccountType = p.AccountType("account_type", typ); p.Err != nil {
			return nil, p.Err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// UpdatePrincipal writes a principal's editable fields.
func (t *Tx) UpdatePrincipal(a domain.Account) error {
	_, err := t.exec(`UPDATE principals SET name = ?, name_key = ?, api_name = ?, email = ?, description = ?,
		icon = ?, updated_at = ?, suspended_at = ?, archived_at = ? WHERE id = ?`,
		a.Name, domain.NameKey(a.Name), nullIfEmpty(a.APIName), a.Email, a.Description, a.Icon,
		fmtTime(a.UpdatedAt), fmtTimePtr(a.SuspendedAt), fmtTimePtr(a.ArchivedAt), a.ID)
	return err
}
