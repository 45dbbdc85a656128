//go:build unix

package app

import (
	"os/exec"
	"syscall"
)

// detach starts cmd in its own session, so it outlives the hook that started it.
func detach(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} }
