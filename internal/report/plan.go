// Package report turns a sync plan and the client's measurements into what people and
// scripts read: artifacts/notion_sync_plan.json (the runbook's `jq '.changes[]'` reads
// it), the runbook-style text of the CLI (✅ ❌ 📊 lines), its --json form, and a progress
// display for long runs.
//
// Manifest text reaches every output here, so the text forms escape control characters
// (newlines, ANSI escapes, bidi overrides): a manifest must not be able to forge lines
// or repaint the terminal.
package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/lukhas/notion-sync-action/internal/safefile"
)

// Action is what a change does, as the plan file, the ledger and every report
// name it. It is the one vocabulary of plan actions: reconcile plans with these
// values.
type Action string

// Actions a Change can have. The first five are counted in Summary; duplicate and orphan
// pages are reported but never written.
const (
	ActionCreate    Action = "create"
	ActionUpdate    Action = "update"
	ActionArchive   Action = "archive"
	ActionNoop      Action = "noop"
	ActionError     Action = "error"     // the module cannot be synced (broken manifest, duplicate key, page not found)
	ActionDuplicate Action = "duplicate" // a second page with a key that already has one
	ActionOrphan    Action = "orphan"    // a page with no manifest that the sync did not create
)

// Plan is artifacts/notion_sync_plan.json: what a sync will do (dry run) or did. Its JSON
// has exactly DESIGN.md's keys; Changes and each change's Warnings are written as []
// when nil, so jq filters over them never meet a null. The zero value is an empty plan.
type Plan struct {
	// SHA is the commit the plan was made for; "" outside git.
	SHA string `json:"sha"`
	// DatabaseID is the target Notion database.
	DatabaseID string `json:"database_id"`
	// GeneratedAt is when the plan was made; written in UTC with milliseconds.
	GeneratedAt time.Time `json:"generated_at"`
	// NotionVersion is the Notion-Version the plan was made with; "" offline.
	NotionVersion string `json:"notion_version,omitempty"`
	// DataSourceID is the data source of the database that holds the rows
	// (Notion-Version 2025-09-03 and later); "" otherwise.
	DataSourceID string `json:"data_source_id,omitempty"`
	// DataSourceName is that data source's name in Notion, for people; "" when
	// there is no data source or it has no name.
	DataSourceName string `json:"data_source_name,omitempty"`
	// DryRun is true when nothing was written to Notion.
	DryRun bool `json:"dry_run"`
	// Summary counts the changes by action; WriteText takes its totals from here, so
	// fill it (Summarize does) even when noop changes are left out of Changes.
	Summary Summary `json:"summary"`
	// Changes lists one entry per module or page, in the order they should be shown.
	Changes []Change `json:"changes"`
}

// Summary counts a plan's changes by action.
type Summary struct {
	Create  int `json:"create"`
	Update  int `json:"update"`
	Archive int `json:"archive"`
	Noop    int `json:"noop"`
	Error   int `json:"error"`
}

// Total is the number of modules the summary covers: everything but duplicate and
// orphan pages.
func (s Summary) Total() int { return s.Create + s.Update + s.Archive + s.Noop + s.Error }

// Summarize counts changes by action. Duplicate and orphan entries are not counted: they
// are pages, not modules, and nothing is written for them.
func Summarize(changes []Change) Summary {
	var s Summary
	for _, c := range changes {
		switch c.Action {
		case ActionCreate:
			s.Create++
		case ActionUpdate:
			s.Update++
		case ActionArchive:
			s.Archive++
		case ActionNoop:
			s.Noop++
		case ActionError:
			s.Error++
		}
	}
	return s
}

// Change is what happens to one module's page.
type Change struct {
	// Module is the module's key.
	Module string `json:"module"`
	// Path is the repo-relative manifest path ("" for orphan pages).
	Path string `json:"path"`
	// Action is one of the Action constants.
	Action Action `json:"action"`
	// PageID is the Notion page; "" for a create that has not happened yet.
	PageID string `json:"page_id"`
	// Properties holds only the properties that differ (every property set, for a
	// create), by Notion property name. Written as {} when nil.
	Properties map[string]Diff `json:"properties"`
	// Warnings lists what was coerced, cut or skipped for this module, so nothing is
	// lost silently. Written as [] when nil.
	Warnings []string `json:"warnings"`
	// Error is why the module failed, with Notion's code and request id when Notion
	// refused it.
	Error string `json:"error,omitempty"`
	// Line and Column locate the error in the manifest (1-based) when it is a
	// problem of the file itself; 0 when unknown.
	Line   int `json:"line,omitempty"`
	Column int `json:"column,omitempty"`
}

// Diff is one property's value before and after, as plain JSON values: string, float64,
// []string, bool or nil, or a json.RawMessage. ReadPlan decodes arrays of strings as
// []string and numbers as float64, so a plan read back compares equal to the one written
// with those types.
type Diff struct {
	Before any `json:"before"`
	After  any `json:"after"`
}

// UnmarshalJSON decodes before and after as plain values, arrays of strings as []string.
func (d *Diff) UnmarshalJSON(data []byte) error {
	var w struct {
		Before json.RawMessage `json:"before"`
		After  json.RawMessage `json:"after"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	var err error
	if d.Before, err = plainValue(w.Before); err != nil {
		return fmt.Errorf("decode before: %w", err)
	}
	if d.After, err = plainValue(w.After); err != nil {
		return fmt.Errorf("decode after: %w", err)
	}
	return nil
}

func plainValue(raw json.RawMessage) (any, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	arr, ok := v.([]any)
	if !ok {
		return v, nil
	}
	names := make([]string, 0, len(arr))
	for _, e := range arr {
		s, ok := e.(string)
		if !ok {
			return v, nil
		}
		names = append(names, s)
	}
	return names, nil
}

// MarshalJSON writes GeneratedAt in UTC with milliseconds and nil Changes as [].
func (p Plan) MarshalJSON() ([]byte, error) {
	changes := p.Changes
	if changes == nil {
		changes = []Change{}
	}
	return marshalNoHTML(struct {
		SHA            string   `json:"sha"`
		DatabaseID     string   `json:"database_id"`
		DataSourceID   string   `json:"data_source_id,omitempty"`
		DataSourceName string   `json:"data_source_name,omitempty"`
		NotionVersion  string   `json:"notion_version,omitempty"`
		GeneratedAt    string   `json:"generated_at"`
		DryRun         bool     `json:"dry_run"`
		Summary        Summary  `json:"summary"`
		Changes        []Change `json:"changes"`
	}{p.SHA, p.DatabaseID, p.DataSourceID, p.DataSourceName, p.NotionVersion, p.GeneratedAt.UTC().Format("2006-01-02T15:04:05.000Z07:00"), p.DryRun, p.Summary, changes})
}

// MarshalJSON writes nil Properties as {} and nil Warnings as [].
func (c Change) MarshalJSON() ([]byte, error) {
	type fields Change // the same fields and tags, without this method
	if c.Properties == nil {
		c.Properties = map[string]Diff{}
	}
	if c.Warnings == nil {
		c.Warnings = []string{}
	}
	return marshalNoHTML(fields(c))
}

// marshalNoHTML is json.Marshal without escaping <, > and &, which manifest text has and
// which only matter for JSON embedded in HTML.
func marshalNoHTML(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}), nil
}

// EncodeJSON is v as an indented JSON document with a final newline, leaving <, >
// and & (common in manifest text) unescaped: the form of every JSON file and
// --json output the tool writes.
func EncodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WritePlan writes p to path as indented JSON, creating the directory when missing. It
// writes a temporary file next to path and renames it over path, so a reader (or a crash)
// sees either the old plan or the new one, never half of one.
func WritePlan(path string, p Plan) error { return WritePlanIn(filepath.Dir(path), path, p) }

// WritePlanIn is WritePlan inside root: no part of path below root may be a
// symbolic link (see WriteArtifactIn).
func WritePlanIn(root, path string, p Plan) error {
	data, err := EncodeJSON(p)
	if err != nil {
		return fmt.Errorf("write plan %s: %w", path, err)
	}
	if err := WriteArtifactIn(root, path, data); err != nil {
		return fmt.Errorf("write plan %s: %w", path, err)
	}
	return nil
}

// WriteArtifact is WriteArtifactIn with path's own folder as root: it refuses
// an artifact that is a symbolic link, not a link in the folders above it.
func WriteArtifact(path string, data []byte) error {
	return WriteArtifactIn(filepath.Dir(path), path, data)
}

// WriteArtifactIn writes data to path, inside root, creating its folders,
// through a temporary file renamed over it, so a reader, or a crash, sees the
// old file or the new one, never half of one. Every artifact the tool writes
// for people and jobs goes through it. It refuses (safefile.ErrNotPlain) a path
// that is, or lies below, a symbolic link under root: a committed link must
// not send the plan or an audit elsewhere.
func WriteArtifactIn(root, path string, data []byte) error {
	return safefile.WriteFile(root, path, data, 0o644)
}

// ReadPlan reads a plan written by WritePlan.
func ReadPlan(path string) (Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Plan{}, fmt.Errorf("read plan: %w", err)
	}
	var p Plan
	if err := json.Unmarshal(data, &p); err != nil {
		return Plan{}, fmt.Errorf("read plan %s: %w", path, err)
	}
	return p, nil
}
