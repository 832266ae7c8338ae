//go:build linux

package iostreams

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/term"
)

// ioctl runs an ioctl on f without calling f.Fd, which would switch f to
// blocking mode and so disable read deadlines.
func ioctl(f *os.File, req uintptr, arg unsafe.Pointer) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ioErr error
	err = rc.Control(func(fd uintptr) {
		if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, req, uintptr(arg)); errno != 0 {
			ioErr = errno
		}
	})
	if err != nil {
		return err
	}
	return ioErr
}

// openPTY opens a pseudo-terminal pair or skips the test.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	var n uint32
	if err := ioctl(master, syscall.TIOCGPTN, unsafe.Pointer(&n)); err != nil {
		t.Skipf("TIOCGPTN: %v", err)
	}
	var unlock int32
	if err := ioctl(master, syscall.TIOCSPTLCK, unsafe.Pointer(&unlock)); err != nil {
		t.Skipf("TIOCSPTLCK: %v", err)
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("opening pty slave: %v", err)
	}
	t.Cleanup(func() { slave.Close() })
	return master, slave
}

func lflag(t *testing.T, f *os.File) uint32 {
	t.Helper()
	var tios syscall.Termios
	if err := ioctl(f, syscall.TCGETS, unsafe.Pointer(&tios)); err != nil {
		t.Fatalf("TCGETS: %v", err)
	}
	return tios.Lflag
}

// answer reads the terminal's output from master until it contains prompt
// (the prompt is written once the terminal is in raw mode) and then types
// keys. It reports on done. If the prompt does not appear in time it types
// Ctrl-C instead, so that the prompt under test returns, and reports an
// error.
func answer(master *os.File, prompt, keys string) <-chan error {
	done := make(chan error, 1)
	go func() {
		var seen bytes.Buffer
		buf := make([]byte, 256)
		if err := master.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
			_, _ = master.WriteString("\x03")
			done <- fmt.Errorf("setting read deadline on pty master: %w", err)
			return
		}
		for !bytes.Contains(seen.Bytes(), []byte(prompt)) {
			n, err := master.Read(buf)
			seen.Write(buf[:n])
			if err != nil {
				_, _ = master.WriteString("\x03")
				done <- fmt.Errorf("prompt %q not seen: %w (saw %q)", prompt, err, seen.String())
				return
			}
		}
		_, err := master.WriteString(keys)
		done <- err
	}()
	return done
}

// TestPromptRawTerminal drives the raw-mode path through a real
// pseudo-terminal: answers are read with x/term's line editor and the
// terminal is back in canonical mode with echo afterwards, also after Ctrl-C.
func TestPromptRawTerminal(t *testing.T) {
	master, slave := openPTY(t)
	s, _, _, _ := Test()
	s.In = slave
	s.ErrOut = slave
	s.isTerminal = term.IsTerminal

	before := lflag(t, slave)
	if before&syscall.ICANON == 0 || before&syscall.ECHO == 0 {
		t.Fatalf("fresh pty not canonical with echo: lflag %#x", before)
	}
	checkRestored := func(step string) {
		t.Helper()
		if got := lflag(t, slave); got != before {
			t.Fatalf("%s: terminal not restored: lflag %#x, want %#x", step, got, before)
		}
	}

	done := answer(master, `Type "ci-bot" to confirm: `, "ci-bot\r")
	ok, err := s.ConfirmByTyping("Delete ci-bot?", "ci-bot")
	if derr := <-done; derr != nil {
		t.Fatal(derr)
	}
	if !ok || err != nil {
		t.Fatalf("ConfirmByTyping on a terminal = %v, %v; want true, nil", ok, err)
	}
	checkRestored("after ConfirmByTyping")

	done = answer(master, "Again? [y/N]: ", "y\r")
	ok, err = s.Confirm("Again?")
	if derr := <-done; derr != nil {
		t.Fatal(derr)
	}
	if !ok || err != nil {
		t.Fatalf("second prompt = %v, %v; want true, nil", ok, err)
	}
	checkRestored("after Confirm")

	done = answer(master, "Interrupt? [y/N]: ", "ye\x03")
	ok, err = s.Confirm("Interrupt?")
	if derr := <-done; derr != nil {
		t.Fatal(derr)
	}
	if ok || !errors.Is(err, ErrCancelled) {
		t.Fatalf("Ctrl-C = %v, %v; want false, ErrCancelled", ok, err)
	}
	checkRestored("after Ctrl-C")

	// The half-typed "ye" must not leak into the next answer.
	done = answer(master, "After? [y/N]: ", "s\r")
	ok, err = s.Confirm("After?")
	if derr := <-done; derr != nil {
		t.Fatal(derr)
	}
	if ok || err != nil {
		t.Fatalf("prompt after Ctrl-C = %v, %v; want false, nil", ok, err)
	}

	done = answer(master, "EOF? [y/N]: ", "\x04")
	ok, err = s.Confirm("EOF?")
	if derr := <-done; derr != nil {
		t.Fatal(derr)
	}
	if ok || !errors.Is(err, ErrCancelled) {
		t.Fatalf("Ctrl-D = %v, %v; want false, ErrCancelled", ok, err)
	}
	checkRestored("after Ctrl-D")
}
