package app

import (
	"cmp"
	"errors"
	"flag"
	"time"

	"github.com/lukhas/notion-sync-action/internal/engine"
	"github.com/lukhas/notion-sync-action/internal/ledger"
	"github.com/lukhas/notion-sync-action/internal/notion"
	"github.com/lukhas/notion-sync-action/internal/reconcile"
	"github.com/lukhas/notion-sync-action/internal/secret"
)

// settingsFlags are the flags that become engine.Settings. A command registers
// the groups it uses (client, manifests); e.settings then builds the one
// Settings value its core takes, reading the environment here and nowhere else.
type settingsFlags struct {
	databaseID    string
	dataSourceID  string
	notionVersion string
	rate          float64
	maxRetries    int
	backoff       time.Duration
	timeout       time.Duration
	concurrency   int
	auditLog      string

	repo, config string
}

// client registers the flags of every command that talks to Notion. Their
// defaults are the client's and reconcile's own.
func (f *settingsFlags) client(fs *flag.FlagSet) {
	fs.StringVar(&f.databaseID, "database-id", "", "database id or URL (default $NOTION_DATABASE_ID)")
	fs.StringVar(&f.dataSourceID, "data-source-id", "", "the database's data source to sync, id or URL, when it has several (default $NOTION_DATA_SOURCE_ID)")
	fs.StringVar(&f.notionVersion, "notion-version", "", "Notion-Version: "+notion.VersionList()+" (default $NOTION_VERSION, else "+string(notion.DefaultVersion)+")")
	fs.Float64Var(&f.rate, "rate-limit", notion.DefaultRate, "requests per second, shared by all workers (Notion's average limit is 3)")
	fs.IntVar(&f.maxRetries, "max-retries", notion.DefaultMaxRetries, "retries of a failed request (429, 529, 5xx, network errors)")
	fs.DurationVar(&f.backoff, "backoff", notion.DefaultBackoff, "base of the exponential backoff between retries")
	fs.DurationVar(&f.timeout, "timeout", notion.DefaultTimeout, "timeout of one request")
	fs.IntVar(&f.concurrency, "concurrency", reconcile.DefaultConcurrency, "parallel writers (all paced by --rate-limit)")
	fs.StringVar(&f.auditLog, "audit-log", "artifacts/notion_api_audit.log", "one line per API call (never the token or a body)")
}

// manifests registers --repo and --config, for the commands that read manifests.
func (f *settingsFlags) manifests(fs *flag.FlagSet) {
	fs.StringVar(&f.repo, "repo", ".", "repository root holding the manifests")
	fs.StringVar(&f.config, "config", "", "config file (default .github/notion-sync.yml, else the built-in config)")
}

// settings builds the run's Settings from the flags and the environment. Every
// number, the token and the base URL are checked here, once for the CLI, with
// the same validators the Action's inputs go through.
func (e *env) settings(f settingsFlags) (engine.Settings, error) {
	typed := notion.Options{Rate: f.rate, MaxRetries: f.maxRetries, Backoff: f.backoff, Timeout: f.timeout}
	apply := reconcile.ApplyOptions{Concurrency: f.concurrency}
	if err := errors.Join(typed.Validate(), apply.Validate()); err != nil {
		return engine.Settings{}, &engine.UsageError{Err: err}
	}
	token := e.token()
	ne, err := e.notionEnv(f.notionVersion, f.dataSourceID, token)
	if err != nil {
		return engine.Settings{}, err
	}
	client := typed.AsTyped()
	client.BaseURL, client.Version = ne.baseURL, ne.version
	return engine.Settings{
		Token:        token,
		DatabaseID:   cmp.Or(f.databaseID, e.getenv("NOTION_DATABASE_ID")),
		DataSourceID: ne.dataSource,
		Client:       client,
		Apply:        apply,
		Repo:         f.repo,
		Config:       f.config,
		AuditLog:     f.auditLog,
		RunID:        ledger.NewRunID(e.getenv("GITHUB_RUN_ID"), e.getenv("GITHUB_RUN_ATTEMPT")),
		Commit:       e.getenv("GITHUB_SHA"),
		Log:          e.log,
		Progress:     e.stderr,
	}, nil
}

// notionEnv is what the environment says of Notion beside a command's flags or
// the Action's inputs, each value checked: the CLI and the Action read it through
// the one function, so both refuse the same values the same way.
type notionEnv struct {
	version    notion.Version
	dataSource string // dashed; "" for the database's only one
	baseURL    string // "" for the real API
}

// notionEnv resolves the Notion-Version and the data source (the flag or input
// first, then NOTION_VERSION and NOTION_DATA_SOURCE_ID), checks
// NOTION_API_BASE_URL and the token, and turns any problem into a usage error
// that names the setting, never the token.
func (e *env) notionEnv(version, dataSource string, token secret.Token) (notionEnv, error) {
	var ne notionEnv
	var err error
	if ne.version, err = notion.ParseVersion(cmp.Or(version, e.getenv("NOTION_VERSION"))); err != nil {
		return ne, usagef("notion-version (--notion-version, NOTION_VERSION): %v", err)
	}
	if raw := cmp.Or(dataSource, e.getenv("NOTION_DATA_SOURCE_ID")); raw != "" {
		if ne.dataSource, err = notion.ParseDataSourceID(raw); err != nil {
			return ne, usagef("data-source-id (--data-source-id, NOTION_DATA_SOURCE_ID) is not a Notion data source id: give its 32 hex digits, dashed or not, or a URL that holds it")
		}
	}
	if ne.baseURL = e.getenv("NOTION_API_BASE_URL"); ne.baseURL != "" {
		if err := notion.CheckBaseURL(ne.baseURL); err != nil {
			return ne, usagef("NOTION_API_BASE_URL: %v", err)
		}
	}
	if err := notion.ValidateToken(token); err != nil {
		return ne, usagef("the Notion token (NOTION_API_TOKEN, NOTION_TOKEN or the notion-token input): %v", err)
	}
	return ne, nil
}

// token returns the Notion token from the environment, or "" when none is set.
func (e *env) token() secret.Token {
	return secret.Token(cmp.Or(e.getenv("NOTION_API_TOKEN"), e.getenv("NOTION_TOKEN")))
}
