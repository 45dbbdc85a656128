#!/bin/sh
# Managed by notion-sync: 'notion-sync hook install' rewrites this file, 'notion-sync hook uninstall' removes it.
# Syncs the manifests a commit touched to Notion, in the background, as the
# runbook's post-commit hook does. The patterns below come from manifests.include
# and manifests.exclude of the config when the hook was installed.

notion_sync='/opt/tools/notion sync'
git_dir='/home/ana/src/mono/.git'
include='^((.*/)?module\.manifest\.json)$'

# Only in the repository the hook was installed for (and its worktrees): a
# core.hooksPath in the global git config runs this file in every repository.
[ "$(cd "$(git rev-parse --git-common-dir 2>/dev/null)" 2>/dev/null && pwd -P)" = "$git_dir" ] || exit 0

# The commit before this one, read now: the sync runs in the background, when
# more commits may have come (cherry-pick, am, a script committing in a loop).
# None on the repository's first commit.
base=$(git rev-parse -q --verify HEAD~1) || base=

# -z: paths exactly as stored, even with quotes, backslashes or non-ASCII letters.
changed_files=$(git diff-tree -z -r --name-only --no-commit-id --root HEAD | tr '\0' '\n')
if ! printf '%s\n' "$changed_files" | grep -E -- "$include" | grep -q .; then
  exit 0
fi

# While git replays commits (rebase, am, a cherry-pick or revert of several),
# syncing each one is wasted work, and no post-commit hook runs when it is done
# (a rebase ends with post-rewrite): the line below says what to run then.
for state in rebase-merge rebase-apply sequencer; do
  if [ -e "$(git rev-parse --git-path "$state")" ]; then
    echo "⏭️  Notion sync skipped during a rebase, am or cherry-pick; when it is done, run: notion-sync sync --changed --since ORIG_HEAD (or notion-sync sync --all)" >&2
    exit 0
  fi
done

if ! command -v "$notion_sync" >/dev/null 2>&1; then
  echo "⚠️  $notion_sync not found: Notion sync skipped (reinstall with: notion-sync hook install)" >&2
  exit 0
fi

echo "📊 Module manifests changed, syncing to Notion..."
if [ -n "$base" ]; then
  set -- --changed --since "$base" --committed-only
else
  set -- --all # the repository's first commit: every manifest in it is new
fi
"$notion_sync" sync "$@" --async ||
  echo "❌ Notion sync could not be queued; run: notion-sync sync $*" >&2
exit 0
