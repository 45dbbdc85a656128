package report

import "testing"

func TestCodeBlock(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"plain\n", "```text\nplain\n```\n"},
		{"a ``` b", "````text\na ``` b\n````\n"},
	}
	for _, tt := range tests {
		if got := CodeBlock(tt.in); got != tt.want {
			t.Errorf("CodeBlock(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
