package action

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestAbsRel(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	abs, err := Abs(ws, "./artifacts/../artifacts/plan.json")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(ws, "artifacts", "plan.json"); abs != want {
		t.Errorf("Abs() = %q, want %q", abs, want)
	}
	rel, err := Rel(ws, abs)
	if err != nil || rel != "artifacts/plan.json" {
		t.Errorf("Rel() = %q, %v; want artifacts/plan.json", rel, err)
	}
	for _, bad := range []string{"/etc/passwd", "../x", "a/../../x", "."} {
		if _, err := Abs(ws, bad); err == nil {
			t.Errorf("Abs(%q): no error", bad)
		}
	}
	if _, err := Rel(ws, filepath.Dir(ws)); err == nil || !strings.Contains(err.Error(), "outside the workspace") {
		t.Errorf("Rel(parent) error = %v", err)
	}
	if got := Workspace(func(string) string { return "" }); got != "." {
		t.Errorf("Workspace() without GITHUB_WORKSPACE = %q", got)
	}
	if got := Workspace(func(k string) string { return map[string]string{"GITHUB_WORKSPACE": DefaultWorkspace}[k] }); got != DefaultWorkspace {
		t.Errorf("Workspace() = %q", got)
	}
}
