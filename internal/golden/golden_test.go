package golden

import (
	"os"
	"path/filepath"
	"testing"
)

// recorder is a testing.TB that records failures instead of stopping the test.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Fatalf(string, ...any) { r.failed = true }
func (r *recorder) Helper()               {}

func TestCheck(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sub", "out.golden")
	Check(t, path, []byte("v1\n"), true)
	if data, err := os.ReadFile(path); err != nil || string(data) != "v1\n" {
		t.Fatalf("-update wrote %q, %v", data, err)
	}
	tests := []struct {
		name     string
		got      string
		wantFail bool
	}{
		{"same", "v1\n", false},
		{"different", "v2\n", true},
	}
	for _, tt := range tests {
		r := &recorder{TB: t}
		Check(r, path, []byte(tt.got), false)
		if r.failed != tt.wantFail {
			t.Errorf("%s: failed = %v, want %v", tt.name, r.failed, tt.wantFail)
		}
	}
}
