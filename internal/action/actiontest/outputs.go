package actiontest

import (
	"fmt"
	"strings"
)

// Outputs reads a GITHUB_OUTPUT file the way the runner does
// (FileCommandManager.EnvFileKeyValuePairs): NAME=value lines, and NAME<<DELIM
// heredocs closed by a line equal to DELIM. An output written twice, an unclosed
// heredoc or a line of neither form is an error: the runner would fail the step
// or keep only one value, and a test must see that.
func Outputs(data string) (map[string]string, error) {
	out := map[string]string{}
	lines := strings.Split(strings.ReplaceAll(data, "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if line == "" {
			continue
		}
		var key, val string
		eq, hd := strings.Index(line, "="), strings.Index(line, "<<")
		switch {
		case eq >= 0 && (hd < 0 || eq < hd):
			key, val = line[:eq], line[eq+1:]
		case hd >= 0:
			var delim string
			key, delim = line[:hd], line[hd+2:]
			var body []string
			closed := false
			for i++; i < len(lines); i++ {
				if lines[i] == delim {
					closed = true
					break
				}
				body = append(body, lines[i])
			}
			if !closed {
				return out, fmt.Errorf("matching delimiter not found for %q", key)
			}
			val = strings.Join(body, "\n")
		default:
			return out, fmt.Errorf("invalid line %q", line)
		}
		if _, dup := out[key]; dup {
			return out, fmt.Errorf("output %q written twice", key)
		}
		out[key] = val
	}
	return out, nil
}
