//go:build unix

package main

import (
	"os"
	"path/filepath"
	"syscall"
)

// Each supervisor's private directory holds a lock file that it keeps
// locked (flock) while it lives; the lock goes with the process however it
// ends, SIGKILL included. A later run removes every private directory whose
// lock it can take: its supervisor no longer exists.

const (
	privatePattern = "baton-miro-*"
	lockName       = ".supervisor.lock"
)

// makePrivateDir creates a private directory in base and locks it; the lock
// file appears under its name only once locked, so a concurrent sweep never
// takes a new directory for a stale one.
func makePrivateDir(base string) (string, func(), error) {
	dir, err := os.MkdirTemp(base, privatePattern)
	if err != nil {
		return "", nil, err
	}
	f, err := os.CreateTemp(dir, ".lock-*")
	if err == nil {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) // #nosec G115 -- a file descriptor
		if err == nil {
			err = os.Rename(f.Name(), filepath.Join(dir, lockName))
		}
	}
	if err != nil {
		if f != nil {
			_ = f.Close()
		}
		_ = os.RemoveAll(dir)
		return "", nil, err
	}
	return dir, func() { _ = f.Close() }, nil
}

// sweepStale removes the private directories in base whose supervisor no
// longer exists.
func sweepStale(base string) {
	dirs, _ := filepath.Glob(filepath.Join(base, privatePattern))
	for _, dir := range dirs {
		f, err := os.Open(filepath.Join(dir, lockName)) // #nosec G304 -- a lock file in our own temporary directories
		if err != nil {
			continue // not a supervisor's directory, or one being created
		}
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil { // #nosec G115 -- a file descriptor
			if os.RemoveAll(dir) != nil {
				_ = os.RemoveAll(dir) // a process of the dead run may still have been writing
			}
		}
		_ = f.Close()
	}
}
