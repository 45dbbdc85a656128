package actiontest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCommands(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, log string
		want      []string // names
	}{
		{"plain text", "hello\n:: not a command\n::unknown::x\n", nil},
		{"v2 with props and leading space", "  ::error file=a,line=1::boom\n", []string{"error"}},
		{"case-insensitive", "::Warning::x\n", []string{"warning"}},
		{"CR ends a line", "text\r::notice::x\n", []string{"notice"}},
		{"legacy anywhere in a line", "log ##[error]boom\n", []string{"error"}},
		{"stopped until the token", "::stop-commands::tok\n::error::x\n##[warning]y\n::tok::\n::debug::z\n", []string{"stop-commands", "tok", "debug"}},
		{"a wrong token does not resume", "::stop-commands::tok\n::other::\n::error::x\n", []string{"stop-commands"}},
		{"legacy resume", "::stop-commands::tok\nx ##[tok]\n::error::x\n", []string{"stop-commands", "tok", "error"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, c := range Commands(tt.log) {
				got = append(got, c.Name)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Commands() names (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCommandProps(t *testing.T) {
	t.Parallel()
	got := Commands("::error file=a.json,line=3,title=notion-sync%3A bad::msg%0Amore\n")
	want := []Command{{Name: "error", Props: map[string]string{"file": "a.json", "line": "3", "title": "notion-sync: bad"},
		Data: "msg%0Amore", Line: "::error file=a.json,line=3,title=notion-sync%3A bad::msg%0Amore"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Commands() mismatch (-want +got):\n%s", diff)
	}
}
