package emulator

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"
)

// The Notion-Version values the emulator speaks. Each request is answered in the
// shapes of the version it names, as Notion does (notion-api.md §8).
const (
	// Version20220628 is the version go-notion v0.11.0 sends: databases hold
	// their schema and rows; pages have database_id parents.
	Version20220628 = "2022-06-28"
	// Version20250903 makes a database a container of data sources, which hold
	// the schema and the rows (/v1/data_sources/...).
	Version20250903 = "2025-09-03"
	// Version20260311 is 2025-09-03 without `archived`: in_trash only.
	Version20260311 = "2026-03-11"
)

// NotionVersion is the oldest version the emulator speaks, the one go-notion
// v0.11.0 sends; the emulator command shows it in its curl hints because its
// /v1/databases/{id}/query route works under no later version.
const NotionVersion = Version20220628

// Versions lists every Notion-Version the emulator accepts, oldest first.
var Versions = []string{Version20220628, Version20250903, Version20260311}

// hasDataSources reports whether version v speaks data sources (2025-09-03 and
// later). Versions are dates, so they compare as strings.
func hasDataSources(v string) bool { return v >= Version20250903 }

// hasArchived reports whether version v still knows `archived` (removed in
// 2026-03-11, notion-api.md §8).
func hasArchived(v string) bool { return v < Version20260311 }

// handler serves one route; it takes s.mu itself, so commit-then-fail faults can
// run it and then fail.
type handler func(s *Server, rq *apiRequest) (any, *apiError)

// matchRoute maps a request to its route pattern, the name of its path id ("" for
// none), the raw id and the handler. A known path with the wrong method is no route,
// as in Notion (invalid_request_url); so are the routes the request's version does
// not have: /v1/data_sources/... under 2022-06-28 (notion-api.md §8,
// makenotion/notion-mcp-server#179) and the database query, which moved to the
// data source, under 2025-09-03 and later.
func matchRoute(version, method, path string) (pattern, param, rawID string, h handler) {
	pattern, param, rawID, h = matchAnyRoute(method, path)
	switch {
	case h == nil:
	case strings.Contains(pattern, "/v1/data_sources/") && !hasDataSources(version):
		return "", "", "", nil
	case pattern == "POST /v1/databases/{id}/query" && hasDataSources(version):
		return "", "", "", nil
	}
	return pattern, param, rawID, h
}

func matchAnyRoute(method, path string) (pattern, param, rawID string, h handler) {
	seg := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if len(seg) < 2 || seg[0] != "v1" {
		return "", "", "", nil
	}
	switch {
	case len(seg) == 3 && seg[1] == "users" && seg[2] == "me" && method == http.MethodGet:
		return "GET /v1/users/me", "", "", (*Server).getUser
	case len(seg) == 3 && seg[1] == "databases" && seg[2] != "" && method == http.MethodGet:
		return "GET /v1/databases/{id}", "database_id", seg[2], (*Server).getDatabase
	case len(seg) == 3 && seg[1] == "databases" && seg[2] != "" && method == http.MethodPatch:
		return "PATCH /v1/databases/{id}", "database_id", seg[2], (*Server).patchDatabase
	case len(seg) == 4 && seg[1] == "databases" && seg[2] != "" && seg[3] == "query" && method == http.MethodPost:
		return "POST /v1/databases/{id}/query", "database_id", seg[2], (*Server).queryDatabase
	case len(seg) == 2 && seg[1] == "databases" && method == http.MethodPost:
		return "POST /v1/databases", "", "", (*Server).createDatabase
	case len(seg) == 3 && seg[1] == "data_sources" && seg[2] != "" && method == http.MethodGet:
		return "GET /v1/data_sources/{id}", "data_source_id", seg[2], (*Server).getDataSource
	case len(seg) == 3 && seg[1] == "data_sources" && seg[2] != "" && method == http.MethodPatch:
		return "PATCH /v1/data_sources/{id}", "data_source_id", seg[2], (*Server).patchDataSource
	case len(seg) == 4 && seg[1] == "data_sources" && seg[2] != "" && seg[3] == "query" && method == http.MethodPost:
		return "POST /v1/data_sources/{id}/query", "data_source_id", seg[2], (*Server).queryDataSource
	case len(seg) == 2 && seg[1] == "pages" && method == http.MethodPost:
		return "POST /v1/pages", "", "", (*Server).createPage
	case len(seg) == 3 && seg[1] == "pages" && seg[2] != "" && method == http.MethodGet:
		return "GET /v1/pages/{id}", "page_id", seg[2], (*Server).getPage
	case len(seg) == 3 && seg[1] == "pages" && seg[2] != "" && method == http.MethodPatch:
		return "PATCH /v1/pages/{id}", "page_id", seg[2], (*Server).patchPage
	}
	return "", "", "", nil
}

// ServeHTTP handles one API request in the order of notion-api.md §11: body size,
// latency, bearer token, Notion-Version, rate limit, route, path id, then scripted
// or random faults, then the endpoint (JSON parsing, body keys, lookup, values).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	started := time.Now()
	version := r.Header.Get("Notion-Version")
	pattern, param, rawID, h := matchRoute(version, r.Method, r.URL.Path)
	entry := Request{Method: r.Method, Path: r.URL.Path, Route: pattern, Time: s.now()}
	// The log entry is written before the response goes out, so a test that has
	// its answer always finds the request in Requests().
	sw := &statusWriter{ResponseWriter: w, onStatus: func(status int) {
		entry.Status = status
		s.record(entry)
	}}
	defer func() {
		sw.logOnce(0) // no response was sent: reset, or the client left
		if s.log != nil {
			s.log.Info("emulator request", "method", entry.Method, "path", entry.Path,
				"status", entry.Status, "duration", time.Since(started).Round(time.Millisecond))
		}
	}()
	reqID := newUUID()

	body, size, tooBig := s.readBody(r)
	entry.BodySize = size
	if tooBig {
		// Oversized payloads are refused at Notion's edge, not by the API.
		sw.Header().Set("Content-Type", "text/html")
		sw.WriteHeader(http.StatusRequestEntityTooLarge)
		_, _ = io.WriteString(sw, htmlErrorPage(http.StatusRequestEntityTooLarge))
		return
	}
	if d := s.requestLatency(); d > 0 {
		if s.sleep(r.Context(), d) != nil {
			return
		}
	}
	if e := s.checkAuth(r); e != nil {
		s.writeError(sw, reqID, e)
		return
	}
	if e := checkVersion(r); e != nil {
		s.writeError(sw, reqID, e)
		return
	}
	s.ctlMu.Lock()
	e := s.limiter.allow(s.now())
	s.ctlMu.Unlock()
	if e != nil {
		s.writeError(sw, reqID, e)
		return
	}
	if h == nil {
		s.writeError(sw, reqID, invalidRequestURL())
		return
	}
	rq := &apiRequest{query: r.URL.Query(), version: version}
	if param != "" {
		id, ok := parseID(rawID)
		if !ok {
			s.writeError(sw, reqID, validation("path failed validation: path.%s should be a valid uuid, instead was `%s`.", param, mustJSON(rawID)))
			return
		}
		rq.id = id
	}
	call := func() (any, *apiError) {
		if r.Method == http.MethodPost || r.Method == http.MethodPatch {
			b, e := parseBody(body)
			if e != nil {
				return nil, e
			}
			rq.body = b
		}
		return h(s, rq)
	}
	f, faulty := s.nextFault(r.Method, pattern)
	if !faulty {
		resp, e := call()
		s.respond(sw, reqID, resp, e)
		return
	}
	kind, id := faultTarget(param, rq.id, body)
	s.applyFault(sw, r, reqID, f, call, kind, id)
}

// faultTarget names the object a request is about, for an injected 404 that
// reads like a real one: the path id, or the parent database of a create.
// kind is "" when there is none.
func faultTarget(param, id string, body []byte) (kind, dashed string) {
	switch param {
	case "database_id":
		return "database", id
	case "page_id":
		return "page", id
	case "data_source_id":
		return "data source", id
	}
	var create struct {
		Parent struct {
			DatabaseID   string `json:"database_id"`
			DataSourceID string `json:"data_source_id"`
		} `json:"parent"`
	}
	if json.Unmarshal(body, &create) == nil {
		if id, ok := parseID(create.Parent.DataSourceID); ok {
			return "data source", id
		}
		if dbID, ok := parseID(create.Parent.DatabaseID); ok {
			return "database", dbID
		}
	}
	return "", ""
}

// applyFault runs a request under fault f; see Fault for the order of effects.
// kind and id name the request's object for an injected 404.
func (s *Server) applyFault(w *statusWriter, r *http.Request, reqID string, f Fault, call func() (any, *apiError), kind, id string) {
	var resp any
	var e *apiError
	committed := false
	if f.Commit || f.Partial {
		resp, e = call()
		committed = true
	}
	if f.Delay > 0 {
		if s.sleep(r.Context(), f.Delay) != nil {
			return // the client gave up; a committed write stays committed
		}
	}
	switch {
	case f.BlockLimit:
		s.writeError(w, reqID, blockLimitError())
	case f.Reset:
		w.logOnce(0)
		resetConn(w)
	case f.Partial && e == nil:
		s.writeJSON(w, reqID, partial(resp))
	case f.Status == http.StatusNotFound && kind != "" && !f.HTML:
		// Same 404 as for a missing or unshared object (notion-api.md §1, §2.2).
		s.writeError(w, reqID, notFound(kind, id))
	case f.Status != 0:
		s.writeFault(w, reqID, f)
	default:
		if !committed {
			resp, e = call()
		}
		s.respond(w, reqID, resp, e)
	}
}

// partial reduces a response to what an integration without read access gets back:
// {"object","id"}, for a list each result so (notion-api.md §2.5).
func partial(resp any) any {
	b := mustJSON(resp)
	var probe struct {
		Object  string `json:"object"`
		ID      string `json:"id"`
		Results []struct {
			Object string `json:"object"`
			ID     string `json:"id"`
		} `json:"results"`
		NextCursor *string `json:"next_cursor"`
		HasMore    bool    `json:"has_more"`
	}
	_ = json.Unmarshal(b, &probe)
	if probe.Object != "list" {
		return map[string]string{"object": probe.Object, "id": probe.ID}
	}
	results := make([]map[string]string, 0, len(probe.Results))
	for _, r := range probe.Results {
		results = append(results, map[string]string{"object": r.Object, "id": r.ID})
	}
	return map[string]any{"object": "list", "results": results, "next_cursor": probe.NextCursor,
		"has_more": probe.HasMore, "type": "page_or_database", "page_or_database": struct{}{}}
}

// resetConn drops the connection without a response: the client sees a reset or
// EOF. Without a hijackable connection (HTTP/2, a ResponseRecorder) it aborts the
// handler, which net/http also turns into a dropped connection.
func resetConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // RST instead of FIN
	}
	_ = conn.Close()
}

func (s *Server) requestLatency() time.Duration {
	d := s.latency
	if s.jitter > 0 {
		s.ctlMu.Lock()
		d += time.Duration(s.rng.Int64N(int64(s.jitter)))
		s.ctlMu.Unlock()
	}
	return d
}

// readBody reads the request body up to the size limit; tooBig reports a body over
// it. size is the body length in bytes (the Content-Length when refused unread).
func (s *Server) readBody(r *http.Request) (body []byte, size int, tooBig bool) {
	if r.ContentLength > s.maxBody {
		drain(r.Body)
		return nil, int(r.ContentLength), true
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, s.maxBody+1))
	if int64(len(b)) > s.maxBody {
		n, _ := io.Copy(io.Discard, io.LimitReader(r.Body, 8<<20))
		return nil, len(b) + int(n), true
	}
	if err != nil {
		return nil, len(b), false
	}
	return b, len(b), false
}

// drain reads a refused body (up to a bound), so that the client gets the 413
// instead of a connection reset while it is still sending.
func drain(body io.Reader) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 8<<20))
}

func (s *Server) checkAuth(r *http.Request) *apiError {
	s.mu.Lock()
	token := s.token
	s.mu.Unlock()
	scheme, got, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || got != token {
		return newError(http.StatusUnauthorized, "unauthorized", "API token is invalid.")
	}
	return nil
}

func checkVersion(r *http.Request) *apiError {
	v, ok := r.Header["Notion-Version"]
	if !ok || len(v) == 0 || v[0] == "" {
		// The exact text of notion-api.md §5.2.
		return newError(http.StatusBadRequest, "missing_version",
			"Notion-Version header failed validation: Notion-Version header should be defined, instead was undefined.")
	}
	if !slices.Contains(Versions, v[0]) {
		// A version was sent, so it is not missing_version.
		return validation("Notion-Version %s is not supported by this emulator, which speaks %s.",
			v[0], strings.Join(Versions, ", "))
	}
	return nil
}

// parseBody decodes a JSON object body; an empty body is {} (notion-api.md §1).
func parseBody(b []byte) (map[string]json.RawMessage, *apiError) {
	if len(strings.TrimSpace(string(b))) == 0 {
		return map[string]json.RawMessage{}, nil
	}
	if !json.Valid(b) {
		return nil, newError(http.StatusBadRequest, "invalid_json", "Error parsing JSON body.")
	}
	obj, ok := asObject(b)
	if !ok {
		return nil, bodyInvalid("body", "an object", b)
	}
	return obj, nil
}

func (s *Server) respond(w http.ResponseWriter, reqID string, resp any, e *apiError) {
	if e != nil {
		s.writeError(w, reqID, e)
		return
	}
	s.writeJSON(w, reqID, resp)
}

// writeJSON sends a success: always 200, never 201/204 (notion-api.md §1).
func (s *Server) writeJSON(w http.ResponseWriter, reqID string, v any) {
	b := mustJSON(v)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("x-notion-request-id", reqID)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

func (s *Server) writeError(w http.ResponseWriter, reqID string, e *apiError) {
	b := mustJSON(errorBody{
		Object:         "error",
		Status:         e.status,
		Code:           e.code,
		Message:        e.message,
		RequestID:      reqID,
		AdditionalData: e.additional,
	})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("x-notion-request-id", reqID)
	if e.retryAfter != "" {
		w.Header().Set("Retry-After", e.retryAfter)
	}
	w.WriteHeader(e.status)
	_, _ = w.Write(b)
}

// statusWriter logs the request once, with the status sent, just before the
// response leaves.
type statusWriter struct {
	http.ResponseWriter
	onStatus func(status int)
	logged   bool
}

func (w *statusWriter) logOnce(status int) {
	if !w.logged {
		w.logged = true
		w.onStatus(status)
	}
}

func (w *statusWriter) WriteHeader(code int) {
	w.logOnce(code)
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.logOnce(http.StatusOK)
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (for Reset faults).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
