package emulator

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Page size bounds of notion-api.md §7.
const (
	defaultPageSize = 100
	maxPageSize     = 100
)

// DefaultQueryResultLimit is how many results a data source query reaches
// (notion-api.md §7).
const DefaultQueryResultLimit = 10000

// requestStatusJSON is a data source query's request_status (notion-api.md §7).
type requestStatusJSON struct {
	Type             string `json:"type"`
	IncompleteReason string `json:"incomplete_reason,omitempty"`
}

// pred decides whether a page matches a filter.
type pred func(pg *page) bool

// listJSON is a paginated list response (notion-api.md §2.4, §7).
type listJSON struct {
	Object         string     `json:"object"`
	Results        []pageJSON `json:"results"`
	NextCursor     *string    `json:"next_cursor"`
	HasMore        bool       `json:"has_more"`
	Type           string     `json:"type"`
	PageOrDatabase struct{}   `json:"page_or_database"`
	// RequestStatus is set on data source queries (2025-09-03 and later).
	RequestStatus *requestStatusJSON `json:"request_status,omitempty"`
}

// queryDatabase is POST /v1/databases/{id}/query (2022-06-28 only; a database
// with several data sources is refused, notion-api.md §8).
func (s *Server) queryDatabase(rq *apiRequest) (any, *apiError) {
	return s.query(rq, false, func() (*database, *apiError) {
		db, e := s.database(rq.id)
		if e == nil && len(db.Extra) > 0 {
			return nil, multiSourceError(db)
		}
		return db, e
	})
}

// queryDataSource is POST /v1/data_sources/{id}/query (2025-09-03+).
func (s *Server) queryDataSource(rq *apiRequest) (any, *apiError) {
	return s.query(rq, true, func() (*database, *apiError) { return s.dataSource(rq.id) })
}

// capped applies the data source query's result limit to a page of results
// that ends at end of rows: past the limit Notion stops, says so in
// request_status and gives no cursor (notion-api.md §7).
func (s *Server) capped(out *listJSON, end, total int) {
	out.RequestStatus = &requestStatusJSON{Type: "complete"}
	if end >= s.queryLimit && total > s.queryLimit {
		out.RequestStatus = &requestStatusJSON{Type: "incomplete", IncompleteReason: "query_result_limit_reached"}
		out.NextCursor, out.HasMore = nil, false
	}
}

// query runs a query on the collection lookup finds; lookup runs under s.mu. A
// data source query reaches at most the result limit.
func (s *Server) query(rq *apiRequest, dataSource bool, lookup func() (*database, *apiError)) (any, *apiError) {
	b := rq.body
	allowed := []string{"filter", "sorts", "start_cursor", "page_size", "in_trash"}
	if hasArchived(rq.version) {
		allowed = append(allowed, "archived")
	}
	if e := checkKeys(b, allowed...); e != nil {
		return nil, e
	}
	size := defaultPageSize
	if v, ok := b["page_size"]; ok && kindOf(v) != "null" {
		var f float64
		if kindOf(v) != "number" || json.Unmarshal(v, &f) != nil || f != float64(int(f)) {
			return nil, bodyInvalid("body.page_size", "an integer", v)
		}
		switch {
		case f > maxPageSize:
			return nil, validation("body failed validation: body.page_size should be ≤ `%d`, instead was `%s`.", maxPageSize, shown(v))
		case f < 1:
			return nil, validation("body failed validation: body.page_size should be ≥ `1`, instead was `%s`.", shown(v))
		}
		size = int(f)
	}
	var cur *cursor
	if v, ok := b["start_cursor"]; ok && kindOf(v) != "null" {
		var str string
		if kindOf(v) != "string" || json.Unmarshal(v, &str) != nil {
			return nil, bodyInvalid("body.start_cursor", "a string", v)
		}
		c, ok := parseCursor(str)
		if !ok {
			return nil, bodyInvalid("body.start_cursor", "a valid uuid", v)
		}
		cur = &c
	}
	trashed, e := trashFlag(b)
	if e != nil {
		return nil, e
	}
	wantArchived := trashed != nil && *trashed
	qhash := queryHash(rq.id, b["filter"], b["sorts"], wantArchived)
	if s.short && size > 1 {
		// Notion may return fewer rows than page_size with has_more true
		// (notion-api.md §7): half the pages are cut to 1..size-1 rows.
		s.ctlMu.Lock()
		if s.rng.IntN(2) == 0 {
			size = 1 + s.rng.IntN(size-1)
		}
		s.ctlMu.Unlock()
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	db, e := lookup()
	if e != nil {
		return nil, e
	}
	match := pred(func(*page) bool { return true })
	if v, ok := b["filter"]; ok && kindOf(v) != "null" {
		if match, e = s.compileFilter(db, "body.filter", v, 0); e != nil {
			return nil, e
		}
	}
	order := defaultOrder
	if v, ok := b["sorts"]; ok && kindOf(v) != "null" {
		if order, e = compileSorts(db, v); e != nil {
			return nil, e
		}
	}
	now := s.now()
	var rows []*page
	for _, pg := range s.pages {
		// Trashed pages are left out of queries but stay readable by id; new pages
		// show up only after the visibility delay (notion-api.md §7).
		if pg.DB != db.ID || pg.Archived != wantArchived || now.Before(pg.VisibleAt) || !match(pg) {
			continue
		}
		rows = append(rows, pg)
	}
	slices.SortFunc(rows, order)
	start := 0
	if cur != nil {
		if cur.hash != qhash {
			return nil, bodyInvalid("body.start_cursor", "a cursor returned by a query with the same filter and sorts", b["start_cursor"])
		}
		// Resume by position: rows that left or joined the results since the
		// previous page shift the rest, as Notion warns (notion-api.md §7).
		start = min(cur.pos, len(rows))
	}
	end := min(start+size, len(rows))
	out := listJSON{Object: "list", Results: []pageJSON{}, Type: "page_or_database"}
	for _, pg := range rows[start:end] {
		out.Results = append(out.Results, s.renderPage(db, pg, rq.query["filter_properties"], rq.version))
	}
	if end < len(rows) {
		next := cursor{pos: end, hash: qhash}.String()
		out.NextCursor, out.HasMore = &next, true
	}
	if dataSource {
		if end > s.queryLimit {
			// The rows past the limit are out of reach: cut this page there.
			out.Results = out.Results[:max(0, len(out.Results)-(end-s.queryLimit))]
			end = s.queryLimit
		}
		s.capped(&out, end, len(rows))
	}
	return out, nil
}

// cursor is a query position. On the wire it is opaque and shaped like a UUID,
// as Notion's cursors are (notion-api.md §7): 4 bytes of position, then 12
// bytes of a hash of the query it belongs to (database, filter, sorts,
// archived), so a cursor replayed with another query is refused.
type cursor struct {
	pos  int
	hash [12]byte
}

func (c cursor) String() string {
	var b [16]byte
	binary.BigEndian.PutUint32(b[:4], uint32(c.pos))
	copy(b[4:], c.hash[:])
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// parseCursor reads a cursor; ok is false when s is not UUID-shaped. Any
// UUID parses, and is then refused by its hash unless it came from the query.
func parseCursor(s string) (cursor, bool) {
	id, ok := parseID(s)
	if !ok {
		return cursor{}, false
	}
	raw, _ := hex.DecodeString(undash(id))
	var c cursor
	c.pos = int(binary.BigEndian.Uint32(raw[:4]))
	copy(c.hash[:], raw[4:])
	return c, true
}

// queryHash identifies a query for its cursors: the database, the filter and
// sorts (re-encoded, so key order and spacing do not matter; absent equals
// null) and whether it lists archived pages. page_size is not part of it.
func queryHash(dbID string, filter, sorts json.RawMessage, archived bool) [12]byte {
	canon := func(raw json.RawMessage) string {
		var v any
		if k := kindOf(raw); k == "" || k == "null" || json.Unmarshal(raw, &v) != nil {
			return "" // absent and null mean the same
		}
		return string(mustJSON(v))
	}
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%s\x00%s\x00%t", dbID, canon(filter), canon(sorts), archived)))
	var h [12]byte
	copy(h[:], sum[:])
	return h
}

// defaultOrder is the order without sorts: created_time (minute-rounded, as
// reported) newest first, then id. It is stable but deliberately not insertion
// order, so a tool that relies on row order fails here (notion-api.md §7).
func defaultOrder(a, b *page) int {
	ca, cb := a.Created.Truncate(time.Minute), b.Created.Truncate(time.Minute)
	if c := cb.Compare(ca); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// Conditions per filter type (notion-api.md §2.4).
var (
	textConds   = []string{"equals", "does_not_equal", "contains", "does_not_contain", "starts_with", "ends_with", "is_empty", "is_not_empty"}
	numberConds = []string{"equals", "does_not_equal", "greater_than", "less_than", "greater_than_or_equal_to", "less_than_or_equal_to", "is_empty", "is_not_empty"}
	checkConds  = []string{"equals", "does_not_equal"}
	selectConds = []string{"equals", "does_not_equal", "is_empty", "is_not_empty"}
	multiConds  = []string{"contains", "does_not_contain", "is_empty", "is_not_empty"}
	dateConds   = []string{"equals", "before", "after", "on_or_before", "on_or_after", "past_week", "past_month", "past_year", "this_week", "next_week", "next_month", "next_year", "is_empty", "is_not_empty"}
	refConds    = []string{"contains", "does_not_contain", "is_empty", "is_not_empty"}
	filesConds  = []string{"is_empty", "is_not_empty"}
)

func condsFor(typ string) []string {
	switch typ {
	case "title", "rich_text", "url", "email", "phone_number":
		return textConds
	case "number":
		return numberConds
	case "checkbox":
		return checkConds
	case "select", "status":
		return selectConds
	case "multi_select":
		return multiConds
	case "date", "created_time", "last_edited_time":
		return dateConds
	case "people", "relation", "created_by", "last_edited_by":
		return refConds
	case "files":
		return filesConds
	}
	return nil
}

// compileFilter turns a filter object into a predicate. Compound filters nest at
// most two levels, as the 2022-06-28 types allow.
func (s *Server) compileFilter(db *database, path string, raw json.RawMessage, depth int) (pred, *apiError) {
	obj, ok := asObject(raw)
	if !ok {
		return nil, bodyInvalid(path, "an object", raw)
	}
	for _, op := range []string{"and", "or"} {
		v, ok := obj[op]
		if !ok {
			continue
		}
		if len(obj) != 1 {
			return nil, bodyInvalid(path, "a single compound or property filter", raw)
		}
		if depth >= 2 {
			return nil, bodyInvalid(path, "a property filter (compound filters nest at most two levels deep)", raw)
		}
		var items []json.RawMessage
		if kindOf(v) != "array" || json.Unmarshal(v, &items) != nil {
			return nil, bodyInvalid(path+"."+op, "an array", v)
		}
		preds := make([]pred, 0, len(items))
		for i, it := range items {
			p, e := s.compileFilter(db, fmt.Sprintf("%s.%s[%d]", path, op, i), it, depth+1)
			if e != nil {
				return nil, e
			}
			preds = append(preds, p)
		}
		if op == "and" {
			return func(pg *page) bool {
				for _, p := range preds {
					if !p(pg) {
						return false
					}
				}
				return true
			}, nil
		}
		return func(pg *page) bool {
			for _, p := range preds {
				if p(pg) {
					return true
				}
			}
			return false
		}, nil
	}
	if v, ok := obj["timestamp"]; ok {
		var ts string
		_ = json.Unmarshal(v, &ts)
		if ts != "created_time" && ts != "last_edited_time" {
			return nil, bodyInvalid(path+".timestamp", "`created_time` or `last_edited_time`", v)
		}
		if e := checkKeysAt(path, obj, "timestamp", ts, "type"); e != nil {
			return nil, e
		}
		if e := checkType(path, obj, ts); e != nil {
			return nil, e
		}
		key, cond, e := oneCondition(path+"."+ts, obj[ts], dateConds)
		if e != nil {
			return nil, e
		}
		get := func(pg *page) (time.Time, bool, bool) {
			t := pg.Created
			if ts == "last_edited_time" {
				t = pg.Edited
			}
			return t.UTC().Truncate(time.Minute), true, false
		}
		return s.dateFilter(path+"."+ts, key, cond, get)
	}
	propRaw, ok := obj["property"]
	if !ok {
		return nil, fixOne([]string{
			shouldBe(path+".and", "defined", nil),
			shouldBe(path+".or", "defined", nil),
			shouldBe(path+".property", "defined", nil),
			shouldBe(path+".timestamp", "defined", nil),
		})
	}
	var name string
	if json.Unmarshal(propRaw, &name) != nil {
		return nil, bodyInvalid(path+".property", "a string", propRaw)
	}
	p := db.prop(name)
	if p == nil {
		return nil, validation("Could not find property with name or id: %s", name)
	}
	var typ string
	for k := range obj {
		if k == "property" || k == "type" {
			continue
		}
		if condsFor(k) == nil && k != "formula" && k != "rollup" {
			return nil, bodyInvalid(path+"."+k, "not present", obj[k])
		}
		if typ != "" {
			return nil, bodyInvalid(path, "a filter with one type key", raw)
		}
		typ = k
	}
	if typ == "" {
		return nil, bodyInvalid(path+"."+p.Type, "defined", nil)
	}
	if e := checkType(path, obj, typ); e != nil {
		return nil, e
	}
	if typ != p.Type {
		return nil, validation("database property %s does not match filter %s", p.Type, typ)
	}
	conds := condsFor(typ)
	if conds == nil {
		return nil, newError(400, "validation_error", "The emulator does not filter on %s properties.", typ)
	}
	cp := path + "." + typ
	key, cond, e := oneCondition(cp, obj[typ], conds)
	if e != nil {
		return nil, e
	}
	switch typ {
	case "title", "rich_text", "url", "email", "phone_number":
		return textFilter(cp, key, cond, func(pg *page) string { return textOf(pg.Values[p.ID], p.Type) })
	case "number":
		return numberFilter(cp, key, cond, func(pg *page) *float64 {
			if v := pg.Values[p.ID]; v != nil && v.Type == p.Type {
				return v.Number
			}
			return nil
		})
	case "checkbox":
		var want bool
		if kindOf(cond) != "boolean" || json.Unmarshal(cond, &want) != nil {
			return nil, bodyInvalid(cp+"."+key, "a boolean", cond)
		}
		return func(pg *page) bool {
			v := pg.Values[p.ID]
			got := v != nil && v.Type == p.Type && v.Checkbox
			return (got == want) == (key == "equals")
		}, nil
	case "select", "status":
		return selectFilter(cp, key, cond, func(pg *page) string {
			if v := pg.Values[p.ID]; v != nil && v.Type == p.Type {
				if o := p.optionByID(v.Option); o != nil {
					return o.Name
				}
			}
			return ""
		})
	case "multi_select":
		return listFilter(cp, key, cond, func(pg *page) []string {
			var names []string
			if v := pg.Values[p.ID]; v != nil && v.Type == p.Type {
				for _, id := range v.Options {
					if o := p.optionByID(id); o != nil {
						names = append(names, o.Name)
					}
				}
			}
			return names
		}, false)
	case "people", "relation":
		return listFilter(cp, key, cond, func(pg *page) []string {
			var ids []string
			if v := pg.Values[p.ID]; v != nil && v.Type == p.Type {
				var refs []struct{ ID string }
				_ = json.Unmarshal(v.Items, &refs)
				for _, r := range refs {
					ids = append(ids, r.ID)
				}
			}
			return ids
		}, true)
	case "files":
		return func(pg *page) bool {
			v := pg.Values[p.ID]
			empty := v == nil || v.Type != p.Type || len(v.Items) == 0 || string(v.Items) == "[]"
			return empty == (key == "is_empty")
		}, nil
	case "date":
		return s.dateFilter(cp, key, cond, func(pg *page) (time.Time, bool, bool) {
			v := pg.Values[p.ID]
			if v == nil || v.Type != p.Type || v.Date == nil {
				return time.Time{}, false, false
			}
			t, dateOnly := parseStoredDate(v.Date.Start)
			return t, true, dateOnly
		})
	case "created_time", "last_edited_time":
		return s.dateFilter(cp, key, cond, func(pg *page) (time.Time, bool, bool) {
			t := pg.Created
			if typ == "last_edited_time" {
				t = pg.Edited
			}
			return t.UTC().Truncate(time.Minute), true, false
		})
	}
	return nil, newError(400, "validation_error", "The emulator does not filter on %s properties.", typ)
}

// oneCondition checks that a condition object holds exactly one allowed key; if
// not, the error lists the alternatives as Notion's validator does.
func oneCondition(path string, raw json.RawMessage, allowed []string) (string, json.RawMessage, *apiError) {
	obj, ok := asObject(raw)
	if ok && len(obj) == 1 {
		for k, v := range obj {
			if slices.Contains(allowed, k) {
				if (k == "is_empty" || k == "is_not_empty") && strings.TrimSpace(string(v)) != "true" {
					return "", nil, bodyInvalid(path+"."+k, "`true`", v)
				}
				return k, v, nil
			}
		}
	}
	lines := make([]string, 0, len(allowed))
	for _, k := range allowed {
		lines = append(lines, shouldBe(path+"."+k, "defined", nil))
	}
	return "", nil, fixOne(lines)
}

// textOf is the text a text-like filter or sort sees.
func textOf(v *value, typ string) string {
	if v == nil || v.Type != typ {
		return ""
	}
	if v.Str != nil {
		return *v.Str
	}
	return plainText(v.Rich)
}

// textFilter: equals is exact and case-sensitive; contains, starts_with and
// ends_with ignore case, as Notion's search-like conditions do.
func textFilter(path, key string, cond json.RawMessage, get func(*page) string) (pred, *apiError) {
	if key == "is_empty" || key == "is_not_empty" {
		return func(pg *page) bool { return (get(pg) == "") == (key == "is_empty") }, nil
	}
	var want string
	if kindOf(cond) != "string" || json.Unmarshal(cond, &want) != nil {
		return nil, bodyInvalid(path+"."+key, "a string", cond)
	}
	lw := strings.ToLower(want)
	return func(pg *page) bool {
		got := get(pg)
		lg := strings.ToLower(got)
		switch key {
		case "equals":
			return got == want
		case "does_not_equal":
			return got != want
		case "contains":
			return strings.Contains(lg, lw)
		case "does_not_contain":
			return !strings.Contains(lg, lw)
		case "starts_with":
			return strings.HasPrefix(lg, lw)
		default: // ends_with
			return strings.HasSuffix(lg, lw)
		}
	}, nil
}

func numberFilter(path, key string, cond json.RawMessage, get func(*page) *float64) (pred, *apiError) {
	if key == "is_empty" || key == "is_not_empty" {
		return func(pg *page) bool { return (get(pg) == nil) == (key == "is_empty") }, nil
	}
	var want float64
	if kindOf(cond) != "number" || json.Unmarshal(cond, &want) != nil {
		return nil, bodyInvalid(path+"."+key, "a number", cond)
	}
	return func(pg *page) bool {
		got := get(pg)
		if got == nil {
			return key == "does_not_equal"
		}
		switch key {
		case "equals":
			return *got == want
		case "does_not_equal":
			return *got != want
		case "greater_than":
			return *got > want
		case "less_than":
			return *got < want
		case "greater_than_or_equal_to":
			return *got >= want
		default:
			return *got <= want
		}
	}, nil
}

func selectFilter(path, key string, cond json.RawMessage, get func(*page) string) (pred, *apiError) {
	if key == "is_empty" || key == "is_not_empty" {
		return func(pg *page) bool { return (get(pg) == "") == (key == "is_empty") }, nil
	}
	var want string
	if kindOf(cond) != "string" || json.Unmarshal(cond, &want) != nil {
		return nil, bodyInvalid(path+"."+key, "a string", cond)
	}
	return func(pg *page) bool { return (get(pg) == want) == (key == "equals") }, nil
}

// listFilter serves multi_select (exact option names), people and relation (ids).
func listFilter(path, key string, cond json.RawMessage, get func(*page) []string, ids bool) (pred, *apiError) {
	if key == "is_empty" || key == "is_not_empty" {
		return func(pg *page) bool { return (len(get(pg)) == 0) == (key == "is_empty") }, nil
	}
	var want string
	if kindOf(cond) != "string" || json.Unmarshal(cond, &want) != nil {
		return nil, bodyInvalid(path+"."+key, "a string", cond)
	}
	if ids {
		id, ok := parseID(want)
		if !ok {
			return nil, bodyInvalid(path+"."+key, "a valid uuid", cond)
		}
		want = id
	}
	return func(pg *page) bool { return slices.Contains(get(pg), want) == (key == "contains") }, nil
}

// parseStoredDate reads a stored date start; dateOnly reports a YYYY-MM-DD value.
func parseStoredDate(s string) (time.Time, bool) {
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, true
	}
	t, _ := time.Parse(responseDateTime, s)
	return t, false
}

// dateFilter compares dates. get returns the page's value, whether it has one, and
// whether it is date-only. A date-only condition compares whole days.
func (s *Server) dateFilter(path, key string, cond json.RawMessage, get func(*page) (time.Time, bool, bool)) (pred, *apiError) {
	switch key {
	case "is_empty", "is_not_empty":
		return func(pg *page) bool { _, ok, _ := get(pg); return !ok == (key == "is_empty") }, nil
	case "past_week", "past_month", "past_year", "this_week", "next_week", "next_month", "next_year":
		if kindOf(cond) != "object" {
			return nil, bodyInvalid(path+"."+key, "an empty object", cond)
		}
		now := s.now().UTC()
		var from, to time.Time
		switch key {
		case "past_week":
			from, to = now.AddDate(0, 0, -7), now
		case "past_month":
			from, to = now.AddDate(0, -1, 0), now
		case "past_year":
			from, to = now.AddDate(-1, 0, 0), now
		case "this_week":
			day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
			from = day.AddDate(0, 0, -int(day.Weekday()))
			to = from.AddDate(0, 0, 7)
		case "next_week":
			from, to = now, now.AddDate(0, 0, 7)
		case "next_month":
			from, to = now, now.AddDate(0, 1, 0)
		default:
			from, to = now, now.AddDate(1, 0, 0)
		}
		return func(pg *page) bool {
			t, ok, _ := get(pg)
			return ok && !t.Before(from) && !t.After(to)
		}, nil
	}
	var str string
	if kindOf(cond) != "string" || json.Unmarshal(cond, &str) != nil {
		return nil, bodyInvalid(path+"."+key, "a valid ISO 8601 date string", cond)
	}
	var want time.Time
	wantDay := false
	if t, err := time.Parse("2006-01-02", str); err == nil {
		want, wantDay = t, true
	} else if t, err := time.Parse(time.RFC3339Nano, str); err == nil {
		want = t
	} else {
		return nil, bodyInvalid(path+"."+key, "a valid ISO 8601 date string", cond)
	}
	return func(pg *page) bool {
		got, ok, dateOnly := get(pg)
		if !ok {
			return false
		}
		c := got.Compare(want)
		if wantDay || dateOnly {
			// Whole days, each side in its own offset, as the dates were written.
			c = cmp.Compare(got.Format("2006-01-02"), want.Format("2006-01-02"))
		}
		switch key {
		case "equals":
			return c == 0
		case "before":
			return c < 0
		case "after":
			return c > 0
		case "on_or_before":
			return c <= 0
		default:
			return c >= 0
		}
	}, nil
}

// compileSorts builds the order of a sorts array: earlier entries win, empty values
// go last in either direction, and the default order breaks ties.
func compileSorts(db *database, raw json.RawMessage) (func(a, b *page) int, *apiError) {
	var items []json.RawMessage
	if kindOf(raw) != "array" || json.Unmarshal(raw, &items) != nil {
		return nil, bodyInvalid("body.sorts", "an array", raw)
	}
	type key struct {
		get  func(*page) (any, bool)
		desc bool
	}
	keys := make([]key, 0, len(items))
	for i, it := range items {
		path := fmt.Sprintf("body.sorts[%d]", i)
		obj, ok := asObject(it)
		if !ok {
			return nil, bodyInvalid(path, "an object", it)
		}
		if e := checkKeysAt(path, obj, "property", "timestamp", "direction"); e != nil {
			return nil, e
		}
		var k key
		dir := obj["direction"]
		var d string
		_ = json.Unmarshal(dir, &d)
		switch d {
		case "ascending":
		case "descending":
			k.desc = true
		default:
			return nil, bodyInvalid(path+".direction", "`ascending` or `descending`", dir)
		}
		propRaw, hasProp := obj["property"]
		tsRaw, hasTS := obj["timestamp"]
		switch {
		case hasProp && hasTS:
			return nil, fixOne([]string{
				shouldBe(path+".property", "not present", propRaw),
				shouldBe(path+".timestamp", "not present", tsRaw),
			})
		case hasTS:
			var ts string
			_ = json.Unmarshal(tsRaw, &ts)
			switch ts {
			case "created_time":
				k.get = func(pg *page) (any, bool) { return pg.Created.Truncate(time.Minute), true }
			case "last_edited_time":
				k.get = func(pg *page) (any, bool) { return pg.Edited.Truncate(time.Minute), true }
			default:
				return nil, bodyInvalid(path+".timestamp", "`created_time` or `last_edited_time`", tsRaw)
			}
		case hasProp:
			var name string
			_ = json.Unmarshal(propRaw, &name)
			p := db.prop(name)
			if p == nil {
				return nil, validation("Could not find sort property with name or id: %s", name)
			}
			k.get = sortValue(p)
		default:
			return nil, fixOne([]string{
				shouldBe(path+".property", "defined", nil),
				shouldBe(path+".timestamp", "defined", nil),
			})
		}
		keys = append(keys, k)
	}
	return func(a, b *page) int {
		for _, k := range keys {
			va, oka := k.get(a)
			vb, okb := k.get(b)
			switch {
			case !oka && !okb:
				continue
			case !oka:
				return 1
			case !okb:
				return -1
			}
			c := compareAny(va, vb)
			if k.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return defaultOrder(a, b)
	}, nil
}

// sortValue extracts a comparable value of property p; false means empty.
func sortValue(p *propSchema) func(*page) (any, bool) {
	return func(pg *page) (any, bool) {
		v := pg.Values[p.ID]
		switch p.Type {
		case "created_time":
			return pg.Created.Truncate(time.Minute), true
		case "last_edited_time":
			return pg.Edited.Truncate(time.Minute), true
		}
		if v == nil || v.Type != p.Type {
			if p.Type == "checkbox" {
				return 0, true
			}
			return nil, false
		}
		switch p.Type {
		case "title", "rich_text", "url", "email", "phone_number":
			t := textOf(v, p.Type)
			return strings.ToLower(t), t != ""
		case "number":
			if v.Number == nil {
				return nil, false
			}
			return *v.Number, true
		case "checkbox":
			if v.Checkbox {
				return 1, true
			}
			return 0, true
		case "select", "status":
			i := p.optionIndex(v.Option)
			return i, i >= 0
		case "multi_select":
			for _, id := range v.Options {
				if i := p.optionIndex(id); i >= 0 {
					return i, true
				}
			}
			return nil, false
		case "date":
			if v.Date == nil {
				return nil, false
			}
			t, _ := parseStoredDate(v.Date.Start)
			return t, true
		}
		return nil, false
	}
}

func compareAny(a, b any) int {
	switch x := a.(type) {
	case string:
		return strings.Compare(x, b.(string))
	case float64:
		return cmp.Compare(x, b.(float64))
	case int:
		return cmp.Compare(x, b.(int))
	case time.Time:
		return x.Compare(b.(time.Time))
	}
	return 0
}
