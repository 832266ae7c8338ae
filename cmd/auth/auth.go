// Package auth holds "sactl auth": checking credentials.
package auth

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/sactl/sactl/internal/cmdutil"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/output"
	"github.com/spf13/cobra"
)

// NewCmdAuth is "sactl auth".
func NewCmdAuth(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "auth <command>",
		Short: "Check credentials",
		Long:  "Check API keys and signed tokens." + cmdutil.ExitStatusHelp,
	}
	cmd.AddCommand(newCmdVerify(f))
	return cmd
}

// maxCredential bounds what is read: keys are 53 bytes, tokens at most 4 KiB.
const maxCredential = 8 << 10

func newCmdVerify(f *cmdutil.Factory) *cobra.Command {
	opts := cmdutil.NewBase(f)
	var file string
	cmd := &cobra.Command{
		Use:   "verify [--credential-file <file>]",
		Short: "Check an API key or signed token, read from stdin or a file",
		Long: `Check an API key (sak_…) or signed token (sat_…) as a server would: print
its principal, business, status and effective permissions, and exit 0 only
if it authenticates now. Otherwise the result says why (malformed, unknown,
expired, disabled_key, account_not_active, …) and the exit status is 4.

The credential is read from stdin or --credential-file, never from the
command line, where shell history and process lists would keep it.
Successful checks record the key's last use (at most once a minute).` + cmdutil.ExitStatusHelp,
		Example: `  sactl auth verify < key.txt
  sactl auth verify --credential-file ~/.secrets/zapier.key -o json
  printenv ZAPIER_KEY | sactl auth verify`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return cmdutil.FlagErrorf("credentials are never taken as arguments: pipe it on stdin or use --credential-file")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			cred, err := readCredential(opts, file)
			if err != nil {
				return err
			}
			backend, err := opts.Backend(c.Context())
			if err != nil {
				return err
			}
			v, err := backend.Verify(c.Context(), cred)
			if err != nil {
				return err
			}
			if err := opts.Print(v, func() error { return printVerification(opts, v) }); err != nil {
				return err
			}
			if !v.Active {
				return domain.Unauthenticatedf("credential rejected: %s", v.Explain())
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&file, "credential-file", "", "read the credential from this file")
	cmdutil.AddOutputFlag(cmd, &opts)
	return cmd
}

func readCredential(opts cmdutil.Base, file string) (string, error) {
	var r io.Reader = opts.IO.In
	if file != "" {
		fh, err := os.Open(file)
		if err != nil {
			return "", fmt.Errorf("read credential file %s: %w", file, errors.Unwrap(err))
		}
		defer fh.Close()
		r = fh
	} else if opts.IO.IsStdinTTY() {
		fmt.Fprintln(opts.IO.ErrOut, "Paste the credential and press Enter:")
	}
	line, err := bufio.NewReaderSize(io.LimitReader(r, maxCredential), maxCredential).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read credential: %w", err)
	}
	line = strings.TrimSpace(line)
	if line == "" {
		return "", domain.Invalidf("no credential given: pipe it on stdin or use --credential-file")
	}
	return line, nil
}

func printVerification(opts cmdutil.Base, v domain.Verification) error {
	d := output.NewDetail(opts.IO)
	d.Add("active", fmt.Sprint(v.Active))
	if v.Reason != "" {
		d.Add("reason", v.Reason)
	}
	if v.Principal != nil {
		who := v.Principal.Name
		if v.Principal.APIName != "" { // users have none
			who += " (" + v.Principal.APIName + ")"
		}
		d.Add("principal", who)
		d.Add("principal_id", v.Principal.ID)
		d.Add("account_type", string(v.Principal.AccountType))
		d.Add("business", v.Business)
		d.Add("status", string(v.Status))
	}
	if v.Credential != nil {
		d.Add("credential", v.Credential.Type+" "+v.Credential.ID)
		d.Add("expires_at", output.FormatTime(opts.IO, v.Credential.ExpiresAt, opts.Now()))
	}
	for _, k := range v.Permissions.Keys() {
		d.Add("permission "+k, v.Permissions[k].String())
	}
	return d.Render()
}
