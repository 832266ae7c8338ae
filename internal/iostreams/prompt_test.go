package iostreams

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestConfirm(t *testing.T) {
	tests := []struct {
		input string
		want  bool
		err   error
	}{
		{"y\n", true, nil},
		{"Y\n", true, nil},
		{"yes\n", true, nil},
		{"YeS\r\n", true, nil},
		{"  yes  \n", true, nil},
		{"yes", true, nil}, // EOF after an answer still counts
		{"n\n", false, nil},
		{"\n", false, nil},
		{"yess\n", false, nil},
		{"ok\n", false, nil},
		{"", false, ErrCancelled},
	}
	for _, tt := range tests {
		s, in, _, errOut := Test()
		in.WriteString(tt.input)
		got, err := s.Confirm("Suspend account ci-bot?")
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("Confirm with input %q = %v, %v; want %v, %v", tt.input, got, err, tt.want, tt.err)
		}
		if want := "Suspend account ci-bot? [y/N]: \n"; errOut.String() != want {
			t.Errorf("prompt on ErrOut = %q, want %q", errOut.String(), want)
		}
	}
}

func TestConfirmByTyping(t *testing.T) {
	tests := []struct {
		input string
		want  bool
		err   error
	}{
		{"ci-bot\n", true, nil},
		{"ci-bot\r\n", true, nil},
		{" ci-bot \n", true, nil},
		{"ci-bot", true, nil},
		{"y\n", false, nil},
		{"yes\n", false, nil},
		{"CI-BOT\n", false, nil},
		{"ci-bo\n", false, nil},
		{"\n", false, nil},
		{"", false, ErrCancelled},
	}
	for _, tt := range tests {
		s, in, out, errOut := Test()
		in.WriteString(tt.input)
		got, err := s.ConfirmByTyping("Delete account ci-bot? This cannot be undone.", "ci-bot")
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("ConfirmByTyping with input %q = %v, %v; want %v, %v", tt.input, got, err, tt.want, tt.err)
		}
		want := "Delete account ci-bot? This cannot be undone. Type \"ci-bot\" to confirm: \n"
		if errOut.String() != want {
			t.Errorf("prompt on ErrOut = %q, want %q", errOut.String(), want)
		}
		if out.Len() != 0 {
			t.Errorf("prompt wrote to Out: %q", out.String())
		}
	}
}

func TestConfirmByTypingRejectsEmptyExpected(t *testing.T) {
	s, in, _, _ := Test()
	in.WriteString("\n")
	ok, err := s.ConfirmByTyping("Delete?", "")
	if ok || err == nil {
		t.Fatalf("ConfirmByTyping with empty expected = %v, %v; want false and an error", ok, err)
	}
}

func TestConsecutivePrompts(t *testing.T) {
	s, in, _, errOut := Test()
	in.WriteString("y\nwrong\nci-bot\nno\n")

	steps := []struct {
		ask  func() (bool, error)
		want bool
	}{
		{func() (bool, error) { return s.Confirm("First?") }, true},
		{func() (bool, error) { return s.ConfirmByTyping("Second?", "ci-bot") }, false},
		{func() (bool, error) { return s.ConfirmByTyping("Third?", "ci-bot") }, true},
		{func() (bool, error) { return s.Confirm("Fourth?") }, false},
	}
	for i, st := range steps {
		got, err := st.ask()
		if err != nil || got != st.want {
			t.Fatalf("prompt %d = %v, %v; want %v, nil", i+1, got, err, st.want)
		}
	}
	if _, err := s.Confirm("Fifth?"); !errors.Is(err, ErrCancelled) {
		t.Errorf("prompt after input ran out: err = %v, want ErrCancelled", err)
	}
	for _, q := range []string{"First? [y/N]: ", "Second? Type", "Third? Type", "Fourth? [y/N]: ", "Fifth?"} {
		if !strings.Contains(errOut.String(), q) {
			t.Errorf("ErrOut %q lacks prompt %q", errOut.String(), q)
		}
	}
}

// oneByteReader hands out its input a byte at a time and so checks that
// the prompts do not depend on reads returning whole lines.
type oneByteReader struct{ r io.Reader }

func (o oneByteReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return o.r.Read(p[:1])
}

func TestPromptReassignedIn(t *testing.T) {
	s, in, _, _ := Test()
	in.WriteString("y\n")
	if ok, err := s.Confirm("First?"); !ok || err != nil {
		t.Fatalf("first Confirm = %v, %v", ok, err)
	}
	s.In = oneByteReader{bytes.NewBufferString("no\nyes\n")}
	if ok, err := s.Confirm("Second?"); ok || err != nil {
		t.Fatalf("Confirm on new In = %v, %v; want false, nil", ok, err)
	}
	if ok, err := s.Confirm("Third?"); !ok || err != nil {
		t.Fatalf("Confirm on new In = %v, %v; want true, nil", ok, err)
	}
}

type failingReader struct{}

var errBoom = errors.New("boom")

func (failingReader) Read([]byte) (int, error) { return 0, errBoom }

func TestPromptReadError(t *testing.T) {
	s, _, _, _ := Test()
	s.In = failingReader{}
	if ok, err := s.Confirm("Sure?"); ok || !errors.Is(err, errBoom) {
		t.Fatalf("Confirm with failing reader = %v, %v; want false, boom", ok, err)
	}
}
