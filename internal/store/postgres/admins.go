package postgres

import "time"

// AddAccountAdmin makes a user an admin of a service account (R-SA-12);
// false if they already were.
func (t *Tx) AddAccountAdmin(accountID, userID string, now time.Time) (bool, error) {
	tag, err := t.exec(`INSERT INTO account_admins (principal_id, user_id, created_at) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`, accountID, userID, ts(now))
	return tag.RowsAffected() == 1, err
}

// RemoveAccountAdmin takes a user's admin rights on an account away; false
// if they held none.
func (t *Tx) RemoveAccountAdmin(accountID, userID string) (bool, error) {
	tag, err := t.exec(`DELETE FROM account_admins WHERE principal_id = $1 AND user_id = $2`, accountID, userID)
	return tag.RowsAffected() == 1, err
}

// IsAccountAdmin reports whether a user administers an account.
func (t *Tx) IsAccountAdmin(accountID, userID string) (bool, error) {
	var ok bool
	err := t.queryRow(`SELECT EXISTS (SELECT 1 FROM account_admins WHERE principal_id = $1 AND user_id = $2)`, accountID, userID).Scan(&ok)
	return ok, err
}

// AdministersAny reports whether a user administers at least one account.
func (t *Tx) AdministersAny(userID string) (bool, error) {
	var ok bool
	err := t.queryRow(`SELECT EXISTS (SELECT 1 FROM account_admins WHERE user_id = $1)`, userID).Scan(&ok)
	return ok, err
}

// DropAdminRows removes every admin row naming a principal, as the account
// administered or as the admin (an archived account, a removed user).
func (t *Tx) DropAdminRows(principalID string) error {
	_, err := t.exec(`DELETE FROM account_admins WHERE principal_id = $1 OR user_id = $1`, principalID)
	return err
}
