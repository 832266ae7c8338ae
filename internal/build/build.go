// Package build holds the version stamped at build time with -ldflags
// (R-CLI-7), e.g. -X github.com/sactl/sactl/internal/build.Version=v1.2.3.
package build

import "runtime/debug"

// Set by ldflags in release builds.
var (
	Version = "dev"
	Commit  = ""
	Date    = ""
)

func init() {
	if Commit != "" {
		return
	}
	// go install / go build from a checkout: take what the toolchain recorded.
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return
	}
	if Version == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		Version = info.Main.Version
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			Commit = s.Value
		case "vcs.time":
			Date = s.Value
		}
	}
}

// String is the text of sactl --version.
func String() string {
	commit, date := Commit, Date
	if commit == "" {
		commit = "unknown"
	}
	if date == "" {
		date = "unknown"
	}
	return Version + " (commit " + commit + ", built " + date + ")"
}
