package report

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// mdOptions are the options of the golden files: what the Action passes for a PR comment.
func mdOptions() MarkdownOptions {
	return MarkdownOptions{
		Marker:     "<!-- notion-sync:plan -->",
		DetailsURL: "https://github.com/o/r/actions/runs/42",
		Notes:      []string{"Full sync: the push's before commit is not in this checkout"},
	}
}

func TestMarkdownGolden(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"sync_ok", "sync_failures", "dry_run", "hostile", "empty", "md_hostile"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p, s := loadInput(t, name)
			got := Markdown(p, s, mdOptions())
			checkGolden(t, name+".golden.md", []byte(got))
			checkMarkdown(t, got)
		})
	}
}

// bigPlan has n changes to update, n/3 warnings and 3 failures: more than a PR comment
// holds once capped.
func bigPlan(n int) Plan {
	p := Plan{SHA: "4f2c9e1", DatabaseID: "12abcdef-1234-5678-9abc-def012345678", DryRun: true}
	for i := range 3 {
		p.Changes = append(p.Changes, Change{
			Module: fmt.Sprintf("failing-%d", i), Path: fmt.Sprintf("failing-%d/module.manifest.json", i),
			Action: ActionError, Error: "Notion validation error\nMQI expects a number",
		})
	}
	for i := range n {
		c := Change{
			Module: fmt.Sprintf("module-%03d", i), Path: fmt.Sprintf("module-%03d/module.manifest.json", i),
			Action: ActionUpdate, PageID: fmt.Sprintf("%08d-0000-1111-2222-333344445555", i),
			Properties: map[string]Diff{
				"MQI":         {Before: float64(i), After: float64(i + 1)},
				"Description": {Before: "old | text", After: fmt.Sprintf("new text %d", i)},
			},
		}
		if i%3 == 0 {
			c.Warnings = []string{fmt.Sprintf("Features: %d options, cut to 100", 100+i)}
		}
		p.Changes = append(p.Changes, c)
	}
	p.Changes = append(p.Changes, Change{Module: "same", Action: ActionNoop, PageID: "p"})
	p.Summary = Summarize(p.Changes)
	return p
}

func TestMarkdownCapGolden(t *testing.T) {
	t.Parallel()
	o := mdOptions()
	o.MaxChars = 3000
	got := Markdown(bigPlan(60), Stats{APICalls: 7, Duration: 3 * time.Second}, o)
	if n := utf8.RuneCountInString(got); n > o.MaxChars {
		t.Errorf("Markdown() is %d characters, over MaxChars %d", n, o.MaxChars)
	}
	checkGolden(t, "cap.golden.md", []byte(got))
	checkMarkdown(t, got)
}

// TestMarkdownCap checks every cap from "nothing fits" to "everything fits": the result
// is never longer than the cap, stays valid, and every row is either shown or counted
// in a "… N more" note.
func TestMarkdownCap(t *testing.T) {
	t.Parallel()
	p := bigPlan(40)
	s := Stats{APICalls: 61, RateLimited: 2, Retries: 3, Waited: time.Minute, Duration: 2 * time.Minute}
	full := Markdown(p, s, mdOptions())
	fullLen := utf8.RuneCountInString(full)

	wantRows := map[string]int{"failed modules": 3, "changes": 40, "warnings": 14}
	more := regexp.MustCompile(`_… (\d+) more (failed modules|changes|warnings) not shown`)
	for capChars := 0; capChars <= fullLen+10; capChars += 37 {
		o := mdOptions()
		o.MaxChars = capChars
		got := Markdown(p, s, o)
		if capChars == 0 || capChars >= fullLen {
			if got != full {
				t.Errorf("MaxChars %d (full is %d): output differs from the uncapped one", capChars, fullLen)
			}
			continue
		}
		if n := utf8.RuneCountInString(got); n > capChars {
			t.Fatalf("MaxChars %d: got %d characters", capChars, n)
		}
		checkMarkdown(t, got)
		if strings.HasSuffix(got, "\n…\n") {
			continue // below the size of the counts and notes: whole lines of the header
		}
		counted := map[string]int{
			"failed modules": strings.Count(got, "\n- **failing-"),
			"changes":        strings.Count(got, "\n| module-"),
			"warnings":       strings.Count(got, ": Features: "),
		}
		for _, m := range more.FindAllStringSubmatch(got, -1) {
			var k int
			fmt.Sscan(m[1], &k)
			counted[m[2]] += k
		}
		if diff := cmp.Diff(wantRows, counted); diff != "" {
			t.Errorf("MaxChars %d: rows shown + rows counted as not shown (-want +got):\n%s\n%s", capChars, diff, got)
		}
		if strings.Contains(got, "not shown") && !strings.Contains(got, "see [the full plan](https://github.com/o/r/actions/runs/42)") {
			t.Errorf("MaxChars %d: a cut without a link to the full plan:\n%s", capChars, got)
		}
	}
}

// TestMarkdownCapKeepsErrorsFirst checks the cut order: failures and warnings are kept
// before the change table.
func TestMarkdownCapKeepsErrorsFirst(t *testing.T) {
	t.Parallel()
	p := bigPlan(200)
	o := mdOptions()
	o.MaxChars = 4000
	got := Markdown(p, Stats{}, o)
	if n := strings.Count(got, "\n- **failing-"); n != 3 {
		t.Errorf("got %d failed modules, want all 3:\n%s", n, got)
	}
	if !strings.Contains(got, "more changes not shown") {
		t.Errorf("the change table was not cut:\n%s", got)
	}
	if !strings.Contains(got, "<details><summary>67 warnings</summary>") {
		t.Errorf("the long warning list is not folded:\n%s", got)
	}
}

func TestMarkdownNoDetailsURL(t *testing.T) {
	t.Parallel()
	got := Markdown(bigPlan(30), Stats{}, MarkdownOptions{MaxChars: 1500})
	if !strings.Contains(got, "more changes not shown._") {
		t.Errorf("no plain cut note:\n%s", got)
	}
	if strings.Contains(got, "full plan") {
		t.Errorf("a link to the full plan without a DetailsURL:\n%s", got)
	}
	if strings.Contains(got, "<!--") {
		t.Errorf("a marker without Marker:\n%s", got)
	}
	if !strings.HasPrefix(got, "## Notion sync plan\n") {
		t.Errorf("default dry-run title missing:\n%s", got)
	}
}

// TestMarkdownHostile checks what the md_hostile golden file shows, so that a careless
// -update cannot bless an injection.
func TestMarkdownHostile(t *testing.T) {
	t.Parallel()
	p, s := loadInput(t, "md_hostile")
	o := mdOptions()
	o.Notes = append(o.Notes, "::warning::from a note @admin <b>")
	o.Title = "Plan for `main` | <i>x</i>"
	got := Markdown(p, s, o)
	checkMarkdown(t, got)
	for _, bad := range []string{
		"<script", "<img", "<b>", "<i>", "</details><details open>", "[click](", "![img](",
		"@octocat", "@org", "@admin", "@here", "@d", "**bold**", "~~strike~~",
	} {
		if strings.Contains(got, bad) {
			t.Errorf("output contains %q:\n%s", bad, got)
		}
	}
	// The renderer itself writes no $ or backtick, so any unescaped one came through.
	if m := regexp.MustCompile("(^|[^\\\\])[$`]").FindString(got); m != "" {
		t.Errorf("output contains an unescaped %q:\n%s", m, got)
	}
	if n := strings.Count(got, "<!--"); n != 1 {
		t.Errorf("got %d HTML comments, want only the marker:\n%s", n, got)
	}
	for _, want := range []string{
		"pipe\\|in\\|name", "@\u200boctocat", "#123", "&lt;script&gt;", "\\$x^2\\$",
		"\\::warning::from a note", "Plan for \\`main\\` \\| &lt;i&gt;x&lt;/i&gt;",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

// checkMarkdown asserts what must hold for any output: no line that a runner could take
// for a workflow command, table rows with exactly four cells, balanced <details>, and no
// control characters.
func checkMarkdown(t *testing.T, md string) {
	t.Helper()
	if strings.Count(md, "<details>") != strings.Count(md, "</details>") {
		t.Errorf("unbalanced <details>:\n%s", md)
	}
	lines := strings.Split(md, "\n")
	for i, line := range lines {
		if strings.HasPrefix(strings.TrimLeft(line, " >"), "::") {
			t.Errorf("line %d could be a workflow command: %q", i+1, line)
		}
		for _, r := range line {
			if r < ' ' && r != '\t' || r == 0x7f || r == '\u202e' || r == '\u2028' {
				t.Errorf("line %d has control character %U: %q", i+1, r, line)
			}
		}
		if !strings.HasPrefix(line, "|") {
			continue
		}
		if n := unescapedPipes(line); n != 5 {
			t.Errorf("line %d has %d cell separators, want 5: %q", i+1, n, line)
		}
		if i > 0 && !strings.HasPrefix(lines[i-1], "|") && !strings.HasPrefix(line, "| Module |") {
			t.Errorf("line %d: table row without a header: %q", i+1, line)
		}
		// GFM takes any line after a table row for another row: only a blank line ends it.
		if i+1 < len(lines) && lines[i+1] != "" && !strings.HasPrefix(lines[i+1], "|") {
			t.Errorf("line %d would join the table above: %q", i+2, lines[i+1])
		}
	}
}

// unescapedPipes counts the | of line not escaped by a backslash.
func unescapedPipes(line string) int {
	n, backslashes := 0, 0
	for _, r := range line {
		switch {
		case r == '\\':
			backslashes++
			continue
		case r == '|' && backslashes%2 == 0:
			n++
		}
		backslashes = 0
	}
	return n
}

func TestMDText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		limit    int
		want     string
	}{
		{"plain", "consciousness", 80, "consciousness"},
		{"pipe", "a|b", 80, `a\|b`},
		{"html", "<b>&</b>", 80, "&lt;b&gt;&amp;&lt;/b&gt;"},
		{"comment", "<!-- notion-sync:plan -->", 80, "&lt;!-- notion-sync:plan --&gt;"},
		{"code span", "`x`", 80, "\\`x\\`"},
		{"emphasis and links", "*a* _b_ ~c~ [d](e)", 80, `\*a\* \_b\_ \~c\~ \[d\](e)`},
		{"math", "$x$", 80, `\$x\$`},
		{"backslash", `a\|b`, 80, `a\\\|b`},
		{"mention", "@octocat @org/team", 80, "@\u200boctocat @\u200borg/team"},
		{"issue ref kept", "fixes #12", 80, "fixes #12"},
		{"ref in parentheses kept", "(#12)", 80, "(#12)"},
		{"cross-repository ref broken", "see octo/mono#12 and other-org/re.po_x#7", 80, "see octo/mono#\u200b12 and other-org/re.po\\_x#\u200b7"},
		{"hash without a number kept", "a#b", 80, "a#b"},
		{"issue URL broken", "https://github.com/octo/mono/issues/12", 0, "https:\u200b//github.com/octo/mono/issues/12"},
		{"pull URL on GHES broken", "see http://ghe.example.com/o/r/pull/3/files", 0, "see http:\u200b//ghe.example.com/o/r/pull/3/files"},
		{"www discussion URL broken", "www.github.com/o/r/discussions/9", 0, "www\u200b.github.com/o/r/discussions/9"},
		{"other URL kept", "https://example.com/docs/issues", 0, "https://example.com/docs/issues"},
		{"newlines", "a\nb\r\nc", 80, "a b  c"},
		{"workflow command", "::error::x", 80, `\::error::x`},
		{"command after newline", "ok\n::error::x", 80, "ok ::error::x"},
		{"control", "a\x1b[31m", 80, `a\\x1b\[31m`},
		{"bidi", "\u202eabc", 80, `\\u202eabc`},
		{"cut", "abcdefghij", 5, "abcd… (+6 chars)"},
		{"no cut", strings.Repeat("a", 300), 0, strings.Repeat("a", 300)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, mdText(tt.in, tt.limit)); diff != "" {
				t.Errorf("mdText(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

// TestMarkdownFailure renders the body that replaces the plan comment when the plan
// failed: one escaped line of the error, the head commit, the link, the marker.
func TestMarkdownFailure(t *testing.T) {
	t.Parallel()
	errText := "load config: .github/notion-sync.yml:3: properties.X <b>@admin</b> octo/mono#1\n::error title=forged::forged\nmore"
	got := MarkdownFailure(errText, MarkdownOptions{
		Marker: "<!-- notion-sync config=built-in -->", SHA: "0123456789abcdef", DetailsURL: "https://github.com/o/r/actions/runs/1",
		Notes: []string{"Full sync: the base is missing"},
	})
	checkMarkdown(t, got)
	want := "<!-- notion-sync config=built-in -->\n" +
		"## ❌ Notion sync plan failed\n\n" +
		"> Full sync: the base is missing\n\n" +
		"The plan failed for commit 0123456789abcdef: load config: .github/notion-sync.yml:3: properties.X &lt;b&gt;@\u200badmin&lt;/b&gt; octo/mono#\u200b1\n" +
		"\nSee [the run](https://github.com/o/r/actions/runs/1) for the whole error. This replaces the previous plan, which may be out of date.\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("MarkdownFailure() mismatch (-want +got):\n%s", diff)
	}
	if strings.Contains(got, "forged") {
		t.Errorf("lines after the first are shown:\n%s", got)
	}
	if capped := MarkdownFailure(strings.Repeat("x", 1000), MarkdownOptions{MaxChars: 120}); utf8.RuneCountInString(capped) > 120 {
		t.Errorf("MaxChars 120: got %d characters", utf8.RuneCountInString(capped))
	}
}

// TestMarkdownSHA: the footer names o.SHA (a pull request's head) over the plan's own.
func TestMarkdownSHA(t *testing.T) {
	t.Parallel()
	p := Plan{SHA: "mergecommit0000", DryRun: true}
	for _, tt := range []struct{ sha, want string }{{"", "commit mergecommit0000"}, {"headsha1111", "commit headsha1111"}} {
		got := Markdown(p, Stats{}, MarkdownOptions{SHA: tt.sha})
		if !strings.Contains(got, tt.want) {
			t.Errorf("SHA %q: footer lacks %q:\n%s", tt.sha, tt.want, got)
		}
		if tt.sha != "" && strings.Contains(got, p.SHA) {
			t.Errorf("SHA %q: the plan's sha still shows:\n%s", tt.sha, got)
		}
	}
}

func TestHTMLComment(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"<!-- notion-sync:plan -->", "<!-- notion-sync:plan -->"},
		{"<!--x-->", "<!--x-->"},
		{"notion-sync:plan", "<!-- notion-sync:plan -->"},
		{"a --> <b>", "<!-- a - -&gt; <b&gt; -->"},
		{"<!-- a --> b -->", "<!-- <!- - a - -&gt; b - -&gt; -->"},
		{"two\nlines", "<!-- two lines -->"},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, htmlComment(tt.in)); diff != "" {
			t.Errorf("htmlComment(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestLinkDestination(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"https://github.com/o/r/actions/runs/1", "https://github.com/o/r/actions/runs/1"},
		{" https://x/a b ", "https://x/a%20b"},
		{"https://x/(a)<b>", "https://x/%28a%29%3Cb%3E"},
		{"https://x/\n|y", "https://x/%0A%7Cy"},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, linkDestination(tt.in)); diff != "" {
			t.Errorf("linkDestination(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestCutLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"aaa\nbbb\nccc\n", 10, "aaa\nbbb\n…\n"},
		{"aaa\nbbb\n", 6, "aaa\n…\n"},
		{"aaa\nbbb\n", 5, "…\n"},
		{"aaa\n", 3, "…\n"},
		{"aaa\n", 1, ""},
	}
	for _, tt := range tests {
		got := cutLines(tt.in, tt.max)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("cutLines(%q, %d) mismatch (-want +got):\n%s", tt.in, tt.max, diff)
		}
		if utf8.RuneCountInString(got) > tt.max {
			t.Errorf("cutLines(%q, %d) = %q: over the cap", tt.in, tt.max, got)
		}
	}
}
