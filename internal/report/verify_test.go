package report

import (
	"strings"
	"testing"
)

// TestVerifyCountLine: the count line is ❌ only when a module does not match;
// a page without a manifest fails verify on its own ❌ line.
func TestVerifyCountLine(t *testing.T) {
	t.Parallel()
	extra := VerifyRow{Module: "legacy", Path: "legacy/module.manifest.json", Result: VerifyExtra}
	tests := []struct {
		name    string
		summary VerifySummary
		rows    []VerifyRow
		want    string
	}{
		{"all match", VerifySummary{Modules: 11, Match: 11}, nil, "✅ 11/11 modules match Notion\n"},
		{"only a page without a manifest", VerifySummary{Modules: 11, Match: 11, Extra: 1}, []VerifyRow{extra},
			"✅ 11/11 modules match Notion\n❌ 1 page without a manifest\n"},
		{"drift", VerifySummary{Modules: 11, Match: 10, Drift: 1}, nil, "❌ 10/11 modules match Notion\n"},
		{"a module that cannot be compared", VerifySummary{Modules: 11, Match: 10, Error: 1}, nil, "❌ 10/11 modules match Notion\n"},
	}
	for _, tt := range tests {
		got := VerifyText(Verdict{Summary: tt.summary, Results: tt.rows}, "", false)
		if !strings.HasPrefix(got, tt.want) {
			t.Errorf("%s: verify text starts %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestShownValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   any
		want string
	}{
		{nil, "(empty)"},
		{"a\x1b[31mb\n", `"a\x1b[31mb\n"`},
		{92.3, "92.3"},
		{[]string{"a", "b"}, `["a", "b"]`},
		{true, "true"},
		{strings.Repeat("x", 100), `"` + strings.Repeat("x", 59) + `…"`},
	}
	for _, tt := range tests {
		if got := shownValue(tt.in); got != tt.want {
			t.Errorf("shownValue(%#v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// TestVerifyTextValues: a single module's match is followed by its 📋 line, each
// value cleaned of control characters and cut to maxShownValue characters.
func TestVerifyTextValues(t *testing.T) {
	t.Parallel()
	v := Verdict{Summary: VerifySummary{Modules: 1, Match: 1},
		Results: []VerifyRow{{Module: "memory", PageID: "0123456789abcdef0123456789abcdef", Result: VerifyMatch}},
		Values:  []Field{{Name: "Lane", Value: "L2"}, {Name: "Note\x1b", Value: strings.Repeat("x", 100)}}}
	want := "✅ memory synced to Notion (page_id: 01234567…)\n📋 Lane: L2 | Note : " + strings.Repeat("x", 59) + "…\n"
	if got := VerifyText(v, "memory", false); got != want {
		t.Errorf("VerifyText:\n%q\nwant\n%q", got, want)
	}
}
