// Command gendocs regenerates sactl's command reference (docs/cli, docs/man)
// and shell completions (completions/) from the command tree (R-CLI-6).
// "make generate" runs it from the repository root:
//
//	go run ./internal/gendocs [-root DIR]
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/sactl/sactl/internal/gendocs/gen"
)

func main() {
	root := flag.String("root", ".", "repository root to write docs/ and completions/ under")
	flag.Parse()
	if err := gen.Generate(*root); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}
