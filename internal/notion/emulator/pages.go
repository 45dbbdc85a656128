package emulator

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
)

// page is one stored database row.
type page struct {
	ID        string            `json:"id"`
	DB        string            `json:"database_id"`
	Seq       int64             `json:"seq"`
	Created   time.Time         `json:"created"` // exact; responses round it down to the minute
	Edited    time.Time         `json:"edited"`
	VisibleAt time.Time         `json:"visible_at"` // queries skip the page before this
	Archived  bool              `json:"archived,omitempty"`
	Icon      json.RawMessage   `json:"icon,omitempty"`
	Cover     json.RawMessage   `json:"cover,omitempty"`
	Values    map[string]*value `json:"values"` // by property id
}

// apiRequest is a routed request: the path id (dashed) and the decoded body.
type apiRequest struct {
	id      string
	body    map[string]json.RawMessage
	query   url.Values
	version string // the request's Notion-Version, one of Versions
}

// checkKeys rejects unknown top-level body keys (notion-api.md §1, C4).
func checkKeys(body map[string]json.RawMessage, allowed ...string) *apiError {
	return checkKeysAt("body", body, allowed...)
}

// checkKeysAt rejects the keys of the object at path that are not allowed,
// first in sorted order, with "<path>.<key> should be not present": Notion
// refuses unknown keys at every level, not only at the top (notion-api.md §1,
// §4, C4).
func checkKeysAt(path string, obj map[string]json.RawMessage, allowed ...string) *apiError {
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		if !slices.Contains(allowed, k) {
			return bodyInvalid(path+"."+k, "not present", obj[k])
		}
	}
	return nil
}

// checkType checks the optional "type" discriminator of a union member: when
// present it must name the member's key, e.g. {"type":"rich_text","rich_text":…}.
func checkType(path string, obj map[string]json.RawMessage, want string) *apiError {
	v, ok := obj["type"]
	if !ok {
		return nil
	}
	var got string
	if kindOf(v) != "string" || json.Unmarshal(v, &got) != nil || got != want {
		return bodyInvalid(path+".type", "`"+want+"`", v)
	}
	return nil
}

// multiSourceError is what a 2022-06-28 client gets for a database that has more
// than one data source (notion-api.md §8), with additional_data populated
// (ramnes/notion-sdk-py#293).
func multiSourceError(db *database) *apiError {
	e := validation("Databases with multiple data sources are not supported in this API version.")
	e.additional = map[string]any{"database_id": db.ID, "data_source_count": len(db.Extra) + 1}
	return e
}

// hidden reports whether the integration cannot see a record: its database is
// not shared with it.
func (s *Server) hidden(db *database) bool {
	c := s.dbs[db.databaseID()]
	return c == nil || c.Unshared || db.Unshared
}

// database looks up a database the integration can see. A further data source's
// record is not a database.
func (s *Server) database(id string) (*database, *apiError) {
	db := s.dbs[id]
	if db == nil || db.Container != "" || s.hidden(db) {
		return nil, notFound("database", id)
	}
	return db, nil
}

// addressable is the database rq.id names, refused under 2022-06-28 when it has
// several data sources: that version cannot address one of them. Hold s.mu.
func (s *Server) addressable(rq *apiRequest) (*database, *apiError) {
	db, e := s.database(rq.id)
	if e == nil && !hasDataSources(rq.version) && len(db.Extra) > 0 {
		return nil, multiSourceError(db)
	}
	return db, e
}

// dataSource looks up a data source the integration can see (2025-09-03).
func (s *Server) dataSource(id string) (*database, *apiError) {
	db := s.collection(id)
	if db == nil || db.DataSourceID != id || s.hidden(db) {
		return nil, notFound("data source", id)
	}
	return db, nil
}

// collection finds a record by database id or data source id, for the
// inspection methods, which accept either.
func (s *Server) collection(id string) *database {
	if db := s.dbs[id]; db != nil {
		return db
	}
	for _, db := range s.dbs {
		if db.DataSourceID == id {
			return db
		}
	}
	return nil
}

// sources returns the records of a database's data sources, first one first.
func (s *Server) sources(db *database) []*database {
	out := []*database{db}
	for _, id := range db.Extra {
		if x := s.dbs[id]; x != nil {
			out = append(out, x)
		}
	}
	return out
}

// page looks up a page the integration can see.
func (s *Server) page(id string) (*page, *database, *apiError) {
	pg := s.pages[id]
	if pg == nil {
		return nil, nil, notFound("page", id)
	}
	db := s.dbs[pg.DB]
	if db == nil || s.hidden(db) {
		return nil, nil, notFound("page", id)
	}
	return pg, db, nil
}

func (s *Server) getUser(*apiRequest) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return map[string]any{
		"object":     "user",
		"id":         s.botID,
		"name":       "notion-sync emulator",
		"avatar_url": nil,
		"type":       "bot",
		"bot": map[string]any{
			"owner":          map[string]any{"type": "workspace", "workspace": true},
			"workspace_name": "Emulator",
		},
	}, nil
}

// getDatabase: under 2022-06-28 the database with its schema, refused when it
// has several data sources; under 2025-09-03+ the container, with
// data_sources and without properties (notion-api.md §8).
func (s *Server) getDatabase(rq *apiRequest) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	db, e := s.addressable(rq)
	if e != nil {
		return nil, e
	}
	return s.renderDatabase(db, rq.version), nil
}

// patchDatabase edits a database. Under 2025-09-03+ the schema belongs to the
// data source, so properties are not a key here (PATCH /v1/data_sources/{id}).
func (s *Server) patchDatabase(rq *apiRequest) (any, *apiError) {
	b := rq.body
	allowed := []string{"title", "description", "icon", "cover", "is_inline", "in_trash"}
	if !hasDataSources(rq.version) {
		allowed = append(allowed, "properties")
	}
	if hasArchived(rq.version) {
		allowed = append(allowed, "archived")
	}
	if e := checkKeys(b, allowed...); e != nil {
		return nil, e
	}
	var title, desc []richText
	for key, dst := range map[string]*[]richText{"title": &title, "description": &desc} {
		if v, ok := b[key]; ok {
			items, problem := parseRichText("body."+key, v)
			if problem != nil {
				return nil, problem.err
			}
			*dst = items
		}
	}
	archived, e := trashFlag(b)
	if e != nil {
		return nil, e
	}
	var inline *bool
	if v, ok := b["is_inline"]; ok {
		var x bool
		if kindOf(v) != "boolean" || json.Unmarshal(v, &x) != nil {
			return nil, bodyInvalid("body.is_inline", "a boolean", v)
		}
		inline = &x
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	db, e := s.addressable(rq)
	if e != nil {
		return nil, e
	}
	if e := patchProperties(db, b, rq.version); e != nil {
		return nil, e
	}
	if title != nil {
		db.Title = title
	}
	if desc != nil {
		db.Description = desc
	}
	if v, ok := b["icon"]; ok {
		db.Icon = nullable(v)
	}
	if v, ok := b["cover"]; ok {
		db.Cover = nullable(v)
	}
	if archived != nil {
		db.Archived = *archived
	}
	if inline != nil {
		db.IsInline = *inline
	}
	db.Edited = s.now()
	return s.renderDatabase(db, rq.version), nil
}

// nullable keeps an icon/cover object; JSON null clears it.
func nullable(v json.RawMessage) json.RawMessage {
	if kindOf(v) == "null" {
		return nil
	}
	return v
}

// trashFlag reads archived/in_trash, which 2022-06-28 treats as aliases
// (notion-api.md §2.7). nil means neither was sent.
func trashFlag(b map[string]json.RawMessage) (*bool, *apiError) {
	var out *bool
	for _, k := range []string{"archived", "in_trash"} {
		v, ok := b[k]
		if !ok {
			continue
		}
		var x bool
		if kindOf(v) != "boolean" || json.Unmarshal(v, &x) != nil {
			return nil, bodyInvalid("body."+k, "a boolean", v)
		}
		if out != nil && *out != x {
			return nil, validation("body failed validation: body.archived and body.in_trash must not contradict each other.")
		}
		out = &x
	}
	return out, nil
}

// checkIconCover accepts an object or null for icon and cover.
func checkIconCover(b map[string]json.RawMessage) *apiError {
	for _, k := range []string{"icon", "cover"} {
		if v, ok := b[k]; ok && kindOf(v) != "object" && kindOf(v) != "null" {
			return bodyInvalid("body."+k, "an object or `null`", v)
		}
	}
	return nil
}

func (s *Server) createPage(rq *apiRequest) (any, *apiError) {
	b := rq.body
	if e := checkKeys(b, "parent", "properties", "children", "icon", "cover"); e != nil {
		return nil, e
	}
	parentRaw, ok := b["parent"]
	if !ok {
		return nil, bodyInvalid("body.parent", "defined", nil)
	}
	parent, ok := asObject(parentRaw)
	if !ok {
		return nil, bodyInvalid("body.parent", "an object", parentRaw)
	}
	// Under 2025-09-03+ a row's parent is its data source; database_id is
	// still accepted (notion-api.md §8, N5). 2022-06-28 knows no data sources.
	kinds := []string{"database_id", "page_id"}
	if hasDataSources(rq.version) {
		kinds = []string{"data_source_id", "database_id", "page_id"}
	}
	if e := checkKeysAt("body.parent", parent, append([]string{"type"}, kinds...)...); e != nil {
		return nil, e
	}
	kind := ""
	for _, k := range kinds {
		if v, ok := parent[k]; ok {
			if kind != "" {
				return nil, bodyInvalid("body.parent."+k, "not present", v)
			}
			kind = k
		}
	}
	if _, ok := parent["type"]; ok && kind != "" {
		if e := checkType("body.parent", parent, kind); e != nil {
			return nil, e
		}
	}
	var parentID string
	if kind != "" {
		var str string
		_ = json.Unmarshal(parent[kind], &str)
		id, ok := parseID(str)
		if !ok && kind != "database_id" {
			return nil, bodyInvalid("body.parent."+kind, "a valid uuid", parent[kind])
		}
		parentID = id
	}
	if parentID == "" {
		lines := make([]string, 0, len(kinds))
		for _, k := range kinds {
			if k == kind {
				lines = append(lines, shouldBe("body.parent."+k, "a valid uuid", parent[k]))
			} else {
				lines = append(lines, shouldBe("body.parent."+k, "defined", nil))
			}
		}
		return nil, fixOne(lines)
	}
	propsRaw, ok := b["properties"]
	if !ok {
		return nil, bodyInvalid("body.properties", "defined", nil)
	}
	if v, ok := b["children"]; ok {
		var children []json.RawMessage
		if kindOf(v) != "array" || json.Unmarshal(v, &children) != nil {
			return nil, bodyInvalid("body.children", "an array", v)
		}
		if len(children) > maxArrayItems {
			return nil, tooLong("body.children", maxArrayItems, len(children))
		}
	}
	if e := checkIconCover(b); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var db *database
	var e *apiError
	switch kind {
	case "page_id":
		if _, _, e := s.page(parentID); e != nil {
			if pp := s.parentPages[parentID]; pp == nil || pp.Unshared {
				return nil, e
			}
		}
		return nil, newError(http.StatusBadRequest, "invalid_request",
			"Unsupported request: the emulator creates database rows only (parent.data_source_id or parent.database_id).")
	case "data_source_id":
		db, e = s.dataSource(parentID)
	default:
		db, e = s.database(parentID)
		if e == nil && len(db.Extra) > 0 {
			if !hasDataSources(rq.version) {
				return nil, multiSourceError(db)
			}
			// (inferred) A database parent is ambiguous once there are
			// several data sources; Notion's exact message is unknown.
			return nil, validation("Database %s has multiple data sources: use a parent of type data_source_id.", db.ID)
		}
	}
	if e != nil {
		return nil, e
	}
	writes, e := parseProps(db, propsRaw)
	if e != nil {
		return nil, e
	}
	if e := s.spendBlock(); e != nil {
		return nil, e
	}
	pg := s.insertPage(db, writes, nullable(b["icon"]), nullable(b["cover"]))
	return s.renderPage(db, pg, nil, rq.version), nil
}

// insertPage stores a new page from validated writes; the caller holds s.mu.
func (s *Server) insertPage(db *database, writes []propWrite, icon, cover json.RawMessage) *page {
	now := s.now()
	s.seq++
	pg := &page{
		ID:        newUUID(),
		DB:        db.ID,
		Seq:       s.seq,
		Created:   now,
		Edited:    now,
		VisibleAt: now.Add(s.visDel),
		Icon:      icon,
		Cover:     cover,
		Values:    map[string]*value{},
	}
	s.applyWrites(db, pg, writes)
	s.pages[pg.ID] = pg
	return pg
}

// applyWrites stores values and adds auto-created options to the schema.
func (s *Server) applyWrites(db *database, pg *page, writes []propWrite) {
	for _, w := range writes {
		if len(w.newOptions) > 0 {
			for _, o := range w.newOptions {
				if w.prop.optionByName(o.Name) == nil {
					w.prop.Options = append(w.prop.Options, o)
				}
			}
			db.Edited = s.now()
		}
		pg.Values[w.prop.ID] = w.val
	}
}

func (s *Server) getPage(rq *apiRequest) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	pg, db, e := s.page(rq.id)
	if e != nil {
		return nil, e
	}
	return s.renderPage(db, pg, rq.query["filter_properties"], rq.version), nil
}

// patchPage edits a page. 2026-03-11 removed `archived` in favour of in_trash,
// so there it is an unknown key (notion-api.md §2.7, §8).
func (s *Server) patchPage(rq *apiRequest) (any, *apiError) {
	b := rq.body
	allowed := []string{"properties", "in_trash", "icon", "cover"}
	if hasArchived(rq.version) {
		allowed = append(allowed, "archived")
	}
	if e := checkKeys(b, allowed...); e != nil {
		return nil, e
	}
	archived, e := trashFlag(b)
	if e != nil {
		return nil, e
	}
	if e := checkIconCover(b); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	pg, db, e := s.page(rq.id)
	if e != nil {
		return nil, e
	}
	if pg.Archived && (archived == nil || *archived) {
		return nil, validation("Can't edit block that is archived. You must unarchive the block before editing.")
	}
	var writes []propWrite
	if v, ok := b["properties"]; ok {
		if writes, e = parseProps(db, v); e != nil {
			return nil, e
		}
	}
	s.applyWrites(db, pg, writes)
	if v, ok := b["icon"]; ok {
		pg.Icon = nullable(v)
	}
	if v, ok := b["cover"]; ok {
		pg.Cover = nullable(v)
	}
	if archived != nil {
		pg.Archived = *archived
	}
	if len(b) > 0 {
		pg.Edited = s.now()
	}
	return s.renderPage(db, pg, nil, rq.version), nil
}

// pageJSON is the page object of notion-api.md §10.
type pageJSON struct {
	Object         string                     `json:"object"`
	ID             string                     `json:"id"`
	CreatedTime    string                     `json:"created_time"`
	LastEditedTime string                     `json:"last_edited_time"`
	CreatedBy      userRef                    `json:"created_by"`
	LastEditedBy   userRef                    `json:"last_edited_by"`
	Cover          json.RawMessage            `json:"cover"`
	Icon           json.RawMessage            `json:"icon"`
	Parent         parentJSON                 `json:"parent"`
	Archived       *bool                      `json:"archived,omitempty"` // absent from 2026-03-11
	InTrash        bool                       `json:"in_trash"`
	Properties     map[string]json.RawMessage `json:"properties"`
	URL            string                     `json:"url"`
	PublicURL      *string                    `json:"public_url"`
}

// parentJSON is a row's parent: database_id under 2022-06-28, whose clients
// (go-notion) cannot decode data_source_id parents; from 2025-09-03
// {"type":"data_source_id","data_source_id":…,"database_id":…} (notion-api.md §8).
type parentJSON struct {
	Type         string `json:"type"`
	DataSourceID string `json:"data_source_id,omitempty"`
	DatabaseID   string `json:"database_id"`
}

func rowParent(db *database, version string) parentJSON {
	if hasDataSources(version) {
		return parentJSON{Type: "data_source_id", DataSourceID: db.DataSourceID, DatabaseID: db.databaseID()}
	}
	return parentJSON{Type: "database_id", DatabaseID: db.databaseID()}
}

// archivedField is the `archived` of a response: present until 2026-03-11.
func archivedField(archived bool, version string) *bool {
	if !hasArchived(version) {
		return nil
	}
	return &archived
}

// renderPage renders a page; only lists the properties whose ids are in only, when
// only is non-empty (the filter_properties query parameter).
func (s *Server) renderPage(db *database, pg *page, only []string, version string) pageJSON {
	props := make(map[string]json.RawMessage, len(db.Props))
	var title string
	for _, p := range db.Props {
		if p.Type == "title" {
			if v := pg.Values[p.ID]; v != nil && v.Type == "title" {
				title = plainText(v.Rich)
			}
		}
		if len(only) > 0 && !containsID(only, p) {
			continue
		}
		props[p.Name] = s.renderValue(p, pg.Values[p.ID], pg)
	}
	bot := userRef{Object: "user", ID: s.botID}
	return pageJSON{
		Object:         "page",
		ID:             pg.ID,
		CreatedTime:    stamp(pg.Created),
		LastEditedTime: stamp(pg.Edited),
		CreatedBy:      bot,
		LastEditedBy:   bot,
		Cover:          pg.Cover,
		Icon:           pg.Icon,
		Parent:         rowParent(db, version),
		Archived:       archivedField(pg.Archived, version),
		InTrash:        pg.Archived,
		Properties:     props,
		URL:            pageURL(s.urlHost, title, pg.ID),
	}
}

func containsID(ids []string, p *propSchema) bool {
	for _, id := range ids {
		if id == p.ID || id == p.Name {
			return true
		}
		if un, err := url.QueryUnescape(p.ID); err == nil && un == id {
			return true
		}
	}
	return false
}

// pageURL builds https://<host>/<Title-words>-<32hex>, the form Notion returns. The
// host is configurable because Notion changed it once (notion-api.md §1).
func pageURL(host, title, id string) string {
	var b strings.Builder
	dash := false
	for _, r := range title {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	slug := b.String()
	if slug != "" {
		slug += "-"
	}
	return "https://" + host + "/" + slug + undash(id)
}
