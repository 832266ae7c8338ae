package server

import (
	"net/http"
	"runtime"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sactl/sactl/internal/build"
)

// buildInfo is sactl_build_info{version,commit,go_version} 1 (R-SRV-7): a
// dashboard or an alert can tell which build each replica runs.
func buildInfo() prometheus.Collector {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "sactl_build_info", Help: "The running sactl build; always 1.",
	}, []string{"version", "commit", "go_version"})
	commit := build.Commit
	if commit == "" {
		commit = "unknown"
	}
	g.WithLabelValues(build.Version, commit, runtime.Version()).Set(1)
	return g
}

// MetricsHandler serves the server's metrics (Prometheus text format), for
// a separate metrics listener (Config.SeparateMetrics).
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics())
	return mux
}

func (s *Server) metrics() http.Handler { return promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}) }

func itoa(code int) string { return strconv.Itoa(code) }
