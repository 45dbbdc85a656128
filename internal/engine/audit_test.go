package engine

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
)

// TestLazyPages: audit's page reader connects only when a page is read (the dry
// run already made a client); unused, it opens nothing.
func TestLazyPages(t *testing.T) {
	t.Parallel()
	auditLog := filepath.Join(t.TempDir(), "audit.log")
	l := &lazyPages{s: Settings{AuditLog: auditLog, Log: slog.New(slog.DiscardHandler)}}
	if err := l.Close(); err != nil {
		t.Errorf("Close of an unused reader: %v", err)
	}
	if _, err := os.Stat(auditLog); err == nil {
		t.Error("an unused reader opened the audit log: it connected")
	}
	if _, err := l.Page(t.Context(), "x"); !errors.Is(err, ErrNoToken) {
		t.Errorf("Page without a token = %v, want the connect error", err)
	}
}
