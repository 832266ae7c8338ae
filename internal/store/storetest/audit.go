package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
)

// auditLog is a business's log of ten events, numbered 1 to 10 in the
// order appended, with another business's events appended between them.
type auditLog struct {
	b, other domain.Business
	events   []domain.AuditEvent // events[i] has seq i+1, as the store returned it from AppendAudit
	want     []domain.AuditEvent // what listing them must give
}

// Actors and targets of the log.
const (
	saA    = "sa_a"
	saB    = "sa_b"
	saAuto = "sa_auto"
	userH  = "usr_h"
)

func (s *suite) auditLog() *auditLog {
	s.t.Helper()
	l := &auditLog{b: s.business("acme"), other: s.business("other")}
	local := domain.ActorRef{ID: actor, Name: "tester", Type: "local"}
	svc := func(id string, typ domain.AccountType) domain.ActorRef {
		return domain.ActorRef{ID: id, Name: id, Type: string(typ)}
	}
	human := domain.ActorRef{ID: userH, Name: "Ada", Type: string(domain.TypeHuman)}
	system := domain.ActorRef{ID: "system", Name: "sactl", Type: "system"}
	type ev struct {
		actor   domain.ActorRef
		action  string
		target  string
		details map[string]any
	}
	evs := []ev{
		1:  {local, "business.created", l.b.ID, map[string]any{"domain": "acme.example"}},
		2:  {svc(saA, domain.TypeIntegration), "service_account.created", saB, map[string]any{"api_name": "b", "groups": []string{"ops"}, "n": 3, "ok": true, "nested": map[string]any{"x": 1.5}}},
		3:  {human, "key.rotated", saA, nil},
		4:  {local, "key.revealed", saB, map[string]any{"key_id": "key_1"}},
		5:  {svc(saAuto, domain.TypeAutomation), "group.created", "grp_1", map[string]any{}},
		6:  {svc(saA, domain.TypeIntegration), "key.created", saA, nil},
		7:  {system, "serviceXaccount.created", "sa_x", nil}, // "_" is no wildcard
		8:  {human, "service_account.archived", saA, nil},
		9:  {svc(saB, domain.TypeIntegration), "key.rotated2", saB, nil},
		10: {local, "token.revoked", saAuto, nil},
	}
	// R-AUD-4: the credential behind a change is recorded.
	evs[6].actor.Credential = &domain.ActorCredential{Type: "api_key", ID: "key_a"}
	evs[5].actor.Credential = &domain.ActorCredential{Type: "signed_token", ID: "tok_1", Execution: "run-1"}
	for i := 1; i < len(evs); i++ {
		e := newEvent(l.b, evs[i].action, evs[i].target, at(time.Duration(i)*time.Second))
		e.Actor, e.Details = evs[i].actor, evs[i].details
		e.Target.Name = "target " + evs[i].target
		// The store numbers, links and hashes the event: whatever the
		// caller put there is replaced.
		e.Seq, e.PrevHash, e.Hash = 99, "bogus", "bogus"
		o := newEvent(l.other, "group.created", "grp_o", e.Time)
		s.write(func(tx store.Tx) error { return firstErr(tx.AppendAudit(l.b.ID, &e), tx.AppendAudit(l.other.ID, &o)) })
		l.events = append(l.events, e)
		w := e
		w.Details = jsonRoundTrip(s, evs[i].details)
		l.want = append(l.want, w)
	}
	return l
}

// jsonRoundTrip is what stored details come back as: JSON numbers as
// float64, arrays as []any, and no details as an empty object.
func jsonRoundTrip(s *suite, m map[string]any) map[string]any {
	s.t.Helper()
	out := map[string]any{}
	if m == nil {
		return out
	}
	b, err := json.Marshal(m)
	if err == nil {
		err = json.Unmarshal(b, &out)
	}
	if err != nil {
		s.t.Fatal(err)
	}
	return out
}

// list lists l's business's events matching q, as seq numbers.
func (l *auditLog) list(s *suite, q store.AuditQuery) []int64 {
	s.t.Helper()
	return listAudit(s, l.b.ID, q)
}

func listAudit(s *suite, bizID string, q store.AuditQuery) []int64 {
	s.t.Helper()
	seqs := []int64{}
	s.read(func(tx store.Tx) error {
		return tx.ListAudit(bizID, q, func(e domain.AuditEvent) error {
			seqs = append(seqs, e.Seq)
			return nil
		})
	})
	return seqs
}

// verify recomputes a business's chain against its head, as VerifyAudit does.
func verifyChain(s *suite, b domain.Business) domain.AuditCheck {
	s.t.Helper()
	var res domain.AuditCheck
	s.read(func(tx store.Tx) error {
		head, err := tx.AuditHead(b.ID)
		if err != nil {
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
	return res
}

func seqs(from, to int64) []int64 {
	out := []int64{}
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

var auditTests = []test{
	{"AppendNumbersAndLinks", func(s *suite) {
		// R-AUD-2: the store numbers each business's events 1, 2, 3, …,
		// links each to the one before (prev_hash = the head's hash),
		// hashes it with ChainHash, and moves the head, in the event's
		// transaction.
		l := s.auditLog()
		prev := ""
		for i, e := range l.events {
			if e.Seq != int64(i+1) || e.PrevHash != prev {
				s.t.Errorf("event %d after AppendAudit: seq %d, prev_hash %q; want %d and %q", i+1, e.Seq, e.PrevHash, i+1, prev)
			}
			if h, err := e.ChainHash(); err != nil || e.Hash != h {
				s.t.Errorf("event %d: hash %q; want its ChainHash %q (%v)", i+1, e.Hash, h, err)
			}
			prev = e.Hash
		}
		head := view(s, func(tx store.Tx) (domain.AuditHead, error) { return tx.AuditHead(l.b.ID) })
		s.same("AuditHead", head, domain.AuditHead{Seq: 10, Hash: prev})
		oh := view(s, func(tx store.Tx) (domain.AuditHead, error) { return tx.AuditHead(l.other.ID) })
		if oh.Seq != 10 {
			s.t.Errorf("AuditHead of the other business: %+v; want seq 10 (sequences are per business)", oh)
		}
	}},
	{"ListRoundTrips", func(s *suite) {
		l := s.auditLog()
		var got []domain.AuditEvent
		s.read(func(tx store.Tx) error {
			return tx.ListAudit(l.b.ID, store.AuditQuery{}, func(e domain.AuditEvent) error {
				got = append(got, e)
				return nil
			})
		})
		s.same("ListAudit (every event, oldest first, as appended)", got, l.want)
	}},
	{"ChainVerifies", func(s *suite) {
		l := s.auditLog()
		for _, b := range []domain.Business{l.b, l.other} {
			res := verifyChain(s, b)
			if !res.OK || res.Events != 10 {
				s.t.Errorf("chain of %s: %+v (broken: %+v); want 10 intact events", b.Name, res, res.Broken)
			}
		}
		// Several events in one transaction chain the same way.
		s.write(func(tx store.Tx) error {
			for i := range 3 {
				e := newEvent(l.b, "group.updated", "grp_1", at(time.Minute+time.Duration(i)*time.Microsecond))
				if err := tx.AppendAudit(l.b.ID, &e); err != nil {
					return err
				}
			}
			return nil
		})
		if res := verifyChain(s, l.b); !res.OK || res.Events != 13 {
			s.t.Errorf("chain after three appends in one transaction: %+v (broken: %+v)", res, res.Broken)
		}
	}},
	{"RolledBackAppend", func(s *suite) {
		// A rolled-back event takes its number and the head with it.
		l := s.auditLog()
		before := view(s, func(tx store.Tx) (domain.AuditHead, error) { return tx.AuditHead(l.b.ID) })
		err := s.st.Write(s.ctx, false, func(tx store.Tx) error {
			e := newEvent(l.b, "group.deleted", "grp_1", at(time.Minute))
			if err := tx.AppendAudit(l.b.ID, &e); err != nil {
				return err
			}
			return errStop
		})
		if !errors.Is(err, errStop) {
			s.t.Fatalf("Write returned %v; want fn's error", err)
		}
		s.same("AuditHead after a rolled-back append", view(s, func(tx store.Tx) (domain.AuditHead, error) { return tx.AuditHead(l.b.ID) }), before)
		e := newEvent(l.b, "group.deleted", "grp_1", at(2*time.Minute))
		s.write(func(tx store.Tx) error { return tx.AppendAudit(l.b.ID, &e) })
		if e.Seq != 11 || e.PrevHash != before.Hash {
			s.t.Errorf("the next event: seq %d, prev_hash %s; want 11 and %s", e.Seq, e.PrevHash, before.Hash)
		}
		if res := verifyChain(s, l.b); !res.OK || res.Events != 11 {
			s.t.Errorf("chain: %+v (broken: %+v)", res, res.Broken)
		}
	}},
	{"Filters", func(s *suite) {
		// R-AUD-3's filters.
		l := s.auditLog()
		tm := func(i int) time.Time { return l.events[i-1].Time }
		for _, c := range []struct {
			name string
			q    store.AuditQuery
			want []int64
		}{
			{"all", store.AuditQuery{}, seqs(1, 10)},
			{"account (its events as target or actor)", store.AuditQuery{AccountID: saA}, []int64{2, 3, 6, 8}},
			{"actor", store.AuditQuery{ActorID: userH}, []int64{3, 8}},
			{"actor local", store.AuditQuery{ActorID: actor}, []int64{1, 4, 10}},
			{"action exact", store.AuditQuery{Action: "key.rotated"}, []int64{3}},
			{"action prefix with dot", store.AuditQuery{Action: "key."}, []int64{3, 4, 6, 9}},
			{"action prefix with star", store.AuditQuery{Action: "key*"}, []int64{3, 4, 6, 9}},
			{"action prefix, _ literal", store.AuditQuery{Action: "service_account."}, []int64{2, 8}},
			{"action prefix with star, _ literal", store.AuditQuery{Action: "service_account*"}, []int64{2, 8}},
			{"action unknown", store.AuditQuery{Action: "nothing.happened"}, []int64{}},
			{"since (inclusive)", store.AuditQuery{Since: tm(3)}, seqs(3, 10)},
			{"since a microsecond later", store.AuditQuery{Since: tm(3).Add(time.Microsecond)}, seqs(4, 10)},
			{"until (exclusive)", store.AuditQuery{Until: tm(3)}, []int64{1, 2}},
			{"until a microsecond later", store.AuditQuery{Until: tm(3).Add(time.Microsecond)}, []int64{1, 2, 3}},
			{"since and until", store.AuditQuery{Since: tm(3), Until: tm(5)}, []int64{3, 4}},
			{"service only", store.AuditQuery{ServiceOnly: true}, []int64{2, 5, 6, 9}},
			{"account, action and since", store.AuditQuery{AccountID: saA, Action: "key.", Since: tm(4)}, []int64{6}},
			{"service-only actor", store.AuditQuery{ServiceOnly: true, ActorID: saB}, []int64{9}},
		} {
			s.same("ListAudit "+c.name, l.list(s, c.q), c.want)
		}
		if got := listAudit(s, l.other.ID, store.AuditQuery{AccountID: saA}); len(got) != 0 {
			s.t.Errorf("the other business's events about sa_a: %v; want none", got)
		}
	}},
	{"Limit", func(s *suite) {
		// The newest n matching, still listed oldest first.
		l := s.auditLog()
		for _, c := range []struct {
			name string
			q    store.AuditQuery
			want []int64
		}{
			{"limit 3", store.AuditQuery{Limit: 3}, []int64{8, 9, 10}},
			{"limit 1", store.AuditQuery{Limit: 1}, []int64{10}},
			{"limit 10", store.AuditQuery{Limit: 10}, seqs(1, 10)},
			{"limit past the end", store.AuditQuery{Limit: 100}, seqs(1, 10)},
			{"limit 2 of an action prefix", store.AuditQuery{Limit: 2, Action: "key."}, []int64{6, 9}},
			{"limit 2 of an account until event 8", store.AuditQuery{Limit: 2, AccountID: saA, Until: l.events[7].Time}, []int64{3, 6}},
			{"limit 3, first page of 2", store.AuditQuery{Limit: 3, PageSize: 2}, []int64{8, 9}},
		} {
			s.same("ListAudit "+c.name, l.list(s, c.q), c.want)
		}
		// The newest n are not a page after a cursor: asking for both is an error.
		err := s.st.Read(s.ctx, func(tx store.Tx) error {
			return tx.ListAudit(l.b.ID, store.AuditQuery{Limit: 3, After: 2}, func(domain.AuditEvent) error { return nil })
		})
		if err == nil {
			s.t.Error("ListAudit with Limit and After: no error; they do not combine")
		}
	}},
	{"Paging", func(s *suite) {
		// After and PageSize page through the log with no gap and no repeat.
		l := s.auditLog()
		for _, size := range []int{1, 3, 4, 10, 11} {
			var all []int64
			var after int64
			for pages := 0; ; pages++ {
				page := l.list(s, store.AuditQuery{After: after, PageSize: size})
				if len(page) > size {
					s.t.Fatalf("page size %d: a page of %d", size, len(page))
				}
				if len(page) == 0 || pages > 20 {
					break
				}
				all = append(all, page...)
				after = page[len(page)-1]
			}
			s.same(fmt.Sprintf("pages of %d, joined", size), all, seqs(1, 10))
		}
		s.same("after 7", l.list(s, store.AuditQuery{After: 7}), []int64{8, 9, 10})
		s.same("after 10", l.list(s, store.AuditQuery{After: 10}), []int64{})
		// Pages of a filter: the cursor is the last seq of the page before.
		s.same("local actor, first page", l.list(s, store.AuditQuery{ActorID: actor, PageSize: 2}), []int64{1, 4})
		s.same("local actor, second page", l.list(s, store.AuditQuery{ActorID: actor, PageSize: 2, After: 4}), []int64{10})
		s.same("local actor, third page", l.list(s, store.AuditQuery{ActorID: actor, PageSize: 2, After: 10}), []int64{})
		// The newest n a page at a time: the first page with Limit, the next from its last seq.
		s.same("newest 5, first page", l.list(s, store.AuditQuery{Limit: 5, PageSize: 3}), []int64{6, 7, 8})
		s.same("newest 5, next page", l.list(s, store.AuditQuery{After: 8, PageSize: 3}), []int64{9, 10})
	}},
	{"CallbackErrorStops", func(s *suite) {
		// R-AUD-3 streams: an error from fn ends the listing and is returned.
		l := s.auditLog()
		calls := 0
		err := s.st.Read(s.ctx, func(tx store.Tx) error {
			return tx.ListAudit(l.b.ID, store.AuditQuery{}, func(domain.AuditEvent) error {
				calls++
				if calls == 3 {
					return errStop
				}
				return nil
			})
		})
		if !errors.Is(err, errStop) {
			s.t.Errorf("ListAudit returned %v; want the callback's error", err)
		}
		s.same("callbacks before the listing stopped", calls, 3)
		// The transaction is still usable after a stopped listing.
		s.read(func(tx store.Tx) error {
			if err := tx.ListAudit(l.b.ID, store.AuditQuery{}, func(domain.AuditEvent) error { return errStop }); !errors.Is(err, errStop) {
				s.t.Errorf("ListAudit returned %v; want the callback's error", err)
			}
			h, err := tx.AuditHead(l.b.ID)
			if err == nil && h.Seq != 10 {
				s.t.Errorf("AuditHead after a stopped listing: %+v", h)
			}
			return err
		})
	}},
}
