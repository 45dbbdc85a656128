package engine

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/lukhas/notion-sync-action/internal/ledger"
	"github.com/lukhas/notion-sync-action/internal/notion"
	"github.com/lukhas/notion-sync-action/internal/report"
	"github.com/lukhas/notion-sync-action/internal/restore"
)

// Health checks whether Notion answers, takes the token and shows the database,
// and reads when the last sync succeeded from s.Ledger. What fails is in the
// result; the error is for what prevents the check itself (a bad database id).
func Health(ctx context.Context, s Settings) (report.Health, error) {
	h := report.Health{TokenSet: s.Token != "", Rate: s.Client.Rate, Ledger: s.Ledger,
		TokenFix: strings.TrimPrefix(ErrNoToken.Error(), "no Notion token: ")}
	h.LastOK, h.LastRun, h.LedgerErr = LastRuns(s.Ledger)
	if !h.TokenSet {
		return h, nil
	}
	// GET /v1/users/me (the token, and whether Notion answers at all) and, when
	// that works, GET /v1/databases/{id}.
	db, err := Connect(s)
	if err != nil {
		return h, err
	}
	defer db.Close()
	h.DatabaseID = db.ID()
	h.API.Version = db.Client().Version().String()
	me, err := db.Client().Me(ctx)
	var apiErr *notion.APIError
	switch {
	case err == nil:
		h.Reachable, h.TokenValid, h.Bot = true, true, me.Name
	case errors.As(err, &apiErr) && !apiErr.HTML && apiErr.Status < http.StatusInternalServerError:
		// Notion answered: it is reachable, and refused the token (401) or the call.
		h.Reachable, h.APIErr = true, err
	default:
		h.APIErr = err
	}
	h.TokenRefused = errors.As(h.APIErr, &apiErr) && (apiErr.Status == http.StatusUnauthorized || apiErr.Status == http.StatusForbidden)
	if h.TokenValid {
		if _, err := db.Schema(ctx); err != nil {
			h.DBErr, h.DBFix = err, DatabaseFix(err)
		} else {
			h.DatabaseOK = true
			h.API = api(ctx, db)
		}
	}
	h.GaveUp = gaveUp(h.APIErr, h.DBErr)
	st := db.Client().Stats()
	h.Calls, h.RateLimited, h.Waited = st.Calls, st.RateLimited, st.Waited
	return h, nil
}

// LastRuns returns the last run record of a sync with status ok in the ledger at
// path, and the last run record of a sync of any status (the same pointer when
// that is the ok one); nil and no error when the ledger does not exist or has
// none. A restore's run record is not a sync's: a restore that went well says
// nothing of the next sync.
func LastRuns(path string) (ok, last *report.Run, err error) {
	recs, err := ledger.Read(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	restored := restore.ByRestore(recs)
	for i := len(recs) - 1; i >= 0 && ok == nil; i-- {
		if recs[i].Action != "run" || restored[i] {
			continue
		}
		run := &report.Run{At: recs[i].Timestamp, Duration: time.Duration(recs[i].DurationMS) * time.Millisecond}
		if last == nil {
			last = run
		}
		if recs[i].Status == "ok" {
			ok = run
		}
	}
	return ok, last, nil
}

// api names the version db speaks and the data source it resolved. Call it
// once db has read the schema: the target is then known, and asking for it
// costs no request.
func api(ctx context.Context, db *Database) report.API {
	out := report.API{Version: db.Client().Version().String()}
	if t, err := db.Target(ctx); err == nil {
		out.DataSourceID, out.DataSourceName = t.DataSourceID, t.DataSourceName
	}
	return out
}

// gaveUp returns the first of errs that is Notion's 429 after the client's
// retries, or nil.
func gaveUp(errs ...error) error {
	for _, err := range errs {
		if apiErr, ok := errors.AsType[*notion.APIError](err); ok && apiErr.Status == http.StatusTooManyRequests {
			return apiErr
		}
	}
	return nil
}
