package restore

import (
	"fmt"
	"path/filepath"

	"github.com/lukhas/notion-sync-action/internal/gitdiff"
	"github.com/lukhas/notion-sync-action/internal/hook"
)

// VerifyNext is the commands that check Notion against the manifests of sha
// after a restore (Result.Next). The working tree is still at the commit rolled
// back from, so `verify --all` run there would report the restored pages as
// drift: it runs in a temporary worktree checked out at sha, next to the
// repository, with the same folder inside it as repo. databaseID is the
// --database-id given, if any.
func VerifyNext(repo, sha, databaseID string) []string {
	short := sha
	if len(short) > 12 {
		short = short[:12]
	}
	dbFlag := ""
	if databaseID != "" {
		dbFlag = " --database-id " + hook.Word(databaseID)
	}
	root, rel := "", "."
	if abs, err := filepath.Abs(repo); err == nil {
		if r, err := filepath.EvalSymlinks(abs); err == nil {
			abs = r
		}
		if g, err := gitdiff.Open(abs); err == nil {
			root, rel = g.Root(), filepath.FromSlash(g.Dir())
			if r, err := filepath.EvalSymlinks(root); err == nil {
				root = r
			}
		}
	}
	if root == "" {
		dir := "../notion-at-" + short
		return []string{
			fmt.Sprintf("git worktree add --detach %s %s", dir, sha),
			fmt.Sprintf("notion-sync verify --all --repo %s%s", dir, dbFlag),
			fmt.Sprintf("git worktree remove %s", dir),
		}
	}
	dir := filepath.Join(filepath.Dir(root), filepath.Base(root)+"-at-"+short)
	return []string{
		fmt.Sprintf("git -C %s worktree add --detach %s %s", hook.Word(root), hook.Word(dir), sha),
		fmt.Sprintf("notion-sync verify --all --repo %s%s", hook.Word(filepath.Join(dir, rel)), dbFlag),
		fmt.Sprintf("git -C %s worktree remove %s", hook.Word(root), hook.Word(dir)),
	}
}
