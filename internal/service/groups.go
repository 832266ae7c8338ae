package service

import (
	"context"
	"fmt"
	"slices"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
)

// Built-in groups (R-PERM-2, R-SA-4).
const (
	AdminsGroup     = "admins"
	AutomationGroup = "automation"
)

// CreateGroup adds a permission group (R-PERM-1).
func (s *Service) CreateGroup(ctx context.Context, req api.CreateGroupRequest) (domain.Group, error) {
	return written(s, ctx, req.Mutation, func(t *txn) (domain.Group, error) { return t.createGroup(req) })
}

func (t *txn) createGroup(req api.CreateGroupRequest) (out domain.Group, err error) {
	err = func() error {
		if err := t.allow(OpGroupCreate); err != nil {
			return err
		}
		name, err := domain.NormalizeName("group name", req.Name)
		if err != nil {
			return err
		}
		desc, err := domain.NormalizeDescription(req.Description)
		if err != nil {
			return err
		}
		if err := validatePermissions(req.Permissions); err != nil {
			return err
		}
		if g, ok, err := t.GroupByName(t.biz.ID, name); err != nil {
			return err
		} else if ok {
			return domain.Conflictf("a group named %q already exists", g.Name)
		}
		if err := t.allowGrant(req.Permissions); err != nil {
			return err
		}
		g := domain.Group{
			ID: domain.NewID("grp", t.now), Business: t.biz.Name, Name: name, Description: desc,
			Permissions: clonePerms(req.Permissions), CreatedAt: t.now, UpdatedAt: t.now,
		}
		if err := t.InsertGroup(t.biz.ID, g); err != nil {
			return wrapUnique(err, "a group named %q already exists", name)
		}
		if err := t.audit("group.created", groupTarget(g), map[string]any{"permissions": g.Permissions.String()}); err != nil {
			return err
		}
		out, err = t.shownGroup(g.Name)
		return err
	}()
	return out, err
}

func clonePerms(p domain.Permissions) domain.Permissions {
	out := make(domain.Permissions, len(p))
	for k, l := range p {
		out[k] = l
	}
	return out
}

func validatePermissions(p domain.Permissions) error {
	for k, l := range p {
		if err := domain.ValidatePermissionKey(k); err != nil {
			return err
		}
		if l < domain.LevelNone || l > domain.LevelRemove {
			return domain.Invalidf("invalid level for permission %s", domain.Quote(k))
		}
	}
	return nil
}

func groupTarget(g domain.Group) domain.AuditTarget {
	return domain.AuditTarget{Type: "group", ID: g.ID, Name: g.Name}
}

// ListGroups lists the business's groups.
func (s *Service) ListGroups(ctx context.Context, req api.PageRequest) (api.Page[domain.Group], error) {
	var out api.Page[domain.Group]
	err := s.read(ctx, func(t *txn) error {
		if err := t.allow(OpGroupRead); err != nil {
			return err
		}
		p, err := storePage(req)
		if err != nil {
			return err
		}
		items, next, err := t.ListGroups(t.biz.ID, p)
		out = api.NewPage(items, next)
		return err
	})
	return out, err
}

// GetGroup finds a group by name.
func (s *Service) GetGroup(ctx context.Context, name string) (domain.Group, error) {
	var out domain.Group
	err := s.read(ctx, func(t *txn) (err error) {
		if err := t.allow(OpGroupRead); err != nil {
			return err
		}
		out, err = t.shownGroup(name)
		return err
	})
	return out, err
}

// UpdateGroup renames a group, changes its description or its permissions.
// Built-in groups are fixed (R-PERM-2): only their members change.
func (s *Service) UpdateGroup(ctx context.Context, req api.UpdateGroupRequest) (domain.Group, error) {
	return written(s, ctx, req.Mutation, func(t *txn) (domain.Group, error) { return t.updateGroup(req) })
}

func (t *txn) updateGroup(req api.UpdateGroupRequest) (out domain.Group, err error) {
	err = func() error {
		if err := t.allow(OpGroupUpdate); err != nil {
			return err
		}
		if req.NewName == nil && req.Description == nil && len(req.Set) == 0 && len(req.Drop) == 0 {
			return domain.Invalidf("nothing to update: give --name, --description, --perm or --drop-perm")
		}
		g, err := t.group(req.Name)
		if err != nil {
			return err
		}
		if g.Builtin {
			return domain.Protectedf("group %q is built in: its name, description and permissions are fixed", g.Name)
		}
		changes := map[string]any{}
		if req.NewName != nil {
			name, err := domain.NormalizeName("group name", *req.NewName)
			if err != nil {
				return err
			}
			if domain.NameKey(name) != domain.NameKey(g.Name) {
				if other, ok, err := t.GroupByName(t.biz.ID, name); err != nil {
					return err
				} else if ok {
					return domain.Conflictf("a group named %q already exists", other.Name)
				}
			}
			if name != g.Name {
				changes["name"] = map[string]string{"from": g.Name, "to": name}
				g.Name = name
			}
		}
		if req.Description != nil {
			d, err := domain.NormalizeDescription(*req.Description)
			if err != nil {
				return err
			}
			if d != g.Description {
				changes["description"] = map[string]string{"from": g.Description, "to": d}
				g.Description = d
			}
		}
		if err := validatePermissions(req.Set); err != nil {
			return err
		}
		if err := t.allowGrant(req.Set); err != nil {
			return err
		}
		// R-PERM-8: lowering or dropping a level takes it from the members.
		lowered := domain.Permissions{}
		for k, l := range g.Permissions {
			if set, ok := req.Set[k]; (ok && set < l) || slices.Contains(req.Drop, k) {
				lowered[k] = l
			}
		}
		if err := t.allowTakeAway(fmt.Sprintf("lower the permissions of group %q", g.Name), lowered); err != nil {
			return err
		}
		before := g.Permissions.String()
		next := clonePerms(g.Permissions)
		for k, l := range req.Set {
			next[k] = l
		}
		for _, k := range req.Drop {
			if _, ok := next[k]; !ok {
				return domain.Invalidf("group %q has no permission %s to drop", g.Name, domain.Quote(k))
			}
			if _, alsoSet := req.Set[k]; alsoSet {
				return domain.Invalidf("permission %s is both set and dropped", domain.Quote(k))
			}
			delete(next, k)
		}
		if after := next.String(); after != before {
			changes["permissions"] = map[string]string{"from": before, "to": after}
		}
		g.Permissions = next
		if len(changes) == 0 {
			out = g
			return nil
		}
		g.UpdatedAt = t.now
		if err := t.UpdateGroup(g); err != nil {
			return wrapUnique(err, "a group named %q already exists", g.Name)
		}
		if err := t.audit("group.updated", groupTarget(g), map[string]any{"changes": changes}); err != nil {
			return err
		}
		out, err = t.shownGroup(g.Name)
		return err
	}()
	return out, err
}

// DeleteGroup deletes a group. Built-ins cannot be deleted (R-PERM-2); a group
// that is assigned needs confirmation and names the accounts it would leave
// disabled (R-PERM-7).
func (s *Service) DeleteGroup(ctx context.Context, name string, m api.Mutation) (domain.Group, error) {
	return written(s, ctx, m, func(t *txn) (domain.Group, error) { return t.deleteGroup(name) })
}

func (t *txn) deleteGroup(name string) (out domain.Group, err error) {
	err = func() error {
		if err := t.allow(OpGroupDelete); err != nil {
			return err
		}
		g, err := t.group(name)
		if err != nil {
			return err
		}
		if g.Builtin {
			return domain.Protectedf("group %q is built in and cannot be deleted", g.Name)
		}
		if err := t.allowTakeAway(fmt.Sprintf("delete group %q", g.Name), g.Permissions); err != nil {
			return err
		}
		members, err := t.Members(t.biz.ID, g.ID)
		if err != nil {
			return err
		}
		if len(members) > 0 {
			var cons []string
			for _, a := range members {
				if a.AccountType.IsService() && a.Status == domain.StatusActive && len(a.Groups) == 1 {
					cons = append(cons, fmt.Sprintf("service account %q (%s) will be disabled: it holds no other group", a.Name, a.APIName))
				}
			}
			cons = append(cons, fmt.Sprintf("%d principals lose the group's permissions", len(members)))
			targets := []string{g.ID}
			for _, a := range members {
				targets = append(targets, a.ID)
			}
			if err := t.confirm(domain.Confirmation{
				Action:        fmt.Sprintf("delete group %q", g.Name),
				Consequences:  cons,
				TypeToConfirm: g.Name,
				Targets:       targets,
			}); err != nil {
				return err
			}
		}
		for _, a := range members {
			if err := t.audit("group.unassigned", accountTarget(a), map[string]any{"group": g.Name, "reason": "group deleted"}); err != nil {
				return err
			}
		}
		if err := t.DeleteGroup(g.ID); err != nil {
			return err
		}
		if err := t.audit("group.deleted", groupTarget(g), map[string]any{
			"permissions": g.Permissions.String(), "members": len(members),
		}); err != nil {
			return err
		}
		g.MemberCount = 0
		out = g
		return nil
	}()
	return out, err
}
