package engine

import (
	"context"
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

// Workspace is a repository read through its config: every included manifest,
// resolved into the row it asks for. Reading and resolving is local and cheap, so
// every command reads all manifests, even when it syncs only a few: a duplicate
// key is only visible against the whole set.
type Workspace struct {
	Root     string
	Config   *config.Config
	Commit   string              // HEAD, or Settings.Commit outside a git checkout
	Modules  []module.Module     // resolved manifests, by path
	Failed   []*manifest.Problem // manifests that could not be read or resolved
	Warnings []*manifest.Problem // discovery warnings (skipped symlinks)
	// FailedKeys maps a failed manifest's path to its key, when the key
	// resolved and a property did not: reports name the module by it.
	FailedKeys map[string]string
	Manifests  map[string]*manifest.Manifest
}

// Open loads the config of the repository s.Repo and resolves every manifest it
// includes, with now as $synced_at.
func Open(s Settings, now time.Time) (*Workspace, error) {
	return OpenContext(context.Background(), s, now)
}

// OpenContext is Open that stops resolving when ctx is done: a template runs
// within bounds of its own, and a cancelled run need not wait for them.
func OpenContext(ctx context.Context, s Settings, now time.Time) (*Workspace, error) {
	root, configPath := s.Repo, s.Config
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
		return nil, &UsageError{fmt.Errorf("load config: %w", err)}
	}
	w := &Workspace{Root: root, Config: cfg, Manifests: map[string]*manifest.Manifest{}, FailedKeys: map[string]string{}}
	if repo, err := gitdiff.Open(root); err == nil {
		w.Commit, _ = repo.Head()
	}
	if w.Commit == "" {
		w.Commit = s.Commit
	}
	paths, warnings, err := manifest.Discover(root, cfg.Include, cfg.Exclude)
	if err != nil {
		return nil, fmt.Errorf("find manifests under %s: %w", root, err)
	}
	w.Warnings = warnings
	sp := module.Specials{Commit: w.Commit, SyncedAt: now}
	for _, p := range paths {
		m, err := manifest.Load(root, p)
		if err != nil {
			w.Failed = append(w.Failed, asProblem(p, err))
			continue
		}
		w.Manifests[p] = m
		mod, err := module.ResolveContext(ctx, cfg, m, sp)
		if err != nil && mod.Key != "" {
			w.FailedKeys[p] = mod.Key
		}
		if err != nil {
			w.Failed = append(w.Failed, asProblem(p, err))
			continue
		}
		w.Modules = append(w.Modules, mod)
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

// Duplicates maps each key used by more than one manifest to their paths.
func (w *Workspace) Duplicates() map[string][]string {
	byKey := map[string][]string{}
	for _, m := range w.Modules {
		byKey[m.Key] = append(byKey[m.Key], m.Path)
	}
	for k, paths := range byKey {
		if len(paths) < 2 {
			delete(byKey, k)
		}
	}
	return byKey
}

// Desired turns the resolved manifests (and the broken ones) into reconcile's rows.
// keep selects the manifests in scope; nil keeps all.
func (w *Workspace) Desired(keep func(path, key string) bool) []reconcile.Desired {
	var out []reconcile.Desired
	dups := w.Duplicates()
	for _, m := range w.Modules {
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
	for _, p := range w.Failed {
		if keep != nil && !keep(p.File, w.FailedKeys[p.File]) {
			continue
		}
		out = append(out, reconcile.Desired{Path: p.File, Key: w.FailedKeys[p.File], Err: p})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// Keys are the keys of every resolved manifest.
func (w *Workspace) Keys() map[string]bool {
	out := map[string]bool{}
	for _, m := range w.Modules {
		out[m.Key] = true
	}
	return out
}

// Volatile lists the properties written only together with a real change.
func (w *Workspace) Volatile() map[string]bool {
	out := map[string]bool{}
	for _, p := range w.Config.Properties {
		if w.Config.Volatile(p.Name) {
			out[p.Name] = true
		}
	}
	return out
}

// Abs returns a repository-relative manifest path as a file system path.
func (w *Workspace) Abs(path string) string { return filepath.Join(w.Root, filepath.FromSlash(path)) }
