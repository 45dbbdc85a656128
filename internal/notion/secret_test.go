package notion

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/lukhas/notion-sync-action/internal/secret"
)

func TestTokenNeverPrints(t *testing.T) {
	t.Parallel()
	s := testToken
	type holder struct {
		Token secret.Token `json:"token"`
	}
	var textLog, jsonLog bytes.Buffer
	slog.New(slog.NewTextHandler(&textLog, nil)).Info("x", "token", s, "holder", holder{s})
	slog.New(slog.NewJSONHandler(&jsonLog, nil)).Info("x", "token", s, "holder", holder{s}, slog.Any("any", s))
	js, err := json.Marshal(holder{s})
	if err != nil {
		t.Fatal(err)
	}
	c := New(s, Options{})
	outputs := map[string]string{
		"%v":             fmt.Sprintf("%v", s),
		"%s":             fmt.Sprintf("%s", s),
		"%q":             fmt.Sprintf("%q", s),
		"%x":             fmt.Sprintf("%x", s),
		"%#v":            fmt.Sprintf("%#v", s),
		"%d":             fmt.Sprintf("%d", s),
		"%+v struct":     fmt.Sprintf("%+v", holder{s}),
		"%#v struct":     fmt.Sprintf("%#v", holder{s}),
		"Sprint":         fmt.Sprint(s),
		"Sprintln":       fmt.Sprintln(s),
		"string concat":  "token: " + s.String(),
		"slog text":      textLog.String(),
		"slog json":      jsonLog.String(),
		"json":           string(js),
		"%+v client":     fmt.Sprintf("%+v", c),
		"%#v client":     fmt.Sprintf("%#v", c),
		"%+v *client":    fmt.Sprintf("%+v", *c),
		"%+v stats":      fmt.Sprintf("%+v", c.Stats()),
		"%v error chain": fmt.Sprintf("%v", fmt.Errorf("wrap: %v", s)),
	}
	for name, out := range outputs {
		if strings.Contains(out, s.Reveal()) || strings.Contains(out, "TESTTOKEN") {
			t.Errorf("%s prints the token: %s", name, out)
		}
	}
	for _, name := range []string{"%v", "%s", "%#v", "json", "slog json"} {
		if !strings.Contains(outputs[name], "***") {
			t.Errorf("%s = %q, want it redacted as ***", name, outputs[name])
		}
	}
	if got := s.Reveal(); got != "ntn_TESTTOKEN_must_not_leak_4242" {
		t.Errorf("Reveal() = %q", got)
	}
}
