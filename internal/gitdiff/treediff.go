package gitdiff

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/gitignore"
	"github.com/go-git/go-git/v5/plumbing/format/index"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/utils/merkletrie"
	"github.com/go-git/go-git/v5/utils/merkletrie/filesystem"
	mindex "github.com/go-git/go-git/v5/utils/merkletrie/index"
	"github.com/go-git/go-git/v5/utils/merkletrie/noder"
)

// The diffs here replace go-git's object.DiffTree and Worktree.Status, whose
// walk of a commit's tree looks every subtree up by path (Tree.Tree →
// FindEntry), and FindEntry refuses a path with a control character: a folder
// named "a\tb" or "c\nd", which git allows, failed every diff with "directory
// not found". These walk tree entries by name instead, so a path may hold any
// byte git allows; paths are never passed through a text format, so nothing
// needs quoting either.

// diffTrees lists the files that differ between the trees from and to (either
// may be nil: empty), as object.DiffTree would, without renames. Subtrees with
// the same hash are skipped; submodules are left out, as they are not files a
// sync reads.
func (r *Repo) diffTrees(from, to *object.Tree) (object.Changes, error) {
	var out object.Changes
	if err := r.diffDir("", from, to, from, to, &out); err != nil {
		return nil, err
	}
	return out, nil
}

func (r *Repo) diffDir(prefix string, a, b, rootA, rootB *object.Tree, out *object.Changes) error {
	ea, eb := entries(a), entries(b)
	names := make([]string, 0, len(ea)+len(eb))
	for n := range ea {
		names = append(names, n)
	}
	for n := range eb {
		if _, ok := ea[n]; !ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		x, inA := ea[name]
		y, inB := eb[name]
		if inA && inB && x.Hash == y.Hash && x.Mode == y.Mode {
			continue
		}
		p := prefix + name
		subA, err := r.subtree(x, inA)
		if err != nil {
			return err
		}
		subB, err := r.subtree(y, inB)
		if err != nil {
			return err
		}
		if subA != nil || subB != nil {
			if err := r.diffDir(p+"/", subA, subB, rootA, rootB, out); err != nil {
				return err
			}
		}
		fileA := inA && x.Mode != filemode.Dir && x.Mode != filemode.Submodule
		fileB := inB && y.Mode != filemode.Dir && y.Mode != filemode.Submodule
		c := &object.Change{}
		if fileA {
			c.From = object.ChangeEntry{Name: p, Tree: rootA, TreeEntry: x}
		}
		if fileB {
			c.To = object.ChangeEntry{Name: p, Tree: rootB, TreeEntry: y}
		}
		if fileA || fileB {
			*out = append(*out, c)
		}
	}
	return nil
}

func entries(t *object.Tree) map[string]object.TreeEntry {
	m := map[string]object.TreeEntry{}
	if t != nil {
		for _, e := range t.Entries {
			m[e.Name] = e
		}
	}
	return m
}

// subtree reads the tree of entry e when it is a folder; nil otherwise.
func (r *Repo) subtree(e object.TreeEntry, present bool) (*object.Tree, error) {
	if !present || e.Mode != filemode.Dir {
		return nil, nil
	}
	t, err := r.repo.TreeObject(e.Hash)
	if err != nil {
		return nil, fmt.Errorf("read tree %s: %w", e.Hash, err)
	}
	return t, nil
}

// dirtyPaths lists the paths whose state differs somewhere between HEAD (head
// nil when there is none), the index and the files on disk, leaving out
// untracked files that .gitignore (or the worktree's excludes) ignores: the
// paths `git status` would list, for WorkingChanges to look at.
func (r *Repo) dirtyPaths(wt *git.Worktree, head *object.Tree) ([]string, error) {
	idx, err := r.repo.Storer.Index()
	if err != nil {
		return nil, fmt.Errorf("read index: %w", err)
	}
	dirty := map[string]bool{}
	// HEAD against the index.
	staged := map[string]*index.Entry{}
	submodules := map[string]plumbing.Hash{}
	for _, e := range idx.Entries {
		staged[e.Name] = e
		if e.Mode == filemode.Submodule {
			submodules[e.Name] = e.Hash
		}
	}
	var inHead object.Changes
	if err := r.diffDir("", nil, head, nil, head, &inHead); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, c := range inHead {
		p := c.To.Name
		seen[p] = true
		if e, ok := staged[p]; !ok || e.Hash != c.To.TreeEntry.Hash || e.Mode != c.To.TreeEntry.Mode {
			dirty[p] = true
		}
	}
	for p, e := range staged {
		if !seen[p] && e.Mode != filemode.Submodule {
			dirty[p] = true
		}
	}
	// The index against the files on disk.
	from := mindex.NewRootNode(idx)
	// The files are read through a plain file system bound to the root, not
	// wt.Filesystem, which refuses control characters in paths.
	disk := osfs.New(r.root, osfs.WithBoundOS())
	to := filesystem.NewRootNodeWithOptions(disk, submodules, filesystem.Options{Index: idx})
	changes, err := merkletrie.DiffTree(from, to, sameHash)
	if err != nil {
		return nil, fmt.Errorf("compare the index with the files on disk: %w", err)
	}
	patterns, _ := gitignore.ReadPatterns(disk, nil) // unreadable ignore files ignore nothing, as in go-git
	ignored := gitignore.NewMatcher(append(patterns, wt.Excludes...))
	for _, ch := range changes {
		if len(ch.From) == 0 {
			// Untracked: left out when ignored, as git status does.
			if ignored.Match(names(ch.To), ch.To.IsDir()) {
				continue
			}
			dirty[ch.To.String()] = true
			continue
		}
		dirty[ch.From.String()] = true
		if len(ch.To) > 0 {
			dirty[ch.To.String()] = true
		}
	}
	out := make([]string, 0, len(dirty))
	for p := range dirty {
		out = append(out, p)
	}
	slices.Sort(out)
	return out, nil
}

func names(p noder.Path) []string {
	out := make([]string, len(p))
	for i, n := range p {
		out[i] = n.Name()
	}
	return out
}

// emptyHash is the hash a merkletrie node has when it cannot be hashed (a
// file that vanished while read); it never counts as equal, as in go-git.
var emptyHash = make([]byte, 24)

func sameHash(a, b noder.Hasher) bool {
	ha, hb := a.Hash(), b.Hash()
	if bytes.Equal(ha, emptyHash) || bytes.Equal(hb, emptyHash) {
		return false
	}
	return bytes.Equal(ha, hb)
}
