package sqlite

import (
	"database/sql"
	"time"

	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
)

const mintedTokenCols = `t.id, p.api_name, t.execution, t.issued_at, t.expires_at, t.created_by, t.revoked_at,
	t.revoked_by, t.principal_id, t.signing_key`

func scanMintedToken(r scanner) (store.MintedTokenRow, error) {
	var m store.MintedTokenRow
	var execution, issued, expires string
	var revoked, revokedBy sql.NullString
	err := r.Scan(&m.ID, &m.Account, &execution, &issued, &expires, &m.CreatedBy, &revoked, &revokedBy,
		&m.PrincipalID, &m.SigningKey)
	if err != nil {
		return m, err
	}
	p := parseRow("minted_tokens", m.ID)
	m.IssuedAt, m.ExpiresAt = p.time("issued_at", issued), p.time("expires_at", expires)
	if m.RevokedAt = p.timePtr("revoked_at", revoked); p.Err != nil {
		return m, p.Err
	}
	if execution != "" {
		m.Execution = &execution
	}
	if revokedBy.Valid {
		m.RevokedBy = &revokedBy.String
	}
	m.Status = domain.TokenActive
	if m.RevokedAt != nil {
		m.Status = domain.TokenRevoked
	}
	return m, nil
}

// InsertMintedToken records a minted token by its id.
func (t *Tx) InsertMintedToken(businessID string, m store.MintedTokenRow) error {
	execution := ""
	if m.Execution != nil {
		execution = *m.Execution
	}
	_, err := t.exec(`INSERT INTO minted_tokens (id, business_id, principal_id, execution, signing_key, issued_at,
		expires_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, m.ID, businessID, m.PrincipalID, execution,
		m.SigningKey, fmtTime(m.IssuedAt), fmtTime(m.ExpiresAt), m.CreatedBy)
	return err
}

// PruneMintedTokens deletes the business's tokens that expired before a time.
func (t *Tx) PruneMintedTokens(businessID string, before time.Time) error {
	_, err := t.exec(`DELETE FROM minted_tokens WHERE business_id = ? AND expires_at < ?`, businessID, fmtTime(before))
	return err
}

// LiveMintedTokens lists the business's tokens that expire after now,
// revoked ones included, oldest first.
func (t *Tx) LiveMintedTokens(businessID string, now time.Time, p store.Page) ([]store.MintedTokenRow, string, error) {
	after, id, ok, err := p.TimeKey(store.CursorTokens)
	if err != nil {
		return nil, "", err
	}
	q, args := ``, []any{businessID, fmtTime(now)}
	if ok {
		q, args = ` AND (t.issued_at, t.id) > (?, ?)`, append(args, fmtTime(after), id)
	}
	q += ` ORDER BY t.issued_at, t.id`
	if n := p.Fetch(); n > 0 {
		q += ` LIMIT ?`
		args = append(args, n)
	}
	rows, err := t.query(`SELECT `+mintedTokenCols+` FROM minted_tokens t JOIN principals p ON p.id = t.principal_id
		WHERE t.business_id = ? AND t.expires_at > ?`+q, args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	out := []store.MintedTokenRow{}
	for rows.Next() {
		m, err := scanMintedToken(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	out, next := store.Cut(out, p, store.CursorTokens, func(m store.MintedTokenRow) []string { return store.TimeID(m.IssuedAt, m.ID) })
	return out, next, nil
}

// MintedToken finds one of the business's recorded tokens by id.
func (t *Tx) MintedToken(businessID, id string) (store.MintedTokenRow, bool, error) {
	m, err := scanMintedToken(t.queryRow(`SELECT `+mintedTokenCols+` FROM minted_tokens t
		JOIN principals p ON p.id = t.principal_id WHERE t.id = ? AND t.business_id = ?`, id, businessID))
	if err == sql.ErrNoRows {
		return m, false, nil
	}
	return m, err == nil, err
}

// MintedTokenRevoked reports whether a token is recorded as revoked: one
// primary-key read, for verification (R-TOK-3: no write).
func (t *Tx) MintedTokenRevoked(businessID, id string) (bool, error) {
	var revoked bool
	err := t.queryRow(`SELECT revoked_at IS NOT NULL FROM minted_tokens WHERE id = ? AND business_id = ?`,
		id, businessID).Scan(&revoked)
	if err == sql.ErrNoRows {
		return false, nil
	}
	return revoked, err
}

// RevokeMintedToken marks a token revoked.
func (t *Tx) RevokeMintedToken(id string, now time.Time, by string) error {
	_, err := t.exec(`UPDATE minted_tokens SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL`,
		fmtTime(now), by, id)
	return err
}
