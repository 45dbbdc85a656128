package ledger

import (
	"regexp"
	"testing"
)

// TestNewRunID: an Actions run is named by its id and attempt; without one,
// by the time and a random suffix, so two local runs get two names.
func TestNewRunID(t *testing.T) {
	t.Parallel()
	if got := NewRunID("123", "2"); got != "123-2" {
		t.Errorf("NewRunID(123, 2) = %q, want 123-2", got)
	}
	local := regexp.MustCompile(`^\d{8}T\d{6}Z-[0-9a-f]{8}$`)
	a, b := NewRunID("", ""), NewRunID("", "")
	if !local.MatchString(a) || !local.MatchString(b) || a == b {
		t.Errorf("local run ids %q and %q: want two different <time>-<8 hex digits>", a, b)
	}
}
