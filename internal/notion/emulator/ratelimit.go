package emulator

import (
	"math"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/time/rate"
)

// Rate-limit reasons put in additional_data.rate_limit_reason. Notion's docs name
// the limits (per connection, per workspace) without the stored excerpt showing
// the exact strings, so these are the emulator's own (notion-api.md §6).
const (
	reasonAverageRate  = "connection_average_rate"
	reasonWindowBudget = "connection_window_budget"
)

// limiter enforces either or both of Notion's documented models: an average rate
// with bursts (token bucket) and a fixed budget per window. It uses the server
// clock, so tests with a fake clock see deterministic 429s. The caller holds ctlMu.
type limiter struct {
	bucket *rate.Limiter // nil when off

	budget      int // 0 when off
	window      time.Duration
	windowStart time.Time
	used        int
}

func newLimiter(opts Options) *limiter {
	l := &limiter{budget: opts.WindowBudget, window: opts.Window}
	if opts.RateLimit > 0 {
		burst := opts.Burst
		if burst <= 0 {
			burst = 10
		}
		l.bucket = rate.NewLimiter(rate.Limit(opts.RateLimit), burst)
	}
	if l.window <= 0 {
		l.window = time.Minute
	}
	return l
}

// allow admits one request at now, or returns the 429 to send: Retry-After is the
// wait in whole seconds, rounded up, at least 1.
func (l *limiter) allow(now time.Time) *apiError {
	if l.budget > 0 {
		if l.windowStart.IsZero() || !now.Before(l.windowStart.Add(l.window)) {
			l.windowStart, l.used = now, 0
		}
		if l.used >= l.budget {
			return rateLimited(l.windowStart.Add(l.window).Sub(now), reasonWindowBudget)
		}
	}
	if l.bucket != nil {
		r := l.bucket.ReserveN(now, 1)
		if d := r.DelayFrom(now); !r.OK() || d > 0 {
			r.CancelAt(now)
			return rateLimited(d, reasonAverageRate)
		}
	}
	if l.budget > 0 {
		l.used++
	}
	return nil
}

func rateLimited(wait time.Duration, reason string) *apiError {
	e := faultError(http.StatusTooManyRequests)
	e.retryAfter = retryAfterSeconds(wait)
	e.additional = map[string]any{"rate_limit_reason": reason}
	return e
}

// retryAfterSeconds renders a wait as Notion's integer Retry-After, rounded up and
// never below 1 so a client that honours it does not spin.
func retryAfterSeconds(d time.Duration) string {
	secs := int(math.Ceil(d.Seconds()))
	if secs < 1 {
		secs = 1
	}
	return strconv.Itoa(secs)
}
