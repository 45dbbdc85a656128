package gitdiff

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/google/go-cmp/cmp"
)

func TestWorkingChanges(t *testing.T) {
	t.Parallel()
	base := map[string]string{
		"a/module.manifest.json": manifest("a"),
		"b/module.manifest.json": manifest("b"),
		"a/main.go":              "package a\n",
		".gitignore":             "build/\n",
	}
	tests := []struct {
		name   string
		edit   map[string]string // written to disk, not staged
		stage  map[string]string // written to disk and staged before edit
		commit bool              // false: a repository with no commits, base only on disk
		want   []Change
	}{
		{
			name:   "clean worktree",
			commit: true,
			want:   nil,
		},
		{
			name:   "unstaged edit",
			commit: true,
			edit:   map[string]string{"a/module.manifest.json": manifest("a", `  "status": "beta",`)},
			want:   []Change{{Kind: Modified, Path: "a/module.manifest.json", OldPath: "a/module.manifest.json"}},
		},
		{
			name:   "untracked manifest",
			commit: true,
			edit:   map[string]string{"c/module.manifest.json": manifest("c")},
			want:   []Change{{Kind: Added, Path: "c/module.manifest.json"}},
		},
		{
			name:   "unstaged delete",
			commit: true,
			edit:   map[string]string{"b/module.manifest.json": del},
			want:   []Change{{Kind: Deleted, Path: "b/module.manifest.json", OldPath: "b/module.manifest.json"}},
		},
		{
			name:   "staged edit",
			commit: true,
			stage:  map[string]string{"b/module.manifest.json": manifest("b", `  "status": "beta",`)},
			want:   []Change{{Kind: Modified, Path: "b/module.manifest.json", OldPath: "b/module.manifest.json"}},
		},
		{
			name:   "staged add",
			commit: true,
			stage:  map[string]string{"c/module.manifest.json": manifest("c")},
			want:   []Change{{Kind: Added, Path: "c/module.manifest.json"}},
		},
		{
			name:   "staged edit then reverted on disk",
			commit: true,
			stage:  map[string]string{"b/module.manifest.json": manifest("b", `  "status": "beta",`)},
			edit:   map[string]string{"b/module.manifest.json": manifest("b")},
			want:   nil,
		},
		{
			name:   "staged edit then edited again on disk reads the disk",
			commit: true,
			stage:  map[string]string{"b/module.manifest.json": manifest("b", `  "status": "beta",`)},
			edit:   map[string]string{"b/module.manifest.json": manifest("b", `  "status": "ga",`)},
			want:   []Change{{Kind: Modified, Path: "b/module.manifest.json", OldPath: "b/module.manifest.json"}},
		},
		{
			name:   "staged add then removed from disk",
			commit: true,
			stage:  map[string]string{"c/module.manifest.json": manifest("c")},
			edit:   map[string]string{"c/module.manifest.json": del},
			want:   nil,
		},
		{
			name:   "moved on disk without git mv",
			commit: true,
			edit: map[string]string{
				"a/module.manifest.json":     del,
				"lib/a/module.manifest.json": manifest("a", `  "status": "moved",`),
			},
			want: []Change{{Kind: Renamed, Path: "lib/a/module.manifest.json", OldPath: "a/module.manifest.json"}},
		},
		{
			name:   "moved and staged",
			commit: true,
			stage: map[string]string{
				"b/module.manifest.json":     del,
				"lib/b/module.manifest.json": manifest("b"),
			},
			want: []Change{{Kind: Renamed, Path: "lib/b/module.manifest.json", OldPath: "b/module.manifest.json"}},
		},
		{
			name:   "changes outside the filter and ignored files",
			commit: true,
			edit: map[string]string{
				"a/main.go":                  "package a\n\nfunc A() {}\n",
				"notes.txt":                  "todo\n",
				"build/module.manifest.json": manifest("generated"),
			},
			want: nil,
		},
		{
			name:   "file replaced by a directory",
			commit: true,
			stage:  map[string]string{"a/main.go": del},
			edit:   map[string]string{"a/main.go/module.manifest.json": manifest("odd")},
			want:   []Change{{Kind: Added, Path: "a/main.go/module.manifest.json"}},
		},
		{
			name:   "no commits yet",
			commit: false,
			want: []Change{
				{Kind: Added, Path: "a/module.manifest.json"},
				{Kind: Added, Path: "b/module.manifest.json"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var tr *testRepo
			if tt.commit {
				tr = newRepo(t, base)
			} else {
				tr = newRepo(t)
				tr.write(t, base)
			}
			if tt.stage != nil {
				tr.write(t, tt.stage)
				wt, err := tr.git.Worktree()
				if err != nil {
					t.Fatalf("open worktree: %v", err)
				}
				if err := wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
					t.Fatalf("stage: %v", err)
				}
			}
			tr.write(t, tt.edit)
			got, err := tr.open(t).WorkingChanges(isManifest)
			if err != nil {
				t.Fatalf("WorkingChanges() error = %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("WorkingChanges() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestWorkingChangesWritesNothing guards the promise that --changed on a
// laptop leaves the user's index alone.
func TestWorkingChangesWritesNothing(t *testing.T) {
	t.Parallel()
	tr := newRepo(t, map[string]string{"a/module.manifest.json": manifest("a")})
	tr.write(t, map[string]string{
		"a/module.manifest.json": manifest("a", `  "status": "beta",`),
		"c/module.manifest.json": manifest("c"),
	})
	index := filepath.Join(tr.dir, ".git", "index")
	before, err := os.ReadFile(index)
	if err != nil {
		t.Fatalf("read index: %v", err)
	}
	if _, err := tr.open(t).WorkingChanges(isManifest); err != nil {
		t.Fatalf("WorkingChanges() error = %v", err)
	}
	after, err := os.ReadFile(index)
	if err != nil {
		t.Fatalf("read index: %v", err)
	}
	if string(before) != string(after) {
		t.Error("WorkingChanges() rewrote .git/index")
	}
}

// TestWorkingChangesLargeFile covers files over maxBlobCopy, which are hashed
// as a stream and never become rename targets.
func TestWorkingChangesLargeFile(t *testing.T) {
	t.Parallel()
	big := manifest("big", `  "blob": "`+strings.Repeat("x", maxBlobCopy)+`",`)
	tests := []struct {
		name string
		edit map[string]string
		want []Change
	}{
		{
			name: "rewritten with the same content",
			edit: map[string]string{"a/module.manifest.json": big},
			want: nil,
		},
		{
			name: "edited",
			edit: map[string]string{"a/module.manifest.json": big + " "},
			want: []Change{{Kind: Modified, Path: "a/module.manifest.json", OldPath: "a/module.manifest.json"}},
		},
		{
			name: "moved is not a rename",
			edit: map[string]string{"a/module.manifest.json": del, "b/module.manifest.json": big},
			want: []Change{
				{Kind: Deleted, Path: "a/module.manifest.json", OldPath: "a/module.manifest.json"},
				{Kind: Added, Path: "b/module.manifest.json"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tr := newRepo(t, map[string]string{"a/module.manifest.json": big})
			tr.write(t, tt.edit)
			got, err := tr.open(t).WorkingChanges(isManifest)
			if err != nil {
				t.Fatalf("WorkingChanges() error = %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("WorkingChanges() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestWorkingChangesSymlink checks that a symlink hashes as git stores it (its
// target), so an untouched committed link is not reported.
func TestWorkingChangesSymlink(t *testing.T) {
	t.Parallel()
	tr := newRepo(t, map[string]string{"a/module.manifest.json": manifest("a"), "b/module.manifest.json": manifest("b")})
	link := filepath.Join(tr.dir, "link", "module.manifest.json")
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatalf("create directory: %v", err)
	}
	if err := os.Symlink("../a/module.manifest.json", link); err != nil {
		t.Skipf("symlinks not supported here: %v", err)
	}
	r := tr.open(t)
	got, err := r.WorkingChanges(isManifest)
	if err != nil {
		t.Fatalf("WorkingChanges() error = %v", err)
	}
	if diff := cmp.Diff([]Change{{Kind: Added, Path: "link/module.manifest.json"}}, got); diff != "" {
		t.Errorf("WorkingChanges() with an untracked link mismatch (-want +got):\n%s", diff)
	}

	wt, err := tr.git.Worktree()
	if err != nil {
		t.Fatalf("open worktree: %v", err)
	}
	if err := wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
		t.Fatalf("stage: %v", err)
	}
	if _, err := wt.Commit("link", &git.CommitOptions{Author: &object.Signature{Name: "T", Email: "t@example.com"}}); err != nil {
		t.Fatalf("commit: %v", err)
	}
	got, err = r.WorkingChanges(isManifest)
	if err != nil {
		t.Fatalf("WorkingChanges() error = %v", err)
	}
	if diff := cmp.Diff([]Change(nil), got); diff != "" {
		t.Errorf("WorkingChanges() with a committed link mismatch (-want +got):\n%s", diff)
	}

	if err := os.Remove(link); err != nil {
		t.Fatalf("remove link: %v", err)
	}
	if err := os.Symlink("../b/module.manifest.json", link); err != nil {
		t.Fatalf("retarget link: %v", err)
	}
	got, err = r.WorkingChanges(isManifest)
	if err != nil {
		t.Fatalf("WorkingChanges() error = %v", err)
	}
	if diff := cmp.Diff([]Change{{Kind: Modified, Path: "link/module.manifest.json", OldPath: "link/module.manifest.json"}}, got); diff != "" {
		t.Errorf("WorkingChanges() with a retargeted link mismatch (-want +got):\n%s", diff)
	}
}
