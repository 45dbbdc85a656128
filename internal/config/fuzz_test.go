package config

import (
	"errors"
	"testing"
)

// FuzzParse feeds arbitrary YAML to Parse, the reader of the committed config
// (a pull request's config too): it must never panic, and returns either a
// config or only *Error values naming the file, never both.
func FuzzParse(f *testing.F) {
	f.Add([]byte("version: 1\n"))
	f.Add([]byte("version: 1\nmanifests:\n  include: ['../**/module.manifest.json']\n"))
	f.Add([]byte("version: 1\nowner_property: \"\"\nproperties:\n  D: {type: rich_text, from: 'description.#(foo==[bar', template: '{{range .}}{{.}}{{end}}'}\n"))
	f.Add([]byte("version: 1\nkey: {property: Module, from: [module, $dir]}\non_delete: archive\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse("notion-sync.yml", data)
		if (cfg == nil) == (err == nil) {
			t.Fatalf("Parse() = %v, %v: want exactly one of a config and an error", cfg, err)
		}
		if err == nil {
			return
		}
		errs := []error{err}
		if joined, ok := err.(interface{ Unwrap() []error }); ok {
			errs = joined.Unwrap()
		}
		for _, e := range errs {
			var ce *Error
			if !errors.As(e, &ce) || ce.File != "notion-sync.yml" {
				t.Fatalf("Parse() error %T %v, want *Error naming the file", e, e)
			}
		}
	})
}
