package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5"

	"github.com/lukhas/notion-sync-action/internal/gitdiff"
	"github.com/lukhas/notion-sync-action/internal/ledger"
	"github.com/lukhas/notion-sync-action/internal/notion"
	"github.com/lukhas/notion-sync-action/internal/property"
	"github.com/lukhas/notion-sync-action/internal/report"
)

// defaultLedger is where sync writes its ledger unless told otherwise.
const defaultLedger = "artifacts/notion_sync_ledger.jsonl"

// restoreRunSuffix ends the run id of a restore's records. A sync and a restore in
// one Actions run share GITHUB_RUN_ID and its attempt; the suffix keeps the
// restore's run record from being read as the sync's.
const restoreRunSuffix = "-restore"

// restoreFlags are the flags of `notion-sync restore`, the runbook's emergency
// rollback (§4.1): undo every write the ledger recorded after a good sync.
type restoreFlags struct {
	client  clientFlags
	repo    string
	ledgers pathList
	sha     string
	confirm bool
	force   bool
	json    bool
}

// out is the ledger restore appends its own records to: the last one given (the
// docs say to give the newest run's last), which is also the one it locks.
func (f restoreFlags) out() string { return f.ledgers[len(f.ledgers)-1] }

// pathList is a flag that may be given several times.
type pathList []string

func (p *pathList) String() string { return strings.Join(*p, ", ") }

func (p *pathList) Set(v string) error {
	if v == "" {
		return errors.New("empty path")
	}
	*p = append(*p, v)
	return nil
}

func runRestore(ctx context.Context, e *env, args []string) error {
	var f restoreFlags
	flags := newFlagSet(e, "restore", "restore --sha S [--ledger F]... [--confirm] [flags]")
	f.client.register(flags)
	flags.StringVar(&f.repo, "repo", ".", "git repository used to resolve --sha when it is a revision (HEAD~2, a tag, a short sha)")
	flags.Var(&f.ledgers, "ledger", "the ledger the syncs wrote (default "+defaultLedger+"); give it once per file to read several, such as the ledger artifacts of several CI runs: their records are merged by time, and restore appends its own to the last one")
	flags.StringVar(&f.sha, "sha", "", "the commit whose sync to go back to: a sha the ledger records, a unique prefix of one, or a git revision")
	flags.BoolVar(&f.confirm, "confirm", false, "write the undo to Notion; without it restore only prints what it would write")
	flags.BoolVar(&f.force, "force", false, "restore even though a ledger's hash chain does not verify")
	flags.BoolVar(&f.json, "json", false, "print the result as JSON")
	if err := parseFlags(flags, secondsArgs(args, "backoff")); err != nil {
		return err
	}
	if len(f.ledgers) == 0 {
		f.ledgers = pathList{defaultLedger}
	}
	if f.sha == "" {
		return usagef("--sha is required: the commit whose sync to go back to; list the recent ones with: tail -10 %s | jq -r '.timestamp, .sha'", f.out())
	}
	start := time.Now()
	for _, p := range f.ledgers {
		if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
			return usagef("no ledger at %s: pass --ledger with the file the syncs wrote (in CI, the ledger artifact of each run since the good one, one --ledger each)", p)
		}
	}
	if f.confirm {
		// The same lock as sync: a hook's background sync must not write between
		// reading the pages and writing them back.
		unlock, err := lockRun(f.out()+".lock", e.log)
		if err != nil {
			return err
		}
		defer unlock()
	}
	recs, warnings, err := readLedgers(f.ledgers, f.force)
	if err != nil {
		return err
	}
	cut, err := findCutoff(recs, f.sha, gitResolver(f.repo), f.ledgers.String())
	if err != nil {
		return err
	}
	undo, unknown := undoPlan(recs[cut.index+1:])
	warnings = append(warnings, unknown...)
	warnings = append(warnings, laterRestores(recs[cut.index+1:], cut.sha)...)
	res := restoreResult{cut: cut, confirm: f.confirm, warnings: warnings}
	if len(undo) > 0 {
		if err := e.restorePages(ctx, f, &res, undo, start); err != nil {
			return err
		}
	}
	res.next = verifyNext(f.repo, cut.sha, f.client.databaseID)
	if f.json {
		err = writeRestoreJSON(e.stdout, res)
	} else {
		err = writeRestoreText(e.stdout, res, f.ledgers.String())
	}
	if err != nil {
		return fmt.Errorf("print result: %w", err)
	}
	if res.ledgerErr != nil {
		// Printed above with what was done; the exit code says it is fatal.
		return fmt.Errorf("restore stopped: %w", res.ledgerErr)
	}
	if res.failed() > 0 && f.confirm {
		return errProblems
	}
	return nil
}

// restorePages reads every page the undo touches, works out the writes that
// bring it back, and with --confirm makes and records them. A ledger failure
// while writing is kept on res (so what was written is still printed); only a
// failure before any write is returned.
func (e *env) restorePages(ctx context.Context, f restoreFlags, res *restoreResult, undo []*pageUndo, start time.Time) error {
	db, closer, err := e.connect(f.client)
	if err != nil {
		return err
	}
	defer closer.Close()
	schema, err := db.c.Database(ctx, db.id)
	if err != nil {
		return fmt.Errorf("read database %s: %w%s", db.id, err, databaseFix(err))
	}
	types := map[string]property.Type{}
	for name, p := range schema.Properties {
		types[name] = property.Type(p.Type)
	}
	res.steps = make([]*undoStep, len(undo))
	each(ctx, len(undo), f.client.concurrency, func(i int) {
		res.steps[i] = prepareUndo(ctx, db, types, undo[i])
	})
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("read pages: %w", context.Cause(ctx))
	}
	if !f.confirm || res.writes() == 0 {
		return nil
	}
	lw, err := ledger.Open(f.out())
	if err != nil {
		return fmt.Errorf("open ledger: %w", err)
	}
	defer lw.Close()
	rec := restoreRecorder{w: lw, runID: runID(e.getenv) + restoreRunSuffix, sha: res.cut.sha}
	ledgerErr := applySteps(ctx, db, rec, res.steps, f.client.concurrency)
	totals := map[string]int{}
	status := "ok"
	for _, s := range res.steps {
		for _, w := range s.done {
			totals[w]++
		}
		if s.failure() != nil {
			totals["failed"]++
			status = "error"
		}
	}
	run := ledger.Record{RunID: rec.runID, SHA: rec.sha, Action: "run", Status: status,
		Totals: totals, DurationMS: time.Since(start).Milliseconds()}
	if ledgerErr != nil {
		run.Status, run.Error = "error", ledgerErr.Error()
	}
	if err := lw.Append(run); err != nil && ledgerErr == nil {
		ledgerErr = fmt.Errorf("write ledger run record: %w", err)
	}
	res.ledgerErr = ledgerErr
	return nil
}

// applySteps makes the writes of every step on up to workers goroutines. The
// first ledger failure stops the run, as reconcile.Apply does for a sync: a write
// that cannot be recorded cannot be undone, so no worker starts another one. The
// steps not written then fail with "not attempted", and the ledger error is
// returned.
func applySteps(ctx context.Context, db *database, rec restoreRecorder, steps []*undoStep, workers int) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		mu    sync.Mutex
		first error // the first record that could not be written
	)
	each(ctx, len(steps), workers, func(i int) {
		if err := applyUndo(ctx, db, rec, steps[i]); err != nil {
			mu.Lock()
			if first == nil {
				first = err
			}
			mu.Unlock()
			cancel(err)
		}
	})
	for _, s := range steps {
		if w := s.writes(); s.writeErr == nil && len(s.done) < len(w) {
			s.writeErr = fmt.Errorf("%s not attempted: %w", w[len(s.done)], context.Cause(ctx))
		}
	}
	return first
}

// each calls fn for 0..n-1 on up to workers goroutines and returns when all are
// done; once ctx is cancelled, the indexes not started yet are skipped.
func each(ctx context.Context, n, workers int, fn func(i int)) {
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range max(1, min(workers, n)) {
		wg.Go(func() {
			for i := range jobs {
				fn(i)
			}
		})
	}
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
}

// readLedgers reads every ledger given and merges their records by time. In CI
// each run writes a fresh ledger (its first line chains to nothing), so the
// history since a good sync is spread over the ledger artifacts of several runs:
// each file's chain is checked on its own, and the files are merged keeping each
// file's own order (a stable merge on the timestamp, so a clock that stepped back
// within one file cannot reorder it). A record found in several files (a ledger
// copied into the next run's) counts once.
func readLedgers(paths []string, force bool) ([]ledger.Record, []string, error) {
	var (
		files    [][]ledger.Record
		warnings []string
	)
	for _, p := range paths {
		recs, warn, err := readLedger(p, force)
		if err != nil {
			return nil, nil, err
		}
		files = append(files, recs)
		warnings = append(warnings, warn...)
	}
	if len(files) == 1 {
		return files[0], warnings, nil
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
			return out, warnings, nil
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

// readLedger reads one ledger after checking its hash chain: restore writes what
// the ledger says to Notion, so a ledger edited after the fact is refused unless
// the user has looked at it and says --force.
func readLedger(path string, force bool) ([]ledger.Record, []string, error) {
	var warnings []string
	if err := ledger.Verify(path); err != nil {
		var chain *ledger.ChainError
		if !errors.As(err, &chain) {
			return nil, nil, usageError{fmt.Errorf("cannot use the ledger: %w", err)}
		}
		joined := ""
		if chain.Line > 1 && chain.Got == "" {
			joined = fmt.Sprintf(". Line %d starts a ledger of its own (its prev is empty): this file looks like several ledgers joined together (cat run1 run2); pass each file with its own --ledger instead", chain.Line)
		}
		if !force {
			return nil, nil, usagef("refusing to restore: the ledger's hash chain is broken at line %d of %s, so a line was edited, removed or inserted after it was written (%v)%s. Check the file, then rerun with --force to restore from it anyway", chain.Line, path, err, joined)
		}
		warnings = append(warnings, fmt.Sprintf("the ledger's hash chain is broken at line %d of %s; restoring from it anyway (--force)", chain.Line, path))
	}
	recs, err := ledger.Read(path)
	if err != nil {
		return nil, nil, usageError{fmt.Errorf("cannot use the ledger: %w", err)}
	}
	return recs, warnings, nil
}

// cutoff is the ledger record restore goes back to: every write after it is undone.
type cutoff struct {
	sha    string
	index  int
	record ledger.Record
}

// byRestore reports, record by record, which ones a restore wrote rather than a
// sync: its "restore" records, and its "run" record. A restore's run record is
// known by the "-restore" suffix of its run id, or, in ledgers written before
// restores had run ids of their own (when a sync and a restore in one Actions run
// shared one), by coming right after the restore's records. Records are
// classified one by one, never by run id alone, so a sync in the same run as a
// restore stays a sync.
func byRestore(recs []ledger.Record) []bool {
	out := make([]bool, len(recs))
	last := map[string]string{} // run id → the action of its latest record so far
	for i, r := range recs {
		switch r.Action {
		case "restore":
			out[i] = true
		case "run":
			out[i] = strings.HasSuffix(r.RunID, restoreRunSuffix) || last[r.RunID] == "restore"
		}
		last[r.RunID] = r.Action
	}
	return out
}

// findCutoff finds the last sync run recorded with the sha asked for (or, for a
// run that never wrote its run record, the last of its records). want may be a
// full sha, a unique prefix of one (4+ characters), or, through resolve, a git
// revision.
func findCutoff(recs []ledger.Record, want string, resolve func(string) (string, bool), path string) (cutoff, error) {
	restored := byRestore(recs)
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
		return cutoff{}, usagef("--sha %s is ambiguous: it is the start of %s; give more characters", want, strings.Join(prefixed, ", "))
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
		return cutoff{}, unknownSHA(known, when, want, path)
	}
	last := -1
	for i, r := range recs {
		if isSync(i) && r.SHA == sha && (r.Action == "run" || last < 0 || recs[last].Action != "run") {
			last = i
		}
	}
	return cutoff{sha: sha, index: last, record: recs[last]}, nil
}

// unknownSHA names the shas the ledger does know, newest first, with the time
// of their last record, so the user can pick one without reaching for jq.
func unknownSHA(known []string, when map[string]time.Time, want, path string) error {
	const ci = "\n(In CI every run writes a ledger of its own: pass the ledger artifact of the good run and of every run after it, one --ledger each.)"
	if len(known) == 0 {
		return usagef("no sync in %s has sha %s: the ledger records no commit shas (syncs outside git without GITHUB_SHA)%s", path, want, ci)
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
	return usageError{errors.New(b.String())}
}

// gitResolver resolves a git revision in the repository at dir, when there is one.
func gitResolver(dir string) func(string) (string, bool) {
	return func(rev string) (string, bool) {
		repo, err := gitdiff.Open(dir)
		if err != nil {
			return "", false
		}
		full, err := repo.Resolve(rev)
		return full, err == nil
	}
}

// archivedKey stands for the page's trash flag in the before/after of a restore
// record, since it is not a property. The "$" marks it as not a column name, as
// the config's specials ($path, $sha) are.
const archivedKey = "$archived"

// pageUndo is what the ledger says it takes to undo the writes made to one page
// after the cutoff. Several writes collapse: each property goes back to the value
// it had before its first write, and the page's trash flag to what it was before
// the first create or archive.
type pageUndo struct {
	pageID, module, path string
	newest               int  // index of the page's newest write, to list the newest first
	writes               int  // ledger writes undone
	failed               int  // of which recorded as failed: they may have reached Notion anyway
	created              bool // the page did not exist at the cutoff: archive it
	// unsure: the page is known only from a create recorded as failed, so it is
	// archived only if it still has the module's key.
	unsure   bool
	archived bool // the page was live at the cutoff and a sync archived it
	before   map[string]json.RawMessage
	// after holds every value the writes set on each property, oldest first: a
	// failed write may or may not have set its value.
	after    map[string][]json.RawMessage
	noBefore []string // changed properties with no recorded before-value
}

// undoPlan collapses the sync writes recorded after the cutoff into one pageUndo
// per page, newest first. Writes recorded as failed count too: a write answered
// with a 502 or a timeout may have reached Notion, and restore compares every page
// with its target before writing, so undoing one that did not is a no-op. A
// failed create without a page id cannot be undone: it is returned as a warning.
// A restore's own writes are not undone (that would redo what an earlier restore
// undid).
func undoPlan(after []ledger.Record) ([]*pageUndo, []string) {
	byPage := map[string]*pageUndo{}
	var (
		out      []*pageUndo
		warnings []string
	)
	for i, r := range after {
		if r.Action != "create" && r.Action != "update" && r.Action != "archive" {
			continue
		}
		ok := r.Status == "ok"
		if r.PageID == "" {
			if r.Action == "create" && !ok {
				warnings = append(warnings, fmt.Sprintf("the sync's create of %s failed (%s); if Notion stored the page anyway, restore cannot tell which page it is: look in the database for a page with the key %q and archive it by hand",
					orUnknown(r.Module), cutShown(oneLineText(r.Error), 200), r.Module))
			}
			continue
		}
		id := normID(r.PageID)
		u := byPage[id]
		if u == nil {
			u = &pageUndo{pageID: r.PageID, before: map[string]json.RawMessage{}, after: map[string][]json.RawMessage{}}
			byPage[id] = u
			out = append(out, u)
		}
		u.newest = i
		u.writes++
		if !ok {
			u.failed++
		}
		if r.Module != "" {
			u.module = r.Module
		}
		if r.Path != "" {
			u.path = r.Path
		}
		if ok && r.Action != "create" {
			// A successful write to the page proves it exists: a failed create
			// before it stored it after all.
			u.unsure = false
		}
		switch r.Action {
		case "create":
			if u.writes == 1 {
				u.created, u.unsure = true, !ok
			}
		case "archive":
			if !u.created {
				u.archived = true
			}
		case "update":
			for _, name := range slices.Sorted(maps.Keys(r.Before)) {
				if _, seen := u.before[name]; !seen {
					u.before[name] = r.Before[name]
				}
			}
			for _, name := range r.Changed {
				if _, ok := r.Before[name]; !ok && !slices.Contains(u.noBefore, name) {
					u.noBefore = append(u.noBefore, name)
				}
			}
			for _, name := range slices.Sorted(maps.Keys(r.After)) {
				u.after[name] = append(u.after[name], r.After[name])
			}
		}
	}
	slices.SortStableFunc(out, func(a, b *pageUndo) int { return b.newest - a.newest })
	return out, warnings
}

func orUnknown(module string) string {
	if module == "" {
		return "a module"
	}
	return sanitize(module)
}

func oneLineText(s string) string { return sanitize(strings.ReplaceAll(s, "\n", " ")) }

// laterRestores warns about restores to another sha after the cutoff: their
// writes are not undone, so the pages they touched keep what they wrote.
func laterRestores(after []ledger.Record, sha string) []string {
	pages := map[string]map[string]bool{}
	for _, r := range after {
		if r.Action == "restore" && r.Status == "ok" && r.SHA != sha {
			if pages[r.SHA] == nil {
				pages[r.SHA] = map[string]bool{}
			}
			pages[r.SHA][normID(r.PageID)] = true
		}
	}
	var out []string
	for _, other := range slices.Sorted(maps.Keys(pages)) {
		out = append(out, fmt.Sprintf("a restore to sha %s after this sync changed %d pages; restore does not redo it, so those pages keep what it wrote: to go forward, check out %s and run notion-sync sync --all", other, len(pages[other]), shortSHA(sha)))
	}
	return out
}

func normID(id string) string { return strings.ToLower(strings.ReplaceAll(id, "-", "")) }

func shortSHA(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

// undoStep is one page's undo once the page has been read: the writes it needs,
// and after --confirm, what became of them.
type undoStep struct {
	u           *pageUndo
	setArchived *bool                     // trash flag to set; nil leaves it
	props       map[string]property.Value // target values that differ from the page's
	current     map[string]property.Value // the page's values of those properties
	warnings    []string
	err         error    // the page cannot be restored
	done        []string // writes made: archive, unarchive, update
	writeErr    error    // the write that failed
}

func (s *undoStep) failure() error {
	if s.err != nil {
		return s.err
	}
	return s.writeErr
}

// writes lists the writes the step needs, in the order they are made: a page in
// the trash must come out before it can be edited.
func (s *undoStep) writes() []string {
	var out []string
	if s.err != nil {
		return nil
	}
	if s.setArchived != nil && !*s.setArchived {
		out = append(out, "unarchive")
	}
	if len(s.props) > 0 {
		out = append(out, "update")
	}
	if s.setArchived != nil && *s.setArchived {
		out = append(out, "archive")
	}
	return out
}

// titleProperty is the database's title property: the sync's key property (a
// key is always a title, as reconcile.KeyFilter queries it).
func titleProperty(types map[string]property.Type) string {
	for _, name := range slices.Sorted(maps.Keys(types)) {
		if types[name] == property.Title {
			return name
		}
	}
	return ""
}

// prepareUndo reads the page and compares it with the values it should get back.
// Properties are decoded with today's schema; one that is gone or changed type is
// skipped with a warning. A value edited in Notion since the sync is still
// restored (that is what was asked), with a warning.
func prepareUndo(ctx context.Context, db *database, types map[string]property.Type, u *pageUndo) *undoStep {
	s := &undoStep{u: u, props: map[string]property.Value{}, current: map[string]property.Value{}}
	p, err := db.Page(ctx, u.pageID)
	if err != nil {
		if notion.IsNotFound(err) && u.created {
			s.warnings = append(s.warnings, "the page created after this sync is already gone")
			return s
		}
		if notion.IsNotFound(err) {
			s.err = fmt.Errorf("page %s not found (deleted, or no longer shared with the integration): it cannot be restored", u.pageID)
			return s
		}
		s.err = fmt.Errorf("read page: %w", err)
		return s
	}
	if p.Database != "" && normID(p.Database) != normID(db.id) {
		s.err = fmt.Errorf("page %s is in database %s, not in %s (NOTION_DATABASE_ID): left alone", u.pageID, p.Database, db.id)
		return s
	}
	if u.created {
		if u.unsure {
			// Only a failed create names this page: archive it only if it is
			// what that create would have made, a page with the module's key.
			key := titleProperty(types)
			v, ok := p.Props[key]
			if key == "" || u.module == "" || !ok || v.String() != u.module {
				s.warnings = append(s.warnings, fmt.Sprintf("the sync's create of this page was recorded as failed and page %s does not have the key %q: left alone", u.pageID, u.module))
				return s
			}
		}
		if !p.Archived {
			s.setArchived = new(true)
		}
		return s
	}
	if u.archived && p.Archived {
		s.setArchived = new(false)
	}
	for _, name := range slices.Sorted(maps.Keys(u.before)) {
		typ, ok := types[name]
		switch {
		case !ok:
			s.warnings = append(s.warnings, fmt.Sprintf("property %q is no longer in the database: not restored", name))
			continue
		case !typ.Valid():
			s.warnings = append(s.warnings, fmt.Sprintf("property %q is now %s, which restore cannot write: not restored", name, typ))
			continue
		}
		target, err := property.FromPlain(typ, u.before[name])
		if err != nil {
			s.warnings = append(s.warnings, fmt.Sprintf("property %q is now %s and its recorded value does not fit: not restored (%v)", name, typ, err))
			continue
		}
		cur, ok := p.Props[name]
		if !ok || cur.Type != typ {
			cur = property.Value{Type: typ}
		}
		if property.Equal(cur, target) {
			continue
		}
		if wrote, edited := editedSince(typ, cur, u.after[name]); edited {
			s.warnings = append(s.warnings, fmt.Sprintf("%s was changed in Notion after the sync (now %s, the sync wrote %s): restoring %s anyway",
				name, shown(cur), shown(wrote), shown(target)))
		}
		s.props[name] = target
		s.current[name] = cur
	}
	for _, name := range u.noBefore {
		s.warnings = append(s.warnings, fmt.Sprintf("the ledger has no before-value for %q: not restored", name))
	}
	if len(s.props) > 0 && p.Archived && s.setArchived == nil {
		s.err = errors.New("the page is in the Notion trash, but no sync put it there: restore it from the trash first, then run restore again")
	}
	return s
}

// editedSince reports whether cur is none of the values the syncs wrote (so a
// person changed it since), and returns the last value written.
func editedSince(typ property.Type, cur property.Value, written []json.RawMessage) (property.Value, bool) {
	var last property.Value
	found := false
	for _, raw := range written {
		v, err := property.FromPlain(typ, raw)
		if err != nil {
			continue
		}
		if property.Equal(cur, v) {
			return v, false
		}
		last, found = v, true
	}
	return last, found
}

// appender is where restore records go: a *ledger.Writer.
type appender interface {
	Append(r ledger.Record) error
}

// restoreRecorder appends one ledger record per undo write, with the restore's
// run id and the sha restored to, so the chain continues and the next restore
// sees them.
type restoreRecorder struct {
	w     appender
	runID string
	sha   string
}

func (r restoreRecorder) record(s *undoStep, changed []string, before, after map[string]json.RawMessage, err error) error {
	rec := ledger.Record{RunID: r.runID, SHA: r.sha, Module: s.u.module, Path: s.u.path, PageID: s.u.pageID,
		Action: "restore", Status: "ok", Changed: changed, Before: before, After: after}
	if err != nil {
		rec.Status, rec.Error, rec.RequestID = "error", err.Error(), requestID(err)
	}
	if lerr := r.w.Append(rec); lerr != nil {
		return fmt.Errorf("record restore of %s: %w", s.u.pageID, lerr)
	}
	return nil
}

// applyUndo makes the writes of one step. A failed write stops that page (its
// later writes depend on it) and is kept on the step; a ledger failure is kept
// on the step too and returned, because a write that cannot be recorded must
// not go on.
func applyUndo(ctx context.Context, db *database, rec restoreRecorder, s *undoStep) error {
	flag := func(v bool) map[string]json.RawMessage {
		return map[string]json.RawMessage{archivedKey: json.RawMessage(fmt.Sprint(v))}
	}
	for _, w := range s.writes() {
		if err := ctx.Err(); err != nil {
			s.writeErr = fmt.Errorf("%s not attempted: %w", w, context.Cause(ctx))
			return nil
		}
		var err, rerr error
		switch w {
		case "unarchive":
			_, err = db.c.ArchivePage(ctx, s.u.pageID, false)
			rerr = rec.record(s, []string{archivedKey}, flag(true), flag(false), err)
		case "archive":
			_, err = db.c.ArchivePage(ctx, s.u.pageID, true)
			if err != nil && notion.IsNotFound(err) {
				s.warnings = append(s.warnings, "the page was already gone")
				err = nil
			}
			rerr = rec.record(s, []string{archivedKey}, flag(false), flag(true), err)
		case "update":
			_, err = db.c.UpdatePage(ctx, s.u.pageID, encode(s.props))
			rerr = rec.record(s, slices.Sorted(maps.Keys(s.props)), plainValues(s.current), plainValues(s.props), err)
		}
		if rerr != nil {
			if err == nil {
				s.done = append(s.done, w)
				s.writeErr = fmt.Errorf("%s made but not recorded in the ledger: %w", w, rerr)
			} else {
				s.writeErr = fmt.Errorf("%s: %w (and not recorded in the ledger: %v)", w, err, rerr)
			}
			return rerr
		}
		if err != nil {
			s.writeErr = fmt.Errorf("%s: %w", w, err)
			return nil
		}
		s.done = append(s.done, w)
	}
	return nil
}

// restoreResult is what one restore found and did.
type restoreResult struct {
	cut       cutoff
	confirm   bool
	steps     []*undoStep
	warnings  []string
	ledgerErr error    // a ledger append failed while writing: the run stopped there
	next      []string // the commands that verify Notion against the restored commit
}

func (r restoreResult) writes() int {
	n := 0
	for _, s := range r.steps {
		n += len(s.writes())
	}
	return n
}

func (r restoreResult) failed() int {
	n := 0
	for _, s := range r.steps {
		if s.failure() != nil {
			n++
		}
	}
	return n
}

// verifyNext is the commands that check Notion against the manifests of sha after
// a restore. The working tree is still at the commit rolled back from, so
// `verify --all` run there would report the restored pages as drift: it runs in a
// temporary worktree checked out at sha, next to the repository, with the same
// folder inside it as --repo.
func verifyNext(repo, sha, databaseID string) []string {
	short := shortSHA(sha)
	dbFlag := ""
	if databaseID != "" {
		dbFlag = " --database-id " + shellWord(databaseID)
	}
	root, rel := "", "."
	if abs, err := filepath.Abs(repo); err == nil {
		if r, err := filepath.EvalSymlinks(abs); err == nil {
			abs = r
		}
		if g, err := git.PlainOpenWithOptions(abs, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true}); err == nil {
			if wt, err := g.Worktree(); err == nil {
				root = wt.Filesystem.Root()
				if r, err := filepath.EvalSymlinks(root); err == nil {
					root = r
				}
				if r, err := filepath.Rel(root, abs); err == nil {
					rel = r
				}
			}
		}
	}
	if root == "" {
		dir := "../notion-at-" + short
		return []string{
			fmt.Sprintf("git worktree add --detach %s %s", dir, sha),
			fmt.Sprintf("notion-sync verify --all --repo %s%s", dir, dbFlag),
			fmt.Sprintf("git worktree remove %s", dir),
		}
	}
	dir := filepath.Join(filepath.Dir(root), filepath.Base(root)+"-at-"+short)
	return []string{
		fmt.Sprintf("git -C %s worktree add --detach %s %s", shellWord(root), shellWord(dir), sha),
		fmt.Sprintf("notion-sync verify --all --repo %s%s", shellWord(filepath.Join(dir, rel)), dbFlag),
		fmt.Sprintf("git -C %s worktree remove %s", shellWord(root), shellWord(dir)),
	}
}

// shellWord quotes s for sh only when it needs it, so the usual paths stay
// easy to read and copy.
func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:=@%+,-") == "" {
		return s
	}
	return shellQuote(s)
}

// shown renders a value for one line of output: control characters dropped,
// long text cut, text quoted; numbers and checkboxes bare, as the plan shows them.
func shown(v property.Value) string {
	if v.IsEmpty() && v.Type != property.Checkbox {
		return "(empty)"
	}
	s := sanitize(v.String())
	if r := []rune(s); len(r) > 60 {
		s = string(r[:59]) + "…"
	}
	if v.Type == property.Number || v.Type == property.Checkbox {
		return s
	}
	return fmt.Sprintf("%q", s)
}

func (s *undoStep) label() string {
	if s.u.module != "" {
		return sanitize(s.u.module)
	}
	return s.u.pageID
}

// writeRestoreText prints the plan (or the outcome) in the runbook's style.
func writeRestoreText(w io.Writer, r restoreResult, path string) error {
	var b strings.Builder
	c := r.cut
	fmt.Fprintf(&b, "⏪ Restore to sha %s: the sync of %s (run %s)\n", c.sha, c.record.Timestamp.UTC().Format(time.RFC3339), c.record.RunID)
	for _, warn := range r.warnings {
		fmt.Fprintf(&b, "⚠️  %s\n", warn)
	}
	if len(r.steps) == 0 {
		fmt.Fprintf(&b, "✅ Nothing to restore: %s records no sync write to a page after that sync\n", path)
		_, err := io.WriteString(w, b.String())
		return err
	}
	writes, failed, unchanged := r.writes(), r.failed(), 0
	for _, s := range r.steps {
		if s.err == nil && len(s.writes()) == 0 {
			unchanged++
		}
	}
	fmt.Fprintf(&b, "📊 %d writes after it, on %d pages", sumWrites(r.steps), len(r.steps))
	if n := sumFailed(r.steps); n > 0 {
		fmt.Fprintf(&b, " (%d recorded as failed: they may have reached Notion anyway, so their pages are checked too)", n)
	}
	b.WriteString("\n")
	for _, s := range r.steps {
		writeStep(&b, s, r.confirm, c.sha)
	}
	switch {
	case writes == 0 && failed == 0:
		fmt.Fprintf(&b, "✅ Notion already shows sha %s: nothing to write\n", shortSHA(c.sha))
	case !r.confirm:
		fmt.Fprintf(&b, "📋 Dry run: %d writes on %d pages, nothing written. Run again with --confirm to write them\n", writes, len(r.steps)-unchanged-failed)
	default:
		restored := len(r.steps) - unchanged - failed
		if r.ledgerErr != nil {
			fmt.Fprintf(&b, "❌ Stopped: the ledger could not be written (%s). A write it does not record cannot be undone later, so no page was started after that; fix the file system and run restore again\n", oneLine(r.ledgerErr))
		}
		if failed > 0 {
			fmt.Fprintf(&b, "❌ %d pages restored to sha %s, %d failed, %d already as they were\n", restored, shortSHA(c.sha), failed, unchanged)
		} else {
			fmt.Fprintf(&b, "✅ %d pages restored to sha %s, %d already as they were\n", restored, shortSHA(c.sha), unchanged)
		}
	}
	if r.confirm && len(r.next) > 0 && r.ledgerErr == nil {
		fmt.Fprintf(&b, "Next: verify against the manifests of %s (this working tree is still at the commit rolled back from, so verify there would report drift):\n", shortSHA(c.sha))
		for _, cmd := range r.next {
			fmt.Fprintf(&b, "  %s\n", cmd)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func sumWrites(steps []*undoStep) int {
	n := 0
	for _, s := range steps {
		n += s.u.writes
	}
	return n
}

func sumFailed(steps []*undoStep) int {
	n := 0
	for _, s := range steps {
		n += s.u.failed
	}
	return n
}

func writeStep(b *strings.Builder, s *undoStep, confirm bool, sha string) {
	name := s.label()
	switch {
	case s.err != nil:
		fmt.Fprintf(b, "❌ %s: %v\n", name, s.err)
	case len(s.writes()) == 0:
		fmt.Fprintf(b, "✅ %s: already as at sha %s\n", name, shortSHA(sha))
	case confirm && s.writeErr != nil:
		fmt.Fprintf(b, "❌ %s: %v\n", name, s.writeErr)
	default:
		mark, words := "↩️ ", map[string]string{"archive": "archive", "unarchive": "unarchive", "update": "update"}
		if confirm {
			mark, words = "✅", map[string]string{"archive": "archived", "unarchive": "unarchived", "update": "updated"}
		}
		for _, w := range s.writes() {
			switch w {
			case "archive":
				fmt.Fprintf(b, "%s %s: %s (the page was created after sha %s)\n", mark, name, words[w], shortSHA(sha))
			case "unarchive":
				fmt.Fprintf(b, "%s %s: %s (a sync archived it after sha %s)\n", mark, name, words[w], shortSHA(sha))
			case "update":
				fmt.Fprintf(b, "%s %s: %s %d properties\n", mark, name, words[w], len(s.props))
				for _, p := range slices.Sorted(maps.Keys(s.props)) {
					fmt.Fprintf(b, "     %s: %s → %s\n", sanitize(p), shown(s.current[p]), shown(s.props[p]))
				}
			}
		}
	}
	for _, warn := range s.warnings {
		fmt.Fprintf(b, "⚠️  %s: %s\n", name, warn)
	}
}

// restoreJSON is the --json form of a restore, for scripts.
type restoreJSON struct {
	SHA      string          `json:"sha"`
	Since    restoreSince    `json:"since"`
	Confirm  bool            `json:"confirm"`
	Summary  restoreSummary  `json:"summary"`
	Changes  []restoreChange `json:"changes"`
	Warnings []string        `json:"warnings"`
	// Next is the commands that verify Notion against the restored commit; [] in a dry run.
	Next []string `json:"next"`
	// Error is the ledger failure that stopped the run, when one did.
	Error string `json:"error,omitempty"`
}

type restoreSince struct {
	Timestamp time.Time `json:"timestamp"`
	RunID     string    `json:"run_id"`
}

type restoreSummary struct {
	Pages     int `json:"pages"`
	Writes    int `json:"writes"`
	Unchanged int `json:"unchanged"`
	Failed    int `json:"failed"`
}

type restoreChange struct {
	Module     string                 `json:"module"`
	Path       string                 `json:"path"`
	PageID     string                 `json:"page_id"`
	Writes     []string               `json:"writes"`
	Status     string                 `json:"status"` // planned, ok, unchanged, error
	Properties map[string]report.Diff `json:"properties"`
	Warnings   []string               `json:"warnings"`
	Error      string                 `json:"error,omitempty"`
}

func writeRestoreJSON(w io.Writer, r restoreResult) error {
	out := restoreJSON{SHA: r.cut.sha, Since: restoreSince{r.cut.record.Timestamp.UTC(), r.cut.record.RunID},
		Confirm: r.confirm, Changes: []restoreChange{}, Warnings: append([]string{}, r.warnings...), Next: []string{}}
	if r.confirm && r.ledgerErr == nil {
		out.Next = append(out.Next, r.next...)
	}
	if r.ledgerErr != nil {
		out.Error = r.ledgerErr.Error()
	}
	out.Summary.Pages = len(r.steps)
	out.Summary.Writes = r.writes()
	out.Summary.Failed = r.failed()
	for _, s := range r.steps {
		c := restoreChange{Module: s.u.module, Path: s.u.path, PageID: s.u.pageID, Writes: append([]string{}, s.writes()...),
			Properties: map[string]report.Diff{}, Warnings: append([]string{}, s.warnings...)}
		for name, v := range s.props {
			c.Properties[name] = report.Diff{Before: s.current[name].Plain(), After: v.Plain()}
		}
		switch {
		case s.failure() != nil:
			c.Status, c.Error = "error", s.failure().Error()
		case len(c.Writes) == 0:
			c.Status = "unchanged"
			out.Summary.Unchanged++
		case r.confirm:
			c.Status = "ok"
		default:
			c.Status = "planned"
		}
		out.Changes = append(out.Changes, c)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}
