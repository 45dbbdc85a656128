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
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lukhas/notion-sync-action/internal/gitdiff"
	"github.com/lukhas/notion-sync-action/internal/ledger"
	"github.com/lukhas/notion-sync-action/internal/notion"
	"github.com/lukhas/notion-sync-action/internal/property"
	"github.com/lukhas/notion-sync-action/internal/report"
)

// restoreFlags are the flags of `notion-sync restore`, the runbook's emergency
// rollback (§4.1): undo every write the ledger recorded after a good sync.
type restoreFlags struct {
	client  clientFlags
	repo    string
	ledger  string
	sha     string
	confirm bool
	force   bool
	json    bool
}

func runRestore(ctx context.Context, e *env, args []string) error {
	var f restoreFlags
	flags := newFlagSet(e, "restore", "restore --sha S [--ledger F] [--confirm] [flags]")
	f.client.register(flags)
	flags.StringVar(&f.repo, "repo", ".", "git repository used to resolve --sha when it is a revision (HEAD~2, a tag, a short sha)")
	flags.StringVar(&f.ledger, "ledger", "artifacts/notion_sync_ledger.jsonl", "the ledger the syncs wrote")
	flags.StringVar(&f.sha, "sha", "", "the commit whose sync to go back to: a sha the ledger records, a unique prefix of one, or a git revision")
	flags.BoolVar(&f.confirm, "confirm", false, "write the undo to Notion; without it restore only prints what it would write")
	flags.BoolVar(&f.force, "force", false, "restore even though the ledger's hash chain does not verify")
	flags.BoolVar(&f.json, "json", false, "print the result as JSON")
	if err := parseFlags(flags, secondsArgs(args, "backoff")); err != nil {
		return err
	}
	if f.sha == "" {
		return usagef("--sha is required: the commit whose sync to go back to; list the recent ones with: tail -10 %s | jq -r '.timestamp, .sha'", f.ledger)
	}
	start := time.Now()
	if _, err := os.Stat(f.ledger); errors.Is(err, fs.ErrNotExist) {
		return usagef("no ledger at %s: pass --ledger with the file the syncs wrote (in CI, the ledger artifact of the run)", f.ledger)
	}
	if f.confirm {
		// The same lock as sync: a hook's background sync must not write between
		// reading the pages and writing them back.
		unlock, err := lockRun(f.ledger+".lock", e.log)
		if err != nil {
			return err
		}
		defer unlock()
	}
	recs, warnings, err := readLedger(f.ledger, f.force)
	if err != nil {
		return err
	}
	cut, err := findCutoff(recs, f.sha, gitResolver(f.repo), f.ledger)
	if err != nil {
		return err
	}
	undo := undoPlan(recs[cut.index+1:])
	warnings = append(warnings, laterRestores(recs[cut.index+1:], cut.sha)...)
	res := restoreResult{cut: cut, confirm: f.confirm, warnings: warnings}
	if len(undo) > 0 {
		if err := e.restorePages(ctx, f, &res, undo, start); err != nil {
			return err
		}
	}
	if f.json {
		err = writeRestoreJSON(e.stdout, res)
	} else {
		err = writeRestoreText(e.stdout, res, f.ledger)
	}
	if err != nil {
		return fmt.Errorf("print result: %w", err)
	}
	if res.failed() > 0 && f.confirm {
		return errProblems
	}
	return nil
}

// restorePages reads every page the undo touches, works out the writes that
// bring it back, and with --confirm makes and records them.
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
	lw, err := ledger.Open(f.ledger)
	if err != nil {
		return fmt.Errorf("open ledger: %w", err)
	}
	defer lw.Close()
	rec := restoreRecorder{w: lw, runID: runID(e.getenv), sha: res.cut.sha}
	var (
		mu        sync.Mutex
		ledgerErr error // the first record that could not be written
	)
	each(ctx, len(res.steps), f.client.concurrency, func(i int) {
		if err := applyUndo(ctx, db, rec, res.steps[i]); err != nil {
			mu.Lock()
			if ledgerErr == nil {
				ledgerErr = err
			}
			mu.Unlock()
		}
	})
	for _, s := range res.steps {
		if s.writeErr == nil && len(s.done) < len(s.writes()) {
			s.writeErr = fmt.Errorf("not attempted: %w", context.Cause(ctx))
		}
	}
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
	return ledgerErr
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

// readLedger reads the ledger after checking its hash chain: restore writes what
// the ledger says to Notion, so a ledger edited after the fact is refused unless
// the user has looked at it and says --force.
func readLedger(path string, force bool) ([]ledger.Record, []string, error) {
	var warnings []string
	if err := ledger.Verify(path); err != nil {
		var chain *ledger.ChainError
		if !errors.As(err, &chain) {
			return nil, nil, usageError{fmt.Errorf("cannot use the ledger: %w", err)}
		}
		if !force {
			return nil, nil, usagef("refusing to restore: the ledger's hash chain is broken at line %d, so a line was edited, removed or inserted after it was written (%v). Check the file, then rerun with --force to restore from it anyway", chain.Line, err)
		}
		warnings = append(warnings, fmt.Sprintf("the ledger's hash chain is broken at line %d; restoring from it anyway (--force)", chain.Line))
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

// restoreRuns are the run ids of earlier restores. Their records carry the sha
// they restored to, but they are not syncs: neither a cutoff nor undone.
func restoreRuns(recs []ledger.Record) map[string]bool {
	out := map[string]bool{}
	for _, r := range recs {
		if r.Action == "restore" {
			out[r.RunID] = true
		}
	}
	return out
}

// findCutoff finds the last sync run recorded with the sha asked for (or, for a
// run that never wrote its run record, the last of its records). want may be a
// full sha, a unique prefix of one (4+ characters), or, through resolve, a git
// revision.
func findCutoff(recs []ledger.Record, want string, resolve func(string) (string, bool), path string) (cutoff, error) {
	skip := restoreRuns(recs)
	isSync := func(r ledger.Record) bool { return r.Action != "restore" && !skip[r.RunID] && r.SHA != "" }
	var known []string // newest first
	when := map[string]time.Time{}
	for i := len(recs) - 1; i >= 0; i-- {
		r := recs[i]
		if _, seen := when[r.SHA]; isSync(r) && !seen {
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
		if isSync(r) && r.SHA == sha && (r.Action == "run" || last < 0 || recs[last].Action != "run") {
			last = i
		}
	}
	return cutoff{sha: sha, index: last, record: recs[last]}, nil
}

// unknownSHA names the shas the ledger does know, newest first, with the time
// of their last record, so the user can pick one without reaching for jq.
func unknownSHA(known []string, when map[string]time.Time, want, path string) error {
	if len(known) == 0 {
		return usagef("no sync in %s has sha %s: the ledger records no commit shas (syncs outside git without GITHUB_SHA)", path, want)
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
	newest               int  // index of the page's newest write, for undoing newest first
	writes               int  // ledger writes undone
	created              bool // the page did not exist at the cutoff: archive it
	archived             bool // the page was live at the cutoff and a sync archived it
	before               map[string]json.RawMessage
	after                map[string]json.RawMessage // the value of each property after its last write
	noBefore             []string                   // changed properties with no recorded before-value
}

// undoPlan collapses the writes recorded after the cutoff into one pageUndo per
// page, newest first. Only successful syncs' writes count: a failed write
// changed nothing, and a restore's own writes are not undone (that would redo
// what an earlier restore undid).
func undoPlan(after []ledger.Record) []*pageUndo {
	skip := restoreRuns(after)
	byPage := map[string]*pageUndo{}
	var out []*pageUndo
	for i, r := range after {
		if r.Status != "ok" || r.PageID == "" || skip[r.RunID] {
			continue
		}
		if r.Action != "create" && r.Action != "update" && r.Action != "archive" {
			continue
		}
		id := normID(r.PageID)
		u := byPage[id]
		if u == nil {
			u = &pageUndo{pageID: r.PageID, before: map[string]json.RawMessage{}, after: map[string]json.RawMessage{}}
			byPage[id] = u
			out = append(out, u)
		}
		u.newest = i
		u.writes++
		if r.Module != "" {
			u.module = r.Module
		}
		if r.Path != "" {
			u.path = r.Path
		}
		switch r.Action {
		case "create":
			if u.writes == 1 {
				u.created = true
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
			maps.Copy(u.after, r.After)
		}
	}
	slices.SortStableFunc(out, func(a, b *pageUndo) int { return b.newest - a.newest })
	return out
}

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
		if raw, ok := u.after[name]; ok {
			if wrote, err := property.FromPlain(typ, raw); err == nil && !property.Equal(cur, wrote) {
				s.warnings = append(s.warnings, fmt.Sprintf("%s was changed in Notion after the sync (now %s, the sync wrote %s): restoring %s anyway",
					name, shown(cur), shown(wrote), shown(target)))
			}
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

// restoreRecorder appends one ledger record per undo write, with the run's id and
// the sha restored to, so the chain continues and the next restore sees them.
type restoreRecorder struct {
	w     *ledger.Writer
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
// later writes depend on it) and is kept on the step; only a ledger failure is
// returned, because a write that cannot be recorded must not go on.
func applyUndo(ctx context.Context, db *database, rec restoreRecorder, s *undoStep) error {
	flag := func(v bool) map[string]json.RawMessage {
		return map[string]json.RawMessage{archivedKey: json.RawMessage(fmt.Sprint(v))}
	}
	for _, w := range s.writes() {
		if err := ctx.Err(); err != nil {
			s.writeErr = fmt.Errorf("%s not attempted: %w", w, context.Cause(ctx))
			return nil
		}
		var err error
		switch w {
		case "unarchive":
			_, err = db.c.ArchivePage(ctx, s.u.pageID, false)
			if rerr := rec.record(s, []string{archivedKey}, flag(true), flag(false), err); rerr != nil {
				return rerr
			}
		case "archive":
			_, err = db.c.ArchivePage(ctx, s.u.pageID, true)
			if err != nil && notion.IsNotFound(err) {
				s.warnings = append(s.warnings, "the page was already gone")
				err = nil
			}
			if rerr := rec.record(s, []string{archivedKey}, flag(false), flag(true), err); rerr != nil {
				return rerr
			}
		case "update":
			_, err = db.c.UpdatePage(ctx, s.u.pageID, encode(s.props))
			if rerr := rec.record(s, slices.Sorted(maps.Keys(s.props)), plainValues(s.current), plainValues(s.props), err); rerr != nil {
				return rerr
			}
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
	cut      cutoff
	confirm  bool
	steps    []*undoStep
	warnings []string
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

// shown renders a value for one line of output: control characters dropped,
// long text cut.
func shown(v property.Value) string {
	if v.IsEmpty() && v.Type != property.Checkbox {
		return "(empty)"
	}
	s := sanitize(v.String())
	if r := []rune(s); len(r) > 60 {
		s = string(r[:59]) + "…"
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
		fmt.Fprintf(&b, "✅ Nothing to restore: %s records no successful sync write after that sync\n", path)
		_, err := io.WriteString(w, b.String())
		return err
	}
	writes, failed, unchanged := r.writes(), r.failed(), 0
	for _, s := range r.steps {
		if s.err == nil && len(s.writes()) == 0 {
			unchanged++
		}
	}
	fmt.Fprintf(&b, "📊 %d writes after it, on %d pages\n", sumWrites(r.steps), len(r.steps))
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
		if failed > 0 {
			fmt.Fprintf(&b, "❌ %d pages restored to sha %s, %d failed, %d already as they were\n", restored, shortSHA(c.sha), failed, unchanged)
		} else {
			fmt.Fprintf(&b, "✅ %d pages restored to sha %s, %d already as they were\n", restored, shortSHA(c.sha), unchanged)
		}
		fmt.Fprintf(&b, "Next: notion-sync verify --all, against the manifests of %s\n", shortSHA(c.sha))
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
		Confirm: r.confirm, Changes: []restoreChange{}, Warnings: append([]string{}, r.warnings...)}
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
