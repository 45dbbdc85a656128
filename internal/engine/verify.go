package engine

import (
	"context"
	"maps"
	"time"

	"github.com/lukhas/notion-sync-action/internal/property"
	"github.com/lukhas/notion-sync-action/internal/report"
)

// Verify compares Notion with the manifests (every one when module is "", else
// the one with that key) and returns the verdict. It is a dry-run sync with no
// plan file, read as a verdict, so that verify compares exactly as the sync does
// and never writes.
func Verify(ctx context.Context, s Settings, module string) (report.Verdict, error) {
	if s.Token == "" {
		// Without a token a dry run plans from the manifests alone; verify must read Notion.
		return report.Verdict{}, ErrNoToken
	}
	s.Plan = ""
	res, err := Sync(ctx, s, SyncRequest{All: module == "", Module: module, DryRun: true})
	if err != nil {
		return report.Verdict{}, err
	}
	v := verdict(res.Plan)
	if module != "" && v.Summary.Mismatches() == 0 {
		// The values shown for a match are the manifest's, which Notion holds too.
		w, err := Open(s, time.Now().UTC())
		if err != nil {
			return report.Verdict{}, err
		}
		v.Values = summaryValues(w, module)
	}
	return v, nil
}

// verdict turns a dry-run plan into verify's rows: a noop is a match, an update
// is drift, a create is a missing page, an archive is an extra page.
func verdict(p report.Plan) report.Verdict {
	v := report.Verdict{Status: report.VerifyMatch, DatabaseID: p.DatabaseID, SHA: p.SHA, Results: []report.VerifyRow{}}
	for _, c := range p.Changes {
		row := report.VerifyRow{Module: c.Module, Path: c.Path, PageID: c.PageID, Properties: map[string]report.Diff{},
			Warnings: append([]string{}, c.Warnings...), Error: c.Error}
		row.Result = verifyResult(c.Action)
		switch row.Result {
		case report.VerifyDrift:
			maps.Copy(row.Properties, c.Properties)
		case report.VerifyError:
			if row.Error == "" {
				row.Error = "cannot be compared: plan action " + string(c.Action)
			}
		}
		v.Summary.Add(row.Result)
		v.Results = append(v.Results, row)
	}
	v.Summary.Modules = v.Summary.Match + v.Summary.Drift + v.Summary.Missing + v.Summary.Error
	if v.Summary.Mismatches() > 0 {
		v.Status = "mismatch"
	}
	return v
}

// verifyResult is verify's result for a plan action. An error, and any action
// this version does not know, is an error: never a match.
func verifyResult(action report.Action) string {
	switch action {
	case report.ActionNoop:
		return report.VerifyMatch
	case report.ActionUpdate:
		return report.VerifyDrift
	case report.ActionCreate:
		return report.VerifyMissing
	case report.ActionArchive:
		return report.VerifyExtra
	case report.ActionDuplicate:
		return report.VerifyDuplicate
	case report.ActionOrphan:
		return report.VerifyOrphan
	}
	return report.VerifyError
}

// summaryValues are one module's select, status and number values, in config
// order, leaving out the empty ones: the 📋 line ("Lane: L2 | Status: Active |
// MQI: 92.3").
func summaryValues(w *Workspace, key string) []report.Field {
	for _, m := range w.Modules {
		if m.Key != key {
			continue
		}
		var out []report.Field
		for _, p := range w.Config.Properties {
			v, ok := m.Props[p.Name]
			if !ok || v.IsEmpty() || (p.Type != property.Select && p.Type != property.Status && p.Type != property.Number) {
				continue
			}
			out = append(out, report.Field{Name: p.Name, Value: v.String()})
		}
		return out
	}
	return nil
}
