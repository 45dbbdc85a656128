package gitdiff

import (
	"errors"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-billy/v5/memfs"
	"github.com/go-git/go-billy/v5/util"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/memory"
	"github.com/google/go-cmp/cmp"
)

// del as a file's content in a newRepo commit deletes the file. (A string map
// has no nil value; this sentinel plays that part.)
const del = "\x00delete"

// testRepo is a repository built by newRepo or newMemRepo.
type testRepo struct {
	dir  string // "" for a repository in memory
	git  *git.Repository
	fs   billy.Filesystem // the worktree
	shas []string         // one per commit, in order
}

// newRepo builds a repository in a temporary directory with one commit per
// map, each map giving the files to write (or, with del, to remove) before
// committing. Commit times are fixed so runs are reproducible.
func newRepo(t *testing.T, commits ...map[string]string) *testRepo {
	t.Helper()
	dir := t.TempDir()
	g, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatalf("init repository: %v", err)
	}
	return commitAll(t, &testRepo{dir: dir, git: g}, commits)
}

// newMemRepo is newRepo in memory, for tests with thousands of files: it
// skips the file system, so it cannot be used with Open or WorkingChanges.
func newMemRepo(t *testing.T, commits ...map[string]string) *testRepo {
	t.Helper()
	g, err := git.Init(memory.NewStorage(), memfs.New())
	if err != nil {
		t.Fatalf("init repository: %v", err)
	}
	return commitAll(t, &testRepo{git: g}, commits)
}

func commitAll(t *testing.T, tr *testRepo, commits []map[string]string) *testRepo {
	t.Helper()
	wt, err := tr.git.Worktree()
	if err != nil {
		t.Fatalf("open worktree: %v", err)
	}
	tr.fs = wt.Filesystem
	when := time.Date(2025, 11, 1, 12, 0, 0, 0, time.UTC)
	for i, files := range commits {
		tr.write(t, files)
		if err := wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
			t.Fatalf("stage commit %d: %v", i, err)
		}
		sig := &object.Signature{Name: "Test", Email: "test@example.com", When: when.Add(time.Duration(i) * time.Minute)}
		h, err := wt.Commit("commit "+strconv.Itoa(i), &git.CommitOptions{Author: sig, AllowEmptyCommits: true})
		if err != nil {
			t.Fatalf("commit %d: %v", i, err)
		}
		tr.shas = append(tr.shas, h.String())
	}
	return tr
}

// write writes (or with del, removes) files in the worktree without staging.
func (tr *testRepo) write(t *testing.T, files map[string]string) {
	t.Helper()
	for p, content := range files {
		if content == del {
			if err := tr.fs.Remove(p); err != nil {
				t.Fatalf("remove %s: %v", p, err)
			}
			continue
		}
		if err := util.WriteFile(tr.fs, p, []byte(content), 0o644); err != nil {
			t.Fatalf("write %s: %v", p, err)
		}
	}
}

// open opens the test repository through the package API (a repository in
// memory has no directory to open, so its Repo is built directly).
func (tr *testRepo) open(t *testing.T) *Repo {
	t.Helper()
	if tr.dir == "" {
		return &Repo{repo: tr.git, root: "/", dir: ".", maxPairs: maxRenamePairs}
	}
	r, err := Open(tr.dir)
	if err != nil {
		t.Fatalf("Open(%s): %v", tr.dir, err)
	}
	return r
}

// expand replaces "#N" with the sha of commit N, so table cases can name
// commits that only exist once the test runs.
func (tr *testRepo) expand(rev string) string {
	if n, ok := strings.CutPrefix(rev, "#"); ok {
		i, err := strconv.Atoi(n)
		if err == nil && i < len(tr.shas) {
			return tr.shas[i]
		}
	}
	return rev
}

func isManifest(p string) bool { return path.Base(p) == "module.manifest.json" }

// manifest returns a manifest body long enough for similarity scoring to be
// meaningful: a one-line edit leaves it well above the rename threshold.
func manifest(key string, extra ...string) string {
	lines := []string{
		"{",
		`  "module": "` + key + `",`,
		`  "description": "The ` + key + ` module of the monorepo.",`,
		`  "owner": "platform-team",`,
		`  "lane": "production",`,
		`  "tier": "T1",`,
		`  "language": "python",`,
		`  "entrypoints": ["` + key + `/__init__.py", "` + key + `/api.py"],`,
		`  "tags": ["core", "sync", "notion", "manifest"],`,
		`  "dependencies": ["core", "identity", "memory", "governance"],`,
		`  "links": {"docs": "docs/` + key + `.md", "runbook": "ops/` + key + `.md"},`,
	}
	lines = append(lines, extra...)
	lines = append(lines, `  "version": "1.0.0"`, "}")
	return strings.Join(lines, "\n") + "\n"
}

func TestChanged(t *testing.T) {
	t.Parallel()
	base := map[string]string{
		"a/module.manifest.json": manifest("a"),
		"b/module.manifest.json": manifest("b"),
		"a/main.go":              "package a\n",
		"README.md":              "# repo\n",
	}
	inA := func(p string) bool { return isManifest(p) && strings.HasPrefix(p, "a/") }
	tests := []struct {
		name       string
		commits    []map[string]string // after base
		base, head string
		match      func(string) bool
		want       []Change
		wantErr    error
	}{
		{
			name:    "add",
			commits: []map[string]string{{"c/module.manifest.json": manifest("c")}},
			want:    []Change{{Kind: Added, Path: "c/module.manifest.json"}},
		},
		{
			name:    "modify",
			commits: []map[string]string{{"a/module.manifest.json": manifest("a", `  "status": "beta",`)}},
			want:    []Change{{Kind: Modified, Path: "a/module.manifest.json", OldPath: "a/module.manifest.json"}},
		},
		{
			name:    "delete",
			commits: []map[string]string{{"b/module.manifest.json": del}},
			want:    []Change{{Kind: Deleted, Path: "b/module.manifest.json", OldPath: "b/module.manifest.json"}},
		},
		{
			name: "rename with same content",
			commits: []map[string]string{{
				"a/module.manifest.json":     del,
				"lib/a/module.manifest.json": manifest("a"),
			}},
			want: []Change{{Kind: Renamed, Path: "lib/a/module.manifest.json", OldPath: "a/module.manifest.json"}},
		},
		{
			name: "rename with a small edit",
			commits: []map[string]string{{
				"a/module.manifest.json":     del,
				"lib/a/module.manifest.json": manifest("a", `  "status": "moved",`),
			}},
			want: []Change{{Kind: Renamed, Path: "lib/a/module.manifest.json", OldPath: "a/module.manifest.json"}},
		},
		{
			name: "rename with a rewrite is a delete and an add",
			commits: []map[string]string{{
				"a/module.manifest.json":     del,
				"lib/z/module.manifest.json": `{"module": "z"}` + "\n",
			}},
			want: []Change{
				{Kind: Deleted, Path: "a/module.manifest.json", OldPath: "a/module.manifest.json"},
				{Kind: Added, Path: "lib/z/module.manifest.json"},
			},
		},
		{
			name: "two renames pair by content",
			commits: []map[string]string{{
				"a/module.manifest.json":   del,
				"b/module.manifest.json":   del,
				"x/b/module.manifest.json": manifest("b"),
				"x/a/module.manifest.json": manifest("a"),
			}},
			want: []Change{
				{Kind: Renamed, Path: "x/a/module.manifest.json", OldPath: "a/module.manifest.json"},
				{Kind: Renamed, Path: "x/b/module.manifest.json", OldPath: "b/module.manifest.json"},
			},
		},
		{
			name: "changes outside the filter are ignored",
			commits: []map[string]string{{
				"a/main.go":              "package a\n\nfunc A() {}\n",
				"README.md":              del,
				"c/notes.json":           `{"module": "c"}`,
				"b/module.manifest.json": manifest("b", `  "status": "beta",`),
			}},
			want: []Change{{Kind: Modified, Path: "b/module.manifest.json", OldPath: "b/module.manifest.json"}},
		},
		{
			name: "only non-manifest changes",
			commits: []map[string]string{{
				"a/main.go":     del,
				"a/main2.go":    "package a\n",
				"docs/index.md": "# docs\n",
			}},
			want: nil,
		},
		{
			name: "renamed into scope is added",
			commits: []map[string]string{
				{"c/manifest.json": manifest("c")},
				{"c/manifest.json": del, "c/module.manifest.json": manifest("c")},
			},
			base: "#1",
			want: []Change{{Kind: Added, Path: "c/module.manifest.json"}},
		},
		{
			name:    "renamed out of scope is deleted",
			commits: []map[string]string{{"a/module.manifest.json": del, "a/module.manifest.json.bak": manifest("a")}},
			want:    []Change{{Kind: Deleted, Path: "a/module.manifest.json", OldPath: "a/module.manifest.json"}},
		},
		{
			name:    "moved out of a glob filter is deleted",
			commits: []map[string]string{{"a/module.manifest.json": del, "b/a/module.manifest.json": manifest("a")}},
			match:   inA,
			want:    []Change{{Kind: Deleted, Path: "a/module.manifest.json", OldPath: "a/module.manifest.json"}},
		},
		{
			name:    "moved within a glob filter is renamed",
			commits: []map[string]string{{"a/module.manifest.json": del, "a/core/module.manifest.json": manifest("a")}},
			match:   inA,
			want:    []Change{{Kind: Renamed, Path: "a/core/module.manifest.json", OldPath: "a/module.manifest.json"}},
		},
		{
			name: "two-dot diff over several commits",
			commits: []map[string]string{
				{"c/module.manifest.json": manifest("c")},
				{"c/module.manifest.json": manifest("c", `  "status": "beta",`)},
				{"a/module.manifest.json": del},
				{"d/module.manifest.json": manifest("d")},
				{"d/module.manifest.json": del},
			},
			want: []Change{
				{Kind: Deleted, Path: "a/module.manifest.json", OldPath: "a/module.manifest.json"},
				{Kind: Added, Path: "c/module.manifest.json"},
			},
		},
		{
			name: "explicit head ignores later commits",
			commits: []map[string]string{
				{"c/module.manifest.json": manifest("c")},
				{"d/module.manifest.json": manifest("d")},
			},
			head: "#1",
			want: []Change{{Kind: Added, Path: "c/module.manifest.json"}},
		},
		{
			name: "head by branch name and base by HEAD~n",
			commits: []map[string]string{
				{"c/module.manifest.json": manifest("c")},
				{"d/module.manifest.json": manifest("d")},
			},
			base: "HEAD~1",
			head: "master",
			want: []Change{{Kind: Added, Path: "d/module.manifest.json"}},
		},
		{
			name: "head before base reverses the diff",
			commits: []map[string]string{
				{"c/module.manifest.json": manifest("c")},
			},
			base: "#1",
			head: "#0",
			want: []Change{{Kind: Deleted, Path: "c/module.manifest.json", OldPath: "c/module.manifest.json"}},
		},
		{
			name: "same commit",
			base: "HEAD",
			want: nil,
		},
		{
			name:    "zero base",
			base:    "0000000000000000000000000000000000000000",
			wantErr: ErrNoBase,
		},
		{
			name:    "empty base",
			base:    "",
			wantErr: ErrNoBase,
		},
		{
			name:    "unknown base sha",
			base:    "1234567890abcdef1234567890abcdef12345678",
			wantErr: ErrNoBase,
		},
		{
			name:    "unknown base branch",
			base:    "no-such-branch",
			wantErr: ErrNoBase,
		},
		{
			name:    "base past the root commit",
			base:    "HEAD~3",
			wantErr: ErrNoBase,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tr := newRepo(t, append([]map[string]string{base}, tt.commits...)...)
			r := tr.open(t)
			b := tt.base
			if b == "" && tt.wantErr == nil {
				b = "#0"
			}
			match := tt.match
			if match == nil {
				match = isManifest
			}
			got, err := r.Changed(tr.expand(b), tr.expand(tt.head), match)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Changed() error = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Changed() error = %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Changed() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestChangedUnknownHead(t *testing.T) {
	t.Parallel()
	tr := newRepo(t, map[string]string{"a/module.manifest.json": manifest("a")})
	_, err := tr.open(t).Changed(tr.shas[0], "no-such-branch", isManifest)
	if err == nil {
		t.Fatal("Changed() with an unknown head succeeded")
	}
	if errors.Is(err, ErrNoBase) {
		t.Errorf("Changed() error = %v, want an error other than ErrNoBase: an unknown head is not a reason for a full sync", err)
	}
}

// TestChangedShallow mimics a depth-1 Actions checkout: the push's `before`
// commit is named in .git/shallow's history but its object is not on disk.
func TestChangedShallow(t *testing.T) {
	t.Parallel()
	tr := newRepo(t,
		map[string]string{"a/module.manifest.json": manifest("a")},
		map[string]string{"b/module.manifest.json": manifest("b")},
	)
	before, after := tr.shas[0], tr.shas[1]
	if err := os.Remove(filepath.Join(tr.dir, ".git", "objects", before[:2], before[2:])); err != nil {
		t.Fatalf("remove commit object: %v", err)
	}
	if err := os.WriteFile(filepath.Join(tr.dir, ".git", "shallow"), []byte(after+"\n"), 0o644); err != nil {
		t.Fatalf("write shallow file: %v", err)
	}
	r := tr.open(t)
	for _, b := range []string{before, "HEAD~1", before[:7]} {
		if _, err := r.Changed(b, after, isManifest); !errors.Is(err, ErrNoBase) {
			t.Errorf("Changed(%s, HEAD) error = %v, want ErrNoBase", b, err)
		}
	}
}

func TestResolve(t *testing.T) {
	t.Parallel()
	tr := newRepo(t,
		map[string]string{"a/module.manifest.json": manifest("a")},
		map[string]string{"b/module.manifest.json": manifest("b")},
		map[string]string{"c/module.manifest.json": manifest("c")},
	)
	if err := tr.git.Storer.SetReference(plumbing.NewHashReference("refs/heads/feature", plumbing.NewHash(tr.shas[1]))); err != nil {
		t.Fatalf("create branch: %v", err)
	}
	if _, err := tr.git.CreateTag("v1.0.0", plumbing.NewHash(tr.shas[0]), nil); err != nil {
		t.Fatalf("create lightweight tag: %v", err)
	}
	tagger := &object.Signature{Name: "Test", Email: "test@example.com", When: time.Date(2025, 11, 2, 0, 0, 0, 0, time.UTC)}
	if _, err := tr.git.CreateTag("v1.1.0", plumbing.NewHash(tr.shas[1]), &git.CreateTagOptions{Tagger: tagger, Message: "release"}); err != nil {
		t.Fatalf("create annotated tag: %v", err)
	}
	r := tr.open(t)
	tests := []struct {
		rev  string
		want string // "#N", or "" for an error
	}{
		{rev: "HEAD", want: "#2"},
		{rev: "HEAD~1", want: "#1"},
		{rev: "HEAD~2", want: "#0"},
		{rev: "HEAD^", want: "#1"},
		{rev: "master", want: "#2"},
		{rev: "feature", want: "#1"},
		{rev: "refs/heads/feature", want: "#1"},
		{rev: "feature~1", want: "#0"},
		{rev: "v1.0.0", want: "#0"},
		{rev: "v1.1.0", want: "#1"}, // annotated: peeled to its commit
		{rev: tr.shas[1], want: "#1"},
		{rev: tr.shas[1][:10], want: "#1"},
		{rev: "HEAD~3"},
		{rev: "no-such-branch"},
		{rev: "1234567890abcdef1234567890abcdef12345678"},
		{rev: ""},
	}
	for _, tt := range tests {
		got, err := r.Resolve(tt.rev)
		if tt.want == "" {
			if err == nil {
				t.Errorf("Resolve(%q) = %s, want an error", tt.rev, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("Resolve(%q) error = %v", tt.rev, err)
			continue
		}
		if want := tr.expand(tt.want); got != want {
			t.Errorf("Resolve(%q) = %s, want %s (%s)", tt.rev, got, want, tt.want)
		}
	}
}

func TestHead(t *testing.T) {
	t.Parallel()
	tr := newRepo(t,
		map[string]string{"a/module.manifest.json": manifest("a")},
		map[string]string{"b/module.manifest.json": manifest("b")},
	)
	got, err := tr.open(t).Head()
	if err != nil {
		t.Fatalf("Head() error = %v", err)
	}
	if got != tr.shas[1] {
		t.Errorf("Head() = %s, want %s", got, tr.shas[1])
	}

	empty := newRepo(t)
	if got, err := empty.open(t).Head(); err == nil {
		t.Errorf("Head() on a repository with no commits = %s, want an error", got)
	}
}

func TestOpen(t *testing.T) {
	t.Parallel()
	tr := newRepo(t, map[string]string{
		"services/api/module.manifest.json": manifest("api"),
		"services/api/main.go":              "package main\n",
	})
	tests := []struct {
		dir     string
		wantDir string
	}{
		{dir: ".", wantDir: "."},
		{dir: "services", wantDir: "services"},
		{dir: "services/api", wantDir: "services/api"},
	}
	for _, tt := range tests {
		r, err := Open(filepath.Join(tr.dir, filepath.FromSlash(tt.dir)))
		if err != nil {
			t.Errorf("Open(%s) error = %v", tt.dir, err)
			continue
		}
		got := struct{ Root, Dir string }{r.Root(), r.Dir()}
		want := struct{ Root, Dir string }{tr.dir, tt.wantDir}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Open(%s) mismatch (-want +got):\n%s", tt.dir, diff)
		}
		// The repository opened from a subdirectory is the whole repository.
		if h, err := r.Head(); err != nil || h != tr.shas[0] {
			t.Errorf("Open(%s).Head() = %s, %v; want %s", tt.dir, h, err, tr.shas[0])
		}
	}
}

func TestOpenNotARepository(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := Open(dir)
	if !errors.Is(err, git.ErrRepositoryNotExists) {
		t.Errorf("Open(%s) error = %v, want git.ErrRepositoryNotExists", dir, err)
	}
}

// TestChangedRenameLimit checks the bound on the similarity search: one
// manifest and three source files, each moved with an edit, make 4 × 4 pairs.
func TestChangedRenameLimit(t *testing.T) {
	t.Parallel()
	source := func(name string) string {
		return strings.Repeat("def "+name+"_handler(request):\n    return respond(request)\n\n", 20)
	}
	files := map[string]string{"a/module.manifest.json": manifest("a")}
	moved := map[string]string{"a/module.manifest.json": del, "lib/a/module.manifest.json": manifest("a", `  "status": "moved",`)}
	for _, n := range []string{"x", "y", "z"} {
		files["src/"+n+".py"] = source(n)
		moved["src/"+n+".py"] = del
		moved["lib/src/"+n+".py"] = source(n) + "# moved\n"
	}
	tr := newMemRepo(t, files, moved)
	renamed := []Change{{Kind: Renamed, Path: "lib/a/module.manifest.json", OldPath: "a/module.manifest.json"}}
	tests := []struct {
		name     string
		maxPairs int
		want     []Change
	}{
		{name: "whole diff", maxPairs: 16, want: renamed},
		{name: "manifest deletes against every add", maxPairs: 4, want: renamed},
		{
			name:     "exact renames only",
			maxPairs: 3,
			want: []Change{
				{Kind: Deleted, Path: "a/module.manifest.json", OldPath: "a/module.manifest.json"},
				{Kind: Added, Path: "lib/a/module.manifest.json"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := tr.open(t)
			r.maxPairs = tt.maxPairs
			got, err := r.Changed(tr.shas[0], "", isManifest)
			if err != nil {
				t.Fatalf("Changed() error = %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Changed() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestChangedMissingBlob mimics a partial clone (`filter: blob:none`): the
// similarity search cannot read a deleted file, so it is skipped, and the
// exact renames, which compare hashes only, still stand.
func TestChangedMissingBlob(t *testing.T) {
	t.Parallel()
	tr := newRepo(t,
		map[string]string{
			"a/module.manifest.json": manifest("a"),
			"c/module.manifest.json": manifest("c"),
		},
		map[string]string{
			"a/module.manifest.json": del,
			"b/module.manifest.json": manifest("a", `  "status": "moved",`),
			"c/module.manifest.json": del,
			"d/module.manifest.json": manifest("c"),
		},
	)
	blob := plumbing.ComputeHash(plumbing.BlobObject, []byte(manifest("a"))).String()
	if err := os.Remove(filepath.Join(tr.dir, ".git", "objects", blob[:2], blob[2:])); err != nil {
		t.Fatalf("remove blob: %v", err)
	}
	got, err := tr.open(t).Changed(tr.shas[0], "", isManifest)
	if err != nil {
		t.Fatalf("Changed() error = %v", err)
	}
	want := []Change{
		{Kind: Deleted, Path: "a/module.manifest.json", OldPath: "a/module.manifest.json"},
		{Kind: Added, Path: "b/module.manifest.json"},
		{Kind: Renamed, Path: "d/module.manifest.json", OldPath: "c/module.manifest.json"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Changed() mismatch (-want +got):\n%s", diff)
	}
}
