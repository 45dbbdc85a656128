package app

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/lukhas/notion-sync-action/internal/action"
	"github.com/lukhas/notion-sync-action/internal/config"
	"github.com/lukhas/notion-sync-action/internal/engine"
	"github.com/lukhas/notion-sync-action/internal/ledger"
	"github.com/lukhas/notion-sync-action/internal/manifest"
	"github.com/lukhas/notion-sync-action/internal/notion"
	"github.com/lukhas/notion-sync-action/internal/prcomment"
	"github.com/lukhas/notion-sync-action/internal/reconcile"
	"github.com/lukhas/notion-sync-action/internal/report"
)

// Limits of what the action writes for GitHub to render.
const (
	// commentChars keeps the PR comment under GitHub's 65,536 characters, with
	// room for the marker and a margin.
	commentChars = 65_000
	// summaryChars is report.Markdown's cap for the job summary: the runner's
	// 1 MiB is in bytes, and a character takes up to four.
	summaryChars = action.MaxSummaryBytes / 4
)

// actionRun is one run of the GitHub Action: the inputs, the event, and what
// they resolved to.
type actionRun struct {
	e   *env
	r   *action.Runner
	in  action.Inputs
	ev  action.Event
	run action.Run
	ne  notionEnv // the environment's Notion settings, checked
	ws  string    // the workspace: GITHUB_WORKSPACE

	planPath, ledgerPath, auditPath string // absolute
	notes                           []string
	outputs                         map[string]string
}

// runAction is Action mode: `app.Main` with no arguments under GITHUB_ACTIONS=true.
// It reads the inputs and the event, runs the mode they resolve to on the
// same code paths as the CLI, and reports through the runner: job summary,
// annotations, outputs, the PR comment and the artifact. It returns the CLI's
// exit codes; fail-on-error: false turns "problems found" (1) into a warning.
//
// Everything it prints that is not a workflow command of its own (the log,
// the text report, errors) goes through the Runner's Text writer: to stdout,
// with workflow commands stopped. Errors quote config keys and manifest text,
// and the runner reads commands from stderr too, so a config key written as
// "X\n::error::forged" would otherwise issue one.
func runAction(ctx context.Context, e *env) int {
	r := action.NewRunner(e.getenv, e.stdout)
	defer r.Flush()
	in, inErr := action.ReadInputs(e.getenv)
	// Mask first: nothing may print a token before the runner knows it, and
	// masks are commands, which the text below stops.
	if in.NotionToken == "" {
		in.NotionToken = e.token()
	}
	r.AddMask(in.NotionToken.Reveal())
	r.AddMask(in.GitHubToken.Reveal())
	rawStderr := e.stderr
	e = textEnv(ctx, e, r.Text())
	if inErr != nil {
		fmt.Fprintln(e.stderr, "notion-sync: the action's inputs are not valid:")
		for _, err := range unjoin(inErr) {
			fmt.Fprintf(e.stderr, "  - %v\n", err)
			r.Error(action.Annotation{Title: "notion-sync: bad input", Message: err.Error()})
		}
		return ExitUsage
	}
	if e.getenv("GITHUB_OUTPUT") == "" {
		// Checked before any work: a run whose outputs vanish must not pass for a good one.
		fmt.Fprintln(e.stderr, "notion-sync: GITHUB_OUTPUT is not set: the runner is older than 2.297.0, or this is not a GitHub Actions step (run the CLI with a command instead)")
		return ExitFatal
	}
	ev, err := action.ReadEvent(e.getenv)
	if err != nil {
		fmt.Fprintf(e.stderr, "notion-sync: %v\n", err)
		r.Error(action.Annotation{Title: "notion-sync: event", Message: err.Error()})
		return ExitFatal
	}
	ne, err := e.notionEnv(string(in.NotionVersion), in.DataSourceID, in.NotionToken)
	if err != nil {
		fmt.Fprintf(e.stderr, "notion-sync: %v\n", err)
		r.Error(action.Annotation{Title: "notion-sync: bad setting", Message: err.Error()})
		return ExitUsage
	}
	a := &actionRun{e: e, r: r, in: in, ev: ev, ne: ne, ws: action.Workspace(e.getenv), outputs: map[string]string{}}
	code := ExitOK
	if a.run, err = action.Resolve(in, ev, action.ReadCheckout(a.ws, ev, e.log)); err != nil {
		code = a.fail(ctx, &engine.UsageError{Err: err})
	} else {
		code = a.do(ctx)
	}
	if err := r.Err(); err != nil && code == ExitOK {
		// The log itself failed: the one message left goes to stderr, and holds no
		// repository text.
		fmt.Fprintf(rawStderr, "notion-sync: %v\n", err)
		code = ExitFatal
	}
	return code
}

// textEnv is e with stdout, stderr and the logger all writing to text (the
// Runner's Text writer), at the level e's logger has.
func textEnv(ctx context.Context, e *env, text io.Writer) *env {
	level := slog.LevelInfo
	if e.log != nil && e.log.Enabled(ctx, slog.LevelDebug) {
		level = slog.LevelDebug
	}
	out := *e
	out.stdout, out.stderr = text, text
	out.log = slog.New(slog.NewTextHandler(text, &slog.HandlerOptions{Level: level}))
	return &out
}

// unjoin returns the errors an errors.Join holds, or err alone.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// do runs the resolved mode and returns the exit code.
func (a *actionRun) do(ctx context.Context) int {
	var err error
	if a.planPath, err = action.Abs(a.ws, a.in.PlanPath); err == nil {
		if a.ledgerPath, err = action.Abs(a.ws, a.in.LedgerPath); err == nil {
			a.auditPath = filepath.Join(filepath.Dir(a.ledgerPath), "notion_api_audit.log")
		}
	}
	if err != nil {
		return a.fail(ctx, &engine.UsageError{Err: err})
	}
	// The workspace is what a commit put there, and the action runs as root:
	// a link committed at one of these paths would have the ledger or the log
	// written through it, or its target uploaded and named in an output.
	if err := a.checkOwnFiles(a.planPath, a.ledgerPath, a.ledgerPath+".lock", a.auditPath); err != nil {
		return a.fail(ctx, err)
	}
	if err := a.checkConfig(); err != nil {
		return a.fail(ctx, err)
	}
	a.e.log.Info("notion-sync action", "event", a.ev.Name, "mode", string(a.run.Mode), "scope", string(a.run.Scope), "dry_run", a.run.DryRun)
	a.r.Debugf("workspace %s, plan %s, ledger %s", a.ws, a.planPath, a.ledgerPath)
	if a.run.Skip != "" {
		return a.skip(ctx)
	}
	switch a.run.Mode {
	case action.ModeSync, action.ModePlan:
		return a.sync(ctx)
	default:
		return a.command(ctx)
	}
}

// checkOwnFiles refuses, as a usage error, paths the run writes that are not
// plain files of the workspace (action.OwnFile).
func (a *actionRun) checkOwnFiles(paths ...string) error {
	for _, p := range paths {
		if _, err := action.OwnFile(a.ws, p); err != nil {
			return &engine.UsageError{Err: fmt.Errorf("refuse to write into the workspace: %w", err)}
		}
	}
	return nil
}

// checkConfig refuses a config file that is a link out of the workspace
// (action.CheckInside). Manifests need no such check: discovery already skips
// links that leave the repository.
func (a *actionRun) checkConfig() error {
	if name := config.FileName(a.ws, a.in.Config); name != "" {
		if err := action.CheckInside(a.ws, name); err != nil {
			return &engine.UsageError{Err: fmt.Errorf("refuse config %w", err)}
		}
	}
	return nil
}

// skip ends a run that has nothing to do, saying why in the summary, and on a
// pull request as a warning and in the comment, so that an earlier plan does
// not stay up looking current.
func (a *actionRun) skip(ctx context.Context) int {
	a.notes = append(a.notes, a.run.Skip)
	a.summary("## Notion sync\n\n> " + a.run.Skip + "\n")
	if a.ev.IsPullRequest() {
		a.r.Warning(action.Annotation{Title: "notion-sync: nothing planned", Message: a.run.Skip})
	}
	if a.run.Comment {
		marker := a.commentMarker()
		body := marker + "\n## Notion sync plan skipped\n\n> " + a.run.Skip + "\n"
		a.upsertComment(ctx, marker, body)
	}
	return a.finish(ExitOK)
}

// settings is the run's Settings from the inputs: the Action's one way in, as
// e.settings is the CLI's. An offline run has no token, even when the
// environment has one: the plan was resolved without it.
func (a *actionRun) settings() engine.Settings {
	token := a.in.NotionToken
	if a.run.Offline {
		token = ""
	}
	return engine.Settings{
		Token:            token,
		DatabaseID:       cmp.Or(a.in.DatabaseID, a.e.getenv("NOTION_DATABASE_ID")),
		Client:           a.clientOptions(),
		AllowMassArchive: a.in.AllowMassArchive,
		MaxArchiveShare:  a.in.MaxArchiveShare,
		DataSourceID:     a.ne.dataSource,
		Apply: reconcile.ApplyOptions{
			Concurrency: a.in.Concurrency,
			BatchSize:   a.in.BatchSize,
			BatchDelay:  a.in.BatchDelay,
		},
		Repo:     a.ws,
		Config:   a.in.Config,
		Plan:     a.planPath,
		Ledger:   a.ledgerPath,
		AuditLog: a.auditPath,
		RunID:    ledger.NewRunID(a.e.getenv("GITHUB_RUN_ID"), a.e.getenv("GITHUB_RUN_ATTEMPT")),
		Commit:   a.e.getenv("GITHUB_SHA"),
		Log:      a.e.log,
		Progress: a.e.stderr,
	}
}

// clientOptions are the client's settings from the inputs; NOTION_VERSION in
// the step's env counts when the notion-version input is not set.
func (a *actionRun) clientOptions() notion.Options {
	o := notion.Options{Rate: a.in.RateLimit, MaxRetries: a.in.MaxRetries}.AsTyped()
	o.BaseURL, o.Version = a.ne.baseURL, a.ne.version
	return o
}

// needNotion fails early, naming the inputs, when the run needs Notion and
// lacks the token or the database: the CLI's messages name the variables.
func (a *actionRun) needNotion() error {
	if a.in.NotionToken == "" {
		return usagef("no Notion token: pass it as the notion-token input (notion-token: ${{ secrets.NOTION_TOKEN }})")
	}
	if a.settings().DatabaseID == "" {
		return usagef("no database: set the database-id input (or NOTION_DATABASE_ID in the step's env)")
	}
	return nil
}

// sync runs modes sync and plan: one e.sync, then every report.
func (a *actionRun) sync(ctx context.Context) int {
	if !a.run.Offline {
		if err := a.needNotion(); err != nil {
			if !a.run.DryRun {
				return a.fail(ctx, err)
			}
			// A plan needs no token: without one it shows the manifests' values.
			a.run.Offline = true
			a.notes = append(a.notes, "No Notion token: the plan shows the manifests' values as if the database were empty")
		}
	}
	cfg, err := config.LoadDir(a.ws, a.in.Config)
	if err != nil {
		return a.fail(ctx, &engine.UsageError{Err: fmt.Errorf("load config: %w", err)})
	}
	f := engine.SyncRequest{
		DryRun:          a.run.DryRun,
		Offline:         a.run.Offline,
		CreateIfMissing: a.in.CreateIfMissing,
		OnDelete:        a.in.OnDelete,
	}
	if a.run.Scope == action.ScopeAll {
		f.All = true
	} else {
		finder := action.NewChangeFinder(a.e.getenv, a.ws, a.ev, a.in, a.e.log)
		found := finder.Find(ctx, func(p string) bool { return manifest.Match(cfg.Include, cfg.Exclude, p) })
		a.notes = append(a.notes, found.Notes...)
		if found.Warning != "" {
			a.r.Warning(action.Annotation{Title: "notion-sync: diff base", Message: found.Warning})
		}
		if found.Files == nil {
			f.All = true
		} else {
			f.Changed, f.Changes = true, found.Files
		}
	}
	a.notes = append(a.run.Notes, a.notes...)

	a.r.Group("Notion sync")
	res, err := engine.Sync(ctx, a.settings(), f)
	a.r.EndGroup()
	if err != nil {
		return a.fail(ctx, err)
	}
	a.printText(func(w io.Writer) error { return report.WriteText(w, res.Plan, res.Stats) })
	if res.Refusal != nil {
		// Before the failures' annotations, which may use up the step's cap.
		note := "A real sync of this plan would stop: " + res.Refusal.Error()
		a.notes = append(a.notes, note)
		a.r.Warning(action.Annotation{Title: "notion-sync: mass archive", Message: note})
	}
	a.r.AnnotateFailures(res.Plan, a.in.FailOnError)

	title := "Notion sync"
	if res.Plan.DryRun {
		title = "Notion sync plan"
	}
	if a.run.Offline {
		title += " (offline)"
	}
	a.summary(report.Markdown(res.Plan, res.Stats, report.MarkdownOptions{Title: title, MaxChars: summaryChars, Notes: a.notes}))
	if a.run.Comment {
		a.comment(ctx, title, res)
	}

	s := res.Plan.Summary
	maps.Copy(a.outputs, action.SyncOutputs(s))
	a.outputs["plan-path"] = action.OwnRel(a.ws, a.planPath)
	a.outputs["ledger-path"] = action.OwnRel(a.ws, a.ledgerPath)
	a.upload(ctx, a.planPath, a.ledgerPath, a.auditPath)

	code := ExitOK
	if s.Error > 0 {
		code = a.problems(fmt.Sprintf("%d of %d modules failed to sync", s.Error, s.Total()))
	}
	return a.finish(code)
}

// comment upserts the plan comment on the pull request. A failure is a
// warning: the plan is in the summary either way, and a fork's read-only
// token must not fail the check.
func (a *actionRun) comment(ctx context.Context, title string, res engine.Result) {
	marker := a.commentMarker()
	body := report.Markdown(res.Plan, res.Stats, report.MarkdownOptions{
		Title: title, Marker: marker, MaxChars: commentChars, DetailsURL: a.r.RunURL(), Notes: a.notes,
		SHA: a.ev.HeadSHA,
	})
	a.upsertComment(ctx, marker, body)
}

// upsertComment makes body the pull request's sticky comment, found by marker,
// and sets the comment-url output. Every failure is a warning.
func (a *actionRun) upsertComment(ctx context.Context, marker, body string) {
	url, err := prcomment.Post(ctx, a.in.GitHubToken.Reveal(), a.e.getenv("GITHUB_API_URL"), a.ev.Owner(), a.ev.Repo(), a.ev.Number, marker, body)
	if err != nil {
		a.r.Warning(action.Annotation{Title: "notion-sync: no PR comment", Message: err.Error()})
		return
	}
	a.outputs["comment-url"] = url
	a.e.log.Info("plan comment upserted", "url", url)
}

// commentMarker is the run's prcomment.Marker: the config, the database (its
// first 8 hex digits) and the job.
func (a *actionRun) commentMarker() string {
	db := "none"
	if id, err := notion.ParseDatabaseID(a.settings().DatabaseID); err == nil {
		db = strings.ReplaceAll(id, "-", "")
		db = db[:min(8, len(db))]
	}
	return prcomment.Marker(config.FileName(a.ws, a.in.Config), db, cmp.Or(a.e.getenv("GITHUB_JOB"), "none"))
}

// command runs modes verify, audit, preflight, health and schema-apply: the CLI command's
// core with the run's Settings, its text report shown in the log and the summary.
func (a *actionRun) command(ctx context.Context) int {
	name := string(a.run.Mode)
	s := a.settings()
	auditPath := filepath.Join(filepath.Dir(a.ledgerPath), filepath.Base(defaultAuditPath(time.Now())))
	var extra []string
	switch a.run.Mode {
	case action.ModeVerify, action.ModeAudit, action.ModeSchemaApply:
		if err := a.needNotion(); err != nil {
			return a.fail(ctx, err)
		}
	}
	if a.run.Mode == action.ModeAudit {
		if err := a.checkOwnFiles(auditPath); err != nil {
			return a.fail(ctx, err)
		}
		extra = append(extra, auditPath)
	}
	var out bytes.Buffer
	var err error
	a.r.Group("notion-sync " + name)
	switch a.run.Mode {
	case action.ModeVerify:
		var n int
		n, err = verify(ctx, &out, s, verifyOptions{all: true})
		if err == nil || errors.Is(err, errProblems) {
			a.outputs["discrepancies"] = strconv.Itoa(n)
		}
	case action.ModeAudit:
		var n int
		n, err = audit(ctx, &out, s, auditOptions{output: auditPath})
		if err == nil || errors.Is(err, errProblems) {
			a.outputs["discrepancies"] = strconv.Itoa(n)
		}
	case action.ModePreflight:
		err = preflight(ctx, &out, s, false)
	case action.ModeHealth:
		err = health(ctx, &out, &out, s, false)
	case action.ModeSchemaApply:
		for _, n := range a.run.Notes {
			fmt.Fprintf(&out, "ℹ️  %s\n", n)
		}
		err = schemaApply(ctx, &out, s, a.run.DryRun)
	}
	a.r.EndGroup()
	a.printText(func(w io.Writer) error { _, err := w.Write(out.Bytes()); return err })
	code := a.printErr("notion-sync "+name, err)
	md := "## Notion " + name + "\n\n" + report.CodeBlock(out.String())
	if code != ExitOK && code != ExitProblems {
		md += "\n**❌ Failed:**\n\n" + report.CodeBlock(err.Error())
	}
	a.summary(md)
	a.upload(ctx, append([]string{a.ledgerPath, a.auditPath}, extra...)...)
	switch code {
	case ExitProblems:
		code = a.problems("notion-sync " + name + " found problems: see the job summary")
	case ExitOK:
	default:
		a.r.Error(action.Annotation{Title: "notion-sync " + name, Message: "notion-sync " + name + " failed: see the log"})
	}
	return a.finish(code)
}

// problems is exit code 1, or a warning with exit 0 under fail-on-error: false.
func (a *actionRun) problems(msg string) int {
	if a.in.FailOnError {
		a.r.Error(action.Annotation{Title: "notion-sync", Message: msg})
		return ExitProblems
	}
	a.r.Warning(action.Annotation{Title: "notion-sync", Message: msg + " (fail-on-error is false)"})
	return ExitOK
}

// fail reports an error that stopped the run: in the log, as an annotation,
// in the summary, and on a pull request in the comment, which would otherwise
// keep showing an earlier run's plan as if it were current.
func (a *actionRun) fail(ctx context.Context, err error) int {
	code := a.printErr("notion-sync", err)
	a.r.Error(action.Annotation{Title: "notion-sync failed", Message: err.Error()})
	a.summary("## Notion sync failed\n\n" + report.CodeBlock(err.Error()))
	if a.run.Comment {
		marker := a.commentMarker()
		a.upsertComment(ctx, marker, report.MarkdownFailure(err.Error(), report.MarkdownOptions{
			Marker: marker, MaxChars: commentChars, DetailsURL: a.r.RunURL(), SHA: a.ev.HeadSHA,
		}))
	}
	return a.finish(code)
}

// printErr prints err once, as "name: err" (the CLI's form), unless the
// command has shown it already, and returns its exit code.
func (a *actionRun) printErr(name string, err error) int {
	code := exitCode(io.Discard, name, err)
	if code == ExitFatal || code == ExitUsage && !errors.Is(err, errUsageReported) {
		fmt.Fprintf(a.e.stderr, "%s: %v\n", name, err)
	}
	return code
}

// finish writes the outputs; a run whose outputs cannot be written fails.
func (a *actionRun) finish(code int) int {
	if err := a.r.SetOutputs(action.Outputs(), a.outputs); err != nil {
		fmt.Fprintf(a.e.stderr, "notion-sync: %v\n", err)
		return max(code, ExitFatal)
	}
	return code
}

// summary appends markdown to the job summary (action.Runner.Summarize).
func (a *actionRun) summary(md string) { a.r.Summarize(md, a.e.log) }

// printText prints a report to the log. The log is the Runner's Text writer,
// so no manifest text in it can issue a workflow command.
func (a *actionRun) printText(write func(io.Writer) error) {
	if err := write(a.e.stdout); err != nil {
		a.e.log.Warn("print report", "reason", err)
	}
}

// upload names the files of paths that exist in the artifact-files output, for
// a workflow that uploads them itself (upload-artifact: false), and when the
// upload-artifact input asks for it uploads them as the run's artifact and sets
// artifact-id and artifact-url.
func (a *actionRun) upload(ctx context.Context, paths ...string) {
	files := action.OwnFiles(a.ws, paths...)
	a.outputs["artifact-files"] = strings.Join(files.Names, "\n")
	if !a.in.UploadArtifact {
		return
	}
	id, link := a.r.Upload(ctx, action.ArtifactName(a.in.ArtifactName, a.e.getenv), a.e.log, files)
	if id != 0 {
		a.outputs["artifact-id"] = strconv.FormatInt(id, 10)
	}
	if link != "" {
		a.outputs["artifact-url"] = link
	}
}
