package sa

import (
	"strconv"
	"strings"
	"time"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/iostreams"
	"github.com/sactl/sactl/internal/output"
)

// printAccounts is the table of "sa list": a summary on a terminal, every
// column (ids and RFC 3339 times included) when piped.
func printAccounts(ios *iostreams.IOStreams, now time.Time, accts []domain.Account) error {
	if ios.IsStdoutTTY() {
		t := output.NewTable(ios, "name", "api name", "status", "groups", "keys", "last used", "created")
		for _, a := range accts {
			t.AddRow(a.Name, a.APIName, string(a.Status), output.FormatEmpty(ios, strings.Join(a.Groups, ",")),
				strconv.Itoa(a.KeyCount), output.FormatTime(ios, a.LastUsedAt, now), output.FormatTime(ios, &a.CreatedAt, now))
		}
		return t.Render()
	}
	t := output.NewTable(ios, "id", "name", "api_name", "account_type", "status", "groups", "key_count", "last_used_at", "created_at")
	for _, a := range accts {
		t.AddRow(a.ID, a.Name, a.APIName, string(a.AccountType), string(a.Status), strings.Join(a.Groups, ","),
			strconv.Itoa(a.KeyCount), output.FormatTime(ios, a.LastUsedAt, now), output.FormatTime(ios, &a.CreatedAt, now))
	}
	return t.Render()
}

// printAccount is the detail view of one account.
func printAccount(ios *iostreams.IOStreams, now time.Time, a domain.Account) error {
	d := output.NewDetail(ios)
	addAccount(d, ios, now, a)
	return d.Render()
}

func addAccount(d *output.Detail, ios *iostreams.IOStreams, now time.Time, a domain.Account) {
	d.Add("id", a.ID)
	d.Add("name", a.Name)
	d.Add("api_name", a.APIName)
	d.Add("email", a.Email)
	d.Add("account_type", string(a.AccountType))
	d.Add("status", string(a.Status))
	d.Add("groups", output.FormatEmpty(ios, strings.Join(a.Groups, ",")))
	d.Add("admins", output.FormatEmpty(ios, strings.Join(a.Admins, ",")))
	d.Add("description", output.FormatEmpty(ios, a.Description))
	d.Add("icon", output.FormatEmpty(ios, a.Icon))
	d.Add("key_count", strconv.Itoa(a.KeyCount))
	d.Add("last_used_at", output.FormatTime(ios, a.LastUsedAt, now))
	d.Add("created_at", output.FormatTime(ios, &a.CreatedAt, now))
	d.Add("updated_at", output.FormatTime(ios, &a.UpdatedAt, now))
	if a.SuspendedAt != nil {
		d.Add("suspended_at", output.FormatTime(ios, a.SuspendedAt, now))
	}
	if a.ArchivedAt != nil {
		d.Add("archived_at", output.FormatTime(ios, a.ArchivedAt, now))
	}
}

// printCreated shows a new account and its first key (R-KEY-3).
func printCreated(ios *iostreams.IOStreams, now time.Time, c api.CreatedAccount) error {
	d := output.NewDetail(ios)
	addAccount(d, ios, now, c.Account)
	if c.Key != nil {
		addKey(d, ios, now, *c.Key, "key_")
	}
	if err := d.Render(); err != nil {
		return err
	}
	if c.Key != nil {
		secretNote(ios, *c.Key)
	}
	return nil
}
