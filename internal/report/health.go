package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Health is what one health check found: engine.Health fills it with facts, and
// HealthText and HealthJSON show them. The classification of Notion's errors
// (refused token, 429 after the retries, the fix for a database) is the
// engine's; this package only words it.
type Health struct {
	TokenSet   bool
	Reachable  bool // Notion answered GET /v1/users/me, even if it refused the token
	TokenValid bool
	DatabaseOK bool
	Bot        string // the integration's name, when the token worked
	DatabaseID string
	// API is the Notion-Version of the check, and the data source once the
	// database was read; zero when Notion was not called (no token).
	API API

	APIErr       error  // the users/me call failed (unreachable, or the token refused)
	TokenRefused bool   // APIErr is Notion's 401 or 403
	TokenFix     string // how to provide a token, shown when none is set
	DBErr        error  // the database read failed
	DBFix        string // "\nFix: ..." for DBErr, or ""
	GaveUp       error  // the 429 that outlasted the retries, nil when none did

	Calls, RateLimited int           // the check's requests, and its 429 answers
	Waited             time.Duration // time spent waiting on 429s
	Rate               float64       // this tool's pace, requests per second

	Ledger    string
	LastOK    *Run  // the last sync run recorded with status ok
	LastRun   *Run  // the last sync run recorded, ok or not; == LastOK when that is the last
	LedgerErr error // the ledger exists but cannot be read
}

// Run is one sync run of the ledger.
type Run struct {
	At       time.Time
	Duration time.Duration
}

// Healthy is the verdict: Notion answers, takes the token and shows the database.
func (h Health) Healthy() bool { return h.Reachable && h.TokenValid && h.DatabaseOK }

// HealthJSON is `health --json`: the runbook's keys (§7.3) first, in its
// order, then the Notion-Version and the data source the check used (null when
// Notion was not called, or has no data source for this version, or the
// database could not be read). RateLimitRemaining is always null: Notion publishes no remaining-request
// count (no rate-limit headers, only 429 with Retry-After), and an invented number
// would mislead; alert rules reading it must treat null as "unknown". LastSync*
// come from the ledger's last successful run record and are null when there is none.
type HealthJSON struct {
	Status              string   `json:"status"`
	APIReachable        bool     `json:"api_reachable"`
	DatabaseAccessible  bool     `json:"database_accessible"`
	TokenValid          bool     `json:"token_valid"`
	RateLimitRemaining  *int     `json:"rate_limit_remaining"`
	LastSyncSuccess     *string  `json:"last_sync_success"`
	LastSyncDurationSec *float64 `json:"last_sync_duration_sec"`
	NotionVersion       *string  `json:"notion_version"`
	DataSourceID        *string  `json:"data_source_id"`
	DataSourceName      *string  `json:"data_source_name"`
}

// JSON is the runbook's document of h.
func (h Health) JSON() HealthJSON {
	out := HealthJSON{Status: "healthy", APIReachable: h.Reachable, DatabaseAccessible: h.DatabaseOK, TokenValid: h.TokenValid}
	if !h.Healthy() {
		out.Status = "unhealthy"
	}
	if h.LastOK != nil {
		ts := h.LastOK.At.UTC().Format(time.RFC3339)
		secs := float64(h.LastOK.Duration.Milliseconds()) / 1000 // as the ledger records it
		out.LastSyncSuccess, out.LastSyncDurationSec = &ts, &secs
	}
	out.NotionVersion, out.DataSourceID, out.DataSourceName = orNull(h.API.Version), orNull(h.API.DataSourceID), orNull(h.API.DataSourceName)
	return out
}

// HealthText is the runbook's §2.2 check, line by line, with a fix under each
// failure. It says what is known and no more: Notion tokens carry no expiry date,
// and Notion publishes no count of the requests left.
func HealthText(h Health) string {
	var b strings.Builder
	notChecked := func(what, why string) { fmt.Fprintf(&b, "⏭️  %s: not checked (%s)\n", what, why) }

	switch {
	case !h.TokenSet:
		notChecked("Notion API", "no token")
	case h.Reachable:
		b.WriteString("✅ Notion API: Reachable\n")
	default:
		fmt.Fprintf(&b, "❌ Notion API: Unreachable: %s\nFix: check the network or proxy, and NOTION_API_BASE_URL when set\n", OneLine(h.APIErr))
	}

	switch {
	case !h.TokenSet:
		notChecked("Database ID", "no token")
	case h.DatabaseOK:
		fmt.Fprintf(&b, "✅ Database ID: Valid (%s)\n", ShortID(h.DatabaseID))
	case h.DBErr != nil:
		fmt.Fprintf(&b, "❌ Database ID: %s%s\n", OneLine(h.DBErr), h.DBFix)
	case h.TokenRefused:
		notChecked("Database ID", "the token was refused")
	default:
		notChecked("Database ID", "the API did not answer")
	}

	if api := h.API.String(); api != "" {
		b.WriteString("🔗 " + api + "\n")
	}

	switch {
	case !h.TokenSet:
		fmt.Fprintf(&b, "❌ API Token: Missing\nFix: %s\n", h.TokenFix)
	case h.TokenValid:
		bot := ""
		if h.Bot != "" {
			bot = fmt.Sprintf("integration %q; ", Sanitize(h.Bot))
		}
		fmt.Fprintf(&b, "✅ API Token: Valid (%sNotion tokens have no expiry date: they work until revoked)\n", bot)
	case h.TokenRefused:
		fmt.Fprintf(&b, "❌ API Token: Invalid: %s\nFix: check NOTION_API_TOKEN; a revoked token must be regenerated in Notion's integration settings\n", OneLine(h.APIErr))
	case h.Reachable:
		fmt.Fprintf(&b, "❌ API Token: not confirmed: %s\n", OneLine(h.APIErr))
	default:
		notChecked("API Token", "the API did not answer")
	}

	pace := strconv.FormatFloat(h.Rate, 'f', -1, 64)
	calls := plural(h.Calls, "call", "calls")
	waited := h.Waited.Round(time.Millisecond)
	switch {
	case !h.TokenSet:
		notChecked("Rate Limit", "no token")
	case !h.Reachable:
		notChecked("Rate Limit", "the API did not answer")
	case h.GaveUp != nil:
		fmt.Fprintf(&b, "❌ Rate Limit: Notion still answered 429 after the retries (%d × 429 in %s, waited %s): %s\nFix: wait a minute, and check for other integrations or runs using the same token; --rate-limit sets this tool's pace (%s requests/s)\n",
			h.RateLimited, calls, waited, OneLine(h.GaveUp), pace)
	case h.RateLimited == 0:
		fmt.Fprintf(&b, "✅ Rate Limit: no 429 in this check (%s); this tool paces itself at %s requests/s; Notion publishes no count of requests left\n",
			calls, pace)
	default:
		fmt.Fprintf(&b, "⚠️  Rate Limit: %d × 429 in this check (%s, waited %s); this tool paces itself at %s requests/s; Notion publishes no count of requests left\n",
			h.RateLimited, calls, waited, pace)
	}

	switch {
	case h.LedgerErr != nil:
		fmt.Fprintf(&b, "⚠️  Last sync: %s\n", OneLine(h.LedgerErr))
	case h.LastOK == nil && h.LastRun != nil:
		fmt.Fprintf(&b, "⚠️  Last sync: no successful sync recorded in %s; the last run, at %s, had errors\n",
			h.Ledger, h.LastRun.At.UTC().Format(time.RFC3339))
	case h.LastOK == nil:
		fmt.Fprintf(&b, "⚠️  Last sync: no successful sync recorded in %s\n", h.Ledger)
	default:
		fmt.Fprintf(&b, "✅ Last sync: %s (took %s)\n", h.LastOK.At.UTC().Format(time.RFC3339), h.LastOK.Duration)
		if h.LastRun != h.LastOK {
			fmt.Fprintf(&b, "⚠️  A later run, at %s, had errors\n", h.LastRun.At.UTC().Format(time.RFC3339))
		}
	}

	if h.Healthy() {
		b.WriteString("✅ Healthy\n")
	} else {
		b.WriteString("❌ Unhealthy\n")
	}
	return b.String()
}

// orNull is s, or nil (JSON null) when s is "".
func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// OneLine is an error on one line of output, control characters removed.
func OneLine(err error) string {
	return Sanitize(strings.ReplaceAll(err.Error(), "\n", " "))
}
