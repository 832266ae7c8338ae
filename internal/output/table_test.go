package output

import (
	"slices"
	"strings"
	"testing"

	"github.com/sactl/sactl/internal/iostreams"
)

// ttyStreams returns test streams whose stdout is a terminal of the given
// width, without colour.
func ttyStreams(width int) (*iostreams.IOStreams, *strings.Builder) {
	ios, _, _, _ := iostreams.Test()
	out := &strings.Builder{}
	ios.Out = out
	ios.SetStdoutTTY(true)
	ios.SetTerminalWidth(width)
	return ios, out
}

func TestTableTSV(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	ios.SetColorEnabled(true) // colour never applies to non-terminal output
	long := strings.Repeat("long-description ", 20)
	tb := NewTable(ios, "id", "name", "status", "created_at")
	tb.AddRow("sa_1", "ci-bot", "active", "2024-03-05T14:04:05Z")
	tb.AddRow("sa_2", "tab\there", "", "")
	tb.AddRow("sa_3", "two\nlines\r\n", "suspended")
	tb.AddRow("sa_4", long, "active", "")
	if err := tb.Render(); err != nil {
		t.Fatal(err)
	}
	want := "id\tname\tstatus\tcreated_at\n" +
		"sa_1\tci-bot\tactive\t2024-03-05T14:04:05Z\n" +
		"sa_2\ttab\\there\t\t\n" +
		"sa_3\ttwo\\nlines\\r\\n\tsuspended\t\n" +
		"sa_4\t" + long + "\tactive\t\n"
	if out.String() != want {
		t.Errorf("TSV output =\n%q\nwant\n%q", out.String(), want)
	}
}

// An empty table: its header when piped, nothing on a terminal.
func TestTableEmpty(t *testing.T) {
	for _, tty := range []bool{false, true} {
		ios, _, out, errOut := iostreams.Test()
		ios.SetStdoutTTY(tty)
		tb := NewTable(ios, "id", "name")
		if tb.Len() != 0 {
			t.Errorf("Len of a new table = %d", tb.Len())
		}
		if err := tb.Render(); err != nil {
			t.Fatal(err)
		}
		// Piped, an empty list is its header alone (R-CLI-1); on a
		// terminal it is nothing (the command says so on stderr).
		want := "id\tname\n"
		if tty {
			want = ""
		}
		if out.String() != want || errOut.Len() != 0 {
			t.Errorf("tty=%v: empty table wrote %q / %q, want %q", tty, out.String(), errOut.String(), want)
		}
	}
}

func TestTableErrors(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	tb := NewTable(ios, "id", "name")
	tb.AddRow("sa_1", "ok")
	tb.AddRow("sa_2", "too", "many")
	if tb.Len() != 2 {
		t.Errorf("Len = %d, want 2", tb.Len())
	}
	if err := tb.Render(); err == nil || !strings.Contains(err.Error(), "row 2 has 3 cells") {
		t.Errorf("Render with a too-long row: err = %v", err)
	}
	if out.Len() != 0 {
		t.Errorf("failed Render wrote %q", out.String())
	}

	tb = NewTable(ios, "id", "name")
	tb.NoTruncate("uuid")
	tb.AddRow("sa_1", "ok")
	if err := tb.Render(); err == nil || !strings.Contains(err.Error(), `"uuid"`) {
		t.Errorf("Render after NoTruncate of an unknown column: err = %v", err)
	}
}

func TestTableTerminal(t *testing.T) {
	ios, out := ttyStreams(80)
	tb := NewTable(ios, "id", "name", "api_name", "status")
	tb.AddRow("sa_1", "CI bot", "ci-bot", "active")
	tb.AddRow("sa_22", "Nightly backup", "backup", "")
	tb.AddRow("sa_333", "x") // missing cells are empty
	if err := tb.Render(); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"ID       NAME             API NAME   STATUS\n" +
		"sa_1     CI bot           ci-bot     active\n" +
		"sa_22    Nightly backup   backup\n" +
		"sa_333   x\n"
	if out.String() != want {
		t.Errorf("terminal table =\n%s\nwant\n%s", out.String(), want)
	}
}

// checkFits asserts that no line of s is wider than width.
func checkFits(t *testing.T, s string, width int) {
	t.Helper()
	for line := range strings.Lines(s) {
		line = strings.TrimSuffix(line, "\n")
		if w := displayWidth(line); w > width {
			t.Errorf("line %q is %d columns wide, more than %d", line, w, width)
		}
	}
}

func TestTableTerminalTruncates(t *testing.T) {
	const width = 50
	ios, out := ttyStreams(width)
	tb := NewTable(ios, "id", "name", "description", "status")
	tb.AddRow("sa_1", "ci-bot", "Builds and deploys every service of the platform from CI", "active")
	tb.AddRow("sa_2", "backup", "Nightly backups", "suspended")
	if err := tb.Render(); err != nil {
		t.Fatal(err)
	}
	// Only the widest column (description) is shortened: 50 columns minus
	// 4+6+9 for the others and three gaps of 3 leave 22 for it.
	want := "" +
		"ID     NAME     DESCRIPTION              STATUS\n" +
		"sa_1   ci-bot   Builds and deploys ev…   active\n" +
		"sa_2   backup   Nightly backups          suspended\n"
	if out.String() != want {
		t.Errorf("truncated table =\n%s\nwant\n%s", out.String(), want)
	}
	checkFits(t, out.String(), width)

	// Column starts line up on every line (in display columns).
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	header := []rune(lines[0])
	for _, col := range []string{"NAME", "DESCRIPTION", "STATUS"} {
		at := len([]rune(lines[0][:strings.Index(lines[0], col)]))
		for _, l := range lines[1:] {
			r := []rune(l)
			if r[at-1] != ' ' || r[at] == ' ' || header[at-1] != ' ' {
				t.Errorf("column %s (column %d) not aligned in %q", col, at, l)
			}
		}
	}
}

func TestTableTerminalTruncatesWidestFirst(t *testing.T) {
	const width = 40
	ios, out := ttyStreams(width)
	tb := NewTable(ios, "id", "description", "note")
	tb.AddRow("sa_0f3c9a2b7e51d4a", strings.Repeat("n", 30), strings.Repeat("d", 30))
	tb.AddRow("sa_1", "short", "")
	if err := tb.Render(); err != nil {
		t.Fatal(err)
	}
	// id (18), an identifier, is kept whole; 40-18-6 = 16 columns are
	// shared by the two equally wide others, down to their headers.
	want := "" +
		"ID                   DESCRIPTION   NOTE\n" +
		"sa_0f3c9a2b7e51d4a   nnnnnnnnnn…   dddd…\n" +
		"sa_1                 short\n"
	if out.String() != want {
		t.Errorf("table =\n%s\nwant\n%s", out.String(), want)
	}
	checkFits(t, out.String(), width)
}

// Identifiers are never truncated: when the other columns cannot shrink to
// make room, the last of them is left out instead (R-CLI-1).
func TestTableTerminalKeepsIdentifiers(t *testing.T) {
	const width = 60
	ios, out := ttyStreams(width)
	tb := NewTable(ios, "name", "api name", "status", "created")
	tb.AddRow("Salesforce Marketing Cloud Sync", "salesforce-marketing-cloud-sync", "active", "2026-12-01T19:58:16Z")
	if err := tb.Render(); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"NAME                              API NAME\n" +
		"Salesforce Marketing Cloud Sync   salesforce-marketing-cloud-sync\n"
	if out.String() != want {
		t.Errorf("table =\n%s\nwant\n%s", out.String(), want)
	}
}

func TestTableTerminalSanitizes(t *testing.T) {
	ios, out := ttyStreams(80)
	tb := NewTable(ios, "name", "note")
	tb.AddRow("evil\x1b[31mred", "two\nlines\ttab")
	if err := tb.Render(); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"NAME              NOTE\n" +
		`evil\x1b[31mred` + "   two lines tab\n"
	if out.String() != want {
		t.Errorf("sanitized table =\n%q\nwant\n%q", out.String(), want)
	}
}

func TestTableTerminalColor(t *testing.T) {
	ios, out := ttyStreams(80)
	ios.SetColorEnabled(true)
	tb := NewTable(ios, "id", "name")
	tb.AddRow("sa_1", "ci-bot")
	if err := tb.Render(); err != nil {
		t.Fatal(err)
	}
	want := "\x1b[1mID     NAME\x1b[0m\nsa_1   ci-bot\n"
	if out.String() != want {
		t.Errorf("coloured table = %q, want %q", out.String(), want)
	}
}

func TestTableTerminalNoHeader(t *testing.T) {
	ios, out := ttyStreams(80)
	tb := NewTable(ios)
	tb.AddRow("a", "bb")
	tb.AddRow("ccc", "d")
	if err := tb.Render(); err != nil {
		t.Fatal(err)
	}
	if want := "a     bb\nccc   d\n"; out.String() != want {
		t.Errorf("headerless table = %q, want %q", out.String(), want)
	}
}

func TestFitColumns(t *testing.T) {
	tests := []struct {
		name    string
		natural []int
		header  []int
		keep    []bool
		max     int
		want    []int
	}{
		{"fits", []int{4, 6}, []int{2, 4}, []bool{false, false}, 13, []int{4, 6}},
		{"widest first", []int{30, 8}, []int{2, 4}, []bool{false, false}, 30, []int{19, 8}},
		{"ties shrink evenly", []int{10, 10}, []int{2, 2}, []bool{false, false}, 15, []int{6, 6}},
		{"header kept first", []int{20, 12}, []int{4, 11}, []bool{false, false}, 25, []int{11, 11}},
		// Below their headers, columns are dropped, the last first, rather
		// than every header cut to "CREA…" (R-CLI-1).
		{"then the last column goes", []int{20, 12}, []int{4, 11}, []bool{false, false}, 17, []int{17, -1}},
		{"and the next", []int{20, 12}, []int{4, 11}, []bool{false, false}, 4, []int{-1, -1}},
		{"kept columns never go", []int{20, 12}, []int{4, 11}, []bool{true, false}, 5, []int{20, -1}},
		{"narrow columns stay", []int{2, 40}, []int{2, 4}, []bool{false, false}, 20, []int{2, 15}},
		{"kept column", []int{30, 30}, []int{2, 2}, []bool{true, false}, 40, []int{30, 7}},
	}
	for _, tt := range tests {
		got := fitColumns(tt.natural, tt.header, tt.keep, make([]bool, len(tt.keep)), tt.max)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: fitColumns(%v, %v, %v, %d) = %v, want %v",
				tt.name, tt.natural, tt.header, tt.keep, tt.max, got, tt.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  string
	}{
		{"abcdef", 6, "abcdef"},
		{"abcdef", 10, "abcdef"},
		{"abcdef", 4, "abc…"},
		{"ab cdef", 4, "ab…"},
		{"abcdef", 1, "…"},
		{"abcdef", 0, ""},
		{"日本語テキスト", 5, "日本…"},
		{"日本語テキスト", 6, "日本…"},
	}
	for _, tt := range tests {
		got := truncate(tt.in, tt.width)
		if got != tt.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
		}
		if displayWidth(got) > tt.width {
			t.Errorf("truncate(%q, %d) = %q is too wide", tt.in, tt.width, got)
		}
	}
}

func TestEscapeAndSanitize(t *testing.T) {
	if got := escapeTSV("a\tb\nc\rd\\e"); got != `a\tb\nc\rd\e` {
		t.Errorf("escapeTSV = %q", got)
	}
	if got := sanitizeTerminal(" a\tb\nc\x07d\xffe ", false); got != `a b c\x07d`+"\uFFFD"+"e" {
		t.Errorf("sanitizeTerminal = %q", got)
	}
	if got := sanitizeTerminal("a\r\nb\x1b", true); got != "a\nb\\x1b" {
		t.Errorf("sanitizeTerminal keeping newlines = %q", got)
	}
	if got := headerText("created_at"); got != "CREATED AT" {
		t.Errorf("headerText = %q", got)
	}
}
