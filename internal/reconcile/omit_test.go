package reconcile

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lukhas/notion-sync-action/internal/property"
)

func TestOmit(t *testing.T) {
	t.Parallel()
	tier := property.TextValue(property.Select, "T1")
	desc := property.TextValue(property.RichText, "Core")
	in := []Desired{
		{Key: "core", Props: map[string]property.Value{"Module": property.TextValue(property.Title, "core"), "Description": desc, "Quality Tier": tier}},
		{Key: "bad", Err: errTest},
	}
	got := Omit(in, []string{"Quality Tier", "Colony"})
	want := []Desired{
		{Key: "core", Props: map[string]property.Value{"Module": property.TextValue(property.Title, "core"), "Description": desc}},
		{Key: "bad", Err: errTest},
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b error) bool { return a == b })); diff != "" {
		t.Errorf("Omit() mismatch (-want +got):\n%s", diff)
	}
	if _, ok := in[0].Props["Quality Tier"]; !ok {
		t.Error("Omit() changed the rows it was given")
	}
	// A plan of the omitted rows against a page without the column writes only what differs.
	page := Page{ID: "p1", Props: map[string]property.Value{"Module": property.TextValue(property.Title, "core"), "Description": desc}}
	for _, c := range Plan(got[:1], []Page{page}, Options{KeyProperty: "Module", Full: true}) {
		if c.Action != Noop {
			t.Errorf("plan after Omit: %s %s (diffs %v), want noop", c.Action, c.Key, c.Diffs)
		}
	}
	if same := Omit(in, nil); &same[0] != &in[0] {
		t.Error("Omit(nil names) copied the rows")
	}
}

var errTest = testError("broken manifest")

type testError string

func (e testError) Error() string { return string(e) }
