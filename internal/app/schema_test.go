package app

import (
	"encoding/json"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/lukhas/notion-sync-action/internal/notion/emulator"
)

func TestSchemaDump(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Options{})
	path := h.path("notion_schema.json")
	code, out, errOut := h.run("schema", "dump", "--output", path)
	if code != ExitOK {
		t.Fatalf("schema dump: exit %d\n%s\n%s", code, out, errOut)
	}
	if want := "✅ Schema of " + h.db + " written to " + path + " (16 properties)\n"; out != want {
		t.Errorf("output = %q, want %q", out, want)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var got, want struct {
		Object     string                     `json:"object"`
		ID         string                     `json:"id"`
		Properties map[string]json.RawMessage `json:"properties"`
		Parent     struct {
			DatabaseID string `json:"database_id"`
		} `json:"parent"`
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("the dump is not JSON: %v", err)
	}
	if err := json.Unmarshal(emulator.DefaultSchema(), &want); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(slices.Sorted(maps.Keys(want.Properties)), slices.Sorted(maps.Keys(got.Properties))); diff != "" {
		t.Errorf(".properties names mismatch (-want +got):\n%s", diff)
	}
	var mqi struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(got.Properties["MQI"], &mqi); err != nil || mqi.Type != "number" {
		t.Errorf(".properties.MQI.type = %q (%v), want number", mqi.Type, err)
	}
	// Under the default Notion-Version 2025-09-03 the schema is the data source's
	// (notion-api.md §8); its parent is the database.
	if got.Object != "data_source" || got.Parent.DatabaseID != h.db {
		t.Errorf("object %q of database %q, want the data source of database %s", got.Object, got.Parent.DatabaseID, h.db)
	}
	if !strings.HasPrefix(string(data), "{\n  \"") || !strings.HasSuffix(string(data), "}\n") {
		t.Errorf("the dump is not indented JSON ending in a newline:\n%.200s", data)
	}
	assertNoSecret(t, h.srv.Token(), h.art, out, errOut)
}

func TestSchemaErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t, emulator.Options{})
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"no subcommand", []string{"schema"}, ExitUsage, "missing subcommand: use 'notion-sync schema dump"},
		{"unknown subcommand", []string{"schema", "list"}, ExitUsage, `unknown subcommand "list"`},
		{"stray argument", []string{"schema", "dump", "extra"}, ExitUsage, `unexpected argument "extra"`},
		{"help", []string{"schema", "dump", "--help"}, ExitOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, _, errOut := h.run(tt.args...)
			if code != tt.wantCode || !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("exit %d, want %d; stderr lacks %q:\n%s", code, tt.wantCode, tt.wantErr, errOut)
			}
		})
	}

	t.Run("unshared database", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, emulator.Options{})
		h.srv.SetShared(h.db, false)
		path := h.path("schema.json")
		code, _, errOut := h.run("schema", "dump", "--output", path)
		if code != ExitFatal || !strings.Contains(errOut, "share the database with the integration") {
			t.Errorf("exit %d, want %d and the fix:\n%s", code, ExitFatal, errOut)
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("a schema file was written for an unreadable database: %v", err)
		}
	})
}

func TestReadOnlyCommandsHelp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"verify", "--help"}, "-verbose"},
		{[]string{"audit", "--help"}, "-fail-on-discrepancy"},
		{[]string{"health", "--help"}, "-ledger"},
		{[]string{"schema", "--help"}, "-output"},
		{[]string{"schema", "dump", "--help"}, "Usage: notion-sync schema dump"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			var out strings.Builder
			code := Main(t.Context(), tt.args, func(string) string { return "" }, &out, &out)
			if code != ExitOK || !strings.Contains(out.String(), tt.want) || !strings.Contains(out.String(), "-audit-log") {
				t.Errorf("exit %d, want %d; output lacks %q or -audit-log:\n%s", code, ExitOK, tt.want, out.String())
			}
		})
	}
}
