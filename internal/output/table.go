package output

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/sactl/sactl/internal/iostreams"
)

const (
	// columnGap is the number of spaces between columns on a terminal.
	columnGap = 3
	// minColumnWidth is how narrow truncation may make a column (columns
	// that are narrower to begin with keep their width).
	minColumnWidth = 5
)

// Table prints rows of cells. When stdout is a terminal it is an aligned
// table with an upper-case header, truncated to the terminal width (like
// `kubectl get`); otherwise it is tab-separated lines with the header keys
// as given, no colour, no truncation and no padding (R-CLI-1).
//
// Build it with NewTable, add rows with AddRow and print with Render.
type Table struct {
	ios     *iostreams.IOStreams
	headers []string
	rows    [][]string
	keep    map[int]bool
	err     error
}

// NewTable returns an empty table for the given column keys. Keys are
// lower-case snake_case ("id", "api_name", "created_at"): they are the
// header of tab-separated output as they are, and are shown upper-case with
// spaces ("API NAME") on a terminal. Without keys no header is printed.
func NewTable(ios *iostreams.IOStreams, headers ...string) *Table {
	return &Table{ios: ios, headers: slices.Clone(headers), keep: map[int]bool{}}
}

// AddRow appends a row. Missing trailing cells are empty; more cells than
// the table has headers make Render fail. Cells are printed as given (format
// times with FormatTime and empty values with FormatEmpty first).
func (t *Table) AddRow(cells ...string) {
	if t.err == nil && len(t.headers) > 0 && len(cells) > len(t.headers) {
		t.err = fmt.Errorf("output: row %d has %d cells but the table has %d columns",
			len(t.rows)+1, len(cells), len(t.headers))
	}
	t.rows = append(t.rows, slices.Clone(cells))
}

// NoTruncate exempts the columns with the given keys (as passed to
// NewTable) from truncation on a terminal, e.g. ids that users copy.
// An unknown key makes Render fail.
func (t *Table) NoTruncate(keys ...string) {
	for _, k := range keys {
		i := slices.Index(t.headers, k)
		if i < 0 {
			if t.err == nil {
				t.err = fmt.Errorf("output: NoTruncate: no column %q", k)
			}
			continue
		}
		t.keep[i] = true
	}
}

// Len returns the number of rows added so far.
func (t *Table) Len() int { return len(t.rows) }

// Render writes the table to stdout in one Write. A table without rows
// writes nothing at all, not even the header; callers decide whether to
// print a note on stderr.
func (t *Table) Render() error {
	if t.err != nil {
		return t.err
	}
	// On a terminal an empty list prints nothing (commands say so on
	// stderr); piped, it is its header alone, so a script always gets the
	// columns (R-CLI-1).
	if len(t.rows) == 0 && t.ios.IsStdoutTTY() {
		return nil
	}
	ncols := len(t.headers)
	for _, r := range t.rows {
		ncols = max(ncols, len(r))
	}
	var buf bytes.Buffer
	if t.ios.IsStdoutTTY() {
		if err := t.renderTerminal(&buf, ncols); err != nil {
			return err
		}
	} else {
		t.renderTSV(&buf, ncols)
	}
	_, err := t.ios.Out.Write(buf.Bytes())
	return err
}

func (t *Table) renderTSV(buf *bytes.Buffer, ncols int) {
	line := make([]string, ncols)
	write := func(cells []string) {
		for i := range line {
			line[i] = ""
			if i < len(cells) {
				line[i] = escapeTSV(cells[i])
			}
		}
		buf.WriteString(strings.Join(line, "\t"))
		buf.WriteByte('\n')
	}
	if len(t.headers) > 0 {
		write(t.headers)
	}
	for _, r := range t.rows {
		write(r)
	}
}

func (t *Table) renderTerminal(buf *bytes.Buffer, ncols int) error {
	hasHeader := len(t.headers) > 0
	header := make([]string, ncols)
	for i, h := range t.headers {
		header[i] = headerText(sanitizeTerminal(h, false))
	}
	rows := make([][]string, len(t.rows))
	for r, cells := range t.rows {
		rows[r] = make([]string, ncols)
		for i, c := range cells {
			rows[r][i] = sanitizeTerminal(c, false)
		}
	}

	natural := make([]int, ncols)
	headerW := make([]int, ncols)
	keep := make([]bool, ncols)
	whole := make([]bool, ncols)
	for i := range ncols {
		if hasHeader {
			headerW[i] = displayWidth(header[i])
		}
		natural[i] = headerW[i]
		for _, r := range rows {
			natural[i] = max(natural[i], displayWidth(r[i]))
		}
		keep[i] = t.keep[i] || (i < len(t.headers) && identifiers[t.headers[i]])
		// Only free text shrinks; a cut status, role or time tells
		// nothing, so such a column is shown whole or left out.
		whole[i] = i < len(t.headers) && !freeText[t.headers[i]]
	}
	widths := fitColumns(natural, headerW, keep, whole, t.ios.TerminalWidth())
	shown := func(cells []string) []string {
		out := cells[:0:0]
		for i, c := range cells {
			if widths[i] >= 0 {
				out = append(out, truncate(c, widths[i]))
			}
		}
		return out
	}
	header = shown(header)
	for r := range rows {
		rows[r] = shown(rows[r])
	}
	ncols = len(header)
	if ncols == 0 {
		return nil
	}

	var tbuf bytes.Buffer
	tbl := tablewriter.NewTable(&tbuf, terminalTableOptions(ncols)...)
	if hasHeader {
		tbl.Header(header)
	}
	if err := tbl.Bulk(rows); err != nil {
		return fmt.Errorf("output: rendering table: %w", err)
	}
	if err := tbl.Render(); err != nil {
		return fmt.Errorf("output: rendering table: %w", err)
	}
	// tablewriter pads every cell to its column width; drop the padding at
	// the end of lines so nothing trails the last column. The header line is
	// made bold as a whole, after layout, so no escape codes pass through
	// tablewriter.
	cs := t.ios.ColorScheme()
	first := true
	for line := range strings.Lines(tbuf.String()) {
		line = strings.TrimRight(line, " \n")
		if first && hasHeader {
			line = cs.Bold(line)
		}
		first = false
		buf.WriteString(line)
		buf.WriteByte('\n')
	}
	return nil
}

// identifiers are the columns a terminal table never truncates, whatever
// its width: what users copy into the next command (R-CLI-1).
var identifiers = map[string]bool{
	"id": true, "name": true, "api name": true, "api_name": true, "email": true, "nickname": true,
	"key": true, "key id": true, "key_id": true, "account": true, "group": true, "user": true,
}

// freeText are the columns a terminal table may shorten with "…".
var freeText = map[string]bool{
	"description": true, "details": true, "note": true, "groups": true, "permissions": true,
	"consequences": true, "message": true, "reason": true, "value": true, "default": true,
}

// terminalTableOptions configures tablewriter for a borderless table in the
// style of `kubectl get`: no outer border, no header line, no row or column
// separators, left-aligned cells, columnGap spaces between columns, and no
// wrapping, formatting or trimming (cells arrive sanitized and truncated).
func terminalTableOptions(ncols int) []tablewriter.Option {
	gap := tw.Padding{Left: "", Right: strings.Repeat(" ", columnGap), Overwrite: true}
	perColumn := make([]tw.Padding, ncols)
	for i := range perColumn {
		perColumn[i] = gap
	}
	perColumn[ncols-1] = tw.Padding{Overwrite: true} // nothing after the last column
	cell := tw.CellConfig{
		Formatting: tw.CellFormatting{AutoWrap: tw.WrapNone, AutoFormat: tw.Off},
		Alignment:  tw.CellAlignment{Global: tw.AlignLeft},
		Padding:    tw.CellPadding{Global: gap, PerColumn: perColumn},
	}
	return []tablewriter.Option{
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders: tw.BorderNone,
			Symbols: tw.NewSymbols(tw.StyleNone),
			Settings: tw.Settings{
				Lines:      tw.LinesNone,
				Separators: tw.SeparatorsNone,
			},
		})),
		tablewriter.WithConfig(tablewriter.Config{
			Header: cell,
			Row:    cell,
			Footer: cell,
			Behavior: tw.Behavior{
				AutoHide:  tw.Off,
				TrimSpace: tw.Off,
				TrimTab:   tw.Off,
				TrimLine:  tw.Off,
			},
		}),
	}
}

// fitColumns returns column widths whose sum plus the gaps fits maxWidth,
// shrinking the widest columns first. Columns are first narrowed no further
// than their header (or minColumnWidth if wider), then, if that is not
// enough, down to minColumnWidth. Columns marked keep are never narrowed.
// When even that does not fit, the result is as narrow as allowed.
func fitColumns(natural, header []int, keep, whole []bool, maxWidth int) []int {
	dropped := make([]bool, len(natural))
	for {
		// The columns that may shrink give up width down to their header
		// (identifiers, kept, never shrink: R-CLI-1).
		w := slices.Clone(natural)
		floor := make([]int, len(w))
		total, shown := 0, 0
		for i := range w {
			if dropped[i] {
				w[i], floor[i] = -1, -1
				continue
			}
			floor[i] = natural[i]
			if !keep[i] && !whole[i] {
				floor[i] = min(natural[i], max(header[i], minColumnWidth))
			}
			total += natural[i]
			shown++
		}
		excess := shrink(w, floor, total+columnGap*max(shown-1, 0)-maxWidth)
		if excess <= 0 {
			return w
		}
		// Still too wide: leave out the last column that may go, rather
		// than cut every header to "CREA…" (as gh does), and fit again.
		last := -1
		for i := len(w) - 1; i >= 0; i-- {
			if !dropped[i] && !keep[i] {
				last = i
				break
			}
		}
		if last < 0 {
			return w // only identifiers left: they are shown whole
		}
		dropped[last] = true
	}
}

// shrink narrows w by up to excess columns in total, always taking from the
// currently widest column that is still above its floor, and returns the
// excess that is left.
func shrink(w, floor []int, excess int) int {
	for excess > 0 {
		widest, second := -1, 0
		for i := range w {
			if w[i] <= floor[i] {
				continue
			}
			if widest < 0 || w[i] > w[widest] {
				if widest >= 0 {
					second = max(second, w[widest])
				}
				widest = i
			} else {
				second = max(second, w[i])
			}
		}
		if widest < 0 {
			break
		}
		target := max(floor[widest], second, w[widest]-excess)
		if target == w[widest] {
			target-- // tied with another column: narrow one column at a time
		}
		excess -= w[widest] - target
		w[widest] = target
	}
	return excess
}
