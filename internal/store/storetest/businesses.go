package storetest

import (
	"cmp"
	"net/url"
	"slices"
	"strconv"

	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
)

// R-DB-1, R-DB-5: a new store is migrated and sound.
var schemaTests = []test{
	{"MigratedToLatest", func(s *suite) {
		m, err := s.st.Migrations(s.ctx)
		if err != nil {
			s.t.Fatal(err)
		}
		if m.Latest < 1 || m.Version != m.Latest || len(m.Pending) != 0 {
			s.t.Errorf("migrations of a new store: %+v; want version == latest (≥ 1), nothing pending", m)
		}
	}},
	{"CheckFindsNothing", func(s *suite) {
		res, err := s.st.Check(s.ctx)
		if err != nil {
			s.t.Fatal(err)
		}
		if len(res.Integrity) != 0 || len(res.ForeignKeys) != 0 {
			s.t.Errorf("check of a new store: %+v; want no problems", res)
		}
	}},
	{"CheckAfterUse", func(s *suite) {
		// Rows of every kind that refers to another, then the checks.
		b := s.business("acme")
		a := newAccount(b, "Bot", "bot", t0)
		g := newGroup(b, "ops", domain.Permissions{"deals": domain.LevelEdit})
		k, h := newKey(a, "", t0)
		e := newEvent(b, "service_account.created", a.ID, t0)
		s.write(func(tx store.Tx) error {
			return firstErr(tx.InsertPrincipal(b.ID, a), tx.InsertGroup(b.ID, g), tx.SetMembership(a.ID, []string{g.ID}),
				tx.InsertKey(b.ID, a.ID, k, h, nil), tx.AppendAudit(b.ID, &e))
		})
		s.write(func(tx store.Tx) error { return tx.DeleteKey(k.ID, at(1)) })
		res, err := s.st.Check(s.ctx)
		if err != nil {
			s.t.Fatal(err)
		}
		if len(res.Integrity) != 0 || len(res.ForeignKeys) != 0 {
			s.t.Errorf("check after ordinary use: %+v; want no problems", res)
		}
	}},
	{"BackendAndLocation", func(s *suite) {
		if b := s.st.Backend(); b != "sqlite" && b != "postgres" {
			s.t.Errorf("Backend() = %q; want sqlite or postgres", b)
		}
		loc := s.st.Location()
		if loc == "" {
			s.t.Error("Location() is empty; it names the database in messages")
		}
		// R-DB-4: a password in a DSN never reaches a message: it is
		// shown as xxxxx.
		if u, err := url.Parse(loc); err == nil && u.User != nil {
			if pw, has := u.User.Password(); has && pw != "xxxxx" {
				s.t.Error("Location() carries the URL's password; it names the database in messages")
			}
		}
	}},
	{"Empty", func(s *suite) {
		// The default business is the service's to create (service.Open), not the store's.
		if bs := view(s, func(tx store.Tx) ([]domain.Business, error) { return whole(tx.ListBusinesses(store.Page{})) }); len(bs) != 0 {
			s.t.Errorf("a new store holds businesses %v; want none", names(bs, func(b domain.Business) string { return b.Name }))
		}
		missing(s, "BusinessByName(default)", func(tx store.Tx) (domain.Business, bool, error) { return tx.BusinessByName("default") })
	}},
}

var businessTests = []test{
	{"InsertAndFind", func(s *suite) {
		b := s.business("acme")
		got := mustFind(s, "BusinessByName", func(tx store.Tx) (domain.Business, bool, error) { return tx.BusinessByName("acme") })
		s.same("BusinessByName", got, b)
		got = mustFind(s, "BusinessByID", func(tx store.Tx) (domain.Business, bool, error) { return tx.BusinessByID(b.ID) })
		s.same("BusinessByID", got, b)
		missing(s, "BusinessByName(other)", func(tx store.Tx) (domain.Business, bool, error) { return tx.BusinessByName("other") })
		missing(s, "BusinessByName(ACME)", func(tx store.Tx) (domain.Business, bool, error) { return tx.BusinessByName("ACME") })
		missing(s, "BusinessByID(unknown)", func(tx store.Tx) (domain.Business, bool, error) { return tx.BusinessByID("biz_unknown") })
	}},
	{"ListByName", func(s *suite) {
		// Ids sort neither by name nor in insertion order (nor its reverse).
		var want []domain.Business
		for i, n := range []string{"zeta", "acme", "mid", "beta"} {
			b := newBusiness(n)
			b.ID = "biz_" + strconv.Itoa([]int{2, 4, 1, 3}[i])
			want = append(want, s.seedBusiness(b))
		}
		slices.SortFunc(want, func(a, b domain.Business) int { return cmp.Compare(a.Name, b.Name) })
		got := view(s, func(tx store.Tx) ([]domain.Business, error) { return whole(tx.ListBusinesses(store.Page{})) })
		s.same("ListBusinesses (by name)", got, want)
	}},
	{"NameUnique", func(s *suite) {
		s.business("acme")
		s.unique("a second business acme", s.writeErr(func(tx store.Tx) error { return tx.InsertBusiness(newBusiness("acme")) }))
	}},
	{"NewAuditHead", func(s *suite) {
		b := s.business("acme")
		h := view(s, func(tx store.Tx) (domain.AuditHead, error) { return tx.AuditHead(b.ID) })
		s.same("AuditHead of a new business", h, domain.AuditHead{})
	}},
}

var settingTests = []test{
	{"PutOverwriteRead", func(s *suite) {
		b, other := s.business("acme"), s.business("other")
		got := view(s, func(tx store.Tx) (map[string]string, error) { return tx.Settings(b.ID) })
		if len(got) != 0 {
			s.t.Errorf("settings of a new business: %v; want none", got)
		}
		s.write(func(tx store.Tx) error {
			return firstErr(tx.PutSetting(b.ID, "max_keys_per_account", "2"), tx.PutSetting(b.ID, "key_retrieval", "off"),
				tx.PutSetting(other.ID, "max_keys_per_account", "9"))
		})
		s.write(func(tx store.Tx) error { return tx.PutSetting(b.ID, "max_keys_per_account", "5") })
		got = view(s, func(tx store.Tx) (map[string]string, error) { return tx.Settings(b.ID) })
		s.same("settings after an overwrite", got, map[string]string{"max_keys_per_account": "5", "key_retrieval": "off"})
		got = view(s, func(tx store.Tx) (map[string]string, error) { return tx.Settings(other.ID) })
		s.same("settings of another business", got, map[string]string{"max_keys_per_account": "9"})
	}},
}
