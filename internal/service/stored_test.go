package service

import (
	"github.com/sactl/sactl/internal/api/apitest"
	"strings"
	"testing"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
)

// R-DB-6: a hand-edited value the service reads is an error naming the
// table and the column, of no caller's making (internal: exit 1, a 500),
// never a panic and never a usage error.
func TestHandEditedValuesAreInternalErrors(t *testing.T) {
	e := newEnv(t)
	a := e.createSA("Zapier Sync", "admins")
	if _, err := e.local.SetSetting(e.ctx, api.SetSettingRequest{Key: "max_keys_per_account", Value: "3"}); err != nil {
		t.Fatal(err)
	}
	e.tamper(`UPDATE settings SET value = 'lots' WHERE key = 'max_keys_per_account'`)
	_, err := e.local.GetSettings(e.ctx)
	if err == nil || !strings.HasPrefix(err.Error(), "settings.value of biz_") ||
		!strings.HasSuffix(err.Error(), ` (setting max_keys_per_account): cannot parse "lots" as a max_keys_per_account value`) {
		t.Fatalf("hand-edited setting: %v", err)
	}
	if k := domain.KindOf(err); k != domain.KindInternal {
		t.Fatalf("hand-edited setting: kind %s, want internal", k)
	}
	e.tamper(`UPDATE settings SET value = '3'`,
		`UPDATE principals SET updated_at = 'garbage' WHERE id = '`+a.ID+`'`)
	_, err = apitest.Items(e.local.ListAccounts(e.ctx, api.ListAccountsRequest{}))
	if want := `principals.updated_at of ` + a.ID + `: cannot parse "garbage" as a time`; err == nil || err.Error() != want {
		t.Fatalf("hand-edited account: %v; want %s", err, want)
	}
	if k := domain.KindOf(err); k != domain.KindInternal {
		t.Fatalf("hand-edited account: kind %s, want internal", k)
	}
}
