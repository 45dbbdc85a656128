package report

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// redrawEvery caps how often the terminal bar is redrawn, so that thousands of quick
// Adds do not flood a slow terminal.
const redrawEvery = 100 * time.Millisecond

// barWidth is the number of cells of the terminal bar.
const barWidth = 20

// Progress reports how far a long run is: a bar redrawn in place when its writer is a
// terminal, otherwise (CI logs) one line every interval, so a log shows the run is alive
// without a line per module. It draws only when Add or Done is called; Add(0) is a tick
// that prints when a line is due, for callers that wait a long time between items (a
// 60-second Retry-After). Progress is safe for concurrent use; use NewProgress to make
// one.
type Progress struct {
	mu       sync.Mutex
	w        io.Writer
	label    string
	total    int
	terminal bool
	interval time.Duration
	now      func() time.Time

	start    time.Time
	last     time.Time // when the bar was last drawn or a line last printed
	done     int
	printed  bool // a log line was printed, so Done closes with one
	finished bool
}

// NewProgress returns a Progress for total items, written to w under label. With
// terminal true it draws a bar at once and redraws it as items finish; otherwise it
// prints a line every interval (5s when interval is not positive). now is the clock (nil
// means time.Now); tests pass a fake one. A total of 0 or less means unknown: counts are
// shown without a percentage.
func NewProgress(w io.Writer, label string, total int, terminal bool, interval time.Duration, now func() time.Time) *Progress {
	if interval <= 0 {
		interval = 5 * time.Second
	}
	if now == nil {
		now = time.Now
	}
	p := &Progress{
		w: w, label: clean(label, 40), total: total, terminal: terminal,
		interval: interval, now: now,
	}
	p.start = now()
	p.last = p.start
	if terminal {
		p.draw(p.start)
	}
	return p
}

// Add records n more finished items (n may be 0, see Progress) and redraws or prints
// when it is time to. Calls after Done are ignored.
func (p *Progress) Add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.finished {
		return
	}
	p.done += n
	t := p.now()
	since := t.Sub(p.last)
	switch {
	case p.terminal && (since >= redrawEvery || (p.total > 0 && p.done >= p.total && n > 0)):
		p.draw(t)
	case !p.terminal && since >= p.interval:
		p.line(t, false)
	}
}

// Done ends the display: the bar is drawn a last time and the line ended; in log mode a
// final line is printed when progress lines were (a short run prints nothing). Done is
// idempotent.
func (p *Progress) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.finished {
		return
	}
	p.finished = true
	t := p.now()
	if p.terminal {
		p.draw(t)
		p.write("\n")
		return
	}
	if p.printed {
		p.line(t, true)
	}
}

// draw redraws the bar in place: carriage return, the bar, then erase to the end of line
// so that a shorter bar leaves no stale characters.
func (p *Progress) draw(t time.Time) {
	p.last = t
	elapsed := t.Sub(p.start)
	var b strings.Builder
	b.WriteString("\r📊 " + p.label + " ")
	if p.total > 0 {
		filled := min(p.done, p.total) * barWidth / p.total
		b.WriteString("[" + strings.Repeat("█", filled) + strings.Repeat("░", barWidth-filled) + "] ")
		fmt.Fprintf(&b, "%d/%d %3d%% · %s", p.done, p.total, p.percent(), formatDuration(elapsed))
	} else {
		fmt.Fprintf(&b, "%d done · %s", p.done, formatDuration(elapsed))
	}
	if eta := p.eta(elapsed); eta != "" && !p.finished {
		b.WriteString(" · " + eta)
	}
	b.WriteString("\x1b[K")
	p.write(b.String())
}

// line prints one progress line for logs.
func (p *Progress) line(t time.Time, final bool) {
	p.last = t
	p.printed = true
	elapsed := t.Sub(p.start)
	var b strings.Builder
	b.WriteString("📊 " + p.label + ": ")
	if p.total > 0 {
		fmt.Fprintf(&b, "%d/%d (%d%%)", p.done, p.total, p.percent())
	} else {
		fmt.Fprintf(&b, "%d done", p.done)
	}
	if final {
		fmt.Fprintf(&b, " finished in %s\n", formatDuration(elapsed))
		p.write(b.String())
		return
	}
	fmt.Fprintf(&b, " · %s elapsed", formatDuration(elapsed))
	if eta := p.eta(elapsed); eta != "" {
		b.WriteString(" · " + eta)
	}
	b.WriteString("\n")
	p.write(b.String())
}

// write writes s, ignoring errors: progress is a courtesy, and a closed terminal must
// not fail the sync it describes.
func (p *Progress) write(s string) {
	_, _ = io.WriteString(p.w, s)
}

func (p *Progress) percent() int {
	if p.total <= 0 {
		return 0
	}
	return min(p.done, p.total) * 100 / p.total
}

// eta estimates the time left from the average pace so far; "" when unknown.
func (p *Progress) eta(elapsed time.Duration) string {
	if p.total <= 0 || p.done <= 0 || p.done >= p.total || elapsed <= 0 {
		return ""
	}
	left := time.Duration(float64(elapsed) / float64(p.done) * float64(p.total-p.done))
	return "~" + formatDuration(left) + " left"
}
