// Package server is sactl's REST API (SPEC §9): HTTP handlers that decode a
// request, call the service as the authenticated principal, and encode the
// result. No rule lives here.
package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	gojson "github.com/goccy/go-json"

	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/service"
)

// MaxBodyBytes is the request body limit (R-SRV-4); MaxImportBytes is the
// limit of a configuration import, a business's whole configuration.
const (
	MaxBodyBytes   = 1 << 20
	MaxImportBytes = 16 << 20
)

// bodyLimit is the body limit of a request to path.
func bodyLimit(path string) int64 {
	if path == "/api/v1/config/import" {
		return MaxImportBytes
	}
	return MaxBodyBytes
}

// Config is what a server needs.
type Config struct {
	Store     *service.DB
	MasterKey service.MasterKey
	// Usage collects last uses (R-KEY-9); New makes one when nil. Whoever
	// runs the server runs Usage.Run beside it.
	Usage  *service.Usage
	Logger *slog.Logger
	Now    func() time.Time
	// CheckHeader is a header forward auth reads the credential from
	// besides Authorization (R-SRV-8, serve --check-header); "" for none.
	CheckHeader string
	// Issuer is the OAuth2 issuer, this server's public base URL (R-SRV-10,
	// RFC 8414); "" derives it from each request's scheme and Host.
	Issuer string
	// TrustedProxies are the peers whose X-Forwarded-For counts (R-SRV-7).
	TrustedProxies []netip.Prefix
	// SeparateMetrics leaves /metrics off the API's handler: it is served
	// elsewhere, by MetricsHandler (--metrics-listen).
	SeparateMetrics bool
}

// Server serves the API over one store.
type Server struct {
	cfg      Config
	auth     *service.Service
	mux      *http.ServeMux
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	authFail *prometheus.CounterVec
	limiter  *failLimiter
}

// New builds a server and its routes.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	// R-SRV-7: every line logged with a request's context names the request.
	cfg.Logger = slog.New(requestHandler{cfg.Logger.Handler()})
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Usage == nil {
		cfg.Usage = service.NewUsage(cfg.Store)
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux(), reg: prometheus.NewRegistry(), limiter: newFailLimiter(cfg.Now)}
	s.auth = service.NewAuthenticator(cfg.Store, service.WithClock(cfg.Now), service.WithMasterKey(cfg.MasterKey),
		service.WithUsage(cfg.Usage))
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sactl_http_requests_total", Help: "HTTP requests by route and status code.",
	}, []string{"route", "code"})
	s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "sactl_http_request_duration_seconds", Help: "HTTP request latency by route.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"route"})
	s.authFail = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sactl_auth_failures_total", Help: "Rejected bearer credentials by reason.",
	}, []string{"reason"})
	s.reg.MustRegister(s.requests, s.latency, s.authFail, buildInfo(),
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	for _, rt := range routes {
		if rt.Forward {
			for _, p := range checkPatterns(rt) {
				s.mux.Handle(p, s.forwardAuth(rt))
			}
			continue
		}
		s.mux.Handle(rt.Method+" "+rt.Path, s.wrap(rt))
	}
	for _, rt := range oauthRoutes {
		s.mux.Handle(rt.Method+" "+rt.Path, s.wrapOAuth(rt))
	}
	s.mux.Handle("GET /healthz", s.plain("healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	}))
	s.mux.Handle("GET /readyz", s.plain("readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := cfg.Store.Ready(r.Context()); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database not ready"})
			return
		}
		// R-KEY-10: not ready while the master key does not open the
		// database's sealed data. The reason goes to the log, not to an
		// unauthenticated caller.
		if _, err := service.CheckMasterKey(r.Context(), cfg.Store, cfg.MasterKey); err != nil {
			cfg.Logger.LogAttrs(r.Context(), slog.LevelError, "master key not usable", slog.String("error", err.Error()))
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "master key not usable"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	}))
	if !cfg.SeparateMetrics {
		s.mux.Handle("GET /metrics", s.metrics())
	}
	// No catch-all "/": it would match every method of every path, and the
	// mux could no longer tell a wrong method (405) from an unknown path.
	return s
}

// Handler is the server's http.Handler.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serve) }

// serve is where every request comes in. The mux answers what no route
// matches (404, or 405 with Allow: R-SRV-4); muxErrorWriter puts those
// answers in the JSON error shape and they are counted as the routes
// not_found and method_not_allowed.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	// R-SRV-7: the request's id and client address, decided once, before
	// anything logs or counts a failure.
	ri := &requestInfo{id: requestID(r)}
	ri.client, ri.peer = clientAddress(r.RemoteAddr, r.Header.Values("X-Forwarded-For"), s.cfg.TrustedProxies)
	w.Header().Set(RequestIDHeader, ri.id)
	r = r.WithContext(withRequestInfo(r.Context(), ri))
	// R-SRV-4: the body limit. Given the connection's own writer, an
	// oversized body also closes the connection after the answer.
	r.Body = http.MaxBytesReader(w, r.Body, bodyLimit(r.URL.Path))
	mw := &muxErrorWriter{ResponseWriter: w, r: r}
	s.mux.ServeHTTP(mw, r)
	switch mw.code {
	case http.StatusNotFound:
		s.observe("not_found", r, mw.code, start, "")
	case http.StatusMethodNotAllowed:
		s.observe("method_not_allowed", r, mw.code, start, "")
	}
}

// HTTPServer wraps the handler with the timeouts of R-SRV-4.
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr: addr, Handler: s.Handler(),
		ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 15 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second,
		ErrorLog: slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelWarn),
	}
}

// statusWriter remembers the status code for logs and metrics.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

// credentialRE matches what looks like a credential (R-KEY-1, R-TOK-1,
// R-USER-2) in a path segment, where a caller may paste one by mistake.
var credentialRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`sa[ktu]_[^/]*`) })

// redactPath keeps a logged path free of credentials: never in logs.
func redactPath(p string) string {
	if !strings.Contains(p, "_") {
		return p
	}
	return credentialRE().ReplaceAllStringFunc(p, func(m string) string { return m[:4] + "REDACTED" })
}

func (s *Server) plain(name string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		h(sw, r)
		s.observe(name, r, sw.code, start, "")
	})
}

// call is one authenticated request.
type call struct {
	r     *http.Request
	svc   *service.Service
	m     api.Mutation
	media string // the body's media type, "" without a body (checkRequest)
}

func (c *call) ctx() context.Context { return c.r.Context() }

// decode reads the JSON body (R-SRV-4: one object, no unknown fields, no
// trailing data, at most MaxBodyBytes).
func (c *call) decode(v any) error { return decodeJSON(c.r, v) }

func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		principal := ""
		defer func() { s.observe(rt.Name, r, sw.code, start, principal) }()
		media, err := checkRequest(rt, r)
		if err != nil {
			writeError(sw, err)
			return
		}
		v, err := s.authenticate(r)
		if err != nil {
			writeError(sw, err)
			return
		}
		principal = v.Principal.ID
		if cr := v.Credential; cr != nil && cr.ExpiresAt != nil {
			// Lets a client warn before its own credential expires (R-KEY-16).
			sw.Header().Set(api.CredentialExpiresHeader, cr.ExpiresAt.UTC().Format(time.RFC3339))
		}
		biz := v.Business
		if err := service.InBusiness(v, r.Header.Get(api.BusinessHeader)); err != nil {
			writeError(sw, err)
			return
		}
		c := &call{r: r, media: media, m: api.Mutation{DryRun: boolParam(r, "dry_run"), Confirmed: boolParam(r, "confirm"), PlanDigest: planDigestParam(r)}}
		actor := service.Actor{PrincipalID: v.Principal.ID, Credential: &domain.ActorCredential{
			Type: v.Credential.Type, ID: v.Credential.ID, Execution: v.Credential.Execution}, Verified: &v}
		c.svc = service.New(s.cfg.Store, actor, biz,
			service.WithClock(s.cfg.Now), service.WithMasterKey(s.cfg.MasterKey), service.WithUsage(s.cfg.Usage))
		out, err := rt.Handle(c)
		if err != nil {
			if domain.KindOf(err) == domain.KindInternal {
				s.cfg.Logger.LogAttrs(r.Context(), slog.LevelError, "internal error",
					slog.String("route", rt.Name), slog.String("error", domain.RedactMessage(err.Error())))
			}
			writeError(sw, err)
			return
		}
		code := http.StatusOK
		if rt.Created && !c.m.DryRun {
			code = http.StatusCreated
		}
		if out == nil {
			sw.WriteHeader(http.StatusNoContent)
			return
		}
		writeJSON(sw, code, out)
	})
}

func boolParam(r *http.Request, name string) bool {
	v, _ := strconv.ParseBool(r.URL.Query().Get(name))
	return v
}

// authenticate checks the bearer credential (R-SRV-2). A failure is
// counted against the client's address and, past its budget, answered late
// (R-SRV-4); verification comes first, so a valid credential never waits.
func (s *Server) authenticate(r *http.Request) (domain.Verification, error) {
	v, reason, err := s.verifyBearer(r)
	if reason != "" {
		s.authFailed(r, reason)
	}
	return v, err
}

// authFailed counts a failed authentication (a bearer credential, a
// forward-auth check, an OAuth2 client) against the client's address and
// waits as long as its failures say (R-SRV-4).
func (s *Server) authFailed(r *http.Request, reason string) {
	if reason == "" {
		reason = "unknown"
	}
	s.authFail.WithLabelValues(reason).Inc()
	s.limiter.failed(r.Context(), clientIP(r))
}

// bearer is the request's bearer credential (R-SRV-2).
func bearer(r *http.Request) (string, bool) {
	cred, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	cred = strings.TrimLeft(cred, " ") // RFC 6750: "Bearer" 1*SP token
	return cred, ok && cred != ""
}

// verifyBearer verifies the request's credential; reason is set when it
// failed to authenticate.
func (s *Server) verifyBearer(r *http.Request) (v domain.Verification, reason string, err error) {
	cred, ok := bearer(r)
	if !ok {
		return v, "missing", domain.Unauthenticatedf("missing bearer credential: send Authorization: Bearer <sak_… | sat_… | sau_…>")
	}
	v, err = s.auth.Verify(r.Context(), cred)
	if err != nil {
		return v, "", err
	}
	if err := service.Authenticated(v); err != nil {
		return v, v.Reason, err
	}
	return v, "", nil
}

func writeError(w http.ResponseWriter, err error) {
	var de *domain.Error
	body := api.ErrorBody{Error: api.ErrorDetail{Code: string(domain.KindInternal), Message: "internal error"}}
	if errors.As(err, &de) {
		// R-CLI-4: a second layer over the domain constructors' own.
		body.Error = api.ErrorDetail{Code: string(de.Kind), Message: domain.RedactMessage(de.Msg),
			Hint: domain.RedactMessage(de.Hint), Confirmation: de.Confirm}
	}
	if body.Error.Code == string(domain.KindUnauthenticated) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="sactl"`)
	}
	status := api.StatusOf(domain.Kind(body.Error.Code))
	if re, ok := errors.AsType[*requestError](err); ok {
		status = re.status // R-SRV-4: 405, 413, 415 are invalid requests too
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	// goccy/go-json: what encoding/json writes, in a third of the time
	// (introspection answers, list pages; P-1, P-4).
	b, err := gojson.Marshal(v)
	if err != nil {
		code, b = http.StatusInternalServerError, []byte(`{"error":{"code":"internal","message":"internal error"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	w.Write(append(b, '\n'))
}
