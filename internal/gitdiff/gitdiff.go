// Package gitdiff answers "which manifest files did these commits change?" for
// `sync --changed`, reading the repository with go-git so the Action needs no
// git binary in its image.
//
// Only the changed manifests need a Notion round trip, so a push that touches
// two manifests costs a handful of API calls instead of a full sync. When the
// base commit cannot be used (a new branch, a force-push, a shallow checkout
// that lacks it) Changed returns ErrNoBase and the caller falls back to a full
// sync, which is always correct, only slower.
package gitdiff

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/utils/merkletrie"
)

// Kind says what happened to a file between two states of the repository.
// The values are stable strings so they can go straight into a plan or ledger.
type Kind string

// The kinds of change. A delete and an add with the same or similar content
// are one Renamed change, so a moved manifest keeps its Notion page.
const (
	Added    Kind = "added"
	Modified Kind = "modified"
	Deleted  Kind = "deleted"
	Renamed  Kind = "renamed"
)

// Change is one changed file.
//
// Path is repo-relative with "/" separators: the new path, or for Deleted the
// path the file had. OldPath is the path at the base: the source of a Renamed
// change, equal to Path for Modified and Deleted, and "" for Added.
type Change struct {
	Kind    Kind
	Path    string
	OldPath string
}

// ErrNoBase reports that the base commit of a diff cannot be used: it is the
// zero sha of a new branch, empty, or not in the repository (a force-push, or
// a shallow checkout that never fetched it). Callers check it with errors.Is
// and fall back to a full sync.
var ErrNoBase = errors.New("base commit not available")

// zeroSHA is what GitHub sends as `before` when a push creates a branch.
const zeroSHA = "0000000000000000000000000000000000000000"

// maxRenamePairs bounds the similarity search for renames, which compares
// unpaired deletes with unpaired adds, like git's diff.renameLimit (1,000,
// checked as sources × destinations against its square). go-git rebuilds an
// add's similarity index for every pair (measured: 15–20µs for corpus
// manifests of a few KB), so the bound is also 15–20 s of work at worst for
// manifest-sized files, and more for larger ones.
const maxRenamePairs = 1000 * 1000

// Repo is a git repository with a worktree, opened read-only in spirit: no
// method writes to its index or its worktree, and only FetchCommit adds to the
// object store (a missing diff base, fetched from origin).
//
// The zero value is not usable; call Open. A Repo is not safe for concurrent
// use.
type Repo struct {
	repo     *git.Repository
	root     string
	dir      string
	maxPairs int // maxRenamePairs; lowered by tests
}

// Open finds the repository that contains dir, walking up the parents as git
// does (so the CLI works from any subdirectory of a checkout), and returns it.
// The path of dir relative to the worktree root is kept and reported by Dir.
// Worktrees made with `git worktree add` and `.git` files are supported; bare
// repositories are not, because WorkingChanges needs a worktree.
func Open(dir string) (*Repo, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("open repository at %s: %w", dir, err)
	}
	repo, err := git.PlainOpenWithOptions(abs, &git.PlainOpenOptions{
		DetectDotGit:          true,
		EnableDotGitCommonDir: true,
	})
	if err != nil {
		return nil, fmt.Errorf("open repository at %s: %w", dir, err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		return nil, fmt.Errorf("open worktree of %s: %w", dir, err)
	}
	root := wt.Filesystem.Root()
	rel, err := filepath.Rel(root, abs)
	if err != nil {
		return nil, fmt.Errorf("open repository at %s: %w", dir, err)
	}
	return &Repo{repo: repo, root: root, dir: filepath.ToSlash(rel), maxPairs: maxRenamePairs}, nil
}

// Root returns the absolute path of the worktree root. Change paths are
// relative to it.
func (r *Repo) Root() string { return r.root }

// Dir returns the directory given to Open relative to Root, with "/"
// separators ("." when it is the root), so a caller can turn its own
// directory-relative paths into the repo-relative paths of a Change.
func (r *Repo) Dir() string { return r.dir }

// Head returns the full sha of the commit HEAD points at. It fails on a
// repository with no commits.
func (r *Repo) Head() (string, error) {
	ref, err := r.repo.Head()
	if err != nil {
		return "", fmt.Errorf("resolve HEAD: %w", err)
	}
	return ref.Hash().String(), nil
}

// Resolve returns the full sha of the commit rev names: a sha, a unique short
// sha, a branch, remote branch or tag (annotated tags are peeled to their
// commit), or an ancestry expression such as HEAD~1 or main^2.
func (r *Repo) Resolve(rev string) (string, error) {
	c, err := r.commit(rev)
	if err != nil {
		return "", err
	}
	return c.Hash.String(), nil
}

// commit resolves rev to a commit object.
func (r *Repo) commit(rev string) (*object.Commit, error) {
	h, err := r.repo.ResolveRevision(plumbing.Revision(rev))
	if errors.Is(err, io.EOF) {
		// go-git's way of saying HEAD~n walked past the root commit.
		err = errors.New("no such ancestor")
	}
	if err != nil {
		return nil, fmt.Errorf("resolve revision %q: %w", rev, err)
	}
	c, err := r.repo.CommitObject(*h)
	if err != nil {
		return nil, fmt.Errorf("resolve revision %q: %w", rev, err)
	}
	return c, nil
}

// tree resolves rev to the tree of its commit.
func (r *Repo) tree(rev string) (*object.Tree, error) {
	c, err := r.commit(rev)
	if err != nil {
		return nil, err
	}
	t, err := c.Tree()
	if err != nil {
		return nil, fmt.Errorf("read tree of %s: %w", c.Hash, err)
	}
	return t, nil
}

// Changed lists the files changed between the commits base and head (head ""
// means HEAD), keeping only paths for which match returns true, sorted by
// Path. It is a two-dot diff of the two trees, so it needs neither history
// between them nor a merge base: a depth-1 fetch of base is enough.
//
// Renames are detected over the whole diff before filtering, so a manifest
// moved to a place match also accepts is one Renamed change. A rename whose
// other side match rejects is reported from the side match accepts: Deleted
// (moved out of scope) or Added (moved into scope).
//
// A base that is empty, the zero sha, or cannot be resolved to a commit and
// its tree in this repository returns an error wrapping ErrNoBase with the
// reason.
func (r *Repo) Changed(base, head string, match func(path string) bool) ([]Change, error) {
	switch base {
	case "":
		return nil, fmt.Errorf("diff: %w: no base given", ErrNoBase)
	case zeroSHA:
		return nil, fmt.Errorf("diff: %w: base is the zero sha (new branch)", ErrNoBase)
	}
	from, err := r.tree(base)
	if err != nil {
		return nil, fmt.Errorf("diff from base: %w: %w", ErrNoBase, err)
	}
	if head == "" {
		head = "HEAD"
	}
	to, err := r.tree(head)
	if err != nil {
		return nil, fmt.Errorf("diff to head: %w", err)
	}
	changes, err := r.diffTrees(from, to)
	if err != nil {
		return nil, fmt.Errorf("diff %s..%s: %w", base, head, err)
	}
	out, err := r.filter(changes, nil, match)
	if err != nil {
		return nil, fmt.Errorf("diff %s..%s: %w", base, head, err)
	}
	return out, nil
}

// filter detects renames among candidates (a full, unfiltered diff, minus
// the changes in fixed, which take no part in rename detection) and returns
// the changes match accepts, sorted by Path.
func (r *Repo) filter(candidates, fixed object.Changes, match func(string) bool) ([]Change, error) {
	changes := candidates
	if needRenames(candidates, match) {
		var err error
		changes, err = detectRenames(candidates, match, r.maxPairs)
		if err != nil {
			return nil, err
		}
	}
	var out []Change
	for _, c := range slices.Concat(changes, fixed) {
		action, err := c.Action()
		if err != nil {
			return nil, fmt.Errorf("classify change: %w", err)
		}
		from, to := c.From.Name, c.To.Name
		switch {
		case action == merkletrie.Insert:
			if match(to) {
				out = append(out, Change{Kind: Added, Path: to})
			}
		case action == merkletrie.Delete:
			if match(from) {
				out = append(out, Change{Kind: Deleted, Path: from, OldPath: from})
			}
		case from == to:
			if match(to) {
				out = append(out, Change{Kind: Modified, Path: to, OldPath: from})
			}
		default:
			switch mf, mt := match(from), match(to); {
			case mf && mt:
				out = append(out, Change{Kind: Renamed, Path: to, OldPath: from})
			case mt:
				out = append(out, Change{Kind: Added, Path: to})
			case mf:
				out = append(out, Change{Kind: Deleted, Path: from, OldPath: from})
			}
		}
	}
	slices.SortFunc(out, func(a, b Change) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return strings.Compare(a.OldPath, b.OldPath)
	})
	return out, nil
}

// needRenames reports whether rename detection can change the filtered
// result: only when match accepts both a deleted and an added file. A pair
// with one side out of scope reads as that side alone (Deleted or Added),
// which is what it reads as unpaired. Skipping the search otherwise keeps the
// common push (code moved, one manifest added) from paying for a similarity
// search over unrelated files.
func needRenames(changes object.Changes, match func(string) bool) bool {
	var added, deleted bool
	for _, c := range changes {
		action, err := c.Action()
		if err != nil {
			return true // let filter report it
		}
		switch action {
		case merkletrie.Insert:
			added = added || match(c.To.Name)
		case merkletrie.Delete:
			deleted = deleted || match(c.From.Name)
		}
		if added && deleted {
			return true
		}
	}
	return false
}

// detectRenames pairs deletes with adds of the same or similar content, with
// go-git's recommended similarity threshold (object.DefaultDiffTreeOptions).
//
// Exact renames are found first, as git does. The similarity search then
// compares every unpaired delete with every unpaired add, over the whole
// diff, unless that is more than maxPairs pairs. Then it compares only the
// deletes match accepts with every add: a rename shows in the filtered result
// only when match accepts both sides, and any add may still be the better
// partner, as in git. A refactor moving 2,000 source files and 3 manifests
// costs 3 × 2,000 comparisons, not 2,000². When even those are too many, only
// exact renames are found. (go-git's own RenameLimit compares the larger side
// alone with its limit, which turns the search off for a commit that adds
// 1,100 manifests and moves 100.)
//
// When the search fails (a blob missing from a partial clone, or a file too
// large to index) the exact renames stand: a missed similar rename costs a
// page archive and create, while failing would cost the whole diff.
func detectRenames(changes object.Changes, match func(string) bool, maxPairs int) (object.Changes, error) {
	exact, err := object.DetectRenames(changes, &object.DiffTreeOptions{
		DetectRenames:    true,
		OnlyExactRenames: true,
	})
	if err != nil {
		return nil, fmt.Errorf("detect renames: %w", err)
	}
	var rest, added, deleted, inScope object.Changes
	for _, c := range exact {
		switch action, _ := c.Action(); {
		case action == merkletrie.Insert:
			added = append(added, c)
		case action == merkletrie.Delete && match(c.From.Name):
			deleted = append(deleted, c)
			inScope = append(inScope, c)
		case action == merkletrie.Delete:
			deleted = append(deleted, c)
			rest = append(rest, c)
		default:
			rest = append(rest, c)
		}
	}
	switch {
	case len(added)*len(deleted) <= maxPairs:
		return similar(exact), nil
	case len(added)*len(inScope) <= maxPairs:
		return slices.Concat(rest, similar(slices.Concat(inScope, added))), nil
	}
	return exact, nil
}

// similar runs go-git's rename detection, similarity included, on changes
// whose exact renames are already paired, returning changes unchanged when
// it fails.
func similar(changes object.Changes) object.Changes {
	if len(changes) < 2 {
		return changes
	}
	candidates, err := inMemory(changes)
	if err != nil {
		return changes
	}
	out, err := object.DetectRenames(candidates, &object.DiffTreeOptions{
		DetectRenames: true,
		RenameScore:   object.DefaultDiffTreeOptions.RenameScore,
	})
	if err != nil {
		return changes
	}
	return out
}

// inMemory returns changes with the content of each unpaired add and delete
// of at most maxBlobCopy bytes copied into memory once. go-git's similarity
// search reads a candidate blob again for every pair it scores, and the
// repository's object store opens a loose object file on every read, cached
// or not: on the corpus (118 deletes, 1,760 adds) that was half the time.
func inMemory(changes object.Changes) (object.Changes, error) {
	mem, err := newBlobStore()
	if err != nil {
		return nil, err
	}
	out := make(object.Changes, 0, len(changes))
	for _, c := range changes {
		action, err := c.Action()
		if err != nil {
			return nil, fmt.Errorf("classify change: %w", err)
		}
		if action == merkletrie.Modify {
			out = append(out, c)
			continue
		}
		copied := *c
		side := &copied.To
		if action == merkletrie.Delete {
			side = &copied.From
		}
		if side.TreeEntry.Mode == filemode.Regular {
			if *side, err = mem.copyEntry(*side); err != nil {
				return nil, err
			}
		}
		out = append(out, &copied)
	}
	return out, nil
}

// ShortSHA is a commit id cut to 12 hex digits, for messages: unique in any
// repository of a sane size, and short enough for a line of a summary.
func ShortSHA(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}
