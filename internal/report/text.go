package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Stats is what the Notion client measured during a run, shown at its end so that slow
// runs can be explained (rate limits, retries) rather than guessed at. The zero value
// means nothing was measured.
type Stats struct {
	// Duration is the run's wall time.
	Duration time.Duration
	// APICalls counts HTTP requests sent to Notion, retries included.
	APICalls int
	// RateLimited counts 429 and 529 answers.
	RateLimited int
	// Retries counts requests sent again after a failure.
	Retries int
	// Waited is the time spent waiting for Retry-After and backoff.
	Waited time.Duration
	// RateLimitReasons counts the 429s by Notion's additional_data.rate_limit_reason.
	RateLimitReasons map[string]int
}

// reasons is " (reason ×n, ...)" for the 429s that named one, "" otherwise.
func (s Stats) reasons() string {
	if len(s.RateLimitReasons) == 0 {
		return ""
	}
	parts := make([]string, 0, len(s.RateLimitReasons))
	for _, r := range slices.Sorted(maps.Keys(s.RateLimitReasons)) {
		parts = append(parts, fmt.Sprintf("%s ×%d", clean(r, 40), s.RateLimitReasons[r]))
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// statsJSON is Stats as WriteJSON writes it: durations in milliseconds.
type statsJSON struct {
	DurationMS       int64          `json:"duration_ms"`
	APICalls         int            `json:"api_calls"`
	RateLimited      int            `json:"rate_limited"`
	RateLimitReasons map[string]int `json:"rate_limit_reasons,omitempty"`
	Retries          int            `json:"retries"`
	WaitedMS         int64          `json:"waited_ms"`
}

func (s Stats) toJSON() statsJSON {
	return statsJSON{
		DurationMS:  s.Duration.Milliseconds(),
		APICalls:    s.APICalls,
		RateLimited: s.RateLimited,
		Retries:     s.Retries,
		WaitedMS:    s.Waited.Milliseconds(),

		RateLimitReasons: s.RateLimitReasons,
	}
}

func (s statsJSON) stats() Stats {
	return Stats{
		Duration:    time.Duration(s.DurationMS) * time.Millisecond,
		APICalls:    s.APICalls,
		RateLimited: s.RateLimited,
		Retries:     s.Retries,
		Waited:      time.Duration(s.WaitedMS) * time.Millisecond,

		RateLimitReasons: s.RateLimitReasons,
	}
}

// result is the document WriteJSON writes.
type result struct {
	Plan  Plan      `json:"plan"`
	Stats statsJSON `json:"stats"`
}

// WriteJSON writes {"plan": p, "stats": {...}} as one indented JSON document, the --json
// form of WriteText. Stats durations are written as duration_ms and waited_ms.
func WriteJSON(w io.Writer, p Plan, s Stats) error {
	return WriteDocument(w, result{Plan: p, Stats: s.toJSON()})
}

// WriteDocument writes v to w as EncodeJSON encodes it: the --json output of
// every command (the sync's plan, verify's verdict, health's healthcheck).
func WriteDocument(w io.Writer, v any) error {
	data, err := EncodeJSON(v)
	if err != nil {
		return fmt.Errorf("encode report: %w", err)
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// Limits that keep the text report compact; every cut says how much it cut.
const (
	maxModule   = 80  // module names and paths
	maxMessage  = 300 // errors and warnings, per line
	maxValue    = 60  // property values in dry-run lines
	maxNames    = 8   // property names listed on an update line
	maxErrLines = 5   // lines of one error message
)

// WriteText writes the runbook-style report of a run or dry run: a header, one line per
// change that is not a noop (with each differing property when p.DryRun), every warning,
// then totals, the Notion-Version and data source (when Notion was read), API
// statistics and the duration. Counts come from p.Summary; noop changes may be left out
// of p.Changes. Module text is escaped: it cannot add lines or send terminal escapes.
func WriteText(w io.Writer, p Plan, s Stats) error {
	var b strings.Builder
	total := p.Summary.Total()
	if p.DryRun {
		fmt.Fprintf(&b, "📋 Dry run: plan for %s (no writes)\n", plural(total, "module", "modules"))
	} else {
		fmt.Fprintf(&b, "📊 Syncing %s to Notion...\n", plural(total, "module", "modules"))
	}

	duplicates, orphans, warnings := findings(p)
	listed := false
	for _, c := range p.Changes {
		if writeChange(&b, c, p.DryRun) {
			listed = true
		}
	}
	if listed {
		b.WriteString("\n")
	}

	failed := p.Summary.Error
	ok := total - failed
	switch {
	case total == 0:
		b.WriteString("✅ Nothing to sync\n")
	case p.DryRun && ok > 0:
		fmt.Fprintf(&b, "✅ %d/%d planned (dry run: nothing written)\n", ok, total)
	case ok > 0:
		fmt.Fprintf(&b, "✅ %d/%d synced successfully\n", ok, total)
	}
	if failed > 0 {
		fmt.Fprintf(&b, "❌ %d/%d failed\n", failed, total)
	}

	verbs := [3]string{"created", "updated", "archived"}
	if p.DryRun {
		verbs = [3]string{"to create", "to update", "to archive"}
	}
	fmt.Fprintf(&b, "📊 %d %s · %d %s · %d %s · %d unchanged · %d failed",
		p.Summary.Create, verbs[0], p.Summary.Update, verbs[1], p.Summary.Archive, verbs[2], p.Summary.Noop, failed)
	if duplicates > 0 {
		fmt.Fprintf(&b, " · %s", plural(duplicates, "duplicate", "duplicates"))
	}
	if orphans > 0 {
		fmt.Fprintf(&b, " · %s", plural(orphans, "orphan", "orphans"))
	}
	if warnings > 0 {
		fmt.Fprintf(&b, " · %s", plural(warnings, "warning", "warnings"))
	}
	b.WriteString("\n")
	if api := p.API().String(); api != "" {
		b.WriteString("🔗 " + api + "\n")
	}
	fmt.Fprintf(&b, "📡 API calls: %d · 429s: %d%s · retries: %d · waited: %s\n",
		s.APICalls, s.RateLimited, s.reasons(), s.Retries, formatDuration(s.Waited))
	// Two spaces after emoji written with U+FE0F (⏱️ ⚠️ 🗄️): many terminals draw them one
	// column wide, as the runbook's "⏱️  Duration" line allows for.
	fmt.Fprintf(&b, "⏱️  Duration: %s\n", formatDuration(s.Duration))

	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// writeChange writes the lines of one change and reports whether it wrote any.
func writeChange(b *strings.Builder, c Change, dry bool) bool {
	name := clean(c.Module, maxModule)
	if name == "" {
		name = "(no module key)"
	}
	pageID := ""
	if c.PageID != "" {
		pageID = " (page_id: " + ShortID(c.PageID) + ")"
	}
	// Errors and duplicates name their manifest: the same key may sit in several files.
	where := name
	if c.Path != "" {
		where = name + " (" + clean(c.Path, maxModule) + ")"
	}
	verb := func(done, planned string) string {
		if dry {
			return planned
		}
		return done
	}
	wrote := true
	switch c.Action {
	case ActionCreate:
		fmt.Fprintf(b, "➕ %s: %s%s", name, verb("created", "would create"), pageID)
		if len(c.Properties) > 0 && !dry {
			fmt.Fprintf(b, " — %s", plural(len(c.Properties), "property", "properties"))
		}
		b.WriteString("\n")
	case ActionUpdate:
		fmt.Fprintf(b, "✅ %s: %s%s", name, verb("updated", "would update"), pageID)
		if len(c.Properties) > 0 {
			b.WriteString(" — " + propertyNames(c.Properties))
		}
		b.WriteString("\n")
	case ActionArchive:
		fmt.Fprintf(b, "🗄️  %s: %s%s\n", name, verb("archived", "would archive"), pageID)
	case ActionError:
		writeMessage(b, "❌ "+where+": ", c.Error, "failed")
	case ActionDuplicate:
		writeMessage(b, "♊ "+where+": duplicate"+pageID+" — ", c.Error, "another page has the same key")
	case ActionOrphan:
		fmt.Fprintf(b, "👻 %s: orphan%s — no manifest has this key; left alone\n", name, pageID)
	case ActionNoop:
		wrote = false // only its warnings, below
	default: // an action this version does not know: shown as it is, never dropped
		fmt.Fprintf(b, "🔹 %s: %s%s\n", name, clean(string(c.Action), maxModule), pageID)
	}
	if dry && (c.Action == ActionCreate || c.Action == ActionUpdate) {
		for _, prop := range slices.Sorted(maps.Keys(c.Properties)) {
			d := c.Properties[prop]
			if c.Action == ActionCreate {
				fmt.Fprintf(b, "   %s: %s\n", clean(prop, maxModule), renderValue(d.After))
			} else {
				fmt.Fprintf(b, "   %s: %s → %s\n", clean(prop, maxModule), renderValue(d.Before), renderValue(d.After))
			}
		}
	}
	for _, warn := range c.Warnings {
		fmt.Fprintf(b, "⚠️  %s: %s\n", name, clean(warn, maxMessage))
		wrote = true
	}
	return wrote
}

// writeMessage writes prefix and the first line of msg (or fallback when msg is empty),
// and the next lines of msg indented below it, as the runbook shows Notion's errors.
func writeMessage(b *strings.Builder, prefix, msg, fallback string) {
	msg = strings.TrimSpace(strings.ReplaceAll(msg, "\r\n", "\n"))
	if msg == "" {
		msg = fallback
	}
	lines := strings.Split(msg, "\n")
	if len(lines) > maxErrLines {
		lines = append(lines[:maxErrLines], fmt.Sprintf("… (+%d lines)", len(lines)-maxErrLines))
	}
	for i, line := range lines {
		if i == 0 {
			b.WriteString(prefix)
		} else {
			b.WriteString("   ")
		}
		b.WriteString(clean(strings.TrimSpace(line), maxMessage))
		b.WriteString("\n")
	}
}

// propertyNames lists the names of props in order, the first maxNames of them.
func propertyNames(props map[string]Diff) string {
	names := slices.Sorted(maps.Keys(props))
	more := 0
	if len(names) > maxNames {
		more = len(names) - maxNames
		names = names[:maxNames]
	}
	for i, n := range names {
		names[i] = clean(n, maxModule)
	}
	out := strings.Join(names, ", ")
	if more > 0 {
		out += fmt.Sprintf(", … (+%d more)", more)
	}
	return out
}

// renderValue shows a property value briefly: strings quoted (which also escapes control
// characters), numbers and booleans as JSON, lists in brackets, nothing as (empty).
// Values longer than maxValue characters are cut, saying how many characters were cut.
func renderValue(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return "(unprintable)"
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // keep the number as written: 92.3, not 92.30000000000001
	var x any
	if err := dec.Decode(&x); err != nil {
		return "(unprintable)"
	}
	switch x := x.(type) {
	case nil:
		return "(empty)"
	case string:
		short, cut := cutRunes(x, maxValue)
		return strconv.Quote(short) + cutNote(cut)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			if s, ok := e.(string); ok {
				parts[i] = strconv.Quote(s)
			} else {
				parts[i] = compactJSON(e)
			}
		}
		return clean("["+strings.Join(parts, ", ")+"]", maxValue)
	case json.Number, bool:
		return clean(fmt.Sprint(x), maxValue)
	default:
		return clean(compactJSON(x), maxValue)
	}
}

func compactJSON(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return "(unprintable)"
	}
	return string(data)
}

// clean makes s safe and short for one line of terminal output: whitespace becomes a
// space, other non-printable characters (ANSI escapes, bidi overrides) their Go escape,
// invalid UTF-8 U+FFFD; then it is cut to limit characters, saying how many were cut.
// Sanitize replaces control characters in text that came from a manifest, the
// ledger or Notion with spaces, so printing it cannot move the cursor, colour the
// terminal or start a new line.
func Sanitize(s string) string {
	b := []rune{}
	for _, r := range s {
		if r < 0x20 && r != '\t' || r == 0x7f {
			r = ' '
		}
		b = append(b, r)
	}
	return string(b)
}

// findings counts what a plan reports besides its summary: duplicate pages,
// orphan pages, and warnings.
func findings(p Plan) (duplicates, orphans, warnings int) {
	for _, c := range p.Changes {
		switch c.Action {
		case ActionDuplicate:
			duplicates++
		case ActionOrphan:
			orphans++
		}
		warnings += len(c.Warnings)
	}
	return duplicates, orphans, warnings
}

func clean(s string, limit int) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			b.WriteRune(utf8.RuneError)
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		case unicode.IsPrint(r) || r == '\u200D':
			// The zero-width joiner is a format character, but harmless and part of
			// many emoji.
			b.WriteRune(r)
		default:
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		}
	}
	short, cut := cutRunes(b.String(), limit)
	return short + cutNote(cut)
}

// cutRunes cuts s to limit characters, the last being "…" when it cut, and returns how
// many characters of s it removed.
func cutRunes(s string, limit int) (string, int) {
	n := utf8.RuneCountInString(s)
	if n <= limit {
		return s, 0
	}
	i, seen := 0, 0
	for i = range s {
		if seen == limit-1 {
			break
		}
		seen++
	}
	return s[:i] + "…", n - (limit - 1)
}

func cutNote(cut int) string {
	if cut == 0 {
		return ""
	}
	return fmt.Sprintf(" (+%d chars)", cut)
}

// ShortID shortens a Notion id to its first 8 hex digits, as the runbook's
// "page_id: 12abc..." does; the plan file keeps the full id. Anything that is not a
// Notion id is shown cleaned instead.
func ShortID(id string) string {
	hex := strings.ReplaceAll(id, "-", "")
	if len(hex) < 32 || strings.Trim(hex, "0123456789abcdefABCDEF") != "" {
		return clean(id, 40)
	}
	return hex[:8] + "…"
}

// plural is n with its noun: "1 page", "3 pages".
func plural(n int, one, many string) string {
	return strconv.Itoa(n) + " " + PluralWord(n, one, many)
}

// PluralWord is one when n is 1, else many.
func PluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// formatDuration writes durations the runbook's way: "0s", "40ms", "3.2s", "45s",
// "1m 23s", "2h 5m 0s".
func formatDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d < time.Millisecond:
		return "<1ms"
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < 10*time.Second:
		return strconv.FormatFloat(d.Round(100*time.Millisecond).Seconds(), 'f', -1, 64) + "s"
	}
	d = d.Round(time.Second)
	if d < time.Minute {
		return fmt.Sprintf("%ds", int(d.Seconds()))
	}
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%dh %dm %ds", h, m, s)
	}
	return fmt.Sprintf("%dm %ds", m, s)
}
