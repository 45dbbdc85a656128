package gitdiff

import (
	"errors"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

func TestIsAncestor(t *testing.T) {
	t.Parallel()
	tr := newRepo(t,
		map[string]string{"a": "1"},
		map[string]string{"a": "2"},
		map[string]string{"a": "3"},
	)
	// A commit on another line (what a force push leaves behind): child of 0.
	c0, err := tr.git.CommitObject(plumbing.NewHash(tr.shas[0]))
	if err != nil {
		t.Fatal(err)
	}
	sig := object.Signature{Name: "Test", Email: "t@example.com", When: c0.Author.When}
	orphan := &object.Commit{Author: sig, Committer: sig, Message: "rewritten", TreeHash: c0.TreeHash, ParentHashes: []plumbing.Hash{c0.Hash}}
	obj := tr.git.Storer.NewEncodedObject()
	if err := orphan.Encode(obj); err != nil {
		t.Fatal(err)
	}
	side, err := tr.git.Storer.SetEncodedObject(obj)
	if err != nil {
		t.Fatal(err)
	}
	r := tr.open(t)
	tests := []struct {
		name       string
		base, head string
		want       bool
	}{
		{"parent of HEAD", tr.shas[1], "", true},
		{"root of HEAD", tr.shas[0], "", true},
		{"HEAD itself", tr.shas[2], "", true},
		{"a child is no ancestor", tr.shas[2], tr.shas[1], false},
		{"another line (force push)", side.String(), "", false},
	}
	for _, tt := range tests {
		got, err := r.IsAncestor(tt.base, tt.head)
		if err != nil || got != tt.want {
			t.Errorf("%s: IsAncestor() = %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
	if _, err := r.IsAncestor("0123456789012345678901234567890123456789", ""); !errors.Is(err, ErrNoBase) {
		t.Errorf("IsAncestor of a missing commit: %v, want ErrNoBase", err)
	}
}

// TestIsAncestorShallow: in a depth-1 clone the commit fetched by sha cannot be
// placed in the history, and IsAncestor says so instead of guessing.
func TestIsAncestorShallow(t *testing.T) {
	t.Parallel()
	tr := newRepo(t, map[string]string{"a": "1"}, map[string]string{"a": "2"}, map[string]string{"a": "3"})
	r, err := Open(shallowClone(t, tr, true))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.FetchCommit(t.Context(), "origin", tr.shas[0], nil); err != nil {
		t.Fatal(err)
	}
	_, err = r.IsAncestor(tr.shas[0], "")
	if !errors.Is(err, ErrUnknownAncestry) {
		t.Errorf("IsAncestor in a shallow clone: %v, want ErrUnknownAncestry", err)
	}
}
