package serve

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sactl/sactl/internal/cmdutil"
	"github.com/sactl/sactl/internal/server"
)

// choiceFlag is a flag with a fixed set of values.
type choiceFlag struct {
	v       *string
	choices []string
}

func newChoiceFlag(v *string, def string, choices ...string) *choiceFlag {
	*v = def
	return &choiceFlag{v: v, choices: choices}
}

func (f *choiceFlag) String() string { return *f.v }
func (f *choiceFlag) Type() string   { return strings.Join(f.choices, "|") }
func (f *choiceFlag) Set(s string) error {
	for _, c := range f.choices {
		if s == c {
			*f.v = s
			return nil
		}
	}
	return fmt.Errorf("use one of %s", strings.Join(f.choices, ", "))
}

// addrFlag is a listen address, host:port (the host may be empty: all
// interfaces), checked when given rather than when listening.
type addrFlag struct{ v *string }

func (f addrFlag) String() string { return *f.v }
func (f addrFlag) Type() string   { return "host:port" }
func (f addrFlag) Set(s string) error {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("give host:port, such as 127.0.0.1:7070 or :7070")
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || (n == 0 && port != "0") {
		return fmt.Errorf("the port must be a number from 0 to 65535")
	}
	*f.v = s
	return nil
}

// proxiesFlag is --trusted-proxy: repeatable, each a CIDR list.
type proxiesFlag struct{ v *[]netip.Prefix }

func (f proxiesFlag) String() string {
	ss := make([]string, len(*f.v))
	for i, p := range *f.v {
		ss[i] = p.String()
	}
	return strings.Join(ss, ",")
}
func (f proxiesFlag) Type() string { return "cidr" }
func (f proxiesFlag) Set(s string) error {
	ps, err := server.ParseTrustedProxies([]string{s})
	if err != nil {
		return err
	}
	*f.v = append(*f.v, ps...)
	return nil
}

// notForServe are the global flags that do nothing for "serve": it serves
// every business and acts as no principal, and it is a server, not a
// client. They are shadowed by hidden flags that refuse them, so the help
// lists only what applies and giving one is an error, not silently ignored.
var notForServe = map[string]string{
	"as":       "the server acts as each request's credential",
	"business": "the server serves every business",
	"ca-cert":  "it is a client setting; the server's certificate is --tls-cert",
}

func refuseGlobalFlags(cmd *cobra.Command) {
	for name, why := range notForServe {
		cmdutil.RefuseInheritedFlag(cmd, name, why)
	}
}

// newLogger is the server's logger (R-SRV-7): text or JSON lines on w, from
// level up.
func newLogger(w io.Writer, level, format string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level)) // checked by its flag
	opts := &slog.HandlerOptions{Level: l}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
