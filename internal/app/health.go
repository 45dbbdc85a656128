package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lukhas/notion-sync-action/internal/engine"
	"github.com/lukhas/notion-sync-action/internal/ledger"
	"github.com/lukhas/notion-sync-action/internal/notion"
	"github.com/lukhas/notion-sync-action/internal/report"
	"github.com/lukhas/notion-sync-action/internal/restore"
)

// healthJSON is `health --json`, with exactly the runbook's keys (§7.3) in its
// order. RateLimitRemaining is always null: Notion publishes no remaining-request
// count (no rate-limit headers, only 429 with Retry-After), and an invented number
// would mislead; alert rules reading it must treat null as "unknown". LastSync* come from the ledger's last successful run record and
// are null when there is none.
type healthJSON struct {
	Status              string   `json:"status"`
	APIReachable        bool     `json:"api_reachable"`
	DatabaseAccessible  bool     `json:"database_accessible"`
	TokenValid          bool     `json:"token_valid"`
	RateLimitRemaining  *int     `json:"rate_limit_remaining"`
	LastSyncSuccess     *string  `json:"last_sync_success"`
	LastSyncDurationSec *float64 `json:"last_sync_duration_sec"`
}

// healthReport is what one health check found.
type healthReport struct {
	tokenSet   bool
	reachable  bool
	tokenValid bool
	dbOK       bool
	bot        string // the integration's name, when the token worked
	dbID       string
	apiErr     error // the users/me call failed (unreachable, or the token refused)
	dbErr      error // the database read failed
	stats      notion.Stats
	rate       float64
	ledgerPath string
	lastRun    *ledger.Record // the last run record with status ok
	lastAny    *ledger.Record // the last run record, ok or not
	ledgerErr  error          // the ledger exists but cannot be read
}

func (h healthReport) healthy() bool { return h.reachable && h.tokenValid && h.dbOK }

// runHealth runs `health`: whether Notion answers, takes the token and shows the
// database, and when the last sync succeeded.
func runHealth(ctx context.Context, e *env, args []string) error {
	var f settingsFlags
	fs := newFlagSet(e, "health", "health [--json] [flags]")
	f.client(fs)
	// --repo is accepted like every command's; health reads no manifest.
	fs.String("repo", ".", "accepted for symmetry with the other commands; health reads no manifest")
	ledgerPath := fs.String("ledger", "artifacts/notion_sync_ledger.jsonl", "the sync ledger, for the last successful sync")
	asJSON := fs.Bool("json", false, "print the runbook's JSON healthcheck document")
	if err := parseFlags(fs, secondsArgs(args, "backoff")); err != nil {
		return err
	}
	s, err := e.settings(f)
	if err != nil {
		return err
	}
	s.Ledger = *ledgerPath
	return health(ctx, e.stdout, e.stderr, s, *asJSON)
}

// health is the core of `health` (and of the Action's health mode): the report
// goes to out, as text or as the runbook's JSON document; with asJSON the text
// (the reasons and fixes) goes to errOut when the check fails.
func health(ctx context.Context, out, errOut io.Writer, s engine.Settings, asJSON bool) error {
	h := healthReport{tokenSet: s.Token != "", rate: s.Client.Rate, ledgerPath: s.Ledger}
	h.lastRun, h.lastAny, h.ledgerErr = lastRuns(s.Ledger)
	if h.tokenSet {
		if err := checkNotion(ctx, s, &h); err != nil {
			return err
		}
	}
	text := healthText(h)
	if asJSON {
		if err := writeJSONTo(out, h.json()); err != nil {
			return err
		}
		if !h.healthy() {
			// stdout carries the document alone; the reasons and fixes go to stderr.
			fmt.Fprint(errOut, text)
		}
	} else if _, err := io.WriteString(out, text); err != nil {
		return fmt.Errorf("print result: %w", err)
	}
	if !h.healthy() {
		return errProblems
	}
	return nil
}

// checkNotion calls GET /v1/users/me (the token, and whether Notion answers at
// all) and, when that works, GET /v1/databases/{id}. A bad or missing database id
// is a config error, reported as for every command.
func checkNotion(ctx context.Context, s engine.Settings, h *healthReport) error {
	db, err := engine.Connect(s)
	if err != nil {
		return err
	}
	defer db.Close()
	h.dbID = db.ID()
	me, err := db.Client().Me(ctx)
	var apiErr *notion.APIError
	switch {
	case err == nil:
		h.reachable, h.tokenValid, h.bot = true, true, me.Name
	case errors.As(err, &apiErr) && !apiErr.HTML && apiErr.Status < http.StatusInternalServerError:
		// Notion answered: it is reachable, and refused the token (401) or the call.
		h.reachable, h.apiErr = true, err
	default:
		h.apiErr = err
	}
	if h.tokenValid {
		if _, err := db.Schema(ctx); err != nil {
			h.dbErr = err
		} else {
			h.dbOK = true
		}
	}
	h.stats = db.Client().Stats()
	return nil
}

// lastRuns returns the last run record of a sync with status ok in the ledger at
// path, and the last run record of a sync of any status; nil and no error when
// the ledger does not exist or has none. A restore's run record is not a sync's:
// a restore that went well says nothing of the next sync.
func lastRuns(path string) (good, last *ledger.Record, err error) {
	recs, err := ledger.Read(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	restored := restore.ByRestore(recs)
	for i := len(recs) - 1; i >= 0 && good == nil; i-- {
		if recs[i].Action != "run" || restored[i] {
			continue
		}
		if last == nil {
			last = &recs[i]
		}
		if recs[i].Status == "ok" {
			good = &recs[i]
		}
	}
	return good, last, nil
}

func (h healthReport) json() healthJSON {
	out := healthJSON{Status: "healthy", APIReachable: h.reachable, DatabaseAccessible: h.dbOK, TokenValid: h.tokenValid}
	if !h.healthy() {
		out.Status = "unhealthy"
	}
	if h.lastRun != nil {
		ts := h.lastRun.Timestamp.UTC().Format(time.RFC3339)
		secs := float64(h.lastRun.DurationMS) / 1000
		out.LastSyncSuccess, out.LastSyncDurationSec = &ts, &secs
	}
	return out
}

// healthText is the runbook's §2.2 check, line by line, with a fix under each
// failure. It says what is known and no more: Notion tokens carry no expiry date,
// and Notion publishes no count of the requests left.
func healthText(h healthReport) string {
	var b strings.Builder
	notChecked := func(what, why string) { fmt.Fprintf(&b, "⏭️  %s: not checked (%s)\n", what, why) }
	var apiAnswer *notion.APIError
	tokenRefused := errors.As(h.apiErr, &apiAnswer) && (apiAnswer.Status == http.StatusUnauthorized || apiAnswer.Status == http.StatusForbidden)

	switch {
	case !h.tokenSet:
		notChecked("Notion API", "no token")
	case h.reachable:
		b.WriteString("✅ Notion API: Reachable\n")
	default:
		fmt.Fprintf(&b, "❌ Notion API: Unreachable: %s\nFix: check the network or proxy, and NOTION_API_BASE_URL when set\n", oneLine(h.apiErr))
	}

	switch {
	case !h.tokenSet:
		notChecked("Database ID", "no token")
	case h.dbOK:
		fmt.Fprintf(&b, "✅ Database ID: Valid (%s)\n", report.ShortID(h.dbID))
	case h.dbErr != nil:
		fmt.Fprintf(&b, "❌ Database ID: %s%s\n", oneLine(h.dbErr), engine.DatabaseFix(h.dbErr))
	case tokenRefused:
		notChecked("Database ID", "the token was refused")
	default:
		notChecked("Database ID", "the API did not answer")
	}

	switch {
	case !h.tokenSet:
		fmt.Fprintf(&b, "❌ API Token: Missing\nFix: %s\n", strings.TrimPrefix(engine.ErrNoToken.Error(), "no Notion token: "))
	case h.tokenValid:
		bot := ""
		if h.bot != "" {
			bot = fmt.Sprintf("integration %q; ", report.Sanitize(h.bot))
		}
		fmt.Fprintf(&b, "✅ API Token: Valid (%sNotion tokens have no expiry date: they work until revoked)\n", bot)
	case tokenRefused:
		fmt.Fprintf(&b, "❌ API Token: Invalid: %s\nFix: check NOTION_API_TOKEN; a revoked token must be regenerated in Notion's integration settings\n", oneLine(h.apiErr))
	case h.reachable:
		fmt.Fprintf(&b, "❌ API Token: not confirmed: %s\n", oneLine(h.apiErr))
	default:
		notChecked("API Token", "the API did not answer")
	}

	pace := strconv.FormatFloat(h.rate, 'f', -1, 64)
	var limited *notion.APIError
	gaveUp := func(err error) bool {
		return errors.As(err, &limited) && limited.Status == http.StatusTooManyRequests
	}
	switch {
	case !h.tokenSet:
		notChecked("Rate Limit", "no token")
	case !h.reachable:
		notChecked("Rate Limit", "the API did not answer")
	case gaveUp(h.apiErr) || gaveUp(h.dbErr):
		fmt.Fprintf(&b, "❌ Rate Limit: Notion still answered 429 after the retries (%d × 429 in %d %s, waited %s): %s\nFix: wait a minute, and check for other integrations or runs using the same token; --rate-limit sets this tool's pace (%s requests/s)\n",
			h.stats.RateLimited, h.stats.Calls, report.PluralWord(h.stats.Calls, "call", "calls"), h.stats.Waited.Round(time.Millisecond), oneLine(limited), pace)
	case h.stats.RateLimited == 0:
		fmt.Fprintf(&b, "✅ Rate Limit: no 429 in this check (%d %s); this tool paces itself at %s requests/s; Notion publishes no count of requests left\n",
			h.stats.Calls, report.PluralWord(h.stats.Calls, "call", "calls"), pace)
	default:
		fmt.Fprintf(&b, "⚠️  Rate Limit: %d × 429 in this check (%d %s, waited %s); this tool paces itself at %s requests/s; Notion publishes no count of requests left\n",
			h.stats.RateLimited, h.stats.Calls, report.PluralWord(h.stats.Calls, "call", "calls"), h.stats.Waited.Round(time.Millisecond), pace)
	}

	switch {
	case h.ledgerErr != nil:
		fmt.Fprintf(&b, "⚠️  Last sync: %s\n", oneLine(h.ledgerErr))
	case h.lastRun == nil && h.lastAny != nil:
		fmt.Fprintf(&b, "⚠️  Last sync: no successful sync recorded in %s; the last run, at %s, had errors\n",
			h.ledgerPath, h.lastAny.Timestamp.UTC().Format(time.RFC3339))
	case h.lastRun == nil:
		fmt.Fprintf(&b, "⚠️  Last sync: no successful sync recorded in %s\n", h.ledgerPath)
	default:
		d := time.Duration(h.lastRun.DurationMS) * time.Millisecond
		fmt.Fprintf(&b, "✅ Last sync: %s (took %s)\n", h.lastRun.Timestamp.UTC().Format(time.RFC3339), d)
		if h.lastAny != h.lastRun {
			fmt.Fprintf(&b, "⚠️  A later run, at %s, had errors\n", h.lastAny.Timestamp.UTC().Format(time.RFC3339))
		}
	}

	if h.healthy() {
		b.WriteString("✅ Healthy\n")
	} else {
		b.WriteString("❌ Unhealthy\n")
	}
	return b.String()
}

// oneLine is an error on one line of output, control characters removed.
func oneLine(err error) string {
	return report.Sanitize(strings.ReplaceAll(err.Error(), "\n", " "))
}

func writeJSONTo(w io.Writer, v any) error {
	data, err := report.EncodeJSON(v)
	if err != nil {
		return fmt.Errorf("encode result: %w", err)
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("print result: %w", err)
	}
	return nil
}
