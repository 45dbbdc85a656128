package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// This file holds what Notion-Version 2025-09-03 added (notion-api.md §8): data
// sources, their endpoints, and databases created under a page.

// DataSource names one data source of a database.
type DataSource struct {
	ID   string // dashed
	Name string
}

// DataSources returns the data sources of database dbID, first one first; nil
// when there is no such database.
func (s *Server) DataSources(dbID string) []DataSource {
	id, _ := parseID(dbID)
	s.mu.Lock()
	defer s.mu.Unlock()
	db := s.dbs[id]
	if db == nil || db.Container != "" {
		return nil
	}
	var out []DataSource
	for _, src := range s.sources(db) {
		out = append(out, DataSource{ID: src.DataSourceID, Name: src.sourceName()})
	}
	return out
}

// AddDataSource adds a data source named name to database dbID and returns its
// dashed id. schema is a database or data source object whose properties become
// the new source's schema; nil copies the schema of the database's first data
// source (without its rows). From then on the database has several data
// sources: 2022-06-28 requests on it fail as Notion's do, and 2025-09-03
// clients must choose one (notion-api.md §8).
func (s *Server) AddDataSource(dbID, name string, schema json.RawMessage) (string, error) {
	id, ok := parseID(dbID)
	if !ok {
		return "", fmt.Errorf("add data source: database id %q is not a valid uuid", dbID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	db := s.dbs[id]
	if db == nil || db.Container != "" {
		return "", fmt.Errorf("add data source: no database %s", id)
	}
	if schema == nil {
		schema = mustJSON(map[string]any{"properties": renderProps(db)})
	}
	src, err := parseDatabaseObject(schema)
	if err != nil {
		return "", fmt.Errorf("add data source: %w", err)
	}
	if name == "" {
		name = fmt.Sprintf("%s (%d)", db.sourceName(), len(db.Extra)+2)
	}
	src.DataSourceID = newUUID()
	src.ID = src.DataSourceID
	src.SourceName = name
	src.Title = []richText{textItem(name)}
	src.Container = db.ID
	src.Created, src.Edited = s.now(), s.now()
	s.dbs[src.ID] = src
	db.Extra = append(db.Extra, src.ID)
	return src.DataSourceID, nil
}

// SetMultiSource gives database dbID a second data source (a copy of its
// schema, without rows) or, with on false, removes every data source but the
// first, with their rows. It is AddDataSource for tests that only need "a
// database with several data sources" (notion-api.md §8).
func (s *Server) SetMultiSource(dbID string, on bool) {
	id, _ := parseID(dbID)
	s.mu.Lock()
	db := s.dbs[id]
	if db == nil || db.Container != "" || on == (len(db.Extra) > 0) {
		s.mu.Unlock()
		return
	}
	if !on {
		for _, x := range db.Extra {
			delete(s.dbs, x)
			for pid, pg := range s.pages {
				if pg.DB == x {
					delete(s.pages, pid)
				}
			}
		}
		db.Extra = nil
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	_, _ = s.AddDataSource(id, "", nil) // cannot fail: the database exists
}

// parentPage is a plain page that databases can be created under (POST
// /v1/databases); it holds no rows.
type parentPage struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Unshared bool   `json:"unshared,omitempty"`
}

// CreateParentPage adds a page, shared with the integration, under which POST
// /v1/databases can create a database, and returns its dashed id. SetShared(id,
// false) makes it unreachable (404, as for a page that does not exist).
func (s *Server) CreateParentPage(title string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := newUUID()
	if s.parentPages == nil {
		s.parentPages = map[string]*parentPage{}
	}
	s.parentPages[id] = &parentPage{ID: id, Title: title}
	return id
}

func (s *Server) getDataSource(rq *apiRequest) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	db, e := s.dataSource(rq.id)
	if e != nil {
		return nil, e
	}
	return s.renderDataSource(db, rq.version), nil
}

// patchDataSource edits a data source's schema exactly as PATCH
// /v1/databases/{id} does under 2022-06-28 (notion-api.md §2.3, §8), and its
// title.
func (s *Server) patchDataSource(rq *apiRequest) (any, *apiError) {
	b := rq.body
	allowed := []string{"title", "description", "icon", "properties", "in_trash"}
	if hasArchived(rq.version) {
		allowed = append(allowed, "archived")
	}
	if e := checkKeys(b, allowed...); e != nil {
		return nil, e
	}
	var title []richText
	if v, ok := b["title"]; ok {
		items, problem := parseRichText("body.title", v)
		if problem != nil {
			return nil, problem.err
		}
		title = items
	}
	archived, e := trashFlag(b)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	db, e := s.dataSource(rq.id)
	if e != nil {
		return nil, e
	}
	if e := patchProperties(db, b, rq.version); e != nil {
		return nil, e
	}
	if title != nil {
		if db.Container != "" || db.SourceName != "" {
			db.SourceName = plainText(title)
		}
		db.Title = title
	}
	if v, ok := b["icon"]; ok {
		db.Icon = nullable(v)
	}
	if archived != nil {
		db.Archived = *archived
	}
	db.Edited = s.now()
	return s.renderDataSource(db, rq.version), nil
}

// createDatabase is POST /v1/databases: a database under a page the
// integration can reach. Under 2022-06-28 the schema is body.properties; from
// 2025-09-03 it is body.initial_data_source.properties (notion-api.md §8). The
// answer is the database object of the request's version.
func (s *Server) createDatabase(rq *apiRequest) (any, *apiError) {
	b := rq.body
	allowed := []string{"parent", "title", "description", "icon", "cover", "is_inline"}
	schemaKey := "properties"
	if hasDataSources(rq.version) {
		schemaKey = "initial_data_source"
	}
	if e := checkKeys(b, append(allowed, schemaKey)...); e != nil {
		return nil, e
	}
	parent, ok := asObject(b["parent"])
	if !ok {
		return nil, bodyInvalid("body.parent", "an object", b["parent"])
	}
	if e := checkKeysAt("body.parent", parent, "type", "page_id"); e != nil {
		return nil, e
	}
	if e := checkType("body.parent", parent, "page_id"); e != nil {
		return nil, e
	}
	var raw string
	_ = json.Unmarshal(parent["page_id"], &raw)
	pageID, ok := parseID(raw)
	if !ok {
		return nil, bodyInvalid("body.parent.page_id", "a valid uuid", parent["page_id"])
	}
	props := b["properties"]
	if schemaKey == "initial_data_source" {
		props = json.RawMessage(`{"Name":{"title":{}}}`)
		if v, ok := b[schemaKey]; ok {
			init, ok := asObject(v)
			if !ok {
				return nil, bodyInvalid("body.initial_data_source", "an object", v)
			}
			if e := checkKeysAt("body.initial_data_source", init, "properties"); e != nil {
				return nil, e
			}
			if p, ok := init["properties"]; ok {
				props = p
			}
		}
	} else if props == nil {
		return nil, bodyInvalid("body.properties", "defined", nil)
	}
	obj := map[string]json.RawMessage{"properties": props}
	for _, k := range []string{"title", "description", "icon", "cover", "is_inline"} {
		if v, ok := b[k]; ok {
			obj[k] = v
		}
	}
	db, err := parseDatabaseObject(mustJSON(obj))
	if err != nil {
		return nil, validation("body failed validation: %s.", err)
	}
	for _, p := range db.Props {
		if p.Type == "status" {
			// Notion's create-a-database reference: "Creating new status
			// database properties is currently not supported." Status and
			// code are the emulator's (inferred): a validation error.
			return nil, validation("Creating new status database properties is currently not supported (property %s).", p.Name)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if pp := s.parentPages[pageID]; pp == nil || pp.Unshared {
		return nil, notFound("page", pageID)
	}
	if e := s.spendBlock(); e != nil {
		return nil, e
	}
	db.Parent = mustJSON(map[string]string{"type": "page_id", "page_id": pageID})
	db.DataSourceID = newUUID()
	db.Created, db.Edited = s.now(), s.now()
	s.dbs[db.ID] = db
	s.dbOrder = append(s.dbOrder, db.ID)
	return s.renderDatabase(db, rq.version), nil
}

// blockLimitError is the refusal of a create once the workspace has used its
// block limit (notion-api.md §4 "Workspace-level", C7). Notion's status, code and
// message are not stated in the reference, so these are the emulator's
// (inferred): 403 restricted_resource, a message that names the block limit,
// and additional_data.reason "workspace_block_limit".
func blockLimitError() *apiError {
	e := newError(http.StatusForbidden, "restricted_resource",
		"This workspace has reached its block limit. Upgrade the workspace's plan to create more blocks.")
	e.additional = map[string]any{"reason": "workspace_block_limit"}
	return e
}

// spendBlock counts one block (a page or a database) created through the API,
// or refuses it once Options.BlockLimit blocks were created. The caller holds
// s.mu.
func (s *Server) spendBlock() *apiError {
	if s.blockLimit > 0 && s.blocksUsed >= s.blockLimit {
		return blockLimitError()
	}
	s.blocksUsed++
	return nil
}
