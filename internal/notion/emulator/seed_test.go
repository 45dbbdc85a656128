package emulator

import (
	"errors"
	"path/filepath"
	"testing"
)

// TestSeed: a new server gets one database with the data sources asked for; a
// bad schema is a *SchemaError; a saved state comes back as it was, without
// sources added on top.
func TestSeed(t *testing.T) {
	t.Parallel()
	state := filepath.Join(t.TempDir(), "state.json")
	s := New(Options{})
	db, loaded, err := s.Seed(state, nil, 2)
	if err != nil || loaded || len(s.DataSources(db)) != 2 {
		t.Fatalf("Seed() = %q, %v, %v with %d data sources; want a new database with 2", db, loaded, err, len(s.DataSources(db)))
	}
	if err := s.SaveStateFile(state); err != nil {
		t.Fatal(err)
	}
	again := New(Options{})
	db2, loaded, err := again.Seed(state, nil, 5)
	if err != nil || !loaded || db2 != db || len(again.DataSources(db2)) != 2 {
		t.Errorf("Seed() from state = %q, %v, %v with %d data sources; want %q loaded with 2", db2, loaded, err, len(again.DataSources(db2)), db)
	}
	var se *SchemaError
	if _, _, err := New(Options{}).Seed("", []byte(`{"object":"database","properties":{}}`), 1); !errors.As(err, &se) {
		t.Errorf("Seed() with a schema without a title = %v, want a *SchemaError", err)
	}
}
