package gitdiff

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// WorkingChanges lists the files whose content on disk differs from HEAD:
// staged and unstaged edits, deletions, and untracked files that are not
// ignored, filtered by match and sorted by Path. It compares HEAD with the
// files on disk, not with the index, because the files on disk are what sync
// reads: `sync --changed` on a laptop sees edits not yet committed.
//
// Renames are detected as in Changed (an untracked copy plus a missing
// original is one Renamed change), except that a new file over 1 MiB is never
// a rename target. Only content counts: a file whose mode alone changed is not
// reported. In a repository with no commits yet every file is Added. Nothing
// is written to the repository or its index; the content of new files is
// held in memory for rename detection.
func (r *Repo) WorkingChanges(match func(path string) bool) ([]Change, error) {
	wt, err := r.repo.Worktree()
	if err != nil {
		return nil, fmt.Errorf("open worktree: %w", err)
	}
	head, err := r.headTree()
	if err != nil {
		return nil, err
	}
	dirty, err := r.dirtyPaths(wt, head.dirs[""])
	if err != nil {
		return nil, fmt.Errorf("read worktree status: %w", err)
	}
	blobs, err := newBlobStore()
	if err != nil {
		return nil, err
	}
	disk := &diskFiles{root: r.root, blobs: blobs}
	var changes, large object.Changes
	for _, p := range dirty {
		from, skip, err := head.entry(p)
		if err != nil {
			return nil, err
		}
		if skip {
			continue
		}
		to, tooLarge, err := disk.entry(p, from != object.ChangeEntry{})
		if err != nil {
			return nil, err
		}
		if from.TreeEntry.Hash == to.TreeEntry.Hash {
			// Both absent (added to the index, then removed from disk), or
			// the same content (staged, then edited back).
			continue
		}
		c := &object.Change{From: from, To: to}
		if tooLarge {
			large = append(large, c)
		} else {
			changes = append(changes, c)
		}
	}
	out, err := r.filter(changes, large, match)
	if err != nil {
		return nil, fmt.Errorf("diff worktree: %w", err)
	}
	return out, nil
}

// headTree is the HEAD tree with a cache of its subtrees, for looking up the
// few paths a worktree status names without walking the whole tree.
type headTree struct {
	repo *git.Repository
	dirs map[string]*object.Tree // by directory path, "" for the root (nil when HEAD is unborn); nil for none
}

// headTree returns the tree of HEAD, or an empty one when the repository has
// no commits yet.
func (r *Repo) headTree() (*headTree, error) {
	t := &headTree{repo: r.repo, dirs: map[string]*object.Tree{"": nil}}
	ref, err := r.repo.Head()
	if errors.Is(err, plumbing.ErrReferenceNotFound) {
		return t, nil
	}
	if err != nil {
		return nil, fmt.Errorf("resolve HEAD: %w", err)
	}
	c, err := r.repo.CommitObject(ref.Hash())
	if err != nil {
		return nil, fmt.Errorf("read HEAD commit %s: %w", ref.Hash(), err)
	}
	root, err := c.Tree()
	if err != nil {
		return nil, fmt.Errorf("read tree of HEAD %s: %w", ref.Hash(), err)
	}
	t.dirs[""] = root
	return t, nil
}

// entry returns the change side for the file at p in HEAD: the zero
// ChangeEntry when HEAD has no file there. skip is true for a submodule,
// whose commit pointer is not a file sync could read.
func (t *headTree) entry(p string) (e object.ChangeEntry, skip bool, err error) {
	dir, name := path.Split(p)
	tree, err := t.dir(strings.TrimSuffix(dir, "/"))
	if err != nil || tree == nil {
		return object.ChangeEntry{}, false, err
	}
	for _, te := range tree.Entries {
		if te.Name != name {
			continue
		}
		switch te.Mode {
		case filemode.Submodule:
			return object.ChangeEntry{}, true, nil
		case filemode.Dir:
			return object.ChangeEntry{}, false, nil
		}
		return object.ChangeEntry{Name: p, Tree: t.dirs[""], TreeEntry: te}, false, nil
	}
	return object.ChangeEntry{}, false, nil
}

// dir returns the tree of directory d in HEAD, or nil when there is none.
func (t *headTree) dir(d string) (*object.Tree, error) {
	if tree, ok := t.dirs[d]; ok || d == "" {
		return tree, nil
	}
	parent, name := path.Split(d)
	pt, err := t.dir(strings.TrimSuffix(parent, "/"))
	if err != nil || pt == nil {
		return nil, err
	}
	var tree *object.Tree
	for _, te := range pt.Entries {
		if te.Name == name && te.Mode == filemode.Dir {
			tree, err = t.repo.TreeObject(te.Hash)
			if err != nil {
				return nil, fmt.Errorf("read tree %s of HEAD: %w", d, err)
			}
			break
		}
	}
	t.dirs[d] = tree
	return tree, nil
}

// diskFiles turns files on disk into the "to" side of a change, holding the
// content of the files that may be rename targets in memory.
type diskFiles struct {
	root  string
	blobs *blobStore
}

// entry returns the change side for the file at p on disk: the zero
// ChangeEntry when there is no file (a directory, socket or other special
// file counts as none). inHead says whether HEAD has a file at p; only files
// new to HEAD can be rename targets, so only their content is kept, and only
// up to maxBlobCopy bytes: large reports whether a new file was too large,
// which takes it out of rename detection.
func (d *diskFiles) entry(p string, inHead bool) (e object.ChangeEntry, large bool, err error) {
	full := filepath.Join(d.root, filepath.FromSlash(p))
	fi, err := os.Lstat(full)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return object.ChangeEntry{}, false, nil
	}
	if err != nil {
		return object.ChangeEntry{}, false, fmt.Errorf("read worktree file %s: %w", p, err)
	}
	var (
		h       plumbing.Hash
		content []byte
		mode    = filemode.Regular
	)
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		var target string
		if target, err = os.Readlink(full); err == nil {
			h, err = d.hash([]byte(filepath.ToSlash(target)), inHead)
		}
		mode = filemode.Symlink
	case fi.Mode().IsRegular() && fi.Size() > maxBlobCopy:
		h, err = hashFile(full, fi.Size())
		large = !inHead
	case fi.Mode().IsRegular():
		if content, err = os.ReadFile(full); err == nil {
			h, err = d.hash(content, inHead)
		}
	default:
		return object.ChangeEntry{}, false, nil
	}
	if err != nil {
		return object.ChangeEntry{}, false, fmt.Errorf("read worktree file %s: %w", p, err)
	}
	if fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
		mode = filemode.Executable
	}
	return object.ChangeEntry{
		Name:      p,
		Tree:      d.blobs.tree,
		TreeEntry: object.TreeEntry{Name: path.Base(p), Mode: mode, Hash: h},
	}, large, nil
}

// hash returns the blob hash of content, keeping the content for rename
// detection unless the file is in HEAD (then it can only be Modified).
func (d *diskFiles) hash(content []byte, inHead bool) (plumbing.Hash, error) {
	if inHead {
		return plumbing.ComputeHash(plumbing.BlobObject, content), nil
	}
	return d.blobs.put(content)
}

// hashFile returns the blob hash of a large file without reading it whole
// into memory.
func hashFile(name string, size int64) (h plumbing.Hash, err error) {
	f, err := os.Open(name)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	hasher := plumbing.NewHasher(plumbing.BlobObject, size)
	n, err := io.Copy(hasher, f)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if n != size {
		return plumbing.ZeroHash, fmt.Errorf("file changed size while hashing: %d bytes, then %d", size, n)
	}
	return hasher.Sum(), nil
}
