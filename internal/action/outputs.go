package action

import (
	"strconv"

	"github.com/lukhas/notion-sync-action/internal/report"
)

// Outputs are the outputs action.yml declares, in the order they are written.
// A run writes each of them, "" when it has no value.
func Outputs() []string {
	return []string{"created", "updated", "archived", "unchanged", "failed", "has-changes", "plan-path", "ledger-path",
		"comment-url", "artifact-id", "artifact-url", "artifact-files", "discrepancies"}
}

// SyncOutputs are the outputs a sync's summary gives: its counts, and
// has-changes when it created, updated or archived a page.
func SyncOutputs(s report.Summary) map[string]string {
	return map[string]string{
		"created":     strconv.Itoa(s.Create),
		"updated":     strconv.Itoa(s.Update),
		"archived":    strconv.Itoa(s.Archive),
		"unchanged":   strconv.Itoa(s.Noop),
		"failed":      strconv.Itoa(s.Error),
		"has-changes": strconv.FormatBool(s.Create+s.Update+s.Archive > 0),
	}
}
