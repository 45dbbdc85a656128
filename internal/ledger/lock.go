package ledger

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
)

// Lock holds an exclusive lock on the file at path (created if need be) until
// unlock is called, so that a sync started by a git hook, one started by hand and
// a restore never plan and write at once: each waits for the one before, and
// logs that it waits. The lock is the same flock the Writer takes around each
// append, on a file of its own (sync and restore use the ledger's path plus
// ".lock"), so it goes with the process if that dies. Where flock does not exist
// it does nothing, as Writer's lock.
func Lock(path string, log *slog.Logger) (unlock func(), err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create lock folder: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock %s: %w", path, err)
	}
	ok, err := tryLockFile(f)
	if err == nil && !ok {
		log.Info("another sync holds the lock; waiting for it to finish", "lock", path)
		err = lockFile(f)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() {
		_ = unlockFile(f)
		f.Close()
	}, nil
}
