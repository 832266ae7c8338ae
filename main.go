package main

import (
	"os"

	"github.com/sactl/sactl/cmd"
)

func main() {
	os.Exit(cmd.Main())
}
