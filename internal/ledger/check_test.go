package ledger

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCheck writes a valid ledger, then breaks one line at a time; Check must
// name that line and say what is wrong, in shape or in chain.
func TestCheck(t *testing.T) {
	t.Parallel()
	good := []Record{
		{RunID: "r1", Module: "a", Path: "a/m.json", Action: "create", Status: StatusIntent},
		{RunID: "r1", Module: "a", Path: "a/m.json", PageID: "p1", Action: "create", Status: StatusOK},
		{RunID: "r1", Module: "b", PageID: "p2", Action: "update", Status: StatusError, Error: "502"},
		{RunID: "r1", Action: "run", Status: StatusOK, Totals: map[string]int{"create": 1, "failed": 1}},
	}
	tests := []struct {
		name string
		line int // 1-based line to replace; 0 keeps the file as written
		edit func(r *Record)
		raw  string // replaces the line as it is, when set
		want string // "" for a valid ledger
	}{
		{name: "valid"},
		{name: "unknown action", line: 2, edit: func(r *Record) { r.Action = "delete" }, want: `line 2: action "delete" is not one of create, update, archive, restore, run`},
		{name: "unknown status", line: 3, edit: func(r *Record) { r.Status = "maybe" }, want: `line 3: status "maybe" is not one of ok, error, intent`},
		{name: "ok create without page", line: 2, edit: func(r *Record) { r.PageID = "" }, want: "line 2: a successful create without a page id"},
		{name: "intent with a page", line: 1, edit: func(r *Record) { r.PageID = "p9" }, want: "line 1: an intent record has a page id; it is written before the page exists"},
		{name: "intent on update", line: 3, edit: func(r *Record) { r.Status, r.Error = StatusIntent, "" }, want: "line 3: status intent on a update record; only a create has an intent"},
		{name: "error without message", line: 3, edit: func(r *Record) { r.Error = "" }, want: "line 3: status error without an error message"},
		{name: "unknown key", line: 4, raw: `{"timestamp":"2025-10-05T12:34:56.789Z","action":"run","status":"ok","prev":"PREV","extra":1}`, want: `line 4: not a ledger record: json: unknown field "extra"`},
		{name: "run record naming its version and data source", line: 4, edit: func(r *Record) {
			r.NotionVersion, r.DataSourceID = "2025-09-03", "3b5f8a1c-0000-4000-8000-000000000001"
		}},
		{name: "version on a write record", line: 2, edit: func(r *Record) { r.NotionVersion = "2025-09-03" },
			want: "line 2: notion_version or data_source_id on a create record; only the run record names them"},
		{name: "no timestamp", line: 4, raw: `{"action":"run","status":"ok","prev":"PREV"}`, want: "line 4: no timestamp"},
		{name: "chain broken", line: 3, raw: `{"timestamp":"2025-10-05T12:34:56.789Z","action":"run","status":"ok","prev":"0000"}`, want: `line 3: prev "0000" does not match line 2`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "l.jsonl")
			w := openAt(t, path, t0)
			appendAll(t, w, good...)
			closeW(t, w)
			lines := fileLines(t, path)
			var out []string
			for i, l := range lines {
				s := string(l)
				if i+1 == tt.line {
					prev := ""
					if i > 0 {
						prev = hashLine([]byte(out[i-1]))
					}
					switch {
					case tt.raw != "":
						s = strings.Replace(tt.raw, "PREV", prev, 1)
					default:
						r := good[i]
						r.Timestamp, r.Prev = t0, prev
						tt.edit(&r)
						b, err := encodeLine(r)
						if err != nil {
							t.Fatal(err)
						}
						s = strings.TrimSuffix(string(b), "\n")
					}
				}
				out = append(out, s)
			}
			// Rebuild the chain after the edited line, so only the edit is wrong.
			for i := tt.line; tt.line > 0 && i < len(out) && tt.name != "chain broken"; i++ {
				var r Record
				if err := json.Unmarshal([]byte(out[i]), &r); err != nil {
					t.Fatal(err)
				}
				r.Prev = hashLine([]byte(out[i-1]))
				b, _ := encodeLine(r)
				out[i] = strings.TrimSuffix(string(b), "\n")
			}
			if err := os.WriteFile(path, []byte(strings.Join(out, "\n")+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			err = Check(f)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if tt.want == "" && got != "" || tt.want != "" && !strings.HasPrefix(got, tt.want) {
				t.Errorf("Check() = %q, want %q", got, tt.want)
			}
			var se *ShapeError
			var ce *ChainError
			if tt.want != "" && !errors.As(err, &se) && !errors.As(err, &ce) {
				t.Errorf("Check() = %T, want *ShapeError or *ChainError", err)
			}
		})
	}
}

// TestPendingCreates: an intent answered by its create is not pending; one
// left alone (the process died) is, even when the module is created again
// by a later run.
func TestPendingCreates(t *testing.T) {
	t.Parallel()
	recs := []Record{
		{RunID: "r1", Module: "a", Path: "a/m.json", Action: "create", Status: StatusIntent},
		{RunID: "r1", Module: "a", Path: "a/m.json", PageID: "p1", Action: "create", Status: StatusOK},
		{RunID: "r1", Module: "b", Path: "b/m.json", Action: "create", Status: StatusIntent},
		{RunID: "r1", Module: "c", Path: "c/m.json", Action: "create", Status: StatusIntent},
		{RunID: "r1", Module: "c", Path: "c/m.json", Action: "create", Status: StatusError, Error: "502"},
		{RunID: "r2", Module: "b", Path: "b/m.json", Action: "create", Status: StatusIntent},
		{RunID: "r2", Module: "b", Path: "b/m.json", PageID: "p2", Action: "create", Status: StatusOK},
	}
	if diff := cmp.Diff([]int{2}, PendingCreates(recs)); diff != "" {
		t.Errorf("PendingCreates() (-want +got):\n%s", diff)
	}
}
