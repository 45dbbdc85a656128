//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package ledger

import "os"

// lockFile is a no-op where flock is not available: Writers in one process still share a
// chain through their mutex, and a Writer still notices (by the file size) that another
// process appended, but two processes appending at the same instant may fork the chain,
// which Verify then reports.
func lockFile(*os.File) error { return nil }

func tryLockFile(*os.File) (bool, error) { return true, nil }

func unlockFile(*os.File) error { return nil }

// syncDir is a no-op: directories cannot be fsynced on these systems.
func syncDir(string) error { return nil }
