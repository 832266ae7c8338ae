// Package serve holds "sactl serve": the REST server (SPEC §9).
package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/sactl/sactl/internal/cmdutil"
	"github.com/sactl/sactl/internal/server"
	"github.com/sactl/sactl/internal/service"
	"github.com/spf13/cobra"
)

// Options are the inputs of "sactl serve".
type Options struct {
	Listen, TLSCert, TLSKey string
	ShutdownTimeout         time.Duration
	CheckHeader             string // R-SRV-8: forward auth reads the credential from it too
	Issuer                  string // R-SRV-10: the OAuth2 issuer URL; "" derives it from each request
	// R-SRV-7
	LogLevel, LogFormat string
	TrustedProxies      []netip.Prefix
	MetricsListen       string
	SettingsFile        string
}

// settingsFileFlag names the YAML file of serve's settings; its own
// variable is read before the others, since it says where they may be.
const settingsFileFlag = "serve-config"

// NewCmdServe is "sactl serve".
func NewCmdServe(f *cmdutil.Factory) *cobra.Command {
	var o Options
	cmd := &cobra.Command{
		Use:   "serve [--listen <addr>] [--db <file>] [--tls-cert <file> --tls-key <file>] [--master-key-file <file>]",
		Short: "Serve the REST API",
		Long: `Serve every sactl operation under /api/v1/, plus /healthz, /readyz and
/metrics (Prometheus). Requests authenticate with Authorization: Bearer and
an API key (sak_), a signed token (sat_) or a user token (sau_); run
"sactl serve init" once to get the first admin token.

The master key that seals stored secrets comes from --master-key-file, else
SACTL_MASTER_KEY (base64 of 32 bytes), else a 0600 file next to the
database.

Every flag can also be set with an environment variable, SACTL_ and the
flag's name in upper case with "_" for "-" (SACTL_LISTEN, SACTL_TLS_CERT,
SACTL_TRUSTED_PROXY, ...; the database is SACTL_DB), or in the YAML file of
--serve-config (keys are the flags' names). A flag beats its variable,
which beats the file.

Each request has an id: the caller's X-Request-Id when well-formed, else a
new one; it is sent back in X-Request-Id and is on every log line of the
request. Behind a load balancer or proxy, --trusted-proxy names the peers
whose X-Forwarded-For says who the client is.

SIGHUP reloads the TLS certificate and key (kept when the new ones do not
load) without closing the listener. SIGTERM and SIGINT stop the server
gracefully: in-flight requests finish, then it exits 0. See
docs/operations.md.` + cmdutil.ExitStatusHelp,
		Example: `  sactl serve --listen 127.0.0.1:7070 --db /srv/sactl.db
  SACTL_LISTEN=:7443 SACTL_TLS_CERT=/etc/sactl/tls.crt SACTL_TLS_KEY=/etc/sactl/tls.key sactl serve
  sactl serve --trusted-proxy 10.0.0.0/8 --metrics-listen 127.0.0.1:9090 --log-format text`,
		Args: cmdutil.ExactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			// Caught from here on: SIGHUP's default would kill the server.
			hup := make(chan os.Signal, 1)
			signal.Notify(hup, syscall.SIGHUP)
			defer signal.Stop(hup)
			if err := bindSettings(c); err != nil {
				return err
			}
			if (o.TLSCert == "") != (o.TLSKey == "") {
				return cmdutil.FlagErrorf("give both --tls-cert and --tls-key, or neither")
			}
			if o.CheckHeader != "" && !server.ValidHeaderName(o.CheckHeader) {
				return cmdutil.FlagErrorf("invalid --check-header %q: give a header name, e.g. X-Api-Key", o.CheckHeader)
			}
			if err := server.CheckIssuer(o.Issuer); err != nil {
				return cmdutil.FlagErrorf("invalid --issuer: %v", err)
			}
			if o.MetricsListen != "" && o.MetricsListen == o.Listen && !strings.HasSuffix(o.Listen, ":0") {
				return cmdutil.FlagErrorf("--metrics-listen must differ from --listen")
			}
			ctx, stop := signal.NotifyContext(c.Context(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			return run(ctx, f, o, hup)
		},
	}
	fl := cmd.Flags()
	o.Listen = "127.0.0.1:7070"
	fl.Var(addrFlag{&o.Listen}, "listen", "address to listen on")
	fl.StringVar(&o.TLSCert, "tls-cert", "", "TLS certificate file (PEM, the chain after the leaf); SIGHUP reloads it")
	fl.StringVar(&o.TLSKey, "tls-key", "", "TLS private key file (PEM)")
	fl.Var(cmdutil.DurationFlag(&o.ShutdownTimeout, 30*time.Second), "shutdown-timeout", "how long in-flight requests may take to finish on shutdown, e.g. 30s, 2m, 1d")
	fl.Var(newChoiceFlag(&o.LogLevel, "info", "debug", "info", "warn", "error"), "log-level", "least severe level logged (probes are logged at debug)")
	fl.Var(newChoiceFlag(&o.LogFormat, "json", "json", "text"), "log-format", "log lines as JSON objects or as key=value text")
	fl.Var(proxiesFlag{&o.TrustedProxies}, "trusted-proxy", "CIDR range of proxies whose X-Forwarded-For counts (repeatable, or comma-separated)")
	fl.Var(addrFlag{&o.MetricsListen}, "metrics-listen", "serve /metrics on this address instead of on --listen")
	fl.StringVar(&o.SettingsFile, settingsFileFlag, "", "YAML file of serve's settings, keyed by flag name")
	fl.StringVar(&o.CheckHeader, "check-header", "", "a header forward auth (/api/v1/auth/check) reads the credential from when a request has it, besides Authorization: Bearer (default: Authorization only)")
	fl.StringVar(&o.Issuer, "issuer", "", "the public base URL of this server, the OAuth2 issuer (e.g. https://sactl.example.com; default: the scheme and Host of each request)")
	refuseGlobalFlags(cmd)
	cmd.AddCommand(newCmdInit(f))
	return cmd
}

// bindSettings gives every serve flag not on the command line its value
// from its SACTL_ variable or the settings file (R-SRV-7), through the one
// binding cmdutil.BindEnv. --db and --profile keep the variables the
// factory reads for every command (SACTL_DB, SACTL_PROFILE).
func bindSettings(c *cobra.Command) error {
	fs := c.Flags()
	sf := fs.Lookup(settingsFileFlag)
	if !sf.Changed {
		if v := os.Getenv(cmdutil.EnvName(settingsFileFlag)); v != "" {
			_ = sf.Value.Set(v)
		}
	}
	return cmdutil.BindEnv(fs, sf.Value.String(), "db", "profile", settingsFileFlag)
}

func run(ctx context.Context, f *cmdutil.Factory, o Options, hup <-chan os.Signal) error {
	path, err := f.LocalDatabase("serve")
	if err != nil {
		return err
	}
	// R-KEY-10: a master key that does not open the database's sealed data
	// stops the server before it listens.
	if err := f.NeedMasterKey(path); err != nil {
		return err
	}
	var certs *server.CertReloader
	if o.TLSCert != "" {
		if certs, err = server.NewCertReloader(o.TLSCert, o.TLSKey); err != nil {
			return err
		}
	}
	st, err := f.OpenStore(ctx, path)
	if err != nil {
		return err
	}
	defer st.Close()
	mk := f.MasterKey(path)
	logger := newLogger(f.IOStreams.ErrOut, o.LogLevel, o.LogFormat)
	// R-KEY-9: last uses are written in batches beside the listener, and
	// once more after the last request has finished.
	usage := service.NewUsage(st)
	uctx, stopUsage := context.WithCancel(context.Background())
	usageDone := make(chan struct{})
	go func() {
		defer close(usageDone)
		usage.Run(uctx, service.UsageFlushEvery, func(err error) {
			logger.Warn("recording last use failed; retrying", "error", err.Error())
		})
	}()
	defer func() { stopUsage(); <-usageDone }()
	srv := server.New(server.Config{Store: st, MasterKey: mk, Usage: usage, Logger: logger, Now: f.Now,
		CheckHeader: o.CheckHeader, Issuer: o.Issuer,
		TrustedProxies: o.TrustedProxies, SeparateMetrics: o.MetricsListen != ""})
	hs := srv.HTTPServer(o.Listen)
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return err
	}
	scheme := "http"
	if certs != nil {
		scheme = "https"
		hs.TLSConfig = certs.TLSConfig()
	}
	errc := make(chan error, 2)
	var ms *http.Server
	if o.MetricsListen != "" {
		mln, err := net.Listen("tcp", o.MetricsListen)
		if err != nil {
			ln.Close()
			return fmt.Errorf("metrics listener: %w", err)
		}
		ms = &http.Server{Handler: srv.MetricsHandler(), ReadHeaderTimeout: 5 * time.Second,
			ReadTimeout: 15 * time.Second, WriteTimeout: 30 * time.Second,
			ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
		logger.Info("metrics listening", "url", "http://"+mln.Addr().String()+"/metrics")
		go func() { errc <- ms.Serve(mln) }()
	}
	logger.Info("listening", "url", scheme+"://"+ln.Addr().String(), "db", cmdutil.RedactedDatabase(path),
		"trusted_proxies", len(o.TrustedProxies))
	go func() {
		if certs != nil {
			errc <- hs.ServeTLS(ln, "", "")
		} else {
			errc <- hs.Serve(ln)
		}
	}()
wait:
	for {
		select {
		case err := <-errc:
			return err
		case <-hup:
			reloadCertificate(logger, certs)
		case <-ctx.Done():
			break wait
		}
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), o.ShutdownTimeout)
	defer cancel()
	if ms != nil {
		ms.Shutdown(sctx)
	}
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	servers := 1
	if ms != nil {
		servers++
	}
	for range servers {
		if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	stopUsage()
	<-usageDone
	logger.Info("stopped")
	return nil
}

// reloadCertificate is SIGHUP (R-SRV-7): the certificate and key files are
// read again; new connections get the new certificate, and when they do
// not load, the old one stays in use and the error is logged.
func reloadCertificate(logger *slog.Logger, certs *server.CertReloader) {
	if certs == nil {
		logger.Info("SIGHUP: no TLS certificate to reload")
		return
	}
	leaf, err := certs.Reload()
	if err != nil {
		logger.Error("TLS certificate reload failed; the previous certificate stays in use", "error", err.Error())
		return
	}
	logger.Info("TLS certificate reloaded", "subject", leaf.Subject.String(), "serial", leaf.SerialNumber.String(),
		"not_after", leaf.NotAfter.UTC().Format(time.RFC3339))
}

func newCmdInit(f *cmdutil.Factory) *cobra.Command {
	var email string
	cmd := &cobra.Command{
		Use:   "init [--email <email>]",
		Short: "Create the first admin user and print its token once",
		Long: `Create the first administrator of the business (a user in the admins group)
and print a user token for it on stdout, once. Refuses when the business
already has user tokens. Pipe it into "sactl profile add --token-stdin".` + cmdutil.ExitStatusHelp,
		Example: "  sactl serve init --db /srv/sactl.db | sactl profile add prod --server http://127.0.0.1:7070 --token-stdin --use",
		Args:    cmdutil.ExactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			path, err := f.LocalDatabase("serve init")
			if err != nil {
				return err
			}
			if err := f.NeedMasterKey(path); err != nil {
				return err
			}
			st, err := f.OpenStore(c.Context(), path)
			if err != nil {
				return err
			}
			defer st.Close()
			svc := service.New(st, service.LocalActor(cmdutil.OSUser()), f.BusinessName(),
				service.WithClock(f.Now), service.WithMasterKey(f.MasterKey(path)))
			u, tok, err := svc.InitAdmin(c.Context(), email)
			if err != nil {
				return err
			}
			if cmdutil.IsServerDatabase(path) {
				// Make the master key file now, to copy to every replica
				// before any starts, so none ever makes its own (R-KEY-10).
				if err := svc.SealDataKey(c.Context()); err != nil {
					return err
				}
			}
			fmt.Fprintln(f.IOStreams.Out, tok.Secret)
			fmt.Fprintf(f.IOStreams.ErrOut, "created admin user %s with token %s: store it now, it is not shown again\n", u.Email, tok.ID)
			return nil
		},
	}
	cmd.Flags().StringVar(&email, "email", "", "the admin's email (default admin@<business domain>)")
	return cmd
}
