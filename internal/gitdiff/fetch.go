package gitdiff

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
)

// fetchedRef is where FetchCommit keeps the commit it fetched: go-git's fetch
// needs a destination ref. DropFetched removes it once the diff is made.
const fetchedRef = "refs/notion-sync/base"

var fullSHA = regexp.MustCompile(`^[0-9a-f]{40}$`)

// Shallow reports whether the repository is a shallow clone, as
// actions/checkout makes by default (fetch-depth: 1): commits before the
// checked-out one are missing, so a diff from them needs a fetch first.
func (r *Repo) Shallow() (bool, error) {
	hashes, err := r.repo.Storer.Shallow()
	if err != nil {
		return false, fmt.Errorf("read shallow commits: %w", err)
	}
	return len(hashes) > 0, nil
}

// RemoteURL returns the first URL of the named remote, so the caller can
// decide whether credentials may go there.
func (r *Repo) RemoteURL(remote string) (string, error) {
	rem, err := r.repo.Remote(remote)
	if err != nil {
		return "", fmt.Errorf("read remote %s: %w", remote, err)
	}
	urls := rem.Config().URLs
	if len(urls) == 0 {
		return "", fmt.Errorf("read remote %s: no URL", remote)
	}
	return urls[0], nil
}

// FetchCommit fetches the one commit sha (40 hex digits) from the named
// remote at depth 1, with its tree, so that Changed can diff from it in a
// shallow checkout: a two-dot diff needs the two trees, not the history
// between them. This is paths-filter's `git fetch --depth=1 origin <sha>`.
//
// It is the one method of Repo that writes to the repository: the objects,
// the shallow list (.git/shallow), and the ref refs/notion-sync/base, which
// DropFetched removes after use. In a container action these are written as
// root into the runner user's checkout. auth may be nil; on
// GitHub pass &http.BasicAuth{Username: "x-access-token", Password: token}
// (go-git reads no credential helper, and actions/checkout v6 keeps its
// credentials in an included config file go-git does not read).
//
// The server must allow fetching a commit by sha (GitHub does); otherwise
// the error wraps git.ErrExactSHA1NotSupported.
func (r *Repo) FetchCommit(ctx context.Context, remote, sha string, auth transport.AuthMethod) error {
	if !fullSHA.MatchString(sha) {
		return fmt.Errorf("fetch %q from %s: not a full sha", sha, remote)
	}
	err := r.repo.FetchContext(ctx, &git.FetchOptions{
		RemoteName: remote,
		RefSpecs:   []config.RefSpec{config.RefSpec("+" + sha + ":" + fetchedRef)},
		Depth:      1,
		Auth:       auth,
		Tags:       git.NoTags,
	})
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		return fmt.Errorf("fetch %s from %s: %w", sha, remote, err)
	}
	return nil
}

// DropFetched removes the ref FetchCommit wrote, so that the checkout holds
// no ref of ours after the step (a later `git fetch --prune` or a tool that
// lists refs would meet it). The fetched objects and the shallow list stay:
// git drops unreachable objects at its next gc. Removing a ref that is not
// there is not an error.
func (r *Repo) DropFetched() error {
	if err := r.repo.Storer.RemoveReference(plumbing.ReferenceName(fetchedRef)); err != nil {
		return fmt.Errorf("remove %s: %w", fetchedRef, err)
	}
	return nil
}
