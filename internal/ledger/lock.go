package ledger

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/lukhas/notion-sync-action/internal/safefile"
)

// Lock takes the run lock at path (inside root; by convention the ledger's
// path + ".lock") for one sync or restore, so that a sync started by a git
// hook and one started by hand never plan the same creates at once. A second
// caller waits for the first, saying so in log; the lock goes with the process
// if it dies. It is the same flock the ledger's Writer takes on the ledger
// itself, on a separate file, so that holding it across a whole run does not
// stop the run's own appends. Where flock does not exist, Lock only opens the
// file: concurrent runs there rely on the crash-safe create alone.
//
// The lock file is opened with safefile, so a committed link at path is
// refused rather than created through. The wait ends with ctx: a cancelled run
// does not wait for another to finish.
func Lock(ctx context.Context, root, path string, log *slog.Logger) (unlock func(), err error) {
	f, err := safefile.OpenLock(root, path)
	if err != nil {
		return nil, fmt.Errorf("open lock: %w", err)
	}
	busy, err := tryLockFile(f)
	if err == nil && busy {
		log.Info("another sync holds the lock; waiting for it to finish", "lock", path)
		err = waitLock(ctx, f)
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

// lockPoll is how often a waiting Lock tries the lock again.
const lockPoll = 200 * time.Millisecond

// waitLock tries the lock until it is free or ctx is done.
func waitLock(ctx context.Context, f *os.File) error {
	t := time.NewTicker(lockPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for the other sync: %w", context.Cause(ctx))
		case <-t.C:
		}
		busy, err := tryLockFile(f)
		if err != nil || !busy {
			return err
		}
	}
}
