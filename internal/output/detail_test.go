package output

import (
	"testing"

	"github.com/sactl/sactl/internal/iostreams"
)

func TestDetailTSV(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	ios.SetColorEnabled(true) // colour never applies to non-terminal output
	d := NewDetail(ios)
	d.Add("id", "sa_1")
	d.Add("api_name", "ci-bot")
	d.Add("description", "line1\nline2\twith tab")
	d.Add("last_used_at", "")
	if err := d.Render(); err != nil {
		t.Fatal(err)
	}
	want := "id\tsa_1\n" +
		"api_name\tci-bot\n" +
		"description\tline1\\nline2\\twith tab\n" +
		"last_used_at\t\n"
	if out.String() != want {
		t.Errorf("TSV detail =\n%q\nwant\n%q", out.String(), want)
	}
}

func TestDetailTerminal(t *testing.T) {
	ios, out := ttyStreams(80)
	d := NewDetail(ios)
	d.Add("id", "sa_1")
	d.Add("api_name", "ci-bot")
	d.Add("description", "line1\r\nline2\x1b[2J")
	d.Add("last_used_at", "-")
	if err := d.Render(); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"ID:            sa_1\n" +
		"API name:      ci-bot\n" +
		"Description:   line1\n" +
		"               line2\\x1b[2J\n" +
		"Last used at:  -\n"
	if out.String() != want {
		t.Errorf("terminal detail =\n%s\nwant\n%s", out.String(), want)
	}
}

func TestDetailTerminalColor(t *testing.T) {
	ios, out := ttyStreams(80)
	ios.SetColorEnabled(true)
	d := NewDetail(ios)
	d.Add("id", "sa_1")
	d.Add("name", "")
	if err := d.Render(); err != nil {
		t.Fatal(err)
	}
	want := "\x1b[1mID:\x1b[0m    sa_1\n\x1b[1mName:\x1b[0m\n"
	if out.String() != want {
		t.Errorf("coloured detail = %q, want %q", out.String(), want)
	}
}

func TestDetailEmpty(t *testing.T) {
	for _, tty := range []bool{false, true} {
		ios, _, out, _ := iostreams.Test()
		ios.SetStdoutTTY(tty)
		if err := NewDetail(ios).Render(); err != nil {
			t.Fatal(err)
		}
		if out.Len() != 0 {
			t.Errorf("tty=%v: empty detail wrote %q", tty, out.String())
		}
	}
}

func TestLabelText(t *testing.T) {
	tests := map[string]string{
		"id":           "ID",
		"api_name":     "API name",
		"created_at":   "Created at",
		"owner_url":    "Owner URL",
		"Name":         "Name",
		"group_ids":    "Group IDs",
		"ttl":          "TTL",
		"last_used_at": "Last used at",
	}
	for in, want := range tests {
		if got := labelText(in); got != want {
			t.Errorf("labelText(%q) = %q, want %q", in, got, want)
		}
	}
}
