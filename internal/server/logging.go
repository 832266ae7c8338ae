package server

import (
	"log/slog"
	"net/http"
	"time"
)

// Request logs (R-SRV-7). One line per request, at info, except the probes
// (/healthz, /readyz), which a load balancer or kubelet sends every few
// seconds: at debug, so they do not drown the log. The fields are listed in
// docs/operations.md; durations carry their unit in their name.

// probeRoutes are logged at debug only.
var probeRoutes = map[string]bool{"healthz": true, "readyz": true}

func (s *Server) observe(name string, r *http.Request, code int, start time.Time, principal string) {
	d := time.Since(start)
	s.requests.WithLabelValues(name, itoa(code)).Inc()
	s.latency.WithLabelValues(name).Observe(d.Seconds())
	level := slog.LevelInfo
	if probeRoutes[name] {
		level = slog.LevelDebug
	}
	if !s.cfg.Logger.Enabled(r.Context(), level) {
		return
	}
	// Never the Authorization header, never a body: credentials live there.
	// request_id is added by requestHandler.
	attrs := []slog.Attr{
		slog.String("method", r.Method), slog.String("route", name), slog.String("path", redactPath(r.URL.Path)),
		slog.Int("status", code), slog.Float64("duration_ms", durationMS(d)), slog.String("remote", clientIP(r)),
		slog.String("principal", principal),
	}
	if ri := requestInfoOf(r.Context()); ri != nil && ri.peer != ri.client {
		attrs = append(attrs, slog.String("peer", ri.peer)) // a trusted proxy's address
	}
	s.cfg.Logger.LogAttrs(r.Context(), level, "request", attrs...)
}

// durationMS is d in milliseconds, to the microsecond.
func durationMS(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
