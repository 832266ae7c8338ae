package postgres

import (
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
)

// InsertBusiness adds a business.
func (t *Tx) InsertBusiness(b domain.Business) error {
	_, err := t.exec(`INSERT INTO businesses (id, name, domain, created_at) VALUES ($1, $2, $3, $4)`,
		b.ID, b.Name, b.Domain, ts(b.CreatedAt))
	return err
}

// BusinessByName finds a business; ok is false when there is none.
func (t *Tx) BusinessByName(name string) (domain.Business, bool, error) {
	return t.oneBusiness(`name = $1`, name)
}

// BusinessByID finds a business by id.
func (t *Tx) BusinessByID(id string) (domain.Business, bool, error) {
	return t.oneBusiness(`id = $1`, id)
}

func (t *Tx) oneBusiness(where string, arg any) (domain.Business, bool, error) {
	b, err := scanBusiness(t.queryRow(`SELECT id, name, domain, created_at FROM businesses WHERE `+where, arg))
	if errors.Is(err, pgx.ErrNoRows) {
		return b, false, nil
	}
	return b, err == nil, err
}

func scanBusiness(r scanner) (domain.Business, error) {
	var b domain.Business
	var created pgtype.Timestamptz
	if err := r.Scan(&b.ID, &b.Name, &b.Domain, &created); err != nil {
		return b, err
	}
	p := parseRow("businesses", b.ID)
	b.CreatedAt = p.time("created_at", created)
	return b, p.Err
}

// ListBusinesses returns every business by name.
func (t *Tx) ListBusinesses(p store.Page) ([]domain.Business, string, error) {
	k, err := p.Key(store.CursorBusinesses, 2)
	if err != nil {
		return nil, "", err
	}
	var args params
	q := ``
	if k != nil {
		q = ` WHERE (name, id) > (` + args.add(k[0]) + `, ` + args.add(k[1]) + `)`
	}
	q += ` ORDER BY name, id`
	if n := p.Fetch(); n > 0 {
		q += ` LIMIT ` + args.add(n)
	}
	rows, err := t.query(`SELECT id, name, domain, created_at FROM businesses`+q, args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	out := []domain.Business{}
	for rows.Next() {
		b, err := scanBusiness(rows)
		if err != nil {
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
	rows, err := t.query(`SELECT key, value FROM settings WHERE business_id = $1`, businessID)
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
	_, err := t.exec(`INSERT INTO settings (business_id, key, value) VALUES ($1, $2, $3)
		ON CONFLICT (business_id, key) DO UPDATE SET value = excluded.value`, businessID, key, value)
	return err
}
