package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/service"
)

// OAuth2 (R-SRV-10): the client credentials grant (RFC 6749 §4.4), token
// introspection (RFC 7662) and the authorization server's metadata
// (RFC 8414). These routes authenticate their callers themselves (the
// token endpoint's caller is a client, not a bearer) and answer errors in
// RFC 6749 §5.2's shape, {"error":"invalid_client","error_description":"…"};
// everything they decide is the service's.

// The OAuth2 paths.
const (
	oauthTokenPath      = "/oauth2/token"
	oauthIntrospectPath = "/oauth2/introspect"
	oauthMetadataPath   = "/.well-known/oauth-authorization-server"
)

// oauthRoute is one OAuth2 operation: a route (method, path, name, body)
// served by Serve instead of route.Handle.
type oauthRoute struct {
	route
	Serve func(*Server, *oauthCall) (any, error)
}

var oauthRoutes = []oauthRoute{
	{route{Method: "POST", Path: oauthTokenPath, Name: "oauth2_token", Body: formBody}, oauthToken},
	{route{Method: "POST", Path: oauthIntrospectPath, Name: "oauth2_introspect", Body: formBody}, oauthIntrospect},
	{route{Method: "GET", Path: oauthMetadataPath, Name: "oauth2_metadata"}, oauthMetadata},
}

// isOAuthPath reports whether a path is the OAuth2 endpoints': their
// errors, the mux's 404 and 405 included, are in RFC 6749's shape.
func isOAuthPath(p string) bool {
	return strings.HasPrefix(p, "/oauth2/") || p == oauthMetadataPath
}

// oauthCall is one request to an OAuth2 route.
type oauthCall struct {
	r         *http.Request
	w         http.ResponseWriter
	media     string
	principal string // the authenticated caller's id, for the log
}

func (s *Server) wrapOAuth(rt oauthRoute) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		c := &oauthCall{r: r, w: sw}
		defer func() { s.observe(rt.Name, r, sw.code, start, c.principal) }()
		media, err := checkRequest(rt.route, r)
		if err != nil {
			writeOAuthError(sw, err)
			return
		}
		c.media = media
		out, err := rt.Serve(s, c)
		if err != nil {
			if oe, ok := errors.AsType[*api.OAuth2Error](err); !ok && domain.KindOf(err) == domain.KindInternal ||
				ok && oe.Code == api.OAuth2ServerError {
				s.cfg.Logger.LogAttrs(r.Context(), slog.LevelError, "internal error",
					slog.String("route", rt.Name), slog.String("error", domain.RedactMessage(err.Error())))
			}
			writeOAuthError(sw, err)
			return
		}
		writeJSON(sw, http.StatusOK, out)
	})
}

// form reads the request's form body (RFC 6749 §3.2, RFC 7662 §2.1): valid
// UTF-8, and no parameter twice (RFC 6749 §3.1). Unknown parameters are
// ignored, as RFC 6749 §3.1 says. No body is an empty form.
func (c *oauthCall) form() (url.Values, error) {
	if c.media == "" {
		return url.Values{}, nil
	}
	data, err := readBody(c.r)
	if err != nil {
		return nil, err
	}
	form, err := url.ParseQuery(string(data))
	if err != nil || !utf8.Valid(data) {
		return nil, api.OAuth2Errorf(api.OAuth2InvalidRequest, "the body is not a valid application/x-www-form-urlencoded form")
	}
	for k, vs := range form {
		if len(vs) > 1 {
			return nil, api.OAuth2Errorf(api.OAuth2InvalidRequest, "parameter %s is given %d times; give it once", quoteInput(k), len(vs))
		}
		if !utf8.ValidString(k) || !utf8.ValidString(vs[0]) {
			return nil, api.OAuth2Errorf(api.OAuth2InvalidRequest, "the form is not valid UTF-8")
		}
	}
	return form, nil
}

// clientAuth reads a client's authentication (RFC 6749 §2.3.1): HTTP Basic
// with the form-urlencoded client_id and client_secret, or both in the
// form; never both ways. nil when the request has none. basic reports
// whether HTTP Basic was used.
func clientAuth(r *http.Request, form url.Values) (cc *service.ClientCredentials, basic bool, err error) {
	formID, hasID := form["client_id"]
	formSecret, hasSecret := form["client_secret"]
	if h := r.Header.Get("Authorization"); h != "" {
		user, pass, ok := r.BasicAuth()
		if !ok {
			return nil, true, &api.OAuth2Error{Code: api.OAuth2InvalidClient, Reason: "malformed",
				Description: "the Authorization header must be HTTP Basic with the client_id and the client_secret"}
		}
		id, err1 := url.QueryUnescape(user)
		secret, err2 := url.QueryUnescape(pass)
		if err1 != nil || err2 != nil {
			return nil, true, &api.OAuth2Error{Code: api.OAuth2InvalidClient, Reason: "malformed",
				Description: "the HTTP Basic client_id and client_secret must be form-urlencoded (RFC 6749 section 2.3.1)"}
		}
		// A client_id in the form naming the same client is tolerated.
		if hasSecret || (hasID && formID[0] != id) {
			return nil, true, api.OAuth2Errorf(api.OAuth2InvalidRequest,
				"the client authenticates with HTTP Basic or with client_id and client_secret in the body, not both")
		}
		return &service.ClientCredentials{ID: id, Secret: secret}, true, nil
	}
	switch {
	case hasID && hasSecret:
		return &service.ClientCredentials{ID: formID[0], Secret: formSecret[0]}, false, nil
	case hasSecret:
		return nil, false, api.OAuth2Errorf(api.OAuth2InvalidRequest, "client_secret is given without client_id")
	case hasID:
		return nil, false, &api.OAuth2Error{Code: api.OAuth2InvalidClient, Reason: "missing",
			Description: "client_id is given without client_secret; every client authenticates with an API key of its account"}
	}
	return nil, false, nil
}

// noClient is the error of a request without client authentication.
func noClient(what string) *api.OAuth2Error {
	return &api.OAuth2Error{Code: api.OAuth2InvalidClient, Reason: "missing",
		Description: "no client authentication: " + what}
}

// clientFailed calls authFailed when err is a failed client authentication.
func (s *Server) clientFailed(r *http.Request, err error) {
	if oe, ok := errors.AsType[*api.OAuth2Error](err); ok &&
		(oe.Code == api.OAuth2InvalidClient || oe.Code == api.OAuth2UnauthorizedClient) {
		s.authFailed(r, oe.Reason)
	}
}

// tokenResponse is RFC 6749 §5.1's answer.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	Scope       string `json:"scope,omitempty"`
}

// oauthToken is POST /oauth2/token: the client credentials grant.
func oauthToken(s *Server, c *oauthCall) (any, error) {
	form, err := c.form()
	if err != nil {
		return nil, err
	}
	cc, _, err := clientAuth(c.r, form)
	if err != nil {
		s.clientFailed(c.r, err)
		return nil, err
	}
	switch gt := form.Get("grant_type"); gt {
	case "client_credentials":
	case "":
		return nil, api.OAuth2Errorf(api.OAuth2InvalidRequest, "grant_type is missing: send grant_type=client_credentials")
	default:
		return nil, api.OAuth2Errorf(api.OAuth2UnsupportedGrantType,
			"grant_type %s is not supported: this server grants client_credentials only", quoteInput(gt))
	}
	if cc == nil {
		err := noClient("send HTTP Basic, or client_id and client_secret in the body")
		s.clientFailed(c.r, err)
		return nil, err
	}
	g, err := s.auth.OAuth2Token(c.r.Context(), *cc, form.Get("scope"))
	if err != nil {
		s.clientFailed(c.r, err)
		return nil, err
	}
	c.principal = g.PrincipalID
	// RFC 6749 §5.1: the answer holds a credential; nothing may keep it.
	c.w.Header().Set("Pragma", "no-cache")
	return tokenResponse{AccessToken: g.Token, TokenType: "Bearer",
		ExpiresIn: int64(g.ExpiresAt.Sub(g.IssuedAt) / time.Second), Scope: g.Scope}, nil
}

// introspection is RFC 7662 §2.2's answer; an inactive credential is
// {"active":false} and nothing else. business and credential_type are
// sactl's own members (RFC 7662 allows them).
type introspection struct {
	Active         bool   `json:"active"`
	Scope          string `json:"scope,omitempty"`
	ClientID       string `json:"client_id,omitempty"`
	Username       string `json:"username,omitempty"`
	TokenType      string `json:"token_type,omitempty"`
	Exp            int64  `json:"exp,omitempty"`
	Iat            int64  `json:"iat,omitempty"`
	Sub            string `json:"sub,omitempty"`
	Iss            string `json:"iss,omitempty"`
	Jti            string `json:"jti,omitempty"`
	Business       string `json:"business,omitempty"`
	CredentialType string `json:"credential_type,omitempty"`
}

// oauthIntrospect is POST /oauth2/introspect (RFC 7662). The caller
// authenticates with a bearer credential, as for /api/v1/auth/introspect,
// or as a client (HTTP Basic, or client_id and client_secret in the form,
// like the token endpoint); either way it needs introspection=view
// (R-PERM-10). The answer comes from the same verification, through the
// same cache, as /api/v1/auth/introspect's.
func oauthIntrospect(s *Server, c *oauthCall) (any, error) {
	form, err := c.form()
	if err != nil {
		return nil, err
	}
	ctx := c.r.Context()
	var caller domain.Verification
	if strings.HasPrefix(c.r.Header.Get("Authorization"), "Bearer ") {
		if form.Has("client_id") || form.Has("client_secret") {
			return nil, api.OAuth2Errorf(api.OAuth2InvalidRequest,
				"the caller authenticates with a bearer credential or as a client, not both")
		}
		v, reason, err := s.verifyBearer(c.r)
		if reason != "" {
			s.authFailed(c.r, reason)
		}
		if err != nil {
			if domain.KindOf(err) == domain.KindInternal {
				return nil, err
			}
			return nil, &api.OAuth2Error{Code: api.OAuth2InvalidToken, Reason: reason, Description: err.Error()}
		}
		caller = v
	} else {
		cc, _, err := clientAuth(c.r, form)
		if err == nil && cc == nil {
			err = noClient("send Authorization: Bearer with a credential holding introspection=view, or HTTP Basic client credentials")
		}
		if err == nil {
			caller, err = s.auth.AuthenticateClient(ctx, *cc)
		}
		if err != nil {
			s.clientFailed(c.r, err)
			return nil, err
		}
	}
	c.principal = caller.Principal.ID
	token := form.Get("token")
	if token == "" {
		return nil, api.OAuth2Errorf(api.OAuth2InvalidRequest, "give the token to check as the token parameter")
	}
	// token_type_hint may be ignored (RFC 7662 §2.1): a credential's
	// prefix says what it is.
	v, err := s.auth.AsVerified(caller).Verify(ctx, token)
	if err != nil {
		if domain.KindOf(err) == domain.KindForbidden {
			return nil, &api.OAuth2Error{Code: api.OAuth2InsufficientScope, Description: err.Error()}
		}
		return nil, err
	}
	return s.introspection(c.r, v), nil
}

// introspection words a verification in RFC 7662's terms.
func (s *Server) introspection(r *http.Request, v domain.Verification) introspection {
	if !v.Active || v.Principal == nil || v.Credential == nil {
		return introspection{}
	}
	p, cr := v.Principal, v.Credential
	out := introspection{Active: true, Scope: v.Permissions.Scope(), Username: p.Name, TokenType: "Bearer",
		Sub: p.ID, Iss: s.issuer(r), Jti: cr.ID, Business: v.Business, CredentialType: cr.Type}
	if p.AccountType.IsService() {
		out.ClientID = p.APIName // what the token endpoint takes as client_id
	}
	if cr.ExpiresAt != nil {
		out.Exp = cr.ExpiresAt.Unix()
	}
	if cr.IssuedAt != nil {
		out.Iat = cr.IssuedAt.Unix()
	}
	return out
}

// metadata is RFC 8414 §2's authorization server metadata.
type metadata struct {
	Issuer                string `json:"issuer"`
	TokenEndpoint         string `json:"token_endpoint"`
	IntrospectionEndpoint string `json:"introspection_endpoint"`
	// REQUIRED by RFC 8414, although this server has no authorization
	// endpoint: it supports no response type, so the list is empty.
	ResponseTypesSupported                    []string `json:"response_types_supported"`
	GrantTypesSupported                       []string `json:"grant_types_supported"`
	TokenEndpointAuthMethodsSupported         []string `json:"token_endpoint_auth_methods_supported"`
	IntrospectionEndpointAuthMethodsSupported []string `json:"introspection_endpoint_auth_methods_supported"`
	ServiceDocumentation                      string   `json:"service_documentation,omitempty"`
}

// oauthMetadata is GET /.well-known/oauth-authorization-server. It needs
// no credential and names no business: scopes_supported is left out,
// since a business's application permission keys are its own.
func oauthMetadata(s *Server, c *oauthCall) (any, error) {
	iss := s.issuer(c.r)
	return metadata{
		Issuer: iss, TokenEndpoint: iss + oauthTokenPath, IntrospectionEndpoint: iss + oauthIntrospectPath,
		ResponseTypesSupported:                    []string{},
		GrantTypesSupported:                       []string{"client_credentials"},
		TokenEndpointAuthMethodsSupported:         []string{"client_secret_basic", "client_secret_post"},
		IntrospectionEndpointAuthMethodsSupported: []string{"client_secret_basic", "client_secret_post", "Bearer"},
	}, nil
}

// issuer is the OAuth2 issuer: the configured one, else the request's
// scheme and Host (RFC 8414 §2: no query, no fragment).
func (s *Server) issuer(r *http.Request) string {
	if s.cfg.Issuer != "" {
		return strings.TrimSuffix(s.cfg.Issuer, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// CheckIssuer checks a configured issuer (sactl serve --issuer): an
// absolute http or https URL without query or fragment (RFC 8414 §2).
func CheckIssuer(iss string) error {
	if iss == "" {
		return nil
	}
	u, err := url.Parse(iss)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return fmt.Errorf("%s is not an http or https URL such as https://sactl.example.com", quoteInput(iss))
	}
	if u.RawQuery != "" || u.Fragment != "" || strings.Contains(iss, "?") || strings.Contains(iss, "#") {
		return fmt.Errorf("%s has a query or fragment; an issuer has neither (RFC 8414)", quoteInput(iss))
	}
	return nil
}

// oauthStatus is the HTTP status of an OAuth2 error code.
func oauthStatus(code string) int {
	switch code {
	case api.OAuth2InvalidClient, api.OAuth2InvalidToken:
		return http.StatusUnauthorized
	case api.OAuth2InsufficientScope:
		return http.StatusForbidden
	case api.OAuth2ServerError:
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}

// writeOAuthError answers an error in RFC 6749 §5.2's shape. invalid_client
// is a 401 with WWW-Authenticate: Basic (RFC 6749 §5.2 wants it when the
// client used Basic, and RFC 7235 wants one on every 401); the bearer
// caller of introspection gets RFC 6750's Bearer challenge.
func writeOAuthError(w http.ResponseWriter, err error) {
	e, status := oauthErrorOf(err)
	switch e.Code {
	case api.OAuth2InvalidClient:
		w.Header().Set("WWW-Authenticate", `Basic realm="sactl", charset="UTF-8"`)
	case api.OAuth2InvalidToken:
		w.Header().Set("WWW-Authenticate", `Bearer realm="sactl", error="invalid_token"`)
	case api.OAuth2InsufficientScope:
		w.Header().Set("WWW-Authenticate", `Bearer realm="sactl", error="insufficient_scope"`)
	}
	e.Description = oauthText(domain.RedactMessage(e.Description))
	writeJSON(w, status, e)
}

// oauthErrorOf is the OAuth2 error and status of any error: the service's
// OAuth2 errors as they are, a malformed request (405, 413, 415 and the
// rest) as invalid_request, an internal error as server_error, never its
// text.
func oauthErrorOf(err error) (api.OAuth2Error, int) {
	if oe, ok := errors.AsType[*api.OAuth2Error](err); ok {
		return *oe, oauthStatus(oe.Code)
	}
	if re, ok := errors.AsType[*requestError](err); ok {
		return api.OAuth2Error{Code: api.OAuth2InvalidRequest, Description: re.err.Msg}, re.status
	}
	if de, ok := errors.AsType[*domain.Error](err); ok {
		switch de.Kind {
		case domain.KindInternal:
		case domain.KindUnauthenticated:
			return api.OAuth2Error{Code: api.OAuth2InvalidClient, Description: de.Msg}, http.StatusUnauthorized
		case domain.KindForbidden:
			return api.OAuth2Error{Code: api.OAuth2UnauthorizedClient, Description: de.Msg}, http.StatusBadRequest
		default:
			return api.OAuth2Error{Code: api.OAuth2InvalidRequest, Description: de.Msg}, api.StatusOf(de.Kind)
		}
	}
	return api.OAuth2Error{Code: api.OAuth2ServerError, Description: "internal error"}, http.StatusInternalServerError
}

// oauthText makes a message fit error_description, which RFC 6749 §5.2
// limits to printable ASCII without '"' and '\': double quotes become
// single ones, a backslash a slash, an ellipsis three dots, and any other
// character outside the set a '?'.
func oauthText(s string) string {
	s = strings.ReplaceAll(s, "…", "...") // what clipped input ends with
	return strings.Map(func(r rune) rune {
		switch {
		case r == '"':
			return '\''
		case r == '\\':
			return '/'
		case r < 0x20 || r > 0x7e:
			return '?'
		}
		return r
	}, s)
}
