package postgres

import (
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
)

const mintedTokenCols = `t.id, p.api_name, t.execution, t.issued_at, t.expires_at, t.created_by, t.revoked_at,
	t.revoked_by, t.principal_id, t.signing_key`

func scanMintedToken(r scanner) (store.MintedTokenRow, error) {
	var m store.MintedTokenRow
	var execution string
	var issued, expires, revoked pgtype.Timestamptz
	var revokedBy pgtype.Text
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
		expires_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, m.ID, businessID, m.PrincipalID, execution,
		m.SigningKey, ts(m.IssuedAt), ts(m.ExpiresAt), m.CreatedBy)
	return err
}

// PruneMintedTokens deletes the business's tokens that expired before a time.
func (t *Tx) PruneMintedTokens(businessID string, before time.Time) error {
	_, err := t.exec(`DELETE FROM minted_tokens WHERE business_id = $1 AND expires_at < $2`, businessID, ts(before))
	return err
}

// LiveMintedTokens lists the business's tokens that expire after now,
// revoked ones included, oldest first (ties in insertion order).
func (t *Tx) LiveMintedTokens(businessID string, now time.Time, p store.Page) ([]store.MintedTokenRow, string, error) {
	after, id, ok, err := p.TimeKey(store.CursorTokens)
	if err != nil {
		return nil, "", err
	}
	var args params
	q := `WHERE t.business_id = ` + args.add(businessID) + ` AND t.expires_at > ` + args.add(ts(now))
	if ok {
		q += ` AND (t.issued_at, t.id) > (` + args.add(ts(after)) + `, ` + args.add(id) + `)`
	}
	q += ` ORDER BY t.issued_at, t.id`
	if n := p.Fetch(); n > 0 {
		q += ` LIMIT ` + args.add(n)
	}
	rows, err := t.query(`SELECT `+mintedTokenCols+` FROM minted_tokens t JOIN principals p ON p.id = t.principal_id `+q, args...)
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
		JOIN principals p ON p.id = t.principal_id WHERE t.id = $1 AND t.business_id = $2`, id, businessID))
	if errors.Is(err, pgx.ErrNoRows) {
		return m, false, nil
	}
	return m, err == nil, err
}

// MintedTokenRevoked reports whether a token is recorded as revoked: one
// primary-key read, for verification (R-TOK-3: no write).
func (t *Tx) MintedTokenRevoked(businessID, id string) (bool, error) {
	var revoked bool
	err := t.queryRow(`SELECT revoked_at IS NOT NULL FROM minted_tokens WHERE id = $1 AND business_id = $2`,
		id, businessID).Scan(&revoked)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return revoked, err
}

// RevokeMintedToken marks a token revoked.
func (t *Tx) RevokeMintedToken(id string, now time.Time, by string) error {
	_, err := t.exec(`UPDATE minted_tokens SET revoked_at = $1, revoked_by = $2 WHERE id = $3 AND revoked_at IS NULL`,
		ts(now), by, id)
	return err
}
