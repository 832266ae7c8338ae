package sqlite

import "time"

// AddAccountAdmin makes a user an admin of a service account (R-SA-12);
// false if they already were.
func (t *Tx) AddAccountAdmin(accountID, userID string, now time.Time) (bool, error) {
	res, err := t.exec(`INSERT INTO account_admins (principal_id, user_id, created_at) VALUES (?, ?, ?)
		ON CONFLICT DO NOTHING`, accountID, userID, fmtTime(now))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// RemoveAccountAdmin takes a user's admin rights on an account away; false
// if they held none.
func (t *Tx) RemoveAccountAdmin(accountID, userID string) (bool, error) {
	res, err := t.exec(`DELETE FROM account_admins WHERE principal_id = ? AND user_id = ?`, accountID, userID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// IsAccountAdmin reports whether a user administers an account.
func (t *Tx) IsAccountAdmin(accountID, userID string) (bool, error) {
	var n int
	err := t.queryRow(`SELECT count(*) FROM account_admins WHERE principal_id = ? AND user_id = ?`, accountID, userID).Scan(&n)
	return n > 0, err
}

// AdministersAny reports whether a user administers at least one account.
func (t *Tx) AdministersAny(userID string) (bool, error) {
	var n int
	err := t.queryRow(`SELECT count(*) FROM (SELECT 1 FROM account_admins WHERE user_id = ? LIMIT 1)`, userID).Scan(&n)
	return n > 0, err
}

// DropAdminRows removes every admin row naming a principal, as the account
// administered or as the admin (an archived account, a removed user).
func (t *Tx) DropAdminRows(principalID string) error {
	_, err := t.exec(`DELETE FROM account_admins WHERE principal_id = ? OR user_id = ?`, principalID, principalID)
	return err
}
