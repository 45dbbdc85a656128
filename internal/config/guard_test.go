package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCheckPath checks the gjson path checker on the paths of gjson's
// SYNTAX.md (all valid) and on broken ones (the issue's
// `description.#(foo==[bar` first).
func TestCheckPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path string
		want string // "" for valid
	}{
		{`name.last`, ""},
		{`age`, ""},
		{`children.#`, ""},
		{`children.1`, ""},
		{`child*.2`, ""},
		{`c?ildren.0`, ""},
		{`fav\.movie`, ""},
		{`friends.#.first`, ""},
		{`friends.1.last`, ""},
		{`friends.#(last=="Murphy").first`, ""},
		{`friends.#(last=="Murphy")#.first`, ""},
		{`friends.#(age>45)#.last`, ""},
		{`friends.#(first%"D*").last`, ""},
		{`friends.#(nets.#(=="fb"))#.first`, ""},
		{`friends.#(last=="Mur)phy").first`, ""},
		{`children|@reverse|0`, ""},
		{`@pretty:{"sortKeys":true}`, ""},
		{`{name.first,age,"the_murphys":friends.#(last=="Murphy")#.first}`, ""},
		{`[name.first,age]`, ""},
		{`quality.mqi`, ""},
		{`notion_database_options.Tags`, ""},
		{`description.#(foo==[bar`, `"#(" is not closed; add ")" (e.g. description.#(lang=="en").text)`},
		{`a.#(b==1`, `"#(" is not closed; add ")" (e.g. description.#(lang=="en").text)`},
		{`a.#(b=="x).c`, `a quoted string in a query is not closed; add the closing "`},
		{`a.#(b==1]`, `"]" at offset 8 where ")" is expected; balance the brackets`},
		{`a.b)`, `")" at offset 3 closes nothing; remove it or open the query with #(`},
		{`a.(b)`, `"(" at offset 2 outside a #(...) query; a query is written #(field==value)`},
		{`a.#()`, `empty query #() at offset 3; write #(field==value)`},
		{`[a,b`, `"[" is not closed; add "]" (e.g. description.#(lang=="en").text)`},
		{`{a,b`, `"{" is not closed; add "}" (e.g. description.#(lang=="en").text)`},
		{`a..b`, `empty component at offset 2; remove the extra dot`},
		{`.a`, `empty component at offset 0; remove the extra dot`},
		{`a.`, `it ends in a separator; remove the trailing .`},
		{`a|`, `it ends in a separator; remove the trailing |`},
		{`a\`, `it ends in a lone \; escape a character (\. for a dot in a key) or remove it`},
	}
	for _, tt := range tests {
		got := ""
		if err := checkPath(tt.path); err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("checkPath(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}

// TestParseRejectsBadFromAndOutsideGlobs checks that Parse reports a malformed
// `from` path and an include glob that leaves the repository with file, line,
// key and fix.
func TestParseRejectsBadFromAndOutsideGlobs(t *testing.T) {
	t.Parallel()
	const f = ".github/notion-sync.yml"
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{
			name: "unclosed query",
			yaml: "version: 1\nowner_property: \"\"\nproperties:\n  Description: {type: rich_text, from: 'description.#(foo==[bar'}\n",
			want: []string{f + `:4: properties.Description.from: "description.#(foo==[bar" is not a valid gjson path: "#(" is not closed; add ")" (e.g. description.#(lang=="en").text) (syntax: ` + gjsonSyntax + `)`},
		},
		{
			name: "bad key path",
			yaml: "version: 1\nkey:\n  from: [module..name]\n",
			want: []string{f + `:3: key.from: "module..name" is not a valid gjson path: empty component at offset 7; remove the extra dot (syntax: ` + gjsonSyntax + `)`},
		},
		{
			name: "include climbs out",
			yaml: "version: 1\nmanifests:\n  include: ['../**/module.manifest.json']\n",
			want: []string{f + `:3: manifests.include: "../**/module.manifest.json" leaves the repository; manifests are read only inside it, so write a repo-relative pattern such as "**/module.manifest.json"`},
		},
		{
			name: "include is absolute",
			yaml: "version: 1\nmanifests:\n  include: ['/etc/**/module.manifest.json', 'a/../../b/*.json']\n",
			want: []string{
				f + `:3: manifests.include: "/etc/**/module.manifest.json" leaves the repository; manifests are read only inside it, so write a repo-relative pattern such as "**/module.manifest.json"`,
				f + `:3: manifests.include: "a/../../b/*.json" leaves the repository; manifests are read only inside it, so write a repo-relative pattern such as "**/module.manifest.json"`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(f, []byte(tt.yaml))
			if err == nil {
				t.Fatal("Parse() accepted the file")
			}
			if diff := cmp.Diff(tt.want, strings.Split(err.Error(), "\n")); diff != "" {
				t.Errorf("Parse() errors mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
