package engine

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/lukhas/notion-sync-action/internal/ledger"
	"github.com/lukhas/notion-sync-action/internal/notion"
)

// TestLastRuns: the last run record with status ok counts, not a later failed
// run, not the write records and not a restore's run; the later failed run is
// returned too.
func TestLastRuns(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "ledger.jsonl")
	if good, last, err := LastRuns(path); good != nil || last != nil || err != nil {
		t.Fatalf("no ledger: %+v, %+v, %v; want nil, nil, nil", good, last, err)
	}
	w, err := ledger.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []ledger.Record{
		{RunID: "a", Action: "run", Status: "ok", DurationMS: 1500},
		{RunID: "b", Action: "update", Status: "ok", Module: "m"},
		{RunID: "b", Action: "run", Status: "error", DurationMS: 9},
		// Restores are not syncs, with a run id of their own or (in older
		// ledgers) sharing the sync's.
		{RunID: "b-restore", Action: "restore", Status: "ok", Module: "m"},
		{RunID: "b-restore", Action: "run", Status: "ok", DurationMS: 7},
		{RunID: "b", Action: "restore", Status: "ok", Module: "m"},
		{RunID: "b", Action: "run", Status: "ok", DurationMS: 8},
		{RunID: "c", Action: "update", Status: "ok", Module: "m"},
	} {
		if err := w.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	good, last, err := LastRuns(path)
	if err != nil || good == nil || last == nil {
		t.Fatalf("LastRuns: %+v, %+v, %v", good, last, err)
	}
	if diff := cmp.Diff([]time.Duration{1500 * time.Millisecond, 9 * time.Millisecond}, []time.Duration{good.Duration, last.Duration}); diff != "" {
		t.Errorf("good and last run mismatch (-want +got):\n%s", diff)
	}
}

// TestGaveUp: only Notion's 429 (after the retries) is a rate limit that gave
// up, wrapped or not, and the first one is returned.
func TestGaveUp(t *testing.T) {
	t.Parallel()
	limited := &notion.APIError{Status: 429, Code: "rate_limited", Message: "slow down"}
	other := &notion.APIError{Status: 401, Code: "unauthorized"}
	tests := []struct {
		errs []error
		want error
	}{
		{nil, nil},
		{[]error{nil, other}, nil},
		{[]error{errors.New("dial tcp: refused"), limited}, limited},
		{[]error{fmt.Errorf("read database: %w", limited), nil}, limited},
	}
	for i, tt := range tests {
		if got := gaveUp(tt.errs...); got != tt.want {
			t.Errorf("%d: gaveUp(%v) = %v, want %v", i, tt.errs, got, tt.want)
		}
	}
}
