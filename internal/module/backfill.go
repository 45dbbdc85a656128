package module

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/lukhas/notion-sync-action/internal/config"
	"github.com/lukhas/notion-sync-action/internal/manifest"
	"github.com/lukhas/notion-sync-action/internal/property"
)

// Backfill returns the manifest bytes with cfg.Hydrate holding every resolved
// value that comes from the manifest or a default: the key and each property,
// in config order, but nothing derived from a special ($path, $dir, $sha,
// $commit, $synced_at: those must follow the file, not be pinned in it), no
// volatile property and no empty value. Values go in their plain JSON form (string, number, [names],
// bool), as converted but before property.Fit, so a text too long for Notion is
// kept whole in the manifest and its loss reported on every sync rather than
// baked in.
//
// Only the hydrate object changes: a missing object is added after the last
// top-level key, and in an existing one only the entries that differ are set,
// so entries the config does not name stay. changed is false when the object
// already held every value; running Backfill on its own output changes nothing.
// mod must be Resolve's result for m; Backfill re-reads m for the values before
// fitting and where each came from. Errors do not repeat the manifest's path,
// which the caller has; a *manifest.Problem carries it.
func Backfill(cfg *config.Config, m *manifest.Manifest, mod Module) (out []byte, changed bool, err error) {
	if cfg.Hydrate == "" {
		return nil, false, errors.New("the config names no hydrate object (set hydrate: notion_database_options)")
	}
	if mod.Path != m.Path {
		return nil, false, fmt.Errorf("the module given is %s, not this manifest", mod.Path)
	}
	_, all, err := resolve(context.Background(), cfg, m, Specials{})
	if err != nil {
		return nil, false, err // a *manifest.Problem naming the file already
	}
	root := gjson.ParseBytes(m.Raw)
	h := root.Get(gjson.Escape(cfg.Hydrate))
	if h.Exists() && !h.IsObject() {
		return nil, false, &manifest.Problem{File: m.Path, Field: cfg.Hydrate,
			Msg: fmt.Sprintf("is a %s, not an object, so backfill cannot add to it; remove it or make it an object", jsonKind(h))}
	}
	var names []string
	values := map[string][]byte{}
	for _, v := range all {
		if v.src == fromNothing || v.src == fromSpecial || cfg.Volatile(v.name) || (v.value.IsEmpty() && v.value.Type != property.Checkbox) {
			continue
		}
		enc, err := json.Marshal(v.value.Plain())
		if err != nil {
			return nil, false, fmt.Errorf("encode %s: %w", v.name, err)
		}
		if cur := h.Get(gjson.Escape(v.name)); cur.Exists() && sameJSON(cur.Raw, enc) {
			continue
		}
		names = append(names, v.name)
		values[v.name] = enc
	}
	if len(names) == 0 {
		return m.Raw, false, nil
	}
	out = m.Raw
	if !h.Exists() {
		var obj bytes.Buffer
		obj.WriteByte('{')
		for i, n := range names {
			if i > 0 {
				obj.WriteByte(',')
			}
			k, _ := json.Marshal(n)
			obj.Write(k)
			obj.WriteByte(':')
			obj.Write(values[n])
		}
		obj.WriteByte('}')
		out, err = manifest.SetField(out, escapeKey(cfg.Hydrate), json.RawMessage(obj.Bytes()))
		if err != nil {
			return nil, false, fmt.Errorf("add %s: %w", cfg.Hydrate, err)
		}
		return out, true, nil
	}
	for _, n := range names {
		out, err = manifest.SetField(out, escapeKey(cfg.Hydrate)+"."+escapeKey(n), json.RawMessage(values[n]))
		if err != nil {
			return nil, false, fmt.Errorf("update %s: %w", cfg.Hydrate, err)
		}
	}
	return out, true, nil
}

// sameJSON reports whether two JSON texts hold the same value.
func sameJSON(a string, b []byte) bool {
	ca, errA := manifest.Canonical([]byte(a))
	cb, errB := manifest.Canonical(b)
	return errA == nil && errB == nil && bytes.Equal(ca, cb)
}

// escapeKey writes a key for a manifest.SetField path: "." and "\" escaped.
func escapeKey(k string) string {
	return strings.NewReplacer(`\`, `\\`, `.`, `\.`).Replace(k)
}
