package action

import (
	"errors"
	"os"
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

// TestOwnFile plants what a pull request can commit at the paths the action
// writes: links to a file outside the workspace (a stand-in for
// /proc/self/environ), to a folder outside it, and to a file inside it.
func TestOwnFile(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	outside := t.TempDir()
	secret := filepath.Join(outside, "environ")
	mustWrite(t, secret, "NOTION_TOKEN=secret_fake")
	mustWrite(t, filepath.Join(ws, "artifacts", "plan.json"), "{}")
	mustWrite(t, filepath.Join(ws, "README.md"), "hi")
	mustSymlink(t, secret, filepath.Join(ws, "artifacts", "ledger.jsonl"))
	mustSymlink(t, filepath.Join(ws, "README.md"), filepath.Join(ws, "artifacts", "inside.jsonl"))
	mustSymlink(t, outside, filepath.Join(ws, "linked"))
	if err := os.Mkdir(filepath.Join(ws, "artifacts", "dir.json"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		rel     string
		exists  bool
		wantErr string
	}{
		{"artifacts/plan.json", true, ""},
		{"artifacts/new.json", false, ""},
		{"missing/folder/new.json", false, ""},
		{"artifacts/ledger.jsonl", false, "artifacts/ledger.jsonl is a symbolic link"},
		{"artifacts/inside.jsonl", false, "artifacts/inside.jsonl is a symbolic link"},
		{"linked/environ", false, "linked is a symbolic link"},
		{"linked/new.json", false, "linked is a symbolic link"},
		{"README.md/x.json", false, "README.md is not a folder"},
		{"artifacts/dir.json", false, "not a regular file"},
	}
	for _, tt := range tests {
		exists, err := OwnFile(ws, filepath.Join(ws, filepath.FromSlash(tt.rel)))
		if tt.wantErr == "" {
			if err != nil || exists != tt.exists {
				t.Errorf("OwnFile(%s) = %v, %v; want %v, nil", tt.rel, exists, err, tt.exists)
			}
			continue
		}
		if !errors.Is(err, ErrNotOwnFile) || !strings.Contains(err.Error(), tt.wantErr) || exists {
			t.Errorf("OwnFile(%s) = %v, %v; want an ErrNotOwnFile saying %q", tt.rel, exists, err, tt.wantErr)
		}
	}
	if _, err := OwnFile(ws, secret); !errors.Is(err, ErrNotOwnFile) {
		t.Errorf("OwnFile(outside the workspace) error = %v", err)
	}
}

// TestOwnRel: a path output names a plain file of the workspace, relative to
// it, and never a link a commit planted or a file that is not there.
func TestOwnRel(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	secret := filepath.Join(t.TempDir(), "environ")
	mustWrite(t, secret, "NOTION_TOKEN=secret_fake")
	mustWrite(t, filepath.Join(ws, "artifacts", "plan.json"), "{}")
	mustSymlink(t, secret, filepath.Join(ws, "artifacts", "ledger.jsonl"))
	for rel, want := range map[string]string{
		"artifacts/plan.json":    "artifacts/plan.json",
		"artifacts/ledger.jsonl": "",
		"artifacts/missing.json": "",
	} {
		if got := OwnRel(ws, filepath.Join(ws, filepath.FromSlash(rel))); got != want {
			t.Errorf("OwnRel(%s) = %q, want %q", rel, got, want)
		}
	}
}

// TestCheckInside: a file the action reads may be a link inside the
// workspace, or missing; a link out of it is refused, naming the file.
func TestCheckInside(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	secret := filepath.Join(t.TempDir(), "environ")
	mustWrite(t, secret, "NOTION_TOKEN=secret_fake")
	mustWrite(t, filepath.Join(ws, "real.yml"), "x: 1")
	mustSymlink(t, secret, filepath.Join(ws, "out.yml"))
	mustSymlink(t, filepath.Join(ws, "real.yml"), filepath.Join(ws, "in.yml"))
	for _, name := range []string{"real.yml", "in.yml", "missing.yml"} {
		if err := CheckInside(ws, name); err != nil {
			t.Errorf("CheckInside(%s) = %v, want nil", name, err)
		}
	}
	err := CheckInside(ws, "out.yml")
	if err == nil || err.Error() != "out.yml: it is a symbolic link to a file outside the workspace" {
		t.Errorf("CheckInside(out.yml) = %v", err)
	}
}

func mustWrite(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustSymlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
}
