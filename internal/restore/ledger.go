package restore

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lukhas/notion-sync-action/internal/ledger"
)

// Read reads one ledger after checking its hash chain: restore writes what the
// ledger says to Notion, so a ledger edited after the fact is refused (an
// *InputError) unless the user has looked at it and says force, which turns the
// refusal into the warning returned.
func Read(path string, force bool) ([]ledger.Record, []string, error) {
	var warnings []string
	if err := ledger.Verify(path); err != nil {
		var chain *ledger.ChainError
		if !errors.As(err, &chain) {
			return nil, nil, &InputError{fmt.Errorf("cannot use the ledger: %w", err)}
		}
		joined := ""
		if chain.Line > 1 && chain.Got == "" {
			joined = fmt.Sprintf(". Line %d starts a ledger of its own (its prev is empty): this file looks like several ledgers joined together (cat run1 run2); pass each file with its own --ledger instead", chain.Line)
		}
		if !force {
			return nil, nil, inputf("refusing to restore: the ledger's hash chain is broken at line %d of %s, so a line was edited, removed or inserted after it was written (%v)%s. Check the file, then rerun with --force to restore from it anyway", chain.Line, path, err, joined)
		}
		warnings = append(warnings, fmt.Sprintf("the ledger's hash chain is broken at line %d of %s; restoring from it anyway (--force)", chain.Line, path))
	}
	recs, err := ledger.Read(path)
	if err != nil {
		return nil, nil, &InputError{fmt.Errorf("cannot use the ledger: %w", err)}
	}
	return recs, warnings, nil
}

// Merge merges the records of several ledgers by time. In CI each run writes a
// fresh ledger (its first line chains to nothing), so the history since a good
// sync is spread over the ledger artifacts of several runs. The files are merged
// keeping each file's own order (a stable merge on the timestamp, so a clock that
// stepped back within one file cannot reorder it), and a record found in several
// files (a ledger copied into the next run's) counts once. A single file is
// returned as it is.
func Merge(files [][]ledger.Record) []ledger.Record {
	if len(files) == 1 {
		return files[0]
	}
	type key struct {
		ts                                          time.Time
		runID, action, pageID, module, status, prev string
	}
	seen := map[key]bool{}
	var out []ledger.Record
	next := make([]int, len(files))
	for {
		pick := -1
		for i, recs := range files {
			if next[i] < len(recs) && (pick < 0 || recs[next[i]].Timestamp.Before(files[pick][next[pick]].Timestamp)) {
				pick = i
			}
		}
		if pick < 0 {
			return out
		}
		r := files[pick][next[pick]]
		next[pick]++
		k := key{r.Timestamp.UTC(), r.RunID, r.Action, r.PageID, r.Module, r.Status, r.Prev}
		if !seen[k] {
			seen[k] = true
			out = append(out, r)
		}
	}
}

// Cutoff is the ledger record restore goes back to: every sync write after it is
// undone. The zero value is not a cutoff; FindCutoff makes one.
type Cutoff struct {
	// SHA is the commit of the sync gone back to, as the ledger records it.
	SHA string
	// Index is the position of Record in the records searched.
	Index int
	// Record is that sync's run record, or its last record when the run never
	// wrote one.
	Record ledger.Record
}

// ByRestore reports, record by record, which ones a restore wrote rather than a
// sync, so that neither a restore's own writes nor its run record pass for a
// sync's (health's "last sync" must skip them too): its "restore" records, and its "run" record. A restore's run record is
// known by the "-restore" suffix of its run id, or, in ledgers written before
// restores had run ids of their own (when a sync and a restore in one Actions run
// shared one), by coming right after the restore's records. Records are
// classified one by one, never by run id alone, so a sync in the same run as a
// restore stays a sync.
func ByRestore(recs []ledger.Record) []bool {
	out := make([]bool, len(recs))
	last := map[string]string{} // run id → the action of its latest record so far
	for i, r := range recs {
		switch r.Action {
		case "restore":
			out[i] = true
		case "run":
			out[i] = strings.HasSuffix(r.RunID, RunSuffix) || last[r.RunID] == "restore"
		}
		last[r.RunID] = r.Action
	}
	return out
}

// FindCutoff finds the last sync run recorded with the sha asked for (or, for a
// run that never wrote its run record, the last of its records). want may be a
// full sha, a unique prefix of one (4+ characters), or, through resolve (nil: no
// git), a git revision. path names the ledgers in the messages. A sha that is
// unknown or ambiguous is an *InputError naming the shas the ledgers know.
func FindCutoff(recs []ledger.Record, want string, resolve func(string) (string, bool), path string) (Cutoff, error) {
	restored := ByRestore(recs)
	isSync := func(i int) bool { return !restored[i] && recs[i].SHA != "" }
	var known []string // newest first
	when := map[string]time.Time{}
	for i := len(recs) - 1; i >= 0; i-- {
		r := recs[i]
		if _, seen := when[r.SHA]; isSync(i) && !seen {
			known = append(known, r.SHA)
			when[r.SHA] = r.Timestamp
		}
	}
	sha := ""
	var prefixed []string
	for _, k := range known {
		if strings.EqualFold(k, want) {
			sha = k
			break
		}
		if len(want) >= 4 && len(want) < len(k) && strings.HasPrefix(strings.ToLower(k), strings.ToLower(want)) {
			prefixed = append(prefixed, k)
		}
	}
	if sha == "" && len(prefixed) > 1 {
		return Cutoff{}, inputf("--sha %s is ambiguous: it is the start of %s; give more characters", want, strings.Join(prefixed, ", "))
	}
	if sha == "" && len(prefixed) == 1 {
		sha = prefixed[0]
	}
	if sha == "" && resolve != nil {
		if full, ok := resolve(want); ok {
			for _, k := range known {
				if strings.EqualFold(k, full) {
					sha = k
				}
			}
		}
	}
	if sha == "" {
		return Cutoff{}, unknownSHA(known, when, want, path)
	}
	last := -1
	for i, r := range recs {
		if isSync(i) && r.SHA == sha && (r.Action == "run" || last < 0 || recs[last].Action != "run") {
			last = i
		}
	}
	return Cutoff{SHA: sha, Index: last, Record: recs[last]}, nil
}

// unknownSHA names the shas the ledger does know, newest first, with the time
// of their last record, so the user can pick one without reaching for jq.
func unknownSHA(known []string, when map[string]time.Time, want, path string) error {
	const ci = "\n(In CI every run writes a ledger of its own: pass the ledger artifact of the good run and of every run after it, one --ledger each.)"
	if len(known) == 0 {
		return inputf("no sync in %s has sha %s: the ledger records no commit shas (syncs outside git without GITHUB_SHA)%s", path, want, ci)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "no sync in %s has sha %s. The latest shas it records, newest first:", path, want)
	for i, k := range known {
		if i == 5 {
			fmt.Fprintf(&b, "\n  ... and %d older", len(known)-5)
			break
		}
		fmt.Fprintf(&b, "\n  %s  %s", k, when[k].UTC().Format(time.RFC3339))
	}
	b.WriteString(ci)
	return &InputError{errors.New(b.String())}
}
