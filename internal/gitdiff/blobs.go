package gitdiff

import (
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/memory"
)

// maxBlobCopy is the largest file held in memory for rename detection.
// Manifests are far smaller (the largest in the corpus is 50 KB); the cap
// keeps a stray dump or image from being read whole into memory.
const maxBlobCopy = 1 << 20

// blobStore holds file contents in memory behind an empty tree, because
// go-git's rename detection reads a change's content through its tree.
type blobStore struct {
	objects *memory.Storage
	tree    *object.Tree
}

func newBlobStore() (*blobStore, error) {
	objects := memory.NewStorage()
	obj := objects.NewEncodedObject()
	if err := (&object.Tree{}).Encode(obj); err != nil {
		return nil, fmt.Errorf("encode empty tree: %w", err)
	}
	h, err := objects.SetEncodedObject(obj)
	if err != nil {
		return nil, fmt.Errorf("store empty tree: %w", err)
	}
	tree, err := object.GetTree(objects, h)
	if err != nil {
		return nil, fmt.Errorf("load empty tree: %w", err)
	}
	return &blobStore{objects: objects, tree: tree}, nil
}

// put stores content as a blob and returns its hash.
func (s *blobStore) put(content []byte) (plumbing.Hash, error) {
	obj := s.objects.NewEncodedObject()
	obj.SetType(plumbing.BlobObject)
	w, err := obj.Writer()
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("store blob: %w", err)
	}
	if _, err := w.Write(content); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("store blob: %w", err)
	}
	if err := w.Close(); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("store blob: %w", err)
	}
	h, err := s.objects.SetEncodedObject(obj)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("store blob: %w", err)
	}
	return h, nil
}

// copyEntry returns e reading its content from memory, or e unchanged when
// the file is larger than maxBlobCopy.
func (s *blobStore) copyEntry(e object.ChangeEntry) (object.ChangeEntry, error) {
	f, err := e.Tree.TreeEntryFile(&e.TreeEntry)
	if err != nil {
		return object.ChangeEntry{}, fmt.Errorf("read %s: %w", e.Name, err)
	}
	if f.Size > maxBlobCopy {
		return e, nil
	}
	content, err := f.Contents()
	if err != nil {
		return object.ChangeEntry{}, fmt.Errorf("read %s: %w", e.Name, err)
	}
	if _, err := s.put([]byte(content)); err != nil {
		return object.ChangeEntry{}, fmt.Errorf("copy %s: %w", e.Name, err)
	}
	e.Tree = s.tree
	return e, nil
}
