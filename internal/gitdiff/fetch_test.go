package gitdiff

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/google/go-cmp/cmp"
)

// shallowClone builds what actions/checkout leaves: a bare "origin" holding
// the history of tr, and a depth-1 clone of its tip. The file transport runs
// git-upload-pack, so the test needs a git binary.
func shallowClone(t *testing.T, tr *testRepo, allowSHA bool) (clone string) {
	t.Helper()
	if _, err := exec.LookPath("git-upload-pack"); err != nil {
		if _, err := exec.LookPath("git"); err != nil {
			t.Skip("no git binary: go-git's file transport runs git-upload-pack")
		}
	}
	origin := filepath.Join(t.TempDir(), "origin.git")
	bare, err := git.PlainClone(origin, true, &git.CloneOptions{URL: tr.dir})
	if err != nil {
		t.Fatalf("clone origin: %v", err)
	}
	if allowSHA {
		// GitHub lets a client fetch any reachable commit by sha; git's default does not.
		cfg, err := bare.Config()
		if err != nil {
			t.Fatal(err)
		}
		cfg.Raw.Section("uploadpack").SetOption("allowReachableSHA1InWant", "true")
		if err := bare.SetConfig(cfg); err != nil {
			t.Fatal(err)
		}
	}
	clone = filepath.Join(t.TempDir(), "work")
	if _, err := git.PlainClone(clone, false, &git.CloneOptions{URL: origin, Depth: 1}); err != nil {
		t.Fatalf("shallow clone: %v", err)
	}
	return clone
}

func TestFetchCommit(t *testing.T) {
	t.Parallel()
	tr := newRepo(t,
		map[string]string{"z/module.manifest.json": manifest("z")},
		map[string]string{"a/module.manifest.json": manifest("a"), "b/module.manifest.json": manifest("b")},
		map[string]string{"a/module.manifest.json": manifest("a", `  "lane": "x",`), "c/module.manifest.json": manifest("c")},
		map[string]string{"b/module.manifest.json": del},
	)
	r, err := Open(shallowClone(t, tr, true))
	if err != nil {
		t.Fatal(err)
	}
	if shallow, err := r.Shallow(); err != nil || !shallow {
		t.Fatalf("Shallow() = %v, %v; want true", shallow, err)
	}
	// A commit with a parent, which the fetch must not follow.
	before := tr.shas[1]
	if _, err := r.Changed(before, "", isManifest); !errors.Is(err, ErrNoBase) {
		t.Fatalf("Changed() before the fetch: error = %v, want ErrNoBase", err)
	}
	if url, err := r.RemoteURL("origin"); err != nil || filepath.Base(url) != "origin.git" {
		t.Errorf("RemoteURL() = %q, %v", url, err)
	}
	if err := r.FetchCommit(t.Context(), "origin", before, nil); err != nil {
		t.Fatalf("FetchCommit() error = %v", err)
	}
	got, err := r.Changed(before, "", isManifest)
	if err != nil {
		t.Fatalf("Changed() after the fetch: %v", err)
	}
	want := []Change{
		{Kind: Modified, Path: "a/module.manifest.json", OldPath: "a/module.manifest.json"},
		{Kind: Deleted, Path: "b/module.manifest.json", OldPath: "b/module.manifest.json"},
		{Kind: Added, Path: "c/module.manifest.json"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Changed() mismatch (-want +got):\n%s", diff)
	}
	// Neither the commit between before and HEAD nor before's parent was fetched.
	for _, sha := range []string{tr.shas[0], tr.shas[2]} {
		if _, err := r.Resolve(sha); err == nil {
			t.Errorf("commit %s was fetched too", sha)
		}
	}
	// A second fetch of the same commit is not an error.
	if err := r.FetchCommit(t.Context(), "origin", before, nil); err != nil {
		t.Errorf("second FetchCommit() error = %v", err)
	}

	// DropFetched leaves no ref of ours behind; the diff still works from the
	// objects, and a second drop is not an error.
	if _, err := r.Resolve(fetchedRef); err != nil {
		t.Fatalf("the fetched ref is missing before DropFetched: %v", err)
	}
	for range 2 {
		if err := r.DropFetched(); err != nil {
			t.Fatalf("DropFetched() error = %v", err)
		}
	}
	if _, err := r.Resolve(fetchedRef); err == nil {
		t.Errorf("%s still resolves after DropFetched", fetchedRef)
	}
	reopened, err := Open(r.Root())
	if err != nil {
		t.Fatal(err)
	}
	refs, err := reopened.repo.References()
	if err != nil {
		t.Fatal(err)
	}
	_ = refs.ForEach(func(ref *plumbing.Reference) error {
		if strings.HasPrefix(ref.Name().String(), "refs/notion-sync/") {
			t.Errorf("ref %s left in the checkout", ref.Name())
		}
		return nil
	})
	if _, err := reopened.Changed(before, "", isManifest); err != nil {
		t.Errorf("Changed() after DropFetched: %v", err)
	}
}

func TestFetchCommitErrors(t *testing.T) {
	t.Parallel()
	tr := newRepo(t,
		map[string]string{"a/module.manifest.json": manifest("a")},
		map[string]string{"b/module.manifest.json": manifest("b")},
	)
	r, err := Open(shallowClone(t, tr, false))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.FetchCommit(t.Context(), "origin", tr.shas[0], nil); !errors.Is(err, git.ErrExactSHA1NotSupported) {
		t.Errorf("FetchCommit() from a server that refuses shas: error = %v, want ErrExactSHA1NotSupported", err)
	}
	for _, bad := range []string{"HEAD~1", tr.shas[0][:7], "--upload-pack=touch x"} {
		if err := r.FetchCommit(t.Context(), "origin", bad, nil); err == nil {
			t.Errorf("FetchCommit(%q): no error", bad)
		}
	}
	if err := r.FetchCommit(t.Context(), "upstream", tr.shas[0], nil); err == nil {
		t.Error("FetchCommit() from a remote that does not exist: no error")
	}
	if shallow, err := newRepo(t, map[string]string{"x": "1"}).open(t).Shallow(); err != nil || shallow {
		t.Errorf("Shallow() of a full repository = %v, %v", shallow, err)
	}
}
