package output

import (
	"bytes"
	"strings"

	"github.com/sactl/sactl/internal/iostreams"
)

// Detail prints one object as label/value lines. On a terminal the labels
// are humanized ("api_name" → "API name") and the values aligned:
//
//	ID:          sa_0f3c
//	API name:    ci-bot
//	Created at:  3 days ago
//
// Otherwise each line is the label as given, a tab and the value, with tabs
// and newlines in the value escaped as \t and \n.
type Detail struct {
	ios    *iostreams.IOStreams
	labels []string
	values []string
}

// NewDetail returns an empty detail printer.
func NewDetail(ios *iostreams.IOStreams) *Detail {
	return &Detail{ios: ios}
}

// Add appends a line. label is a lower-case snake_case key ("created_at");
// value is printed as given (use FormatTime and FormatEmpty first).
func (d *Detail) Add(label, value string) {
	d.labels = append(d.labels, label)
	d.values = append(d.values, value)
}

// Render writes all lines to stdout in one Write. Nothing is written when
// no line was added.
func (d *Detail) Render() error {
	if len(d.labels) == 0 {
		return nil
	}
	var buf bytes.Buffer
	if d.ios.IsStdoutTTY() {
		d.renderTerminal(&buf)
	} else {
		for i, l := range d.labels {
			buf.WriteString(escapeTSV(l))
			buf.WriteByte('\t')
			buf.WriteString(escapeTSV(d.values[i]))
			buf.WriteByte('\n')
		}
	}
	_, err := d.ios.Out.Write(buf.Bytes())
	return err
}

func (d *Detail) renderTerminal(buf *bytes.Buffer) {
	labels := make([]string, len(d.labels))
	width := 0
	for i, l := range d.labels {
		labels[i] = labelText(sanitizeTerminal(l, false)) + ":"
		width = max(width, displayWidth(labels[i]))
	}
	cs := d.ios.ColorScheme()
	indent := strings.Repeat(" ", width+2)
	for i, l := range labels {
		pad := strings.Repeat(" ", width-displayWidth(l)+2)
		value := sanitizeTerminal(d.values[i], true)
		// Continuation lines of a multi-line value start under the value.
		value = strings.ReplaceAll(value, "\n", "\n"+indent)
		line := cs.Bold(l) + pad + value
		buf.WriteString(strings.TrimRight(line, " "))
		buf.WriteByte('\n')
	}
}
