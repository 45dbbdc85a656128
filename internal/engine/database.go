package engine

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/lukhas/notion-sync-action/internal/notion"
	"github.com/lukhas/notion-sync-action/internal/property"
	"github.com/lukhas/notion-sync-action/internal/reconcile"
	"github.com/lukhas/notion-sync-action/internal/restore"
	"github.com/lukhas/notion-sync-action/internal/safefile"
)

// The build fails if the adapter stops satisfying what reconcile and restore need.
var (
	_ reconcile.Notion        = (*Database)(nil)
	_ restore.Notion          = (*Database)(nil)
	_ reconcile.CreateStopper = (*Database)(nil)
)

// ErrNoToken says how to provide the token, without ever echoing one.
var ErrNoToken = &UsageError{errors.New("no Notion token: set NOTION_API_TOKEN (or NOTION_TOKEN) in the environment, .env or .env.local")}

// Connect builds a Notion client from s, bound to s's database. Close the
// Database to flush the audit log.
func Connect(s Settings) (*Database, error) {
	if s.Token == "" {
		return nil, ErrNoToken
	}
	id, err := ParseDatabaseID(s.DatabaseID)
	if err != nil {
		return nil, err
	}
	c, audit, err := newClient(s)
	if err != nil {
		return nil, err
	}
	return &Database{c: c, id: id, dataSource: s.DataSourceID, audit: audit}, nil
}

// ConnectSchema is Connect and the schema of the rows' collection, for the
// commands that start from it (restore, schema apply, backfill --options); a
// failed read says how to fix the database. Close the Database when done.
func ConnectSchema(ctx context.Context, s Settings) (*Database, notion.Database, error) {
	db, err := Connect(s)
	if err != nil {
		return nil, notion.Database{}, err
	}
	schema, err := db.Schema(ctx)
	if err != nil {
		db.Close()
		return nil, notion.Database{}, fmt.Errorf("read database %s: %w%s", db.id, err, DatabaseFix(err))
	}
	return db, schema, nil
}

// newClient builds the client of s, its calls logged to s.AuditLog; close the
// returned Closer to flush the log.
func newClient(s Settings) (*notion.Client, io.Closer, error) {
	var audit io.WriteCloser = nopCloser{io.Discard}
	if s.AuditLog != "" {
		file, err := safefile.OpenAppend(s.Root(s.AuditLog), s.AuditLog)
		if err != nil {
			return nil, nil, fmt.Errorf("open audit log: %w", err)
		}
		audit = file
	}
	opts := s.Client
	opts.AuditLog, opts.Logger = audit, s.Log
	return notion.New(s.Token, opts), audit, nil
}

// ParseDatabaseID is the database raw names (a setting), dashed.
func ParseDatabaseID(raw string) (string, error) {
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

// Database is the Notion client bound to one database: the adapter that
// reconcile.Notion and restore.Notion ask for, and the schema calls of the
// read-only commands.
type Database struct {
	c          *notion.Client
	id         string // dashed
	dataSource string // as the settings give it
	audit      io.Closer

	t        notion.Target // where the rows live, once resolved
	resolved bool

	keyProperty string // for FindByKey
}

// ID is the database's dashed id.
func (d *Database) ID() string { return d.id }

// Client is the bound client, for calls the adapter does not wrap (Me, Stats).
func (d *Database) Client() *notion.Client { return d.c }

// Close flushes and closes the audit log.
func (d *Database) Close() error { return d.audit.Close() }

// Target finds where the database's rows live, once.
func (d *Database) Target(ctx context.Context) (notion.Target, error) {
	if err := d.resolve(ctx); err != nil {
		return notion.Target{}, err
	}
	return d.t, nil
}

func (d *Database) resolve(ctx context.Context) error {
	if d.resolved {
		return nil
	}
	t, err := d.c.Resolve(ctx, d.id, d.dataSource)
	var multi *notion.MultipleDataSourcesError
	var unknown *notion.DataSourceNotFoundError
	switch {
	case errors.As(err, &multi):
		return &UsageError{fmt.Errorf("%w\nFix: choose one with --data-source-id, NOTION_DATA_SOURCE_ID or the Action's data-source-id input", err)}
	case errors.Is(err, notion.ErrDataSourceVersion):
		return &UsageError{fmt.Errorf("%w\nFix: data sources need Notion-Version 2025-09-03 or later: set --notion-version or NOTION_VERSION, or drop the data source id", err)}
	case errors.As(err, &unknown):
		return &UsageError{fmt.Errorf("%w\nFix: give one of these ids in --data-source-id, NOTION_DATA_SOURCE_ID or data-source-id", err)}
	case err != nil:
		return err
	}
	d.t, d.resolved = t, true
	return nil
}

// Schema returns the schema of the rows' collection.
func (d *Database) Schema(ctx context.Context) (notion.Database, error) {
	if err := d.resolve(ctx); err != nil {
		return notion.Database{}, err
	}
	return d.c.Schema(ctx, d.t)
}

func (d *Database) Query(ctx context.Context, filter json.RawMessage) ([]reconcile.Page, error) {
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

func (d *Database) Page(ctx context.Context, id string) (reconcile.Page, error) {
	p, err := d.c.Page(ctx, id)
	if err != nil {
		return reconcile.Page{}, err
	}
	return fromNotion(p), nil
}

func (d *Database) Create(ctx context.Context, props map[string]property.Value) (reconcile.Page, error) {
	if err := d.resolve(ctx); err != nil {
		return reconcile.Page{}, err
	}
	p, err := d.c.CreatePage(ctx, d.t, encode(props))
	if err != nil {
		return reconcile.Page{}, err
	}
	return fromNotion(p), nil
}

func (d *Database) Update(ctx context.Context, id string, props map[string]property.Value) (reconcile.Page, error) {
	p, err := d.c.UpdatePage(ctx, id, encode(props))
	if err != nil {
		return reconcile.Page{}, err
	}
	return fromNotion(p), nil
}

func (d *Database) Archive(ctx context.Context, id string) error {
	_, err := d.c.TrashPage(ctx, id, true)
	return err
}

// FindByKey returns the live pages whose key property (set with SetKey) is
// key: restore finds through it the page of a create the ledger holds only
// the intent of.
func (d *Database) FindByKey(ctx context.Context, key string) ([]reconcile.Page, error) {
	if d.keyProperty == "" {
		return nil, errors.New("find by key: no key property")
	}
	return d.Query(ctx, reconcile.KeyFilter(d.keyProperty, []string{key}))
}

// SetKey names the database's key (title) property, for FindByKey.
func (d *Database) SetKey(property string) { d.keyProperty = property }

// SetArchived moves a page to the trash (true) or out of it (false).
func (d *Database) SetArchived(ctx context.Context, id string, archived bool) error {
	_, err := d.c.TrashPage(ctx, id, archived)
	return err
}

// StopsCreates reports a refusal for the workspace's block limit: no create
// can succeed after it, so the sync stops creating (notion-api.md §6).
func (d *Database) StopsCreates(err error) bool { return notion.IsBlockLimit(err) }

// RequestID is Notion's request id in err, for the ledger.
func (d *Database) RequestID(err error) string { return RequestID(err) }

func (d *Database) Ambiguous(err error) bool { return notion.IsAmbiguous(err) }
func (d *Database) NotFound(err error) bool  { return notion.IsNotFound(err) }

func encode(props map[string]property.Value) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(props))
	for name, v := range props {
		out[name] = property.Encode(v)
	}
	return out
}

// notInADatabase stands for the collection of a page whose parent is a page, a
// block or the workspace: it is never the target, so such a page is foreign.
const notInADatabase = "none (the page is not a database row)"

func fromNotion(p notion.Page) reconcile.Page {
	out := reconcile.Page{ID: p.ID, Database: cmp.Or(p.ParentID(), notInADatabase), Created: p.Created, Archived: p.InTrash, Props: map[string]property.Value{}}
	for name, raw := range p.Properties {
		if v, ok := property.Decode(raw); ok {
			out.Props[name] = v
		}
	}
	return out
}

// RequestID digs Notion's request id out of an error, for the ledger.
func RequestID(err error) string {
	var apiErr *notion.APIError
	if errors.As(err, &apiErr) {
		return apiErr.RequestID
	}
	return ""
}

// UpdateSchema edits the schema of the rows' collection (see notion.Client.UpdateSchema).
func (d *Database) UpdateSchema(ctx context.Context, props map[string]json.RawMessage) (notion.Database, error) {
	if err := d.resolve(ctx); err != nil {
		return notion.Database{}, err
	}
	return d.c.UpdateSchema(ctx, d.t, props)
}

// DumpSchema returns the rows' collection object as Notion sent it (every
// field, also those the sync does not read), indented and ending in a newline,
// and how many properties it has: what `schema dump` writes, so that the
// runbook's `jq '.properties' artifacts/notion_schema.json` works. A failed
// read says how to fix the database; an object without properties (Notion's
// answer to an integration without read content capability) says so.
func (d *Database) DumpSchema(ctx context.Context) (dump []byte, properties int, err error) {
	if err := d.resolve(ctx); err != nil {
		return nil, 0, fmt.Errorf("dump schema: %w%s", err, DatabaseFix(err))
	}
	raw, err := d.c.SchemaRaw(ctx, d.t)
	if err != nil {
		return nil, 0, fmt.Errorf("dump schema: %w%s", err, DatabaseFix(err))
	}
	var obj struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(raw, &obj); err != nil || obj.Properties == nil {
		return nil, 0, fmt.Errorf("dump schema: the database object of %s has no properties; give the integration read content capability", d.id)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		return nil, 0, fmt.Errorf("dump schema: %w", err)
	}
	out.WriteByte('\n')
	return out.Bytes(), len(obj.Properties), nil
}
