//go:build !unix

package safefile

// noFollow is 0 where O_NOFOLLOW does not exist; Check's Lstat of every part
// and os.Root's containment remain.
const noFollow = 0

func isLoop(error) bool { return false }
