package app

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lukhas/notion-sync-action/internal/notion/emulator"
)

// TestLedgerVerify: a ledger the syncs wrote verifies; one line edited by hand
// is exit 1 naming that line; a missing file is a usage error.
func TestLedgerVerify(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Options{})
	if code, out, errOut := h.run("sync", "--all"); code != ExitOK {
		t.Fatalf("sync exit %d\n%s\n%s", code, out, errOut)
	}
	path := h.path("ledger.jsonl")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	edited := h.path("edited.jsonl")
	at := slices.IndexFunc(lines[1:], func(l string) bool { return strings.Contains(l, `"status":"ok"`) }) + 1
	if at == 0 {
		t.Fatalf("no ok record after the first line:\n%s", data)
	}
	lines[at] = strings.Replace(lines[at], `"status":"ok"`, `"status":"okay"`, 1)
	tampered := strings.Join(lines, "")
	if err := os.WriteFile(edited, []byte(tampered), 0o644); err != nil {
		t.Fatal(err)
	}
	// A run with a failed module writes a run record with status error; the
	// ledger still verifies.
	manifestPath := filepath.Join(h.repo, "memory", "module.manifest.json")
	m, err := os.ReadFile(manifestPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(manifestPath, []byte(strings.Replace(string(m), `"mqi": 79.5`, `"mqi": "very high"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := h.run("sync", "--all"); code != ExitProblems {
		t.Fatalf("sync with a failed module exit %d\n%s\n%s", code, out, errOut)
	}
	tests := []struct {
		name     string
		file     string
		wantCode int
		wantOut  string
	}{
		{"as written, with a failed run", path, ExitOK, "every record verify"},
		{"one line edited", edited, ExitProblems, fmt.Sprintf("line %d", at+1)},
		{"missing", h.path("nope.jsonl"), ExitUsage, ""},
	}
	for _, tt := range tests {
		code, out, errOut := runMain(t, "ledger", "verify", tt.file)
		if code != tt.wantCode || !strings.Contains(out, tt.wantOut) {
			t.Errorf("%s: exit %d, want %d with %q\n%s\n%s", tt.name, code, tt.wantCode, tt.wantOut, out, errOut)
		}
	}
}
