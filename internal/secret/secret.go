// Package secret holds the tokens notion-sync is given (the Notion integration
// token, the GitHub token) in one type that cannot be printed by accident.
package secret

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// redacted is what every printing path of a Token produces.
const redacted = "***"

// Token is a secret token: a Notion integration token or a GitHub token. It exists so that the token cannot reach
// a log line, an error, a JSON file or a panic message by accident: String,
// GoString, Format (every fmt verb), LogValue (log/slog), MarshalJSON and
// MarshalText all give "***". The zero value is an empty token. Reveal is the
// only way to the raw value; the Notion client calls it once per request, to set
// the Authorization header.
//
// Two paths bypass these methods, so avoid them: fmt printing a struct that
// holds a Token in an unexported field (fmt does not call methods there; the
// Notion client keeps its copy behind a pointer), and encoding/json using a Token
// as a map key (string kinds are written directly).
type Token string

// Reveal returns the raw token. Call it only where the token must go on the wire.
func (s Token) Reveal() string { return string(s) }

// String implements fmt.Stringer with a redacted value.
func (s Token) String() string { return redacted }

// GoString implements fmt.GoStringer (%#v) with a redacted value.
func (s Token) GoString() string { return redacted }

// Format implements fmt.Formatter so that no verb (%x, %q, %d...) prints the token.
func (s Token) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// LogValue implements slog.LogValuer with a redacted value.
func (s Token) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON implements json.Marshaler with a redacted value.
func (s Token) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText implements encoding.TextMarshaler (YAML, XML, map keys) with a redacted value.
func (s Token) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// Scrub returns s with every occurrence of the token replaced by "***": for text
// that came back from elsewhere, such as an API error that quotes the request.
func (s Token) Scrub(text string) string {
	if s == "" {
		return text
	}
	return strings.ReplaceAll(text, string(s), redacted)
}
