package reliability

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// needle is a credential that must not appear: a secret sactl issued, or a
// credential-form string the scenario passed where an id belongs.
type needle struct {
	kind  string // "sak", "sat", "sau"; "typo" for a mistyped one
	value string
	from  string // which step made or passed it
}

// hint is how a failure names a needle without printing it.
func (n needle) hint() string {
	if len(n.value) < 12 {
		return n.kind
	}
	return n.value[:8] + "…" + n.value[len(n.value)-4:]
}

// patterns are the strings that give a needle away: the whole credential,
// it without its prefix, and 16-character pieces of its random part (a hint
// shows 4 characters of each end, never 16). For a signed token the secret
// part is its signature (R-TOK-1); the payload is readable by design.
func (n needle) patterns() []string {
	v := n.value
	if strings.HasPrefix(v, "sat_") {
		if i := strings.LastIndexByte(v, '.'); i > 0 && len(v)-i > 20 {
			sig := v[i+1:]
			return []string{v, sig, sig[:16], sig[len(sig)-16:]}
		}
		return []string{v}
	}
	body := strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(v, "sak_"), "sau_"), "sat_")
	if len(body) < 40 {
		return []string{v}
	}
	return []string{v, body, body[:16], body[len(body)/2-8 : len(body)/2+8], body[len(body)-16:]}
}

// source is one place searched for needles.
type source struct {
	name    string
	content []byte
}

// hygieneCorpus is what the scenario left: its credentials, and the places
// that must not hold them.
type hygieneCorpus struct {
	secrets  []needle
	typos    []needle
	atRest   []source // database, WAL, logs, audit log, files, list outputs
	messages []source // stderr of every command, error answers, verdicts
	files    int
	commands int
	dur      time.Duration
}

var (
	hygieneOnce sync.Once
	hygiene     *hygieneCorpus
)

// hygieneScenario runs the secret hygiene scenario once for the tests that
// search its corpus: an operator's session, locally and through a server,
// in which every kind of credential is issued, rotated, revealed, used,
// revoked, and passed by mistake where an id belongs.
func hygieneScenario(t *testing.T) *hygieneCorpus {
	t.Helper()
	sactlBinary(t)
	hygieneOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sactl-hygiene-")
		if err != nil {
			t.Fatal(err)
		}
		sharedDirs = append(sharedDirs, dir)
		c := &hygieneCorpus{}
		begin := time.Now()
		runHygieneScenario(t, newSandboxIn(t, dir), c)
		c.dur = time.Since(begin)
		hygiene = c
	})
	if hygiene == nil {
		t.Fatal("the secret hygiene scenario failed (see the first test that ran it)")
	}
	return hygiene
}

func runHygieneScenario(t *testing.T, s *sandbox, c *hygieneCorpus) {
	local := s.localEnv()
	remote := []string{"SACTL_PROFILE=srv"}
	issue := func(kind, from, secret string) string {
		if secret == "" {
			t.Fatalf("%s: no secret in its output", from)
		}
		c.secrets = append(c.secrets, needle{kind: kind, value: secret, from: from})
		return secret
	}
	var listings []source
	listing := func(name string, env []string, args ...string) {
		listings = append(listings, source{name: name, content: []byte(s.must(env, args...))})
	}
	createAccount := func(env []string, name, group string) account {
		var a account
		s.mustJSON(&a, env, "sa", "create", name, "--group", group, "-o", "json")
		issue("sak", "sa create "+name, a.Key.Secret)
		return a
	}
	rotate := func(env []string, acct string) apiKey {
		var k apiKey
		s.mustJSON(&k, env, "sa", "keys", "rotate", acct, "--yes", "-o", "json")
		issue("sak", "sa keys rotate "+acct, k.Secret)
		return k
	}

	// The server's first admin (R-USER-2).
	admin := issue("sau", "serve init", s.initServer())
	s.must(local, "groups", "create", "base", "--perm", "audit=view")
	s.must(local, "settings", "set", "max_keys_per_account", "3")
	sv := s.startServer()
	if r := s.run(nil, admin+"\n", "profile", "add", "srv", "--server", sv.url, "--token-stdin"); r.code != 0 {
		t.Fatalf("%v", r)
	}

	// Local mode: keys made, rotated, added, revealed, deleted; an
	// account archived; tokens minted and revoked; a user's token.
	lo := createAccount(local, "Local One", "admins")
	rotate(local, lo.ID)
	var named apiKey
	s.mustJSON(&named, local, "sa", "keys", "create", lo.ID, "--name", "extra", "-o", "json")
	issue("sak", "sa keys create", named.Secret)
	rotated := rotate(local, lo.ID) // the fourth key: deletes the first
	rotatedAway := lo.Key.Secret
	s.must(local, "sa", "keys", "show", lo.ID)
	s.must(local, "sa", "keys", "show", lo.ID, named.ID, "-o", "json")
	s.must(local, "sa", "keys", "delete", lo.ID, named.ID, "--yes")
	doomed := createAccount(local, "Doomed", "base")
	s.must(local, "sa", "archive", doomed.ID, "--yes")
	var minted struct {
		ID    string `json:"id"`
		Token string `json:"token"`
	}
	s.mustJSON(&minted, local, "sa", "token", "mint", "--ttl", "10m", "--execution", "run-1", "-o", "json")
	issue("sat", "sa token mint", minted.Token)
	revokedToken := minted
	s.must(local, "sa", "token", "revoke", minted.ID, "--yes")
	s.mustJSON(&minted, local, "sa", "token", "mint", "-o", "json")
	liveToken := issue("sat", "sa token mint", minted.Token)
	s.must(local, "users", "create", "Bob", "--email", "bob@hygiene.example", "--group", "admins")
	var ut struct {
		ID     string `json:"id"`
		Secret string `json:"secret"`
	}
	s.mustJSON(&ut, local, "users", "tokens", "create", "bob@hygiene.example", "--name", "laptop", "-o", "json")
	bob := issue("sau", "users tokens create", ut.Secret)
	s.mustJSON(&ut, local, "users", "tokens", "create", "bob@hygiene.example", "-o", "json")
	issue("sau", "users tokens create", ut.Secret)
	s.must(local, "users", "tokens", "revoke", "bob@hygiene.example", ut.ID, "--yes")
	s.must(local, "tokens", "rotate-signing-key")

	// Remote mode, through the profile: the same, as the admin.
	ro := createAccount(remote, "Remote One", "base")
	second := rotate(remote, ro.ID)
	rotate(remote, ro.ID)
	s.must(remote, "sa", "keys", "show", ro.ID, "-o", "json")
	s.must(remote, "sa", "keys", "show", ro.ID, second.ID)
	s.mustJSON(&minted, remote, "sa", "token", "mint", "-o", "json")
	issue("sat", "remote sa token mint", minted.Token)
	s.mustJSON(&ut, remote, "users", "tokens", "create", "admin@default.example", "-o", "json")
	issue("sau", "remote users tokens create", ut.Secret)

	// Every credential is used: verified locally and through the server,
	// and as the bearer of a request.
	for _, n := range c.secrets {
		s.run(local, n.value+"\n", "auth", "verify")
		s.run(remote, n.value+"\n", "auth", "verify", "-o", "json")
		s.run([]string{"SACTL_PROFILE=srv", "SACTL_TOKEN=" + n.value}, "", "sa", "list")
	}

	// Mistakes: credentials where ids, names or businesses belong, in both
	// modes; mistyped credentials; gone credentials as the bearer.
	typo := func(v string) string {
		b := []byte(v)
		i := len(b) / 2
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	sak, sau, sat := rotated.Secret, bob, liveToken
	for _, v := range []string{sak, sau, sat} {
		c.typos = append(c.typos, needle{kind: "typo", value: typo(v), from: "a mistyped " + v[:4] + " credential"})
	}
	for _, env := range [][]string{local, remote} {
		for _, cred := range []string{sak, sau, sat, typo(sak)} {
			for _, args := range [][]string{
				{"sa", "get", cred},
				{"sa", "keys", "list", cred},
				{"sa", "keys", "show", lo.ID, cred},
				{"sa", "keys", "delete", lo.ID, cred, "--yes"},
				{"sa", "keys", "disable", lo.ID, cred},
				{"sa", "keys", "rotate", cred, "--yes"},
				{"sa", "archive", cred, "--yes"},
				{"sa", "suspend", cred, "--yes"},
				{"sa", "groups", "set", cred, "base", "--yes"},
				{"sa", "audit", cred},
				{"groups", "get", cred},
				{"users", "get", cred},
				{"users", "tokens", "list", cred},
				{"users", "tokens", "revoke", "bob@hygiene.example", cred, "--yes"},
				{"sa", "token", "revoke", cred, "--yes"},
				{"audit", "list", "--account", cred},
				{"audit", "list", "--actor", cred},
				{"settings", "get", cred},
				{"--business", cred, "sa", "list"},
			} {
				s.run(env, "", args...)
			}
			s.run(env, cred+"\n", "auth", "verify", "-o", "json")
		}
	}
	for _, cred := range []string{sak, sau} {
		s.run(local, "", "--as", cred, "sa", "list")
	}
	s.run(local, typo(sak)+"\n", "auth", "verify")
	for _, bearer := range []string{typo(sak), typo(sau), typo(sat), rotatedAway, named.Secret, doomed.Key.Secret, revokedToken.Token} {
		s.run([]string{"SACTL_PROFILE=srv", "SACTL_TOKEN=" + bearer}, "", "sa", "list")
	}

	// The same mistakes straight at the API: credentials in paths, queries
	// and bodies; error answers are messages too.
	hc := &http.Client{Timeout: 10 * time.Second}
	var answers []source
	call := func(method, path, bearer string, body any) {
		code, b, err := callAPI(hc, method, sv.url+path, bearer, body)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		answers = append(answers, source{name: fmt.Sprintf("HTTP %s %s -> %d", method, redact(path, c), code), content: b})
	}
	for _, cred := range []string{sak, sau, sat, typo(sak)} {
		p := url.PathEscape(cred)
		call("GET", "/api/v1/service-accounts/"+p, admin, nil)
		call("GET", "/api/v1/service-accounts/"+p+"/keys", admin, nil)
		call("DELETE", "/api/v1/service-accounts/"+lo.ID+"/keys/"+p+"?confirm=true", admin, nil)
		call("POST", "/api/v1/service-accounts/"+lo.ID+"/keys/"+p+"/reveal", admin, nil)
		call("DELETE", "/api/v1/tokens/"+p+"?confirm=true", admin, nil)
		call("GET", "/api/v1/users/"+p, admin, nil)
		call("GET", "/api/v1/audit?account="+url.QueryEscape(cred), admin, nil)
		call("POST", "/api/v1/auth/introspect", admin, map[string]string{"token": cred})
		call("GET", "/api/v1/groups", cred, nil)
	}

	// What an operator reads: lists and the audit log, in both modes.
	for _, env := range [][]string{local, remote} {
		listing("sa list", env, "sa", "list", "--archived", "-o", "json")
		listing("sa keys list --all", env, "sa", "keys", "list", "--all", "-o", "json")
		listing("sa keys list", env, "sa", "keys", "list", lo.ID)
		listing("sa token list", env, "sa", "token", "list", "-o", "json")
		listing("users tokens list", env, "users", "tokens", "list", "bob@hygiene.example", "-o", "json")
		listing("sa audit", env, "sa", "audit", lo.ID, "-o", "json")
		listing("audit list", env, "audit", "list")
	}
	listing("audit list -o json", local, "audit", "list", "-o", "json")
	listing("profile list", nil, "profile", "list")

	// The database, its WAL and shared memory while the server runs.
	for _, suffix := range []string{"", "-wal", "-shm"} {
		b, err := os.ReadFile(s.db + suffix)
		if err != nil {
			t.Fatalf("read %s: %v", s.db+suffix, err)
		}
		c.atRest = append(c.atRest, source{name: "live " + filepath.Base(s.db+suffix), content: b})
	}
	sv.stop()

	c.atRest = append(c.atRest, source{name: "server log", content: []byte(s.serverLogs())})
	c.atRest = append(c.atRest, listings...)
	// Every file the run left, but the profile config, which holds the
	// admin's token by design (R-SRV-5).
	config := filepath.Join(s.dir, "config", "sactl", "config.yaml")
	err := filepath.WalkDir(s.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path == config {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(s.dir, path)
		c.atRest = append(c.atRest, source{name: "file " + rel, content: b})
		c.files++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(config); err != nil {
		t.Fatalf("the profile config is not where the test looked: %v", err)
	}

	// Messages: every command's stderr; the stdout of every command that
	// failed (R-CLI-4: nothing partial reaches it) or is a verdict.
	for _, r := range s.resultsSnapshot() {
		c.commands++
		name := "sactl " + redact(strings.Join(r.args, " "), c)
		c.messages = append(c.messages, source{name: "stderr of " + name, content: []byte(r.stderr)})
		if r.code != 0 || (len(r.args) > 1 && r.args[0] == "auth") {
			c.messages = append(c.messages, source{name: "stdout of " + name, content: []byte(r.stdout)})
		}
	}
	c.messages = append(c.messages, answers...)
}

// redact names a command or path in a failure without its credentials.
func redact(s string, c *hygieneCorpus) string {
	for _, n := range append(append([]needle{}, c.secrets...), c.typos...) {
		s = strings.ReplaceAll(s, n.value, n.hint())
		s = strings.ReplaceAll(s, url.PathEscape(n.value), n.hint())
	}
	return s
}

// search reports the sources holding a needle: the first maxReported one
// by one, then how many there were.
func search(t *testing.T, sources []source, needles []needle) (searched int, bytesSearched int) {
	t.Helper()
	const maxReported = 25
	leaking := 0
	shapes := map[string]int{} // leaking sources by shape
	for _, src := range sources {
		searched++
		bytesSearched += len(src.content)
		var found []string
		for _, n := range needles {
			for i, p := range n.patterns() {
				if bytes.Contains(src.content, []byte(p)) {
					how := "whole"
					if i > 0 {
						how = "a piece of it"
					}
					found = append(found, fmt.Sprintf("%s %s from %s (%s)", n.kind, n.hint(), n.from, how))
					break
				}
			}
		}
		if found == nil {
			continue
		}
		leaking++
		shapes[shape(src.name)]++
		if leaking <= maxReported {
			t.Errorf("%s holds %s", src.name, strings.Join(found, "; "))
		}
	}
	if leaking > maxReported {
		var lines []string
		for sh, n := range shapes {
			lines = append(lines, fmt.Sprintf("%4d × %s", n, sh))
		}
		sort.Strings(lines)
		t.Errorf("... and %d more: %d of %d sources hold a credential; by shape:\n%s", leaking-maxReported, leaking, len(sources), strings.Join(lines, "\n"))
	}
	return searched, bytesSearched
}

var (
	hintRE = regexp.MustCompile(`\b(sak|sau|sat)_[^ /?…]{4}…[^ /?]{4}`)
	idRE   = regexp.MustCompile(`\b[a-z]+_[0-9a-z]{26}\b`)
)

// shape is a source's name with its credentials and ids masked, so the
// sources that leak can be counted by command.
func shape(name string) string {
	return idRE.ReplaceAllString(hintRE.ReplaceAllString(name, "<$1>"), "<id>")
}

// No secret sactl issued is stored or logged in the clear: not in the
// database file, its WAL or shared memory, not in the server's log, not in
// the audit log (R-AUD-1), not in any list an operator reads, not in any
// file the run left but the profile config (R-KEY-10: the database holds
// SHA-256 hashes and AES-GCM sealed copies; the master key file holds the
// master key, not issued secrets).
func TestSecretHygieneAtRest(t *testing.T) {
	c := hygieneScenario(t)
	n, size := search(t, c.atRest, append(append([]needle{}, c.secrets...), c.typos...))
	t.Logf("hygiene at rest: %d secrets (%s) and %d mistyped credentials searched in %d sources (%d files, %d KiB: database, WAL, shm, server log, audit log, lists); scenario of %d commands in %v",
		len(c.secrets), kinds(c.secrets), len(c.typos), n, c.files, size/1024, c.commands, c.dur.Round(time.Millisecond))
}

// No message contains a credential (R-CLI-4): not the stderr of any command
// of the scenario, not the stdout of a failed command or a verdict, not an
// error answer of the server, even when the credential was passed by
// mistake where an id, name or business belongs, or mistyped; such an
// argument is shown by its hint only.
func TestSecretHygieneInMessages(t *testing.T) {
	c := hygieneScenario(t)
	n, size := search(t, c.messages, append(append([]needle{}, c.secrets...), c.typos...))
	t.Logf("hygiene in messages: %d secrets and %d mistyped credentials searched in %d messages (%d KiB) of %d commands and %d HTTP answers",
		len(c.secrets), len(c.typos), n, size/1024, c.commands, n-c.commands-countStdout(c))
}

func countStdout(c *hygieneCorpus) int {
	n := 0
	for _, m := range c.messages {
		if strings.HasPrefix(m.name, "stdout of ") {
			n++
		}
	}
	return n
}

func kinds(ns []needle) string {
	m := map[string]int{}
	for _, n := range ns {
		m[n.kind]++
	}
	var out []string
	for k, v := range m {
		out = append(out, fmt.Sprintf("%d %s", v, k))
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// A name or api_name of credential form is refused (R-CLI-4), so that a
// secret pasted into the wrong field is never stored, audited or echoed:
// creating or renaming an account, in both modes, fails with exit 2 and
// changes nothing.
func TestCredentialFormNamesRefused(t *testing.T) {
	s := newSandbox(t)
	local := s.localEnv()
	admin := s.initServer()
	sv := s.startServer()
	if r := s.run(nil, admin+"\n", "profile", "add", "srv", "--server", sv.url, "--token-stdin"); r.code != 0 {
		t.Fatalf("%v", r)
	}
	remote := []string{"SACTL_PROFILE=srv"}
	var a account
	s.mustJSON(&a, local, "sa", "create", "Target", "--group", "admins", "-o", "json")
	// A fresh credential for every attempt, so that one wrongly accepted
	// name does not make the next attempt fail for being a duplicate.
	fresh := func(kind string) string {
		switch kind {
		case "sak":
			var k apiKey
			s.mustJSON(&k, local, "sa", "keys", "rotate", a.ID, "--yes", "-o", "json")
			return k.Secret
		case "sau":
			var ut struct {
				Secret string `json:"secret"`
			}
			s.mustJSON(&ut, local, "users", "tokens", "create", "admin@default.example", "-o", "json")
			return ut.Secret
		default:
			var minted struct {
				Token string `json:"token"`
			}
			s.mustJSON(&minted, local, "sa", "token", "mint", "-o", "json")
			return minted.Token
		}
	}
	var creds []string
	checked := 0
	for _, mode := range []struct {
		name string
		env  []string
	}{{"local", local}, {"remote", remote}} {
		for _, kind := range []string{"sak", "sau", "sat"} {
			for _, attempt := range []func(string) []string{
				func(c string) []string { return []string{"sa", "create", c} },
				func(c string) []string {
					return []string{"sa", "create", fmt.Sprintf("Pasted %d", checked), "--api-name", strings.ToLower(c)}
				},
				func(c string) []string { return []string{"sa", "update", a.ID, "--name", c} },
				func(c string) []string { return []string{"sa", "update", a.ID, "--api-name", strings.ToLower(c)} },
			} {
				cred := fresh(kind)
				creds = append(creds, cred)
				args := attempt(cred)
				checked++
				r := s.run(mode.env, "", args...)
				if r.code != 2 {
					shown := strings.Join(args, " ")
					shown = strings.ReplaceAll(strings.ReplaceAll(shown, cred, kind+"_…"), strings.ToLower(cred), kind+"_…")
					t.Errorf("%s: sactl %s exited %d, want 2 (a %s credential as a name is refused)", mode.name, shown, r.code, kind)
				}
			}
		}
	}
	// Nothing of them reached the database or the audit log.
	var evs []auditEvent
	s.mustJSON(&evs, local, "audit", "list", "-o", "json")
	raw, _ := json.Marshal(evs)
	var list []account
	s.mustJSON(&list, local, "sa", "list", "-o", "json")
	stored, audited := 0, 0
	for _, cred := range creds {
		body := strings.ToLower(cred[4:20])
		for _, acc := range list {
			if strings.Contains(strings.ToLower(acc.Name+" "+acc.APIName), body) {
				stored++
			}
		}
		if bytes.Contains(bytes.ToLower(raw), []byte(body)) {
			audited++
		}
	}
	if stored > 0 || audited > 0 {
		t.Errorf("of %d credentials given as names, %d are stored in an account's name or api_name and %d are in the audit log (R-CLI-4, R-AUD-1)", len(creds), stored, audited)
	}
	sv.stop()
	t.Logf("credential-form names: %d attempts in 2 modes checked for exit 2, the account and the audit log for the credentials", checked)
}
