package emulator

import (
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"strings"
)

// parseID accepts a Notion id with or without dashes, in any case, and returns the
// dashed lowercase form that every response uses (notion-api.md §1).
func parseID(s string) (string, bool) {
	var hexPart string
	switch len(s) {
	case 32:
		hexPart = s
	case 36:
		if s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
			return "", false
		}
		hexPart = s[:8] + s[9:13] + s[14:18] + s[19:23] + s[24:]
	default:
		return "", false
	}
	hexPart = strings.ToLower(hexPart)
	if _, err := hex.DecodeString(hexPart); err != nil {
		return "", false
	}
	return hexPart[:8] + "-" + hexPart[8:12] + "-" + hexPart[12:16] + "-" + hexPart[16:20] + "-" + hexPart[20:], true
}

// newUUID returns a random version-4 UUID in the dashed form.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// undash returns the 32-hex form of a dashed id, as Notion puts it in page URLs.
func undash(id string) string { return strings.ReplaceAll(id, "-", "") }

// propIDChars are the characters Notion's short property ids are drawn from; the
// punctuation makes ids that need URL escaping, as real ones do ("%3AUPp").
const propIDChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:;<=>?@[]^_`{|}~"

// newPropID returns a short, URL-escaped property id that is not in taken.
func newPropID(taken func(string) bool) string {
	for {
		var b [4]byte
		_, _ = rand.Read(b[:])
		raw := make([]byte, len(b))
		for i, c := range b {
			raw[i] = propIDChars[int(c)%len(propIDChars)]
		}
		id := url.QueryEscape(string(raw))
		if id != "title" && !taken(id) {
			return id
		}
	}
}

// newToken returns a token in the style of an old integration token; it is the
// emulator's own secret, not a Notion one.
func newToken() string {
	var b [20]byte
	_, _ = rand.Read(b[:])
	return generatedTokenPrefix + hex.EncodeToString(b[:])
}

// generatedTokenPrefix marks tokens the emulator made up itself. Only those are
// written to a state file: a token the user passed in might be a real one.
const generatedTokenPrefix = "secret_emulator_"
