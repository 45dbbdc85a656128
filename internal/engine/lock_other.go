//go:build !unix

package engine

import "log/slog"

// LockRun does nothing where flock does not exist; concurrent syncs there rely
// on the crash-safe create alone.
func LockRun(string, *slog.Logger) (func(), error) { return func() {}, nil }
