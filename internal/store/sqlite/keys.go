package sqlite

import (
	"database/sql"
	"time"

	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
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
	p := parseRow("api_keys", k.ID)
	k.CreatedAt = p.time("created_at", created)
	k.ExpiresAt, k.DisabledAt = p.timePtr("expires_at", expires), p.timePtr("disabled_at", disabled)
	k.LastUsedAt = p.timePtr("last_used_at", lastUsed)
	return k, p.Err
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

// KeyInventory lists the keys of a business's accounts in one query, by
// account (api_name, then id), then oldest first within an account (the
// order the service derives roles in), whole accounts at a time. With
// UnusedBefore set it returns only the accounts holding at least one key
// unused since then, but all of their keys, flagged: an account's roles
// depend on all its keys.
func (t *Tx) KeyInventory(businessID string, q store.InventoryQuery) ([]store.InventoryKey, error) {
	unused, owners := `1`, `SELECT o.id FROM principals o WHERE o.business_id = ?
		AND EXISTS (SELECT 1 FROM api_keys u WHERE u.principal_id = o.id`
	var args []any
	if q.UnusedBefore != nil {
		cut := fmtTime(*q.UnusedBefore)
		unused = `COALESCE(k.last_used_at, k.created_at) < ?`
		owners += ` AND COALESCE(u.last_used_at, u.created_at) < ?`
		args = append(args, cut, businessID, cut)
	} else {
		args = append(args, businessID)
	}
	owners += `)`
	if q.From != nil {
		owners += ` AND (COALESCE(o.api_name, ''), o.id) >= (?, ?)`
		args = append(args, q.From.APIName, q.From.ID)
	}
	owners += ` ORDER BY COALESCE(o.api_name, ''), o.id`
	if q.Accounts > 0 {
		owners += ` LIMIT ?`
		args = append(args, q.Accounts)
	}
	rows, err := t.query(`SELECT `+keyCols+`, p.id, p.name, `+unused+`
		FROM principals p JOIN api_keys k ON k.principal_id = p.id
		WHERE p.id IN (`+owners+`)
		ORDER BY COALESCE(p.api_name, ''), p.id, k.created_at, k.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []store.InventoryKey{}
	for rows.Next() {
		var ik store.InventoryKey
		k, err := scanKey(withExtra{rows, []any{&ik.OwnerID, &ik.OwnerName, &ik.Unused}})
		if err != nil {
			return nil, err
		}
		ik.Key = k
		out = append(out, ik)
	}
	return out, rows.Err()
}

// withExtra scans a key row (of a *sql.Row or *sql.Rows) followed by extra columns.
type withExtra struct {
	r     interface{ Scan(...any) error }
	extra []any
}

func (r withExtra) Scan(dest ...any) error { return r.r.Scan(append(dest, r.extra...)...) }

// InsertKey stores a new key: its hash, hint and, when retrieval is on, the sealed secret.
func (t *Tx) InsertKey(businessID, principalID string, k domain.Key, hash [32]byte, sealed []byte) error {
	_, err := t.exec(`INSERT INTO api_keys (id, business_id, principal_id, name, hash, hint, sealed, created_at,
		created_by, expires_at, disabled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, businessID, principalID, k.Name, hash[:], k.Hint, sealed, fmtTime(k.CreatedAt), k.CreatedBy,
		fmtTimePtr(k.ExpiresAt), fmtTimePtr(k.DisabledAt))
	return err
}

// KeyByHash finds a key through the unique hash index (R-KEY-2). The caller
// still compares the hash in constant time.
func (t *Tx) KeyByHash(hash [32]byte) (store.StoredKey, []byte, bool, error) {
	var sk store.StoredKey
	var stored []byte
	row := t.queryRow(`SELECT `+keyCols+`, k.business_id, k.principal_id, k.hash FROM api_keys k
		JOIN principals p ON p.id = k.principal_id WHERE k.hash = ?`, hash[:])
	k, err := scanKey(withExtra{row, []any{&sk.BusinessID, &sk.PrincipalID, &stored}})
	if err == sql.ErrNoRows {
		return sk, nil, false, nil
	}
	if err != nil {
		return sk, nil, false, err
	}
	sk.Key = k
	return sk, stored, true, nil
}

// SealedSecret returns a key's sealed secret (nil when it is hash-only).
func (t *Tx) SealedSecret(keyID string) ([]byte, error) {
	var b []byte
	err := t.queryRow(`SELECT sealed FROM api_keys WHERE id = ?`, keyID).Scan(&b)
	return b, err
}

// DeleteKey deletes one key, leaving only a tombstone of its hash.
func (t *Tx) DeleteKey(keyID string, now time.Time) error {
	if err := t.tombstone(`id = ?`, keyID, now); err != nil {
		return err
	}
	_, err := t.exec(`DELETE FROM api_keys WHERE id = ?`, keyID)
	return err
}

func (t *Tx) tombstone(where, arg string, now time.Time) error {
	_, err := t.exec(`INSERT OR REPLACE INTO deleted_keys (hash, key_id, business_id, principal_id, deleted_at)
		SELECT hash, id, business_id, principal_id, ? FROM api_keys WHERE `+where, fmtTime(now), arg)
	return err
}

// DeletedKeyByHash finds the tombstone of a deleted key.
func (t *Tx) DeletedKeyByHash(hash [32]byte) (store.DeletedKey, bool, error) {
	var d store.DeletedKey
	err := t.queryRow(`SELECT key_id, business_id, principal_id FROM deleted_keys WHERE hash = ?`, hash[:]).
		Scan(&d.KeyID, &d.BusinessID, &d.PrincipalID)
	if err == sql.ErrNoRows {
		return d, false, nil
	}
	return d, err == nil, err
}

// UpdateKeyState writes a key's expiry and disabled time.
func (t *Tx) UpdateKeyState(k domain.Key) error {
	_, err := t.exec(`UPDATE api_keys SET expires_at = ?, disabled_at = ? WHERE id = ?`,
		fmtTimePtr(k.ExpiresAt), fmtTimePtr(k.DisabledAt), k.ID)
	return err
}

// TouchKey records a successful use (R-KEY-9), at most once per interval per
// key: the WHERE clause makes a write that is not due a no-op.
func (t *Tx) TouchKey(keyID, principalID string, now time.Time, every time.Duration) error {
	r, err := t.exec(`UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`,
		fmtTime(now), keyID, fmtTime(now.Add(-every)))
	if err != nil {
		return err
	}
	if n, err := r.RowsAffected(); err != nil || n == 0 {
		return err
	}
	_, err = t.exec(`UPDATE principals SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`,
		fmtTime(now), principalID, fmtTime(now))
	return err
}

// WrappedDataKey returns the business's wrapped data key, if it has one.
func (t *Tx) WrappedDataKey(businessID string) ([]byte, bool, error) {
	var b []byte
	err := t.queryRow(`SELECT wrapped FROM business_keys WHERE business_id = ?`, businessID).Scan(&b)
	if err == sql.ErrNoRows {
		return nil, false, nil
	}
	return b, err == nil, err
}

// PutWrappedDataKey stores a business's wrapped data key.
func (t *Tx) PutWrappedDataKey(businessID string, wrapped []byte, now time.Time) error {
	_, err := t.exec(`INSERT INTO business_keys (business_id, wrapped, created_at) VALUES (?, ?, ?)`,
		businessID, wrapped, fmtTime(now))
	return err
}

// WrappedDataKeys returns every business's wrapped data key: what the
// master key must open.
func (t *Tx) WrappedDataKeys() ([]store.WrappedKeyRow, error) {
	rows, err := t.query(`SELECT k.business_id, b.name, k.wrapped FROM business_keys k
		JOIN businesses b ON b.id = k.business_id ORDER BY b.name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.WrappedKeyRow
	for rows.Next() {
		var r store.WrappedKeyRow
		if err := rows.Scan(&r.BusinessID, &r.Business, &r.Wrapped); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ReplaceWrappedDataKey re-seals a business's data key (a master key rotation).
func (t *Tx) ReplaceWrappedDataKey(businessID string, wrapped []byte) error {
	_, err := t.exec(`UPDATE business_keys SET wrapped = ? WHERE business_id = ?`, wrapped, businessID)
	return err
}

// SigningKeys lists a business's signing keys, newest first.
func (t *Tx) SigningKeys(businessID string) ([]store.SigningKeyRow, error) {
	rows, err := t.query(`SELECT id, sealed, created_at, retired_at FROM signing_keys WHERE business_id = ?
		ORDER BY created_at DESC, id DESC`, businessID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.SigningKeyRow
	for rows.Next() {
		var r store.SigningKeyRow
		var created string
		var retired sql.NullString
		if err := rows.Scan(&r.ID, &r.Sealed, &created, &retired); err != nil {
			return nil, err
		}
		p := parseRow("signing_keys", r.ID)
		if r.CreatedAt, r.RetiredAt = p.time("created_at", created), p.timePtr("retired_at", retired); p.Err != nil {
			return nil, p.Err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// InsertSigningKey adds a signing key and retires the others.
func (t *Tx) InsertSigningKey(businessID string, r store.SigningKeyRow) error {
	if _, err := t.exec(`UPDATE signing_keys SET retired_at = ? WHERE business_id = ? AND retired_at IS NULL`,
		fmtTime(r.CreatedAt), businessID); err != nil {
		return err
	}
	_, err := t.exec(`INSERT INTO signing_keys (id, business_id, sealed, created_at) VALUES (?, ?, ?, ?)`,
		r.ID, businessID, r.Sealed, fmtTime(r.CreatedAt))
	return err
}

// KeyToVerify reads in one statement what verifying an API key needs (P-2):
// the key, its account, business and settings, the account's group count,
// and the levels its groups grant, merged (R-PERM-3).
func (t *Tx) KeyToVerify(hash [32]byte) (store.KeyVerification, bool, error) {
	var v store.KeyVerification
	var bizCreated, typ string
	var apiName, suspended, archived, settings, perms sql.NullString
	row := t.queryRow(`SELECT `+keyCols+`, k.business_id, k.principal_id, k.hash,
		b.name, b.domain, b.created_at, p.name, p.api_name, p.account_type, p.suspended_at, p.archived_at,
		(SELECT count(*) FROM principal_groups pg WHERE pg.principal_id = p.id),
		(SELECT json_group_array(json_array(s.key, s.value)) FROM settings s WHERE s.business_id = k.business_id),
		(SELECT json_group_array(json_array(gp.perm_key, gp.level)) FROM principal_groups pg
			JOIN group_permissions gp ON gp.group_id = pg.group_id WHERE pg.principal_id = p.id)
		FROM api_keys k JOIN principals p ON p.id = k.principal_id JOIN businesses b ON b.id = k.business_id
		WHERE k.hash = ?`, hash[:])
	k, err := scanKey(withExtra{row, []any{&v.BusinessID, &v.PrincipalID, &v.Hash,
		&v.Business.Name, &v.Business.Domain, &bizCreated, &v.Principal.Name, &apiName, &typ, &suspended, &archived,
		&v.GroupCount, &settings, &perms}})
	if err == sql.ErrNoRows {
		return v, false, nil
	}
	if err != nil {
		return v, false, err
	}
	v.Key = k
	pp := parseRow("principals", v.PrincipalID)
	v.Principal.SuspendedAt, v.Principal.ArchivedAt = pp.timePtr("suspended_at", suspended), pp.timePtr("archived_at", archived)
	v.Business.CreatedAt = pp.time("businesses.created_at", bizCreated)
	pp.KeyVerification(&v, apiName.String, typ, settings.String, perms.String)
	return v, true, pp.Err
}
