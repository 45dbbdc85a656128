package ledger

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
)

// Statuses a record may have.
const (
	StatusOK    = "ok"
	StatusError = "error"
	// StatusIntent marks a create record written before the create is sent,
	// with no page id. The create's own record (ok or error, same run_id,
	// module and path) follows it; an intent left without one means the run
	// died while the create was in flight, and the page may exist: see
	// PendingCreates.
	StatusIntent = "intent"
)

// Actions a record may have.
var actions = []string{"create", "update", "archive", "restore", "run"}

// ShapeError reports the first line whose record is not one the tool writes.
type ShapeError struct {
	Line int    // 1-based
	Msg  string // what is wrong with it
}

func (e *ShapeError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// Check reads a whole ledger from r and reports the first line that is wrong:
// the hash chain (a *ChainError, as Verify) and the shape of every record (a
// *ShapeError): known keys only, a timestamp, a known action and status, a
// page id on every successful write and none on an intent, an error message
// on every failure, the Notion-Version and data source on run records only
// (ledgers older than them have neither, and stay valid). Torn lines (a crash mid-write) are allowed, as Read skips
// them. It backs `notion-sync ledger verify`; restore uses Verify, which
// checks the chain alone, so that it can still read ledgers written by hand
// in tests and by older versions.
func Check(r io.Reader) error {
	prev := ""
	prevLine := 0
	return scan(r, func(n int, line []byte, rec *Record) error {
		if rec != nil {
			if rec.Prev != prev {
				return &ChainError{Line: n, PrevLine: prevLine, Want: prev, Got: rec.Prev}
			}
			if msg := shape(line, rec); msg != "" {
				return &ShapeError{Line: n, Msg: msg}
			}
		}
		prev = hashLine(line)
		prevLine = n
		return nil
	})
}

// shape returns what is wrong with the record on line, or "".
func shape(line []byte, r *Record) string {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	var strict Record
	if err := dec.Decode(&strict); err != nil {
		return fmt.Sprintf("not a ledger record: %v", err)
	}
	write := r.Action != "run"
	switch {
	case r.Timestamp.IsZero():
		return "no timestamp"
	case !slices.Contains(actions, r.Action):
		return fmt.Sprintf("action %q is not one of create, update, archive, restore, run", r.Action)
	case r.Status != StatusOK && r.Status != StatusError && r.Status != StatusIntent:
		return fmt.Sprintf("status %q is not one of ok, error, intent", r.Status)
	case r.Status == StatusIntent && r.Action != "create":
		return fmt.Sprintf("status intent on a %s record; only a create has an intent", r.Action)
	case r.Status == StatusIntent && r.PageID != "":
		return "an intent record has a page id; it is written before the page exists"
	case write && r.Status == StatusOK && r.PageID == "":
		return fmt.Sprintf("a successful %s without a page id", r.Action)
	case r.Status == StatusError && r.Error == "":
		return "status error without an error message"
	case write && (r.NotionVersion != "" || r.DataSourceID != ""):
		return fmt.Sprintf("notion_version or data_source_id on a %s record; only the run record names them", r.Action)
	}
	return ""
}

// PendingCreates returns the indexes in recs of the create intents that no
// later create record of the same run, module and path answers: creates the
// run may have sent, and Notion may have stored, before the process died.
// Restore looks their pages up by key.
func PendingCreates(recs []Record) []int {
	type key struct{ run, module, path string }
	open := map[key][]int{}
	for i, r := range recs {
		if r.Action != "create" {
			continue
		}
		k := key{r.RunID, r.Module, r.Path}
		switch r.Status {
		case StatusIntent:
			open[k] = append(open[k], i)
		default:
			if len(open[k]) > 0 {
				open[k] = open[k][1:]
			}
		}
	}
	var out []int
	for _, idx := range open {
		out = append(out, idx...)
	}
	slices.Sort(out)
	return out
}
