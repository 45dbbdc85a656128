//go:build !unix

package app

import "log/slog"

// lockRun does nothing where flock does not exist; concurrent syncs there rely
// on the crash-safe create alone.
func lockRun(string, *slog.Logger) (func(), error) { return func() {}, nil }
