package output

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
)

// ellipsis marks a truncated cell.
const ellipsis = "…"

// displayWidth is the number of terminal columns s occupies, measured the
// way tablewriter measures it so that our truncation and its padding agree.
func displayWidth(s string) int { return twwidth.Width(s) }

// escapeTSV keeps a cell on one line and in one column: tab, newline and
// carriage return become the two-character sequences \t, \n and \r.
// Everything else, including backslashes, is left as it is.
func escapeTSV(s string) string {
	if !strings.ContainsAny(s, "\t\n\r") {
		return s
	}
	return tsvEscaper.Replace(s)
}

var tsvEscaper = strings.NewReplacer("\t", `\t`, "\n", `\n`, "\r", `\r`)

// sanitizeTerminal makes s safe to print on a terminal on one line: tabs,
// newlines and carriage returns become spaces, other control characters
// (which could move the cursor or change colours) are shown escaped, e.g.
// \x1b, invalid UTF-8 becomes U+FFFD, and surrounding blanks are removed.
// With keepNewlines, newlines are kept (for multi-line detail values).
func sanitizeTerminal(s string, keepNewlines bool) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) {
			clean = false
			break
		}
	}
	if clean {
		return strings.TrimSpace(s)
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' && keepNewlines:
			b.WriteRune('\n')
		case r == '\r' && keepNewlines:
			// dropped: \r\n line endings become \n
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteByte(' ')
		case unicode.IsControl(r): // C0, DEL and C1: all below 0x100
			b.WriteString(`\x`)
			b.WriteByte("0123456789abcdef"[r>>4])
			b.WriteByte("0123456789abcdef"[r&0xf])
		default:
			b.WriteRune(r) // invalid bytes arrive here as utf8.RuneError
		}
	}
	return strings.TrimSpace(b.String())
}

// truncate shortens s to at most width display columns, marking the cut
// with "…". Strings that fit are returned unchanged.
func truncate(s string, width int) string {
	if displayWidth(s) <= width {
		return s
	}
	ellW := displayWidth(ellipsis)
	if width < ellW {
		return ""
	}
	budget := width - ellW
	used, end := 0, 0
	for i, r := range s {
		w := displayWidth(string(r))
		if used+w > budget {
			break
		}
		used += w
		end = i + utf8.RuneLen(r)
	}
	return strings.TrimRightFunc(s[:end], unicode.IsSpace) + ellipsis
}

// headerText turns a snake_case column key into a terminal table header:
// upper case with underscores as spaces ("created_at" → "CREATED AT").
func headerText(key string) string {
	return strings.ToUpper(strings.ReplaceAll(key, "_", " "))
}

// initialisms are words shown in upper case in detail labels.
var initialisms = map[string]string{
	"api": "API", "id": "ID", "ids": "IDs", "ip": "IP", "json": "JSON",
	"ttl": "TTL", "uri": "URI", "url": "URL", "urls": "URLs", "uuid": "UUID",
}

// labelText turns a snake_case detail key into a terminal label:
// "api_name" → "API name", "created_at" → "Created at", "id" → "ID".
// Labels that are not snake_case keep their letters ("Name" → "Name").
func labelText(key string) string {
	words := strings.Split(key, "_")
	for i, w := range words {
		if up, ok := initialisms[w]; ok {
			words[i] = up
			continue
		}
		if i == 0 && w != "" {
			r, size := utf8.DecodeRuneInString(w)
			words[i] = string(unicode.ToUpper(r)) + w[size:]
		}
	}
	return strings.Join(words, " ")
}
