package cmd_test

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// writeCert writes a fresh self-signed certificate for 127.0.0.1 and its
// key to certFile and keyFile, and returns its serial number.
func writeCert(t *testing.T, certFile, keyFile string) *big.Int {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: "sactl test " + serial.String()},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	// Written to temporary names and renamed, as a certificate manager does.
	for file, block := range map[string]*pem.Block{certFile: {Type: "CERTIFICATE", Bytes: der}, keyFile: {Type: "EC PRIVATE KEY", Bytes: kb}} {
		if err := os.WriteFile(file+".new", pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(file+".new", file); err != nil {
			t.Fatal(err)
		}
	}
	return serial
}

// opsServer is a "sactl serve" process configured by environment variables
// only, its log read line by line.
type opsServer struct {
	t       *testing.T
	cmd     *exec.Cmd
	lines   chan map[string]any
	all     strings.Builder
	metrics chan string // the URL of "metrics listening"
}

func startOpsServer(t *testing.T, env []string) (*opsServer, string) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a server process")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "sactl")
	if err := os.Symlink(exe, bin); err != nil {
		t.Fatal(err)
	}
	s := &opsServer{t: t, cmd: exec.Command(bin, "serve"), lines: make(chan map[string]any, 1000), metrics: make(chan string, 1)}
	s.cmd.Env = env
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.cmd.Process.Kill(); s.cmd.Wait() })
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			s.all.WriteString(sc.Text() + "\n")
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) != nil {
				m = map[string]any{"msg": "not json: " + sc.Text()}
			}
			if u, ok := m["url"].(string); ok && m["msg"] == "metrics listening" {
				s.metrics <- u
			}
			s.lines <- m
		}
		close(s.lines)
	}()
	url, _ := s.wait("listening")["url"].(string)
	return s, url
}

// wait returns the next log line whose msg is msg.
func (s *opsServer) wait(msg string) map[string]any {
	s.t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case m, ok := <-s.lines:
			if !ok {
				s.t.Fatalf("the server exited before logging %q", msg)
			}
			if m["msg"] == msg {
				return m
			}
		case <-timeout:
			s.t.Fatalf("no %q logged within 20s", msg)
		}
	}
}

// opsEnv is the process environment with every SACTL_ variable of the
// test's own environment removed, plus kv.
func opsEnv(dir string, kv ...string) []string {
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "SACTL_") {
			env = append(env, e)
		}
	}
	return append(env, append([]string{"GORACE=atexit_sleep_ms=0", "HOME=" + dir,
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "config")}, kv...)...)
}

// tlsGet sends GET path over conn (HTTP/1.1, keep-alive) and returns the
// status code.
func tlsGet(t *testing.T, conn *tls.Conn, br *bufio.Reader, path string) int {
	t.Helper()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", path); err != nil {
		t.Fatalf("write on the old connection: %v", err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("read on the old connection: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func servedSerial(t *testing.T, addr string) (*tls.Conn, *big.Int) {
	t.Helper()
	conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true}) // the serial is what is checked
	if err != nil {
		t.Fatalf("TLS handshake: %v", err)
	}
	return conn, conn.ConnectionState().PeerCertificates[0].SerialNumber
}

// R-SRV-7: "sactl serve" configured by environment variables alone; SIGHUP
// after the certificate files were replaced serves the new certificate on
// new connections while the listener and an open connection keep working;
// a reload that fails keeps the certificate in use; SIGTERM still stops the
// server gracefully.
func TestServeFromEnvironmentReloadsCertificateOnSIGHUP(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	first := writeCert(t, certFile, keyFile)
	env := opsEnv(dir,
		"SACTL_DB="+filepath.Join(dir, "sactl.db"),
		"SACTL_LISTEN=127.0.0.1:0",
		"SACTL_TLS_CERT="+certFile,
		"SACTL_TLS_KEY="+keyFile,
		"SACTL_SHUTDOWN_TIMEOUT=10s",
		"SACTL_LOG_FORMAT=json",
		"SACTL_LOG_LEVEL=debug",
		"SACTL_TRUSTED_PROXY=127.0.0.1/32",
	)
	s, url := startOpsServer(t, env)
	addr, ok := strings.CutPrefix(url, "https://")
	if !ok {
		t.Fatalf("SACTL_TLS_CERT did not make an https listener: %q\n%s", url, s.all.String())
	}
	old, serial := servedSerial(t, addr)
	defer old.Close()
	oldReader := bufio.NewReader(old)
	if serial.Cmp(first) != 0 {
		t.Fatalf("served serial %v, want %v", serial, first)
	}
	if code := tlsGet(t, old, oldReader, "/healthz"); code != 200 {
		t.Fatalf("healthz: %d", code)
	}
	// SACTL_LOG_LEVEL=debug: the probe is logged, at debug.
	if m := s.wait("request"); m["route"] != "healthz" || m["level"] != "DEBUG" {
		t.Fatalf("the probe's line: %v", m)
	}

	second := writeCert(t, certFile, keyFile)
	if err := s.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if m := s.wait("TLS certificate reloaded"); m["serial"] != second.String() {
		t.Fatalf("reload logged %v, want serial %v", m, second)
	}
	fresh, serial := servedSerial(t, addr)
	fresh.Close()
	if serial.Cmp(second) != 0 {
		t.Fatalf("after SIGHUP a new connection got serial %v, want the new %v", serial, second)
	}
	if code := tlsGet(t, old, oldReader, "/healthz"); code != 200 {
		t.Fatalf("the connection opened before SIGHUP: %d", code)
	}

	// A broken certificate file: logged, and the one in use stays.
	if err := os.WriteFile(certFile, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s.cmd.Process.Signal(syscall.SIGHUP)
	if m := s.wait("TLS certificate reload failed; the previous certificate stays in use"); m["level"] != "ERROR" {
		t.Fatalf("failed reload logged as %v", m)
	}
	fresh, serial = servedSerial(t, addr)
	fresh.Close()
	if serial.Cmp(second) != 0 {
		t.Fatalf("after a failed reload the served serial is %v, want %v", serial, second)
	}

	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	s.wait("stopped")
	if err := s.cmd.Wait(); err != nil {
		t.Fatalf("serve exited with %v after SIGTERM, want 0\n%s", err, s.all.String())
	}
}

// R-SRV-7 end to end: a well-formed X-Request-Id comes back and is on the
// request's log line, a malformed one is replaced; probes are not logged at
// info; behind a trusted proxy the log shows the forwarded client.
func TestServeRequestIDsAndProbeLogging(t *testing.T) {
	dir := t.TempDir()
	s, url := startOpsServer(t, opsEnv(dir,
		"SACTL_DB="+filepath.Join(dir, "sactl.db"),
		"SACTL_LISTEN=127.0.0.1:0",
		"SACTL_TRUSTED_PROXY=127.0.0.0/8",
		"SACTL_METRICS_LISTEN=127.0.0.1:0",
	))
	// SACTL_METRICS_LISTEN: /metrics there, with sactl_build_info, and not
	// on the API's address.
	metrics := <-s.metrics
	if resp, err := http.Get(metrics); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %v %v", metrics, resp, err)
	} else {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), "sactl_build_info{") {
			t.Errorf("no sactl_build_info on the metrics listener:\n%s", b)
		}
	}
	if resp, err := http.Get(url + "/metrics"); err != nil || resp.StatusCode != 404 {
		t.Errorf("/metrics on the API address with SACTL_METRICS_LISTEN: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	if m := s.wait("request"); m["route"] != "not_found" {
		t.Fatalf("the API's /metrics answer: %v", m)
	}
	send := func(path string, hdr ...string) string {
		t.Helper()
		req, _ := http.NewRequest("GET", url+path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.Header.Get("X-Request-Id")
	}
	for range 3 {
		send("/healthz")
		send("/readyz")
	}
	if got := send("/api/v1/service-accounts", "X-Request-Id", "lb-7f3a-0001", "X-Forwarded-For", "198.51.100.9"); got != "lb-7f3a-0001" {
		t.Fatalf("a well-formed X-Request-Id came back as %q", got)
	}
	replaced := send("/api/v1/service-accounts", "X-Request-Id", "bad id\twith tab")
	if len(replaced) != 32 || strings.ContainsAny(replaced, " \t") {
		t.Fatalf("a malformed X-Request-Id came back as %q", replaced)
	}
	for _, want := range []struct{ id, remote string }{{"lb-7f3a-0001", "198.51.100.9"}, {replaced, "127.0.0.1"}} {
		m := s.wait("request")
		if m["route"] == "healthz" || m["route"] == "readyz" {
			t.Fatalf("a probe was logged at info: %v", m)
		}
		if m["request_id"] != want.id || m["remote"] != want.remote || m["level"] != "INFO" {
			t.Errorf("request line %v, want request_id %q and remote %q", m, want.id, want.remote)
		}
		if _, ok := m["duration_ms"].(float64); !ok {
			t.Errorf("request line without duration_ms: %v", m)
		}
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	if err := s.cmd.Wait(); err != nil {
		t.Fatalf("serve: %v\n%s", err, s.all.String())
	}
}
