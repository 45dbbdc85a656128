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

	gonotion "github.com/dstotijn/go-notion"
	"golang.org/x/time/rate"
)

// DefaultBaseURL is the real Notion API. Set Options.BaseURL (from
// NOTION_API_BASE_URL) to point the client at an emulator.
const DefaultBaseURL = "https://api.notion.com"

// Options configures a Client. The zero value means "the defaults", which suit
// the real API: 3 requests/s with a burst of 3, 5 retries, backoff from 1 s
// capped at 30 s, and a 30 s timeout per attempt.
type Options struct {
	// BaseURL is where requests go, as BaseURL + "/v1/...". Default
	// https://api.notion.com. A trailing "/" or "/v1" is ignored.
	BaseURL string
	// Rate is the number of requests per second shared by every goroutine using
	// this Client (Notion documents an average of 3/s per integration). Default 3;
	// rate.Inf or a negative value disables pacing.
	Rate float64
	// Burst is how many requests may go at once before pacing starts. Default 3.
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
	api *gonotion.Client
	hc  *http.Client
	tr  *transport
}

// New returns a Client. It never fails: a bad BaseURL (CheckBaseURL) or a
// malformed token (Secret.Validate) makes every call return that error at
// once, without retrying or sending anything, so the caller reports it where
// it reports API errors.
func New(token Secret, opts Options) *Client {
	tok := token
	tr := &transport{
		token:      &tok,
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
		tr.maxRetries = 5
	case tr.maxRetries < 0:
		tr.maxRetries = 0
	}
	if tr.backoff <= 0 {
		tr.backoff = time.Second
	}
	if tr.maxBackoff <= 0 {
		tr.maxBackoff = 30 * time.Second
	}
	if tr.maxBackoff < tr.backoff {
		tr.maxBackoff = tr.backoff
	}
	if tr.sleep == nil {
		tr.sleep = sleepCtx
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
		r = 3
	case r < 0:
		r = float64(rate.Inf)
	}
	burst := opts.Burst
	if burst <= 0 {
		burst = 3
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
	if tr.baseErr == nil {
		tr.baseErr = token.Validate()
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
		tr.timeout = 30 * time.Second
	}
	hc.Transport = tr
	return &Client{
		api: gonotion.NewClient(token.Reveal(), gonotion.WithHTTPClient(hc)),
		hc:  hc,
		tr:  tr,
	}
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

// sleepCtx is the default Options.Sleep.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Stats returns a snapshot of the counters. Safe for concurrent use.
func (c *Client) Stats() Stats { return c.tr.snapshot() }

// Me returns the bot user behind the token: the cheapest check that the token
// works. Notion API: https://developers.notion.com/reference/get-self
func (c *Client) Me(ctx context.Context) (gonotion.User, error) {
	ctx, info := withCallInfo(ctx)
	u, err := c.api.FindCurrentUser(ctx)
	if err != nil {
		return gonotion.User{}, fmt.Errorf("get bot user: %w", c.cause(info, err))
	}
	return u, nil
}

// Database returns a database with its schema.
// Notion API: https://developers.notion.com/reference/retrieve-a-database
func (c *Client) Database(ctx context.Context, id string) (gonotion.Database, error) {
	if id == "" {
		return gonotion.Database{}, errors.New("get database: empty id")
	}
	ctx, info := withCallInfo(ctx)
	db, err := c.api.FindDatabaseByID(ctx, url.PathEscape(id))
	if err != nil {
		return gonotion.Database{}, fmt.Errorf("get database %s: %w", id, c.cause(info, err))
	}
	return db, nil
}

// DatabaseRaw returns the database object exactly as Notion sent it, for a
// schema dump that keeps fields go-notion does not know.
// Notion API: https://developers.notion.com/reference/retrieve-a-database
func (c *Client) DatabaseRaw(ctx context.Context, id string) (json.RawMessage, error) {
	if id == "" {
		return nil, errors.New("get database: empty id")
	}
	body, _, err := c.do(ctx, http.MethodGet, "/v1/databases/"+url.PathEscape(id), nil)
	if err != nil {
		return nil, fmt.Errorf("get database %s: %w", id, err)
	}
	if !json.Valid(body) {
		return nil, fmt.Errorf("get database %s: %w", id, &DecodeError{Err: errors.New("body is not JSON")})
	}
	return json.RawMessage(body), nil
}

// queryBody is the request of POST /v1/databases/{id}/query. The filter stays
// raw JSON so callers can express what go-notion's typed filters cannot
// (equals "" for example).
type queryBody struct {
	Filter      json.RawMessage `json:"filter,omitempty"`
	StartCursor string          `json:"start_cursor,omitempty"`
	PageSize    int             `json:"page_size"`
}

// Query returns every page of database db that matches filter (a Notion filter
// object; nil means all non-archived pages), following next_cursor to the end,
// 100 rows per call. Notion API: https://developers.notion.com/reference/post-database-query
func (c *Client) Query(ctx context.Context, db string, filter json.RawMessage) ([]gonotion.Page, error) {
	if db == "" {
		return nil, errors.New("query database: empty id")
	}
	if f := bytes.TrimSpace(filter); len(f) == 0 || bytes.Equal(f, []byte("null")) {
		filter = nil
	} else if !json.Valid(f) {
		return nil, fmt.Errorf("query database %s: filter is not valid JSON", db)
	}
	path := "/v1/databases/" + url.PathEscape(db) + "/query"
	var pages []gonotion.Page
	seen := map[string]bool{}
	cursor := ""
	for {
		body, info, err := c.do(ctx, http.MethodPost, path, queryBody{Filter: filter, StartCursor: cursor, PageSize: 100})
		if err != nil {
			return nil, fmt.Errorf("query database %s: %w", db, err)
		}
		var res gonotion.DatabaseQueryResponse
		if err := json.Unmarshal(body, &res); err != nil {
			return nil, fmt.Errorf("query database %s: %w", db, decodeError(info, body, err))
		}
		pages = append(pages, res.Results...)
		if !res.HasMore {
			return pages, nil
		}
		if res.NextCursor == nil || *res.NextCursor == "" || seen[*res.NextCursor] {
			return nil, fmt.Errorf("query database %s: %w", db, decodeError(info, body, errors.New("has_more is true but next_cursor is missing or repeats")))
		}
		cursor = *res.NextCursor
		seen[cursor] = true
	}
}

// Page returns one page with its property values.
// Notion API: https://developers.notion.com/reference/retrieve-a-page
func (c *Client) Page(ctx context.Context, id string) (gonotion.Page, error) {
	if id == "" {
		return gonotion.Page{}, errors.New("get page: empty id")
	}
	ctx, info := withCallInfo(ctx)
	p, err := c.api.FindPageByID(ctx, url.PathEscape(id))
	if err != nil {
		return gonotion.Page{}, fmt.Errorf("get page %s: %w", id, c.cause(info, err))
	}
	return p, nil
}

// ArchivePage moves a page to the trash (archived true) or restores it. When an
// attempt failed ambiguously (see IsAmbiguous) and the call ends in an error,
// the page is read back: if its archived flag is already the requested one,
// the change happened and ArchivePage returns that page without error.
// Notion API: https://developers.notion.com/reference/patch-page
func (c *Client) ArchivePage(ctx context.Context, id string, archived bool) (gonotion.Page, error) {
	if id == "" {
		return gonotion.Page{}, errors.New("archive page: empty id")
	}
	verb := "archive"
	if !archived {
		verb = "restore"
	}
	pctx, info := withCallInfo(ctx)
	p, err := c.api.UpdatePage(pctx, url.PathEscape(id), gonotion.UpdatePageParams{Archived: &archived})
	if err == nil {
		return p, nil
	}
	err = c.cause(info, err)
	if info.ambiguous || IsAmbiguous(err) {
		// An attempt may have been applied although it failed (a 502, 504 or
		// 409 after the write, a reset, a timeout). The retry then meets the
		// page it already changed, which Notion refuses with 400 "Can't edit
		// block that is archived", or every retry failed too. Whether the
		// change happened is what the page says now.
		if cur, gerr := c.Page(ctx, id); gerr == nil && cur.Archived == archived {
			c.tr.log.InfoContext(ctx, "notion page already in the requested state after an ambiguous failure",
				"page_id", id, "archived", archived, "error", err)
			return cur, nil
		}
	}
	return gonotion.Page{}, fmt.Errorf("%s page %s: %w", verb, id, err)
}

// CreatePage adds a row to database db. props maps property names to raw
// Notion property values, e.g. {"Name": {"title": [...]}}.
//
// The client never retries a create except after 429/529 or a connection
// that could not be made (Notion has no idempotency key, so a repeated POST
// that reached the server makes a second row). When the error
// satisfies IsAmbiguous the row may exist: query by key before creating again.
// Notion API: https://developers.notion.com/reference/post-page
func (c *Client) CreatePage(ctx context.Context, db string, props map[string]json.RawMessage) (gonotion.Page, error) {
	if db == "" {
		return gonotion.Page{}, errors.New("create page: empty database id")
	}
	in := struct {
		Parent     map[string]string          `json:"parent"`
		Properties map[string]json.RawMessage `json:"properties"`
	}{map[string]string{"database_id": db}, nonNil(props)}
	body, info, err := c.do(ctx, http.MethodPost, "/v1/pages", in)
	if err != nil {
		return gonotion.Page{}, fmt.Errorf("create page in database %s: %w", db, err)
	}
	var p gonotion.Page
	if err := json.Unmarshal(body, &p); err != nil {
		return gonotion.Page{}, fmt.Errorf("create page in database %s: %w", db, decodeError(info, body, err))
	}
	return p, nil
}

// UpdatePage sets the given properties of a page; properties not in props are
// untouched. Values go out as raw JSON, which is the only way to clear a
// property: {"number": null}, {"multi_select": []}, {"select": null}.
// Notion API: https://developers.notion.com/reference/patch-page
func (c *Client) UpdatePage(ctx context.Context, id string, props map[string]json.RawMessage) (gonotion.Page, error) {
	if id == "" {
		return gonotion.Page{}, errors.New("update page: empty id")
	}
	in := struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}{nonNil(props)}
	body, info, err := c.do(ctx, http.MethodPatch, "/v1/pages/"+url.PathEscape(id), in)
	if err != nil {
		return gonotion.Page{}, fmt.Errorf("update page %s: %w", id, err)
	}
	var p gonotion.Page
	if err := json.Unmarshal(body, &p); err != nil {
		return gonotion.Page{}, fmt.Errorf("update page %s: %w", id, decodeError(info, body, err))
	}
	return p, nil
}

// UpdateDatabase edits a database schema, e.g. {"Tags": {"multi_select":
// {"options": [...]}}}. Notion replaces an option list with the one sent, so
// send the existing options too. A nil value deletes that column.
// Notion API: https://developers.notion.com/reference/update-a-database
func (c *Client) UpdateDatabase(ctx context.Context, id string, props map[string]json.RawMessage) (gonotion.Database, error) {
	if id == "" {
		return gonotion.Database{}, errors.New("update database: empty id")
	}
	in := struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}{nonNil(props)}
	body, info, err := c.do(ctx, http.MethodPatch, "/v1/databases/"+url.PathEscape(id), in)
	if err != nil {
		return gonotion.Database{}, fmt.Errorf("update database %s: %w", id, err)
	}
	var db gonotion.Database
	if err := json.Unmarshal(body, &db); err != nil {
		return gonotion.Database{}, fmt.Errorf("update database %s: %w", id, decodeError(info, body, err))
	}
	return db, nil
}

func nonNil(m map[string]json.RawMessage) map[string]json.RawMessage {
	if m == nil {
		return map[string]json.RawMessage{}
	}
	return m
}

// do sends one raw call through the same transport as go-notion and returns
// the 200 body. Errors are the transport's (an *APIError for an answer).
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
