// Package restore undoes the syncs a ledger recorded after a good one: the
// runbook's emergency rollback (§4.1).
//
// It finds the sync to go back to in one ledger or in several merged by time,
// collapses every write made since into one undo per page, reads each page to
// work out the writes that bring it back (skipping, with a warning, what the
// schema or a person changed since), makes and records those writes, and
// renders the outcome as text or JSON. It exists so that this behaviour lives,
// and is tested, on its own: internal/app only parses the flags, opens the
// ledgers, connects to Notion, calls this package and turns the result into an
// exit code.
package restore

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/lukhas/notion-sync-action/internal/report"
)

// RunSuffix ends the run id of a restore's records. A sync and a restore in one
// Actions run share GITHUB_RUN_ID and its attempt; the suffix keeps the
// restore's run record from being read as the sync's.
const RunSuffix = "-restore"

// archivedKey stands for the page's trash flag in the before/after of a restore
// record, since it is not a property. The "$" marks it as not a column name, as
// the config's specials ($path, $sha) are.
const archivedKey = "$archived"

// InputError is a refusal caused by what the user gave: a sha the ledgers do not
// know or that is ambiguous, or a ledger that cannot be used as it is. Nothing
// was written; the command line or the file must change, so callers report it
// as bad usage rather than as a failure. Find it with errors.As.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

func inputf(format string, a ...any) error { return &InputError{fmt.Errorf(format, a...)} }

// oneLine is an error on one line of output, control characters removed.
func oneLine(err error) string { return oneLineText(err.Error()) }

func oneLineText(s string) string { return report.Sanitize(strings.ReplaceAll(s, "\n", " ")) }

// cutShown cuts s to limit characters, ending with "…" when it cut.
func cutShown(s string, limit int) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	r := []rune(s)
	return string(r[:limit-1]) + "…"
}
