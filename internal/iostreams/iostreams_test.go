package iostreams

import (
	"errors"
	"os"
	"testing"
)

// fakeDeps returns sysDeps with the given environment, the given descriptors
// (0 stdin, 1 stdout, 2 stderr) reported as terminals and getSize reporting
// size for stdout when it is a terminal (or failing when size is 0).
func fakeDeps(env map[string]string, ttyFds []int, size int) sysDeps {
	isTerminal := func(fd int) bool {
		for _, t := range ttyFds {
			if t == fd {
				return true
			}
		}
		return false
	}
	return sysDeps{
		getenv:     func(k string) string { return env[k] },
		isTerminal: isTerminal,
		getSize: func(fd int) (int, int, error) {
			if size == 0 || fd != 1 || !isTerminal(fd) {
				return 0, 0, errors.New("not a terminal")
			}
			return size, 24, nil
		},
	}
}

func TestFromEnv(t *testing.T) {
	tests := []struct {
		name                  string
		env                   map[string]string
		ttys                  []int
		size                  int
		stdin, stdout, stderr bool
		color                 bool
		width                 int
		canPrompt             bool
	}{
		{name: "nothing is a terminal", width: 80},
		{name: "real terminal everywhere", ttys: []int{0, 1, 2}, size: 132,
			stdin: true, stdout: true, stderr: true, color: true, width: 132, canPrompt: true},
		{name: "stdout piped", ttys: []int{0, 2}, size: 132,
			stdin: true, stderr: true, width: 80},
		{name: "stdin piped", ttys: []int{1, 2}, size: 100,
			stdout: true, stderr: true, color: true, width: 100},
		{name: "force tty", env: map[string]string{"SACTL_FORCE_TTY": "1"},
			stdin: true, stdout: true, stderr: true, color: true, width: 80, canPrompt: true},
		{name: "force tty with width", env: map[string]string{"SACTL_FORCE_TTY": "120"},
			stdin: true, stdout: true, stderr: true, color: true, width: 120, canPrompt: true},
		{name: "forced width beats real width", env: map[string]string{"SACTL_FORCE_TTY": "60"}, ttys: []int{0, 1, 2}, size: 132,
			stdin: true, stdout: true, stderr: true, color: true, width: 60, canPrompt: true},
		{name: "force tty on a real terminal keeps its width", env: map[string]string{"SACTL_FORCE_TTY": "true"}, ttys: []int{1}, size: 132,
			stdin: true, stdout: true, stderr: true, color: true, width: 132, canPrompt: true},
		{name: "force tty word", env: map[string]string{"SACTL_FORCE_TTY": "yes"},
			stdin: true, stdout: true, stderr: true, color: true, width: 80, canPrompt: true},
		{name: "force tty 0", env: map[string]string{"SACTL_FORCE_TTY": "0"}, width: 80},
		{name: "force tty false", env: map[string]string{"SACTL_FORCE_TTY": "FALSE"}, width: 80},
		{name: "NO_COLOR on terminal", env: map[string]string{"NO_COLOR": "1"}, ttys: []int{0, 1, 2}, size: 90,
			stdin: true, stdout: true, stderr: true, width: 90, canPrompt: true},
		{name: "NO_COLOR with forced tty", env: map[string]string{"SACTL_FORCE_TTY": "1", "NO_COLOR": "x"},
			stdin: true, stdout: true, stderr: true, width: 80, canPrompt: true},
		{name: "CLICOLOR=0 on terminal", env: map[string]string{"CLICOLOR": "0"}, ttys: []int{1},
			stdout: true, width: 80},
		{name: "CLICOLOR=1 on terminal", env: map[string]string{"CLICOLOR": "1"}, ttys: []int{1},
			stdout: true, color: true, width: 80},
		{name: "CLICOLOR_FORCE on pipe", env: map[string]string{"CLICOLOR_FORCE": "1"},
			color: true, width: 80},
		{name: "CLICOLOR_FORCE=0 on pipe", env: map[string]string{"CLICOLOR_FORCE": "0"}, width: 80},
		{name: "CLICOLOR_FORCE beats CLICOLOR=0", env: map[string]string{"CLICOLOR_FORCE": "1", "CLICOLOR": "0"},
			color: true, width: 80},
		{name: "NO_COLOR beats CLICOLOR_FORCE", env: map[string]string{"CLICOLOR_FORCE": "1", "NO_COLOR": "1"},
			width: 80},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fromEnv(fakeDeps(tt.env, tt.ttys, tt.size), os.Stdin, os.Stdout, os.Stderr)
			if s.In != os.Stdin || s.Out != os.Stdout || s.ErrOut != os.Stderr {
				t.Errorf("streams not wired to the given files")
			}
			if got := s.IsStdinTTY(); got != tt.stdin {
				t.Errorf("IsStdinTTY = %v, want %v", got, tt.stdin)
			}
			if got := s.IsStdoutTTY(); got != tt.stdout {
				t.Errorf("IsStdoutTTY = %v, want %v", got, tt.stdout)
			}
			if got := s.IsStderrTTY(); got != tt.stderr {
				t.Errorf("IsStderrTTY = %v, want %v", got, tt.stderr)
			}
			if got := s.ColorEnabled(); got != tt.color {
				t.Errorf("ColorEnabled = %v, want %v", got, tt.color)
			}
			if got := s.TerminalWidth(); got != tt.width {
				t.Errorf("TerminalWidth = %d, want %d", got, tt.width)
			}
			if got := s.CanPrompt(); got != tt.canPrompt {
				t.Errorf("CanPrompt = %v, want %v", got, tt.canPrompt)
			}
		})
	}
}

func TestParseForceTTY(t *testing.T) {
	tests := []struct {
		in     string
		forced bool
		width  int
	}{
		{"", false, 0},
		{"0", false, 0},
		{"false", false, 0},
		{"False", false, 0},
		{"1", true, 0},
		{"2", true, 2},
		{"true", true, 0},
		{"150", true, 150},
		{"-3", true, 0},
	}
	for _, tt := range tests {
		forced, width := parseForceTTY(tt.in)
		if forced != tt.forced || width != tt.width {
			t.Errorf("parseForceTTY(%q) = %v, %d; want %v, %d", tt.in, forced, width, tt.forced, tt.width)
		}
	}
}

func TestTestStreams(t *testing.T) {
	s, in, out, errOut := Test()
	if s.In != in || s.Out != out || s.ErrOut != errOut {
		t.Fatal("Test() streams are not the returned buffers")
	}
	if s.IsStdinTTY() || s.IsStdoutTTY() || s.IsStderrTTY() || s.CanPrompt() || s.ColorEnabled() {
		t.Error("Test() streams must not be terminals nor have colour")
	}
	if w := s.TerminalWidth(); w != DefaultTerminalWidth {
		t.Errorf("TerminalWidth = %d, want %d", w, DefaultTerminalWidth)
	}
}

func TestSetters(t *testing.T) {
	s, _, _, _ := Test()
	s.SetStdinTTY(true)
	if s.CanPrompt() {
		t.Error("CanPrompt with only stdin a terminal")
	}
	s.SetStdoutTTY(true)
	if !s.IsStdinTTY() || !s.IsStdoutTTY() || !s.CanPrompt() {
		t.Error("CanPrompt false with stdin and stdout terminals")
	}
	s.SetStdinTTY(false)
	if s.CanPrompt() {
		t.Error("CanPrompt with only stdout a terminal")
	}
	s.SetStderrTTY(true)
	if !s.IsStderrTTY() {
		t.Error("SetStderrTTY(true) ignored")
	}
	s.SetColorEnabled(true)
	if !s.ColorEnabled() || s.ColorScheme().Bold("x") == "x" {
		t.Error("SetColorEnabled(true) ignored")
	}
	s.SetTerminalWidth(42)
	if w := s.TerminalWidth(); w != 42 {
		t.Errorf("TerminalWidth = %d after SetTerminalWidth(42)", w)
	}
	s.SetTerminalWidth(0)
	if w := s.TerminalWidth(); w != DefaultTerminalWidth {
		t.Errorf("TerminalWidth = %d after SetTerminalWidth(0)", w)
	}
}

func TestColorScheme(t *testing.T) {
	off := &ColorScheme{enabled: false}
	on := &ColorScheme{enabled: true}
	funcs := map[string]struct {
		off, on func(string) string
		code    string
	}{
		"Bold":   {off.Bold, on.Bold, "1"},
		"Yellow": {off.Yellow, on.Yellow, "33"},
	}
	for name, f := range funcs {
		if got := f.off("text"); got != "text" {
			t.Errorf("%s disabled = %q, want unchanged", name, got)
		}
		want := "\x1b[" + f.code + "mtext\x1b[0m"
		if got := f.on("text"); got != want {
			t.Errorf("%s enabled = %q, want %q", name, got, want)
		}
		if got := f.on(""); got != "" {
			t.Errorf("%s enabled on empty string = %q, want empty", name, got)
		}
	}
	if got := off.WarningIcon(); got != "!" {
		t.Errorf("WarningIcon disabled = %q", got)
	}
	if got := on.WarningIcon(); got != "\x1b[33m!\x1b[0m" {
		t.Errorf("WarningIcon enabled = %q", got)
	}

	s, _, _, _ := Test()
	if got := s.ColorScheme().Bold("x"); got != "x" {
		t.Errorf("ColorScheme of Test() streams colours: %q", got)
	}
}
