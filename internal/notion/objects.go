package notion

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// The client owns every request and response shape: callers get these types, never
// go-notion's, so that nothing outside this package depends on which library, or
// which Notion-Version, produced them.

// Target is where a database's rows live: the database itself under
// 2022-06-28, one of its data sources from 2025-09-03. Client.Resolve finds it;
// every row and schema call takes it.
type Target struct {
	DatabaseID     string // dashed
	DataSourceID   string // dashed; "" under 2022-06-28
	DataSourceName string // the data source's name, for messages; "" under 2022-06-28
}

// ID is the id of the collection that holds the rows: the data source when
// there is one, else the database. Page.ParentID is comparable with it.
func (t Target) ID() string {
	if t.DataSourceID != "" {
		return t.DataSourceID
	}
	return t.DatabaseID
}

// String names the target in errors and logs: "database <id>", or "data
// source <name> (<id>) of database <id>".
func (t Target) String() string {
	if t.DataSourceID == "" {
		return "database " + t.DatabaseID
	}
	name := ""
	if t.DataSourceName != "" {
		name = fmt.Sprintf("%q ", t.DataSourceName)
	}
	return fmt.Sprintf("data source %s(%s) of database %s", name, t.DataSourceID, t.DatabaseID)
}

// Owns reports whether page p is a row of the target: a page of another
// database must never be written in its place, nor, from 2025-09-03, a page of
// another data source of the same database.
func (t Target) Owns(p Page) bool {
	if t.DataSourceID != "" {
		return SameID(p.DataSourceID, t.DataSourceID)
	}
	return SameID(p.DatabaseID, t.DatabaseID)
}

// Page is a database row as the sync needs it.
type Page struct {
	ID           string
	DatabaseID   string    // the database the page belongs to, dashed as Notion sends it
	DataSourceID string    // its data source (2025-09-03 and later); "" under 2022-06-28
	Created      time.Time // created_time
	InTrash      bool      // in the trash (in_trash, or archived where the version has it)
	// Properties maps each property name to its value object as Notion sent it
	// ({"type":"rich_text","rich_text":[...]}); property.Decode reads one.
	Properties map[string]json.RawMessage
}

// ParentID is the id of the collection the page is a row of: its data source
// when Notion named one, else its database. Compare it with Target.ID.
func (p Page) ParentID() string {
	if p.DataSourceID != "" {
		return p.DataSourceID
	}
	return p.DatabaseID
}

// Database is a database's schema: its title and its properties by name.
type Database struct {
	ID         string
	Title      string
	Properties map[string]Property
}

// Property is one column of a database's schema.
type Property struct {
	ID      string
	Type    string   // "rich_text", "select", "status", "formula", ...
	Options []Option // the options of a select, multi_select or status column
}

// Option is one option of a select, multi_select or status column.
type Option struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name"`
}

// User is the bot user behind a token.
type User struct {
	ID   string
	Name string
	Type string // "bot" for an integration
}

// pageObject is a page as Notion sends it.
type pageObject struct {
	// Object is "page"; a query of a wiki database can also return
	// "database" results (notion-api.md §2.4), which are no rows.
	Object      string    `json:"object"`
	ID          string    `json:"id"`
	CreatedTime time.Time `json:"created_time"`
	Archived    *bool     `json:"archived"` // absent from 2026-03-11
	InTrash     *bool     `json:"in_trash"`
	Parent      struct {
		Type         string `json:"type"`
		DatabaseID   string `json:"database_id"`
		DataSourceID string `json:"data_source_id"`
	} `json:"parent"`
	Properties map[string]json.RawMessage `json:"properties"`
}

// UnmarshalJSON refuses a page the sync could not use, so that a partial answer
// (a 200 without the page's parent or properties) is a decoding error, which the
// client reports as ambiguous, rather than a page without values.
func (o *pageObject) UnmarshalJSON(b []byte) error {
	type plain pageObject
	if err := json.Unmarshal(b, (*plain)(o)); err != nil {
		return err
	}
	switch {
	case o.Object != "" && o.Object != "page":
		return nil // not a row: Query leaves it out
	case o.ID == "":
		return errors.New("page without an id")
	case !knownParent(o.Parent.Type):
		return fmt.Errorf("unknown page parent type %q", o.Parent.Type)
	case o.Properties == nil:
		return errors.New("page without properties")
	}
	return nil
}

// knownParent reports whether t is a parent type a page object can have
// (notion-api.md §10).
func knownParent(t string) bool {
	switch t {
	case "database_id", "data_source_id", "page_id", "workspace", "block_id":
		return true
	}
	return false
}

// page converts the answer of version v. The trash flag follows the version:
// 2026-03-11 has in_trash only; before, archived is an alias of in_trash
// (notion-api.md §2.7, §8), so either set means in the trash.
func (o pageObject) page(v Version) Page {
	p := Page{
		ID:         o.ID,
		DatabaseID: o.Parent.DatabaseID,
		Created:    o.CreatedTime,
		InTrash:    o.InTrash != nil && *o.InTrash,
		Properties: o.Properties,
	}
	if v.hasArchived() && o.Archived != nil && *o.Archived {
		p.InTrash = true
	}
	if o.Parent.Type == "data_source_id" {
		p.DataSourceID = o.Parent.DataSourceID
	}
	return p
}

// databaseObject is a database (2022-06-28) or a data source (2025-09-03) as
// Notion sends it; both carry title and properties. A 2025-09-03 database
// carries data_sources instead of properties.
type databaseObject struct {
	ID          string          `json:"id"`
	DataSources []DataSourceRef `json:"data_sources"`
	Parent      struct {
		Type       string `json:"type"`
		DatabaseID string `json:"database_id"`
	} `json:"parent"`
	Title []struct {
		PlainText string `json:"plain_text"`
	} `json:"title"`
	Properties map[string]struct {
		ID          string       `json:"id"`
		Type        string       `json:"type"`
		Select      *optionsList `json:"select"`
		MultiSelect *optionsList `json:"multi_select"`
		Status      *optionsList `json:"status"`
	} `json:"properties"`
}

// DataSourceRef names one data source of a database (2025-09-03).
type DataSourceRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// String reads "name (id)", how the CLI lists data sources to choose from.
func (r DataSourceRef) String() string { return fmt.Sprintf("%s (%s)", r.Name, r.ID) }

type optionsList struct {
	Options []Option `json:"options"`
}

func (o databaseObject) database() Database {
	db := Database{ID: o.ID, Properties: make(map[string]Property, len(o.Properties))}
	for _, t := range o.Title {
		db.Title += t.PlainText
	}
	for name, p := range o.Properties {
		prop := Property{ID: p.ID, Type: p.Type}
		for _, l := range []*optionsList{p.Select, p.MultiSelect, p.Status} {
			if l != nil {
				prop.Options = l.Options
			}
		}
		db.Properties[name] = prop
	}
	return db
}
