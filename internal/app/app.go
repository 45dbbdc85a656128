// Package app wires the notion-sync commands together: it parses the command line,
// reads the environment (and .env files, through dotenv), builds the clients, runs
// one command and turns its outcome into an exit code. Behaviour lives in the noun packages; this
// package only connects them, so that main.go stays a few lines and tests can run
// every command in-process with their own environment and output streams.
package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"

	"github.com/lukhas/notion-sync-action/internal/dotenv"
	"github.com/lukhas/notion-sync-action/internal/engine"
)

// Exit codes, as DESIGN.md fixes them for scripts and CI steps that branch on them.
const (
	ExitOK       = 0 // everything done, nothing wrong
	ExitProblems = 1 // ran, but found problems: failed modules, drift, unhealthy
	ExitUsage    = 2 // bad usage or bad config: nothing was attempted
	ExitFatal    = 3 // could not run: Notion, git or the file system failed
)

// env is what a command may use of the outside world. Commands never read os.Getenv
// or write to os.Stdout directly, so tests run them in parallel with their own env.
type env struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
	log    *slog.Logger
}

// command is one notion-sync subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

func commands() []command {
	return []command{
		{"demo", "run the whole pipeline against a built-in emulator", runDemo},
		{"emulator", "serve a local Notion API emulator", runEmulator},
		{"init", "create the database under a Notion page (--parent PAGE [--title T])", runInit},
		{"preflight", "check config, manifests, hydration and the database schema", runPreflight},
		{"sync", "sync manifests to Notion (--all, --module NAME, --changed)", runSync},
		{"backfill", "write notion_database_options into manifests (--apply, --options)", runBackfill},
		{"verify", "check that Notion shows what the manifests say (--module NAME | --all)", runVerify},
		{"health", "check the API, the token and the database (--json)", runHealth},
		{"schema", "dump the database schema, or add what it lacks (schema dump | schema apply [--dry-run])", runSchema},
		{"audit", "list every discrepancy between Notion and the manifests (--output F)", runAudit},
		{"restore", "undo the syncs recorded in the ledger after a commit (--ledger F --sha S --confirm)", runRestore},
		{"ledger", "check the ledger's hash chain and records (ledger verify [FILE])", runLedger},
		{"hook", "install the post-commit hook that syncs changed manifests (hook install)", runHook},
	}
}

// usagef is a bad command line or config: exit code 2.
func usagef(format string, a ...any) error { return &engine.UsageError{Err: fmt.Errorf(format, a...)} }

// errUsageReported is a usage error the command has already shown: exit code 2
// without printing it again.
var errUsageReported = errors.New("bad usage or config")

// errProblems marks a run that finished but found problems: exit code 1. The command
// has already reported them, so Main prints nothing more.
var errProblems = errors.New("problems found")

// Main runs notion-sync with args (without the program name) and returns the exit
// code. getenv is consulted before the .env files of the working directory, which
// are not read on an Actions runner. With no args under GITHUB_ACTIONS=true it runs
// as the GitHub Action (action.go).
func Main(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	actionMode := len(args) == 0 && getenv("GITHUB_ACTIONS") == "true"
	getenv = dotenv.Local(getenv, ".env.local", ".env")
	level := slog.LevelInfo
	if getenv("RUNNER_DEBUG") == "1" || getenv("NOTION_SYNC_DEBUG") == "1" {
		level = slog.LevelDebug
	}
	e := &env{
		getenv: getenv,
		stdout: stdout,
		stderr: stderr,
		log:    slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})),
	}
	if actionMode {
		return runAction(ctx, e)
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(stdout)
		if len(args) == 0 {
			return ExitUsage
		}
		return ExitOK
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, e, args[1:])
		return exitCode(stderr, c.name, err)
	}
	fmt.Fprintf(stderr, "notion-sync: unknown command %q\n\n", args[0])
	printUsage(stderr)
	return ExitUsage
}

func exitCode(stderr io.Writer, name string, err error) int {
	var u *engine.UsageError
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, flag.ErrHelp):
		return ExitOK
	case errors.Is(err, errProblems):
		return ExitProblems
	case errors.Is(err, errUsageReported):
		return ExitUsage
	case errors.As(err, &u):
		fmt.Fprintf(stderr, "notion-sync %s: %v\n", name, err)
		return ExitUsage
	default:
		fmt.Fprintf(stderr, "notion-sync %s: %v\n", name, err)
		return ExitFatal
	}
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: notion-sync <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'notion-sync <command> --help' for the flags of one command.")
}

// newFlagSet returns a flag set that reports errors instead of exiting, and prints
// its help to the command's stdout.
func newFlagSet(e *env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fs.SetOutput(e.stdout)
		fmt.Fprintf(e.stdout, "Usage: notion-sync %s\n\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and turns a flag error into a usage error. Positional
// arguments are refused: every command takes flags only.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &engine.UsageError{Err: err}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// parseSettings parses the flags of a command that takes the settings flags (a
// bare number given to --backoff is seconds, as the runbook writes it) and
// builds its Settings.
func (e *env) parseSettings(fs *flag.FlagSet, f *settingsFlags, args []string) (engine.Settings, error) {
	if err := parseFlags(fs, secondsArgs(args, "backoff")); err != nil {
		return engine.Settings{}, err
	}
	return e.settings(*f)
}

// secondsArgs rewrites a bare number given to one of the named duration flags as
// seconds ("--batch-delay 10" → "--batch-delay=10s"), as the runbook's command
// lines pass them. Other arguments pass through untouched.
func secondsArgs(args []string, names ...string) []string {
	out := make([]string, 0, len(args))
	isDuration := func(a string) bool {
		a = strings.TrimLeft(a, "-")
		for _, n := range names {
			if a == n {
				return true
			}
		}
		return false
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if name, val, ok := strings.Cut(a, "="); ok && isDuration(name) && isNumber(val) {
			out = append(out, name+"="+val+"s")
			continue
		}
		if isDuration(a) && i+1 < len(args) && isNumber(args[i+1]) {
			out = append(out, a+"="+args[i+1]+"s")
			i++
			continue
		}
		out = append(out, a)
	}
	return out
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}
