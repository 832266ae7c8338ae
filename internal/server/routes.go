package server

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
)

// route is one API operation. The table below is the API: the mux is built
// from it and a test checks it against the OpenAPI file.
type route struct {
	Method, Path, Name string
	Created            bool     // 201 on success
	Body               bodyKind // the request body it reads; none unless given (R-SRV-4)
	Handle             func(*call) (any, error)
	// Forward marks the forward-auth check (R-SRV-8), served by
	// forwardAuth for any method and below its path, instead of Handle.
	Forward bool
}

// pattern is the route's first mux pattern.
func (rt route) pattern() string {
	if rt.Forward {
		return checkPatterns(rt)[0]
	}
	return rt.Method + " " + rt.Path
}

// defaultAuditPage is the audit page size when the request gives none.
const defaultAuditPage = 500

// pageRequest reads a list's limit and cursor (R-SRV-6); the service pages
// the list in the store with them.
func pageRequest(c *call) (api.PageRequest, error) {
	q := c.r.URL.Query()
	p := api.PageRequest{Cursor: q.Get("cursor")}
	if v, ok := q["limit"]; ok {
		n, err := domain.ParseLimit(v[0])
		if err != nil {
			return p, err
		}
		p.Limit = n
	}
	return p, nil
}

// listed answers a list: one page read with the request's limit and cursor.
func listed[T any](c *call, list func(api.PageRequest) (api.Page[T], error)) (any, error) {
	p, err := pageRequest(c)
	if err != nil {
		return nil, err
	}
	return list(p)
}

// bounded pages a list the service returns whole because it is small by
// its nature (the settings catalogue, a typeahead's at most 100 matches),
// with the same limit and cursors as every list: the cursor names the last
// item by key, and the next page starts after it.
func bounded[T any](c *call, list string, key func(T) string, all []T, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	p, err := pageRequest(c)
	if err != nil {
		return nil, err
	}
	limit, err := domain.PageLimit(p.Limit)
	if err != nil {
		return nil, err
	}
	k, err := domain.DecodeCursor(p.Cursor, list, 1)
	if err != nil {
		return nil, err
	}
	start := 0
	if k != nil {
		start = slices.IndexFunc(all, func(x T) bool { return key(x) == k[0] }) + 1
		if start == 0 {
			return nil, domain.Invalidf("invalid cursor: %s is no longer listed; start again from the first page", domain.Quote(k[0]))
		}
	}
	rest := all[start:]
	if len(rest) <= limit {
		return api.NewPage(rest, ""), nil
	}
	return api.NewPage(rest[:limit], domain.EncodeCursor(list, key(rest[limit-1]))), nil
}

func param(c *call, name string) string { return c.r.PathValue(name) }

// keyRequest reads {key}: an id, or "primary" / "secondary"; an id with
// ?secondary=true is passed on for the service to refuse.
func keyRequest(c *call) api.KeyRequest {
	req := api.KeyRequest{Ref: param(c, "account"), Mutation: c.m, Force: boolParam(c.r, "force"),
		Secondary: boolParam(c.r, "secondary")}
	switch k := param(c, "key"); k {
	case "secondary":
		req.Secondary = true
	case "primary", "":
	default:
		req.KeyID = k
	}
	return req
}

// duration reads a duration parameter ("" is none).
func duration(name, v string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	// A negative one is read too, so the service's rule about it answers
	// the same as in local mode.
	neg := strings.HasPrefix(v, "-")
	d, err := domain.ParseDuration(strings.TrimPrefix(v, "-"))
	if err != nil {
		return 0, domain.Invalidf("invalid %s %s: %v", name, domain.Quote(v), err)
	}
	if d == 0 { // R-CLI-8: no silent zero; leaving it out means the default
		return 0, domain.Invalidf("invalid %s %s: give a positive duration, or leave it out for the default", name, domain.Quote(v))
	}
	if neg {
		d = -d
	}
	return d, nil
}

// nameAndExpiry reads the body that creates a key or a user token.
func nameAndExpiry(c *call) (string, time.Duration, error) {
	var body struct {
		Name      string `json:"name"`
		ExpiresIn string `json:"expires_in"`
	}
	if err := c.decode(&body); err != nil {
		return "", 0, err
	}
	d, err := duration("expires_in", body.ExpiresIn)
	return body.Name, d, err
}

type groupsBody struct {
	Groups []string `json:"groups"`
}

func changeGroups(op api.GroupOp, user bool) func(*call) (any, error) {
	return func(c *call) (any, error) {
		req := api.ChangeGroupsRequest{Ref: param(c, "ref"), Op: op, Mutation: c.m}
		if op == api.GroupsRemove {
			req.Groups = c.r.URL.Query()["group"]
		} else {
			var b groupsBody
			if err := c.decode(&b); err != nil {
				return nil, err
			}
			req.Groups = b.Groups
			if op == api.GroupsSet && len(b.Groups) == 0 {
				req.Op = api.GroupsClear
			}
		}
		if user {
			return c.svc.ChangeUserGroups(c.ctx(), req)
		}
		return c.svc.ChangeAccountGroups(c.ctx(), req)
	}
}

func auditFilter(q url.Values) (domain.AuditFilter, error) {
	f := domain.AuditFilter{Account: q.Get("account"), Actor: q.Get("actor"), Action: q.Get("action"),
		ServiceOnly: q.Get("service_only") == "true"}
	for name, dst := range map[string]*time.Time{"since": &f.Since, "until": &f.Until} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return f, domain.Invalidf("invalid %s %q: use RFC 3339", name, v)
			}
			*dst = t
		}
	}
	// newest is the service's to judge (R-AUD-3); limit and cursor are the
	// HTTP paging.
	if v := q.Get("newest"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return f, domain.Invalidf("invalid newest %q: use a number", v)
		}
		f.Limit = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := domain.ParseLimit(v)
		if err != nil {
			return f, err
		}
		f.PageSize = n
	}
	if v := q.Get("cursor"); v != "" {
		k, err := domain.DecodeCursor(v, api.AuditCursor, 1)
		if err != nil {
			return f, err
		}
		n, err := strconv.ParseInt(k[0], 10, 64)
		if err != nil || n < 0 {
			return f, domain.InvalidCursor()
		}
		f.After = n
	}
	// R-AUD-3: every answer is one bounded page, the newest-N form too.
	if f.PageSize == 0 {
		f.PageSize = defaultAuditPage
	}
	return f, nil
}

var routes = []route{
	// Service accounts (R-SA-*).
	{Method: "GET", Path: "/api/v1/service-accounts", Name: "list_service_accounts", Handle: func(c *call) (any, error) {
		q := c.r.URL.Query()
		return listed(c, func(p api.PageRequest) (api.Page[domain.Account], error) {
			return c.svc.ListAccounts(c.ctx(), api.ListAccountsRequest{Status: domain.Status(q.Get("status")),
				Group: q.Get("group"), Archived: q.Get("archived") == "true", Admin: q.Get("admin"),
				Type: domain.AccountType(q.Get("type")), PageRequest: p})
		})
	}},
	{Method: "POST", Path: "/api/v1/service-accounts", Name: "create_service_account", Body: jsonBody, Created: true, Handle: func(c *call) (any, error) {
		var req api.CreateAccountRequest
		if err := c.decode(&req); err != nil {
			return nil, err
		}
		req.Mutation = c.m
		return c.svc.CreateAccount(c.ctx(), req)
	}},
	{Method: "GET", Path: "/api/v1/service-accounts/{account}", Name: "get_service_account", Handle: func(c *call) (any, error) {
		return c.svc.GetAccount(c.ctx(), param(c, "account"))
	}},
	{Method: "PATCH", Path: "/api/v1/service-accounts/{account}", Name: "update_service_account", Body: jsonBody, Handle: func(c *call) (any, error) {
		var req api.UpdateAccountRequest
		if err := c.decode(&req); err != nil {
			return nil, err
		}
		req.Ref, req.Mutation = param(c, "account"), c.m
		return c.svc.UpdateAccount(c.ctx(), req)
	}},
	{Method: "POST", Path: "/api/v1/service-accounts/{account}/suspend", Name: "suspend_service_account", Handle: func(c *call) (any, error) {
		return c.svc.SuspendAccount(c.ctx(), param(c, "account"), c.m)
	}},
	{Method: "POST", Path: "/api/v1/service-accounts/{account}/resume", Name: "resume_service_account", Handle: func(c *call) (any, error) {
		return c.svc.ResumeAccount(c.ctx(), param(c, "account"), c.m)
	}},
	{Method: "POST", Path: "/api/v1/service-accounts/{account}/archive", Name: "archive_service_account", Handle: func(c *call) (any, error) {
		return c.svc.ArchiveAccount(c.ctx(), param(c, "account"), c.m)
	}},
	{Method: "PUT", Path: "/api/v1/service-accounts/{ref}/groups", Name: "set_service_account_groups", Body: jsonBody, Handle: changeGroups(api.GroupsSet, false)},
	{Method: "POST", Path: "/api/v1/service-accounts/{ref}/groups", Name: "add_service_account_groups", Body: jsonBody, Handle: changeGroups(api.GroupsAdd, false)},
	{Method: "DELETE", Path: "/api/v1/service-accounts/{ref}/groups", Name: "remove_service_account_groups", Handle: changeGroups(api.GroupsRemove, false)},

	// Per-account admins (R-SA-12).
	{Method: "GET", Path: "/api/v1/service-accounts/{account}/admins", Name: "list_service_account_admins", Handle: func(c *call) (any, error) {
		all, err := c.svc.ListAccountAdmins(c.ctx(), param(c, "account"))
		return bounded(c, "admins", func(u domain.User) string { return u.Email }, all, err)
	}},
	{Method: "PUT", Path: "/api/v1/service-accounts/{account}/admins/{user}", Name: "add_service_account_admin", Handle: func(c *call) (any, error) {
		return c.svc.AddAccountAdmin(c.ctx(), param(c, "account"), param(c, "user"), c.m)
	}},
	{Method: "DELETE", Path: "/api/v1/service-accounts/{account}/admins/{user}", Name: "remove_service_account_admin", Handle: func(c *call) (any, error) {
		return c.svc.RemoveAccountAdmin(c.ctx(), param(c, "account"), param(c, "user"), c.m)
	}},

	// API-key accounts (R-SA-11).
	{Method: "GET", Path: "/api/v1/api-keys", Name: "list_api_keys", Handle: func(c *call) (any, error) {
		return listed(c, func(p api.PageRequest) (api.Page[api.APIKey], error) { return c.svc.ListAPIKeys(c.ctx(), p) })
	}},
	{Method: "POST", Path: "/api/v1/api-keys", Name: "create_api_key", Body: jsonBody, Created: true, Handle: func(c *call) (any, error) {
		var body struct {
			Name      string   `json:"name"`
			Groups    []string `json:"groups"`
			ExpiresIn string   `json:"expires_in"`
		}
		if err := c.decode(&body); err != nil {
			return nil, err
		}
		d, err := duration("expires_in", body.ExpiresIn)
		if err != nil {
			return nil, err
		}
		return c.svc.CreateAPIKey(c.ctx(), api.CreateAPIKeyRequest{Name: body.Name, Groups: body.Groups, ExpiresIn: d, Mutation: c.m})
	}},
	{Method: "DELETE", Path: "/api/v1/api-keys/{account}", Name: "revoke_api_key", Handle: func(c *call) (any, error) {
		return c.svc.RevokeAPIKey(c.ctx(), param(c, "account"), c.m)
	}},

	// Configuration export and import (R-CFG-1, R-PERM-5).
	{Method: "GET", Path: "/api/v1/config", Name: "export_config", Handle: func(c *call) (any, error) {
		return c.svc.ExportConfig(c.ctx())
	}},
	{Method: "POST", Path: "/api/v1/config/import", Name: "import_config", Body: jsonBody, Handle: func(c *call) (any, error) {
		var req api.ImportConfigRequest
		if err := c.decode(&req); err != nil {
			return nil, err
		}
		req.Mutation = c.m
		return c.svc.ImportConfig(c.ctx(), req)
	}},

	// API keys (SPEC §3).
	{Method: "GET", Path: "/api/v1/service-accounts/{account}/keys", Name: "list_keys", Handle: func(c *call) (any, error) {
		return listed(c, func(p api.PageRequest) (api.Page[domain.Key], error) {
			return c.svc.ListKeys(c.ctx(), param(c, "account"), p)
		})
	}},
	{Method: "POST", Path: "/api/v1/service-accounts/{account}/keys", Name: "create_key", Body: jsonBody, Created: true, Handle: func(c *call) (any, error) {
		name, d, err := nameAndExpiry(c)
		if err != nil {
			return nil, err
		}
		return c.svc.CreateKey(c.ctx(), api.CreateKeyRequest{Ref: param(c, "account"), Name: name, ExpiresIn: d, Mutation: c.m})
	}},
	{Method: "POST", Path: "/api/v1/service-accounts/{account}/keys/rotate", Name: "rotate_keys", Created: true, Handle: func(c *call) (any, error) {
		grace, err := duration("grace", c.r.URL.Query().Get("grace"))
		if err != nil {
			return nil, err
		}
		return c.svc.RotateKeys(c.ctx(), api.RotateKeyRequest{Ref: param(c, "account"), Grace: grace,
			DisablePrevious: boolParam(c.r, "disable_previous"), Mutation: c.m})
	}},
	{Method: "DELETE", Path: "/api/v1/service-accounts/{account}/keys/{key}", Name: "delete_key", Handle: func(c *call) (any, error) {
		return c.svc.DeleteKey(c.ctx(), keyRequest(c))
	}},
	{Method: "POST", Path: "/api/v1/service-accounts/{account}/keys/{key}/disable", Name: "disable_key", Handle: func(c *call) (any, error) {
		return c.svc.SetKeyEnabled(c.ctx(), keyRequest(c), false)
	}},
	{Method: "POST", Path: "/api/v1/service-accounts/{account}/keys/{key}/enable", Name: "enable_key", Handle: func(c *call) (any, error) {
		return c.svc.SetKeyEnabled(c.ctx(), keyRequest(c), true)
	}},
	{Method: "POST", Path: "/api/v1/service-accounts/{account}/keys/{key}/reveal", Name: "reveal_key", Handle: func(c *call) (any, error) {
		return c.svc.ShowKey(c.ctx(), keyRequest(c))
	}},
	// R-KEY-13: the key inventory of the whole business.
	{Method: "GET", Path: "/api/v1/keys", Name: "list_all_keys", Handle: func(c *call) (any, error) {
		q := c.r.URL.Query()
		var req api.ListAllKeysRequest
		for i, dst := range []**time.Duration{&req.ExpiringWithin, &req.UnusedFor} {
			if name := [...]string{"expiring_within", "unused_for"}[i]; q.Has(name) {
				d, err := duration(name, q.Get(name))
				if err != nil {
					return nil, err
				}
				*dst = &d
			}
		}
		return listed(c, func(p api.PageRequest) (api.Page[domain.KeyInventoryItem], error) {
			req.PageRequest = p
			return c.svc.ListAllKeys(c.ctx(), req)
		})
	}},

	// Signed tokens (SPEC §4).
	{Method: "POST", Path: "/api/v1/tokens", Name: "mint_token", Body: jsonBody, Created: true, Handle: func(c *call) (any, error) {
		if c.m.DryRun {
			return nil, domain.Invalidf("minting a token has no dry run")
		}
		var body struct {
			TTL       string `json:"ttl"`
			Execution string `json:"execution"`
		}
		if err := c.decode(&body); err != nil {
			return nil, err
		}
		ttl, err := duration("ttl", body.TTL)
		if err != nil {
			return nil, err
		}
		return c.svc.MintToken(c.ctx(), api.MintTokenRequest{TTL: ttl, Execution: body.Execution})
	}},
	{Method: "POST", Path: "/api/v1/tokens/signing-key/rotate", Name: "rotate_signing_key", Handle: func(c *call) (any, error) {
		id, err := c.svc.RotateSigningKey(c.ctx(), c.m)
		return map[string]string{"signing_key": id}, err
	}},
	{Method: "GET", Path: "/api/v1/tokens", Name: "list_tokens", Handle: func(c *call) (any, error) {
		return listed(c, func(p api.PageRequest) (api.Page[domain.TokenRecord], error) {
			return c.svc.ListTokens(c.ctx(), p)
		})
	}},
	{Method: "DELETE", Path: "/api/v1/tokens/{token}", Name: "revoke_token", Handle: func(c *call) (any, error) {
		return c.svc.RevokeToken(c.ctx(), param(c, "token"), c.m)
	}},

	// Introspection (R-SRV-3): the hot path.
	{Method: "POST", Path: "/api/v1/auth/introspect", Name: "introspect", Body: jsonOrFormBody, Handle: introspect},
	// Forward auth for proxies (R-SRV-8): any method, see forwardauth.go.
	{Method: "GET", Path: "/api/v1/auth/check", Name: "check", Forward: true},
	// Kubernetes webhook token authentication (R-SRV-9).
	{Method: "POST", Path: "/api/v1/auth/tokenreview", Name: "tokenreview", Body: jsonBody, Handle: tokenReview},

	// Groups (R-PERM-*).
	{Method: "GET", Path: "/api/v1/groups", Name: "list_groups", Handle: func(c *call) (any, error) {
		return listed(c, func(p api.PageRequest) (api.Page[domain.Group], error) {
			return c.svc.ListGroups(c.ctx(), p)
		})
	}},
	{Method: "POST", Path: "/api/v1/groups", Name: "create_group", Body: jsonBody, Created: true, Handle: func(c *call) (any, error) {
		var req api.CreateGroupRequest
		if err := c.decode(&req); err != nil {
			return nil, err
		}
		req.Mutation = c.m
		return c.svc.CreateGroup(c.ctx(), req)
	}},
	{Method: "GET", Path: "/api/v1/groups/{group}", Name: "get_group", Handle: func(c *call) (any, error) {
		return c.svc.GetGroup(c.ctx(), param(c, "group"))
	}},
	{Method: "PATCH", Path: "/api/v1/groups/{group}", Name: "update_group", Body: jsonBody, Handle: func(c *call) (any, error) {
		var req api.UpdateGroupRequest
		if err := c.decode(&req); err != nil {
			return nil, err
		}
		req.Name, req.Mutation = param(c, "group"), c.m
		return c.svc.UpdateGroup(c.ctx(), req)
	}},
	{Method: "DELETE", Path: "/api/v1/groups/{group}", Name: "delete_group", Handle: func(c *call) (any, error) {
		return c.svc.DeleteGroup(c.ctx(), param(c, "group"), c.m)
	}},

	// Users (R-USER-*).
	{Method: "GET", Path: "/api/v1/users", Name: "list_users", Handle: func(c *call) (any, error) {
		q := c.r.URL.Query()
		return listed(c, func(p api.PageRequest) (api.Page[domain.User], error) {
			return c.svc.ListUsers(c.ctx(), api.ListUsersRequest{Removed: q.Get("removed") == "true",
				Group: q.Get("group"), PageRequest: p})
		})
	}},
	{Method: "POST", Path: "/api/v1/users", Name: "create_user", Body: jsonBody, Created: true, Handle: func(c *call) (any, error) {
		var req api.CreateUserRequest
		if err := c.decode(&req); err != nil {
			return nil, err
		}
		req.Mutation = c.m
		return c.svc.CreateUser(c.ctx(), req)
	}},
	{Method: "GET", Path: "/api/v1/users/search", Name: "search_users", Handle: func(c *call) (any, error) {
		q := c.r.URL.Query()
		n, _ := strconv.Atoi(q.Get("max"))
		all, err := c.svc.SearchPrincipals(c.ctx(), api.SearchRequest{Prefix: q.Get("prefix"),
			IncludeServiceAccounts: q.Get("include_service_accounts") == "true", Limit: n})
		return bounded(c, "search", func(a domain.Account) string { return a.ID }, all, err)
	}},
	{Method: "GET", Path: "/api/v1/users/{user}", Name: "get_user", Handle: func(c *call) (any, error) {
		return c.svc.GetUser(c.ctx(), param(c, "user"))
	}},
	{Method: "PATCH", Path: "/api/v1/users/{user}", Name: "update_user", Body: jsonBody, Handle: func(c *call) (any, error) {
		var req api.UpdateUserRequest
		if err := c.decode(&req); err != nil {
			return nil, err
		}
		req.Ref, req.Mutation = param(c, "user"), c.m
		return c.svc.UpdateUser(c.ctx(), req)
	}},
	{Method: "DELETE", Path: "/api/v1/users/{user}", Name: "remove_user", Handle: func(c *call) (any, error) {
		return c.svc.RemoveUser(c.ctx(), param(c, "user"), c.m)
	}},
	{Method: "PUT", Path: "/api/v1/users/{ref}/groups", Name: "set_user_groups", Body: jsonBody, Handle: changeGroups(api.GroupsSet, true)},
	{Method: "POST", Path: "/api/v1/users/{ref}/groups", Name: "add_user_groups", Body: jsonBody, Handle: changeGroups(api.GroupsAdd, true)},
	{Method: "DELETE", Path: "/api/v1/users/{ref}/groups", Name: "remove_user_groups", Handle: changeGroups(api.GroupsRemove, true)},
	{Method: "GET", Path: "/api/v1/users/{user}/tokens", Name: "list_user_tokens", Handle: func(c *call) (any, error) {
		return listed(c, func(p api.PageRequest) (api.Page[domain.UserToken], error) {
			return c.svc.ListUserTokens(c.ctx(), param(c, "user"), p)
		})
	}},
	{Method: "POST", Path: "/api/v1/users/{user}/tokens", Name: "create_user_token", Body: jsonBody, Created: true, Handle: func(c *call) (any, error) {
		name, d, err := nameAndExpiry(c)
		if err != nil {
			return nil, err
		}
		return c.svc.CreateUserToken(c.ctx(), api.CreateUserTokenRequest{Ref: param(c, "user"), Name: name, ExpiresIn: d, Mutation: c.m})
	}},
	{Method: "DELETE", Path: "/api/v1/users/{user}/tokens/{token}", Name: "revoke_user_token", Handle: func(c *call) (any, error) {
		return c.svc.RevokeUserToken(c.ctx(), param(c, "user"), param(c, "token"), c.m)
	}},
	{Method: "GET", Path: "/api/v1/seats", Name: "seats", Handle: func(c *call) (any, error) {
		return c.svc.Seats(c.ctx())
	}},

	// Businesses and settings.
	{Method: "GET", Path: "/api/v1/businesses", Name: "list_businesses", Handle: func(c *call) (any, error) {
		return listed(c, func(p api.PageRequest) (api.Page[domain.Business], error) {
			return c.svc.ListBusinesses(c.ctx(), p)
		})
	}},
	{Method: "POST", Path: "/api/v1/businesses", Name: "create_business", Body: jsonBody, Created: true, Handle: func(c *call) (any, error) {
		var req api.CreateBusinessRequest
		if err := c.decode(&req); err != nil {
			return nil, err
		}
		req.Mutation = c.m
		return c.svc.CreateBusiness(c.ctx(), req)
	}},
	{Method: "GET", Path: "/api/v1/settings", Name: "get_settings", Handle: func(c *call) (any, error) {
		all, err := c.svc.GetSettings(c.ctx())
		return bounded(c, "settings", func(s api.Setting) string { return s.Key }, all, err)
	}},
	{Method: "PUT", Path: "/api/v1/settings/{key}", Name: "set_setting", Body: jsonBody, Handle: func(c *call) (any, error) {
		var body struct {
			Value string `json:"value"`
		}
		if err := c.decode(&body); err != nil {
			return nil, err
		}
		return c.svc.SetSetting(c.ctx(), api.SetSettingRequest{Key: param(c, "key"), Value: body.Value, Mutation: c.m})
	}},

	// Audit (R-AUD-3): pages of at most domain.MaxPage events, oldest first;
	// the cursor holds a sequence number. newest=N answers the first page of the
	// newest N; the rest follow from its cursor like any page.
	{Method: "GET", Path: "/api/v1/audit", Name: "list_audit", Handle: func(c *call) (any, error) {
		f, err := auditFilter(c.r.URL.Query())
		if err != nil {
			return nil, err
		}
		p := api.Page[domain.AuditEvent]{Items: make([]domain.AuditEvent, 0, min(f.PageSize, 64))}
		if err := c.svc.ListAudit(c.ctx(), f, func(e domain.AuditEvent) error {
			p.Items = append(p.Items, e)
			return nil
		}); err != nil {
			return nil, err
		}
		if len(p.Items) == f.PageSize && (f.Limit == 0 || f.Limit > f.PageSize) {
			next := domain.EncodeCursor(api.AuditCursor, strconv.FormatInt(p.Items[len(p.Items)-1].Seq, 10))
			p.NextCursor = &next
		}
		return p, nil
	}},
	// R-AUD-2: the chain recomputed; a broken chain is a 200 with ok false.
	{Method: "GET", Path: "/api/v1/audit/verify", Name: "verify_audit", Handle: func(c *call) (any, error) {
		return c.svc.VerifyAudit(c.ctx())
	}},
}

// introspect answers RFC 7662 style: JSON {"token": …} or form token=….
func introspect(c *call) (any, error) {
	var token string
	if c.media == mediaForm {
		data, err := readBody(c.r)
		if err != nil {
			return nil, err
		}
		form, err := url.ParseQuery(string(data))
		if err != nil || !utf8.Valid(data) {
			return nil, domain.Invalidf("invalid form body")
		}
		// RFC 6749 §3.2: a parameter is never sent twice.
		if len(form["token"]) > 1 {
			return nil, domain.Invalidf("give \"token\" once")
		}
		token = form.Get("token")
	} else {
		var body struct {
			Token         string `json:"token"`
			TokenTypeHint string `json:"token_type_hint,omitempty"`
		}
		if err := c.decode(&body); err != nil {
			return nil, err
		}
		token = body.Token
	}
	if token == "" {
		return nil, domain.Invalidf("give the credential to check as \"token\"")
	}
	return c.svc.Verify(c.ctx(), token)
}

// Routes lists the API's method and path pairs (for the OpenAPI check).
func Routes() [][2]string {
	out := make([][2]string, 0, len(routes)+len(oauthRoutes))
	for _, r := range routes {
		out = append(out, [2]string{r.Method, r.Path})
	}
	for _, r := range oauthRoutes {
		out = append(out, [2]string{r.Method, r.Path})
	}
	return out
}
