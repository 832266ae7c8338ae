package service

import (
	"context"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
)

// GetSettings lists every setting of the business with its value.
func (s *Service) GetSettings(ctx context.Context) ([]api.Setting, error) {
	var out []api.Setting
	err := s.read(ctx, func(t *txn) error {
		if err := t.allow(OpSettingsRead); err != nil {
			return err
		}
		cur, err := t.settings()
		if err != nil {
			return err
		}
		def := domain.DefaultSettings()
		for _, d := range domain.SettingDefs() {
			v, dv := d.Get(cur), d.Get(def)
			out = append(out, api.Setting{Key: d.Name, Value: v, Default: dv, IsDefault: v == dv, Description: d.Description})
		}
		return nil
	})
	return out, err
}

// SetSetting changes one setting, checking it against the others (R-KEY-8).
func (s *Service) SetSetting(ctx context.Context, req api.SetSettingRequest) (api.Setting, error) {
	return written(s, ctx, req.Mutation, func(t *txn) (api.Setting, error) { return t.setSetting(req) })
}

func (t *txn) setSetting(req api.SetSettingRequest) (out api.Setting, err error) {
	err = func() error {
		if err := t.allow(OpSettingsWrite); err != nil {
			return err
		}
		d, err := domain.LookupSetting(req.Key)
		if err != nil {
			return err
		}
		cur, err := t.settings()
		if err != nil {
			return err
		}
		before := d.Get(cur)
		if err := d.Set(&cur, req.Value); err != nil {
			return err
		}
		if err := cur.Validate(); err != nil {
			return err
		}
		after := d.Get(cur)
		dv := d.Get(domain.DefaultSettings())
		out = api.Setting{Key: d.Name, Value: after, Default: dv, IsDefault: after == dv, Description: d.Description}
		if after == before {
			return nil
		}
		if err := t.PutSetting(t.biz.ID, d.Name, after); err != nil {
			return err
		}
		return t.audit("setting.changed", domain.AuditTarget{Type: "setting", ID: d.Name, Name: d.Name},
			map[string]any{"from": before, "to": after})
	}()
	return out, err
}
