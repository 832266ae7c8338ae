package service

import (
	"context"
	"time"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/store"
)

// AutomationName is the automation account's name (R-SA-4).
const AutomationName = "Automation Code Account"

// createBusiness makes a business with its built-in groups and automation
// account (R-SA-4, R-PERM-2), recording who did it.
func createBusiness(tx store.Tx, now time.Time, actor domain.ActorRef, name, bizDomain string) (domain.Business, error) {
	if err := domain.ValidateBusinessName(name); err != nil {
		return domain.Business{}, err
	}
	if bizDomain == "" {
		bizDomain = name + ".example"
	}
	if err := domain.ValidateDomain(bizDomain); err != nil {
		return domain.Business{}, err
	}
	now = now.UTC().Truncate(time.Microsecond)
	b := domain.Business{ID: domain.NewID("biz", now), Name: name, Domain: bizDomain, CreatedAt: now}
	if err := tx.InsertBusiness(b); err != nil {
		return b, wrapUnique(err, "business %q already exists", name)
	}
	admins := domain.Group{
		ID: domain.NewID("grp", now), Business: name, Name: AdminsGroup, Builtin: true,
		Description: "every sactl permission; members can be changed", Permissions: domain.AllSactlAt(domain.LevelRemove),
		CreatedAt: now, UpdatedAt: now,
	}
	automation := domain.Group{
		ID: domain.NewID("grp", now), Business: name, Name: AutomationGroup, Builtin: true, Protected: true,
		Description: "all permissions of the automation account; protected", Permissions: domain.AllSactlAt(domain.LevelRemove),
		CreatedAt: now, UpdatedAt: now,
	}
	for _, g := range []domain.Group{admins, automation} {
		if err := tx.InsertGroup(b.ID, g); err != nil {
			return b, err
		}
	}
	id := domain.NewID("sa", now)
	auto := domain.Account{
		ID: id, Business: name, Name: AutomationName, APIName: "automation",
		Email: serviceEmail("automation", id, bizDomain), AccountType: domain.TypeAutomation,
		Description: "runs automation code steps; protected", CreatedAt: now, UpdatedAt: now,
		CreatedBy: systemActor.ID,
	}
	if err := tx.InsertPrincipal(b.ID, auto); err != nil {
		return b, err
	}
	if err := tx.SetMembership(auto.ID, []string{automation.ID}); err != nil {
		return b, err
	}
	e := domain.AuditEvent{
		ID: domain.NewID("evt", now), Time: now, Business: name, Actor: actor, Action: "business.created",
		Target:  domain.AuditTarget{Type: "business", ID: b.ID, Name: name},
		Details: map[string]any{"domain": bizDomain, "automation_account": auto.ID},
	}
	return b, tx.AppendAudit(b.ID, &e)
}

// CreateBusiness adds a tenant. Only a local operator may: a principal
// belongs to one business and cannot create others.
func (s *Service) CreateBusiness(ctx context.Context, req api.CreateBusinessRequest) (domain.Business, error) {
	var out domain.Business
	err := s.write(ctx, req.Mutation, func(t *txn) (err error) {
		if err := t.allow(OpBusinessCreate); err != nil {
			return err
		}
		out, err = createBusiness(t.Tx, t.now, t.actor, req.Name, req.Domain)
		return err
	})
	return out, err
}

// ListBusinesses lists every business for a local operator, and a
// principal's own business otherwise.
func (s *Service) ListBusinesses(ctx context.Context, req api.PageRequest) (api.Page[domain.Business], error) {
	var out api.Page[domain.Business]
	err := s.read(ctx, func(t *txn) error {
		p, err := storePage(req)
		if err != nil {
			return err
		}
		if t.principal != nil {
			// One business, the page after it empty.
			if _, err := p.Key(store.CursorBusinesses, 2); err != nil {
				return err
			}
			if p.After == "" {
				out = api.NewPage([]domain.Business{t.biz}, "")
			} else {
				out = api.NewPage([]domain.Business{}, "")
			}
			return nil
		}
		items, next, err := t.ListBusinesses(p)
		out = api.NewPage(items, next)
		return err
	})
	return out, err
}
