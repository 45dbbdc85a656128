package emulator

import (
	"testing"
	"time"
)

// rateLimitedBody checks a 429 as notion-api.md §6 shows it and returns its
// Retry-After.
func rateLimitedBody(t *testing.T, r resp, reason string) string {
	t.Helper()
	if r.status != 429 {
		t.Fatalf("status %d (%s), want 429", r.status, r.body)
	}
	var e struct {
		errorBody
		AdditionalData map[string]string `json:"additional_data"`
	}
	mustUnmarshal(t, r.body, &e)
	if e.Code != "rate_limited" || e.Message != "You have been rate limited. Please try again in a few minutes." ||
		e.AdditionalData["rate_limit_reason"] != reason {
		t.Errorf("429 body = %s", r.body)
	}
	return r.header.Get("Retry-After")
}

// notion-api.md §6 (old model): a token bucket of RateLimit/s with Burst; over it,
// 429 rate_limited with an integer Retry-After and additional_data.rate_limit_reason.
func TestRateLimitTokenBucket(t *testing.T) {
	t.Parallel()
	clk := newClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	s := newServer(t, Options{RateLimit: 3, Burst: 2, Now: clk.Now})
	for i := range 2 {
		if r := call(t, s, "GET", "/v1/users/me", ""); r.status != 200 {
			t.Fatalf("request %d within burst = %d", i, r.status)
		}
	}
	if ra := rateLimitedBody(t, call(t, s, "GET", "/v1/users/me", ""), reasonAverageRate); ra != "1" {
		t.Errorf("Retry-After = %q, want 1 (1/3 s rounded up)", ra)
	}
	clk.Add(400 * time.Millisecond) // one token back at 3/s
	if r := call(t, s, "GET", "/v1/users/me", ""); r.status != 200 {
		t.Errorf("after refill = %d, want 200", r.status)
	}
	if r := call(t, s, "GET", "/v1/users/me", ""); r.status != 429 {
		t.Errorf("bucket empty again = %d, want 429", r.status)
	}
	if n := s.CountStatus("GET", "/v1/users/me", 429); n != 2 {
		t.Errorf("logged 429s = %d, want 2", n)
	}
}

// notion-api.md §6 (new model): a fixed budget per 60-second window; Retry-After is
// the time to the window's end.
func TestRateLimitWindowBudget(t *testing.T) {
	t.Parallel()
	clk := newClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	s := newServer(t, Options{WindowBudget: 5, Now: clk.Now})
	for i := range 5 {
		if r := call(t, s, "GET", "/v1/users/me", ""); r.status != 200 {
			t.Fatalf("request %d within budget = %d", i, r.status)
		}
		clk.Add(time.Second)
	}
	clk.Add(10 * time.Second) // 15 s into the window
	if ra := rateLimitedBody(t, call(t, s, "GET", "/v1/users/me", ""), reasonWindowBudget); ra != "45" {
		t.Errorf("Retry-After = %q, want 45", ra)
	}
	clk.Add(45 * time.Second)
	if r := call(t, s, "GET", "/v1/users/me", ""); r.status != 200 {
		t.Errorf("next window = %d, want 200", r.status)
	}
}

// notion-api.md §6: the zero Options have no rate limit, as tests want.
func TestRateLimitOffByDefault(t *testing.T) {
	t.Parallel()
	s := newServer(t, Options{})
	for i := range 60 {
		if r := call(t, s, "GET", "/v1/users/me", ""); r.status != 200 {
			t.Fatalf("request %d = %d, want 200", i, r.status)
		}
	}
}
