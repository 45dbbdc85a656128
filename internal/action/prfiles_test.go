package action

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-github/v60/github"

	"github.com/lukhas/notion-sync-action/internal/action/actiontest"
	"github.com/lukhas/notion-sync-action/internal/gitdiff"
)

func isManifest(p string) bool {
	return strings.HasSuffix(p, "module.manifest.json") && !strings.HasPrefix(p, "vendor/")
}

func TestPullRequestFiles(t *testing.T) {
	t.Parallel()
	f := func(status, name, prev string) actiontest.PullFile {
		return actiontest.PullFile{Status: status, Filename: name, PreviousFilename: prev}
	}
	files := []actiontest.PullFile{
		f("modified", "memory/module.manifest.json", ""),
		f("modified", "README.md", ""),
		f("added", "new/module.manifest.json", ""),
	}
	for i := range 97 {
		files = append(files, f("modified", fmt.Sprintf("src/f%d.go", i), ""))
	}
	files = append(files, // page 2
		f("removed", "dream/module.manifest.json", ""),
		f("renamed", "labs/x/module.manifest.json", "x/module.manifest.json"),
		f("renamed", "vendor/y/module.manifest.json", "y/module.manifest.json"),
		f("renamed", "z/module.manifest.json", "vendor/z/module.manifest.json"),
		f("renamed", "docs/b.md", "docs/a.md"),
		f("copied", "copy/module.manifest.json", "memory/module.manifest.json"),
		f("changed", "mode/module.manifest.json", ""),
		f("unchanged", "same/module.manifest.json", ""),
	)
	gh := actiontest.NewGitHub(t, "ghs_test")
	gh.SetPullFiles(4, files)
	got, err := PullRequestFiles(t.Context(), gh.Client(), "o", "r", 4, isManifest)
	if err != nil {
		t.Fatal(err)
	}
	want := []gitdiff.Change{
		{Kind: gitdiff.Added, Path: "copy/module.manifest.json"},
		{Kind: gitdiff.Deleted, Path: "dream/module.manifest.json", OldPath: "dream/module.manifest.json"},
		{Kind: gitdiff.Renamed, Path: "labs/x/module.manifest.json", OldPath: "x/module.manifest.json"},
		{Kind: gitdiff.Modified, Path: "memory/module.manifest.json", OldPath: "memory/module.manifest.json"},
		{Kind: gitdiff.Modified, Path: "mode/module.manifest.json", OldPath: "mode/module.manifest.json"},
		{Kind: gitdiff.Added, Path: "new/module.manifest.json"},
		{Kind: gitdiff.Deleted, Path: "y/module.manifest.json", OldPath: "y/module.manifest.json"},
		{Kind: gitdiff.Added, Path: "z/module.manifest.json"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PullRequestFiles() mismatch (-want +got):\n%s", diff)
	}
	wantRequests := []string{
		"GET /api/v3/repos/o/r/pulls/4/files?per_page=100",
		"GET /api/v3/repos/o/r/pulls/4/files?page=2&per_page=100",
	}
	if diff := cmp.Diff(wantRequests, gh.Requests()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

// TestPullRequestFilesTooMany checks GitHub's 3,000-file cap: a list that
// reaches it may be cut, so the caller must not trust it.
func TestPullRequestFilesTooMany(t *testing.T) {
	t.Parallel()
	var files []actiontest.PullFile
	for i := range MaxPullRequestFiles {
		files = append(files, actiontest.PullFile{Status: "modified", Filename: fmt.Sprintf("p%d/%d.go", i/100, i%100)})
	}
	gh := actiontest.NewGitHub(t, "ghs_test")
	gh.SetPullFiles(4, files)
	_, err := PullRequestFiles(t.Context(), gh.Client(), "o", "r", 4, isManifest)
	if !errors.Is(err, ErrTooManyFiles) {
		t.Errorf("error = %v, want ErrTooManyFiles", err)
	}
}

func TestPullRequestFilesHTTPError(t *testing.T) {
	t.Parallel()
	gh := actiontest.NewGitHub(t, "ghs_test")
	gh.FailFiles = http.StatusForbidden
	_, err := PullRequestFiles(t.Context(), gh.Client(), "o", "r", 4, isManifest)
	var ghErr *github.ErrorResponse
	if !errors.As(err, &ghErr) || ghErr.Response.StatusCode != http.StatusForbidden {
		t.Fatalf("error = %v, want GitHub's 403", err)
	}
	if !strings.Contains(err.Error(), "list files of pull request #4") {
		t.Errorf("error = %q, want it to say what failed", err)
	}
}
