package output

import (
	"io"
	"strings"
)

// WriteTSVRow writes one tab-separated line, escaped like the table printer's
// non-terminal output. Streaming commands use it to print rows as they come.
func WriteTSVRow(w io.Writer, cells ...string) error {
	esc := make([]string, len(cells))
	for i, c := range cells {
		esc[i] = escapeTSV(c)
	}
	_, err := io.WriteString(w, strings.Join(esc, "\t")+"\n")
	return err
}
