package action

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/sethvargo/go-githubactions"

	"github.com/lukhas/notion-sync-action/internal/notion"
	"github.com/lukhas/notion-sync-action/internal/reconcile"
	"github.com/lukhas/notion-sync-action/internal/secret"
)

// Mode is what the action does: the `mode` input.
type Mode string

// The modes. ModeAuto is resolved from the event by Resolve; the others run the
// CLI command of the same name (ModePlan is a dry-run sync).
const (
	ModeAuto      Mode = "auto"
	ModeSync      Mode = "sync"
	ModePlan      Mode = "plan"
	ModeVerify    Mode = "verify"
	ModeAudit     Mode = "audit"
	ModePreflight Mode = "preflight"
	ModeHealth    Mode = "health"
	// ModeSchemaApply runs `schema apply`: a dry run on a pull request or a
	// merge queue (Resolve), where nothing is merged yet.
	ModeSchemaApply Mode = "schema-apply"
)

// Scope is which manifests a sync covers: the `scope` input.
type Scope string

// The scopes. ScopeAuto is resolved from the event by Resolve.
const (
	ScopeAuto    Scope = "auto"
	ScopeChanged Scope = "changed"
	ScopeAll     Scope = "all"
)

// Inputs are the action's inputs, read and validated by ReadInputs. An input the
// workflow leaves out arrives as "" (the runner does not enforce action.yml's
// defaults when the image is used directly), so every field has the default
// documented in docs/action.md.
type Inputs struct {
	NotionToken secret.Token // notion-token; "" on fork pull requests, which get no secrets
	DatabaseID  string       // database-id; "" lets NOTION_DATABASE_ID decide
	// DataSourceID is data-source-id, dashed; "" lets NOTION_DATA_SOURCE_ID
	// decide, else the database's only data source.
	DataSourceID string
	// AllowMassArchive is allow-mass-archive: let a sync archive more than
	// reconcile.DefaultMaxArchiveShare of the pages. Default false.
	AllowMassArchive bool
	// MaxArchiveShare is max-archive-share: the share of the pages one run may
	// archive without allow-mass-archive. Default reconcile.DefaultMaxArchiveShare.
	MaxArchiveShare float64
	// NotionVersion is notion-version; "" lets NOTION_VERSION decide, else
	// notion.DefaultVersion.
	NotionVersion notion.Version
	Mode          Mode   // mode; default auto
	Scope         Scope  // scope; default auto
	Config        string // config: workspace-relative path; "" = .github/notion-sync.yml or the built-in config
	DryRun        bool   // dry-run: plan only, write nothing to Notion
	OnDelete      string // on-delete: "archive" | "ignore"; "" keeps the config's on_delete

	CreateIfMissing bool          // create-if-missing
	BatchSize       int           // batch-size; 0 = one batch
	BatchDelay      time.Duration // batch-delay; a bare number is seconds
	MaxRetries      int           // max-retries; default 5
	RateLimit       float64       // rate-limit in requests per second; default 3
	Concurrency     int           // concurrency; default 3

	GitHubToken    secret.Token // github-token; the container gets no token otherwise
	Comment        bool         // comment: upsert the plan comment on pull requests; default true
	UploadArtifact bool         // upload-artifact; default true
	ArtifactName   string       // artifact-name; "" = notion-sync-<job>-<run attempt>
	LedgerPath     string       // ledger-path, workspace-relative; default artifacts/notion_sync_ledger.jsonl
	PlanPath       string       // plan-path, workspace-relative; default artifacts/notion_sync_plan.json
	FailOnError    bool         // fail-on-error: failed modules fail the step; default true

	Before string // before: overrides the event's base commit
	After  string // after: overrides the head commit (default: the checked-out HEAD)
}

// Default paths of the files the action writes, relative to the workspace.
const (
	DefaultLedgerPath = "artifacts/notion_sync_ledger.jsonl"
	DefaultPlanPath   = "artifacts/notion_sync_plan.json"
)

// InputError is one input that cannot be used. Its message names the input, the
// value when it is not secret, and the fix.
type InputError struct {
	Input string // the input's name, as written in `with:`
	Msg   string
}

func (e *InputError) Error() string { return fmt.Sprintf("input %s: %s", e.Input, e.Msg) }

// ReadInputs reads every input from getenv (INPUT_<NAME>, upper-cased with
// hyphens kept, as the runner sets them) and validates it. It returns every bad
// input at once, joined with errors.Join, each an *InputError: a workflow author
// fixes them all in one edit rather than one failed run at a time.
func ReadInputs(getenv func(string) string) (Inputs, error) {
	ga := githubactions.New(githubactions.WithGetenv(getenv))
	r := inputReader{get: ga.GetInput}
	in := Inputs{
		NotionToken:      secret.Token(r.raw("notion-token")),
		DatabaseID:       r.raw("database-id"),
		Mode:             Mode(r.choice("mode", "auto", "auto", "sync", "plan", "verify", "audit", "preflight", "health", "schema-apply")),
		Scope:            Scope(r.choice("scope", "auto", "auto", "changed", "all")),
		Config:           r.path("config", ""),
		DryRun:           r.boolean("dry-run", false),
		OnDelete:         r.choice("on-delete", "", "archive", "ignore"),
		CreateIfMissing:  r.boolean("create-if-missing", false),
		BatchSize:        r.integer("batch-size", 0),
		BatchDelay:       r.duration("batch-delay", 0),
		MaxRetries:       r.integer("max-retries", notion.DefaultMaxRetries),
		RateLimit:        r.rate("rate-limit", notion.DefaultRate),
		Concurrency:      r.integer("concurrency", reconcile.DefaultConcurrency),
		DataSourceID:     r.dataSource("data-source-id"),
		NotionVersion:    r.version("notion-version"),
		AllowMassArchive: r.boolean("allow-mass-archive", false),
		MaxArchiveShare:  r.number("max-archive-share", reconcile.DefaultMaxArchiveShare),
		GitHubToken:      secret.Token(r.raw("github-token")),
		Comment:          r.boolean("comment", true),
		UploadArtifact:   r.boolean("upload-artifact", true),
		ArtifactName:     r.artifactName("artifact-name"),
		LedgerPath:       r.path("ledger-path", DefaultLedgerPath),
		PlanPath:         r.path("plan-path", DefaultPlanPath),
		FailOnError:      r.boolean("fail-on-error", true),
		Before:           r.sha("before"),
		After:            r.sha("after"),
	}
	r.validateNumbers(in)
	if err := notion.ValidateToken(in.NotionToken); err != nil {
		r.fail("notion-token", "%v", err) // names the problem, never the token
	}
	return in, errors.Join(r.errs...)
}

// dataSource reads a data source id, dashed or not, or a Notion URL holding it.
func (r *inputReader) dataSource(name string) string {
	v := r.get(name)
	if v == "" {
		return ""
	}
	id, err := notion.ParseDataSourceID(v)
	if err != nil {
		r.fail(name, "not a Notion data source id: give its 32 hex digits, dashed or not, or a URL that holds it")
	}
	return id
}

// version reads a Notion-Version; "" is left for NOTION_VERSION to decide.
func (r *inputReader) version(name string) notion.Version {
	v := r.get(name)
	if v == "" {
		return ""
	}
	ver, err := notion.ParseVersion(v)
	if err != nil {
		r.fail(name, "%v", err)
	}
	return ver
}

// inputReader reads inputs and collects every problem.
type inputReader struct {
	get  func(string) string
	errs []error
}

func (r *inputReader) fail(name, format string, a ...any) {
	r.errs = append(r.errs, &InputError{Input: name, Msg: fmt.Sprintf(format, a...)})
}

func (r *inputReader) raw(name string) string { return r.get(name) }

// choice reads an input that takes one of a few words; "" is def.
func (r *inputReader) choice(name, def string, allowed ...string) string {
	v := r.get(name)
	if v == "" {
		return def
	}
	for _, a := range allowed {
		if strings.EqualFold(v, a) {
			return a
		}
	}
	r.fail(name, "%q is not one of %s", v, strings.Join(allowed, ", "))
	return def
}

// boolean reads a boolean as the toolkit's getBooleanInput does: true, True,
// TRUE, false, False or FALSE, nothing else (YAML's yes/on arrive as strings
// only when quoted, and are refused rather than guessed).
func (r *inputReader) boolean(name string, def bool) bool {
	switch v := r.get(name); v {
	case "":
		return def
	case "true", "True", "TRUE":
		return true
	case "false", "False", "FALSE":
		return false
	default:
		r.fail(name, "%q is not a boolean: use true or false", v)
		return def
	}
}

// integer reads a whole number; "" is def. Its range is checked with the
// other numbers in validateNumbers.
func (r *inputReader) integer(name string, def int) int {
	v := r.get(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		r.fail(name, "%q is not a whole number: give e.g. %d", v, def)
		return def
	}
	return n
}

// rate reads a number of requests per second; "" is def. Its range is checked
// in validateNumbers.
func (r *inputReader) rate(name string, def float64) float64 {
	v := r.get(name)
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		r.fail(name, "%q is not a number of requests per second: give e.g. 3 (Notion's average limit)", v)
		return def
	}
	return f
}

// number reads a plain number; range checks are the validators'.
func (r *inputReader) number(name string, def float64) float64 {
	v := r.get(name)
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		r.fail(name, "%q is not a number", v)
		return def
	}
	return f
}

// duration reads a duration: a bare number is seconds ("10", "1.5"), as in the
// runbook's --batch-delay 10; Go durations ("10s", "500ms", "1m") work too. A
// negative one is left to validateNumbers.
func (r *inputReader) duration(name string, def time.Duration) time.Duration {
	v := r.get(name)
	if v == "" {
		return def
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > (1<<62)/float64(time.Second) {
			r.fail(name, "%q is not a duration: give seconds (10) or a duration (10s, 500ms)", v)
			return def
		}
		return time.Duration(f * float64(time.Second))
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		r.fail(name, "%q is not a duration: give seconds (10) or a duration (10s, 500ms)", v)
		return def
	}
	return d
}

// validateNumbers checks the client and apply numbers with the validators the
// CLI's flags go through (notion.Options.Validate,
// reconcile.ApplyOptions.Validate), so that both refuse the same values with
// the same words; each problem becomes an *InputError of the input it names.
func (r *inputReader) validateNumbers(in Inputs) {
	client := notion.Options{Rate: in.RateLimit, MaxRetries: in.MaxRetries}
	apply := reconcile.ApplyOptions{Concurrency: in.Concurrency, BatchSize: in.BatchSize, BatchDelay: in.BatchDelay}
	if err := reconcile.ValidateShare(in.MaxArchiveShare); err != nil {
		var se *reconcile.SettingError
		if errors.As(err, &se) {
			r.fail(se.Setting, "%s", se.Msg)
		}
	}
	for _, err := range []error{client.Validate(), apply.Validate()} {
		var joined interface{ Unwrap() []error }
		if !errors.As(err, &joined) {
			continue
		}
		for _, e := range joined.Unwrap() {
			var ne *notion.SettingError
			var re *reconcile.SettingError
			switch {
			case errors.As(e, &ne):
				r.fail(ne.Setting, "%s", ne.Msg)
			case errors.As(e, &re):
				r.fail(re.Setting, "%s", re.Msg)
			}
		}
	}
}

// path reads a workspace-relative path; "" is def. Absolute paths and paths
// that climb out of the workspace are refused: outputs carry these paths and
// the runner does not translate them (the container sees the workspace at
// /github/workspace, the next step at another path).
func (r *inputReader) path(name, def string) string {
	v := r.get(name)
	if v == "" {
		return def
	}
	if strings.ContainsAny(v, "\r\n\x00") {
		r.fail(name, "the path holds a line break or NUL: give a path relative to the workspace")
		return def
	}
	if _, err := relPath(v); err != nil {
		r.fail(name, "%q %v: give a path relative to the workspace, e.g. %s", v, err, orExample(def))
		return def
	}
	return v
}

func orExample(def string) string {
	if def == "" {
		return ".github/notion-sync.yml"
	}
	return def
}

// sha reads a commit sha or revision (the before/after overrides). Anything
// that could be taken for an option or a range is refused.
func (r *inputReader) sha(name string) string {
	v := r.get(name)
	if v == "" {
		return ""
	}
	if strings.HasPrefix(v, "-") || strings.Contains(v, "..") || strings.ContainsAny(v, " \t\r\n\x00") {
		r.fail(name, "%q is not a commit: give a sha, e.g. ${{ github.event.before }}", v)
		return ""
	}
	return v
}

// artifactName reads an artifact name, refusing the characters the results
// service refuses (" : < > | * ? \r \n \ /).
func (r *inputReader) artifactName(name string) string {
	v := r.get(name)
	if i := strings.IndexAny(v, "\":<>|*?\r\n\\/"); i >= 0 {
		r.fail(name, "%q holds %q, which artifact names may not: use letters, digits, - and _", v, v[i:i+1])
		return ""
	}
	return v
}
