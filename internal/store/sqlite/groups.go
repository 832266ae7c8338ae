package sqlite

import (
	"database/sql"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
)

const groupCols = `g.id, b.name, g.name, g.description, g.builtin, g.protected, g.created_at, g.updated_at,
	` + memberCount

// memberCount counts a group's live members: O(members), so only the
// listing that prints it (ListGroups) runs it in its query; GroupByName,
// which every write naming a group runs, leaves it 0 for MemberCount (P-5).
const memberCount = `(SELECT count(*) FROM principal_groups pg JOIN principals p ON p.id = pg.principal_id
	 WHERE pg.group_id = g.id AND p.archived_at IS NULL)`

// groupColsUncounted is groupCols with MemberCount 0.
var groupColsUncounted = strings.Replace(groupCols, memberCount, "0", 1)

const groupFrom = ` FROM groups g JOIN businesses b ON b.id = g.business_id `

func scanGroup(r scanner) (domain.Group, error) {
	var g domain.Group
	var created, updated string
	var builtin, protected any
	err := r.Scan(&g.ID, &g.Business, &g.Name, &g.Description, &builtin, &protected, &created, &updated, &g.MemberCount)
	if err != nil {
		return g, err
	}
	p := parseRow("groups", g.ID)
	g.Builtin, g.Protected = p.bool("builtin", builtin), p.bool("protected", protected)
	g.CreatedAt, g.UpdatedAt = p.time("created_at", created), p.time("updated_at", updated)
	g.Permissions = domain.Permissions{}
	return g, p.Err
}

func (t *Tx) fillPermissions(gs []domain.Group) error {
	for i := range gs {
		p, err := t.GroupPermissions(gs[i].ID)
		if err != nil {
			return err
		}
		gs[i].Permissions = p
	}
	return nil
}

// GroupPermissions returns one group's permissions.
func (t *Tx) GroupPermissions(groupID string) (domain.Permissions, error) {
	rows, err := t.query(`SELECT group_id, perm_key, level FROM group_permissions WHERE group_id = ?`, groupID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	p := domain.Permissions{}
	for rows.Next() {
		lv, k, err := scanPermission(rows)
		if err != nil {
			return nil, err
		}
		p[k] = lv
	}
	return p, rows.Err()
}

// scanPermission reads a group_permissions row: group_id, perm_key, level.
func scanPermission(r scanner) (domain.Level, string, error) {
	var group, key, level string
	if err := r.Scan(&group, &key, &level); err != nil {
		return 0, "", err
	}
	p := parseRow("group_permissions", group+" (permission "+key+")")
	return p.Level("level", level), key, p.Err
}

// GroupByName finds a group by case-insensitive name.
func (t *Tx) GroupByName(businessID, name string) (domain.Group, bool, error) {
	g, err := scanGroup(t.queryRow(`SELECT `+groupColsUncounted+groupFrom+`WHERE g.business_id = ? AND g.name_key = ?`,
		businessID, domain.NameKey(name)))
	if errors.Is(err, sql.ErrNoRows) {
		return g, false, nil
	}
	if err != nil {
		return g, false, err
	}
	gs := []domain.Group{g}
	err = t.fillPermissions(gs)
	return gs[0], true, err
}

// ListGroups lists a business's groups by name.
func (t *Tx) ListGroups(businessID string, p store.Page) ([]domain.Group, string, error) {
	k, err := p.Key(store.CursorGroups, 2)
	if err != nil {
		return nil, "", err
	}
	q, args := `WHERE g.business_id = ?`, []any{businessID}
	if k != nil {
		q += ` AND (g.name_key, g.id) > (?, ?)`
		args = append(args, k[0], k[1])
	}
	q += ` ORDER BY g.name_key, g.id`
	if n := p.Fetch(); n > 0 {
		q += ` LIMIT ?`
		args = append(args, n)
	}
	rows, err := t.query(`SELECT `+groupCols+groupFrom+q, args...)
	if err != nil {
		return nil, "", err
	}
	out := []domain.Group{}
	for rows.Next() {
		g, err := scanGroup(rows)
		if err != nil {
			rows.Close()
			return nil, "", err
		}
		out = append(out, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	out, next := store.Cut(out, p, store.CursorGroups, func(g domain.Group) []string { return []string{domain.NameKey(g.Name), g.ID} })
	return out, next, t.fillPermissions(out)
}

// InsertGroup adds a group and its permissions.
func (t *Tx) InsertGroup(businessID string, g domain.Group) error {
	_, err := t.exec(`INSERT INTO groups (id, business_id, name, name_key, description, builtin, protected,
		created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		g.ID, businessID, g.Name, domain.NameKey(g.Name), g.Description, g.Builtin, g.Protected,
		fmtTime(g.CreatedAt), fmtTime(g.UpdatedAt))
	if err != nil {
		return err
	}
	return t.SetGroupPermissions(g.ID, g.Permissions)
}

// UpdateGroup writes a group's name, description and permissions.
func (t *Tx) UpdateGroup(g domain.Group) error {
	_, err := t.exec(`UPDATE groups SET name = ?, name_key = ?, description = ?, updated_at = ? WHERE id = ?`,
		g.Name, domain.NameKey(g.Name), g.Description, fmtTime(g.UpdatedAt), g.ID)
	if err != nil {
		return err
	}
	return t.SetGroupPermissions(g.ID, g.Permissions)
}

// SetGroupPermissions replaces a group's permissions.
func (t *Tx) SetGroupPermissions(groupID string, p domain.Permissions) error {
	if _, err := t.exec(`DELETE FROM group_permissions WHERE group_id = ?`, groupID); err != nil {
		return err
	}
	for _, k := range p.Keys() {
		if _, err := t.exec(`INSERT INTO group_permissions (group_id, perm_key, level) VALUES (?, ?, ?)`,
			groupID, k, p[k].String()); err != nil {
			return err
		}
	}
	return nil
}

// DeleteGroup deletes a group; memberships go with it.
func (t *Tx) DeleteGroup(groupID string) error {
	_, err := t.exec(`DELETE FROM groups WHERE id = ?`, groupID)
	return err
}

// SetMembership replaces a principal's groups.
func (t *Tx) SetMembership(principalID string, groupIDs []string) error {
	if _, err := t.exec(`DELETE FROM principal_groups WHERE principal_id = ?`, principalID); err != nil {
		return err
	}
	for _, g := range groupIDs {
		if _, err := t.exec(`INSERT INTO principal_groups (principal_id, group_id) VALUES (?, ?)`, principalID, g); err != nil {
			return err
		}
	}
	return nil
}

// Members lists the non-archived principals holding a group, by name.
func (t *Tx) Members(businessID, groupID string) ([]domain.Account, error) {
	ms, _, err := t.ListPrincipals(businessID, store.PrincipalFilter{GroupID: groupID, IncludeOthers: true})
	sort.Slice(ms, func(i, j int) bool { return domain.NameKey(ms[i].Name) < domain.NameKey(ms[j].Name) })
	return ms, err
}

// EffectivePermissions applies R-PERM-3 to a principal's groups.
func (t *Tx) EffectivePermissions(principalID string) (domain.Permissions, error) {
	rows, err := t.query(`SELECT gp.group_id, gp.perm_key, gp.level FROM principal_groups pg
		JOIN group_permissions gp ON gp.group_id = pg.group_id WHERE pg.principal_id = ?`, principalID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	p := domain.Permissions{}
	for rows.Next() {
		lv, k, err := scanPermission(rows)
		if err != nil {
			return nil, err
		}
		p.Merge(domain.Permissions{k: lv})
	}
	return p, rows.Err()
}

// DeleteKeysOf deletes every key of an account (R-SA-8) and says how many went.
func (t *Tx) DeleteKeysOf(principalID string, now time.Time) (int, error) {
	if err := t.tombstone(`principal_id = ?`, principalID, now); err != nil {
		return 0, err
	}
	r, err := t.exec(`DELETE FROM api_keys WHERE principal_id = ?`, principalID)
	if err != nil {
		return 0, err
	}
	n, err := r.RowsAffected()
	return int(n), err
}

// GroupsOf returns a principal's groups by name.
func (t *Tx) GroupsOf(principalID string) ([]domain.Group, error) {
	rows, err := t.query(`SELECT `+groupColsUncounted+groupFrom+`JOIN principal_groups pg ON pg.group_id = g.id
		WHERE pg.principal_id = ? ORDER BY g.name_key`, principalID)
	if err != nil {
		return nil, err
	}
	out := []domain.Group{}
	for rows.Next() {
		g, err := scanGroup(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, t.fillPermissions(out)
}

// MemberCount counts a group's live members (principals not archived).
func (t *Tx) MemberCount(groupID string) (int, error) {
	var n int
	err := t.queryRow(`SELECT count(*) FROM principal_groups pg JOIN principals p ON p.id = pg.principal_id
		WHERE pg.group_id = ? AND p.archived_at IS NULL`, groupID).Scan(&n)
	return n, err
}
