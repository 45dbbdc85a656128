//go:build unix

package safefile

import (
	"errors"
	"syscall"
)

// noFollow makes an open fail on a symbolic link in the last part of a name,
// and not block on a FIFO swapped in after the check (O_NONBLOCK changes
// nothing for a regular file).
const noFollow = syscall.O_NOFOLLOW | syscall.O_NONBLOCK

// isLoop reports the error O_NOFOLLOW gives for a link.
func isLoop(err error) bool { return errors.Is(err, syscall.ELOOP) }
