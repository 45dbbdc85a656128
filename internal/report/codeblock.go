package report

import "strings"

// CodeBlock fences text for Markdown with a fence longer than any run of
// backticks in it, so the text can neither close the block nor render as
// Markdown or HTML.
func CodeBlock(text string) string {
	longest, run := 0, 0
	for _, r := range text {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", max(3, longest+1))
	return fence + "text\n" + strings.TrimRight(text, "\n") + "\n" + fence + "\n"
}
