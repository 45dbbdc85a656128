package notion

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode"

	"github.com/lukhas/notion-sync-action/internal/secret"
)

// MinRate is the slowest pace Validate accepts, in requests per second: one
// request every 100 s. A slower rate is a typo (--rate-limit 1e-300 would wait
// millions of hours for its first request), not a plan.
const MinRate = 0.01

// SettingError is one number a person gave (a flag or an Action input) that
// cannot be used. Setting is its name as both spell it ("rate-limit").
type SettingError struct {
	Setting string
	Msg     string
}

func (e *SettingError) Error() string { return e.Setting + ": " + e.Msg }

// AsTyped returns options a person typed (a flag, an Action input) as New
// reads them: a typed MaxRetries of 0 means no retry, which New spells -1,
// since its own 0 is the default. Every other zero keeps New's default.
func (o Options) AsTyped() Options {
	if o.MaxRetries == 0 {
		o.MaxRetries = -1
	}
	return o
}

// Validate checks the options built from what a person typed, before New
// fills in defaults: Rate finite and at least MinRate, MaxRetries 0 or more
// (as typed; AsTyped maps it to New's reading), and Backoff,
// MaxBackoff, Timeout and Burst not negative (0 keeps New's default). It
// returns every problem at once, each a *SettingError, joined with
// errors.Join; nil when all are usable.
func (o Options) Validate() error {
	var errs []error
	bad := func(setting, format string, a ...any) {
		errs = append(errs, &SettingError{Setting: setting, Msg: fmt.Sprintf(format, a...)})
	}
	switch {
	case math.IsNaN(o.Rate) || math.IsInf(o.Rate, 0):
		bad("rate-limit", "%v is not a number of requests per second; give e.g. 3 (Notion's average limit)", o.Rate)
	case o.Rate < MinRate:
		bad("rate-limit", "%v is below %v requests per second; give e.g. 3 (Notion's average limit)", o.Rate, MinRate)
	}
	if o.MaxRetries < 0 {
		bad("max-retries", "%d is below 0; give 0 (no retries) or more, e.g. 5", o.MaxRetries)
	}
	for _, d := range []struct {
		setting string
		v       time.Duration
	}{{"backoff", o.Backoff}, {"max-backoff", o.MaxBackoff}, {"timeout", o.Timeout}} {
		if d.v < 0 {
			bad(d.setting, "%v is negative; give a duration of 0 or more, e.g. 1s", d.v)
		}
	}
	if o.Burst < 0 {
		bad("burst", "%d is below 0; give 1 or more", o.Burst)
	}
	return errors.Join(errs...)
}

// ErrBadToken is wrapped by ValidateToken's errors.
var ErrBadToken = errors.New("the Notion token is malformed")

// ValidateToken reports a token that cannot go into an HTTP header: one holding a
// line break, a tab, a space or another control character (a secret pasted
// with its newline, two values pasted together). Sent anyway, every request
// fails with "invalid header field value" after all its retries; this says so
// at once. The error names the problem and the fix, never the token or any
// part of it. An empty token is valid here: whether one is needed is the
// caller's to say (a dry run needs none).
func ValidateToken(s secret.Token) error {
	for i, r := range s.Reveal() {
		if unicode.IsControl(r) || unicode.IsSpace(r) || r == unicode.ReplacementChar || r > unicode.MaxASCII {
			return fmt.Errorf("%w: it holds %s at character %d; set NOTION_TOKEN (or the notion-token input) to the token alone, as Notion shows it (ntn_… or secret_…), without spaces or line breaks", ErrBadToken, describeRune(r), i+1)
		}
	}
	return nil
}

func describeRune(r rune) string {
	switch r {
	case '\n':
		return "a line break"
	case '\r':
		return "a carriage return"
	case '\t':
		return "a tab"
	case ' ':
		return "a space"
	}
	if unicode.IsControl(r) {
		return fmt.Sprintf("a control character (U+%04X)", r)
	}
	return "a character that is not plain ASCII"
}

// ErrInsecureBaseURL is wrapped by CheckBaseURL's refusal of plain HTTP.
var ErrInsecureBaseURL = errors.New("refuse to send the Notion token over plain http")

// CheckBaseURL checks a Notion API base URL (NOTION_API_BASE_URL): it must be
// http(s)://host[/prefix], and plain http is allowed only to this machine
// (localhost, 127.0.0.0/8, ::1), for the emulator. Anything else over http
// would hand the token to whoever is on the path, or, as with
// http://169.254.169.254, to a cloud metadata service. New applies the same
// check: a client with such a URL fails every call without sending anything.
func CheckBaseURL(raw string) error {
	u, err := parseBaseURL(raw)
	if err != nil {
		return err
	}
	if u.Scheme == "http" && !isLoopback(strings.TrimSuffix(u.Hostname(), ".")) {
		return fmt.Errorf("%w to %s: use https, or http only to localhost, 127.0.0.1 or ::1 (the emulator); unset NOTION_API_BASE_URL to use https://api.notion.com", ErrInsecureBaseURL, u.Redacted())
	}
	return nil
}
