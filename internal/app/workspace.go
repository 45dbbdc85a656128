package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/lukhas/notion-sync-action/internal/config"
	"github.com/lukhas/notion-sync-action/internal/gitdiff"
	"github.com/lukhas/notion-sync-action/internal/manifest"
	"github.com/lukhas/notion-sync-action/internal/module"
	"github.com/lukhas/notion-sync-action/internal/notion"
	"github.com/lukhas/notion-sync-action/internal/reconcile"
)

// workspace is a repository read through its config: every included manifest,
// resolved into the row it asks for. Reading and resolving is local and cheap, so
// every command reads all manifests, even when it syncs only a few: a duplicate
// key is only visible against the whole set.
type workspace struct {
	root      string
	cfg       *config.Config
	commit    string              // HEAD, or $GITHUB_SHA outside a git checkout
	modules   []module.Module     // resolved manifests, by path
	failed    []*manifest.Problem // manifests that could not be read or resolved
	warnings  []*manifest.Problem // discovery warnings (skipped symlinks)
	manifests map[string]*manifest.Manifest
}

// openWorkspace loads the config of the repository at root and resolves every
// manifest it includes.
func (e *env) openWorkspace(root, configPath string, now time.Time) (*workspace, error) {
	if configPath != "" && !filepath.IsAbs(configPath) {
		// A path typed on the command line is relative to where it was typed;
		// failing that, to the repository (as the Action's config input is).
		if _, err := os.Stat(configPath); err == nil {
			if abs, err := filepath.Abs(configPath); err == nil {
				configPath = abs
			}
		}
	}
	cfg, err := config.LoadDir(root, configPath)
	if err != nil {
		return nil, usageError{fmt.Errorf("load config: %w", err)}
	}
	w := &workspace{root: root, cfg: cfg, manifests: map[string]*manifest.Manifest{}}
	if repo, err := gitdiff.Open(root); err == nil {
		w.commit, _ = repo.Head()
	}
	if w.commit == "" {
		w.commit = e.getenv("GITHUB_SHA")
	}
	paths, warnings, err := manifest.Discover(root, cfg.Include, cfg.Exclude)
	if err != nil {
		return nil, fmt.Errorf("find manifests under %s: %w", root, err)
	}
	w.warnings = warnings
	sp := module.Specials{Commit: w.commit, SyncedAt: now}
	for _, p := range paths {
		m, err := manifest.Load(root, p)
		if err != nil {
			w.failed = append(w.failed, asProblem(p, err))
			continue
		}
		w.manifests[p] = m
		mod, err := module.Resolve(cfg, m, sp)
		if err != nil {
			w.failed = append(w.failed, asProblem(p, err))
			continue
		}
		w.modules = append(w.modules, mod)
	}
	return w, nil
}

func asProblem(path string, err error) *manifest.Problem {
	var p *manifest.Problem
	if errors.As(err, &p) {
		return p
	}
	return &manifest.Problem{File: path, Msg: err.Error()}
}

// duplicates maps each key used by more than one manifest to their paths.
func (w *workspace) duplicates() map[string][]string {
	byKey := map[string][]string{}
	for _, m := range w.modules {
		byKey[m.Key] = append(byKey[m.Key], m.Path)
	}
	for k, paths := range byKey {
		if len(paths) < 2 {
			delete(byKey, k)
		}
	}
	return byKey
}

// desired turns the resolved manifests (and the broken ones) into reconcile's rows.
// keep selects the manifests in scope; nil keeps all.
func (w *workspace) desired(keep func(path, key string) bool) []reconcile.Desired {
	var out []reconcile.Desired
	dups := w.duplicates()
	for _, m := range w.modules {
		if keep != nil && !keep(m.Path, m.Key) {
			continue
		}
		d := reconcile.Desired{Key: m.Key, Path: m.Path, Props: m.Props, Warnings: m.Warnings}
		if paths := dups[m.Key]; paths != nil {
			// Checked against every manifest, not only those in scope: a changed
			// manifest must not overwrite the page of an unchanged one with its key.
			others := slices.DeleteFunc(slices.Clone(paths), func(p string) bool { return p == m.Path })
			d.Err = fmt.Errorf("duplicate key %q: also used by %s; exclude one folder in manifests.exclude, or key by $path",
				m.Key, strings.Join(others, ", "))
		}
		if m.PageID != "" {
			if id, err := notion.ParseDatabaseID(m.PageID); err == nil {
				d.PageID = id
			} else {
				d.Warnings = append(d.Warnings, fmt.Sprintf("notion_page_id %q is not a Notion id; ignored", m.PageID))
			}
		}
		out = append(out, d)
	}
	for _, p := range w.failed {
		if keep != nil && !keep(p.File, "") {
			continue
		}
		out = append(out, reconcile.Desired{Path: p.File, Err: p})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// keys are the keys of every resolved manifest.
func (w *workspace) keys() map[string]bool {
	out := map[string]bool{}
	for _, m := range w.modules {
		out[m.Key] = true
	}
	return out
}

// volatile lists the properties written only together with a real change.
func (w *workspace) volatile() map[string]bool {
	out := map[string]bool{}
	for _, p := range w.cfg.Properties {
		if w.cfg.Volatile(p.Name) {
			out[p.Name] = true
		}
	}
	return out
}

// abs returns a repository-relative manifest path as a file system path.
func (w *workspace) abs(path string) string { return filepath.Join(w.root, filepath.FromSlash(path)) }
