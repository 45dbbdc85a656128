package emulator

import (
	"strings"
	"testing"
)

// TestStatusOptionsByVersion: a status property's options cannot be edited
// through the API up to 2025-09-03; under 2026-03-11 options can be added, but
// not renamed, and none disappears (notion-api.md §2.3).
func TestStatusOptionsByVersion(t *testing.T) {
	t.Parallel()
	const schema = `{"object":"database","title":[{"type":"text","text":{"content":"S"},"plain_text":"S"}],"properties":{
		"Name":{"name":"Name","type":"title","title":{}},
		"Stage":{"name":"Stage","type":"status","status":{"options":[{"id":"o1","name":"Not started","color":"default"}]}}}}`
	tests := []struct {
		version, body string
		wantStatus    int
		wantOptions   string // the option names after, joined
	}{
		{Version20250903, `{"properties":{"Stage":{"status":{"options":[{"name":"Doing"}]}}}}`, 400, "Not started"},
		{Version20260311, `{"properties":{"Stage":{"status":{"options":[{"name":"Doing"}]}}}}`, 200, "Not started,Doing"},
		{Version20260311, `{"properties":{"Stage":{"status":{"options":[{"id":"o1","name":"Renamed"}]}}}}`, 400, "Not started"},
		{Version20260311, `{"properties":{"Brand new":{"status":{}}}}`, 400, "Not started"},
	}
	for _, tt := range tests {
		s := newServer(t, Options{})
		db, err := s.CreateDatabase([]byte(schema))
		if err != nil {
			t.Fatal(err)
		}
		ds := s.DataSources(db)[0].ID
		r := call(t, s, "PATCH", "/v1/data_sources/"+ds, tt.body, "Notion-Version", tt.version)
		if r.status != tt.wantStatus {
			t.Errorf("%s %s: status %d, want %d: %s", tt.version, tt.body, r.status, tt.wantStatus, r.body)
		}
		got := call(t, s, "GET", "/v1/data_sources/"+ds, "", "Notion-Version", tt.version)
		var names []string
		props, _ := got.obj(t)["properties"].(map[string]any)
		stage, _ := props["Stage"].(map[string]any)
		status, _ := stage["status"].(map[string]any)
		opts, _ := status["options"].([]any)
		for _, o := range opts {
			names = append(names, o.(map[string]any)["name"].(string))
		}
		if joined := strings.Join(names, ","); joined != tt.wantOptions {
			t.Errorf("%s %s: options %q, want %q", tt.version, tt.body, joined, tt.wantOptions)
		}
	}
}
