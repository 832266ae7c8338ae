package iostreams

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// ErrCancelled is returned by the prompts when the user gives no answer:
// end of input before anything was typed, or Ctrl-C / Ctrl-D on a terminal.
// Callers treat it as "not confirmed".
var ErrCancelled = errors.New("prompt cancelled")

// Confirm asks question on ErrOut, followed by " [y/N]: ", and reads one line
// from In. It returns true only for "y" or "yes" (case-insensitive,
// surrounding blanks ignored); any other answer, including an empty one, is
// false with a nil error. End of input without an answer returns
// ErrCancelled.
//
// Confirm does not check CanPrompt; callers decide whether to ask at all.
func (s *IOStreams) Confirm(question string) (bool, error) {
	line, err := s.readLine(question + " [y/N]: ")
	if err != nil {
		return false, err
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}

// ConfirmByTyping asks question on ErrOut, followed by
// ` Type "expected" to confirm: `, and reads one line from In. It returns
// true only when the answer, with surrounding blanks removed, equals expected
// exactly (case-sensitive; "y" is not accepted unless it is expected).
// End of input without an answer returns ErrCancelled; an empty expected is
// an error, as it would make an empty answer confirm.
//
// ConfirmByTyping does not check CanPrompt; callers decide whether to ask.
func (s *IOStreams) ConfirmByTyping(question, expected string) (bool, error) {
	if expected == "" {
		return false, errors.New("iostreams: ConfirmByTyping needs a non-empty expected answer")
	}
	prompt := fmt.Sprintf("Type %q to confirm: ", expected)
	if question != "" {
		prompt = question + " " + prompt
	}
	line, err := s.readLine(prompt)
	if err != nil {
		return false, err
	}
	return strings.TrimSpace(line) == expected, nil
}

// readLine shows prompt and returns one line of input without its line
// ending. A real terminal on In is read in raw mode through x/term's line
// editor; anything else (pipes, buffers, SACTL_FORCE_TTY) is read through a
// bufio.Reader kept on s.
func (s *IOStreams) readLine(prompt string) (string, error) {
	if f, ok := s.In.(*os.File); ok && s.isTerminal != nil && s.isTerminal(int(f.Fd())) {
		return s.readLineRaw(f, prompt)
	}
	return s.readLineBuffered(prompt)
}

func (s *IOStreams) readLineBuffered(prompt string) (string, error) {
	if _, err := io.WriteString(s.ErrOut, prompt); err != nil {
		return "", err
	}
	if s.inReader == nil || s.inReaderSrc != s.In {
		s.inReader = bufio.NewReader(s.In)
		s.inReaderSrc = s.In
	}
	line, err := s.inReader.ReadString('\n')
	// The input was not echoed by a terminal: end the prompt line ourselves
	// so that whatever is written to ErrOut next starts on a new line.
	_, _ = io.WriteString(s.ErrOut, "\n")
	if err != nil {
		if !errors.Is(err, io.EOF) {
			return "", err
		}
		if line == "" {
			return "", ErrCancelled
		}
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// readLineRaw reads a line from the terminal f in raw mode, echoing to
// ErrOut, and always restores the terminal state.
func (s *IOStreams) readLineRaw(f *os.File, prompt string) (line string, err error) {
	fd := int(f.Fd())
	oldState, err := term.MakeRaw(fd)
	if err != nil {
		return "", fmt.Errorf("iostreams: putting terminal in raw mode: %w", err)
	}
	defer func() {
		if rerr := term.Restore(fd, oldState); rerr != nil && err == nil {
			line, err = "", fmt.Errorf("iostreams: restoring terminal: %w", rerr)
		}
	}()

	if s.rawTerm == nil {
		rw := struct {
			io.Reader
			io.Writer
		}{f, s.ErrOut}
		s.rawTerm = term.NewTerminal(rw, "")
	}
	s.rawTerm.SetPrompt(prompt)
	line, err = s.rawTerm.ReadLine()
	if errors.Is(err, term.ErrPasteIndicator) {
		err = nil // a pasted line is still a line
	}
	if err != nil {
		// After Ctrl-C the line editor keeps the half-typed line and cursor
		// position; start afresh next time.
		s.rawTerm = nil
		_, _ = io.WriteString(s.ErrOut, "\r\n")
		if errors.Is(err, io.EOF) {
			return "", ErrCancelled
		}
		return "", err
	}
	return line, nil
}
