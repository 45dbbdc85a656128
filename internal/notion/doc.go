// Package notion is the Notion API client of notion-sync. It owns every request
// and response shape: callers get its own Page, Database, User and Target, and
// pass a Version in Options; nothing outside this package needs to know which
// Notion-Version is in use. Writes send raw JSON, because clearing a property
// needs null or [], which go-notion v0.11.0 cannot send; go-notion is no longer
// used by the client at all (it knows only 2022-06-28 and cannot decode a
// data_source_id parent, notion-api.md §2.9).
//
// # Versions
//
// Options.Version is sent as Notion-Version on every request (the transport
// sets it, overriding any other value). The zero value is DefaultVersion,
// 2025-09-03. What changes (notion-api.md §8):
//
//	                        2022-06-28            2025-09-03              2026-03-11
//	Resolve                 no call               GET /v1/databases/{id}  same
//	                                              picks the data source
//	schema read / edit      /v1/databases/{id}    /v1/data_sources/{id}   same
//	query                   POST …databases/{id}/query   POST …data_sources/{id}/query   same
//	create parent           {"database_id"}       {"type":"data_source_id","data_source_id"}   same
//	Page.DataSourceID       ""                    from the page parent    same
//	trash sent              archived              in_trash                in_trash
//	trash read              archived or in_trash  archived or in_trash    in_trash
//	CreateDatabase schema   properties            initial_data_source.properties   same
//
// Target is where the rows live: the database under 2022-06-28, one of its data
// sources later. Resolve finds it once per run: with no data source chosen the
// database's only one is used; several give a *MultipleDataSourcesError that
// lists each as "name (id)"; a chosen id that is not the database's gives a
// *DataSourceNotFoundError; a data source id under 2022-06-28 gives
// ErrDataSourceVersion. Target.Owns compares the data source from 2025-09-03,
// so a page of another data source of the same database is foreign, exactly
// like a page of another database; Page.ParentID is comparable with
// Target.ID. A no-op sync reads Resolve + schema + ceil(N/100) queries, within
// ceil(N/100)+2 calls under every version.
//
// A 2022-06-28 client cannot use a database with several data sources: Notion
// answers 400 "Databases with multiple data sources are not supported in this
// API version." to every database call; that *APIError is passed on.
//
// # Limits
//
// Every 429 is counted in Stats.RateLimitReasons by
// additional_data.rate_limit_reason (the per-connection or per-workspace limit;
// notion-api.md §6), and its Retry-After is honoured whatever its length (the
// per-workspace limit may ask for more than a minute; values over a week are
// not believed). A create refused because the workspace used its block limit
// (notion-api.md §4, C7; recognized by a message or additional_data naming the
// block limit, since Notion does not document the status) is a *BlockLimitError
// (IsBlockLimit), never retried: the caller must stop creating.
//
// # Transport
//
// Every request goes through one transport per Client:
//
//   - https://api.notion.com is rewritten to Options.BaseURL (an emulator in
//     tests and demos), keeping the /v1/... path.
//   - Authorization is added when missing and Notion-Version is always set to
//     Options.Version; the body is kept in memory so every attempt can send it
//     again.
//   - Each attempt has its own timeout (Options.Timeout, default 30 s), which
//     also covers reading the answer. net/http's default client has none.
//   - Any answer other than 200 becomes an *APIError with Notion's code,
//     message, request id (x-notion-request-id, or request_id in the body),
//     additional_data and rate-limit reason.
//
// # Retry policy
//
// Before every attempt a request takes a slot of the shared rate limiter
// (golang.org/x/time/rate, default 3/s, burst 3) at the end of the shared
// "paused until" time, and waits for it: the requests queued behind a pause
// leave one limiter interval apart, not all at the instant it ends. A request
// already waiting for its slot when a new pause starts gives the slot back
// and takes a new one after the pause. The limiter and the pause are shared
// by every goroutine using the Client.
//
//   - 429 rate_limited and 529 service_overload are retried for every method,
//     since the server did nothing: the client waits Retry-After (integer
//     seconds; an HTTP date or additional_data.retry_after also work) and
//     makes every goroutine of the Client wait until that moment. Without a
//     Retry-After the wait is the capped exponential below with equal jitter
//     (half fixed, half random) and at least 1 s when Backoff is 1 s or more,
//     as Notion's own SDK does: never an almost immediate retry.
//   - After a 429/529 the shared rate is also halved (down to Rate/16; once per
//     burst of 429s) and climbs back by Rate/40 per 200 answer: when the
//     server allows less than
//     Rate (a per-workspace limit, a 60-second budget), the client converges
//     on what it allows instead of being paused again after every pause.
//   - 5xx (JSON or HTML body), 409 conflict_error, per-attempt timeouts and
//     network errors are retried with capped exponential backoff with full
//     jitter — a random wait in [0, min(MaxBackoff, Backoff·2^(n-1))] before
//     retry n — but only for requests that are safe to repeat: GET, PATCH,
//     DELETE, POST /v1/databases/{id}/query, POST /v1/data_sources/{id}/query
//     and POST /v1/search. A Retry-After
//     on such an answer is honoured when longer than the backoff.
//   - POST /v1/pages, POST /v1/databases (and any other POST) are never retried except after
//     429/529, or when the connection could not be made at all (refused, DNS,
//     proxy: provably nothing was sent): Notion has no idempotency key and a
//     repeated create makes a second row. Its ambiguous failures (see
//     IsAmbiguous) are returned so the caller can query by key before
//     creating again.
//   - An answer whose body is over 32 MiB is not retried: a 200 becomes a
//     *DecodeError, an error status keeps its own rule.
//   - A retried PATCH may meet the result of an earlier attempt that failed
//     but was applied. TrashPage then reads the page back and reports
//     success when its trash flag is already the requested one.
//   - After MaxRetries retries (default 5) the last error is returned, an
//     *APIError when there was an answer. No wait ever runs past the context's
//     deadline: when it would, the client gives up at once with the last error.
//     Cancelling the context stops any wait.
//
// # Audit log
//
// With Options.AuditLog set, every HTTP attempt writes one line, whole even
// when many goroutines share the writer:
//
//	time=2024-05-01T10:15:00.123Z method=PATCH path=/v1/pages/59833787-2cf9-4fdf-8782-e53db20768a5 status=200 duration_ms=184 attempt=1 request_id=292c30e5-d974-4616-9f41-43fa3fd9879b
//
// time is the start of the attempt (RFC 3339, UTC, milliseconds); path is the
// Notion path without query string; status is 0 when there was no answer, and
// then an error field says why (timeout, reset, connect, canceled);
// request_id is "-" when Notion sent none (proxy pages). The token and the
// bodies never appear: a line is built only from the fields above.
//
// # Secrets
//
// The token is a Secret, which prints as "***" through fmt, log/slog and
// encoding/json. The Client keeps it behind pointers so even printing a
// *Client with %+v cannot show it.
package notion
