package engine

import (
	"fmt"
	"time"

	"github.com/lukhas/notion-sync-action/internal/manifest"
	"github.com/lukhas/notion-sync-action/internal/module"
)

// Backfill finds the manifests whose hydrate object (Config.Hydrate) lacks
// the values their modules resolve to and, with apply, writes them, editing
// only that object. It returns the workspace (its Failed manifests were not
// read, and are left alone) and the paths changed, or to change.
func Backfill(s Settings, apply bool) (*Workspace, []string, error) {
	w, err := Open(s, time.Now().UTC())
	if err != nil {
		return nil, nil, err
	}
	if w.Config.Hydrate == "" {
		return nil, nil, usagef("the config has no hydrate object to backfill (set hydrate: notion_database_options)")
	}
	var changed []string
	for _, mod := range w.Modules {
		out, diff, err := module.Backfill(w.Config, w.Manifests[mod.Path], mod)
		if err != nil {
			return nil, nil, fmt.Errorf("backfill %s: %w", mod.Path, err)
		}
		if !diff {
			continue
		}
		changed = append(changed, mod.Path)
		if apply {
			if err := manifest.WriteFile(w.Root, mod.Path, out); err != nil {
				return nil, nil, fmt.Errorf("backfill %s: %w", mod.Path, err)
			}
		}
	}
	return w, changed, nil
}
