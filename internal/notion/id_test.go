package notion

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseDatabaseID(t *testing.T) {
	t.Parallel()
	const want = "01234567-89ab-cdef-0123-456789abcdef"
	tests := []struct {
		in      string
		want    string
		wantErr string
	}{
		{in: "0123456789abcdef0123456789abcdef", want: want},
		{in: "0123456789ABCDEF0123456789ABCDEF", want: want},
		{in: "01234567-89ab-cdef-0123-456789abcdef", want: want},
		{in: "  01234567-89AB-cdef-0123-456789abcdef\n", want: want},
		{in: "https://www.notion.so/acme/Modules-0123456789abcdef0123456789abcdef?v=fedcba9876543210fedcba9876543210", want: want},
		{in: "https://www.notion.so/0123456789abcdef0123456789abcdef", want: want},
		{in: "https://www.notion.so/acme/0123456789abcdef0123456789abcdef?v=fedcba9876543210fedcba9876543210&pvs=4", want: want},
		{in: "https://app.notion.com/p/Modules-01234567-89ab-cdef-0123-456789abcdef/", want: want},
		{in: "www.notion.so/acme/Module-Registry-0123456789abcdef0123456789abcdef", want: want},
		{in: "0123456789abcdef0123456789abcdef?v=fedcba9876543210fedcba9876543210", want: want},
		{in: "", wantErr: "empty"},
		{in: "garbage", wantErr: "want a 32-hex-digit id"},
		{in: "0123456789abcdef0123456789abcde", wantErr: "want a 32-hex-digit id"},   // 31 digits
		{in: "0123456789abcdef0123456789abcdef0", wantErr: "want a 32-hex-digit id"}, // 33 digits
		{in: "0123456789abcdef0123456789abcdeg", wantErr: "want a 32-hex-digit id"},
		{in: "x0123456789abcdef0123456789abcdef", wantErr: "want a 32-hex-digit id"},
		{in: "01234567-89ab-cdef-0123_456789abcdef", wantErr: "want a 32-hex-digit id"},
		{in: "https://www.notion.so/acme/Modules?v=0123456789abcdef0123456789abcdef", wantErr: "want a 32-hex-digit id"},
		{in: "https://www.notion.so/acme/Modules0123456789abcdef0123456789abcdef1", wantErr: "want a 32-hex-digit id"},
		{in: "https://www.notion.so/", wantErr: "want a 32-hex-digit id"},
	}
	for _, tt := range tests {
		got, err := ParseDatabaseID(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseDatabaseID(%q) = %q, %v; want error containing %q", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseDatabaseID(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseDatabaseID(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

// TestParseOtherIDs: data source and page ids go through the same parser as
// database ids, plus the collection://<id> form Notion shows for a data source;
// errors name the kind of id.
func TestParseOtherIDs(t *testing.T) {
	t.Parallel()
	const want = "01234567-89ab-cdef-0123-456789abcdef"
	tests := []struct {
		name    string
		parse   func(string) (string, error)
		in      string
		want    string
		wantErr string
	}{
		{"data source undashed", ParseDataSourceID, "0123456789abcdef0123456789abcdef", want, ""},
		{"data source dashed", ParseDataSourceID, "01234567-89AB-cdef-0123-456789abcdef", want, ""},
		{"data source collection URL", ParseDataSourceID, "collection://01234567-89ab-cdef-0123-456789abcdef", want, ""},
		{"data source notion URL", ParseDataSourceID, "https://www.notion.so/acme/Modules-0123456789abcdef0123456789abcdef", want, ""},
		{"data source garbage", ParseDataSourceID, "modules", "", `parse data source id "modules"`},
		{"data source empty", ParseDataSourceID, " ", "", "parse data source id: empty"},
		{"page URL", ParsePageID, "https://www.notion.so/acme/Engineering-0123456789abcdef0123456789abcdef", want, ""},
		{"page garbage", ParsePageID, "x", "", `parse page id "x"`},
	}
	for _, tt := range tests {
		got, err := tt.parse(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: %q, %v; want error containing %q", tt.name, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}
