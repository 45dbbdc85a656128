// Package actiontest reads a step's log the way the GitHub Actions runner does,
// so that tests can assert which workflow commands a log issues, rather than
// grepping for one spelling of one forged line. It follows the runner's
// ActionCommandManager and ActionCommand (actions/runner, src/Runner.Worker
// and src/Runner.Common): lines end at LF, CR or CRLF (.NET's ReadLine); a
// line is a command when, after leading white space, it reads
// "::name props::data" (names are case-insensitive), or when it holds the
// legacy "##[name props]data" anywhere; ::stop-commands::TOKEN ignores every
// command until a line "::TOKEN::" (or "##[TOKEN]").
package actiontest

import (
	"strings"
	"unicode"
)

// Command is one workflow command the runner would process.
type Command struct {
	Name  string            // lower-cased
	Props map[string]string // the properties (file, line, title...), unescaped; nil when none
	Data  string            // the text after the command, not unescaped
	Line  string            // the whole line
}

// registered are the runner's command names; a line naming another one is
// plain text.
var registered = []string{
	"add-mask", "add-matcher", "add-path", "debug", "echo", "endgroup", "error", "group",
	"internal-set-repo-path", "notice", "remove-matcher", "save-state", "set-env",
	"set-output", "stop-commands", "warning",
}

// Commands returns the commands a step's log (stdout or stderr) issues, in
// order, with the stop-commands state kept as the runner keeps it. The
// stop-commands and resume lines themselves are included.
func Commands(log string) []Command {
	known := map[string]bool{}
	for _, n := range registered {
		known[n] = true
	}
	var out []Command
	stopped := ""
	for _, line := range lines(log) {
		name, props, data, ok := parse(line, known)
		if !ok {
			continue
		}
		if stopped != "" {
			if name == stopped {
				out = append(out, Command{Name: name, Props: props, Data: data, Line: line})
				delete(known, stopped)
				stopped = ""
			}
			continue
		}
		out = append(out, Command{Name: name, Props: props, Data: data, Line: line})
		if name == "stop-commands" && data != "" {
			stopped = strings.ToLower(data)
			known[stopped] = true
		}
	}
	return out
}

// lines splits s as .NET's StreamReader.ReadLine does.
func lines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' })
}

func parse(line string, known map[string]bool) (name string, props map[string]string, data string, ok bool) {
	if name, props, data, ok := parseV2(line, known); ok {
		return name, props, data, true
	}
	return parseLegacy(line, known)
}

func parseV2(line string, known map[string]bool) (string, map[string]string, string, bool) {
	msg := strings.TrimLeftFunc(line, unicode.IsSpace)
	if !strings.HasPrefix(msg, "::") {
		return "", nil, "", false
	}
	end := strings.Index(msg[2:], "::")
	if end < 0 {
		return "", nil, "", false
	}
	info := msg[2 : 2+end]
	name, rest, _ := strings.Cut(info, " ")
	name = strings.ToLower(name)
	if !known[name] {
		return "", nil, "", false
	}
	return name, properties(strings.TrimSpace(rest), ","), msg[2+end+2:], true
}

func parseLegacy(line string, known map[string]bool) (string, map[string]string, string, bool) {
	i := strings.Index(line, "##[")
	if i < 0 {
		return "", nil, "", false
	}
	rb := strings.IndexByte(line[i:], ']')
	if rb < 0 {
		return "", nil, "", false
	}
	info := line[i+3 : i+rb]
	name, rest, _ := strings.Cut(info, " ")
	name = strings.ToLower(name)
	if !known[name] {
		return "", nil, "", false
	}
	return name, properties(rest, ";"), line[i+rb+1:], true
}

// properties splits "k=v,k=v" as the runner does, unescaping the values.
func properties(s, sep string) map[string]string {
	if s == "" {
		return nil
	}
	out := map[string]string{}
	unescape := strings.NewReplacer("%0D", "\r", "%0A", "\n", "%3A", ":", "%2C", ",", "%3B", ";", "%5D", "]", "%25", "%")
	for _, p := range strings.Split(s, sep) {
		if k, v, ok := strings.Cut(p, "="); ok && k != "" && v != "" {
			out[k] = unescape.Replace(v)
		}
	}
	return out
}
