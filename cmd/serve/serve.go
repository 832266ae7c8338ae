// Package serve holds "sactl serve": the REST server (SPEC §9).
package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os/signal"
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
}

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
database. SIGTERM and SIGINT stop the server gracefully: in-flight requests
finish, then it exits 0.` + cmdutil.ExitStatusHelp,
		Example: "  sactl serve --listen 127.0.0.1:7070 --db /srv/sactl.db",
		Args:    cmdutil.ExactArgs(0, "no arguments"),
		RunE: func(c *cobra.Command, args []string) error {
			if (o.TLSCert == "") != (o.TLSKey == "") {
				return cmdutil.FlagErrorf("give both --tls-cert and --tls-key, or neither")
			}
			if o.CheckHeader != "" && !server.ValidHeaderName(o.CheckHeader) {
				return cmdutil.FlagErrorf("invalid --check-header %q: give a header name, e.g. X-Api-Key", o.CheckHeader)
			}
			if err := server.CheckIssuer(o.Issuer); err != nil {
				return cmdutil.FlagErrorf("invalid --issuer: %v", err)
			}
			ctx, stop := signal.NotifyContext(c.Context(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			return run(ctx, f, o)
		},
	}
	cmd.Flags().StringVar(&o.Listen, "listen", "127.0.0.1:7070", "address to listen on")
	cmd.Flags().StringVar(&o.TLSCert, "tls-cert", "", "TLS certificate file")
	cmd.Flags().StringVar(&o.TLSKey, "tls-key", "", "TLS private key file")
	cmd.Flags().Var(cmdutil.DurationFlag(&o.ShutdownTimeout, 30*time.Second), "shutdown-timeout", "how long in-flight requests may take to finish on shutdown, e.g. 30s, 2m, 1d")
	cmd.Flags().StringVar(&o.CheckHeader, "check-header", "", "a header forward auth (/api/v1/auth/check) reads the credential from when a request has it, besides Authorization: Bearer (default: Authorization only)")
	cmd.Flags().StringVar(&o.Issuer, "issuer", "", "the public base URL of this server, the OAuth2 issuer (e.g. https://sactl.example.com; default: the scheme and Host of each request)")
	cmd.AddCommand(newCmdInit(f))
	return cmd
}

func run(ctx context.Context, f *cmdutil.Factory, o Options) error {
	path, err := f.LocalDatabase("serve")
	if err != nil {
		return err
	}
	// R-KEY-10: a master key that does not open the database's sealed data
	// stops the server before it listens.
	if err := f.NeedMasterKey(path); err != nil {
		return err
	}
	st, err := f.OpenStore(ctx, path)
	if err != nil {
		return err
	}
	defer st.Close()
	mk := f.MasterKey(path)
	logger := slog.New(slog.NewJSONHandler(f.IOStreams.ErrOut, nil))
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
		CheckHeader: o.CheckHeader, Issuer: o.Issuer})
	hs := srv.HTTPServer(o.Listen)
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return err
	}
	scheme := "http"
	if o.TLSCert != "" {
		scheme = "https"
	}
	logger.Info("listening", "url", scheme+"://"+ln.Addr().String(), "db", cmdutil.RedactedDatabase(path))
	errc := make(chan error, 1)
	go func() {
		if o.TLSCert != "" {
			errc <- hs.ServeTLS(ln, o.TLSCert, o.TLSKey)
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), o.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	stopUsage()
	<-usageDone
	logger.Info("stopped")
	return nil
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
