package notion

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/lukhas/notion-sync-action/internal/clock"
	"github.com/lukhas/notion-sync-action/internal/secret"
	"golang.org/x/time/rate"
)

// DefaultBaseURL is the real Notion API. Set Options.BaseURL (from
// NOTION_API_BASE_URL) to point the client at an emulator.
const DefaultBaseURL = "https://api.notion.com"

// Options configures a Client. The zero value means "the defaults", which suit
// the real API: 3 requests/s with a burst of 3, 5 retries, backoff from 1 s
// capped at 30 s, and a 30 s timeout per attempt.
type Options struct {
	// Version is the Notion-Version of every request, and so the shapes the
	// client sends and reads (see the package doc). Zero means DefaultVersion;
	// a value ParseVersion refuses makes every call fail with its error.
	Version Version
	// BaseURL is where requests go, as BaseURL + "/v1/...". Default
	// https://api.notion.com. A trailing "/" or "/v1" is ignored.
	BaseURL string
	// Rate is the number of requests per second shared by every goroutine using
	// this Client (Notion documents an average of 3/s per integration). Default 3;
	// rate.Inf or a negative value disables pacing.
	Rate float64
	// Burst is how many requests may go at once before pacing starts. Default 3,
	// or the rate per second when that is lower.
	Burst int
	// MaxRetries is the number of retries after the first attempt for retryable
	// failures. Default 5; 0 means the default; -1 means none.
	MaxRetries int
	// Backoff is the base of the capped exponential backoff. Default 1s.
	Backoff time.Duration
	// MaxBackoff caps one backoff wait. Default 30s.
	MaxBackoff time.Duration
	// Timeout bounds each attempt, answer body included. Default 30s, or
	// HTTPClient.Timeout when that is set.
	Timeout time.Duration
	// AuditLog receives one line per HTTP attempt (format in the package doc).
	// Writes are serialized. Nil means no audit log.
	AuditLog io.Writer
	// Logger receives retry and rate-limit notices. Nil discards them.
	Logger *slog.Logger
	// HTTPClient is an optional base: its Transport (http.DefaultTransport when
	// nil) is wrapped and its CheckRedirect and Jar are kept. Its Timeout is used
	// per attempt, never for a whole call with its retries.
	HTTPClient *http.Client
	// Sleep waits d or until ctx is done. Default: a real timer. Tests inject a
	// recorder so no test sleeps.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock used for the limiter, pauses, deadlines and audit
	// timestamps. Default time.Now. Tests inject a fixed clock for exact waits.
	Now func() time.Time
}

// Stats counts what a Client did, for the job summary. It is a snapshot.
type Stats struct {
	// Calls is the number of HTTP attempts sent (retries included).
	Calls int
	// ByStatus counts attempts by HTTP status; 0 is a network error or timeout.
	ByStatus map[int]int
	// RateLimited counts 429 and 529 answers.
	RateLimited int
	// RateLimitReasons counts 429 answers by additional_data.rate_limit_reason
	// (which limit was hit); "unspecified" when Notion gave none. Nil when
	// there was no 429.
	RateLimitReasons map[string]int
	// Retries counts attempts that were retries.
	Retries int
	// Waited is the total time spent waiting for the limiter, Retry-After
	// pauses and backoff, summed over all goroutines.
	Waited time.Duration
}

// Client talks to Notion for one integration token. It is safe for concurrent
// use by many goroutines, which then share one rate limiter and one
// rate-limit pause; create one Client per token and share it. Every method
// returns an error that carries an *APIError (errors.As) when Notion answered
// with anything but 200.
type Client struct {
	hc      *http.Client
	tr      *transport
	version Version
}

// New returns a Client. It never fails: a bad BaseURL (CheckBaseURL) or a
// malformed token (ValidateToken) makes every call return that error at
// once, without retrying or sending anything, so the caller reports it where
// it reports API errors.
func New(token secret.Token, opts Options) *Client {
	tok := token
	version := opts.Version
	if version == "" {
		version = DefaultVersion
	}
	tr := &transport{
		token:      &tok,
		version:    version,
		maxRetries: opts.MaxRetries,
		backoff:    opts.Backoff,
		maxBackoff: opts.MaxBackoff,
		timeout:    opts.Timeout,
		sleep:      opts.Sleep,
		now:        opts.Now,
		log:        opts.Logger,
		jitter:     func(d time.Duration) time.Duration { return rand.N(d + 1) },
		maxBody:    maxResponseBody,
	}
	switch {
	case tr.maxRetries == 0:
		tr.maxRetries = DefaultMaxRetries
	case tr.maxRetries < 0:
		tr.maxRetries = 0
	}
	if tr.backoff <= 0 {
		tr.backoff = DefaultBackoff
	}
	if tr.maxBackoff <= 0 {
		tr.maxBackoff = DefaultMaxBackoff
	}
	if tr.maxBackoff < tr.backoff {
		tr.maxBackoff = tr.backoff
	}
	if tr.sleep == nil {
		tr.sleep = clock.Sleep
	}
	if tr.now == nil {
		tr.now = time.Now
	}
	if tr.log == nil {
		tr.log = slog.New(slog.DiscardHandler)
	}
	if opts.AuditLog != nil {
		tr.audit = &auditLog{w: opts.AuditLog}
	}
	r := opts.Rate
	switch {
	case r == 0:
		r = DefaultRate
	case r < 0:
		r = float64(rate.Inf)
	}
	burst := opts.Burst
	if burst <= 0 {
		// Never more at once than the rate allows in a second, so a slow rate
		// set for a shared workspace is not exceeded by the first burst.
		burst = max(1, min(DefaultBurst, int(r)))
	}
	tr.configured = rate.Limit(r)
	tr.current = tr.configured
	tr.limiter = rate.NewLimiter(tr.configured, burst)
	// A URL that would send the token in clear text to another machine, or a
	// token no header can carry, fails every call before anything is sent.
	tr.base, tr.baseErr = parseBaseURL(opts.BaseURL)
	if tr.baseErr == nil {
		tr.baseErr = CheckBaseURL(opts.BaseURL)
	}
	if _, err := ParseVersion(string(version)); err != nil && tr.baseErr == nil {
		tr.baseErr = err
	}
	if tr.baseErr == nil {
		tr.baseErr = ValidateToken(token)
	}

	hc := &http.Client{}
	if opts.HTTPClient != nil {
		hc.CheckRedirect = opts.HTTPClient.CheckRedirect
		hc.Jar = opts.HTTPClient.Jar
		tr.next = opts.HTTPClient.Transport
		if tr.timeout <= 0 {
			tr.timeout = opts.HTTPClient.Timeout
		}
	}
	if tr.next == nil {
		if dt, ok := http.DefaultTransport.(*http.Transport); ok {
			tr.next = dt.Clone()
		} else {
			tr.next = http.DefaultTransport
		}
	}
	if tr.timeout <= 0 {
		tr.timeout = DefaultTimeout
	}
	hc.Transport = tr
	return &Client{hc: hc, tr: tr, version: version}
}

func parseBaseURL(s string) (*url.URL, error) {
	if s == "" {
		s = DefaultBaseURL
	}
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("parse notion base URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("parse notion base URL %q: want http(s)://host[/prefix]", u.Redacted())
	}
	u.Path = strings.TrimSuffix(strings.TrimRight(u.Path, "/"), "/v1")
	u.RawPath, u.RawQuery, u.Fragment, u.User = "", "", "", nil
	return u, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Stats returns a snapshot of the counters. Safe for concurrent use.
func (c *Client) Stats() Stats { return c.tr.snapshot() }

// Version is the Notion-Version the client sends.
func (c *Client) Version() Version { return c.version }

// Me returns the bot user behind the token: the cheapest check that the token
// works. The user object is the same in every version.
// Notion API: https://developers.notion.com/reference/get-self
func (c *Client) Me(ctx context.Context) (User, error) {
	var u struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		Type string `json:"type"`
	}
	if _, err := c.call(ctx, http.MethodGet, "/v1/users/me", nil, &u); err != nil {
		return User{}, fmt.Errorf("get bot user: %w", err)
	}
	return User(u), nil
}

// Resolve finds where the rows of database databaseID live: the database
// itself under 2022-06-28 (no call; dataSourceID must be ""), one of its data
// sources from 2025-09-03 (one call, GET /v1/databases/{id}). dataSourceID
// chooses the data source; "" means the database's only one, and a database
// with several then gives a *MultipleDataSourcesError that lists them. An id
// that is not among them gives a *DataSourceNotFoundError. With databaseID ""
// and a dataSourceID, the database is learnt from the data source (GET
// /v1/data_sources/{id}). Ids may be dashed or not; the Target holds them dashed.
func (c *Client) Resolve(ctx context.Context, databaseID, dataSourceID string) (Target, error) {
	if !c.version.DataSources() {
		switch {
		case databaseID == "":
			return Target{}, errors.New("resolve database: empty id")
		case dataSourceID != "":
			return Target{}, fmt.Errorf("resolve database %s: data source %s given: %w", databaseID, dataSourceID, ErrDataSourceVersion)
		}
		return Target{DatabaseID: databaseID}, nil
	}
	if databaseID == "" {
		if dataSourceID == "" {
			return Target{}, errors.New("resolve database: empty id")
		}
		var o databaseObject
		if _, err := c.call(ctx, http.MethodGet, "/v1/data_sources/"+url.PathEscape(dataSourceID), nil, &o); err != nil {
			return Target{}, fmt.Errorf("get data source %s: %w", dataSourceID, err)
		}
		return Target{DatabaseID: o.Parent.DatabaseID, DataSourceID: o.ID, DataSourceName: o.database().Title}, nil
	}
	var o databaseObject
	if _, err := c.call(ctx, http.MethodGet, "/v1/databases/"+url.PathEscape(databaseID), nil, &o); err != nil {
		return Target{}, fmt.Errorf("get database %s: %w", databaseID, err)
	}
	t := Target{DatabaseID: o.ID}
	if t.DatabaseID == "" {
		t.DatabaseID = databaseID
	}
	switch {
	case dataSourceID != "":
		for _, ds := range o.DataSources {
			if SameID(ds.ID, dataSourceID) {
				t.DataSourceID, t.DataSourceName = ds.ID, ds.Name
				return t, nil
			}
		}
		return Target{}, &DataSourceNotFoundError{DatabaseID: t.DatabaseID, DataSourceID: dataSourceID, DataSources: o.DataSources}
	case len(o.DataSources) == 1:
		t.DataSourceID, t.DataSourceName = o.DataSources[0].ID, o.DataSources[0].Name
		return t, nil
	case len(o.DataSources) == 0:
		return Target{}, fmt.Errorf("resolve database %s: Notion listed no data source for it", t.DatabaseID)
	}
	return Target{}, &MultipleDataSourcesError{DatabaseID: t.DatabaseID, DataSources: o.DataSources}
}

// collectionPath is the path of the target's schema: /v1/databases/{id} under
// 2022-06-28, /v1/data_sources/{id} from 2025-09-03. A target without a data
// source under 2025-09-03 was not resolved, and Notion would refuse the
// database routes for it.
func (c *Client) collectionPath(t Target) (string, error) {
	if !c.version.DataSources() {
		if t.DatabaseID == "" {
			return "", errors.New("empty database id")
		}
		return "/v1/databases/" + url.PathEscape(t.DatabaseID), nil
	}
	if t.DataSourceID == "" {
		return "", fmt.Errorf("no data source id under Notion-Version %s (resolve the database first)", c.version)
	}
	return "/v1/data_sources/" + url.PathEscape(t.DataSourceID), nil
}

// Schema returns the target's title and properties.
// Notion API: https://developers.notion.com/reference/retrieve-a-data-source
// (2022-06-28: https://developers.notion.com/reference/retrieve-a-database)
func (c *Client) Schema(ctx context.Context, t Target) (Database, error) {
	var o databaseObject
	path, err := c.collectionPath(t)
	if err == nil {
		_, err = c.call(ctx, http.MethodGet, path, nil, &o)
	}
	if err != nil {
		return Database{}, fmt.Errorf("get %s: %w", t, err)
	}
	return o.database(), nil
}

// SchemaRaw returns the target's object (the database under 2022-06-28, the
// data source from 2025-09-03) exactly as Notion sent it, for a schema dump
// that keeps every field.
func (c *Client) SchemaRaw(ctx context.Context, t Target) (json.RawMessage, error) {
	var raw json.RawMessage
	path, err := c.collectionPath(t)
	if err == nil {
		_, err = c.call(ctx, http.MethodGet, path, nil, &raw)
	}
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", t, err)
	}
	return raw, nil
}

// queryBody is the request of a query. The filter stays raw JSON so callers
// can express any Notion filter (equals "" for example).
type queryBody struct {
	Filter      json.RawMessage `json:"filter,omitempty"`
	StartCursor string          `json:"start_cursor,omitempty"`
	PageSize    int             `json:"page_size"`
}

// Query returns every page of the target that matches filter (a Notion filter
// object; nil means all pages not in the trash), following next_cursor to the
// end, 100 rows per call.
// Notion API: https://developers.notion.com/reference/query-a-data-source
// (2022-06-28: https://developers.notion.com/reference/post-database-query)
func (c *Client) Query(ctx context.Context, t Target, filter json.RawMessage) ([]Page, error) {
	base, err := c.collectionPath(t)
	if err != nil {
		return nil, fmt.Errorf("query %s: %w", t, err)
	}
	if f := bytes.TrimSpace(filter); len(f) == 0 || bytes.Equal(f, []byte("null")) {
		filter = nil
	} else if !json.Valid(f) {
		return nil, fmt.Errorf("query %s: filter is not valid JSON", t)
	}
	path := base + "/query"
	var pages []Page
	seen := map[string]bool{}
	cursor := ""
	for {
		body, info, err := c.do(ctx, http.MethodPost, path, queryBody{Filter: filter, StartCursor: cursor, PageSize: 100})
		if err != nil {
			return nil, fmt.Errorf("query %s: %w", t, err)
		}
		var res struct {
			Results       []pageObject `json:"results"`
			HasMore       bool         `json:"has_more"`
			NextCursor    *string      `json:"next_cursor"`
			RequestStatus *struct {
				Type             string `json:"type"`
				IncompleteReason string `json:"incomplete_reason"`
			} `json:"request_status"`
		}
		if err := json.Unmarshal(body, &res); err != nil {
			return nil, fmt.Errorf("query %s: %w", t, decodeError(info, body, err))
		}
		if rs := res.RequestStatus; rs != nil && rs.Type == "incomplete" {
			// A data source query stops at Notion's result limit (notion-api.md
			// §7): the rows past it look missing, and a sync would create them
			// again. Stop instead of returning part of the collection.
			return nil, fmt.Errorf("query %s: %w", t, &IncompleteError{Reason: rs.IncompleteReason, Rows: len(pages) + len(res.Results)})
		}
		for _, o := range res.Results {
			if o.Object != "" && o.Object != "page" {
				continue // a database in a wiki's results is no row
			}
			pages = append(pages, o.page(c.version))
		}
		if !res.HasMore {
			return pages, nil
		}
		if res.NextCursor == nil || *res.NextCursor == "" || seen[*res.NextCursor] {
			return nil, fmt.Errorf("query %s: %w", t, decodeError(info, body, errors.New("has_more is true but next_cursor is missing or repeats")))
		}
		cursor = *res.NextCursor
		seen[cursor] = true
	}
}

// Page returns one page with its property values.
// Notion API: https://developers.notion.com/reference/retrieve-a-page
func (c *Client) Page(ctx context.Context, id string) (Page, error) {
	var o pageObject
	if _, err := c.call(ctx, http.MethodGet, "/v1/pages/"+url.PathEscape(id), nil, &o); err != nil {
		return Page{}, fmt.Errorf("get page %s: %w", id, err)
	}
	return o.page(c.version), nil
}

// trashBody is the PATCH that moves a page to the trash or out of it:
// `archived` under 2022-06-28, `in_trash` from 2025-09-03 (the only one
// 2026-03-11 accepts; notion-api.md §2.7, §8).
func (c *Client) trashBody(trash bool) map[string]bool {
	if c.version.DataSources() {
		return map[string]bool{"in_trash": trash}
	}
	return map[string]bool{"archived": trash}
}

// TrashPage moves a page to the trash (trash true) or restores it. When an
// attempt failed ambiguously (see IsAmbiguous) and the call ends in an error,
// the page is read back: if it is already where it was asked to go, the change
// happened and TrashPage returns that page without error.
// Notion API: https://developers.notion.com/reference/patch-page
func (c *Client) TrashPage(ctx context.Context, id string, trash bool) (Page, error) {
	verb := "archive"
	if !trash {
		verb = "restore"
	}
	var o pageObject
	info, err := c.call(ctx, http.MethodPatch, "/v1/pages/"+url.PathEscape(id), c.trashBody(trash), &o)
	if err == nil {
		return o.page(c.version), nil
	}
	if info.ambiguous || IsAmbiguous(err) {
		// An attempt may have been applied although it failed (a 502, 504 or
		// 409 after the write, a reset, a timeout). The retry then meets the
		// page it already changed, which Notion refuses with 400 "Can't edit
		// block that is archived", or every retry failed too. Whether the
		// change happened is what the page says now.
		if cur, gerr := c.Page(ctx, id); gerr == nil && cur.InTrash == trash {
			c.tr.log.InfoContext(ctx, "notion page already in the requested state after an ambiguous failure",
				"page_id", id, "in_trash", trash, "error", err)
			return cur, nil
		}
	}
	return Page{}, fmt.Errorf("%s page %s: %w", verb, id, err)
}

// rowParent is the parent of a new row: {"database_id": …} under 2022-06-28,
// {"type":"data_source_id","data_source_id": …} from 2025-09-03.
func (c *Client) rowParent(t Target) (map[string]string, error) {
	if _, err := c.collectionPath(t); err != nil {
		return nil, err
	}
	if c.version.DataSources() {
		return map[string]string{"type": "data_source_id", "data_source_id": t.DataSourceID}, nil
	}
	return map[string]string{"database_id": t.DatabaseID}, nil
}

// CreatePage adds a row to the target. props maps property names to raw
// Notion property values, e.g. {"Name": {"title": [...]}}.
//
// The client never retries a create except after 429/529 or a connection
// that could not be made (Notion has no idempotency key, so a repeated POST
// that reached the server makes a second row). When the error
// satisfies IsAmbiguous the row may exist: query by key before creating again.
// When it satisfies IsBlockLimit (a *BlockLimitError) the workspace can take
// no more pages: stop creating.
// Notion API: https://developers.notion.com/reference/post-page
func (c *Client) CreatePage(ctx context.Context, t Target, props map[string]json.RawMessage) (Page, error) {
	parent, err := c.rowParent(t)
	if err != nil {
		return Page{}, fmt.Errorf("create page in %s: %w", t, err)
	}
	in := struct {
		Parent     map[string]string          `json:"parent"`
		Properties map[string]json.RawMessage `json:"properties"`
	}{parent, nonNil(props)}
	var o pageObject
	if _, err := c.call(ctx, http.MethodPost, "/v1/pages", in, &o); err != nil {
		if IsBlockLimit(err) {
			err = &BlockLimitError{Err: err}
		}
		return Page{}, fmt.Errorf("create page in %s: %w", t, err)
	}
	return o.page(c.version), nil
}

// UpdatePage sets the given properties of a page; properties not in props are
// untouched. Values go out as raw JSON, which is the only way to clear a
// property: {"number": null}, {"multi_select": []}, {"select": null}.
// Notion API: https://developers.notion.com/reference/patch-page
func (c *Client) UpdatePage(ctx context.Context, id string, props map[string]json.RawMessage) (Page, error) {
	in := struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}{nonNil(props)}
	var o pageObject
	if _, err := c.call(ctx, http.MethodPatch, "/v1/pages/"+url.PathEscape(id), in, &o); err != nil {
		return Page{}, fmt.Errorf("update page %s: %w", id, err)
	}
	return o.page(c.version), nil
}

// UpdateSchema edits the target's schema, e.g. {"Tags": {"multi_select":
// {"options": [...]}}}. Notion replaces an option list with the one sent, so
// send the existing options too. A nil value deletes that column.
// Notion API: https://developers.notion.com/reference/update-a-data-source
// (2022-06-28: https://developers.notion.com/reference/update-a-database)
func (c *Client) UpdateSchema(ctx context.Context, t Target, props map[string]json.RawMessage) (Database, error) {
	in := struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}{nonNil(props)}
	var o databaseObject
	path, err := c.collectionPath(t)
	if err == nil {
		_, err = c.call(ctx, http.MethodPatch, path, in, &o)
	}
	if err != nil {
		return Database{}, fmt.Errorf("update %s: %w", t, err)
	}
	return o.database(), nil
}

// CreateDatabase creates a database titled title under page parentPageID with
// the given schema (property name → schema object, e.g. {"Name": {"title":
// {}}}) and returns it as a Target: from 2025-09-03 the schema goes under
// initial_data_source and the Target names the new database's data source. A
// page the integration cannot reach gives an *UnreachablePageError. Like
// CreatePage it is never retried after the request may have arrived.
// Notion API: https://developers.notion.com/reference/database-create
func (c *Client) CreateDatabase(ctx context.Context, parentPageID, title string, props map[string]json.RawMessage) (Target, error) {
	if parentPageID == "" {
		return Target{}, errors.New("create database: empty parent page id")
	}
	in := map[string]any{
		"parent": map[string]string{"type": "page_id", "page_id": parentPageID},
		"title":  []any{map[string]any{"type": "text", "text": map[string]string{"content": title}}},
	}
	if c.version.DataSources() {
		in["initial_data_source"] = map[string]any{"properties": nonNil(props)}
	} else {
		in["properties"] = nonNil(props)
	}
	var o databaseObject
	if _, err := c.call(ctx, http.MethodPost, "/v1/databases", in, &o); err != nil {
		var ae *APIError
		switch {
		case IsBlockLimit(err):
			err = &BlockLimitError{Err: err}
		case errors.As(err, &ae) && (ae.Status == http.StatusNotFound || ae.Status == http.StatusForbidden):
			err = &UnreachablePageError{PageID: parentPageID, Err: err}
		}
		return Target{}, fmt.Errorf("create database under page %s: %w", parentPageID, err)
	}
	t := Target{DatabaseID: o.ID}
	if c.version.DataSources() {
		if len(o.DataSources) == 0 {
			return Target{}, fmt.Errorf("create database under page %s: %w", parentPageID,
				&DecodeError{ID: o.ID, Err: errors.New("the new database lists no data source")})
		}
		t.DataSourceID, t.DataSourceName = o.DataSources[0].ID, o.DataSources[0].Name
	}
	return t, nil
}

// call sends one request and decodes the 200 answer into out. An empty path
// id is refused before anything is sent: it would address another endpoint.
func (c *Client) call(ctx context.Context, method, path string, in, out any) (*callInfo, error) {
	if strings.HasSuffix(path, "/") || strings.Contains(path, "//") {
		return &callInfo{}, errors.New("empty id")
	}
	body, info, err := c.do(ctx, method, path, in)
	if err != nil {
		return info, err
	}
	if err := json.Unmarshal(body, out); err != nil {
		return info, decodeError(info, body, err)
	}
	return info, nil
}

func nonNil(m map[string]json.RawMessage) map[string]json.RawMessage {
	if m == nil {
		return map[string]json.RawMessage{}
	}
	return m
}

// do sends one raw call through the transport and returns the 200 body. Errors are the transport's (an *APIError for an answer).
func (c *Client) do(ctx context.Context, method, path string, in any) ([]byte, *callInfo, error) {
	ctx, info := withCallInfo(ctx)
	var rd io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, info, fmt.Errorf("encode request: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "https://"+notionHost+path, rd)
	if err != nil {
		return nil, info, fmt.Errorf("build request: %w", err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, info, c.cause(info, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body) // already in memory: the transport read it
	if err != nil {
		return nil, info, fmt.Errorf("read response: %w", err)
	}
	return body, info, nil
}

// cause strips the layers net/http and go-notion put around the transport's
// error (their messages name https://api.notion.com even when BaseURL is an
// emulator, and go-notion's *APIError has no request id). A go-notion error
// after a 200 answer is a decoding failure.
func (c *Client) cause(info *callInfo, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	if info != nil && info.status == http.StatusOK {
		return &DecodeError{RequestID: info.requestID, Err: err}
	}
	return err
}

func decodeError(info *callInfo, body []byte, err error) error {
	de := &DecodeError{Err: err}
	if info != nil {
		de.RequestID = info.requestID
	}
	var partial struct {
		ID        string `json:"id"`
		RequestID string `json:"request_id"`
	}
	if json.Unmarshal(body, &partial) == nil {
		de.ID = partial.ID
		if de.RequestID == "" {
			de.RequestID = partial.RequestID
		}
	}
	return de
}
