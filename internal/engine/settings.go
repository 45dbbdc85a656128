package engine

import (
	"io"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/lukhas/notion-sync-action/internal/notion"
	"github.com/lukhas/notion-sync-action/internal/reconcile"
	"github.com/lukhas/notion-sync-action/internal/safefile"
	"github.com/lukhas/notion-sync-action/internal/secret"
)

// Settings is everything the user chose for one run. internal/app builds it once,
// from flags and the environment or from the Action's inputs, and passes it down
// unchanged: no part of the engine reads a flag or a variable of its own.
type Settings struct {
	// Token is the Notion integration token; "" means none (offline plans only).
	Token secret.Token
	// DatabaseID is the database as the user gave it: dashed, undashed or a URL.
	// It is parsed when a command connects, so commands that never call Notion
	// do not need it.
	DatabaseID string
	// DataSourceID chooses one data source of a database that has several; ""
	// means its only one.
	DataSourceID string
	// Client holds the client's pacing, retries and timeouts and the base URL;
	// its zero fields mean notion's defaults. AuditLog and Logger are set by
	// Connect from AuditLog and Log below.
	Client notion.Options
	// Apply holds how writes are spread: Concurrency, BatchSize and BatchDelay.
	// The sync sets the rest.
	Apply reconcile.ApplyOptions

	Repo   string // repository root holding the manifests
	Config string // config file; "" means .github/notion-sync.yml or the built-in config

	Plan     string // the plan file; "" writes none
	Ledger   string // the append-only ledger
	AuditLog string // one line per API call; "" writes none

	RunID  string // names the run in the ledger
	Commit string // the commit synced when Repo is not a git checkout ($GITHUB_SHA)

	Log *slog.Logger // never nil once built by app
	// Progress is where a sync draws its progress (stderr); nil draws none.
	Progress io.Writer

	// AllowMassArchive lets a sync archive more than
	// reconcile.DefaultMaxArchiveShare of the database's pages
	// (--allow-mass-archive, input allow-mass-archive).
	AllowMassArchive bool
	// MaxArchiveShare is the share of the database's pages one sync may
	// archive without AllowMassArchive; 0 means
	// reconcile.DefaultMaxArchiveShare (--max-archive-share, input
	// max-archive-share).
	MaxArchiveShare float64
}

// checkOutputs refuses, before anything is read or written, a run whose plan,
// ledger or audit log is a symbolic link (or lies below one): the writes at the
// end of a sync must not be the ones that find it.
func (s Settings) checkOutputs() error {
	for _, p := range []string{s.Plan, s.Ledger, s.AuditLog} {
		if p == "" {
			continue
		}
		if _, err := safefile.Check(s.Root(p), p); err != nil {
			return &UsageError{err}
		}
	}
	return nil
}

// Root is the folder below which no part of path may be a symbolic link when
// the tool writes it (package safefile): the working folder for a relative
// path, which is where the repository is when the CLI runs in it; the
// repository for an absolute path inside it; else the file's own folder.
func (s Settings) Root(path string) string {
	if !filepath.IsAbs(path) {
		if rel := filepath.Clean(path); rel == ".." || strings.HasPrefix(rel, "../") {
			// Above the working folder: only the file's own folder is checked.
			return filepath.Dir(path)
		}
		return "."
	}
	if repo, err := filepath.Abs(s.Repo); err == nil && s.Repo != "" {
		if rel, err := filepath.Rel(repo, path); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
			return repo
		}
	}
	return filepath.Dir(path)
}
