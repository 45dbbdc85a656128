package report

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// MarkdownOptions tune Markdown rendering for the job summary and the PR comment. The zero
// value renders the whole plan under a default title, with no marker and no cap.
type MarkdownOptions struct {
	// Title is the heading, e.g. "Notion sync plan" or "Notion sync"; "" picks one from
	// the plan (dry run or not). It is escaped like manifest text.
	Title string
	// Marker is a hidden HTML comment written first (e.g. "<!-- notion-sync:plan -->"),
	// so the PR comment can be found again; "" for none. A marker that is not an HTML
	// comment is wrapped in one, so it never shows.
	Marker string
	// MaxChars caps the result at this many characters (runes, as GitHub counts a
	// comment's 65,536); 0 means no cap. Sections are cut on a row boundary, keeping the
	// failures first, then the warnings, then the changes; each cut says how many rows
	// it left out and points to DetailsURL. The step summary's 1 MiB limit is in bytes:
	// pass a quarter of it to be safe with any text.
	MaxChars int
	// DetailsURL links to the full plan (the run's job summary or artifact); "" for none.
	DetailsURL string
	// Notes are plain-text lines shown under the heading, e.g. "Full sync: the push's
	// before commit is not in this checkout". They are escaped like manifest text, so
	// callers may pass text that came from a manifest or an event payload.
	Notes []string
	// SHA is the commit the footer names; "" names the plan's (Plan.SHA). A pull
	// request's comment names its head commit: the plan's is the merge commit
	// GitHub made, which its readers never see.
	SHA string
}

// Rendering limits; every cut says what it cut.
const (
	// foldAfter is the number of rows above which a section is folded into <details>,
	// so a large plan keeps the comment short while every row stays one click away.
	foldAfter = 15
	maxTitle  = 200
	maxNote   = 500
)

// Markdown renders a plan and the run's API statistics as GitHub-flavoured Markdown, for
// the job summary and the sticky PR comment: the marker, a heading, the notes, a totals
// line, the failed modules, a table of changes (noop rows are counted, not listed; every
// changed property with a short before → after), every warning (coercions and losses,
// so nothing is cut silently), and the API statistics with the Notion-Version and data
// source.
//
// All text from manifests, Notion and the caller's notes is escaped: it cannot close a
// table cell, open a code span, inject HTML, render math, mention anyone or start a line
// (so never a `::` workflow command). With o.MaxChars the result stays within the cap and
// the tables stay valid.
func Markdown(p Plan, s Stats, o MarkdownOptions) string {
	d := newMDDoc(p, s, o)
	return d.render(o.MaxChars)
}

// mdSection is one part of the document that can be cut row by row.
type mdSection struct {
	heading string   // "### ❌ Failed (3)"
	summary string   // the <summary> text when folded
	head    string   // table header lines; "" for a list
	rows    []string // one line each, ending in "\n"
	noun    string   // "changes", "warnings", "errors": for the cut note
}

// mdDoc is a rendered plan before the cap is applied.
type mdDoc struct {
	header   string      // marker, heading, notes, totals
	sections []mdSection // in document order
	priority []int       // section indexes, most important first
	footer   string
	details  string // DetailsURL, escaped for a link destination
}

func newMDDoc(p Plan, s Stats, o MarkdownOptions) *mdDoc {
	d := &mdDoc{details: linkDestination(o.DetailsURL)}
	d.header = mdHeader(p, o)

	var errs, changes, warns []string
	for _, c := range p.Changes {
		if c.Action == ActionError {
			errs = append(errs, mdErrorRow(c))
		} else if c.Action != ActionNoop {
			changes = append(changes, mdChangeRow(c, p.DryRun))
		}
		name := mdModule(c.Module)
		for _, w := range c.Warnings {
			warns = append(warns, "- **"+name+"**: "+mdText(w, maxMessage)+"\n")
		}
	}
	verb := "Changes"
	if p.DryRun {
		verb = "Planned changes"
	}
	d.sections = []mdSection{
		{
			heading: fmt.Sprintf("### ❌ Failed (%d)", len(errs)),
			summary: plural(len(errs), "failed module", "failed modules"),
			rows:    errs,
			noun:    "failed modules",
		},
		{
			heading: fmt.Sprintf("### %s (%d)", verb, len(changes)),
			summary: plural(len(changes), "change", "changes"),
			head:    "| Module | Action | Properties | Page |\n|---|---|---|---|\n",
			rows:    changes,
			noun:    "changes",
		},
		{
			heading: fmt.Sprintf("### ⚠️ Warnings and losses (%d)", len(warns)),
			summary: plural(len(warns), "warning", "warnings"),
			rows:    warns,
			noun:    "warnings",
		},
	}
	d.priority = []int{0, 2, 1}
	d.footer = mdFooter(p, s, d.details, o.SHA)
	return d
}

func mdHeader(p Plan, o MarkdownOptions) string {
	var b strings.Builder
	if o.Marker != "" {
		b.WriteString(htmlComment(o.Marker))
		b.WriteString("\n")
	}
	title := o.Title
	if title == "" {
		title = "Notion sync"
		if p.DryRun {
			title = "Notion sync plan"
		}
	}
	b.WriteString("## " + mdText(title, maxTitle) + "\n\n")
	for _, n := range o.Notes {
		if strings.TrimSpace(n) == "" {
			continue
		}
		b.WriteString("> " + mdText(strings.TrimSpace(n), maxNote) + "\n\n")
	}

	sum := p.Summary
	duplicates, orphans, warnings := findings(p)
	verbs := [3]string{"created", "updated", "archived"}
	if p.DryRun {
		verbs = [3]string{"to create", "to update", "to archive"}
		b.WriteString("**Dry run**, nothing was written to Notion: ")
	} else {
		b.WriteString("**Synced to Notion**: ")
	}
	fmt.Fprintf(&b, "%d %s · %d %s · %d %s · %d unchanged · %d failed",
		sum.Create, verbs[0], sum.Update, verbs[1], sum.Archive, verbs[2], sum.Noop, sum.Error)
	if duplicates > 0 {
		b.WriteString(" · " + plural(duplicates, "duplicate page", "duplicate pages"))
	}
	if orphans > 0 {
		b.WriteString(" · " + plural(orphans, "orphan page", "orphan pages"))
	}
	if warnings > 0 {
		b.WriteString(" · " + plural(warnings, "warning", "warnings"))
	}
	b.WriteString("\n")
	if sum.Total() == 0 && len(p.Changes) == 0 {
		b.WriteString("\n✅ Nothing to sync.\n")
	}
	return b.String()
}

func mdFooter(p Plan, s Stats, details, sha string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n<sub>📡 API calls: %d · 429s: %d%s · retries: %d · waited: %s · ⏱️ %s",
		s.APICalls, s.RateLimited, mdText(s.reasons(), 200), s.Retries, formatDuration(s.Waited), formatDuration(s.Duration))
	if sha == "" {
		sha = p.SHA
	}
	if sha != "" {
		b.WriteString(" · commit " + mdText(sha, 40))
	}
	if p.DatabaseID != "" {
		b.WriteString(" · database " + mdText(ShortID(p.DatabaseID), 40))
	}
	if api := p.API().String(); api != "" {
		b.WriteString(" · " + mdText(api, 200))
	}
	if details != "" {
		b.WriteString(" · [full plan](" + details + ")")
	}
	b.WriteString("</sub>\n")
	return b.String()
}

// MarkdownFailure renders the short body that stands in for the plan when the run
// could not make one (a bad config, Notion down): the marker, a heading, the notes, and
// the first line of the error with a link to the run for the rest. Upserted as the
// sticky comment, it replaces an earlier run's plan, which would otherwise stay up and
// look current. The error is escaped like manifest text: errors quote config keys and
// manifest values. o.Title defaults to "Notion sync plan failed"; o.SHA names the
// commit; o.MaxChars caps the result.
func MarkdownFailure(errText string, o MarkdownOptions) string {
	var b strings.Builder
	if o.Marker != "" {
		b.WriteString(htmlComment(o.Marker) + "\n")
	}
	title := o.Title
	if title == "" {
		title = "Notion sync plan failed"
	}
	b.WriteString("## ❌ " + mdText(title, maxTitle) + "\n\n")
	for _, n := range o.Notes {
		if strings.TrimSpace(n) != "" {
			b.WriteString("> " + mdText(strings.TrimSpace(n), maxNote) + "\n\n")
		}
	}
	first, _, _ := strings.Cut(strings.TrimSpace(strings.ReplaceAll(errText, "\r", "\n")), "\n")
	if first = strings.TrimSpace(first); first == "" {
		first = "unknown error"
	}
	b.WriteString("The plan failed")
	if o.SHA != "" {
		b.WriteString(" for commit " + mdText(o.SHA, 40))
	}
	b.WriteString(": " + mdText(first, maxMessage) + "\n")
	if d := linkDestination(o.DetailsURL); d != "" {
		b.WriteString("\nSee [the run](" + d + ") for the whole error. This replaces the previous plan, which may be out of date.\n")
	} else {
		b.WriteString("\nThis replaces the previous plan, which may be out of date.\n")
	}
	out := b.String()
	if o.MaxChars > 0 && utf8.RuneCountInString(out) > o.MaxChars {
		return cutLines(out, o.MaxChars)
	}
	return out
}

// mdErrorRow is one failed module as a list item, the message's lines joined with <br>.
func mdErrorRow(c Change) string {
	where := "**" + mdModule(c.Module) + "**"
	if c.Path != "" {
		where += " (" + mdText(c.Path, maxModule) + ")"
	}
	msg := mdLines(c.Error)
	if msg == "" {
		msg = "failed"
	}
	return "- " + where + ": " + msg + "\n"
}

// mdLines escapes a multi-line message for one list item or table cell: its first
// maxErrLines lines, joined with <br>.
func mdLines(msg string) string {
	msg = strings.TrimSpace(strings.ReplaceAll(msg, "\r\n", "\n"))
	if msg == "" {
		return ""
	}
	lines := strings.Split(msg, "\n")
	more := 0
	if len(lines) > maxErrLines {
		more = len(lines) - maxErrLines
		lines = lines[:maxErrLines]
	}
	for i, l := range lines {
		lines[i] = mdText(strings.TrimSpace(l), maxMessage)
	}
	out := strings.Join(lines, "<br>")
	if more > 0 {
		out += fmt.Sprintf("<br>… (+%d lines)", more)
	}
	return out
}

// mdChangeRow is one table row. The row holds no newline and no unescaped pipe, so it
// cannot add rows or columns.
func mdChangeRow(c Change, dry bool) string {
	label := func(planned, done string) string {
		if dry {
			return planned
		}
		return done
	}
	var action, detail string
	switch c.Action {
	case ActionCreate:
		action = label("➕ create", "➕ created")
		detail = mdProperties(c.Properties, false)
	case ActionUpdate:
		action = label("✏️ update", "✏️ updated")
		detail = mdProperties(c.Properties, true)
	case ActionArchive:
		action = label("🗄️ archive", "🗄️ archived")
	case ActionDuplicate:
		action = "♊ duplicate"
		detail = mdLines(c.Error)
		if detail == "" {
			detail = "another page has the same key"
		}
	case ActionOrphan:
		action = "👻 orphan"
		detail = "no manifest has this key; left alone"
	default: // an action this version does not know: shown as it is, never dropped
		action = "🔹 " + mdText(string(c.Action), maxModule)
		detail = mdLines(c.Error)
	}
	page := "new"
	if c.PageID != "" {
		page = mdText(ShortID(c.PageID), 40)
	} else if c.Action != ActionCreate {
		page = ""
	}
	return "| " + mdModule(c.Module) + " | " + action + " | " + detail + " | " + page + " |\n"
}

// mdProperties lists properties in name order, "Name: before → after" (or "Name: after"
// for a create), joined with <br>.
func mdProperties(props map[string]Diff, withBefore bool) string {
	parts := make([]string, 0, len(props))
	for _, name := range slices.Sorted(maps.Keys(props)) {
		d := props[name]
		v := mdText(renderValue(d.After), 0)
		if withBefore {
			v = mdText(renderValue(d.Before), 0) + " → " + v
		}
		parts = append(parts, mdText(name, maxModule)+": "+v)
	}
	return strings.Join(parts, "<br>")
}

func mdModule(name string) string {
	if name == "" {
		return "(no module key)"
	}
	return mdText(name, maxModule)
}

// mdText makes text safe inline Markdown. It first cleans it as the text report does
// (whitespace to spaces, control and bidi characters to visible escapes, cut to limit
// characters; 0 = no cut), then:
//   - & < > become entities, so no HTML (and no hidden comment, no marker) gets in;
//   - \ ` * _ [ ] | ~ $ are backslash-escaped: no code span, emphasis, link, image,
//     strikethrough, math or table cell can be opened or closed;
//   - @ is followed by a zero-width space, so "@user" and "@org/team" mention no one;
//   - a leading ':' is escaped, so the text can never form a "::" workflow command even
//     where it starts a line;
//   - cross-repository references cannot form: "owner/repo#12" gets a zero-width space
//     after its '#', and an issue, pull request or discussion URL one inside its
//     "https://" (or "www."), so that no manifest can make the comment show up in
//     another repository's issue ("… mentioned this").
//
// Plain #123 references are left alone: they point into this repository.
func mdText(s string, limit int) string {
	if limit > 0 {
		s = clean(s, limit)
	} else {
		s = clean(s, utf8.RuneCountInString(s)+1)
	}
	s = issueURL.ReplaceAllStringFunc(s, breakURL)
	var b strings.Builder
	b.Grow(len(s) + 8)
	prev := ' '
	for i, r := range s {
		if r == '#' && repoChar(prev) && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' {
			b.WriteString("#\u200b")
			prev = r
			continue
		}
		prev = r
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '\\', '`', '*', '_', '[', ']', '|', '~', '$':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '@':
			b.WriteString("@\u200b")
		default:
			b.WriteRune(r)
		}
	}
	out := b.String()
	if strings.HasPrefix(out, ":") {
		out = `\` + out
	}
	return out
}

// issueURL finds links to an issue, a pull request or a discussion on any host
// (GitHub Enterprise Server too), with or without a scheme.
var issueURL = regexp.MustCompile(`(?i)(?:https?://|www\.)[^\s/]+/[^\s/]+/[^\s/]+/(?:issues|pull|pulls|discussions)/[0-9]`)

// breakURL puts a zero-width space into the URL's start, so that it is neither
// autolinked nor taken for a reference, and still reads the same.
func breakURL(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		return u[:i+1] + "\u200b" + u[i+1:]
	}
	return u[:3] + "\u200b" + u[3:] // "www"
}

// repoChar reports whether r can end a repository name, as in "owner/repo#12".
func repoChar(r rune) bool {
	return r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
}

// htmlComment returns marker as an HTML comment: as it is when it already is one,
// otherwise wrapped, with any "--" inside made harmless.
func htmlComment(marker string) string {
	inner, ok := strings.CutPrefix(marker, "<!--")
	if ok {
		inner, ok = strings.CutSuffix(inner, "-->")
	}
	if ok && !strings.Contains(inner, "--") && !strings.ContainsAny(inner, "\r\n") {
		return marker
	}
	m := strings.NewReplacer("--", "- -", "\r", " ", "\n", " ", ">", "&gt;").Replace(marker)
	return "<!-- " + m + " -->"
}

// linkDestination escapes a URL for a Markdown link destination: the characters that
// would end or break it are percent-encoded.
func linkDestination(u string) string {
	u = strings.TrimSpace(u)
	if u == "" {
		return ""
	}
	var b strings.Builder
	for _, r := range u {
		switch {
		case r <= ' ' || r == 0x7f || r == '(' || r == ')' || r == '<' || r == '>' || r == '\\' || r == '`' || r == '"' || r == '|':
			fmt.Fprintf(&b, "%%%02X", r)
		case r > 0x7f && !utf8.ValidRune(r):
			b.WriteString("%EF%BF%BD")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// render assembles the document, cutting sections row by row when it would be longer
// than maxChars characters.
func (d *mdDoc) render(maxChars int) string {
	shown := make([]int, len(d.sections))
	for i, sec := range d.sections {
		shown[i] = len(sec.rows)
	}
	out := d.assemble(shown)
	if maxChars <= 0 || utf8.RuneCountInString(out) <= maxChars {
		return out
	}

	clear(shown)
	used := utf8.RuneCountInString(d.header) + utf8.RuneCountInString(d.footer)
	for i := range d.sections {
		used += d.sectionLen(i, 0)
	}
	if used > maxChars {
		// Not even the counts fit: keep whole lines of what does.
		return cutLines(d.assemble(shown), maxChars)
	}
	for _, i := range d.priority {
		sec := d.sections[i]
		base := d.sectionLen(i, 0)
		// Row lengths add up; only the frame (heading, fold, note) depends on k.
		rowsLen := 0
		best := 0
		for k := 1; k <= len(sec.rows); k++ {
			rowsLen += utf8.RuneCountInString(sec.rows[k-1])
			if used-base+d.frameLen(i, k)+rowsLen > maxChars {
				break
			}
			best = k
		}
		shown[i] = best
		used += d.sectionLen(i, best) - base
	}
	return d.assemble(shown)
}

func (d *mdDoc) assemble(shown []int) string {
	var b strings.Builder
	b.WriteString(d.header)
	for i := range d.sections {
		b.WriteString(d.section(i, shown[i], true))
	}
	b.WriteString(d.footer)
	return b.String()
}

// sectionLen is the length in characters of section i with k rows shown.
func (d *mdDoc) sectionLen(i, k int) int {
	n := d.frameLen(i, k)
	for _, r := range d.sections[i].rows[:k] {
		n += utf8.RuneCountInString(r)
	}
	return n
}

// frameLen is the length of section i with k rows shown, without the rows.
func (d *mdDoc) frameLen(i, k int) int {
	return utf8.RuneCountInString(d.section(i, k, false))
}

// section renders section i with its first k rows (or none of them, when withRows is
// false, to measure the frame). A section with no rows is left out; one cut to no rows
// keeps its heading and the note.
func (d *mdDoc) section(i, k int, withRows bool) string {
	sec := d.sections[i]
	n := len(sec.rows)
	if n == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n" + sec.heading + "\n\n")
	fold := n > foldAfter && k > 0
	if fold {
		b.WriteString("<details><summary>" + sec.summary + "</summary>\n\n")
	}
	if k > 0 {
		b.WriteString(sec.head)
		if withRows {
			for _, r := range sec.rows[:k] {
				b.WriteString(r)
			}
		}
	}
	if k < n {
		if k > 0 {
			b.WriteString("\n") // ends the table or list before the note
		}
		fmt.Fprintf(&b, "_… %d more %s not shown", n-k, sec.noun)
		if d.details != "" {
			b.WriteString(": see [the full plan](" + d.details + ")")
		}
		b.WriteString("._\n")
	}
	if fold {
		b.WriteString("\n</details>\n")
	}
	return b.String()
}

// cutLines keeps the whole lines of s that fit in maxChars characters, with room for a
// final "…" line.
func cutLines(s string, maxChars int) string {
	const more = "…\n"
	budget := maxChars - utf8.RuneCountInString(more)
	var b strings.Builder
	used := 0
	for line := range strings.SplitAfterSeq(s, "\n") {
		n := utf8.RuneCountInString(line)
		if used+n > budget {
			break
		}
		b.WriteString(line)
		used += n
	}
	if budget < 0 {
		return ""
	}
	b.WriteString(more)
	return b.String()
}
