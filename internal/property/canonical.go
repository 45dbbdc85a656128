package property

import (
	"strconv"
	"strings"
	"time"
)

// Canonical returns v in one textual form per value as Notion stores it: two
// values that Equal calls the same (an empty value of any kind, options in
// another order, a date written with or without milliseconds, CRLF line ends)
// give the same text, so a hash over Canonical forms changes only when a value
// Notion would show changes. (Numbers are the exception Equal's tolerance makes:
// two numbers within 1e-9 of each other are Equal but may differ here.)
func Canonical(v Value) string {
	if v.IsEmpty() {
		return ""
	}
	switch v.Type {
	case Number:
		return strconv.FormatFloat(*v.Number, 'g', -1, 64)
	case MultiSelect:
		return strings.Join(sortedSet(v.Names), "\x1f")
	case Checkbox:
		return "true"
	case Date:
		if t, ok := parseDate(v.Text); ok {
			return t.UTC().Format(time.RFC3339Nano)
		}
		return v.Text
	default:
		return normalizeText(v.Text)
	}
}
