package manifest

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// Discover walks root and returns the repo-relative paths (sorted, "/"
// separators) that match an include glob and no exclude glob. Hidden folders are
// excluded by the default config's globs ("**/.*/**"), not by magic, so a config
// can include them. Folders an exclude glob ending in "/**" covers are not
// entered at all, which keeps .git and node_modules cheap.
//
// Anything else at a matching path (a folder, a FIFO) is returned too, so that
// Load reports it as a broken manifest and its page is kept.
//
// Symlinks are followed when they resolve inside root, like any checked-out
// file; those that resolve outside root (or nowhere) are skipped with a warning
// Problem, because the sync must read only what the repository holds. A symlink
// loop is detected and reported, never followed. Folders that cannot be read are
// warnings too; only an unreadable root is an error.
func Discover(root string, include, exclude []string) (paths []string, warnings []*Problem, err error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, nil, fmt.Errorf("resolve root %s: %w", root, err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, nil, fmt.Errorf("resolve root %s: %w", root, err)
	}
	w := &walker{realRoot: real, include: include, exclude: exclude}
	if err := w.dir(abs, real, "", nil); err != nil {
		return nil, nil, fmt.Errorf("read root %s: %w", root, err)
	}
	slices.Sort(w.paths)
	return slices.Compact(w.paths), w.warnings, nil
}

// Match reports whether the repo-relative path p is a manifest under the rule
// Discover applies: some include glob matches and no exclude glob does. The
// change list of a diff is filtered with it, so that "changed" and "all" agree.
// An invalid glob matches nothing (config validation reports it).
func Match(include, exclude []string, p string) bool {
	p = strings.TrimPrefix(path.Clean(filepath.ToSlash(p)), "./")
	return matchAny(include, p) && !matchAny(exclude, p)
}

func matchAny(globs []string, p string) bool {
	for _, g := range globs {
		if ok, err := doublestar.Match(g, p); err == nil && ok {
			return true
		}
	}
	return false
}

// walker holds the state of one Discover.
type walker struct {
	realRoot         string
	include, exclude []string
	paths            []string
	warnings         []*Problem
}

func (w *walker) warn(rel, format string, args ...any) {
	w.warnings = append(w.warnings, &Problem{File: rel, Msg: fmt.Sprintf(format, args...)})
}

// pruned reports whether an exclude glob covers everything under folder rel.
func (w *walker) pruned(rel string) bool {
	for _, g := range w.exclude {
		if prefix, ok := strings.CutSuffix(g, "/**"); ok {
			if m, err := doublestar.Match(prefix, rel); err == nil && m {
				return true
			}
		}
	}
	return false
}

// dir walks the folder at abs (a path as seen through the repository), whose
// resolved location is real and repo-relative path is rel. ancestors holds the
// resolved folders above it, to detect symlink loops.
func (w *walker) dir(abs, real, rel string, ancestors []string) error {
	entries, err := os.ReadDir(abs)
	if err != nil {
		return err
	}
	ancestors = append(ancestors, real)
	for _, e := range entries {
		childAbs := filepath.Join(abs, e.Name())
		childReal := filepath.Join(real, e.Name())
		childRel := path.Join(rel, e.Name())
		isDir := e.IsDir()
		if e.Type()&fs.ModeSymlink != 0 {
			if w.pruned(childRel) || matchAny(w.exclude, childRel) {
				continue
			}
			target, info, ok := w.resolve(childAbs, childRel)
			if !ok {
				continue
			}
			if !info.IsDir() && !Match(w.include, w.exclude, childRel) {
				continue
			}
			if !w.inside(target) {
				link, _ := os.Readlink(childAbs)
				w.warn(childRel, "symlink to %s, outside the repository; skipped (the sync reads only files inside the repository)", link)
				continue
			}
			childReal, isDir = target, info.IsDir()
		}
		switch {
		case isDir:
			if w.pruned(childRel) {
				continue
			}
			if Match(w.include, w.exclude, childRel) {
				// A folder where a manifest belongs: Load reports it as a
				// broken manifest, so its page is kept, not archived as if
				// the manifest were deleted. Manifests inside it still count.
				w.paths = append(w.paths, childRel)
			}
			if slices.Contains(ancestors, childReal) {
				w.warn(childRel, "symlink loop (it leads back to %s); skipped", w.relReal(childReal))
				continue
			}
			if err := w.dir(childAbs, childReal, childRel, ancestors); err != nil {
				w.warn(childRel, "cannot read the folder: %v; skipped", unwrapPath(err))
			}
		default:
			// Regular files, and anything else a commit or a mistake can put
			// where a manifest belongs (a FIFO, a socket, a device): Load
			// reports the latter as broken manifests rather than reading them.
			if Match(w.include, w.exclude, childRel) {
				w.paths = append(w.paths, childRel)
			}
		}
	}
	return nil
}

// resolve follows the symlink at abs; a dangling link or a loop of links is a
// warning.
func (w *walker) resolve(abs, rel string) (string, fs.FileInfo, bool) {
	target, err := filepath.EvalSymlinks(abs)
	if err == nil {
		var info fs.FileInfo
		if info, err = os.Stat(target); err == nil {
			return target, info, true
		}
	}
	link, _ := os.Readlink(abs)
	if strings.Contains(err.Error(), "too many links") {
		w.warn(rel, "symlink loop through %s; skipped", link)
	} else {
		w.warn(rel, "broken symlink to %s; skipped", link)
	}
	return "", nil, false
}

func (w *walker) inside(p string) bool {
	return p == w.realRoot || strings.HasPrefix(p, strings.TrimSuffix(w.realRoot, string(filepath.Separator))+string(filepath.Separator))
}

// relReal shows a resolved folder relative to the root, for messages.
func (w *walker) relReal(p string) string {
	rel, err := filepath.Rel(w.realRoot, p)
	if err != nil || rel == "." {
		return "the repository root"
	}
	return filepath.ToSlash(rel)
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
