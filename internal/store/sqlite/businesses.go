package sqlite

import (
	"database/sql"
	"errors"
	"time"

	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
)

// InsertBusiness adds a business.
func (t *Tx) InsertBusiness(b domain.Business) error {
	_, err := t.exec(`INSERT INTO businesses (id, name, domain, created_at) VALUES (?, ?, ?, ?)`,
		b.ID, b.Name, b.Domain, fmtTime(b.CreatedAt))
	return err
}

// BusinessByName finds a business; ok is false when there is none.
func (t *Tx) BusinessByName(name string) (domain.Business, bool, error) {
	return t.oneBusiness(`name = ?`, name)
}

// BusinessByID finds a business by id.
func (t *Tx) BusinessByID(id string) (domain.Business, bool, error) {
	return t.oneBusiness(`id = ?`, id)
}

func (t *Tx) oneBusiness(where string, arg any) (b domain.Business, ok bool, err error) {
	var created string
	err = t.queryRow(`SELECT id, name, domain, created_at FROM businesses WHERE `+where, arg).
		Scan(&b.ID, &b.Name, &b.Domain, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return b, false, nil
	}
	if err != nil {
		return b, false, err
	}
	b.CreatedAt, err = parseBusiness(b.ID, created)
	return b, err == nil, err
}

func parseBusiness(id, created string) (time.Time, error) {
	p := parseRow("businesses", id)
	t := p.time("created_at", created)
	return t, p.Err
}

// ListBusinesses returns every business by name.
func (t *Tx) ListBusinesses(p store.Page) ([]domain.Business, string, error) {
	k, err := p.Key(store.CursorBusinesses, 2)
	if err != nil {
		return nil, "", err
	}
	q, args := ``, []any{}
	if k != nil {
		q, args = ` WHERE (name, id) > (?, ?)`, []any{k[0], k[1]}
	}
	q += ` ORDER BY name, id`
	if n := p.Fetch(); n > 0 {
		q += ` LIMIT ?`
		args = append(args, n)
	}
	rows, err := t.query(`SELECT id, name, domain, created_at FROM businesses`+q, args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	out := []domain.Business{}
	for rows.Next() {
		var b domain.Business
		var created string
		if err := rows.Scan(&b.ID, &b.Name, &b.Domain, &created); err != nil {
			return nil, "", err
		}
		if b.CreatedAt, err = parseBusiness(b.ID, created); err != nil {
			return nil, "", err
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	out, next := store.Cut(out, p, store.CursorBusinesses, func(b domain.Business) []string { return []string{b.Name, b.ID} })
	return out, next, nil
}

// Settings returns the raw settings stored for a business (unset ones are absent).
func (t *Tx) Settings(businessID string) (map[string]string, error) {
	rows, err := t.query(`SELECT key, value FROM settings WHERE business_id = ?`, businessID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}

// PutSetting stores one setting.
func (t *Tx) PutSetting(businessID, key, value string) error {
	_, err := t.exec(`INSERT INTO settings (business_id, key, value) VALUES (?, ?, ?)
		ON CONFLICT (business_id, key) DO UPDATE SET value = excluded.value`, businessID, key, value)
	return err
}
