package service_test

import (
	"context"
	"testing"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/service"
	"github.com/sactl/sactl/internal/service/escalationtest"
	"github.com/sactl/sactl/internal/testdb"
)

// TestEscalationSuite runs the escalation suite (R-PERM-8, R-PERM-9,
// R-KEY-11, R-USER-2) against the service, acting --as each caller
// (R-PERM-6). Its remote twin is TestContractEscalation in internal/client.
func TestEscalationSuite(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	st, err := testdb.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	mk := service.WithMasterKey(testdb.MasterKey(t, db))
	op := service.New(st, service.LocalActor("tester"), "", mk)
	as := func(c escalationtest.Caller) api.API {
		return service.New(st, service.Actor{Local: "tester", As: c.ID}, "", mk)
	}
	f := escalationtest.Setup(t, op, as)
	out := escalationtest.Run(t, f, as)
	t.Logf("%d cases", len(out))
}
