package report

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/lukhas/notion-sync-action/internal/safefile"
)

func samplePlan() Plan {
	return Plan{
		SHA:         "4f2c9e1",
		DatabaseID:  "12abcdef12345678",
		GeneratedAt: time.Date(2025, 10, 5, 14, 34, 56, 789_654_321, time.FixedZone("CEST", 2*3600)),
		DryRun:      true,
		Summary:     Summary{Create: 1, Update: 1, Noop: 1},
		Changes: []Change{
			{
				Module: "consciousness", Path: "consciousness/module.manifest.json", Action: ActionUpdate, PageID: "p1",
				Properties: map[string]Diff{
					"MQI":         {Before: 91.0, After: 92.3},
					"Tags":        {Before: []string{}, After: []string{"a", "<b>"}},
					"Team":        {Before: "core", After: nil},
					"Verified":    {Before: false, After: true},
					"Updated At":  {Before: nil, After: map[string]any{"start": "2025-10-05"}},
					"Description": {Before: "a & b", After: "a\nb"},
				},
				Warnings: []string{"MQI: numeric string coerced"},
			},
			{Module: "identity", Path: "identity/module.manifest.json", Action: ActionCreate},
			{Module: "memory", Path: "memory/module.manifest.json", Action: ActionNoop, PageID: "p3"},
		},
	}
}

func TestWritePlanGolden(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "artifacts", "notion_sync_plan.json")
	if err := WritePlan(path, samplePlan()); err != nil {
		t.Fatalf("WritePlan() error = %v", err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "plan.golden.json", data)
}

func TestPlanRoundTrip(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "plan.json")
	in := samplePlan()
	if err := WritePlan(path, in); err != nil {
		t.Fatalf("WritePlan() error = %v", err)
	}
	got, err := ReadPlan(path)
	if err != nil {
		t.Fatalf("ReadPlan() error = %v", err)
	}
	want := in
	want.GeneratedAt = time.Date(2025, 10, 5, 12, 34, 56, 789_000_000, time.UTC)
	want.Changes[1].Properties = map[string]Diff{}
	want.Changes[1].Warnings = []string{}
	want.Changes[2].Properties = map[string]Diff{}
	want.Changes[2].Warnings = []string{}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ReadPlan() mismatch (-want +got):\n%s", diff)
	}
}

// TestPlanShape pins DESIGN.md's keys and the never-null arrays that jq filters rely on.
func TestPlanShape(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "plan.json")
	if err := WritePlan(path, Plan{Changes: []Change{{Module: "m", Action: ActionUpdate}}}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	keys := func(m map[string]any) []string {
		var out []string
		for k := range m {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	if diff := cmp.Diff([]string{"changes", "database_id", "dry_run", "generated_at", "sha", "summary"}, keys(doc)); diff != "" {
		t.Errorf("plan keys mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"archive", "create", "error", "noop", "update"}, keys(doc["summary"].(map[string]any))); diff != "" {
		t.Errorf("summary keys mismatch (-want +got):\n%s", diff)
	}
	change := doc["changes"].([]any)[0].(map[string]any)
	if diff := cmp.Diff([]string{"action", "module", "page_id", "path", "properties", "warnings"}, keys(change)); diff != "" {
		t.Errorf("change keys mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]any{}, change["warnings"]); diff != "" {
		t.Errorf("warnings mismatch (-want +got):\n%s", diff)
	}

	if err := WritePlan(path, Plan{}); err != nil {
		t.Fatal(err)
	}
	data, err = os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"changes": []`) {
		t.Errorf("empty plan has no \"changes\": []:\n%s", data)
	}
}

func TestPlanRunbookJQ(t *testing.T) {
	t.Parallel()
	jq, err := exec.LookPath("jq")
	if err != nil {
		t.Skip("jq not installed; TestPlanShape checks the keys it reads")
	}
	path := filepath.Join(t.TempDir(), "plan.json")
	if err := WritePlan(path, samplePlan()); err != nil {
		t.Fatal(err)
	}
	// The runbook's `jq '.changes[] | select(.action == "update")'`, reduced to names.
	out, err := exec.CommandContext(t.Context(), jq, "-r", `.changes[] | select(.action == "update") | .module, .properties.MQI.after`, path).Output()
	if err != nil {
		t.Fatalf("jq: %v", err)
	}
	if diff := cmp.Diff("consciousness\n92.3\n", string(out)); diff != "" {
		t.Errorf("jq output mismatch (-want +got):\n%s", diff)
	}
}

func TestWritePlanReplacesAtomically(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "plan.json")
	if err := WritePlan(path, Plan{SHA: "first"}); err != nil {
		t.Fatal(err)
	}
	if err := WritePlan(path, Plan{SHA: "second"}); err != nil {
		t.Fatal(err)
	}
	got, err := ReadPlan(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.SHA != "second" {
		t.Errorf("SHA = %q, want second", got.SHA)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only plan.json (temp files left?)", len(entries))
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o644 {
		t.Errorf("plan mode = %v, want 0644", perm)
	}
}

func TestWritePlanFails(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// A directory where the plan should go: the rename fails, and the temp file goes.
	target := filepath.Join(dir, "plan.json")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(target, "keep"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	err := WritePlan(target, Plan{})
	if err == nil || !strings.HasPrefix(err.Error(), "write plan "+target) {
		t.Errorf("WritePlan() error = %v, want a write plan error", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries after a failed write, want 1", len(entries))
	}
	// A file where the directory should be.
	if err := WritePlan(filepath.Join(target, "keep", "plan.json"), Plan{}); err == nil {
		t.Error("WritePlan() under a file: error = nil")
	}
}

func TestReadPlanErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := ReadPlan(filepath.Join(dir, "none.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ReadPlan(missing) error = %v, want os.ErrNotExist", err)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"changes": [{"properties": {"MQI": {"before": 1,}}}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadPlan(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("ReadPlan(invalid) error = %v, want one naming the file", err)
	}
}

// TestWriteArtifactRefusesLinks plants a link at the artifact and at its
// folder; WriteArtifactIn must refuse both and leave the targets as they were.
func TestWriteArtifactRefusesLinks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, link, target string
	}{
		{"artifact is a link", "artifacts/plan.json", "rc"},
		{"folder is a link", "artifacts", "."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			repo, home := t.TempDir(), t.TempDir()
			if err := os.WriteFile(filepath.Join(home, "rc"), []byte("rc"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Join(repo, "artifacts"), 0o755); err != nil {
				t.Fatal(err)
			}
			link := filepath.Join(repo, filepath.FromSlash(tt.link))
			os.Remove(link)
			if err := os.Symlink(filepath.Join(home, tt.target), link); err != nil {
				t.Fatal(err)
			}
			err := WriteArtifactIn(repo, filepath.Join(repo, "artifacts", "plan.json"), []byte("{}"))
			if !errors.Is(err, safefile.ErrNotPlain) {
				t.Errorf("WriteArtifactIn() error = %v, want safefile.ErrNotPlain", err)
			}
			entries, _ := os.ReadDir(home)
			rc, _ := os.ReadFile(filepath.Join(home, "rc"))
			if len(entries) != 1 || string(rc) != "rc" {
				t.Errorf("WriteArtifactIn wrote through the link: %d entries, rc = %q", len(entries), rc)
			}
		})
	}
}

// TestChangeJSON: a change's row keeps the manifest location of its error (the
// plan file is where the job summary and annotations of a later step read it),
// and writes nil properties and warnings as {} and [].
func TestChangeJSON(t *testing.T) {
	t.Parallel()
	data, err := json.Marshal(Change{Module: "m", Path: "m/module.manifest.json", Action: ActionError, Error: "bad", Line: 3, Column: 5})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"module":"m","path":"m/module.manifest.json","action":"error","page_id":"","properties":{},"warnings":[],"error":"bad","line":3,"column":5}`
	if got := string(data); got != want {
		t.Errorf("Change JSON:\n%s\nwant\n%s", got, want)
	}
}
