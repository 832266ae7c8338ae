package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sactl/sactl/cmd"
	"github.com/sactl/sactl/internal/api"
	"github.com/sactl/sactl/internal/cmdutil"
	"github.com/sactl/sactl/internal/domain"
	"github.com/sactl/sactl/internal/iostreams"
	"github.com/sactl/sactl/internal/server"
	"github.com/sactl/sactl/internal/service"
	"github.com/sactl/sactl/internal/testdb"
)

// needNginx finds an nginx with the auth_request module: the test is
// skipped without one, except under CI=true, where it fails.
func needNginx(t *testing.T) string {
	t.Helper()
	missing := func(why string) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s: CI must install nginx (Debian's nginx package has auth_request)", why)
		}
		t.Skip(why)
	}
	bin, err := exec.LookPath("nginx")
	if err != nil {
		for _, p := range []string{"/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx"} {
			if _, err := os.Stat(p); err == nil {
				bin = p
			}
		}
	}
	if bin == "" {
		missing("nginx is not installed")
	}
	out, err := exec.Command(bin, "-V").CombinedOutput()
	if err != nil {
		missing(fmt.Sprintf("nginx -V: %v: %s", err, out))
	}
	if !strings.Contains(string(out), "--with-http_auth_request_module") {
		missing("this nginx has no auth_request module")
	}
	return bin
}

// freePort is a loopback port free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// nginxConf is the configuration docs/integrations.md shows, with the
// test's ports and a temporary prefix. The identity headers are set at the
// server level, so every proxied location inherits them, and so that a
// client's own X-Sactl-* headers never reach the application.
const nginxConf = `
daemon off;
master_process on;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log info;
{user}
events { worker_connections 64; }
http {
    access_log {dir}/access.log;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;

    upstream sactl { server 127.0.0.1:{sactl}; keepalive 16; }
    upstream app   { server 127.0.0.1:{app}; }

    server {
        listen 127.0.0.1:{port};

        # What sactl found, handed to the application; a client's own
        # X-Sactl-* headers are overwritten.
        proxy_set_header X-Sactl-Principal    $sactl_principal;
        proxy_set_header X-Sactl-Principal-Id $sactl_principal_id;
        proxy_set_header X-Sactl-Business     $sactl_business;
        proxy_set_header X-Sactl-Permissions  $sactl_permissions;
        proxy_set_header Authorization        "";

        location / {
            auth_request /_sactl/check;
            auth_request_set $sactl_principal    $upstream_http_x_sactl_principal;
            auth_request_set $sactl_principal_id $upstream_http_x_sactl_principal_id;
            auth_request_set $sactl_business     $upstream_http_x_sactl_business;
            auth_request_set $sactl_permissions  $upstream_http_x_sactl_permissions;
            proxy_pass http://app;
        }
        location /reports/ {
            auth_request /_sactl/check/reports;
            auth_request_set $sactl_principal    $upstream_http_x_sactl_principal;
            auth_request_set $sactl_principal_id $upstream_http_x_sactl_principal_id;
            auth_request_set $sactl_business     $upstream_http_x_sactl_business;
            auth_request_set $sactl_permissions  $upstream_http_x_sactl_permissions;
            proxy_pass http://app;
        }

        location = /_sactl/check {
            internal;
            proxy_pass http://sactl/api/v1/auth/check;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header X-Original-URI $request_uri;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
        location = /_sactl/check/reports {
            internal;
            proxy_pass http://sactl/api/v1/auth/check?require=reports:view;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header X-Original-URI $request_uri;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
`

// startNginx runs nginx in the foreground on the configuration and stops
// it when the test ends. As root, its workers run as the current user
// and group (the default, nobody, could not use the temporary directory).
func startNginx(t *testing.T, bin string, sactlPort, appPort int) string {
	t.Helper()
	dir := t.TempDir()
	port := freePort(t)
	userLine := ""
	if os.Geteuid() == 0 {
		u, err := user.Current()
		if err != nil {
			t.Fatal(err)
		}
		g, err := user.LookupGroupId(u.Gid)
		if err != nil {
			t.Fatal(err)
		}
		userLine = fmt.Sprintf("user %s %s;", u.Username, g.Name)
	}
	conf := strings.NewReplacer("{dir}", dir, "{user}", userLine, "{sactl}", fmt.Sprint(sactlPort),
		"{app}", fmt.Sprint(appPort), "{port}", fmt.Sprint(port)).Replace(nginxConf)
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	errLog := filepath.Join(dir, "error.log")
	// -e: the error log before the configuration is read (nginx ≥ 1.19.5),
	// so nothing is written under /var/log.
	cmd := exec.Command(bin, "-p", dir, "-c", confPath, "-e", errLog)
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM) // fast shutdown of the master and its workers
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			log, _ := os.ReadFile(errLog)
			t.Logf("nginx output: %s\nerror.log:\n%s", out, log)
		}
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case err := <-done:
			log, _ := os.ReadFile(errLog)
			t.Fatalf("nginx exited: %v: %s\n%s", err, out, log)
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return "http://" + addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx did not listen on %s: %s", addr, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// seen is what the application behind nginx was handed.
type seen struct {
	Principal, PrincipalID, Business, Permissions, Authorization, Method, Body string
}

// TestNginxAuthRequest puts sactl's forward auth (R-SRV-8) behind a real
// nginx auth_request, in front of an application that reports what it
// was handed.
func TestNginxAuthRequest(t *testing.T) { // R-SRV-8, P-3
	bin := needNginx(t)
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "sactl.db")
	st, err := testdb.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	mk := service.LocalMasterKey(db)
	local := service.New(st, service.LocalActor("tester"), "", service.WithMasterKey(mk))
	if _, err := local.CreateGroup(ctx, api.CreateGroupRequest{Name: "crm", Permissions: domain.Permissions{
		"contacts": domain.LevelEdit, "deals": domain.LevelView}}); err != nil {
		t.Fatal(err)
	}
	if _, err := local.CreateGroup(ctx, api.CreateGroupRequest{Name: "reporting", Permissions: domain.Permissions{
		"reports": domain.LevelView}}); err != nil {
		t.Fatal(err)
	}
	account := func(name string, groups ...string) (string, string) {
		t.Helper()
		c, err := local.CreateAccount(ctx, api.CreateAccountRequest{Name: name, Groups: groups})
		if err != nil {
			t.Fatal(err)
		}
		return c.Key.Secret, c.ID
	}
	crm, crmID := account("CRM sync", "crm")
	reporter, _ := account("Reporter", "crm", "reporting")
	paused, _ := account("Paused", "crm")
	if _, err := local.SuspendAccount(ctx, "paused", api.Mutation{Confirmed: true}); err != nil {
		t.Fatal(err)
	}

	// sactl serve, in process, on its own loopback port.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := server.New(server.Config{Store: st, MasterKey: mk}).HTTPServer(ln.Addr().String())
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })

	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		json.NewEncoder(w).Encode(seen{Principal: r.Header.Get("X-Sactl-Principal"), PrincipalID: r.Header.Get("X-Sactl-Principal-Id"),
			Business: r.Header.Get("X-Sactl-Business"), Permissions: r.Header.Get("X-Sactl-Permissions"),
			Authorization: r.Header.Get("Authorization"), Method: r.Method, Body: string(body)})
	}))
	t.Cleanup(app.Close)

	base := startNginx(t, bin, ln.Addr().(*net.TCPAddr).Port, app.Listener.Addr().(*net.TCPAddr).Port)
	client := &http.Client{Timeout: 10 * time.Second}
	call := func(method, path, token, body string, hdr ...string) (int, http.Header, seen) {
		t.Helper()
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, _ := http.NewRequest(method, base+path, rd)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		var s seen
		if resp.StatusCode == 200 {
			if err := json.Unmarshal(data, &s); err != nil {
				t.Fatalf("%s %s: the application's answer: %v: %s", method, path, err, data)
			}
		}
		return resp.StatusCode, resp.Header, s
	}

	t.Run("a valid key reaches the application with its identity", func(t *testing.T) {
		status, _, s := call("GET", "/contacts/42", crm, "", "X-Sactl-Principal", "admin", "X-Sactl-Permissions", "contacts=remove")
		want := seen{Principal: "crm-sync", PrincipalID: crmID, Business: "default", Permissions: "contacts=edit,deals=view", Method: "GET"}
		if status != 200 || s != want {
			t.Errorf("%d, the application saw %+v, want %+v", status, s, want)
		}
	})
	t.Run("a request with a body", func(t *testing.T) {
		status, _, s := call("POST", "/contacts", crm, `{"name":"Ann"}`, "Content-Type", "application/json")
		if status != 200 || s.Method != "POST" || s.Body != `{"name":"Ann"}` || s.Principal != "crm-sync" {
			t.Errorf("%d %+v", status, s)
		}
	})
	t.Run("a bad key gets 401", func(t *testing.T) {
		flipped := []byte(crm)
		flipped[9] ^= 1
		for _, token := range []string{string(flipped), "sak_" + strings.Repeat("A", 49), ""} {
			status, h, _ := call("GET", "/contacts/42", token, "")
			if status != 401 || !strings.HasPrefix(h.Get("WWW-Authenticate"), `Bearer realm="sactl"`) {
				t.Errorf("token %.8q: %d, WWW-Authenticate %q", token, status, h.Get("WWW-Authenticate"))
			}
		}
	})
	t.Run("a suspended account's key gets 403", func(t *testing.T) {
		if status, _, _ := call("GET", "/contacts/42", paused, ""); status != 403 {
			t.Errorf("%d", status)
		}
	})
	t.Run("a key without the location's permission gets 403", func(t *testing.T) {
		if status, _, _ := call("GET", "/reports/q3", crm, ""); status != 403 {
			t.Errorf("crm-sync on /reports/ (require=reports:view): %d", status)
		}
		if status, _, s := call("GET", "/reports/q3", reporter, ""); status != 200 || s.Principal != "reporter" {
			t.Errorf("reporter on /reports/: %d %+v", status, s)
		}
	})
	t.Run("after sa archive the next request is refused", func(t *testing.T) {
		if status, _, _ := call("GET", "/contacts/42", reporter, ""); status != 200 {
			t.Fatalf("before: %d", status)
		}
		// The operator's command, on the database file as a separate
		// command would open it: the server learns of the change from the
		// database, not from its own process (P-3).
		t.Setenv("SACTL_DB", db)
		t.Setenv("XDG_CONFIG_HOME", t.TempDir())
		t.Setenv("XDG_STATE_HOME", t.TempDir())
		t.Setenv("SACTL_PROFILE", "")
		io, _, _, errOut := iostreams.Test()
		if code := cmd.Run(ctx, cmdutil.New(io), []string{"sa", "archive", "reporter", "--yes"}); code != 0 {
			t.Fatalf("sactl sa archive reporter --yes: exit %d: %s", code, errOut)
		}
		if status, _, _ := call("GET", "/contacts/42", reporter, ""); status != 403 {
			t.Errorf("after: %d, want 403", status)
		}
	})
}
