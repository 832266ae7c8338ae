// Package client implements api.API over sactl's REST API, so every
// command works against a server exactly as it does locally (SPEC §9).
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	gojson "github.com/goccy/go-json"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/keys"
)

// Client calls one server with one credential.
type Client struct {
	base     *url.URL
	token    string
	business string
	http     *http.Client

	// expires is the credential's expiry as the server last reported it.
	expires atomic.Pointer[time.Time]
}

var _ api.API = (*Client)(nil)

// New makes a client for a server URL. business, when set, must be the
// credential's business (the server checks).
func New(serverURL, token, business string, hc *http.Client) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(serverURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, domain.Invalidf("invalid server URL %q: use http(s)://host[:port]", serverURL)
	}
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	return &Client{base: u, token: token, business: business, http: hc}, nil
}

// CredentialExpiresAt is when the client's own credential expires, as the
// server reported it on the last answer; false when it never expires or no
// request has been answered yet.
func (c *Client) CredentialExpiresAt() (time.Time, bool) {
	if t := c.expires.Load(); t != nil {
		return *t, true
	}
	return time.Time{}, false
}

func mutation(q url.Values, m api.Mutation) url.Values {
	if q == nil {
		q = url.Values{}
	}
	if m.DryRun {
		q.Set("dry_run", "true")
	}
	// R-CLI-2: the digest of the plan shown binds the confirmation to it.
	switch {
	case m.PlanDigest != "":
		q.Set("confirm", m.PlanDigest)
	case m.Confirmed:
		q.Set("confirm", "true")
	}
	return q
}

// do sends one request and decodes the answer into out (when not nil).
func (c *Client) do(ctx context.Context, method, path string, q url.Values, body, out any) error {
	// path segments are already escaped (esc), so join as text.
	target := c.base.String() + path
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.business != "" {
		req.Header.Set("X-Sactl-Business", c.business)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach %s: %w", c.base.Host, errors.Unwrap(err))
	}
	defer resp.Body.Close()
	if h := resp.Header.Get(api.CredentialExpiresHeader); h != "" {
		if t, err := time.Parse(time.RFC3339, h); err == nil {
			c.expires.Store(&t)
		}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("read response from %s: %w", c.base.Host, err)
	}
	if resp.StatusCode >= 400 {
		return decodeError(resp.StatusCode, data)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := gojson.Unmarshal(data, out); err != nil { // a list page decodes ~3x faster (P-4)
		return fmt.Errorf("unexpected response from %s: %w", c.base.Host, err)
	}
	return nil
}

// decodeError turns a server error body back into the domain error it was.
func decodeError(status int, data []byte) error {
	var body api.ErrorBody
	if err := json.Unmarshal(data, &body); err != nil || body.Error.Code == "" {
		return fmt.Errorf("server answered %d %s", status, http.StatusText(status))
	}
	kind := domain.Kind(body.Error.Code)
	if kind == domain.KindInternal || api.StatusOf(kind) == http.StatusInternalServerError {
		return fmt.Errorf("server error: %s", body.Error.Message)
	}
	// R-CLI-4: whatever the server sent, no credential goes further.
	return &domain.Error{Kind: kind, Msg: domain.RedactMessage(body.Error.Message), Hint: domain.RedactMessage(body.Error.Hint),
		Confirm: body.Error.Confirmation}
}

func esc(s string) string { return url.PathEscape(s) }

// page reads one page of a list endpoint (R-SRV-6); api.All follows the
// cursors.
func page[T any](ctx context.Context, c *Client, path string, q url.Values, p api.PageRequest) (api.Page[T], error) {
	if q == nil {
		q = url.Values{}
	}
	if p.Limit != 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	if p.Cursor != "" {
		q.Set("cursor", p.Cursor)
	}
	var out api.Page[T]
	if err := c.do(ctx, "GET", path, q, nil, &out); err != nil {
		return api.Page[T]{}, err
	}
	return api.NewPage(out.Items, deref(out.NextCursor)), nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func call[T any](ctx context.Context, c *Client, method, path string, q url.Values, body any) (T, error) {
	var out T
	err := c.do(ctx, method, path, q, body, &out)
	return out, err
}

const sa = "/api/v1/service-accounts/"

// CreateAccount implements api.API.
func (c *Client) CreateAccount(ctx context.Context, req api.CreateAccountRequest) (api.CreatedAccount, error) {
	return call[api.CreatedAccount](ctx, c, "POST", "/api/v1/service-accounts", mutation(nil, req.Mutation), req)
}

// ListAccounts implements api.API.
func (c *Client) ListAccounts(ctx context.Context, req api.ListAccountsRequest) (api.Page[domain.Account], error) {
	q := url.Values{}
	if req.Status != "" {
		q.Set("status", string(req.Status))
	}
	if req.Group != "" {
		q.Set("group", req.Group)
	}
	if req.Archived {
		q.Set("archived", "true")
	}
	if req.Admin != "" {
		q.Set("admin", req.Admin)
	}
	if req.Type != "" {
		q.Set("type", string(req.Type))
	}
	return page[domain.Account](ctx, c, "/api/v1/service-accounts", q, req.PageRequest)
}

// GetAccount implements api.API.
func (c *Client) GetAccount(ctx context.Context, ref string) (domain.Account, error) {
	return call[domain.Account](ctx, c, "GET", sa+esc(ref), nil, nil)
}

// UpdateAccount implements api.API.
func (c *Client) UpdateAccount(ctx context.Context, req api.UpdateAccountRequest) (domain.Account, error) {
	return call[domain.Account](ctx, c, "PATCH", sa+esc(req.Ref), mutation(nil, req.Mutation), req)
}

// SuspendAccount implements api.API.
func (c *Client) SuspendAccount(ctx context.Context, ref string, m api.Mutation) (domain.Account, error) {
	return call[domain.Account](ctx, c, "POST", sa+esc(ref)+"/suspend", mutation(nil, m), nil)
}

// ResumeAccount implements api.API.
func (c *Client) ResumeAccount(ctx context.Context, ref string, m api.Mutation) (domain.Account, error) {
	return call[domain.Account](ctx, c, "POST", sa+esc(ref)+"/resume", mutation(nil, m), nil)
}

// ArchiveAccount implements api.API.
func (c *Client) ArchiveAccount(ctx context.Context, ref string, m api.Mutation) (domain.Account, error) {
	return call[domain.Account](ctx, c, "POST", sa+esc(ref)+"/archive", mutation(nil, m), nil)
}

// groupsCall maps a group operation onto PUT (set, clear), POST (add) and DELETE (remove).
func groupsCall[T any](ctx context.Context, c *Client, path string, req api.ChangeGroupsRequest) (T, error) {
	q := mutation(nil, req.Mutation)
	body := map[string][]string{"groups": req.Groups}
	switch req.Op {
	case api.GroupsSet, api.GroupsClear:
		if req.Op == api.GroupsClear && len(req.Groups) > 0 {
			var zero T
			return zero, domain.Invalidf("clear takes no groups; use remove to take away some")
		}
		if body["groups"] == nil {
			body["groups"] = []string{}
		}
		return call[T](ctx, c, "PUT", path, q, body)
	case api.GroupsAdd:
		return call[T](ctx, c, "POST", path, q, body)
	case api.GroupsRemove:
		q["group"] = req.Groups
		return call[T](ctx, c, "DELETE", path, q, nil)
	}
	var zero T
	return zero, domain.Invalidf("unknown group operation %q", req.Op)
}

// ChangeAccountGroups implements api.API.
func (c *Client) ChangeAccountGroups(ctx context.Context, req api.ChangeGroupsRequest) (domain.Account, error) {
	return groupsCall[domain.Account](ctx, c, sa+esc(req.Ref)+"/groups", req)
}

// AddAccountAdmin implements api.API.
func (c *Client) AddAccountAdmin(ctx context.Context, ref, user string, m api.Mutation) (domain.Account, error) {
	return call[domain.Account](ctx, c, "PUT", sa+esc(ref)+"/admins/"+esc(user), mutation(nil, m), nil)
}

// RemoveAccountAdmin implements api.API.
func (c *Client) RemoveAccountAdmin(ctx context.Context, ref, user string, m api.Mutation) (domain.Account, error) {
	return call[domain.Account](ctx, c, "DELETE", sa+esc(ref)+"/admins/"+esc(user), mutation(nil, m), nil)
}

// ListAccountAdmins implements api.API.
func (c *Client) ListAccountAdmins(ctx context.Context, ref string) ([]domain.User, error) {
	return api.All(func(p api.PageRequest) (api.Page[domain.User], error) {
		return page[domain.User](ctx, c, sa+esc(ref)+"/admins", url.Values{}, p)
	})
}

// CreateAPIKey implements api.API.
func (c *Client) CreateAPIKey(ctx context.Context, req api.CreateAPIKeyRequest) (api.CreatedAccount, error) {
	body := map[string]any{"name": req.Name, "groups": req.Groups}
	if req.ExpiresIn != 0 {
		body["expires_in"] = domain.FormatDuration(req.ExpiresIn)
	}
	return call[api.CreatedAccount](ctx, c, "POST", "/api/v1/api-keys", mutation(nil, req.Mutation), body)
}

// ListAPIKeys implements api.API.
func (c *Client) ListAPIKeys(ctx context.Context, p api.PageRequest) (api.Page[api.APIKey], error) {
	return page[api.APIKey](ctx, c, "/api/v1/api-keys", nil, p)
}

// RevokeAPIKey implements api.API.
func (c *Client) RevokeAPIKey(ctx context.Context, ref string, m api.Mutation) (domain.Account, error) {
	return call[domain.Account](ctx, c, "DELETE", "/api/v1/api-keys/"+esc(ref), mutation(nil, m), nil)
}

// ExportConfig implements api.API.
func (c *Client) ExportConfig(ctx context.Context) (domain.Config, error) {
	return call[domain.Config](ctx, c, "GET", "/api/v1/config", nil, nil)
}

// ImportConfig implements api.API.
func (c *Client) ImportConfig(ctx context.Context, req api.ImportConfigRequest) (domain.ImportPlan, error) {
	return call[domain.ImportPlan](ctx, c, "POST", "/api/v1/config/import", mutation(nil, req.Mutation), req)
}

// ListKeys implements api.API.
func (c *Client) ListKeys(ctx context.Context, ref string, p api.PageRequest) (api.Page[domain.Key], error) {
	return page[domain.Key](ctx, c, sa+esc(ref)+"/keys", nil, p)
}

// nameAndExpiry is the body that creates a key or a user token. Durations
// travel in Go's form, which the server reads back exactly, negative ones
// included (the service judges them).
func nameAndExpiry(name string, expiresIn time.Duration) map[string]string {
	body := map[string]string{"name": name}
	if expiresIn != 0 {
		body["expires_in"] = domain.FormatDuration(expiresIn)
	}
	return body
}

// CreateKey implements api.API.
func (c *Client) CreateKey(ctx context.Context, req api.CreateKeyRequest) (domain.Key, error) {
	return call[domain.Key](ctx, c, "POST", sa+esc(req.Ref)+"/keys", mutation(nil, req.Mutation), nameAndExpiry(req.Name, req.ExpiresIn))
}

// RotateKeys implements api.API.
func (c *Client) RotateKeys(ctx context.Context, req api.RotateKeyRequest) (domain.Key, error) {
	q := mutation(nil, req.Mutation)
	if req.Grace != 0 {
		q.Set("grace", domain.FormatDuration(req.Grace))
	}
	if req.DisablePrevious {
		q.Set("disable_previous", "true")
	}
	return call[domain.Key](ctx, c, "POST", sa+esc(req.Ref)+"/keys/rotate", q, nil)
}

// keyPath is the path of the key req names, and its query: the service
// judges the request (an id and --secondary together is its error to give).
func keyPath(req api.KeyRequest) (string, url.Values) {
	q := mutation(nil, req.Mutation)
	k := req.KeyID
	switch {
	case req.Secondary && k != "":
		q.Set("secondary", "true")
	case req.Secondary:
		k = "secondary"
	case k == "":
		k = "primary"
	}
	if req.Force {
		q.Set("force", "true")
	}
	return sa + esc(req.Ref) + "/keys/" + esc(k), q
}

// DeleteKey implements api.API.
func (c *Client) DeleteKey(ctx context.Context, req api.KeyRequest) (domain.Key, error) {
	path, q := keyPath(req)
	return call[domain.Key](ctx, c, "DELETE", path, q, nil)
}

// SetKeyEnabled implements api.API.
func (c *Client) SetKeyEnabled(ctx context.Context, req api.KeyRequest, enabled bool) (domain.Key, error) {
	verb := "/disable"
	if enabled {
		verb = "/enable"
	}
	path, q := keyPath(req)
	return call[domain.Key](ctx, c, "POST", path+verb, q, nil)
}

// ShowKey implements api.API.
func (c *Client) ShowKey(ctx context.Context, req api.KeyRequest) (domain.Key, error) {
	path, q := keyPath(req)
	return call[domain.Key](ctx, c, "POST", path+"/reveal", q, nil)
}

// ListAllKeys implements api.API.
func (c *Client) ListAllKeys(ctx context.Context, req api.ListAllKeysRequest) (api.Page[domain.KeyInventoryItem], error) {
	q := url.Values{}
	if req.ExpiringWithin != nil {
		q.Set("expiring_within", domain.FormatDuration(*req.ExpiringWithin))
	}
	if req.UnusedFor != nil {
		q.Set("unused_for", domain.FormatDuration(*req.UnusedFor))
	}
	return page[domain.KeyInventoryItem](ctx, c, "/api/v1/keys", q, req.PageRequest)
}

// Verify implements api.API through introspection (R-SRV-3).
func (c *Client) Verify(ctx context.Context, credential string) (domain.Verification, error) {
	return call[domain.Verification](ctx, c, "POST", "/api/v1/auth/introspect", nil, map[string]string{"token": credential})
}

// MintToken implements api.API.
func (c *Client) MintToken(ctx context.Context, req api.MintTokenRequest) (domain.MintedToken, error) {
	body := map[string]string{"execution": req.Execution}
	if req.TTL != 0 {
		body["ttl"] = domain.FormatDuration(req.TTL)
	}
	return call[domain.MintedToken](ctx, c, "POST", "/api/v1/tokens", nil, body)
}

// RotateSigningKey implements api.API.
func (c *Client) RotateSigningKey(ctx context.Context, m api.Mutation) (string, error) {
	res, err := call[map[string]string](ctx, c, "POST", "/api/v1/tokens/signing-key/rotate", mutation(nil, m), nil)
	return res["signing_key"], err
}

// ListTokens implements api.API.
func (c *Client) ListTokens(ctx context.Context, p api.PageRequest) (api.Page[domain.TokenRecord], error) {
	return page[domain.TokenRecord](ctx, c, "/api/v1/tokens", nil, p)
}

// RevokeToken implements api.API.
func (c *Client) RevokeToken(ctx context.Context, id string, m api.Mutation) (domain.TokenRecord, error) {
	if strings.HasPrefix(strings.TrimSpace(id), keys.TokenPrefix) {
		// Never put a credential in a URL, where proxies and logs keep it.
		return domain.TokenRecord{}, domain.Invalidf("give the token's id (tok_…), not the token itself").
			WithHint("list the ids with: sactl sa token list")
	}
	return call[domain.TokenRecord](ctx, c, "DELETE", "/api/v1/tokens/"+esc(id), mutation(nil, m), nil)
}

// CreateUserToken implements api.API.
func (c *Client) CreateUserToken(ctx context.Context, req api.CreateUserTokenRequest) (domain.UserToken, error) {
	return call[domain.UserToken](ctx, c, "POST", "/api/v1/users/"+esc(req.Ref)+"/tokens", mutation(nil, req.Mutation), nameAndExpiry(req.Name, req.ExpiresIn))
}

// ListUserTokens implements api.API.
func (c *Client) ListUserTokens(ctx context.Context, ref string, p api.PageRequest) (api.Page[domain.UserToken], error) {
	return page[domain.UserToken](ctx, c, "/api/v1/users/"+esc(ref)+"/tokens", nil, p)
}

// RevokeUserToken implements api.API.
func (c *Client) RevokeUserToken(ctx context.Context, ref, id string, m api.Mutation) (domain.UserToken, error) {
	return call[domain.UserToken](ctx, c, "DELETE", "/api/v1/users/"+esc(ref)+"/tokens/"+esc(id), mutation(nil, m), nil)
}

// CreateGroup implements api.API.
func (c *Client) CreateGroup(ctx context.Context, req api.CreateGroupRequest) (domain.Group, error) {
	return call[domain.Group](ctx, c, "POST", "/api/v1/groups", mutation(nil, req.Mutation), req)
}

// ListGroups implements api.API.
func (c *Client) ListGroups(ctx context.Context, p api.PageRequest) (api.Page[domain.Group], error) {
	return page[domain.Group](ctx, c, "/api/v1/groups", nil, p)
}

// GetGroup implements api.API.
func (c *Client) GetGroup(ctx context.Context, name string) (domain.Group, error) {
	return call[domain.Group](ctx, c, "GET", "/api/v1/groups/"+esc(name), nil, nil)
}

// UpdateGroup implements api.API.
func (c *Client) UpdateGroup(ctx context.Context, req api.UpdateGroupRequest) (domain.Group, error) {
	return call[domain.Group](ctx, c, "PATCH", "/api/v1/groups/"+esc(req.Name), mutation(nil, req.Mutation), req)
}

// DeleteGroup implements api.API.
func (c *Client) DeleteGroup(ctx context.Context, name string, m api.Mutation) (domain.Group, error) {
	return call[domain.Group](ctx, c, "DELETE", "/api/v1/groups/"+esc(name), mutation(nil, m), nil)
}

// CreateUser implements api.API.
func (c *Client) CreateUser(ctx context.Context, req api.CreateUserRequest) (domain.User, error) {
	return call[domain.User](ctx, c, "POST", "/api/v1/users", mutation(nil, req.Mutation), req)
}

// ListUsers implements api.API.
func (c *Client) ListUsers(ctx context.Context, req api.ListUsersRequest) (api.Page[domain.User], error) {
	q := url.Values{}
	if req.Removed {
		q.Set("removed", "true")
	}
	if req.Group != "" {
		q.Set("group", req.Group)
	}
	return page[domain.User](ctx, c, "/api/v1/users", q, req.PageRequest)
}

// GetUser implements api.API.
func (c *Client) GetUser(ctx context.Context, ref string) (domain.User, error) {
	return call[domain.User](ctx, c, "GET", "/api/v1/users/"+esc(ref), nil, nil)
}

// UpdateUser implements api.API.
func (c *Client) UpdateUser(ctx context.Context, req api.UpdateUserRequest) (domain.User, error) {
	return call[domain.User](ctx, c, "PATCH", "/api/v1/users/"+esc(req.Ref), mutation(nil, req.Mutation), req)
}

// RemoveUser implements api.API.
func (c *Client) RemoveUser(ctx context.Context, ref string, m api.Mutation) (domain.User, error) {
	return call[domain.User](ctx, c, "DELETE", "/api/v1/users/"+esc(ref), mutation(nil, m), nil)
}

// ChangeUserGroups implements api.API.
func (c *Client) ChangeUserGroups(ctx context.Context, req api.ChangeGroupsRequest) (domain.User, error) {
	return groupsCall[domain.User](ctx, c, "/api/v1/users/"+esc(req.Ref)+"/groups", req)
}

// SearchPrincipals implements api.API.
func (c *Client) SearchPrincipals(ctx context.Context, req api.SearchRequest) ([]domain.Account, error) {
	q := url.Values{"prefix": {req.Prefix}}
	if req.IncludeServiceAccounts {
		q.Set("include_service_accounts", "true")
	}
	if req.Limit != 0 {
		q.Set("max", strconv.Itoa(req.Limit))
	}
	return api.All(func(p api.PageRequest) (api.Page[domain.Account], error) {
		return page[domain.Account](ctx, c, "/api/v1/users/search", q, p)
	})
}

// Seats implements api.API.
func (c *Client) Seats(ctx context.Context) (domain.Seats, error) {
	return call[domain.Seats](ctx, c, "GET", "/api/v1/seats", nil, nil)
}

// CreateBusiness implements api.API.
func (c *Client) CreateBusiness(ctx context.Context, req api.CreateBusinessRequest) (domain.Business, error) {
	return call[domain.Business](ctx, c, "POST", "/api/v1/businesses", mutation(nil, req.Mutation), req)
}

// ListBusinesses implements api.API.
func (c *Client) ListBusinesses(ctx context.Context, p api.PageRequest) (api.Page[domain.Business], error) {
	return page[domain.Business](ctx, c, "/api/v1/businesses", nil, p)
}

// GetSettings implements api.API.
func (c *Client) GetSettings(ctx context.Context) ([]api.Setting, error) {
	return api.All(func(p api.PageRequest) (api.Page[api.Setting], error) {
		return page[api.Setting](ctx, c, "/api/v1/settings", url.Values{}, p)
	})
}

// SetSetting implements api.API.
func (c *Client) SetSetting(ctx context.Context, req api.SetSettingRequest) (api.Setting, error) {
	return call[api.Setting](ctx, c, "PUT", "/api/v1/settings/"+esc(req.Key), mutation(nil, req.Mutation),
		map[string]string{"value": req.Value})
}

// auditPage is the page size the client asks for (the server allows up to 1000).
const auditPage = 500

// ListAudit implements api.API, fetching pages as fn consumes them
// (R-AUD-3): one bounded page at a time, so no answer holds the whole log.
// The newest N come as the first page of them (newest=N), then pages from
// its cursor until N were handed to fn.
func (c *Client) ListAudit(ctx context.Context, f domain.AuditFilter, fn func(domain.AuditEvent) error) error {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("account", f.Account)
	set("actor", f.Actor)
	set("action", f.Action)
	if !f.Since.IsZero() {
		q.Set("since", f.Since.UTC().Format(time.RFC3339Nano))
	}
	if !f.Until.IsZero() {
		q.Set("until", f.Until.UTC().Format(time.RFC3339Nano))
	}
	if f.ServiceOnly {
		q.Set("service_only", "true")
	}
	// Everything the caller set travels, so the service judges the same
	// filter as in local mode.
	if f.Limit != 0 {
		q.Set("newest", strconv.Itoa(f.Limit))
	}
	if f.After != 0 {
		q.Set("cursor", domain.EncodeCursor(api.AuditCursor, strconv.FormatInt(f.After, 10)))
	}
	onePage, size := f.PageSize != 0, auditPage
	if onePage {
		size = f.PageSize
	}
	q.Set("limit", strconv.Itoa(size))
	remaining := f.Limit // of the newest N, how many are still to come
	for {
		var page api.Page[domain.AuditEvent]
		if err := c.do(ctx, "GET", "/api/v1/audit", q, nil, &page); err != nil {
			return err
		}
		for _, e := range page.Items {
			if err := fn(e); err != nil {
				return err
			}
		}
		if page.NextCursor == nil || onePage {
			return nil
		}
		if f.Limit > 0 {
			// The rest of the newest N are the next events after the
			// cursor; later ones were added since the first page.
			if remaining -= len(page.Items); remaining <= 0 {
				return nil
			}
			q.Del("newest")
			q.Set("limit", strconv.Itoa(min(size, remaining)))
		}
		q.Set("cursor", *page.NextCursor)
	}
}

// VerifyAudit asks the server to recompute the audit chain (R-AUD-2).
func (c *Client) VerifyAudit(ctx context.Context) (domain.AuditCheck, error) {
	var res domain.AuditCheck
	err := c.do(ctx, "GET", "/api/v1/audit/verify", nil, nil, &res)
	return res, err
}
