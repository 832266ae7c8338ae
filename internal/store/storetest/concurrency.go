package storetest

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
)

// R-DB-3 and R-DB-4: writes that check and then act serialise per
// business through LockBusiness, the hook the service calls at the start
// of every write (service.begin). These tests do what the service does,
// from many goroutines at once: a backend whose lock does not hold loses
// updates or passes a limit here.

// writers is how many goroutines write at once.
const writers = 8

// errLimit is a check that refused: the expected outcome of some attempts.
var errLimit = errors.New("storetest: limit reached")

// concurrently runs fn(i) for i in [0, n) from n goroutines started
// together, and returns their errors.
func concurrently(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

var concurrencyTests = []test{
	{"LockAllExcludesBusinessWrites", func(s *suite) {
		// R-KEY-10: a change spanning businesses (a master key rotation)
		// holds LockAll; a business's write waits for it, and so sees
		// what it committed.
		b := s.business("acme")
		locked := make(chan struct{})
		errs := make(chan error, 2)
		go func() {
			errs <- s.st.Write(s.ctx, false, func(tx store.Tx) error {
				if err := tx.LockAll(); err != nil {
					return err
				}
				if err := tx.PutSetting(b.ID, "marker", "before"); err != nil {
					return err
				}
				close(locked)
				time.Sleep(300 * time.Millisecond)
				return tx.PutSetting(b.ID, "marker", "all")
			})
		}()
		<-locked
		var seen string
		errs <- s.st.Write(s.ctx, false, func(tx store.Tx) error {
			if err := tx.LockBusiness(b.ID); err != nil {
				return err
			}
			set, err := tx.Settings(b.ID)
			seen = set["marker"]
			return err
		})
		s.ok("the LockAll write", <-errs)
		s.ok("the business write", <-errs)
		s.same("what the business write saw after LockAll's write", seen, "all")
	}},
	{"NoLostUpdates", func(s *suite) {
		// Read a counter, write it plus one: no increment is lost.
		b := s.business("acme")
		const each = 10
		errs := concurrently(writers, func(int) error {
			for range each {
				err := s.st.Write(s.ctx, false, func(tx store.Tx) error {
					if err := tx.LockBusiness(b.ID); err != nil {
						return err
					}
					set, err := tx.Settings(b.ID)
					if err != nil {
						return err
					}
					n := 0
					if v, ok := set["counter"]; ok {
						if n, err = strconv.Atoi(v); err != nil {
							return err
						}
					}
					return tx.PutSetting(b.ID, "counter", strconv.Itoa(n+1))
				})
				if err != nil {
					return err
				}
			}
			return nil
		})
		for _, err := range errs {
			s.ok("an increment", err)
		}
		set := view(s, func(tx store.Tx) (map[string]string, error) { return tx.Settings(b.ID) })
		s.same("the counter", set["counter"], strconv.Itoa(writers*each))
	}},
	{"AccountCap", func(s *suite) {
		// R-SA-10: the cap is checked by counting; concurrent creations
		// never pass it, and the counts are exact.
		b := s.business("acme")
		s.insert(b, newAutomation(b), newHuman(b, "Ada", "ada@acme.example", t0))
		const limit, attempts = 5, 3 * writers
		errs := concurrently(attempts, func(i int) error {
			return s.st.Write(s.ctx, false, func(tx store.Tx) error {
				if err := tx.LockBusiness(b.ID); err != nil {
					return err
				}
				n, err := tx.CountPrincipals(b.ID, domain.TypeIntegration)
				if err != nil {
					return err
				}
				if n >= limit {
					return errLimit
				}
				name := fmt.Sprintf("bot-%02d", i)
				a := newAccount(b, name, name, at(time.Duration(i)*time.Millisecond))
				e := newEvent(b, "service_account.created", a.ID, a.CreatedAt)
				return firstErr(tx.InsertPrincipal(b.ID, a), tx.AppendAudit(b.ID, &e))
			})
		})
		refused := 0
		for _, err := range errs {
			if errors.Is(err, errLimit) {
				refused++
			} else {
				s.ok("a creation", err)
			}
		}
		s.same("creations refused", refused, attempts-limit)
		s.same("CountPrincipals(integration)", view(s, func(tx store.Tx) (int, error) {
			return tx.CountPrincipals(b.ID, domain.TypeIntegration)
		}), limit)
		s.same("CountServiceAccounts", view(s, func(tx store.Tx) (int, error) { return tx.CountServiceAccounts(b.ID) }), limit+1)
		s.same("CountPrincipals(human)", view(s, func(tx store.Tx) (int, error) { return tx.CountPrincipals(b.ID, domain.TypeHuman) }), 1)
		s.same("accounts listed", len(list(s, b, store.PrincipalFilter{})), limit+1)
		if res := verifyChain(s, b); !res.OK || res.Events != limit {
			s.t.Errorf("audit chain after concurrent creations: %+v (broken: %+v); want %d intact events", res, res.Broken, limit)
		}
	}},
	{"KeyLimit", func(s *suite) {
		// R-KEY-5, R-DB-3: an account never holds more keys than its limit,
		// however many are created at once.
		b := s.business("acme")
		a := newAccount(b, "Bot", "bot", t0)
		s.insert(b, a)
		const limit, attempts = 3, 2 * writers
		errs := concurrently(attempts, func(i int) error {
			return s.st.Write(s.ctx, false, func(tx store.Tx) error {
				if err := tx.LockBusiness(b.ID); err != nil {
					return err
				}
				ks, err := tx.KeysOf(a.ID)
				if err != nil {
					return err
				}
				if len(ks) >= limit {
					return errLimit
				}
				k, h := newKey(a, fmt.Sprintf("key %d", i), at(time.Duration(i)*time.Millisecond))
				return tx.InsertKey(b.ID, a.ID, k, h, nil)
			})
		})
		refused := 0
		for _, err := range errs {
			if errors.Is(err, errLimit) {
				refused++
			} else {
				s.ok("a key creation", err)
			}
		}
		s.same("key creations refused", refused, attempts-limit)
		s.same("keys held", len(keysOf(s, a.ID)), limit)
		got := mustFind(s, "PrincipalByID", func(tx store.Tx) (domain.Account, bool, error) { return tx.PrincipalByID(b.ID, a.ID) })
		s.same("KeyCount", got.KeyCount, limit)
	}},
	{"AuditChain", func(s *suite) {
		// R-AUD-2: concurrent writers extend one chain: numbers 1…n with
		// no gap or repeat, every link intact.
		b, other := s.business("acme"), s.business("other")
		const each = 5
		errs := concurrently(writers, func(i int) error {
			for j := range each {
				biz := b
				if j%2 == 1 && i%2 == 1 {
					biz = other
				}
				err := s.st.Write(s.ctx, false, func(tx store.Tx) error {
					if err := tx.LockBusiness(biz.ID); err != nil {
						return err
					}
					e := newEvent(biz, "group.updated", fmt.Sprintf("grp_%d", i), at(time.Duration(i*each+j)*time.Microsecond))
					return tx.AppendAudit(biz.ID, &e)
				})
				if err != nil {
					return err
				}
			}
			return nil
		})
		for _, err := range errs {
			s.ok("an append", err)
		}
		n := 0
		for i := range writers {
			for j := range each {
				if !(j%2 == 1 && i%2 == 1) {
					n++
				}
			}
		}
		for _, c := range []struct {
			b domain.Business
			n int
		}{{b, n}, {other, writers*each - n}} {
			s.same("seqs of "+c.b.Name, listAudit(s, c.b.ID, store.AuditQuery{}), seqs(1, int64(c.n)))
			if res := verifyChain(s, c.b); !res.OK || res.Events != int64(c.n) {
				s.t.Errorf("chain of %s: %+v (broken: %+v); want %d intact events", c.b.Name, res, res.Broken, c.n)
			}
		}
	}},
}
