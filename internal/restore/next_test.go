package restore

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestVerifyNextNoRepository: outside a git checkout the commands use a
// worktree next to the working directory, and quote the database id only when
// it needs it.
func TestVerifyNextNoRepository(t *testing.T) {
	t.Parallel()
	sha := "0123456789abcdef0123456789abcdef01234567"
	want := []string{
		"git worktree add --detach ../notion-at-0123456789ab " + sha,
		"notion-sync verify --all --repo ../notion-at-0123456789ab --database-id 'a b'",
		"git worktree remove ../notion-at-0123456789ab",
	}
	if diff := cmp.Diff(want, VerifyNext(t.TempDir(), sha, "a b")); diff != "" {
		t.Errorf("VerifyNext() mismatch (-want +got):\n%s", diff)
	}
}
