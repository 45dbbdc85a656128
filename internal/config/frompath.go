package config

import (
	"errors"
	"fmt"
	"path"
	"strings"
)

// gjsonSyntax is where a user reads the path syntax `from` takes.
const gjsonSyntax = "https://github.com/tidwall/gjson/blob/master/SYNTAX.md"

// checkPath reports why s is not a gjson path, or nil. gjson has no
// validator: it reads a malformed path as some other path, usually one that
// matches nothing, so `description.#(foo==[bar` would clear a property on
// every page. This checks what a typo breaks: every "#(" query, "[" or "{"
// multipath and quoted string is closed, brackets nest properly, no
// component between dots is empty, and a backslash escapes something.
func checkPath(s string) error {
	var stack []byte // the closers expected, innermost last
	inQuote := false
	prev := byte('.') // a path starts like a component
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' {
			if i+1 == len(s) {
				return errors.New(`it ends in a lone \; escape a character (\. for a dot in a key) or remove it`)
			}
			i++
			prev = 'a'
			continue
		}
		if inQuote {
			if c == '"' {
				inQuote = false
			}
			prev = c
			continue
		}
		switch c {
		case '"':
			if len(stack) == 0 {
				break // a quote in a plain key is just a character
			}
			inQuote = true
		case '(':
			if prev != '#' && len(stack) == 0 {
				return fmt.Errorf("\"(\" at offset %d outside a #(...) query; a query is written #(field==value)", i)
			}
			stack = append(stack, ')')
		case '[':
			if len(stack) > 0 || prev == '.' || prev == '|' {
				stack = append(stack, ']')
			}
		case '{':
			if len(stack) > 0 || prev == '.' || prev == '|' {
				stack = append(stack, '}')
			}
		case ')', ']', '}':
			if len(stack) == 0 {
				if c == ')' {
					return fmt.Errorf("%q at offset %d closes nothing; remove it or open the query with #(", string(c), i)
				}
				break // a ] or } in a plain key is just a character
			}
			if want := stack[len(stack)-1]; c != want {
				return fmt.Errorf("%q at offset %d where %q is expected; balance the brackets", string(c), i, string(want))
			}
			stack = stack[:len(stack)-1]
			if c == ')' && len(stack) == 0 && strings.HasSuffix(strings.TrimSpace(s[:i]), "#(") {
				return fmt.Errorf("empty query #() at offset %d; write #(field==value)", i-1)
			}
		case '.':
			if len(stack) == 0 && (prev == '.' || prev == '|') {
				return fmt.Errorf("empty component at offset %d; remove the extra dot", i)
			}
		}
		prev = c
	}
	switch {
	case inQuote:
		return errors.New(`a quoted string in a query is not closed; add the closing "`)
	case len(stack) > 0:
		open := map[byte]string{')': "#(", ']': "[", '}': "{"}[stack[0]]
		return fmt.Errorf("%q is not closed; add %q (e.g. description.#(lang==\"en\").text)", open, string(stack[0]))
	case prev == '.' || prev == '|':
		return errors.New("it ends in a separator; remove the trailing " + string(prev))
	}
	return nil
}

// leavesRepo reports whether the doublestar glob g names paths outside the
// repository: an absolute path, or one that climbs above the root with "..".
func leavesRepo(g string) bool {
	if strings.HasPrefix(g, "/") || strings.HasPrefix(g, `\`) || (len(g) > 1 && g[1] == ':') {
		return true
	}
	for _, part := range strings.Split(g, "/") {
		if part == ".." {
			return true
		}
	}
	c := path.Clean(g)
	return c == ".." || strings.HasPrefix(c, "../")
}
