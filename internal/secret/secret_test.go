package secret

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestToken(t *testing.T) {
	t.Parallel()
	tok := Token("ntn_abc123")
	tests := []struct {
		name, got, want string
	}{
		{"%v", fmt.Sprintf("%v", tok), "***"},
		{"%q", fmt.Sprintf("%q", tok), "***"},
		{"Reveal", tok.Reveal(), "ntn_abc123"},
		{"Scrub", tok.Scrub("bad token ntn_abc123 in ntn_abc123"), "bad token *** in ***"},
		{"Scrub of an empty token", Token("").Scrub("text"), "text"},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, tt.got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}
