package emulator

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// stateVersion is bumped when the state file format changes incompatibly.
const stateVersion = 1

// stateFile is what SaveState writes: every database and page, so that a user's
// sandbox survives emulator restarts. The request log and faults are not state.
type stateFile struct {
	Version   int         `json:"version"`
	Token     string      `json:"token,omitempty"` // only a token the emulator generated itself
	BotID     string      `json:"bot_id"`
	Seq       int64       `json:"seq"`
	Databases []*database `json:"databases"` // each database, followed by its further data sources
	Pages     []*page     `json:"pages"`
	// ParentPages are the pages databases can be created under.
	ParentPages []*parentPage `json:"parent_pages,omitempty"`
}

// SaveState writes all databases and pages as JSON. A token the emulator generated
// is saved too, so that clients keep working after a restart; a token passed in
// Options never is, since it could be someone's real secret.
func (s *Server) SaveState(w io.Writer) error {
	s.mu.Lock()
	st := stateFile{Version: stateVersion, BotID: s.botID, Seq: s.seq, Databases: []*database{}, Pages: s.sortedPages()}
	if s.generated {
		st.Token = s.token
	}
	for _, id := range s.dbOrder {
		st.Databases = append(st.Databases, s.sources(s.dbs[id])...)
	}
	for _, pp := range s.parentPages {
		st.ParentPages = append(st.ParentPages, pp)
	}
	slices.SortFunc(st.ParentPages, func(a, b *parentPage) int { return strings.Compare(a.ID, b.ID) })
	b, err := json.MarshalIndent(st, "", "  ")
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	return nil
}

// LoadState replaces all databases and pages with those of a SaveState file. When
// the server's token was generated (Options.Token empty) and the file holds a
// generated token, that token is adopted, so existing clients keep working.
func (s *Server) LoadState(r io.Reader) error {
	var st stateFile
	dec := json.NewDecoder(r)
	if err := dec.Decode(&st); err != nil {
		return fmt.Errorf("decode state: %w", err)
	}
	if st.Version != stateVersion {
		return fmt.Errorf("decode state: version %d, want %d", st.Version, stateVersion)
	}
	dbs := map[string]*database{}
	order := make([]string, 0, len(st.Databases))
	sources := map[string]bool{}
	for _, db := range st.Databases {
		id, ok := parseID(db.ID)
		if !ok || dbs[id] != nil || db.titleProp() == nil {
			return fmt.Errorf("decode state: bad database %q", db.ID)
		}
		if db.DataSourceID == "" {
			// A state file from before data sources: the database gets one.
			db.DataSourceID = newUUID()
		}
		if sources[db.DataSourceID] {
			return fmt.Errorf("decode state: database %q: data source id %s used twice", db.ID, db.DataSourceID)
		}
		sources[db.DataSourceID] = true
		db.ID = id
		dbs[id] = db
		if db.Container == "" {
			order = append(order, id)
		}
	}
	for _, db := range dbs {
		if db.Container != "" && (dbs[db.Container] == nil || !slices.Contains(dbs[db.Container].Extra, db.ID)) {
			return fmt.Errorf("decode state: data source %q: its database %q does not list it", db.ID, db.Container)
		}
		for _, x := range db.Extra {
			if dbs[x] == nil || dbs[x].Container != db.ID {
				return fmt.Errorf("decode state: database %q: data source %q is missing", db.ID, x)
			}
		}
	}
	parents := map[string]*parentPage{}
	for _, pp := range st.ParentPages {
		id, ok := parseID(pp.ID)
		if !ok {
			return fmt.Errorf("decode state: bad parent page %q", pp.ID)
		}
		pp.ID = id
		parents[id] = pp
	}
	pages := map[string]*page{}
	for _, pg := range st.Pages {
		id, ok := parseID(pg.ID)
		if !ok || pages[id] != nil || dbs[pg.DB] == nil {
			return fmt.Errorf("decode state: bad page %q", pg.ID)
		}
		if pg.Values == nil {
			pg.Values = map[string]*value{}
		}
		pg.ID = id
		pages[id] = pg
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dbs, s.dbOrder, s.pages, s.seq, s.parentPages = dbs, order, pages, st.Seq, parents
	if st.BotID != "" {
		s.botID = st.BotID
	}
	if s.generated && strings.HasPrefix(st.Token, generatedTokenPrefix) {
		s.token = st.Token
	}
	return nil
}

// SaveStateFile writes the state next to path and renames it into place, so a
// crash never leaves a half-written sandbox.
func (s *Server) SaveStateFile(path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".emulator-state-*.json")
	if err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if err := s.SaveState(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("save state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	return nil
}
