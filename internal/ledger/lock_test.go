//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package ledger

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
)

// TestLock: while Lock holds the file, nobody else can take it (a second open
// of the file, as another process would have); after unlock they can. Lock
// creates the folder of the lock file.
func TestLock(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	path := filepath.Join(root, "artifacts", "ledger.jsonl.lock")
	unlock, err := Lock(t.Context(), root, path, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	other, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if busy, err := tryLockFile(other); !busy || err != nil {
		t.Fatalf("while locked: tryLockFile = busy %v, %v; want busy", busy, err)
	}
	unlock()
	if busy, err := tryLockFile(other); busy || err != nil {
		t.Fatalf("after unlock: tryLockFile = busy %v, %v; want free", busy, err)
	}
}

// TestLockWaitEndsWithContext: a run waiting for another's lock stops waiting
// when it is cancelled.
func TestLockWaitEndsWithContext(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	path := filepath.Join(root, "ledger.jsonl.lock")
	unlock, err := Lock(t.Context(), root, path, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() {
		_, err := Lock(ctx, root, path, slog.New(slog.DiscardHandler))
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Lock() after cancel = %v, want context.Canceled", err)
	}
}
