package action

import (
	"cmp"
	"strconv"
	"strings"

	"github.com/lukhas/notion-sync-action/internal/report"
)

// AnnotateFailures annotates each module of the plan that failed at its
// manifest (file, line, column, as the plan row keeps them): as an error, or as
// a warning when the run does not fail on errors. The annotation shows where,
// so its message drops the location the error text starts with.
func (r *Runner) AnnotateFailures(p report.Plan, asError bool) {
	for _, c := range p.Changes {
		if c.Action != report.ActionError {
			continue
		}
		an := Annotation{File: c.Path, Line: c.Line, Col: c.Column,
			Title: "Notion sync failed: " + cmp.Or(c.Module, c.Path), Message: c.Error}
		where := c.Path
		if c.Line > 0 {
			where += ":" + strconv.Itoa(c.Line)
			if c.Column > 0 {
				where += ":" + strconv.Itoa(c.Column)
			}
		}
		if rest, ok := strings.CutPrefix(c.Error, where+": "); ok && c.Path != "" {
			an.Message = rest
		}
		if asError {
			r.Error(an)
		} else {
			r.Warning(an)
		}
	}
}
