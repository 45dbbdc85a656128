package module

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/lukhas/notion-sync-action/internal/manifest"
)

// list is a manifest with an n-item list under "items".
func list(t *testing.T, n int) *manifest.Manifest {
	t.Helper()
	items := make([]string, n)
	for i := range items {
		items[i] = fmt.Sprintf(`"item%d"`, i)
	}
	return load(t, "x/module.manifest.json", `{"items": [`+strings.Join(items, ",")+`]}`)
}

// TestTemplateBounds: the runaway templates fail their module at once
// with a *manifest.Problem that says why, and a template of fair size runs.
func TestTemplateBounds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, template string
		items          int
		want           string // in the problem; "" for success
	}{
		{"three nested ranges over 3,000 items, no output", `{{range .}}{{range $}}{{range $}}{{end}}{{end}}{{end}}`, 3000,
			"was stopped: it could take about 2.7e+10 steps on this value (nested ranges multiply; the limit is 1000000)"},
		{"output bomb", `{{range .}}{{range $}}{{.}}{{end}}{{end}}`, 300,
			"was stopped: its output passed 64 KiB"},
		{"range over a large integer", `{{range 100000000}}{{end}}`, 1,
			"was stopped: it could take about 1e+08 steps on this value"},
		{"a template calling itself", `{{define "x"}}{{template "x" .}}{{end}}{{template "x" .}}`, 1,
			"was stopped: it defines other templates ({{define}} or {{block}}); write it as one template"},
		{"a call", `{{template "T"}}`, 1, `was stopped: it calls template "T"; write it as one template`},
		{"a fair list", `{{range .}}{{.}}, {{end}}`, 100, ""},
		{"a fair nested range", `{{range .}}{{range $}}{{end}}{{end}}{{len .}}`, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := loadConfig(t, "version: 1\nowner_property: \"\"\nproperties:\n  Items: {type: rich_text, from: items, template: '"+tt.template+"'}\n")
			_, err := Resolve(cfg, list(t, tt.items), Specials{})
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Resolve() error = %v", err)
				}
				return
			}
			var p *manifest.Problem
			if !errors.As(err, &p) || !strings.Contains(p.Msg, tt.want) || !strings.HasPrefix(p.Msg, "the template of 'Items' was stopped") {
				t.Errorf("Resolve() error = %v, want a *manifest.Problem saying %q", err, tt.want)
			}
		})
	}
}

// TestTemplateCancelled: a cancelled run stops templates with ctx's error,
// not a problem of the module.
func TestTemplateCancelled(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, "version: 1\nowner_property: \"\"\nproperties:\n  Items: {type: rich_text, from: items, template: '{{range .}}{{.}}{{end}}'}\n")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := ResolveContext(ctx, cfg, list(t, 3), Specials{})
	var p *manifest.Problem
	if !errors.Is(err, context.Canceled) || errors.As(err, &p) {
		t.Errorf("ResolveContext(cancelled) error = %v, want context.Canceled and no *manifest.Problem", err)
	}
}

// TestCappedWriter: the write that would pass the cap fails and keeps nothing
// of itself.
func TestCappedWriter(t *testing.T) {
	t.Parallel()
	w := &cappedWriter{max: 4}
	if n, err := w.Write([]byte("abc")); n != 3 || err != nil {
		t.Fatalf("Write(abc) = %d, %v", n, err)
	}
	if _, err := w.Write([]byte("de")); !errors.Is(err, errTemplateOutput) {
		t.Errorf("Write past the cap error = %v, want errTemplateOutput", err)
	}
	if w.b.String() != "abc" {
		t.Errorf("kept %q, want abc", w.b.String())
	}
}
