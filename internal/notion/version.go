package notion

import (
	"fmt"
	"strings"
)

// Version is a Notion-Version the client speaks. It decides the request and
// response shapes (see the package doc); nothing outside this package needs to
// know more than its value.
type Version string

// The versions the client speaks (notion-api.md §8).
const (
	// Version20220628 is the version go-notion v0.11.0 knows: a database holds
	// its schema and rows; trash is `archived`. It cannot use a database that
	// has several data sources.
	Version20220628 Version = "2022-06-28"
	// Version20250903 makes a database a container of data sources, which hold
	// the schema and the rows; `in_trash` is preferred over `archived`.
	Version20250903 Version = "2025-09-03"
	// Version20260311 is 2025-09-03 without `archived` (in_trash only).
	Version20260311 Version = "2026-03-11"

	// DefaultVersion is what a zero Options.Version means.
	DefaultVersion = Version20250903
)

// Versions returns every version the client speaks, oldest first.
func Versions() []Version { return []Version{Version20220628, Version20250903, Version20260311} }

// ParseVersion reads a Notion-Version from config (NOTION_VERSION,
// --notion-version, the notion-version input). Blank means DefaultVersion. Any
// other value that is not a supported version is an error that lists the
// accepted values.
func ParseVersion(s string) (Version, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return DefaultVersion, nil
	}
	for _, v := range Versions() {
		if string(v) == s {
			return v, nil
		}
	}
	return "", fmt.Errorf("unsupported Notion version %q: want one of %s (default %s)", s, VersionList(), DefaultVersion)
}

// VersionList names the versions the client speaks, oldest first, comma
// separated: for the help of a flag and the error of a value it refuses.
func VersionList() string {
	names := make([]string, 0, len(Versions()))
	for _, v := range Versions() {
		names = append(names, string(v))
	}
	return strings.Join(names, ", ")
}

// String returns the header value.
func (v Version) String() string { return string(v) }

// DataSources reports whether v addresses schema and rows through data sources
// (2025-09-03 and later). Versions are dates, so they compare as strings.
func (v Version) DataSources() bool { return v >= Version20250903 }

// hasArchived reports whether v still knows `archived` (removed in 2026-03-11).
func (v Version) hasArchived() bool { return v < Version20260311 }
