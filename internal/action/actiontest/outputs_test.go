package actiontest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestOutputs(t *testing.T) {
	t.Parallel()
	got, err := Outputs("a=1\nb<<EOF_x\nline1\nline2\nEOF_x\n\nc=x=y\n")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"a": "1", "b": "line1\nline2", "c": "x=y"}, got); diff != "" {
		t.Errorf("Outputs() mismatch (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"a=1\na=2\n", "b<<EOF\nnever closed\n", "no separator\n"} {
		if _, err := Outputs(bad); err == nil {
			t.Errorf("Outputs(%q) = nil error, want one", bad)
		}
	}
}
