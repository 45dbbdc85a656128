package report

import "testing"

func TestAPIString(t *testing.T) {
	t.Parallel()
	const ds = "3b5f8a1c-2d4e-4f60-8a1b-2c3d4e5f6a7b"
	tests := []struct {
		name string
		api  API
		want string
	}{
		{"Notion not called", API{}, ""},
		{"2022-06-28 has no data source", API{Version: "2022-06-28"}, "Notion-Version 2022-06-28"},
		{"named data source", API{Version: "2025-09-03", DataSourceID: ds, DataSourceName: "Modules"},
			`Notion-Version 2025-09-03 · data source "Modules" (3b5f8a1c…)`},
		{"unnamed data source", API{Version: "2026-03-11", DataSourceID: ds}, "Notion-Version 2026-03-11 · data source (3b5f8a1c…)"},
		{"a name cannot add a line", API{Version: "2025-09-03", DataSourceID: ds, DataSourceName: "a\nb\x1b[2J"},
			`Notion-Version 2025-09-03 · data source "a b\x1b[2J" (3b5f8a1c…)`},
	}
	for _, tt := range tests {
		if got := tt.api.String(); got != tt.want {
			t.Errorf("%s: String() = %q, want %q", tt.name, got, tt.want)
		}
	}
}
