package action

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/go-github/v60/github"

	"github.com/lukhas/notion-sync-action/internal/gitdiff"
)

// MaxPullRequestFiles is the most files GitHub's "list pull request files"
// endpoint returns; a pull request with more is listed incompletely.
const MaxPullRequestFiles = 3000

// ErrTooManyFiles reports a pull request whose file list GitHub cuts at
// MaxPullRequestFiles: the changes cannot be known from the API, so the caller
// syncs every manifest instead.
var ErrTooManyFiles = errors.New("the pull request changes 3,000 files or more, more than GitHub's files API lists")

// PullRequestFiles lists the files pull request number of owner/repo changes,
// through GitHub's API, as the changes a local diff would give: the fallback
// when the checkout lacks the base commit (a shallow clone). It keeps the
// files match accepts; a rename with only one side accepted reads as that
// side alone (Deleted or Added), as in gitdiff. The result is sorted by Path.
//
// GitHub API docs: https://docs.github.com/rest/pulls/pulls#list-pull-requests-files
func PullRequestFiles(ctx context.Context, gh *github.Client, owner, repo string, number int, match func(string) bool) ([]gitdiff.Change, error) {
	opts := &github.ListOptions{PerPage: 100}
	var out []gitdiff.Change
	seen := 0
	for {
		files, resp, err := gh.PullRequests.ListFiles(ctx, owner, repo, number, opts)
		if err != nil {
			return nil, fmt.Errorf("list files of pull request #%d: %w", number, err)
		}
		seen += len(files)
		for _, f := range files {
			if c, ok := fileChange(f, match); ok {
				out = append(out, c)
			}
		}
		if seen >= MaxPullRequestFiles {
			return nil, fmt.Errorf("list files of pull request #%d: %w", number, ErrTooManyFiles)
		}
		if resp == nil || resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	slices.SortFunc(out, func(a, b gitdiff.Change) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return strings.Compare(a.OldPath, b.OldPath)
	})
	return out, nil
}

// fileChange turns one entry of the files API into a change, when match
// accepts it.
func fileChange(f *github.CommitFile, match func(string) bool) (gitdiff.Change, bool) {
	name, prev := f.GetFilename(), f.GetPreviousFilename()
	switch f.GetStatus() {
	case "added", "copied":
		return gitdiff.Change{Kind: gitdiff.Added, Path: name}, match(name)
	case "removed":
		return gitdiff.Change{Kind: gitdiff.Deleted, Path: name, OldPath: name}, match(name)
	case "renamed":
		if prev == "" {
			return gitdiff.Change{Kind: gitdiff.Added, Path: name}, match(name)
		}
		switch mt, mf := match(name), match(prev); {
		case mt && mf:
			return gitdiff.Change{Kind: gitdiff.Renamed, Path: name, OldPath: prev}, true
		case mt:
			return gitdiff.Change{Kind: gitdiff.Added, Path: name}, true
		case mf:
			return gitdiff.Change{Kind: gitdiff.Deleted, Path: prev, OldPath: prev}, true
		}
		return gitdiff.Change{}, false
	case "unchanged":
		return gitdiff.Change{}, false
	default: // modified, changed (mode), and any status GitHub adds later
		return gitdiff.Change{Kind: gitdiff.Modified, Path: name, OldPath: name}, match(name)
	}
}
