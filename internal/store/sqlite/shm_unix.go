//go:build unix

package sqlite

import (
	"os"
	"runtime/debug"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// shmHeader reads the WAL-index header in the database's -shm file, mapped
// read-only: SQLite rewrites it at every commit of any connection of any
// process (its iChange counter, mxFrame, salts and checksum change), and
// writes its two copies in the order that lets a reader tell a torn read:
// the second copy first, then the first (https://www.sqlite.org/walformat.html,
// §2.1). Reading the first copy then the second, both equal is a header a
// commit wrote whole; unequal, or not yet initialised, is "cannot tell".
// It costs a few dozen atomic loads, no system call: the verification
// cache's hit path reads it on every request.
type shmHeader struct {
	f   *os.File
	mem []byte
}

// headerWords is one copy of the header: 48 bytes.
const headerWords = 12

func openShm(dbPath string) (*shmHeader, error) {
	f, err := os.Open(dbPath + "-shm")
	if err != nil {
		return nil, err
	}
	mem, err := syscall.Mmap(int(f.Fd()), 0, 2*4*headerWords, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		f.Close()
		return nil, err
	}
	return &shmHeader{f: f, mem: mem}, nil
}

// version is a digest of the header, or false when it cannot be told now.
func (h *shmHeader) version() (v uint64, ok bool) {
	// The file is never truncated while this process holds the database
	// open (SQLite truncates it only for the first connection of all), but
	// a fault on the mapping must not bring the server down: it is a
	// "cannot tell" like any other.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if recover() != nil {
			v, ok = 0, false
		}
	}()
	word := func(i int) uint32 { return atomic.LoadUint32((*uint32)(unsafe.Pointer(&h.mem[4*i]))) }
	var a [headerWords]uint32
	for i := range a {
		a[i] = word(i)
	}
	for i := range a {
		if word(headerWords+i) != a[i] {
			return 0, false
		}
	}
	if h.mem[12] == 0 { // isInit
		return 0, false
	}
	// FNV-1a over the copy: iChange, mxFrame, nPage, the frame checksum,
	// the salts and the header's own checksum.
	v = 14695981039346656037
	for _, w := range a {
		v ^= uint64(w)
		v *= 1099511628211
	}
	return v, true
}

func (h *shmHeader) close() error {
	err := syscall.Munmap(h.mem)
	if cerr := h.f.Close(); err == nil {
		err = cerr
	}
	return err
}
