package report

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestPreflightText: a long list stops at listCap items and counts the
// rest; a failed Notion step hides the steps after it; "passed" only when OK.
func TestPreflightText(t *testing.T) {
	t.Parallel()
	var missing []string
	for i := range listCap + 3 {
		missing = append(missing, fmt.Sprintf("m%02d/module.manifest.json", i))
	}
	p := Preflight{Config: "built-in", Manifests: 23, Hydrate: "module_uuid", Unhydrated: missing, Offline: true}
	text := PreflightText(p)
	for _, want := range []string{"✅ Config: built-in\n✅ 23 manifests parsed\n", "❌ 23 manifests missing module_uuid:\n",
		"  - m19/module.manifest.json\n  ... and 3 more\n\nRun: notion-sync backfill --apply\n", "⏭️  Notion checks skipped (--offline)\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "m20/") || strings.Contains(text, "passed") || p.OK() {
		t.Errorf("listed past the cap, or passed:\n%s", text)
	}

	p = Preflight{Config: "built-in", Manifests: 1, Bot: "bot", DBErr: errors.New("object_not_found"), DBFix: "\nFix: share it"}
	text = PreflightText(p)
	if want := "✅ Notion API: Reachable (integration \"bot\")\n❌ Database: object_not_found\nFix: share it\n"; !strings.HasSuffix(text, want) {
		t.Errorf("text does not end with %q:\n%s", want, text)
	}
	p = Preflight{Config: "built-in", Manifests: 1, Bot: "bot", DatabaseID: "db", Properties: 9}
	if text = PreflightText(p); !strings.HasSuffix(text, "✅ Schema matches the config (9 properties)\n✅ Pre-flight passed\n") || !p.OK() {
		t.Errorf("a clean preflight did not pass:\n%s", text)
	}
}
