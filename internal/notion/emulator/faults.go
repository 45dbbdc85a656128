package emulator

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault describes how one request fails. Fields combine: the request is applied
// first when Commit or Partial is set, then Delay is waited, then the connection is
// dropped (Reset), or a partial page (Partial) or Status is sent. A Fault with only
// Delay answers normally, late.
type Fault struct {
	// Route restricts the fault: "POST /v1/pages" (method and pattern),
	// "/v1/databases/{id}/query" (pattern, any method), "PATCH" (method, any
	// route), or "" for any request.
	Route      string
	Status     int           // 429, 529, 409, 500, 502, 503, 504 (others get a generic body)
	RetryAfter time.Duration // for 429/529: header value in integer seconds, rounded up; 0 = 1s; negative = omit the header
	HTML       bool          // HTML body instead of Notion JSON, as an edge proxy sends
	Commit     bool          // apply the request first, then fail (commit-then-fail)
	Reset      bool          // instead of a status, drop the connection, after committing if Commit
	Partial    bool          // apply the request and reply 200 with only {"object":…,"id":…}
	Delay      time.Duration // wait this long before answering; honours the request context
	BlockLimit bool          // refuse as a workspace over its block limit does (see Options.BlockLimit)
	// Reason is additional_data.rate_limit_reason of a 429 (notion-api.md §6),
	// e.g. the per-workspace limit whose Retry-After may exceed a minute;
	// "" means "injected".
	Reason string
}

// FaultRule is one entry of a random fault spec: Fault happens to a matching
// request with this probability.
type FaultRule struct {
	Fault       Fault
	Probability float64
}

// ParseFaultSpec parses the random fault syntax of docs/emulator.md: comma-separated
// rules "WORD[+WORD...]:PROBABILITY", where a WORD is a status (429, 529, 409, 500,
// 502, 503, 504), html, commit, reset, partial, blocklimit, reason=WORD, noretry, retry=DURATION,
// delay=DURATION, on=METHOD or route=PATTERN; "commit502" and "html503" are
// shorthands for "commit+502" and "html+503". Probabilities must add up to at most 1.
// An empty spec has no rules.
func ParseFaultSpec(spec string) ([]FaultRule, error) {
	var rules []FaultRule
	total := 0.0
	for _, entry := range strings.Split(spec, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		i := strings.LastIndex(entry, ":")
		if i < 0 {
			return nil, fmt.Errorf("fault %q: want WORDS:PROBABILITY", entry)
		}
		p, err := strconv.ParseFloat(entry[i+1:], 64)
		if err != nil || p <= 0 || p > 1 {
			return nil, fmt.Errorf("fault %q: probability must be a number in (0, 1]", entry)
		}
		f, err := parseFaultWords(entry[:i])
		if err != nil {
			return nil, fmt.Errorf("fault %q: %w", entry, err)
		}
		total += p
		rules = append(rules, FaultRule{Fault: f, Probability: p})
	}
	if total > 1+1e-9 {
		return nil, fmt.Errorf("fault probabilities add up to %g, more than 1", total)
	}
	return rules, nil
}

func parseFaultWords(words string) (Fault, error) {
	var f Fault
	var method, pattern string
	for _, w := range strings.Split(words, "+") {
		w = strings.TrimSpace(w)
		for _, prefix := range []string{"commit", "html"} {
			if rest, ok := strings.CutPrefix(w, prefix); ok && rest != "" && rest[0] >= '0' && rest[0] <= '9' {
				if prefix == "commit" {
					f.Commit = true
				} else {
					f.HTML = true
				}
				w = rest
			}
		}
		key, val, hasVal := strings.Cut(w, "=")
		switch {
		case key == "html" && !hasVal:
			f.HTML = true
		case key == "commit" && !hasVal:
			f.Commit = true
		case key == "reset" && !hasVal:
			f.Reset = true
		case key == "partial" && !hasVal:
			f.Partial = true
		case key == "blocklimit" && !hasVal:
			f.BlockLimit = true
		case key == "reason" && hasVal && val != "":
			f.Reason = val
		case key == "noretry" && !hasVal:
			f.RetryAfter = -1
		case key == "retry" && hasVal:
			d, err := time.ParseDuration(val)
			if err != nil || d <= 0 {
				return Fault{}, fmt.Errorf("retry=%s: want a positive duration", val)
			}
			f.RetryAfter = d
		case key == "delay" && hasVal:
			d, err := time.ParseDuration(val)
			if err != nil || d <= 0 {
				return Fault{}, fmt.Errorf("delay=%s: want a positive duration", val)
			}
			f.Delay = d
		case key == "on" && hasVal:
			method = strings.ToUpper(val)
		case key == "route" && hasVal:
			if !strings.HasPrefix(val, "/") {
				return Fault{}, fmt.Errorf("route=%s: want a path pattern such as /v1/pages", val)
			}
			pattern = val
		default:
			code, err := strconv.Atoi(w)
			if err != nil || code < 400 || code > 599 {
				return Fault{}, fmt.Errorf("unknown word %q", w)
			}
			if f.Status != 0 {
				return Fault{}, fmt.Errorf("two statuses")
			}
			f.Status = code
		}
	}
	f.Route = strings.TrimSpace(method + " " + pattern)
	if f.Status == 0 && !f.Reset && !f.Partial && !f.BlockLimit && f.Delay == 0 {
		return Fault{}, fmt.Errorf("needs a status, reset, partial, blocklimit or delay=")
	}
	return f, nil
}

// routeMatches reports whether a Fault.Route selects a request to route (e.g.
// "POST /v1/pages").
func routeMatches(want, method, route string) bool {
	if want == "" || want == route {
		return true
	}
	_, pattern, _ := strings.Cut(route, " ")
	if strings.HasPrefix(want, "/") {
		return want == pattern
	}
	return !strings.Contains(want, " ") && want == method
}

// nextFault picks the fault for a request: the first scripted one that matches,
// else a random rule drawn with the seeded generator.
func (s *Server) nextFault(method, route string) (Fault, bool) {
	s.ctlMu.Lock()
	defer s.ctlMu.Unlock()
	for i, sf := range s.scripted {
		if !routeMatches(sf.f.Route, method, route) {
			continue
		}
		sf.n--
		if sf.n == 0 {
			s.scripted = append(s.scripted[:i], s.scripted[i+1:]...)
		}
		return sf.f, true
	}
	if len(s.rules) == 0 {
		return Fault{}, false
	}
	u := s.rng.Float64()
	acc := 0.0
	for _, r := range s.rules {
		// A rule limited to some routes keeps its probability on those routes.
		if !routeMatches(r.Fault.Route, method, route) {
			continue
		}
		acc += r.Probability
		if u < acc {
			return r.Fault, true
		}
	}
	return Fault{}, false
}

// writeFault sends an injected failure status: Notion JSON with the code of
// notion-api.md §5.2, or an edge proxy's HTML page without a Notion request id.
func (s *Server) writeFault(w http.ResponseWriter, reqID string, f Fault) {
	e := faultError(f.Status)
	if f.Status == http.StatusTooManyRequests || f.Status == 529 {
		if f.RetryAfter >= 0 {
			e.retryAfter = retryAfterSeconds(f.RetryAfter)
		}
		if f.Status == http.StatusTooManyRequests {
			reason := f.Reason
			if reason == "" {
				reason = "injected"
			}
			e.additional = map[string]any{"rate_limit_reason": reason}
		}
	}
	if !f.HTML {
		s.writeError(w, reqID, e)
		return
	}
	if e.retryAfter != "" {
		w.Header().Set("Retry-After", e.retryAfter)
	}
	w.Header().Set("Content-Type", "text/html")
	w.Header().Set("cf-ray", strings.ReplaceAll(reqID[:16], "-", "")+"-EMU")
	w.WriteHeader(f.Status)
	_, _ = w.Write([]byte(htmlErrorPage(f.Status)))
}
