package property

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestEncode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		v    Value
		want string
	}{
		{"title", TextValue(Title, "core"), `{"title":[{"text":{"content":"core"},"type":"text"}]}`},
		{"empty title clears with []", Value{Type: Title}, `{"title":[]}`},
		{"empty rich_text clears with []", Value{Type: RichText}, `{"rich_text":[]}`},
		{"number", NumberValue(92.3), `{"number":92.3}`},
		{"empty number clears with null", Value{Type: Number}, `{"number":null}`},
		{"zero is a value", NumberValue(0), `{"number":0}`},
		{"select", TextValue(Select, "L2"), `{"select":{"name":"L2"}}`},
		{"empty select clears with null", Value{Type: Select}, `{"select":null}`},
		{"status", TextValue(Status, "Active"), `{"status":{"name":"Active"}}`},
		{"multi_select", NamesValue("a", "b"), `{"multi_select":[{"name":"a"},{"name":"b"}]}`},
		{"empty multi_select clears with []", Value{Type: MultiSelect}, `{"multi_select":[]}`},
		{"date", TextValue(Date, "2025-10-03"), `{"date":{"start":"2025-10-03"}}`},
		{"empty date clears with null", Value{Type: Date}, `{"date":null}`},
		{"checkbox", CheckboxValue(true), `{"checkbox":true}`},
		{"unchecked", Value{Type: Checkbox}, `{"checkbox":false}`},
		{"url", TextValue(URL, "https://x.dev"), `{"url":"https://x.dev"}`},
		{"empty url clears with null, never an empty string", Value{Type: URL}, `{"url":null}`},
		{"empty email clears with null", Value{Type: Email}, `{"email":null}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, string(Encode(tt.v))); diff != "" {
				t.Errorf("Encode() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEncodeSplitsLongText checks the 2000-unit limit per text object
// (notion-api.md §4), counted in UTF-16 units so an emoji never straddles two objects.
func TestEncodeSplitsLongText(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 1999) + "😀" + strings.Repeat("word ", 700)
	var got struct {
		RichText []struct {
			Text struct{ Content string } `json:"text"`
		} `json:"rich_text"`
	}
	if err := json.Unmarshal(Encode(TextValue(RichText, long)), &got); err != nil {
		t.Fatal(err)
	}
	var joined strings.Builder
	for i, item := range got.RichText {
		if n := UTF16Len(item.Text.Content); n > MaxTextObject || n == 0 {
			t.Errorf("object %d has %d UTF-16 units, want 1..%d", i, n, MaxTextObject)
		}
		joined.WriteString(item.Text.Content)
	}
	if joined.String() != long {
		t.Errorf("objects do not join back to the text")
	}
	if len(got.RichText) != 3 {
		t.Errorf("got %d objects, want 3", len(got.RichText))
	}
	if got.RichText[0].Text.Content != strings.Repeat("x", 1999) {
		t.Errorf("first object should stop before the emoji, got %d bytes", len(got.RichText[0].Text.Content))
	}
}

// TestEncodeLongestText: text Fit lets through (100 × 2000 units) always encodes
// into at most 100 objects, even when cutting at words would need more.
func TestEncodeLongestText(t *testing.T) {
	t.Parallel()
	words := strings.Repeat("lorem ipsum dolor sit amet ", 10000)
	v, _ := Fit(TextValue(RichText, words))
	var got struct {
		RichText []json.RawMessage `json:"rich_text"`
	}
	if err := json.Unmarshal(Encode(v), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.RichText) > MaxTextObjects {
		t.Errorf("%d text objects, want at most %d", len(got.RichText), MaxTextObjects)
	}
}

func TestFit(t *testing.T) {
	t.Parallel()
	many := make([]string, 105)
	for i := range many {
		many[i] = strings.Repeat("t", i+1)
	}
	tests := []struct {
		name       string
		in         Value
		want       Value
		wantLosses int
	}{
		{"short text untouched", TextValue(RichText, "hi"), TextValue(RichText, "hi"), 0},
		{"3000 characters split, not cut", TextValue(RichText, strings.Repeat("a", 3000)), TextValue(RichText, strings.Repeat("a", 3000)), 0},
		{"over 100 objects cut", TextValue(RichText, strings.Repeat("a", 200001)), TextValue(RichText, strings.Repeat("a", 200000)), 1},
		{"comma in select", TextValue(Select, "a,b"), TextValue(Select, "a;b"), 1},
		{"comma in tag", NamesValue("x", "a,b"), NamesValue("x", "a;b"), 1},
		{"duplicate and blank options dropped", NamesValue("x", " ", "x"), NamesValue("x"), 0},
		{"105 options cut to 100", NamesValue(many...), NamesValue(many[:100]...), 1},
		{"long url dropped", TextValue(URL, "https://"+strings.Repeat("a", 2000)), Value{Type: URL}, 1},
		{"long email dropped", TextValue(Email, strings.Repeat("a", 200)+"@x.io"), Value{Type: Email}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, losses := Fit(tt.in)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Fit() mismatch (-want +got):\n%s", diff)
			}
			if len(losses) != tt.wantLosses {
				t.Errorf("Fit() losses = %q, want %d", losses, tt.wantLosses)
			}
		})
	}
}

func TestEqual(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		a, b Value
		want bool
	}{
		{"same text", TextValue(RichText, "a"), TextValue(RichText, "a"), true},
		{"different text", TextValue(RichText, "a"), TextValue(RichText, "b"), false},
		{"crlf as Notion stores it", TextValue(RichText, "a\r\nb"), TextValue(RichText, "a\nb"), true},
		{"empty string is null", TextValue(URL, ""), Value{Type: URL}, true},
		{"empty vs value", Value{Type: Select}, TextValue(Select, "x"), false},
		{"float precision", NumberValue(0.1 + 0.2), NumberValue(0.3), true},
		{"different numbers", NumberValue(92.3), NumberValue(92.4), false},
		{"null number vs 0", Value{Type: Number}, NumberValue(0), false},
		{"option order does not matter", NamesValue("a", "b"), NamesValue("b", "a"), true},
		{"empty list is null", Value{Type: MultiSelect, Names: []string{}}, Value{Type: MultiSelect}, true},
		{"option sets differ", NamesValue("a"), NamesValue("a", "b"), false},
		{"date forms", TextValue(Date, "2025-10-03T12:00:00Z"), TextValue(Date, "2025-10-03T12:00:00.000+00:00"), true},
		{"date with offset", TextValue(Date, "2025-10-03T14:00:00+02:00"), TextValue(Date, "2025-10-03T12:00:00.000+00:00"), true},
		{"different dates", TextValue(Date, "2025-10-03"), TextValue(Date, "2025-10-04"), false},
		{"unchecked is empty", Value{Type: Checkbox}, CheckboxValue(false), true},
		{"checkbox differs", CheckboxValue(true), CheckboxValue(false), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Equal(tt.a, tt.b); got != tt.want {
				t.Errorf("Equal(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestPlainRoundTrip(t *testing.T) {
	t.Parallel()
	for _, v := range []Value{
		TextValue(RichText, "hello"), NumberValue(1.5), NamesValue("a", "b"), CheckboxValue(true),
		TextValue(Date, "2025-10-03"), {Type: Number}, {Type: Select},
	} {
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := FromPlain(v.Type, raw)
		if err != nil {
			t.Fatalf("FromPlain(%s, %s): %v", v.Type, raw, err)
		}
		if !Equal(v, got) {
			t.Errorf("round trip of %s: got %v, want %v", raw, got, v)
		}
	}
	if _, err := FromPlain(Number, json.RawMessage(`"high"`)); err == nil {
		t.Error("FromPlain(number, \"high\") succeeded, want an error")
	}
}

// TestDecode decodes a page as Notion sends it (notion-api.md §10).
func TestDecode(t *testing.T) {
	t.Parallel()
	page := `{"object":"page","id":"59833787-2cf9-4fdf-8782-e53db20768a5","parent":{"type":"database_id","database_id":"d9824bdc-8445-4327-be8b-5b47500af6ce"},
	"created_time":"2024-05-01T10:15:00.000Z","last_edited_time":"2024-05-01T10:15:00.000Z","archived":false,
	"properties":{
	 "Name":{"id":"title","type":"title","title":[{"type":"text","text":{"content":"svc-","link":null},"plain_text":"svc-","href":null},{"type":"text","text":{"content":"42","link":null},"plain_text":"42","href":null}]},
	 "Port":{"id":"a","type":"number","number":8080},
	 "Empty":{"id":"b","type":"number","number":null},
	 "Env":{"id":"c","type":"select","select":{"id":"x","name":"prod","color":"green"}},
	 "Tags":{"id":"d","type":"multi_select","multi_select":[{"id":"1","name":"api","color":"red"},{"id":"2","name":"go","color":"blue"}]},
	 "Stage":{"id":"e","type":"status","status":{"id":"y","name":"Done","color":"green"}},
	 "When":{"id":"f","type":"date","date":{"start":"2021-10-07T14:42:00.000+00:00","end":null,"time_zone":null}},
	 "Day":{"id":"g","type":"date","date":{"start":"2024-05-01","end":null,"time_zone":null}},
	 "On":{"id":"h","type":"checkbox","checkbox":true},
	 "Docs":{"id":"i","type":"url","url":null},
	 "Mail":{"id":"j","type":"email","email":"a@b.c"},
	 "Created":{"id":"k","type":"created_time","created_time":"2024-05-01T10:15:00.000Z"}}}`
	var p struct{ Properties map[string]json.RawMessage }
	if err := json.Unmarshal([]byte(page), &p); err != nil {
		t.Fatal(err)
	}
	got := map[string]any{}
	for name, prop := range p.Properties {
		if v, ok := Decode(prop); ok {
			got[name] = v.Plain()
		}
	}
	want := map[string]any{
		"Name": "svc-42", "Port": 8080.0, "Empty": nil, "Env": "prod", "Tags": []string{"api", "go"},
		"Stage": "Done", "When": "2021-10-07T14:42:00.000Z", "Day": "2024-05-01", "On": true, "Docs": nil, "Mail": "a@b.c",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Decode() mismatch (-want +got):\n%s", diff)
	}
}

func TestPlainMap(t *testing.T) {
	t.Parallel()
	got := PlainMap(map[string]Value{"A": TextValue(RichText, "x"), "B": {Type: Number}, "C": NamesValue("a", "b")})
	want := map[string]string{"A": `"x"`, "B": "null", "C": `["a","b"]`}
	for k, w := range want {
		if string(got[k]) != w {
			t.Errorf("PlainMap()[%s] = %s, want %s", k, got[k], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("PlainMap() has %d entries, want %d", len(got), len(want))
	}
}
