package notion

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// APIError is every answer from Notion other than 200, with what Notion said.
// Callers branch on it with errors.As (Status, Code) and show it to users as is:
// Error() carries the code, the message and the request id, which is what
// Notion support asks for, and never the token.
type APIError struct {
	// Status is the HTTP status code.
	Status int
	// Code is Notion's error code (validation_error, rate_limited...); empty when
	// the body was not JSON or had no code.
	Code string
	// Message is Notion's human-readable message.
	Message string
	// RequestID comes from the x-notion-request-id header or the body's request_id.
	RequestID string
	// RetryAfter is the server's Retry-After (header, or additional_data.retry_after); 0 when absent.
	RetryAfter time.Duration
	// HTML is true when the body was not JSON at all: a proxy or edge page
	// (Cloudflare 502s). JSON without Notion's envelope is not HTML.
	HTML bool
	// RateLimitReason is additional_data.rate_limit_reason of a 429: which limit
	// was hit (per connection, per workspace, ...; notion-api.md §6).
	RateLimitReason string
	// AdditionalData is the envelope's additional_data as sent; nil when absent.
	AdditionalData json.RawMessage
}

// Error reads like `notion: validation_error (400): <message> [request_id <id>]`.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("notion: ")
	if e.Code != "" {
		fmt.Fprintf(&b, "%s (%d)", e.Code, e.Status)
	} else {
		fmt.Fprintf(&b, "HTTP %d", e.Status)
		if txt := http.StatusText(e.Status); txt != "" {
			b.WriteString(" " + txt)
		}
		if e.HTML {
			b.WriteString(" (non-JSON body)")
		}
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " [request_id %s]", e.RequestID)
	}
	return b.String()
}

// DecodeError is a 200 answer whose body could not be decoded, typically the
// partial page ({"object":"page","id":...}) Notion returns to integrations
// without read capability. For a write it means the write happened, so
// IsAmbiguous reports true.
type DecodeError struct {
	// RequestID is Notion's request id of the answer, when it sent one.
	RequestID string
	// ID is the "id" field of the body when it could be read, e.g. the id of a
	// page that was created even though the page could not be decoded.
	ID string
	// Err is the decoding error.
	Err error
}

// Error implements error.
func (e *DecodeError) Error() string {
	s := "decode notion response"
	if e.RequestID != "" {
		s += " [request_id " + e.RequestID + "]"
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the decoding error.
func (e *DecodeError) Unwrap() error { return e.Err }

// netError is an attempt that got no HTTP answer: a timeout, a refused or reset
// connection, a body cut short.
type netError struct {
	err      error
	sent     bool // the request was written (or writing began), so the server may have acted on it
	timeout  bool // the per-attempt timeout fired
	canceled bool // the caller's context ended; never retried
	dial     bool // the connection could not be made (refused, DNS, proxy)
}

// notSent reports that the request provably never left: no connection was
// made, nothing was written and no timeout raced with the write. Then even
// a create may be sent again without risking a second row.
func (e *netError) notSent() bool { return e.dial && !e.sent && !e.timeout && !e.canceled }

func (e *netError) Error() string {
	switch {
	case e.timeout:
		return "notion: request timed out: " + e.err.Error()
	case e.canceled:
		return "notion: request canceled: " + e.err.Error()
	}
	return "notion: network error: " + e.err.Error()
}

func (e *netError) Unwrap() error { return e.err }

// kind is the short word the audit log records for a failed attempt.
func (e *netError) kind() string {
	switch {
	case e.timeout:
		return "timeout"
	case e.canceled:
		return "canceled"
	case e.sent:
		return "reset"
	}
	return "connect"
}

// IsNotFound reports whether err is Notion's 404 object_not_found, which also
// means "exists but not shared with the integration".
func IsNotFound(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == http.StatusNotFound
}

// IsAmbiguous reports whether a failed write may still have been applied: a
// timeout, a reset/EOF after the request was sent, a 5xx other than 529
// (500/502/503/504), 409, or a 200 whose body could not be decoded (a partial
// page). Reconcile then queries by key before creating again, because Notion
// has no idempotency keys. 429 and 529 are not ambiguous: the server did nothing.
func IsAmbiguous(err error) bool {
	if err == nil {
		return false
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status == http.StatusConflict || (ae.Status >= 500 && ae.Status != statusOverloaded)
	}
	var de *DecodeError
	if errors.As(err, &de) {
		return true
	}
	var ne *netError
	if errors.As(err, &ne) {
		return ne.sent || ne.timeout
	}
	return false
}

// IsBlockLimit reports whether err is Notion refusing to create a block (a
// page, a database) because the workspace has used its block limit (Free
// workspaces with more than one member, notion-api.md §4 "Workspace-level"). It
// is never retried: nothing more can be created until the workspace changes
// plan, so the caller must stop creating.
func IsBlockLimit(err error) bool {
	var be *BlockLimitError
	if errors.As(err, &be) {
		return true
	}
	var ae *APIError
	return errors.As(err, &ae) && blockLimit(ae)
}

// blockLimit recognizes the block-limit refusal. Notion's documentation (C7)
// does not state its status or code, so it is recognized by what it must say:
// a message naming the block limit, or additional_data naming it.
func blockLimit(ae *APIError) bool {
	if ae.Status < 400 || ae.Status >= 500 {
		return false
	}
	return strings.Contains(strings.ToLower(ae.Message), "block limit") ||
		bytes.Contains(bytes.ToLower(ae.AdditionalData), []byte("block_limit"))
}

// BlockLimitError is a create refused because the workspace has reached its
// block limit. Error says, in plain words, what to do.
type BlockLimitError struct {
	Err error // the *APIError
}

func (e *BlockLimitError) Error() string {
	return "Notion refused to create a page: the workspace has reached its block limit " +
		"(Free workspaces with more than one member allow 1,000 blocks in total for integrations, and every page is a block). " +
		"Nothing more can be created until the workspace moves to a paid plan; existing rows can still be updated. (" + e.Err.Error() + ")"
}

func (e *BlockLimitError) Unwrap() error { return e.Err }

// MultipleDataSourcesError is Resolve for a database with several data sources
// when none was chosen. DataSources lists them all, so the caller can say which
// ids to choose from.
type MultipleDataSourcesError struct {
	DatabaseID  string
	DataSources []DataSourceRef
}

func (e *MultipleDataSourcesError) Error() string {
	return fmt.Sprintf("database %s has multiple data sources; choose one: %s", e.DatabaseID, refList(e.DataSources))
}

// DataSourceNotFoundError is Resolve with a data source id that is not one of
// the database's data sources.
type DataSourceNotFoundError struct {
	DatabaseID   string
	DataSourceID string
	DataSources  []DataSourceRef // the database's data sources
}

func (e *DataSourceNotFoundError) Error() string {
	return fmt.Sprintf("data source %s is not one of the data sources of database %s: %s", e.DataSourceID, e.DatabaseID, refList(e.DataSources))
}

func refList(refs []DataSourceRef) string {
	if len(refs) == 0 {
		return "(none)"
	}
	parts := make([]string, len(refs))
	for i, r := range refs {
		parts[i] = r.String()
	}
	return strings.Join(parts, ", ")
}

// ErrDataSourceVersion is Resolve given a data source id under 2022-06-28,
// which has no data sources.
var ErrDataSourceVersion = errors.New("a data source id needs Notion-Version 2025-09-03 or later")

// UnreachablePageError is CreateDatabase under a page the integration cannot
// reach: Notion answers 404 for a page that does not exist and for one not
// shared with the integration alike, and 403 when it lacks the capability.
type UnreachablePageError struct {
	PageID string
	Err    error // the *APIError
}

func (e *UnreachablePageError) Error() string {
	return fmt.Sprintf("the integration cannot reach page %s: check the id, and share the page with the integration "+
		"(in Notion: the page's ••• menu → Connections → add the integration; it needs the insert content capability) (%v)", e.PageID, e.Err)
}

func (e *UnreachablePageError) Unwrap() error { return e.Err }

// statusOverloaded is Notion's 529 service_overload.
const statusOverloaded = 529

// parseAPIError builds an APIError from a non-200 answer. now is used for an
// HTTP-date Retry-After.
func parseAPIError(status int, h http.Header, body []byte, now time.Time) *APIError {
	e := &APIError{Status: status, RequestID: h.Get("X-Notion-Request-Id")}
	var env struct {
		Object         string          `json:"object"`
		Code           string          `json:"code"`
		Message        string          `json:"message"`
		RequestID      string          `json:"request_id"`
		AdditionalData json.RawMessage `json:"additional_data"`
	}
	var extra struct {
		RetryAfter      json.Number `json:"retry_after"`
		RateLimitReason string      `json:"rate_limit_reason"`
	}
	if !json.Valid(body) {
		e.HTML = true
	} else {
		// Notion's envelope has "object":"error"; a proxy's JSON error may not,
		// and its code or message still help whoever reads the error. A field
		// of the wrong type is left out (Unmarshal fills the others).
		_ = json.Unmarshal(body, &env)
		e.Code, e.Message = env.Code, env.Message
		if e.RequestID == "" {
			e.RequestID = env.RequestID
		}
		if len(env.AdditionalData) > 0 && string(env.AdditionalData) != "null" {
			e.AdditionalData = env.AdditionalData
			_ = json.Unmarshal(env.AdditionalData, &extra)
		}
		e.RateLimitReason = extra.RateLimitReason
		if d, ok := parseRetryAfter(extra.RetryAfter.String(), now); ok {
			e.RetryAfter = d
		}
	}
	if d, ok := parseRetryAfter(h.Get("Retry-After"), now); ok {
		e.RetryAfter = d
	}
	return e
}

// maxRetryAfter bounds a Retry-After value we are willing to believe.
const maxRetryAfter = 7 * 24 * time.Hour

// parseRetryAfter reads Retry-After as delta-seconds (what Notion sends) or,
// as RFC 9110 allows, an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil {
		// NaN fails both comparisons; a week is far beyond anything Notion sends.
		if !(n >= 0 && n <= maxRetryAfter.Seconds()) {
			return 0, false
		}
		return time.Duration(n * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d, true
		}
		return 0, true
	}
	return 0, false
}

// IncompleteError is a query Notion ended early (request_status "incomplete",
// notion-api.md §7): from 2025-09-03 a data source query reaches at most 10,000
// results. Query returns no pages then, since a partial list would make every
// row past the limit look missing.
type IncompleteError struct {
	Reason string // incomplete_reason, e.g. "query_result_limit_reached"
	Rows   int    // rows read before Notion stopped
}

func (e *IncompleteError) Error() string {
	return fmt.Sprintf("Notion ended the query after %d rows (%s): the data source holds more rows than one query can reach; split the modules over several data sources or databases (one per config), or archive the pages no manifest needs", e.Rows, e.Reason)
}
