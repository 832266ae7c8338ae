// Package iostreams bundles the standard streams of a sactl invocation with
// what is known about them: which are terminals, whether colour is wanted and
// how wide the terminal is. Commands never touch os.Stdin/os.Stdout/os.Stderr
// directly; they receive an *IOStreams (System in main, Test in tests).
package iostreams

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/term"
)

// DefaultTerminalWidth is the width assumed when the real width of the
// terminal cannot be determined.
const DefaultTerminalWidth = 80

// Environment variables read by System.
const (
	// EnvForceTTY makes System treat stdin, stdout and stderr as terminals
	// when set to a non-empty value other than "0" or "false". A number
	// greater than 1 is also used as the terminal width ("1" only means on).
	EnvForceTTY = "SACTL_FORCE_TTY"
	// EnvNoColor disables colour when set to any non-empty value.
	EnvNoColor = "NO_COLOR"
	// EnvCLIColor disables colour when set to "0".
	EnvCLIColor = "CLICOLOR"
	// EnvCLIColorForce forces colour, even when stdout is not a terminal,
	// when set to a non-empty value other than "0".
	EnvCLIColorForce = "CLICOLOR_FORCE"
)

// IOStreams holds the input and output streams of a command and what is
// known about them. The zero value is not useful; use System or Test.
type IOStreams struct {
	// In is where prompts read answers from.
	In io.Reader
	// Out receives data (tables, JSON, ...).
	Out io.Writer
	// ErrOut receives messages, prompts and errors.
	ErrOut io.Writer
	// Quiet (-q, --quiet) silences acknowledgements (Ack): what a command
	// says on stderr about what it did, such as "profile saved". Errors,
	// warnings, prompts and data are never silenced.
	Quiet bool

	stdinTTY     bool
	stdoutTTY    bool
	stderrTTY    bool
	colorEnabled bool

	// forcedWidth, when > 0, is returned by TerminalWidth.
	forcedWidth int
	// stdoutFd is the descriptor whose size TerminalWidth asks for, -1 if
	// stdout is not a file.
	stdoutFd int
	getSize  func(fd int) (width, height int, err error)

	isTerminal func(fd int) bool

	// inReader buffers In for prompts so that consecutive prompts do not lose
	// input that was read ahead; inReaderSrc is the reader it wraps, so a
	// reassigned In gets a fresh buffer.
	inReader    *bufio.Reader
	inReaderSrc io.Reader
	// rawTerm is the x/term line editor used when In is a real terminal; it
	// is kept between prompts because it may hold input typed ahead.
	rawTerm *term.Terminal
}

// sysDeps are the parts of the operating system System depends on, made
// injectable so tests need neither a terminal nor a mutated environment.
type sysDeps struct {
	getenv     func(string) string
	isTerminal func(fd int) bool
	getSize    func(fd int) (width, height int, err error)
}

// System returns IOStreams for os.Stdin, os.Stdout and os.Stderr, with
// terminal detection per stream and colour settings taken from the
// environment (SACTL_FORCE_TTY, NO_COLOR, CLICOLOR, CLICOLOR_FORCE).
func System() *IOStreams {
	return fromEnv(sysDeps{
		getenv:     os.Getenv,
		isTerminal: term.IsTerminal,
		getSize:    term.GetSize,
	}, os.Stdin, os.Stdout, os.Stderr)
}

// fromEnv builds IOStreams for the given files using deps for every
// environment and terminal query.
func fromEnv(deps sysDeps, in, out, errOut *os.File) *IOStreams {
	s := &IOStreams{
		In:         in,
		Out:        out,
		ErrOut:     errOut,
		stdoutFd:   int(out.Fd()),
		getSize:    deps.getSize,
		isTerminal: deps.isTerminal,
	}
	s.stdinTTY = deps.isTerminal(int(in.Fd()))
	s.stdoutTTY = deps.isTerminal(s.stdoutFd)
	s.stderrTTY = deps.isTerminal(int(errOut.Fd()))

	if forced, width := parseForceTTY(deps.getenv(EnvForceTTY)); forced {
		s.stdinTTY, s.stdoutTTY, s.stderrTTY = true, true, true
		s.forcedWidth = width
	}
	s.colorEnabled = colorWanted(deps.getenv, s.stdoutTTY)
	return s
}

// parseForceTTY interprets SACTL_FORCE_TTY: whether terminals are forced and,
// if the value is a number greater than 1, the forced terminal width (else
// 0). "1" is the usual way to say "on", not a width of one column.
func parseForceTTY(v string) (forced bool, width int) {
	v = strings.TrimSpace(v)
	if v == "" || v == "0" || strings.EqualFold(v, "false") {
		return false, 0
	}
	if n, err := strconv.Atoi(v); err == nil && n > 1 {
		return true, n
	}
	return true, 0
}

// colorWanted applies NO_COLOR (wins over everything), CLICOLOR_FORCE,
// CLICOLOR=0 and finally whether stdout is a terminal.
func colorWanted(getenv func(string) string, stdoutTTY bool) bool {
	if getenv(EnvNoColor) != "" {
		return false
	}
	if f := getenv(EnvCLIColorForce); f != "" && f != "0" {
		return true
	}
	if getenv(EnvCLIColor) == "0" {
		return false
	}
	return stdoutTTY
}

// Test returns IOStreams backed by buffers: nothing is a terminal and colour
// is off. The buffers are returned for feeding input and checking output.
func Test() (s *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	s = &IOStreams{
		In:         in,
		Out:        out,
		ErrOut:     errOut,
		stdoutFd:   -1,
		isTerminal: func(int) bool { return false },
	}
	return s, in, out, errOut
}

// IsStdinTTY reports whether stdin is (treated as) a terminal.
func (s *IOStreams) IsStdinTTY() bool { return s.stdinTTY }

// IsStdoutTTY reports whether stdout is (treated as) a terminal. Output
// formatting (tables, times) depends on it.
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// IsStderrTTY reports whether stderr is (treated as) a terminal.
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// CanPrompt reports whether the user can be asked a question: stdin and
// stdout are both terminals.
func (s *IOStreams) CanPrompt() bool { return s.stdinTTY && s.stdoutTTY }

// ColorEnabled reports whether ANSI colour may be written to stdout.
func (s *IOStreams) ColorEnabled() bool { return s.colorEnabled }

// SetStdinTTY overrides whether stdin is treated as a terminal (for tests).
func (s *IOStreams) SetStdinTTY(v bool) { s.stdinTTY = v }

// SetStdoutTTY overrides whether stdout is treated as a terminal (for tests).
// It does not change ColorEnabled.
func (s *IOStreams) SetStdoutTTY(v bool) { s.stdoutTTY = v }

// SetStderrTTY overrides whether stderr is treated as a terminal (for tests).
func (s *IOStreams) SetStderrTTY(v bool) { s.stderrTTY = v }

// SetColorEnabled overrides whether colour is enabled (for tests).
func (s *IOStreams) SetColorEnabled(v bool) { s.colorEnabled = v }

// SetTerminalWidth forces the width TerminalWidth returns (for tests);
// a value <= 0 removes the override.
func (s *IOStreams) SetTerminalWidth(width int) {
	if width < 0 {
		width = 0
	}
	s.forcedWidth = width
}

// TerminalWidth returns the width of the terminal in columns: the width
// forced by SACTL_FORCE_TTY or SetTerminalWidth, else the real width of the
// terminal stdout is attached to, else DefaultTerminalWidth.
func (s *IOStreams) TerminalWidth() int {
	if s.forcedWidth > 0 {
		return s.forcedWidth
	}
	if s.getSize != nil && s.stdoutFd >= 0 {
		if w, _, err := s.getSize(s.stdoutFd); err == nil && w > 0 {
			return w
		}
	}
	return DefaultTerminalWidth
}

// ColorScheme returns colour helpers that are no-ops when colour is off.
func (s *IOStreams) ColorScheme() *ColorScheme {
	return &ColorScheme{enabled: s.colorEnabled}
}

// Ack writes an acknowledgement line to ErrOut, unless Quiet.
func (s *IOStreams) Ack(format string, a ...any) {
	if !s.Quiet {
		fmt.Fprintf(s.ErrOut, format+"\n", a...)
	}
}
