package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lukhas/notion-sync-action/internal/gitdiff"
	"github.com/lukhas/notion-sync-action/internal/ledger"
	"github.com/lukhas/notion-sync-action/internal/property"
	"github.com/lukhas/notion-sync-action/internal/restore"
)

// RestoreRequest is what `restore` asks for: undo every write the ledgers
// recorded after the sync of SHA.
type RestoreRequest struct {
	// Ledgers are read and merged by time; restore appends its own records to
	// the last one, which is also the one it locks.
	Ledgers []string
	SHA     string // a sha the ledgers record, a unique prefix of one, or a git revision of s.Repo
	Confirm bool   // write the undo; without it only read the pages and say what it would write
	Force   bool   // go on past a ledger whose hash chain does not verify
}

// Restore reads the ledgers, finds the sync of req.SHA and plans the undo of
// everything after it; it reads every page the undo touches, and with
// req.Confirm writes the undo and records it. A ledger failure while writing is
// kept on the result (Result.LedgerErr), so that what was written is still
// shown; a sha or ledger it cannot use is a *UsageError.
func Restore(ctx context.Context, s Settings, req RestoreRequest) (restore.Result, error) {
	start := time.Now()
	out := req.Ledgers[len(req.Ledgers)-1]
	if req.Confirm {
		// The same lock as sync: a hook's background sync must not write between
		// reading the pages and writing them back.
		unlock, err := ledger.Lock(ctx, s.Root(out), out+".lock", s.Log)
		if err != nil {
			return restore.Result{}, err
		}
		defer unlock()
	}
	files := make([][]ledger.Record, 0, len(req.Ledgers))
	var warnings []string
	for _, p := range req.Ledgers {
		recs, warn, err := restore.Read(p, req.Force)
		if err != nil {
			return restore.Result{}, restoreUsage(err)
		}
		files = append(files, recs)
		warnings = append(warnings, warn...)
	}
	recs := restore.Merge(files)
	cut, err := restore.FindCutoff(recs, req.SHA, gitResolver(s.Repo), strings.Join(req.Ledgers, ", "))
	if err != nil {
		return restore.Result{}, restoreUsage(err)
	}
	undo, more := restore.Plan(recs, cut)
	res := restore.Result{Cut: cut, Confirm: req.Confirm, Warnings: append(warnings, more...)}
	if len(undo) == 0 {
		return res, nil
	}
	db, schema, err := ConnectSchema(ctx, s)
	if err != nil {
		return res, err
	}
	defer db.Close()
	types := map[string]property.Type{}
	for name, p := range schema.Properties {
		types[name] = property.Type(p.Type)
		if types[name] == property.Title {
			// The key: an unanswered create's page is found by it.
			db.SetKey(name)
		}
	}
	// Pages are compared with the rows' collection: the data source from 2025-09-03.
	t, err := db.Target(ctx)
	if err != nil {
		return res, err
	}
	if res.Steps, err = restore.Prepare(ctx, db, t.ID(), types, undo, s.Apply.Concurrency); err != nil {
		return res, err
	}
	if !req.Confirm || res.Writes() == 0 {
		return res, nil
	}
	lw, err := ledger.OpenIn(s.Root(out), out)
	if err != nil {
		return res, fmt.Errorf("open ledger: %w", err)
	}
	defer lw.Close()
	res.LedgerErr = restore.Apply(ctx, db, restore.Recorder{W: lw, RunID: s.RunID, SHA: res.Cut.SHA, Started: start},
		res.Steps, s.Apply.Concurrency)
	return res, nil
}

// restoreUsage reports restore's refusals (a sha or ledger it cannot use) as
// bad usage: exit code 2.
func restoreUsage(err error) error {
	if _, ok := errors.AsType[*restore.InputError](err); ok {
		return &UsageError{Err: err}
	}
	return err
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
