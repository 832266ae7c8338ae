//go:build !unix

package sqlite

import "errors"

// shmHeader is unix-only: elsewhere Version reads PRAGMA data_version.
type shmHeader struct{}

func openShm(string) (*shmHeader, error) { return nil, errors.New("no mapped WAL index here") }

func (*shmHeader) version() (uint64, bool) { return 0, false }

func (*shmHeader) close() error { return nil }
