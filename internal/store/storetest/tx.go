package storetest

import (
	"errors"
	"time"

	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
)

// txWorld is a business with a setting and an audit event, and the
// writes a transaction under test makes on top of it.
type txWorld struct {
	b       domain.Business
	head    domain.AuditHead
	newBiz  domain.Business
	account domain.Account
	group   domain.Group
	key     domain.Key
	hash    [32]byte
}

func (s *suite) txWorld() *txWorld {
	s.t.Helper()
	w := &txWorld{b: s.business("acme"), newBiz: newBusiness("new")}
	e := newEvent(w.b, "business.created", w.b.ID, t0)
	s.write(func(tx store.Tx) error {
		return firstErr(tx.PutSetting(w.b.ID, "max_keys_per_account", "2"), tx.AppendAudit(w.b.ID, &e))
	})
	w.head = domain.AuditHead{Seq: e.Seq, Hash: e.Hash}
	w.account = newAccount(w.b, "Bot", "bot", at(time.Minute))
	w.group = newGroup(w.b, "ops", domain.Permissions{"deals": domain.LevelEdit})
	w.key, w.hash = newKey(w.account, "", at(time.Minute))
	return w
}

// change makes every kind of write a service call makes, in tx.
func (w *txWorld) change(tx store.Tx) error {
	e := newEvent(w.b, "service_account.created", w.account.ID, at(time.Minute))
	return firstErr(tx.InsertBusiness(w.newBiz), tx.InsertPrincipal(w.b.ID, w.account), tx.InsertGroup(w.b.ID, w.group),
		tx.SetMembership(w.account.ID, []string{w.group.ID}), tx.InsertKey(w.b.ID, w.account.ID, w.key, w.hash, []byte("sealed")),
		tx.PutSetting(w.b.ID, "max_keys_per_account", "5"), tx.AppendAudit(w.b.ID, &e))
}

// seen reports which of change's writes tx sees.
func (w *txWorld) seen(tx store.Tx) (map[string]bool, error) {
	seen := map[string]bool{}
	var err error
	var ok bool
	var errs []error
	_, ok, err = tx.BusinessByName(w.newBiz.Name)
	seen["business"], errs = ok, append(errs, err)
	_, ok, err = tx.PrincipalByID(w.b.ID, w.account.ID)
	seen["principal"], errs = ok, append(errs, err)
	_, ok, err = tx.GroupByName(w.b.ID, w.group.Name)
	seen["group"], errs = ok, append(errs, err)
	_, _, ok, err = tx.KeyByHash(w.hash)
	seen["key"], errs = ok, append(errs, err)
	set, err := tx.Settings(w.b.ID)
	seen["setting"], errs = set["max_keys_per_account"] == "5", append(errs, err)
	head, err := tx.AuditHead(w.b.ID)
	seen["audit event"], errs = head != w.head, append(errs, err)
	return seen, errors.Join(errs...)
}

// check reports each of change's writes that is (want) or is not seen.
func (w *txWorld) check(s *suite, what string, seen map[string]bool, want bool) {
	s.t.Helper()
	for _, k := range []string{"business", "principal", "group", "key", "setting", "audit event"} {
		if seen[k] != want {
			word := map[bool]string{true: "seen", false: "not seen"}
			s.t.Errorf("%s: the %s written is %s; want it %s", what, k, word[seen[k]], word[want])
		}
	}
}

func (w *txWorld) seenNow(s *suite) map[string]bool {
	s.t.Helper()
	var seen map[string]bool
	s.read(func(tx store.Tx) (err error) {
		seen, err = w.seen(tx)
		return err
	})
	return seen
}

var txTests = []test{
	{"WriteCommits", func(s *suite) {
		w := s.txWorld()
		s.write(w.change)
		w.check(s, "a read after a committed write", w.seenNow(s), true)
	}},
	{"WriteSeesItsOwnWrites", func(s *suite) {
		w := s.txWorld()
		var seen map[string]bool
		s.write(func(tx store.Tx) (err error) {
			if err := w.change(tx); err != nil {
				return err
			}
			seen, err = w.seen(tx)
			return err
		})
		w.check(s, "a write transaction", seen, true)
	}},
	{"ErrorRollsBackEverything", func(s *suite) {
		// R-DB-2: all or nothing.
		w := s.txWorld()
		err := s.st.Write(s.ctx, false, func(tx store.Tx) error {
			if err := w.change(tx); err != nil {
				return err
			}
			return errStop
		})
		if !errors.Is(err, errStop) {
			s.t.Fatalf("Write returned %v; want fn's error (errors.Is)", err)
		}
		w.check(s, "a read after a failed write", w.seenNow(s), false)
		// And nothing of it blocks doing it again.
		s.write(w.change)
		w.check(s, "a read after the write was done again", w.seenNow(s), true)
	}},
	{"DryRunRollsBack", func(s *suite) {
		// R-CLI-2: a dry run does everything, then keeps nothing.
		w := s.txWorld()
		var inside map[string]bool
		err := s.st.Write(s.ctx, true, func(tx store.Tx) (err error) {
			if err := w.change(tx); err != nil {
				return err
			}
			inside, err = w.seen(tx)
			return err
		})
		if err != nil {
			s.t.Fatalf("a successful dry run returned %v; want nil", err)
		}
		w.check(s, "inside a dry run", inside, true)
		w.check(s, "a read after a dry run", w.seenNow(s), false)
	}},
	{"DryRunReturnsErrors", func(s *suite) {
		w := s.txWorld()
		err := s.st.Write(s.ctx, true, func(tx store.Tx) error {
			if err := w.change(tx); err != nil {
				return err
			}
			return errStop
		})
		if !errors.Is(err, errStop) {
			s.t.Errorf("a failing dry run returned %v; want fn's error", err)
		}
		w.check(s, "a read after a failed dry run", w.seenNow(s), false)
	}},
	{"ReadRefusesWrites", func(s *suite) {
		// Read is read-only: a write in it fails, rather than seeming to
		// succeed and vanishing at its end.
		w := s.txWorld()
		var errs []error
		s.read(func(tx store.Tx) error {
			errs = append(errs, tx.PutSetting(w.b.ID, "max_keys_per_account", "5"))
			errs = append(errs, tx.InsertBusiness(w.newBiz))
			return nil
		})
		for i, what := range []string{"PutSetting", "InsertBusiness"} {
			if errs[i] == nil {
				s.t.Errorf("%s in a read transaction: no error", what)
			}
		}
		w.check(s, "a read after writes in a read transaction", w.seenNow(s), false)
	}},
	{"ReadIsASnapshot", func(s *suite) {
		// Read is one consistent snapshot: a write committed while it runs,
		// after it has read, is not seen inside it. (SQLite in WAL mode
		// fixes a read transaction's snapshot at its first read, so the
		// read comes first.)
		w := s.txWorld()
		var before, during map[string]bool
		s.read(func(tx store.Tx) (err error) {
			if before, err = w.seen(tx); err != nil {
				return err
			}
			if err := s.st.Write(s.ctx, false, w.change); err != nil {
				return err
			}
			during, err = w.seen(tx)
			return err
		})
		w.check(s, "a read before the write", before, false)
		w.check(s, "the same read after the write committed", during, false)
		w.check(s, "a read begun after the write", w.seenNow(s), true)
	}},
	{"ReadSeesEventsAndHeadTogether", func(s *suite) {
		// VerifyAudit reads the head and the events in one snapshot
		// (R-AUD-2): an event appended between the two must not make a
		// sound chain look broken.
		b := s.business("acme")
		for i := range 3 {
			e := newEvent(b, "group.created", "grp_1", at(time.Duration(i)*time.Second))
			s.write(func(tx store.Tx) error { return tx.AppendAudit(b.ID, &e) })
		}
		var res domain.AuditCheck
		s.read(func(tx store.Tx) error {
			head, err := tx.AuditHead(b.ID)
			if err != nil {
				return err
			}
			e := newEvent(b, "group.deleted", "grp_1", at(time.Minute))
			if err := s.st.Write(s.ctx, false, func(tx store.Tx) error { return tx.AppendAudit(b.ID, &e) }); err != nil {
				return err
			}
			c := domain.NewChainChecker(b.Name, head)
			err = tx.ListAudit(b.ID, store.AuditQuery{}, func(e domain.AuditEvent) error {
				c.Add(e)
				return nil
			})
			res = c.Result()
			return err
		})
		if !res.OK || res.Events != 3 {
			s.t.Errorf("chain read in one snapshot while an event was appended: %+v (broken: %+v); want 3 intact events", res, res.Broken)
		}
	}},
}
