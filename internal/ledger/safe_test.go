package ledger

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/lukhas/notion-sync-action/internal/safefile"
)

// TestOpenInRefusesLinks reproduces the committed-symlink attack: the ledger,
// or the folder holding it, is a link to a shell start-up file (or its
// folder); OpenIn and Lock must refuse before writing and leave it untouched.
func TestOpenInRefusesLinks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		plant func(t *testing.T, repo, home string)
	}{
		{"ledger is a link to .bashrc", func(t *testing.T, repo, home string) {
			mustMkdir(t, filepath.Join(repo, "artifacts"))
			mustLink(t, filepath.Join(home, ".bashrc"), filepath.Join(repo, "artifacts", "notion_sync_ledger.jsonl"))
		}},
		{"artifacts is a link to home", func(t *testing.T, repo, home string) {
			mustLink(t, home, filepath.Join(repo, "artifacts"))
		}},
	}
	open := map[string]func(repo, path string) error{
		"OpenIn": func(repo, path string) error {
			w, err := OpenIn(repo, path)
			if err == nil {
				err = w.Append(Record{Module: "ok $(touch PWNED) ok"})
				w.Close()
			}
			return err
		},
		"Lock": func(repo, path string) error {
			unlock, err := Lock(t.Context(), repo, path, slog.New(slog.DiscardHandler))
			if err == nil {
				unlock()
			}
			return err
		},
	}
	for _, tt := range tests {
		for name, fn := range open {
			t.Run(name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				base := t.TempDir()
				repo, home := filepath.Join(base, "repo"), filepath.Join(base, "home")
				mustMkdir(t, repo)
				mustMkdir(t, home)
				if err := os.WriteFile(filepath.Join(home, ".bashrc"), []byte("# rc\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				tt.plant(t, repo, home)
				err := fn(repo, filepath.Join(repo, "artifacts", "notion_sync_ledger.jsonl"))
				if !errors.Is(err, safefile.ErrNotPlain) {
					t.Errorf("%s error = %v, want safefile.ErrNotPlain", name, err)
				}
				entries, _ := os.ReadDir(home)
				rc, _ := os.ReadFile(filepath.Join(home, ".bashrc"))
				if len(entries) != 1 || string(rc) != "# rc\n" {
					t.Errorf("%s wrote into the link's target: %d entries, .bashrc = %q", name, len(entries), rc)
				}
			})
		}
	}
	// Open (no root) still refuses the ledger file itself being a link.
	base := t.TempDir()
	mustLink(t, filepath.Join(base, "rc"), filepath.Join(base, "l.jsonl"))
	if _, err := Open(filepath.Join(base, "l.jsonl")); !errors.Is(err, safefile.ErrNotPlain) {
		t.Errorf("Open(link) error = %v, want safefile.ErrNotPlain", err)
	}
}

// TestLockExcludes checks that a second Lock on the same file waits, saying
// so, until the first is released.
func TestLockExcludes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "l.jsonl.lock")
	unlock, err := Lock(t.Context(), dir, path, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	waiting := make(chan struct{})
	got := make(chan error)
	go func() {
		u, err := Lock(t.Context(), dir, path, slog.New(&signal{ch: waiting}))
		if err == nil {
			u()
		}
		got <- err
	}()
	<-waiting // the second Lock found the file locked
	select {
	case err := <-got:
		t.Fatalf("second Lock returned (%v) while the first held the lock", err)
	default:
	}
	unlock()
	if err := <-got; err != nil {
		t.Errorf("second Lock error = %v", err)
	}
}

// signal is a slog.Handler that closes ch on the first record.
type signal struct{ ch chan struct{} }

func (s *signal) Enabled(context.Context, slog.Level) bool { return true }
func (s *signal) Handle(context.Context, slog.Record) error {
	close(s.ch)
	return nil
}
func (s *signal) WithAttrs([]slog.Attr) slog.Handler { return s }
func (s *signal) WithGroup(string) slog.Handler      { return s }

func mustMkdir(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
}

func mustLink(t *testing.T, target, p string) {
	t.Helper()
	if err := os.Symlink(target, p); err != nil {
		t.Fatal(err)
	}
}
