package report

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestHealthTextLastSync: the last successful sync is shown with its duration,
// and a later run that failed is reported under it.
func TestHealthTextLastSync(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	good := &Run{At: at, Duration: 1500 * time.Millisecond}
	failed := &Run{At: at.Add(time.Hour), Duration: 9 * time.Millisecond}
	tests := []struct {
		name    string
		h       Health
		want    []string
		notWant string
	}{
		{"a later run failed", Health{Ledger: "l.jsonl", LastOK: good, LastRun: failed},
			[]string{"✅ Last sync: 2026-12-01T10:00:00Z (took 1.5s)", "⚠️  A later run, at 2026-12-01T11:00:00Z, had errors"}, ""},
		{"the last run is the good one", Health{Ledger: "l.jsonl", LastOK: good, LastRun: good},
			[]string{"✅ Last sync: 2026-12-01T10:00:00Z (took 1.5s)"}, "A later run"},
		{"no good run", Health{Ledger: "l.jsonl", LastRun: failed},
			[]string{"⚠️  Last sync: no successful sync recorded in l.jsonl; the last run, at 2026-12-01T11:00:00Z, had errors"}, ""},
	}
	for _, tt := range tests {
		text := HealthText(tt.h)
		for _, want := range tt.want {
			if !strings.Contains(text, want) {
				t.Errorf("%s: health text lacks %q:\n%s", tt.name, want, text)
			}
		}
		if tt.notWant != "" && strings.Contains(text, tt.notWant) {
			t.Errorf("%s: health text has %q:\n%s", tt.name, tt.notWant, text)
		}
	}
}

// TestHealthRateLimitLine: the rate-limit line says ✅ only when Notion answered;
// unreachable is "not checked", and a 429 that outlasted the retries is ❌.
func TestHealthRateLimitLine(t *testing.T) {
	t.Parallel()
	limited := errors.New("notion: rate_limited (429): slow down")
	tests := []struct {
		name string
		h    Health
		want string
	}{
		{"answered", Health{TokenSet: true, Reachable: true, TokenValid: true, DatabaseOK: true, Rate: 3, Calls: 2},
			"✅ Rate Limit: no 429 in this check (2 calls); this tool paces itself at 3 requests/s"},
		{"unreachable", Health{TokenSet: true, APIErr: errors.New("dial tcp: connection refused"), Rate: 3, Calls: 1},
			"⏭️  Rate Limit: not checked (the API did not answer)\n"},
		{"429 after the retries", Health{TokenSet: true, Reachable: true, APIErr: limited, GaveUp: limited, Rate: 3, Calls: 3, RateLimited: 3},
			"❌ Rate Limit: Notion still answered 429 after the retries (3 × 429 in 3 calls, waited 0s): notion: rate_limited (429): slow down"},
		{"429 on the database", Health{TokenSet: true, Reachable: true, TokenValid: true, DBErr: limited, GaveUp: limited, Rate: 3, Calls: 4, RateLimited: 3},
			"❌ Rate Limit: Notion still answered 429"},
		{"429s absorbed by the retries", Health{TokenSet: true, Reachable: true, TokenValid: true, DatabaseOK: true, Rate: 3, Calls: 4, RateLimited: 2},
			"⚠️  Rate Limit: 2 × 429 in this check"},
	}
	for _, tt := range tests {
		if got := HealthText(tt.h); !strings.Contains(got, tt.want) {
			t.Errorf("%s: health text lacks %q:\n%s", tt.name, tt.want, got)
		}
	}
}
