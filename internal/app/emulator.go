package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/lukhas/notion-sync-action/internal/notion/emulator"
)

// runEmulator serves the Notion API emulator (docs/emulator.md) until ctx is
// cancelled, so a newcomer can run the whole pipeline without a Notion account:
// it seeds a database with the default schema (or --schema), prints the base URL,
// its own token and the database id as export lines, and with --state keeps the
// sandbox across restarts.
func runEmulator(ctx context.Context, e *env, args []string) error {
	fset := newFlagSet(e, "emulator", "emulator [--addr 127.0.0.1:8700] [--state FILE] [flags]")
	addr := fset.String("addr", "127.0.0.1:8700", "listen address (port 0 picks a free port)")
	schemaPath := fset.String("schema", "", "database object JSON (as GET /v1/databases/{id} returns) to seed; default: the built-in config's schema")
	latency := fset.Duration("latency", 0, "latency added to every request, e.g. 250ms")
	jitter := fset.Duration("jitter", 0, "random extra latency, up to this")
	rateLimit := fset.Float64("rate-limit", 3, "token bucket, requests per second (0 = off)")
	burst := fset.Int("burst", 10, "token bucket size")
	windowBudget := fset.Int("window-budget", 0, "newer model: requests allowed per --window (0 = off)")
	window := fset.Duration("window", time.Minute, "window of --window-budget")
	faults := fset.String("faults", "", `random faults, e.g. "429:0.05,502:0.02,commit502:0.01" (docs/emulator.md)`)
	seed := fset.Int64("seed", 0, "seed for random faults and jitter")
	statePath := fset.String("state", "", "state file: loaded at start when it exists, saved on exit")
	visibility := fset.Duration("visibility-delay", 0, "delay before new pages show up in queries")
	token := fset.String("token", "", "bearer token to accept (default: a generated secret_emulator_... token)")
	urlHost := fset.String("url-host", "", "host of page URLs (default www.notion.so)")
	dataSources := fset.Int("data-sources", 1, "data sources of the seeded database (2025-09-03 and later); more than one needs --data-source-id to sync")
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	if _, err := emulator.ParseFaultSpec(*faults); err != nil {
		return usagef("--faults: %v", err)
	}
	for name, d := range map[string]time.Duration{"latency": *latency, "jitter": *jitter, "visibility-delay": *visibility, "window": *window} {
		if d < 0 {
			return usagef("--%s must not be negative", name)
		}
	}
	if *dataSources < 1 {
		return usagef("--data-sources must be at least 1")
	}
	if *rateLimit < 0 || *burst < 1 || *windowBudget < 0 {
		return usagef("--rate-limit and --window-budget must not be negative, --burst must be at least 1")
	}

	srv := emulator.New(emulator.Options{
		Token:           *token,
		Latency:         *latency,
		Jitter:          *jitter,
		RateLimit:       *rateLimit,
		Burst:           *burst,
		WindowBudget:    *windowBudget,
		Window:          *window,
		Faults:          *faults,
		Seed:            *seed,
		VisibilityDelay: *visibility,
		URLHost:         *urlHost,
		Log:             e.log,
	})
	var schema json.RawMessage
	if *schemaPath != "" {
		b, err := os.ReadFile(*schemaPath)
		if err != nil {
			return usagef("--schema: %v", err)
		}
		if !json.Valid(b) {
			return usagef("--schema %s: not valid JSON", *schemaPath)
		}
		schema = b
	}
	dbID, loaded, err := srv.Seed(*statePath, schema, *dataSources)
	if _, bad := errors.AsType[*emulator.SchemaError](err); bad {
		return usagef("--schema: %v", err)
	}
	if err != nil {
		return err
	}

	l, err := srv.Listen(*addr)
	if err != nil {
		return err
	}
	base := l.URL()

	fmt.Fprintf(e.stdout, "🧪 Notion API emulator (Notion-Version %s) listening on %s\n", emulator.NotionVersion, base)
	if loaded {
		fmt.Fprintf(e.stdout, "📂 State loaded from %s (%d pages)\n", *statePath, len(srv.Pages(dbID)))
	}
	limit := "off"
	if *rateLimit > 0 {
		limit = fmt.Sprintf("%g requests/s (burst %d)", *rateLimit, *burst)
	}
	if *windowBudget > 0 {
		limit += fmt.Sprintf(", %d requests per %s", *windowBudget, *window)
	}
	fmt.Fprintf(e.stdout, "   rate limit: %s\n\n", limit)
	// The generated token is the emulator's own and fine to print. A --token value
	// could be someone's real Notion token, so it is never echoed.
	shownToken := srv.Token()
	if *token != "" {
		shownToken = "<the --token value>"
	}
	fmt.Fprintf(e.stdout, "export NOTION_API_BASE_URL=%s\n", base)
	fmt.Fprintf(e.stdout, "export NOTION_API_TOKEN=%s\n", shownToken)
	fmt.Fprintf(e.stdout, "export NOTION_DATABASE_ID=%s\n", dbID)
	if sources := srv.DataSources(dbID); len(sources) > 1 {
		for _, ds := range sources {
			fmt.Fprintf(e.stdout, "# data source %q: export NOTION_DATA_SOURCE_ID=%s\n", ds.Name, ds.ID)
		}
	}
	fmt.Fprintln(e.stdout)
	fmt.Fprintf(e.stdout, "Try: curl -s -X POST %s/v1/databases/%s/query -H 'Authorization: Bearer %s' -H 'Notion-Version: %s'\n",
		base, dbID, shownToken, emulator.NotionVersion)
	fmt.Fprintln(e.stdout, "Stop with Ctrl-C.")

	select {
	case <-ctx.Done():
	case err := <-l.Failed():
		return fmt.Errorf("serve emulator: %w", err)
	}
	l.Close(ctx)
	if *statePath == "" {
		return nil
	}
	if err := srv.SaveStateFile(*statePath); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "💾 State saved to %s\n", *statePath)
	return nil
}
