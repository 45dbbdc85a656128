package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lukhas/notion-sync-action/internal/notion/emulator"
)

// TestMassArchiveGuard (#10 item 2): a full sync that would archive more than
// 10% of the pages (and at least 5) stops before writing unless
// --allow-mass-archive says so; a full sync that finds no manifest archives
// nothing even then.
func TestMassArchiveGuard(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Options{})
	if code, out, errOut := h.run("sync", "--all"); code != ExitOK {
		t.Fatalf("first sync exit %d\n%s\n%s", code, out, errOut)
	}
	before := len(h.live())
	removed := 0
	for _, m := range []string{"memory", "dream", "quantum", "bridge", "identity", "consciousness"} {
		if err := os.RemoveAll(filepath.Join(h.repo, m)); err == nil {
			removed++
		}
	}
	if removed < 5 {
		t.Fatalf("removed %d example modules, want at least 5", removed)
	}
	empty := t.TempDir()
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantLive int
		wantErr  string
	}{
		{"no manifest found", []string{"sync", "--all", "--repo", empty, "--allow-mass-archive"}, ExitUsage, before, "found no manifest"},
		{"over the share", []string{"sync", "--all"}, ExitUsage, before, "--allow-mass-archive"},
		{"allowed", []string{"sync", "--all", "--allow-mass-archive"}, ExitOK, before - removed, ""},
	}
	for _, tt := range tests {
		code, out, errOut := h.run(tt.args...)
		if code != tt.wantCode {
			t.Errorf("%s: exit %d, want %d\n%s\n%s", tt.name, code, tt.wantCode, out, errOut)
		}
		if !strings.Contains(errOut, tt.wantErr) {
			t.Errorf("%s: stderr lacks %q:\n%s", tt.name, tt.wantErr, errOut)
		}
		if got := len(h.live()); got != tt.wantLive {
			t.Errorf("%s: %d live pages, want %d", tt.name, got, tt.wantLive)
		}
	}
}

// TestFailedModuleNamedByKey (#10 item 11): a manifest whose key resolves but a
// property does not is reported under its key, in the text output and the plan.
func TestFailedModuleNamedByKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Options{})
	path := filepath.Join(h.repo, "memory", "module.manifest.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(data), `"mqi": 79.5`, `"mqi": "very high"`, 1)
	if err := os.WriteFile(path, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := h.run("sync", "--all")
	if code != ExitProblems {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, ExitProblems, out, errOut)
	}
	if strings.Contains(out, "(no module key)") || !strings.Contains(out, "memory") {
		t.Errorf("the failed module is not named by its key:\n%s", out)
	}
	for _, c := range h.readPlan().Changes {
		if c.Path == "memory/module.manifest.json" && (c.Module != "memory" || c.Error == "") {
			t.Errorf("plan row %+v, want module memory with an error", c)
		}
	}
}

// TestBlockLimitStopsCreating (#7 item 6): a workspace at its block limit
// refuses a create; the sync sends no other create, says why in plain words and
// exits 1, and the refusal is never retried.
func TestBlockLimitStopsCreating(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Options{BlockLimit: 4})
	// One writer: with several, the creates already in flight when the first
	// refusal comes back are refused too (at most one per other writer).
	code, out, errOut := h.run("sync", "--all", "--concurrency", "1")
	if code != ExitProblems {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, ExitProblems, out, errOut)
	}
	refused := 0
	for _, r := range h.srv.Requests() {
		if r.Method == "POST" && r.Path == "/v1/pages" && r.Status != 200 {
			refused++
		}
	}
	if refused != 1 {
		t.Errorf("%d creates refused, want exactly one (no retry, no further create)", refused)
	}
	if !strings.Contains(out, "block limit") {
		t.Errorf("the output does not name the block limit:\n%s", out)
	}
}
