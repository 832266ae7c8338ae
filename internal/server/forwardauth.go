package server

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/service"
)

// Forward auth (R-SRV-8): a proxy (nginx auth_request, Traefik
// ForwardAuth, Envoy's HTTP ext_authz) asks, for each request it is about
// to pass on, whether the credential the request carries may pass. The
// service decides (service.Check); this maps its answer to HTTP: 200 with
// the identity headers, 401 with WWW-Authenticate, 403, or 400 for a
// requirement that does not parse.
//
// Any method is taken, and any path below the route's: Envoy's ext_authz
// sends the original request's method, and its path after the configured
// path_prefix. A body is refused as on every route that reads none
// (R-SRV-4): a proxy sends the check without the original body.

// checkPatterns are the mux patterns of a forward-auth route: its path
// and everything below it, for every method.
func checkPatterns(rt route) []string { return []string{rt.Path, rt.Path + "/"} }

func (s *Server) forwardAuth(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		principal := ""
		defer func() { s.observe(rt.Name, r, sw.code, start, principal) }()
		if _, err := checkRequest(rt, r); err != nil {
			writeError(sw, err)
			return
		}
		req := service.CheckRequest{Require: domain.Permissions{}, Business: r.Header.Get(api.BusinessHeader)}
		// Requirements add up wherever they are stated: a client can only
		// make a check stricter, never looser.
		for _, list := range [][]string{r.URL.Query()["require"], r.Header.Values(api.RequireHeader)} {
			for _, v := range list {
				if err := domain.ParseRequirements(req.Require, v); err != nil {
					writeError(sw, err)
					return
				}
			}
		}
		cred, ok := s.checkCredential(r)
		if !ok {
			s.authFailed(r, "missing")
			also := ""
			if s.cfg.CheckHeader != "" {
				also = " or " + s.cfg.CheckHeader + ": <credential>"
			}
			writeError(sw, domain.Unauthenticatedf("missing credential: send Authorization: Bearer <sak_… | sat_… | sau_…>%s", also))
			return
		}
		req.Credential = cred
		v, err := s.auth.Check(r.Context(), req)
		if err != nil {
			if !v.Active && v.Reason != "" {
				s.authFailed(r, v.Reason) // R-SRV-4; never for a valid credential
			}
			if domain.KindOf(err) == domain.KindInternal {
				s.cfg.Logger.LogAttrs(r.Context(), slog.LevelError, "internal error",
					slog.String("route", rt.Name), slog.String("error", domain.RedactMessage(err.Error())))
			}
			writeError(sw, err)
			return
		}
		principal = v.Principal.ID
		h := sw.Header()
		h.Set(api.PrincipalHeader, v.Principal.Handle())
		h.Set(api.PrincipalIDHeader, v.Principal.ID)
		h.Set(api.BusinessHeader, v.Business)
		h.Set(api.PermissionsHeader, v.Permissions.Granted().String())
		// The answer is in the headers; proxies drop the body, so it is a
		// constant (marshalling the verification would be most of the
		// handler's own cost).
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", "no-store")
		sw.WriteHeader(http.StatusOK)
		sw.Write(checkPassed)
	})
}

var checkPassed = []byte(`{"active":true}` + "\n")

// checkCredential is the credential a forward-auth check is about: the
// configured header's (serve --check-header), bare or as "Bearer …", when
// the request has it, else the Authorization header's bearer credential.
func (s *Server) checkCredential(r *http.Request) (string, bool) {
	if name := s.cfg.CheckHeader; name != "" {
		if v := r.Header.Get(name); v != "" {
			if c, ok := strings.CutPrefix(v, "Bearer "); ok {
				v = strings.TrimLeft(c, " ")
			}
			return v, v != ""
		}
	}
	return bearer(r)
}

// ValidHeaderName reports whether name can name an HTTP header (RFC 9110
// token characters), for serve --check-header.
func ValidHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// tokenReview answers a Kubernetes TokenReview (R-SRV-9) in the apiVersion
// it was asked in. The caller is the cluster's API server, authenticated
// like any caller; the service decides what it may learn (R-PERM-10).
func tokenReview(c *call) (any, error) {
	var in api.TokenReview
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.APIVersion != api.TokenReviewVersion && in.APIVersion != api.TokenReviewV1beta1 {
		return nil, domain.Invalidf("apiVersion must be %s (or %s), not %s", api.TokenReviewVersion, api.TokenReviewV1beta1,
			domain.Quote(in.APIVersion))
	}
	if in.Kind != api.TokenReviewKind {
		return nil, domain.Invalidf("kind must be %s, not %s", api.TokenReviewKind, domain.Quote(in.Kind))
	}
	if in.Spec == nil {
		return nil, domain.Invalidf("give the credential to review as spec.token")
	}
	st, err := c.svc.ReviewToken(c.ctx(), *in.Spec)
	if err != nil {
		return nil, err
	}
	return api.TokenReview{APIVersion: in.APIVersion, Kind: api.TokenReviewKind, Status: &st}, nil
}
