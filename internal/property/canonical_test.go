package property

import "testing"

// TestCanonicalFollowsEqual: values Equal calls the same have one Canonical
// form, and values it tells apart have different ones.
func TestCanonicalFollowsEqual(t *testing.T) {
	t.Parallel()
	n := func(f float64) Value { return NumberValue(f) }
	tests := []struct {
		name string
		a, b Value
	}{
		{"empty text", TextValue(RichText, ""), TextValue(RichText, "")},
		{"crlf", TextValue(RichText, "a\r\nb"), TextValue(RichText, "a\nb")},
		{"different text", TextValue(RichText, "a"), TextValue(RichText, "b")},
		{"options order and repeats", NamesValue("b", "a", "b"), NamesValue("a", "b")},
		{"options differ", NamesValue("a", "b"), NamesValue("a", "c")},
		{"options that join alike", NamesValue("a b"), NamesValue("a", "b")},
		{"empty options", NamesValue(), Value{Type: MultiSelect}},
		{"dates with and without millis", TextValue(Date, "2025-10-18T20:48:26Z"), TextValue(Date, "2025-10-18T20:48:26.000Z")},
		{"dates in other zones", TextValue(Date, "2025-10-18T22:48:26+02:00"), TextValue(Date, "2025-10-18T20:48:26Z")},
		{"different dates", TextValue(Date, "2025-10-18"), TextValue(Date, "2025-10-19")},
		{"numbers", n(92.3), n(92.30)},
		{"different numbers", n(1), n(2)},
		{"empty number", Value{Type: Number}, Value{Type: Number}},
		{"checkbox", CheckboxValue(false), CheckboxValue(false)},
		{"checkboxes differ", CheckboxValue(true), CheckboxValue(false)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			eq, same := Equal(tt.a, tt.b), Canonical(tt.a) == Canonical(tt.b)
			if eq != same {
				t.Errorf("Equal() = %v but Canonical() %q, %q same = %v", eq, Canonical(tt.a), Canonical(tt.b), same)
			}
		})
	}
}
