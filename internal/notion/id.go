package notion

import (
	"fmt"
	"net/url"
	"strings"
)

// ParseDatabaseID accepts what a user can copy from Notion — a dashed or
// undashed id, or the URL of the database (https://www.notion.so/acme/Modules-<32 hex>?v=<view id>) —
// and returns the dashed lowercase form Notion uses in its answers, so ids read
// from config and ids read from API responses compare equal. The id is taken from
// the last path segment of a URL, never from its query (?v= is a view id).
func ParseDatabaseID(s string) (string, error) { return parseObjectID("database", s) }

// ParseDataSourceID reads a data source id (2025-09-03) the same way: dashed,
// undashed, a URL that ends with it, or Notion's collection://<id> form (what
// "Copy data source ID" and Notion's MCP tools show).
func ParseDataSourceID(s string) (string, error) { return parseObjectID("data source", s) }

// ParsePageID reads a page id the same way, e.g. the parent page of a new
// database (https://www.notion.so/acme/Engineering-<32 hex>).
func ParsePageID(s string) (string, error) { return parseObjectID("page", s) }

// parseObjectID is the one id parser; kind names the object in errors.
func parseObjectID(kind, s string) (string, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return "", fmt.Errorf("parse %s id: empty; want a 32-hex-digit id or a Notion URL that contains one", kind)
	}
	candidate := in
	switch {
	case !strings.Contains(in, "/") && strings.Contains(in, "?"):
		// "<id>?v=<view id>": a URL copied without its host.
		candidate, _, _ = strings.Cut(in, "?")
	case strings.Contains(in, "/"):
		raw := in
		if !strings.Contains(raw, "://") {
			raw = "https://" + raw
		}
		u, err := url.Parse(raw)
		if err != nil {
			return "", fmt.Errorf("parse %s id %q: not an id and not a URL: %w", kind, s, err)
		}
		candidate = strings.TrimRight(u.Path, "/")
		if i := strings.LastIndex(candidate, "/"); i >= 0 {
			candidate = candidate[i+1:]
		}
		if candidate == "" && u.Scheme == "collection" {
			candidate = u.Host // collection://<id>
		}
	}
	hex, n, ok := trailingID(candidate)
	// The id must be the whole value, or the end of a "Title-<id>" URL segment.
	whole := n == len(candidate)
	slug := candidate != in && n < len(candidate) && candidate[len(candidate)-n-1] == '-'
	if !ok || !(whole || slug) {
		return "", fmt.Errorf("parse %s id %q: want a 32-hex-digit id (dashes optional) or a Notion URL that ends with one", kind, s)
	}
	return dashed(hex), nil
}

// trailingID finds a UUID at the end of s, in either the dashed 8-4-4-4-12 form
// or as 32 hex digits, and returns it as 32 lowercase hex digits together with
// the number of bytes of s it spans.
func trailingID(s string) (string, int, bool) {
	if len(s) >= 36 {
		tail := s[len(s)-36:]
		if isDashedUUID(tail) {
			return strings.ToLower(strings.ReplaceAll(tail, "-", "")), 36, true
		}
	}
	if len(s) >= 32 {
		tail := s[len(s)-32:]
		if isHex(tail) {
			return strings.ToLower(tail), 32, true
		}
	}
	return "", 0, false
}

func isDashedUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			if !isHexByte(s[i]) {
				return false
			}
		}
	}
	return true
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHexByte(s[i]) {
			return false
		}
	}
	return true
}

func isHexByte(b byte) bool {
	return '0' <= b && b <= '9' || 'a' <= b && b <= 'f' || 'A' <= b && b <= 'F'
}

// dashed formats 32 hex digits as 8-4-4-4-12.
func dashed(h string) string {
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// SameID reports whether a and b name the same Notion object: Notion writes ids
// dashed or undashed, in either case.
func SameID(a, b string) bool {
	return strings.EqualFold(strings.ReplaceAll(a, "-", ""), strings.ReplaceAll(b, "-", ""))
}
