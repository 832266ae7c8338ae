package sqlite

import (
	"database/sql"

	"github.com/sactl/sactl/internal/domain"
)

const keyCols = `k.id, p.api_name, k.name, k.hint, k.created_at, k.created_by, k.expires_at, k.disabled_at,
	k.last_used_at, k.sealed IS NOT NULL`

func scanKey(r scanner) (domain.Key, error) {
	var k domain.Key
	var created string
	var expires, disabled, lastUsed sql.NullString
	err := r.Scan(&k.ID, &k.Account, &k.Name, &k.Hint, &created, &k.CreatedBy, &expires, &disabled, &lastUsed, &k.Sealed)
	if err != nil {
		return k, err
	}
	k.CreatedAt = parseTime(created)
	k.ExpiresAt, k.DisabledAt, k.LastUsedAt = parseTimePtr(expires), parseTimePtr(disabled), parseTimePtr(lastUsed)
	return k, nil
}

// KeysOf lists an account's keys, oldest first. Role and status are left
// for the service to derive.
func (t *Tx) KeysOf(principalID string) ([]domain.Key, error) {
	rows, err := t.query(`SELECT `+keyCols+` FROM api_keys k JOIN principals p ON p.id = k.principal_id
		WHERE k.principal_id = ? ORDER BY k.created_at, k.id`, principalID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []domain.Key{}
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}
