// Package dotenv reads .env files for the CLI, so a developer can keep the
// token and the database id next to the repository instead of exporting them
// in every shell. The real environment always wins over the files, and on an
// Actions runner the files are not read at all.
package dotenv

import (
	"bufio"
	"bytes"
	"os"
	"strings"
)

// Local adds the .env files to getenv, except on an Actions runner (in Action
// mode or a run: step): there the working directory holds a pull request's files,
// and a .env among them must not point NOTION_API_BASE_URL, and with it the token,
// elsewhere.
func Local(getenv func(string) string, files ...string) func(string) string {
	if getenv("GITHUB_ACTIONS") == "true" {
		return getenv
	}
	return Fallback(getenv, files...)
}

// Fallback returns a getenv that falls back to KEY=VALUE lines of the named files,
// the first file winning. The real environment always wins over the files.
func Fallback(getenv func(string) string, files ...string) func(string) string {
	vals := map[string]string{}
	for i := len(files) - 1; i >= 0; i-- {
		data, err := os.ReadFile(files[i])
		if err != nil {
			continue
		}
		for k, v := range Parse(data) {
			vals[k] = v
		}
	}
	if len(vals) == 0 {
		return getenv
	}
	return func(key string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return vals[key]
	}
}

// Parse reads the common subset of the .env format: KEY=VALUE lines, an
// optional "export " prefix, # comments, and single or double quotes around values.
func Parse(data []byte) map[string]string {
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		} else if i := strings.Index(v, " #"); i >= 0 {
			v = strings.TrimSpace(v[:i])
		}
		out[k] = v
	}
	return out
}
