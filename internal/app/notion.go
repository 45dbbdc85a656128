package app

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/lukhas/notion-sync-action/internal/notion"
	"github.com/lukhas/notion-sync-action/internal/property"
	"github.com/lukhas/notion-sync-action/internal/reconcile"
)

// The build fails if the adapter stops satisfying what reconcile needs.
var _ reconcile.Notion = (*database)(nil)

// clientFlags are the flags of every command that talks to Notion.
type clientFlags struct {
	databaseID  string
	rate        float64
	maxRetries  int
	backoff     time.Duration
	timeout     time.Duration
	concurrency int
	auditPath   string
}

func (f *clientFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.databaseID, "database-id", "", "database id or URL (default $NOTION_DATABASE_ID)")
	fs.Float64Var(&f.rate, "rate-limit", 3, "requests per second, shared by all workers (Notion's average limit is 3)")
	fs.IntVar(&f.maxRetries, "max-retries", 5, "retries of a failed request (429, 529, 5xx, network errors)")
	fs.DurationVar(&f.backoff, "backoff", time.Second, "base of the exponential backoff between retries")
	fs.DurationVar(&f.timeout, "timeout", 30*time.Second, "timeout of one request")
	fs.IntVar(&f.concurrency, "concurrency", 3, "parallel writers (all paced by --rate-limit)")
	fs.StringVar(&f.auditPath, "audit-log", "artifacts/notion_api_audit.log", "one line per API call (never the token or a body)")
}

// errNoToken says how to provide the token, without ever echoing one.
var errNoToken = errors.New("no Notion token: set NOTION_API_TOKEN (or NOTION_TOKEN) in the environment, .env or .env.local")

// token returns the Notion token from the environment, or "" when none is set.
func (e *env) token() notion.Secret {
	if t := e.getenv("NOTION_API_TOKEN"); t != "" {
		return notion.Secret(t)
	}
	return notion.Secret(e.getenv("NOTION_TOKEN"))
}

// connect builds a Notion client bound to the configured database. The returned
// closer flushes the audit log.
func (e *env) connect(f clientFlags) (*database, io.Closer, error) {
	token := e.token()
	if token == "" {
		return nil, nil, usageError{errNoToken}
	}
	id, err := e.databaseID(f)
	if err != nil {
		return nil, nil, err
	}
	if f.rate <= 0 {
		return nil, nil, usagef("--rate-limit must be above 0, got %v", f.rate)
	}
	var audit io.WriteCloser = nopCloser{io.Discard}
	if f.auditPath != "" {
		if err := os.MkdirAll(filepath.Dir(f.auditPath), 0o755); err != nil {
			return nil, nil, fmt.Errorf("create audit log folder: %w", err)
		}
		file, err := os.OpenFile(f.auditPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return nil, nil, fmt.Errorf("open audit log: %w", err)
		}
		audit = file
	}
	retries := f.maxRetries
	if retries == 0 {
		retries = -1 // the client reads 0 as "default"
	}
	c := notion.New(token, notion.Options{
		BaseURL:    e.getenv("NOTION_API_BASE_URL"),
		Rate:       f.rate,
		Burst:      max(1, min(3, int(f.rate))),
		MaxRetries: retries,
		Backoff:    f.backoff,
		MaxBackoff: max(30*time.Second, f.backoff), // the runbook's "--backoff 60" means a 60 s wait
		Timeout:    f.timeout,
		AuditLog:   audit,
		Logger:     e.log,
	})
	return &database{c: c, id: id}, audit, nil
}

// databaseID is the database the flags or the environment name, dashed.
func (e *env) databaseID(f clientFlags) (string, error) {
	raw := f.databaseID
	if raw == "" {
		raw = e.getenv("NOTION_DATABASE_ID")
	}
	if raw == "" {
		return "", usagef("no database: set NOTION_DATABASE_ID or pass --database-id")
	}
	id, err := notion.ParseDatabaseID(raw)
	if err != nil {
		// The value is not echoed: a token pasted into the wrong secret must not print.
		return "", usagef("NOTION_DATABASE_ID (or --database-id) is not a Notion database id: give its 32 hex digits, dashed or not, or the database's URL")
	}
	return id, nil
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// database adapts *notion.Client, bound to one database, to reconcile.Notion.
type database struct {
	c  *notion.Client
	id string

	t        notion.Target // where the rows live, once resolved
	resolved bool
}

// resolve finds where the database's rows live, once.
func (d *database) resolve(ctx context.Context) error {
	if d.resolved {
		return nil
	}
	t, err := d.c.Resolve(ctx, d.id, "")
	if err != nil {
		return err
	}
	d.t, d.resolved = t, true
	return nil
}

// schema returns the schema of the rows' collection.
func (d *database) schema(ctx context.Context) (notion.Database, error) {
	if err := d.resolve(ctx); err != nil {
		return notion.Database{}, err
	}
	return d.c.Schema(ctx, d.t)
}

func (d *database) Query(ctx context.Context, filter json.RawMessage) ([]reconcile.Page, error) {
	if err := d.resolve(ctx); err != nil {
		return nil, err
	}
	pages, err := d.c.Query(ctx, d.t, filter)
	if err != nil {
		return nil, err
	}
	out := make([]reconcile.Page, len(pages))
	for i, p := range pages {
		out[i] = fromNotion(p)
	}
	return out, nil
}

func (d *database) Page(ctx context.Context, id string) (reconcile.Page, error) {
	p, err := d.c.Page(ctx, id)
	if err != nil {
		return reconcile.Page{}, err
	}
	return fromNotion(p), nil
}

func (d *database) Create(ctx context.Context, props map[string]property.Value) (reconcile.Page, error) {
	if err := d.resolve(ctx); err != nil {
		return reconcile.Page{}, err
	}
	p, err := d.c.CreatePage(ctx, d.t, encode(props))
	if err != nil {
		return reconcile.Page{}, err
	}
	return fromNotion(p), nil
}

func (d *database) Update(ctx context.Context, id string, props map[string]property.Value) (reconcile.Page, error) {
	p, err := d.c.UpdatePage(ctx, id, encode(props))
	if err != nil {
		return reconcile.Page{}, err
	}
	return fromNotion(p), nil
}

func (d *database) Archive(ctx context.Context, id string) error {
	_, err := d.c.TrashPage(ctx, id, true)
	return err
}

func (d *database) Ambiguous(err error) bool { return notion.IsAmbiguous(err) }
func (d *database) NotFound(err error) bool  { return notion.IsNotFound(err) }

func encode(props map[string]property.Value) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(props))
	for name, v := range props {
		out[name] = property.Encode(v)
	}
	return out
}

func fromNotion(p notion.Page) reconcile.Page {
	out := reconcile.Page{ID: p.ID, Database: p.DatabaseID, Created: p.Created, Archived: p.InTrash, Props: map[string]property.Value{}}
	for name, raw := range p.Properties {
		if v, ok := property.Decode(raw); ok {
			out.Props[name] = v
		}
	}
	return out
}

// requestID digs Notion's request id out of an error, for the ledger.
func requestID(err error) string {
	var apiErr *notion.APIError
	if errors.As(err, &apiErr) {
		return apiErr.RequestID
	}
	return ""
}
