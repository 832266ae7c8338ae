package service

import (
	"testing"

	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
)

type txnStore = store.Tx

func mustBiz(t *testing.T, e *env) domain.Business {
	t.Helper()
	var b domain.Business
	err := e.st.Read(e.ctx, func(tx store.Tx) error {
		var ok bool
		var err error
		b, ok, err = tx.BusinessByName(DefaultBusiness)
		if !ok && err == nil {
			t.Fatal("no default business")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}
