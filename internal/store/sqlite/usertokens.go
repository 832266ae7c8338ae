package sqlite

import (
	"database/sql"
	"time"

	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
)

const userTokenCols = `t.id, p.email, t.name, t.hint, t.created_at, t.created_by, t.expires_at, t.revoked_at,
	t.last_used_at, t.business_id, t.principal_id, t.hash`

func scanUserToken(r scanner) (store.UserTokenRow, error) {
	var u store.UserTokenRow
	var created string
	var expires, revoked, used sql.NullString
	err := r.Scan(&u.ID, &u.User, &u.Name, &u.Hint, &created, &u.CreatedBy, &expires, &revoked, &used,
		&u.BusinessID, &u.PrincipalID, &u.Hash)
	if err != nil {
		return u, err
	}
	p := parseRow("user_tokens", u.ID)
	u.CreatedAt = p.time("created_at", created)
	u.ExpiresAt, u.RevokedAt = p.timePtr("expires_at", expires), p.timePtr("revoked_at", revoked)
	u.LastUsedAt = p.timePtr("last_used_at", used)
	return u, p.Err
}

// InsertUserToken stores a user token by its hash.
func (t *Tx) InsertUserToken(businessID, principalID string, u domain.UserToken, hash [32]byte) error {
	_, err := t.exec(`INSERT INTO user_tokens (id, business_id, principal_id, name, hash, hint, created_at, created_by,
		expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, u.ID, businessID, principalID, u.Name, hash[:], u.Hint,
		fmtTime(u.CreatedAt), u.CreatedBy, fmtTimePtr(u.ExpiresAt))
	return err
}

// UserTokenByHash finds a user token through its unique hash index.
func (t *Tx) UserTokenByHash(hash [32]byte) (store.UserTokenRow, bool, error) {
	u, err := scanUserToken(t.queryRow(`SELECT `+userTokenCols+` FROM user_tokens t
		JOIN principals p ON p.id = t.principal_id WHERE t.hash = ?`, hash[:]))
	if err == sql.ErrNoRows {
		return u, false, nil
	}
	return u, err == nil, err
}

// UserTokens lists a user's tokens, oldest first.
func (t *Tx) UserTokens(principalID string, p store.Page) ([]domain.UserToken, string, error) {
	after, id, ok, err := p.TimeKey(store.CursorUserTokens)
	if err != nil {
		return nil, "", err
	}
	q, args := ``, []any{principalID}
	if ok {
		q, args = ` AND (t.created_at, t.id) > (?, ?)`, append(args, fmtTime(after), id)
	}
	q += ` ORDER BY t.created_at, t.id`
	if n := p.Fetch(); n > 0 {
		q += ` LIMIT ?`
		args = append(args, n)
	}
	rows, err := t.query(`SELECT `+userTokenCols+` FROM user_tokens t JOIN principals p ON p.id = t.principal_id
		WHERE t.principal_id = ?`+q, args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	out := []domain.UserToken{}
	for rows.Next() {
		u, err := scanUserToken(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, u.UserToken)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	out, next := store.Cut(out, p, store.CursorUserTokens, func(u domain.UserToken) []string { return store.TimeID(u.CreatedAt, u.ID) })
	return out, next, nil
}

// CountUserTokens counts the business's tokens that are not revoked.
func (t *Tx) CountUserTokens(businessID string) (int, error) {
	var n int
	err := t.queryRow(`SELECT count(*) FROM user_tokens WHERE business_id = ? AND revoked_at IS NULL`, businessID).Scan(&n)
	return n, err
}

// RevokeUserToken marks a token revoked.
func (t *Tx) RevokeUserToken(id string, now time.Time) error {
	_, err := t.exec(`UPDATE user_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, fmtTime(now), id)
	return err
}

// TouchUserToken records a use at most once per interval.
func (t *Tx) TouchUserToken(id string, now time.Time, every time.Duration) error {
	_, err := t.exec(`UPDATE user_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`,
		fmtTime(now), id, fmtTime(now.Add(-every)))
	return err
}
