package dsn

import (
	"errors"
	"strings"
	"testing"

	"github.com/sactl/sactl/internal/domain"
)

// TestParse: the form of --db selects the backend (R-DB-4); any other
// scheme is a usage error whose message holds no password.
func TestParse(t *testing.T) {
	for _, c := range []struct {
		loc  string
		kind Kind
		path string
	}{
		{"/srv/sactl.db", SQLite, "/srv/sactl.db"},
		{"sactl.db", SQLite, "sactl.db"},
		{"./data/x:y.db", SQLite, "./data/x:y.db"},
		{"file:/srv/sactl.db", SQLite, "/srv/sactl.db"},
		{"file:///srv/sactl.db", SQLite, "/srv/sactl.db"},
		{"file:sactl.db", SQLite, "sactl.db"},
		{"postgres://u:pw@db:5432/sactl", Postgres, "postgres://u:pw@db:5432/sactl"},
		{"postgresql://db/sactl?sslmode=require", Postgres, "postgresql://db/sactl?sslmode=require"},
		{"POSTGRES://db/sactl", Postgres, "POSTGRES://db/sactl"},
	} {
		kind, path, err := Parse(c.loc)
		if err != nil || kind != c.kind || path != c.path {
			t.Errorf("Parse(%q) = %v, %q, %v; want %v, %q", c.loc, kind, path, err, c.kind, c.path)
		}
	}
	for _, loc := range []string{"", "mysql://u:hunter2@db/sactl", "http://u:hunter2@x/", "file://otherhost/x.db",
		"file:/x.db?mode=ro", "file:", "sqlite://x.db"} {
		_, _, err := Parse(loc)
		var de *domain.Error
		if !errors.As(err, &de) || de.Kind != domain.KindInvalid {
			t.Errorf("Parse(%q) = %v; want an invalid-input error (exit 2)", loc, err)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Parse(%q): the error shows the password: %v", loc, err)
		}
	}
}

// TestRedacted: a URL's password never reaches a message (R-DB-4).
func TestRedacted(t *testing.T) {
	for loc, want := range map[string]string{
		"/srv/sactl.db":                           "/srv/sactl.db",
		"postgres://u:hunter2@db/sactl":           "postgres://u:xxxxx@db/sactl",
		"postgres://u@db/sactl":                   "postgres://u@db/sactl",
		"postgres://db/sactl?password=hunter2":    "postgres://db/sactl?password=xxxxx",
		"postgres://db/sactl?sslpassword=hunter2": "postgres://db/sactl?sslpassword=xxxxx",
	} {
		if got := Redacted(loc); got != want {
			t.Errorf("Redacted(%q) = %q, want %q", loc, got, want)
		}
	}
	if got := Redacted("postgres://u:hun%zzter2@db/"); strings.Contains(got, "hun") {
		t.Errorf("an unparseable URL shows its password: %q", got)
	}
}
