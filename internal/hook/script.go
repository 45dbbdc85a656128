package hook

import (
	"fmt"
	"regexp"
	"strings"
)

// Spec is what the hook script needs to know. Include must not be empty for
// the hook to ever sync; an empty Exclude filters nothing.
type Spec struct {
	Bin              string   // the notion-sync command (Binary)
	GitDir           string   // the repository's git directory (Location.GitDir): the hook runs only there
	Dir              string   // the repository folder, relative to the worktree root (Location.Rel)
	Config           string   // --config to pass on (ConfigArg); "" for the default
	Include, Exclude []string // the config's manifest globs, repo-relative
}

// gitDirLine is the script line naming the repository the hook belongs to;
// Install and Uninstall read it back to recognise another repository's hook in
// a shared hooks folder.
var gitDirLine = regexp.MustCompile(`(?m)^git_dir='((?:[^']|'\\'')*)'$`)

// Owner returns the git directory a hook script we wrote belongs to (its
// Spec.GitDir); "" for a hook written before hooks named it, or not ours.
func Owner(script []byte) string {
	m := gitDirLine.FindSubmatch(script)
	if m == nil {
		return ""
	}
	return strings.ReplaceAll(string(m[1]), `'\''`, "'")
}

// Script renders the post-commit hook: the runbook's script (§6.2), with the
// config's globs instead of a grep for module.manifest.json, so the hook starts
// the binary only after a commit that touched a manifest the sync would read.
// The globs are translated to extended regular expressions for grep -E, so
// the check costs no process start of our own. The script is plain POSIX sh.
// A glob that cannot be translated is an *InputError.
func Script(s Spec) ([]byte, error) {
	prefix := ""
	if s.Dir != "." && s.Dir != "" {
		prefix = regexp.QuoteMeta(s.Dir) + "/"
	}
	include, err := globsRegexp(prefix, s.Include)
	if err != nil {
		return nil, &InputError{fmt.Errorf("translate manifests.include for the hook: %w", err)}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `#!/bin/sh
%s
# Syncs the manifests a commit touched to Notion, in the background, as the
# runbook's post-commit hook does. The patterns below come from manifests.include
# and manifests.exclude of the config when the hook was installed.

notion_sync=%s
git_dir=%s
include=%s
`, Marker, Quote(s.Bin), Quote(s.GitDir), Quote(include))
	filter := ""
	if len(s.Exclude) > 0 {
		exclude, err := globsRegexp(prefix, s.Exclude)
		if err != nil {
			return nil, &InputError{fmt.Errorf("translate manifests.exclude for the hook: %w", err)}
		}
		fmt.Fprintf(&b, "exclude=%s\n", Quote(exclude))
		filter = ` | grep -Ev -- "$exclude"`
	}
	fmt.Fprintf(&b, `
# Only in the repository the hook was installed for (and its worktrees): a
# core.hooksPath in the global git config runs this file in every repository.
[ "$(cd "$(git rev-parse --git-common-dir 2>/dev/null)" 2>/dev/null && pwd -P)" = "$git_dir" ] || exit 0

# The commit before this one, read now: the sync runs in the background, when
# more commits may have come (cherry-pick, am, a script committing in a loop).
# None on the repository's first commit.
base=$(git rev-parse -q --verify HEAD~1) || base=

# -z: paths exactly as stored, even with quotes, backslashes or non-ASCII letters.
changed_files=$(git diff-tree -z -r --name-only --no-commit-id --root HEAD | tr '\0' '\n')
if ! printf '%%s\n' "$changed_files" | grep -E -- "$include"%s | grep -q .; then
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
`, filter)
	if prefix != "" {
		fmt.Fprintf(&b, "cd %s || exit 0\n", Quote(s.Dir))
	}
	args := ""
	if s.Config != "" {
		args = " --config " + Quote(s.Config)
	}
	// sync --async prints the runbook's "✅ Notion sync queued (background…" line
	// itself, with the pid and the log file.
	fmt.Fprintf(&b, `if [ -n "$base" ]; then
  set -- --changed --since "$base" --committed-only
else
  set -- --all # the repository's first commit: every manifest in it is new
fi
"$notion_sync" sync "$@" --async%s ||
  echo "❌ Notion sync could not be queued; run: notion-sync sync $*" >&2
exit 0
`, args)
	return []byte(b.String()), nil
}

// Quote quotes s for sh: in single quotes, where each quote of s closes the
// quoting, is written escaped, and reopens it. Any s comes out as one word,
// taken literally.
func Quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Word is s as one sh word: s itself when it holds nothing sh reads
// specially, else Quote(s), so the paths in the commands restore and hook print
// stay easy to read and copy.
func Word(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:=@%+,-") == "" {
		return s
	}
	return Quote(s)
}

// globsRegexp is one anchored extended regular expression matching a path when
// prefix followed by any of globs matches it.
func globsRegexp(prefix string, globs []string) (string, error) {
	alts := make([]string, 0, len(globs))
	for _, g := range globs {
		re, err := globRegexp(g)
		if err != nil {
			return "", err
		}
		alts = append(alts, re)
	}
	return "^" + prefix + "(" + strings.Join(alts, "|") + ")$", nil
}

// globRegexp translates one doublestar glob (the syntax of manifests.include)
// into an extended regular expression, unanchored. It uses only syntax that
// POSIX grep -E and Go's regexp read alike, so tests can check it against
// doublestar.Match. Character classes with backslashes are refused rather
// than guessed.
func globRegexp(glob string) (string, error) {
	var b strings.Builder
	depth := 0 // open braces
	segStart := func(i int) bool { return i == 0 || glob[i-1] == '/' }
	for i := 0; i < len(glob); i++ {
		c := glob[i]
		switch {
		case c == '*' && i+1 < len(glob) && glob[i+1] == '*' && segStart(i) && (i+2 == len(glob) || glob[i+2] == '/'):
			// ** as a whole segment: any number of folders.
			switch {
			case i+2 == len(glob) && i == 0:
				b.WriteString(".*")
			case i+2 == len(glob):
				// "a/**" matches a itself and everything under it: the "/" already
				// written becomes optional along with what follows.
				s := strings.TrimSuffix(b.String(), "/")
				b.Reset()
				b.WriteString(s)
				b.WriteString("(/.*)?")
			default:
				b.WriteString("(.*/)?")
				i += 2 // past "**/"
				continue
			}
			i++
		case c == '*':
			for i+1 < len(glob) && glob[i+1] == '*' {
				i++
			}
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		case c == '[':
			end := strings.IndexByte(glob[i+1:], ']')
			if end < 0 {
				return "", fmt.Errorf("glob %q: unclosed [", glob)
			}
			class := glob[i+1 : i+1+end]
			if end == 0 && i+2 < len(glob) {
				return "", fmt.Errorf("glob %q: a class starting with ] cannot be translated", glob)
			}
			if strings.ContainsAny(class, `\[`) {
				return "", fmt.Errorf("glob %q: a class with \\ or [ cannot be translated", glob)
			}
			if rest, ok := strings.CutPrefix(class, "!"); ok {
				class = "^" + rest
			}
			b.WriteString("[" + class + "]")
			i += end + 1
		case c == '{':
			depth++
			b.WriteString("(")
		case c == '}' && depth > 0:
			depth--
			b.WriteString(")")
		case c == ',' && depth > 0:
			b.WriteString("|")
		case c == '\\' && i+1 < len(glob):
			i++
			b.WriteString(regexp.QuoteMeta(glob[i : i+1]))
		default:
			b.WriteString(regexp.QuoteMeta(glob[i : i+1]))
		}
	}
	if depth > 0 {
		return "", fmt.Errorf("glob %q: unclosed {", glob)
	}
	return b.String(), nil
}
