package notion

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lukhas/notion-sync-action/internal/secret"
	"golang.org/x/time/rate"
)

const (
	// notionHost is where the client addresses every request; the transport
	// rewrites it to Options.BaseURL.
	notionHost = "api.notion.com"
	// maxResponseBody bounds what one answer may hold (a query page of 100 rows is
	// well under 1 MiB).
	maxResponseBody = 32 << 20
)

// routeClass says what may be retried for a request.
type routeClass int

const (
	// classIdempotent: reads, PATCH, and POST query/search. Retried on 5xx,
	// 409, timeouts and network errors.
	classIdempotent routeClass = iota
	// classCreate: POST /v1/pages and any other POST. Retried only on 429/529
	// and when the connection could not be made (nothing was sent), because a
	// repeated create makes a second row.
	classCreate
)

func classify(method, path string) routeClass {
	if method != http.MethodPost {
		return classIdempotent
	}
	if path == "/v1/search" {
		return classIdempotent
	}
	for _, prefix := range []string{"/v1/databases/", "/v1/data_sources/"} {
		if rest, ok := strings.CutPrefix(path, prefix); ok {
			if id, ok := strings.CutSuffix(rest, "/query"); ok && id != "" && !strings.Contains(id, "/") {
				return classIdempotent
			}
		}
	}
	return classCreate
}

// transport is the http.RoundTripper under both go-notion and the raw calls:
// base URL rewrite, headers, replayable bodies, the shared limiter and pause,
// per-attempt timeout, retries, Stats and the audit log. It turns every
// non-200 answer into an *APIError so go-notion never parses one (and never
// drops its request id).
type transport struct {
	next       http.RoundTripper
	base       *url.URL // scheme, host and path prefix (no trailing slash)
	baseErr    error
	token      *secret.Token // a pointer, so printing the struct cannot show it
	version    Version       // sent as Notion-Version on every request
	limiter    *rate.Limiter
	configured rate.Limit // Options.Rate; the limiter runs at or below it
	maxRetries int
	maxBody    int64 // bound of one answer's body; maxResponseBody outside tests
	backoff    time.Duration
	maxBackoff time.Duration
	timeout    time.Duration
	sleep      func(context.Context, time.Duration) error
	now        func() time.Time
	jitter     func(time.Duration) time.Duration
	audit      *auditLog
	log        *slog.Logger

	mu          sync.Mutex
	pausedUntil time.Time
	current     rate.Limit // the limiter's rate now: lowered by 429/529, raised by 200s
	slowedAt    time.Time  // when current was last lowered
	stats       Stats
}

// callInfo lets a Client method learn what the transport saw for its call
// (through the request context), so a decode failure of a 200 answer can be
// told apart from a transport error and can carry the request id, and so a
// write can tell that one of its attempts may have been applied.
type callInfo struct {
	status    int
	requestID string
	// ambiguous is set once any attempt of the call failed in a way that may
	// have been applied (IsAmbiguous): a later attempt then meets the result of
	// the earlier one, e.g. a page that is already archived.
	ambiguous bool
}

type callInfoKey struct{}

func withCallInfo(ctx context.Context) (context.Context, *callInfo) {
	info := &callInfo{}
	return context.WithValue(ctx, callInfoKey{}, info), info
}

// RoundTrip implements http.RoundTripper.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := readRequestBody(req)
	if err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}
	if t.baseErr != nil {
		return nil, t.baseErr
	}
	ctx := req.Context()
	info, _ := ctx.Value(callInfoKey{}).(*callInfo)
	path := req.URL.EscapedPath()
	notion := req.URL.Host == notionHost
	target := *req.URL
	if notion {
		target.Scheme = t.base.Scheme
		target.Host = t.base.Host
		target.Path = t.base.Path + req.URL.Path
		target.RawPath = ""
		if req.URL.RawPath != "" {
			target.RawPath = t.base.EscapedPath() + req.URL.RawPath
		}
	}
	class := classify(req.Method, path)

	var last error
	for attempt := 1; ; attempt++ {
		if err := t.waitTurn(ctx, last); err != nil {
			return nil, err
		}
		if attempt > 1 {
			t.mu.Lock()
			t.stats.Retries++
			t.mu.Unlock()
		}
		sent := t.now()
		resp, err := t.attempt(ctx, req, &target, notion, body, path, attempt, info)
		if err == nil {
			return resp, nil
		}
		last = err
		if info != nil && IsAmbiguous(err) {
			info.ambiguous = true
		}
		wait, pause, retry := t.retryWait(class, err, attempt)
		status := 0
		var ae *APIError
		if errors.As(err, &ae) {
			status = ae.Status
		}
		if pause {
			// Rate limits are per integration: every worker must stop, not only
			// the one that was told, and even when this one gives up below.
			// waitTurn makes this request wait too.
			until := t.now().Add(wait)
			t.mu.Lock()
			if until.After(t.pausedUntil) {
				t.pausedUntil = until
			}
			t.adaptLocked(false, sent)
			t.mu.Unlock()
			t.log.InfoContext(ctx, "notion rate limited; pausing all requests",
				"method", req.Method, "path", path, "status", status, "wait", wait, "attempt", attempt)
		}
		switch {
		case !retry:
			return nil, err
		case attempt > t.maxRetries && attempt == 1:
			return nil, err
		case attempt > t.maxRetries:
			return nil, fmt.Errorf("give up after %d attempts: %w", attempt, err)
		case pause:
			continue
		}
		t.log.DebugContext(ctx, "retrying notion request",
			"method", req.Method, "path", path, "status", status, "wait", wait, "attempt", attempt, "error", err)
		if err := t.wait(ctx, wait, "retry backoff", last); err != nil {
			return nil, err
		}
	}
}

// adaptLocked moves the shared rate after an answer to a request sent at
// sent, AIMD style: a 429/529 halves it (down to Rate/16), each 200 adds
// Rate/40 until it is back at Rate. A client configured faster than what the
// server really allows (a per-workspace limit, a window budget) then converges
// instead of being paused again right after every pause. The 429s of requests
// sent before the last halving are one congestion event and halve only once.
// The caller holds t.mu.
func (t *transport) adaptLocked(ok bool, sent time.Time) {
	if t.configured == rate.Inf || t.configured <= 0 {
		return
	}
	next := t.current
	switch {
	case ok:
		next = min(t.configured, t.current+t.configured/40)
	case sent.Before(t.slowedAt):
		return
	default:
		next = max(t.configured/16, t.current/2)
		t.slowedAt = t.now()
	}
	if next != t.current {
		t.current = next
		t.limiter.SetLimitAt(t.limiterTimeLocked(t.now()), next)
	}
}

// retryWait decides whether err is worth another attempt and how long to wait
// first; pause means every goroutine of the Client waits (429/529).
func (t *transport) retryWait(class routeClass, err error, attempt int) (wait time.Duration, pause, retry bool) {
	var ae *APIError
	if errors.As(err, &ae) {
		switch {
		case blockLimit(ae):
			// Waiting does not lift it: only a plan change does.
			return 0, false, false
		case ae.Status == http.StatusTooManyRequests || ae.Status == statusOverloaded:
			if ae.RetryAfter > 0 {
				return ae.RetryAfter, true, true
			}
			return t.rateLimitBackoff(attempt), true, true
		case class == classIdempotent && (ae.Status >= 500 || ae.Status == http.StatusConflict):
			d := t.backoffFor(attempt)
			if ae.RetryAfter > d {
				d = ae.RetryAfter
			}
			return d, false, true
		}
		return 0, false, false
	}
	var ne *netError
	if errors.As(err, &ne) && !ne.canceled && (class == classIdempotent || ne.notSent()) {
		return t.backoffFor(attempt), false, true
	}
	return 0, false, false
}

// backoffFor is capped exponential backoff with full jitter: a random wait in
// [0, min(MaxBackoff, Backoff·2^(attempt-1))], so workers that failed together
// do not retry together.
func (t *transport) backoffFor(attempt int) time.Duration {
	return t.jitter(t.backoffCap(attempt))
}

// rateLimitBackoff is the wait after a 429/529 that carried no Retry-After.
// The server asked us to slow down, so the wait has a floor: equal jitter
// (half of the capped exponential fixed, half random) and at least 1 s when
// Backoff is 1 s or more, as Notion's own SDK backs off from 1 s
// (notion-api.md §5.2). Full jitter could retry within milliseconds.
func (t *transport) rateLimitBackoff(attempt int) time.Duration {
	d := t.backoffCap(attempt)
	w := d/2 + t.jitter(d-d/2)
	if t.backoff >= time.Second && w < time.Second {
		w = time.Second
	}
	return w
}

// backoffCap is min(MaxBackoff, Backoff·2^(attempt-1)), computed without
// overflowing int64 for a large Backoff or a late attempt.
func (t *transport) backoffCap(attempt int) time.Duration {
	shift := max(attempt-1, 0)
	if shift >= 62 || t.backoff > t.maxBackoff>>shift {
		return t.maxBackoff
	}
	return t.backoff << shift
}

// waitTurn runs before every attempt. It takes a slot of the shared limiter
// at the end of the shared pause (pre-booking), so one wait covers both and
// the requests queued behind a pause leave one limiter interval apart instead
// of all at the instant it ends. When a new pause starts while a request waits
// for its slot, the slot would fire together with everyone else's at the end
// of that pause, so it is given back and a new one is taken after the pause.
func (t *transport) waitTurn(ctx context.Context, last error) error {
	for {
		if err := ctx.Err(); err != nil {
			return joinLast(fmt.Errorf("send notion request: %w", err), last)
		}
		now := t.now()
		t.mu.Lock()
		at := t.limiterTimeLocked(now)
		r := t.limiter.ReserveN(at, 1)
		t.mu.Unlock()
		if !r.OK() {
			return errors.New("reserve notion rate limiter: burst is 0")
		}
		reason := "rate limiter"
		if at.After(now) {
			reason = "rate limit pause"
		}
		if d := r.DelayFrom(now); d > 0 {
			if err := t.wait(ctx, d, reason, last); err != nil {
				r.CancelAt(t.now())
				return err
			}
		}
		t.mu.Lock()
		until := t.pausedUntil
		t.mu.Unlock()
		now = t.now()
		if !until.After(at) || !until.After(now) {
			return nil
		}
		r.CancelAt(now)
	}
}

// limiterTimeLocked is the time at which the limiter is asked for a slot or
// has its rate changed: now, or the end of the shared pause when one is on.
// It never goes backwards, so neither does the limiter's own clock. The
// caller holds t.mu.
func (t *transport) limiterTimeLocked(now time.Time) time.Time {
	if t.pausedUntil.After(now) {
		return t.pausedUntil
	}
	return now
}

// wait sleeps d unless that would pass ctx's deadline, in which case it gives
// up at once with the last error (an *APIError when there was an answer).
func (t *transport) wait(ctx context.Context, d time.Duration, reason string, last error) error {
	if dl, ok := ctx.Deadline(); ok && t.now().Add(d).After(dl) {
		err := fmt.Errorf("wait %s for %s: would pass the context deadline: %w", d.Round(time.Millisecond), reason, context.DeadlineExceeded)
		return joinLast(err, last)
	}
	if err := t.sleep(ctx, d); err != nil {
		return joinLast(fmt.Errorf("wait %s for %s: %w", d.Round(time.Millisecond), reason, err), last)
	}
	t.mu.Lock()
	t.stats.Waited += d
	t.mu.Unlock()
	return nil
}

// joinLast keeps the last answer reachable (errors.As *APIError, IsAmbiguous)
// when giving up for another reason.
func joinLast(err, last error) error {
	if last == nil {
		return err
	}
	return fmt.Errorf("%w; last error: %w", err, last)
}

// attempt sends the request once, with its own timeout, reads the whole answer
// (so the timeout covers the body too) and records it in Stats and the audit log.
func (t *transport) attempt(ctx context.Context, orig *http.Request, target *url.URL, notion bool, body []byte, path string, n int, info *callInfo) (*http.Response, error) {
	actx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	var wrote atomic.Bool
	actx = httptrace.WithClientTrace(actx, &httptrace.ClientTrace{
		WroteRequest: func(httptrace.WroteRequestInfo) { wrote.Store(true) },
	})
	req := orig.Clone(actx)
	u := *target
	req.URL = &u
	req.Host = ""
	req.RequestURI = ""
	if body != nil {
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		req.ContentLength = int64(len(body))
	} else {
		req.Body, req.GetBody, req.ContentLength = nil, nil, 0
	}
	if notion {
		if req.Header.Get("Authorization") == "" {
			req.Header.Set("Authorization", "Bearer "+t.token.Reveal())
		}
		// Always the configured version, whoever built the request: the
		// shapes this package decodes are those of t.version.
		req.Header.Set("Notion-Version", string(t.version))
		if req.Header.Get("User-Agent") == "" {
			req.Header.Set("User-Agent", "notion-sync-action")
		}
		if body != nil && req.Header.Get("Content-Type") == "" {
			req.Header.Set("Content-Type", "application/json")
		}
	}

	stamp := t.now()
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	var data []byte
	tooBig := false
	if err == nil {
		data, err = io.ReadAll(io.LimitReader(resp.Body, t.maxBody+1))
		resp.Body.Close()
		if err == nil && int64(len(data)) > t.maxBody {
			// An answer came, so this is not a network failure to retry:
			// an error status keeps its own rule, a 200 is a bad answer.
			tooBig, data = true, data[:t.maxBody]
		}
	}
	elapsed := time.Since(start)

	if err != nil {
		ne := &netError{err: err, sent: wrote.Load() || resp != nil}
		var op *net.OpError
		ne.dial = errors.As(err, &op) && (op.Op == "dial" || op.Op == "proxyconnect")
		switch {
		case ctx.Err() != nil:
			ne.canceled = true
		case errors.Is(actx.Err(), context.DeadlineExceeded):
			ne.timeout = true
			ne.err = fmt.Errorf("no answer within %s: %w", t.timeout, err)
		}
		t.record(entry{stamp, orig.Method, path, 0, elapsed, n, "", ne.kind()})
		if info != nil {
			info.status, info.requestID = 0, ""
		}
		return nil, ne
	}

	requestID := resp.Header.Get("X-Notion-Request-Id")
	if resp.StatusCode != http.StatusOK {
		ae := parseAPIError(resp.StatusCode, resp.Header, data, t.now())
		ae.Message = t.token.Scrub(ae.Message)
		requestID = ae.RequestID
		t.record(entry{stamp, orig.Method, path, resp.StatusCode, elapsed, n, requestID, ""})
		if ae.Status == http.StatusTooManyRequests {
			reason := ae.RateLimitReason
			if reason == "" {
				reason = "unspecified"
			}
			t.mu.Lock()
			if t.stats.RateLimitReasons == nil {
				t.stats.RateLimitReasons = map[string]int{}
			}
			t.stats.RateLimitReasons[reason]++
			t.mu.Unlock()
		}
		if info != nil {
			info.status, info.requestID = resp.StatusCode, requestID
		}
		return nil, ae
	}
	t.record(entry{stamp, orig.Method, path, resp.StatusCode, elapsed, n, requestID, ""})
	t.mu.Lock()
	t.adaptLocked(true, stamp)
	t.mu.Unlock()
	if info != nil {
		info.status, info.requestID = resp.StatusCode, requestID
	}
	if tooBig {
		return nil, &DecodeError{RequestID: requestID, Err: fmt.Errorf("response body over %d bytes", t.maxBody)}
	}
	resp.Body = io.NopCloser(bytes.NewReader(data))
	resp.ContentLength = int64(len(data))
	resp.Header.Del("Content-Length")
	resp.Request = orig
	return resp, nil
}

func (t *transport) record(e entry) {
	t.mu.Lock()
	t.stats.Calls++
	if t.stats.ByStatus == nil {
		t.stats.ByStatus = map[int]int{}
	}
	t.stats.ByStatus[e.status]++
	if e.status == http.StatusTooManyRequests || e.status == statusOverloaded {
		t.stats.RateLimited++
	}
	t.mu.Unlock()
	if t.audit != nil {
		if err := t.audit.write(e); err != nil {
			t.log.Warn("write notion audit log", "error", err)
		}
	}
}

func (t *transport) snapshot() Stats {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.stats
	s.ByStatus = maps.Clone(t.stats.ByStatus)
	if s.ByStatus == nil {
		s.ByStatus = map[int]int{}
	}
	s.RateLimitReasons = maps.Clone(t.stats.RateLimitReasons)
	return s
}

// readRequestBody reads and closes the body so every attempt can send it again.
func readRequestBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	defer req.Body.Close()
	return io.ReadAll(req.Body)
}

// entry is one audit log line.
type entry struct {
	time      time.Time
	method    string
	path      string
	status    int
	duration  time.Duration
	attempt   int
	requestID string
	failure   string // timeout, reset, connect, canceled; only when status is 0
}

// auditLog writes one line per attempt; the mutex keeps lines whole when many
// workers share the writer.
type auditLog struct {
	mu sync.Mutex
	w  io.Writer
}

func (a *auditLog) write(e entry) error {
	var b strings.Builder
	b.WriteString("time=")
	b.WriteString(e.time.UTC().Format("2006-01-02T15:04:05.000Z07:00"))
	b.WriteString(" method=")
	b.WriteString(auditField(e.method))
	b.WriteString(" path=")
	b.WriteString(auditField(e.path))
	b.WriteString(" status=")
	b.WriteString(strconv.Itoa(e.status))
	b.WriteString(" duration_ms=")
	b.WriteString(strconv.FormatInt(e.duration.Milliseconds(), 10))
	b.WriteString(" attempt=")
	b.WriteString(strconv.Itoa(e.attempt))
	b.WriteString(" request_id=")
	b.WriteString(auditField(e.requestID))
	if e.failure != "" {
		b.WriteString(" error=")
		b.WriteString(e.failure)
	}
	b.WriteByte('\n')
	a.mu.Lock()
	defer a.mu.Unlock()
	_, err := io.WriteString(a.w, b.String())
	return err
}

// auditField keeps a value on one line and one field: "-" when empty, and
// spaces, control characters and '=' replaced by '_'.
func auditField(s string) string {
	if s == "" {
		return "-"
	}
	return strings.Map(func(r rune) rune {
		if r <= ' ' || r == '=' || r == 0x7f {
			return '_'
		}
		return r
	}, s)
}
