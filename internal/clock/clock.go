// Package clock waits on the wall clock. Every part of notion-sync that waits
// (the client's backoff and Retry-After pauses, the emulator's latency, the
// sync's batch delay, the artifact upload's retries) takes a Sleep function it
// can be given in tests, and uses Sleep when it is given none.
package clock

import (
	"context"
	"time"
)

// Sleep waits d, or until ctx is done, which it then reports: a cancelled run
// stops waiting at once. A d of zero or less returns at once.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
