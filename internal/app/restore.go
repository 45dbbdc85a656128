package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/lukhas/notion-sync-action/internal/engine"
	"github.com/lukhas/notion-sync-action/internal/restore"
)

// defaultLedger is where sync writes its ledger unless told otherwise.
const defaultLedger = "artifacts/notion_sync_ledger.jsonl"

// restoreFlags are the flags of `notion-sync restore`, the runbook's emergency
// rollback (§4.1): undo every write the ledger recorded after a good sync.
type restoreFlags struct {
	settings settingsFlags
	ledgers  pathList
	sha      string
	confirm  bool
	force    bool
	json     bool
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
	f.settings.client(flags)
	flags.StringVar(&f.settings.repo, "repo", ".", "git repository used to resolve --sha when it is a revision (HEAD~2, a tag, a short sha)")
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
	s, err := e.settings(f.settings)
	if err != nil {
		return err
	}
	if f.sha == "" {
		return usagef("--sha is required: the commit whose sync to go back to; list the recent ones with: tail -10 %s | jq -r '.timestamp, .sha'", f.out())
	}
	for _, p := range f.ledgers {
		if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
			return usagef("no ledger at %s: pass --ledger with the file the syncs wrote (in CI, the ledger artifact of each run since the good one, one --ledger each)", p)
		}
	}
	res, err := engine.Restore(ctx, s, engine.RestoreRequest{Ledgers: f.ledgers, SHA: f.sha, Confirm: f.confirm, Force: f.force})
	if err != nil {
		return err
	}
	res.Next = restore.VerifyNext(s.Repo, res.Cut.SHA, f.settings.databaseID)
	if f.json {
		err = restore.WriteJSON(e.stdout, res)
	} else {
		err = restore.WriteText(e.stdout, res, f.ledgers.String())
	}
	if err != nil {
		return fmt.Errorf("print result: %w", err)
	}
	if res.LedgerErr != nil {
		// Printed above with what was done; the exit code says it is fatal.
		return fmt.Errorf("restore stopped: %w", res.LedgerErr)
	}
	if res.Failed() > 0 && f.confirm {
		return errProblems
	}
	return nil
}
