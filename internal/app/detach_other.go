//go:build !unix

package app

import "os/exec"

// detach does nothing where sessions do not exist; the child still runs on.
func detach(*exec.Cmd) {}
