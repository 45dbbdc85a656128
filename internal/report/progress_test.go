package report

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fakeClock is a clock that moves only when told to.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 10, 5, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// step is one action on a Progress: advance the clock, then Add(n) (or Done).
type step struct {
	advance time.Duration
	add     int
	done    bool
}

func runSteps(p *Progress, c *fakeClock, steps []step) {
	for _, s := range steps {
		c.advance(s.advance)
		if s.done {
			p.Done()
		} else {
			p.Add(s.add)
		}
	}
}

func TestProgressLog(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		total    int
		interval time.Duration
		steps    []step
		want     string
	}{
		{
			name: "short run prints nothing", total: 10, interval: 5 * time.Second,
			steps: []step{{time.Second, 5, false}, {time.Second, 5, false}, {0, 0, true}},
			want:  "",
		},
		{
			name: "a line every interval, then a final line", total: 148, interval: 0, // 0 means 5s
			steps: []step{
				{2 * time.Second, 10, false},
				{3 * time.Second, 10, false}, // 5s: due
				{time.Second, 20, false},     // 6s: not due
				{4 * time.Second, 0, false},  // 10s: a tick with no progress still prints
				{60 * time.Second, 108, false},
				{0, 0, true},
				{time.Second, 5, false}, // after Done: ignored
				{0, 0, true},            // Done twice: nothing
			},
			want: "📊 Syncing modules: 20/148 (13%) · 5s elapsed · ~32s left\n" +
				"📊 Syncing modules: 40/148 (27%) · 10s elapsed · ~27s left\n" +
				"📊 Syncing modules: 148/148 (100%) · 1m 10s elapsed\n" +
				"📊 Syncing modules: 148/148 (100%) finished in 1m 10s\n",
		},
		{
			name: "unknown total", total: 0, interval: time.Second,
			steps: []step{{time.Second, 3, false}, {0, 0, true}},
			want: "📊 Syncing modules: 3 done · 1s elapsed\n" +
				"📊 Syncing modules: 3 done finished in 1s\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newFakeClock()
			var buf bytes.Buffer
			p := NewProgress(&buf, "Syncing modules", tt.total, false, tt.interval, c.now)
			runSteps(p, c, tt.steps)
			if diff := cmp.Diff(tt.want, buf.String()); diff != "" {
				t.Errorf("output mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestProgressTerminal(t *testing.T) {
	t.Parallel()
	c := newFakeClock()
	var buf bytes.Buffer
	p := NewProgress(&buf, "Syncing\x1b[2J modules", 4, true, 0, c.now)
	runSteps(p, c, []step{
		{time.Second, 1, false},
		{50 * time.Millisecond, 1, false}, // within 100ms of the last draw: skipped
		{time.Second, 0, false},
		{10 * time.Millisecond, 2, false}, // reaching the total always draws
		{0, 0, true},
	})
	bar := func(s string) string { return "\r📊 Syncing\\x1b[2J modules " + s + "\x1b[K" }
	want := bar("[░░░░░░░░░░░░░░░░░░░░] 0/4   0% · 0s") +
		bar("[█████░░░░░░░░░░░░░░░] 1/4  25% · 1s · ~3s left") +
		bar("[██████████░░░░░░░░░░] 2/4  50% · 2.1s · ~2.1s left") +
		bar("[████████████████████] 4/4 100% · 2.1s") +
		bar("[████████████████████] 4/4 100% · 2.1s") + "\n"
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("output mismatch (-want +got):\n%s", diff)
	}
}

func TestProgressConcurrentAdd(t *testing.T) {
	t.Parallel()
	c := newFakeClock()
	var buf bytes.Buffer
	const workers, each = 8, 50
	p := NewProgress(&buf, "work", workers*each, false, time.Second, c.now)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				c.advance(10 * time.Millisecond)
				p.Add(1)
			}
		})
	}
	wg.Wait()
	p.Done()
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) < 2 {
		t.Fatalf("got %d lines, want progress lines and a final one:\n%s", len(lines), buf.String())
	}
	want := fmt.Sprintf("📊 work: %d/%d (100%%) finished in 4s", workers*each, workers*each)
	if got := lines[len(lines)-1]; got != want {
		t.Errorf("last line = %q, want %q", got, want)
	}
}
