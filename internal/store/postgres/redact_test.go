package postgres

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sactl/sactl/internal/store/pgtest"
)

func TestRedact(t *testing.T) {
	cases := []struct{ in, loc string }{
		{"postgres://sactl:s3cr3t@db.example:5432/sactl?sslmode=require", "postgres://sactl:xxxxx@db.example:5432/sactl?sslmode=require"},
		{"postgresql://sactl@db.example/sactl", "postgresql://sactl@db.example/sactl"},
		{"postgres://db.example/sactl?user=sactl&password=s3cr3t", "postgres://db.example/sactl?password=xxxxx&user=sactl"},
		{"postgres://sactl:p%40ss%2Fw0rd@db.example/sactl", "postgres://sactl:xxxxx@db.example/sactl"},
		{"postgres://db.example/sactl?sslpassword=s3cr3t", "postgres://db.example/sactl?sslpassword=xxxxx"},
		{"postgres://sactl:s3 cr3t@db.example:x/sactl", "postgres://…"}, // does not parse
	}
	for _, c := range cases {
		loc, secrets := redact(c.in)
		if loc != c.loc {
			t.Errorf("redact(%q) = %q, want %q", c.in, loc, c.loc)
		}
		for _, pw := range []string{"s3cr3t", "s3 cr3t", "p@ss/w0rd", "p%40ss%2Fw0rd"} {
			if strings.Contains(c.in, pw) || (pw == "p@ss/w0rd" && strings.Contains(c.in, "p%40ss")) {
				if msg := scrub("connecting with "+pw+" failed", secrets); strings.Contains(msg, pw) {
					t.Errorf("%q: scrub leaves %q in %q", c.in, pw, msg)
				}
			}
		}
	}
}

// R-DB-4: a password in the URL reaches neither Location nor an error,
// whatever fails: the password itself, the server, the database, the URL.
func TestPasswordNeverShown(t *testing.T) {
	ctx := context.Background()
	good := pgtest.URL(t)
	password := pgtest.Password(t)
	st, err := Open(ctx, good)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if loc := st.Location(); strings.Contains(loc, password) || !strings.Contains(loc, ":xxxxx@127.0.0.1:") {
		t.Fatalf("Location() = %q", loc)
	}

	u, _ := url.Parse(good)
	with := func(edit func(u *url.URL)) string {
		c := *u
		edit(&c)
		return c.String()
	}
	const wrong = "Wr0ng-Pa55w0rd"
	closed := closedPort(t)
	bad := map[string]string{
		"wrong password":     with(func(u *url.URL) { u.User = url.UserPassword("sactl", wrong) }),
		"encoded password":   with(func(u *url.URL) { u.User = url.UserPassword("sactl", wrong+"@/?#") }),
		"password parameter": with(func(u *url.URL) { u.User = url.User("sactl"); u.RawQuery = "sslmode=disable&password=" + wrong }),
		"no such database":   with(func(u *url.URL) { u.Path = "/nothere" }),
		"no server":          with(func(u *url.URL) { u.Host = "127.0.0.1:" + strconv.Itoa(closed) }),
		"unknown parameter":  with(func(u *url.URL) { u.RawQuery = "sslmode=bogus" }),
		"no such user":       with(func(u *url.URL) { u.User = url.UserPassword("nobody", password) }),
		"bad port":           strings.Replace(good, u.Host, "127.0.0.1:notaport", 1),
		"malformed":          "postgres://sactl:Wr0ng Pa55w0rd@" + u.Host + u.Path, // pgx refuses the space
	}
	secrets := []string{password, "Pa55w0rd"} // in every wrong one, encoded or not
	leaks := func(msg string) string {
		for _, s := range secrets {
			if strings.Contains(msg, s) {
				return s
			}
		}
		return ""
	}
	for name, loc := range bad {
		tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		_, openErr := Open(tctx, loc)
		_, statusErr := Status(tctx, loc)
		// What pgx itself says, before any scrubbing: it names the host
		// and the user, never the password.
		_, rawErr := pgx.Connect(tctx, loc)
		cancel()
		for what, err := range map[string]error{"Open": openErr, "Status": statusErr} {
			if err == nil {
				t.Errorf("%s: %s succeeded", name, what)
				continue
			}
			if s := leaks(err.Error()); s != "" {
				t.Errorf("%s: %s's error holds %q: %v", name, what, s, err)
			}
			if !strings.Contains(err.Error(), "xxxxx") && !strings.Contains(err.Error(), "127.0.0.1") && !strings.Contains(err.Error(), "postgres://…") {
				t.Errorf("%s: %s's error does not name the database: %v", name, what, err)
			}
		}
		if rawErr != nil && name != "malformed" && name != "bad port" {
			if s := leaks(rawErr.Error()); s != "" {
				t.Errorf("%s: pgx's own error holds %q: %v", name, s, rawErr)
			}
		}
	}
	// The end of a context stays reachable through the scrubbed error.
	tctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Open(tctx, good); !errors.Is(err, context.Canceled) {
		t.Errorf("open with a cancelled context: %v is not context.Canceled", err)
	}
}

// closedPort is a TCP port on 127.0.0.1 where nothing listens.
func closedPort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}
