package gitdiff

import (
	"cmp"
	"errors"
	"fmt"
)

// ErrUnknownAncestry reports that the history between two commits is not in the
// checkout (a shallow clone), so whether one descends from the other cannot be
// told from it.
var ErrUnknownAncestry = errors.New("the history between the commits is not in this checkout")

// IsAncestor reports whether base is head or one of its ancestors (head ""
// means HEAD). A force push leaves the old tip outside the new history: a diff
// from it would show changes the branch never had. It fails with
// ErrUnknownAncestry when the walk from head meets a commit whose parents are
// not in the repository, and with an error wrapping ErrNoBase when base itself
// is not.
func (r *Repo) IsAncestor(base, head string) (bool, error) {
	b, err := r.commit(base)
	if err != nil {
		return false, fmt.Errorf("%w: %w", ErrNoBase, err)
	}
	h, err := r.commit(cmp.Or(head, "HEAD"))
	if err != nil {
		return false, err
	}
	ok, err := b.IsAncestor(h)
	if err != nil {
		return false, fmt.Errorf("is %s an ancestor of %s: %w: %w", ShortSHA(base), ShortSHA(h.Hash.String()), ErrUnknownAncestry, err)
	}
	return ok || b.Hash == h.Hash, nil
}
