package emulator

import (
	"encoding/json"
	"fmt"
	"io"
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
	Databases []*database `json:"databases"`
	Pages     []*page     `json:"pages"`
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
		st.Databases = append(st.Databases, s.dbs[id])
	}
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
	for _, db := range st.Databases {
		id, ok := parseID(db.ID)
		if !ok || dbs[id] != nil || db.titleProp() == nil {
			return fmt.Errorf("decode state: bad database %q", db.ID)
		}
		db.ID = id
		dbs[id] = db
		order = append(order, id)
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
	s.dbs, s.dbOrder, s.pages, s.seq = dbs, order, pages, st.Seq
	if st.BotID != "" {
		s.botID = st.BotID
	}
	if s.generated && strings.HasPrefix(st.Token, generatedTokenPrefix) {
		s.token = st.Token
	}
	return nil
}
