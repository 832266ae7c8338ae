package service

import (
	"context"
	"errors"
	"strings"

	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
)

// ListAudit streams the business's audit events through fn, oldest first
// (R-AUD-3): all that match, the newest f.Limit of them, or one page of
// f.PageSize after the cursor f.After (with f.Limit, the first page of the
// newest f.Limit).
func (s *Service) ListAudit(ctx context.Context, f domain.AuditFilter, fn func(domain.AuditEvent) error) error {
	return s.read(ctx, func(t *txn) error {
		if err := t.allow(OpAuditRead); err != nil {
			return err
		}
		if f.Limit < 0 {
			return domain.Invalidf("--limit must not be negative")
		}
		if f.PageSize < 0 || f.After < 0 {
			return domain.Invalidf("page size and cursor must not be negative")
		}
		// With a page size, the newest N come a page at a time: the first
		// page here, the next ones from its last seq (R-AUD-3).
		if f.Limit > 0 && f.After > 0 {
			return domain.Invalidf("the newest-n limit does not combine with a cursor")
		}
		q := store.AuditQuery{Action: f.Action, ServiceOnly: f.ServiceOnly, Limit: f.Limit, After: f.After, PageSize: f.PageSize}
		if f.Account != "" {
			a, err := t.resolveServiceAccount(f.Account)
			if err != nil {
				return err
			}
			q.AccountID = a.ID
		}
		if f.Actor != "" {
			if strings.HasPrefix(f.Actor, "local:") || f.Actor == "system" {
				q.ActorID = f.Actor
			} else {
				a, err := t.resolvePrincipal(f.Actor)
				if err != nil {
					return err
				}
				q.ActorID = a.ID
			}
		}
		if !f.Since.IsZero() {
			q.Since = f.Since
		}
		if !f.Until.IsZero() {
			q.Until = f.Until
		}
		if !f.Since.IsZero() && !f.Until.IsZero() && !f.Until.After(f.Since) {
			return domain.Invalidf("--until must be after --since")
		}
		return t.ListAudit(t.biz.ID, q, fn)
	})
}

// errChainBroken stops the scan at the first broken event.
var errChainBroken = errors.New("audit chain broken")

// VerifyAudit recomputes the business's audit hash chain from its first
// event and compares its end with the head stored with the business
// (R-AUD-2). A broken chain is a result naming the first broken event,
// not an error: the caller decides what it means.
func (s *Service) VerifyAudit(ctx context.Context) (domain.AuditCheck, error) {
	var res domain.AuditCheck
	err := s.read(ctx, func(t *txn) error {
		if err := t.allow(OpAuditRead); err != nil {
			return err
		}
		// The head is read in the same snapshot as the events (R-AUD-2).
		head, err := t.AuditHead(t.biz.ID)
		if err != nil {
			return err
		}
		c := domain.NewChainChecker(t.biz.Name, head)
		err = t.ListAudit(t.biz.ID, store.AuditQuery{}, func(e domain.AuditEvent) error {
			if !c.Add(e) {
				return errChainBroken
			}
			return nil
		})
		if err != nil && !errors.Is(err, errChainBroken) {
			return err
		}
		res = c.Result()
		return nil
	})
	return res, err
}
