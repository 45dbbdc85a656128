package notion

import (
	"fmt"
	"io"
	"log/slog"
)

// redacted is what every printing path of a Secret produces.
const redacted = "***"

// Secret is a Notion integration token. It exists so that the token cannot reach
// a log line, an error, a JSON file or a panic message by accident: String,
// GoString, Format (every fmt verb), LogValue (log/slog), MarshalJSON and
// MarshalText all give "***". The zero value is an empty token. Reveal is the
// only way to the raw value; this package calls it once per request, to set the
// Authorization header.
//
// Two paths bypass these methods, so avoid them: fmt printing a struct that
// holds a Secret in an unexported field (fmt does not call methods there; this
// package keeps its copy behind a pointer), and encoding/json using a Secret
// as a map key (string kinds are written directly).
type Secret string

// Reveal returns the raw token. Call it only where the token must go on the wire.
func (s Secret) Reveal() string { return string(s) }

// String implements fmt.Stringer with a redacted value.
func (s Secret) String() string { return redacted }

// GoString implements fmt.GoStringer (%#v) with a redacted value.
func (s Secret) GoString() string { return redacted }

// Format implements fmt.Formatter so that no verb (%x, %q, %d...) prints the token.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// LogValue implements slog.LogValuer with a redacted value.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON implements json.Marshaler with a redacted value.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText implements encoding.TextMarshaler (YAML, XML, map keys) with a redacted value.
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }
