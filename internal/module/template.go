package module

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"text/template"
	"text/template/parse"
	"time"
)

// The bounds of one template execution (one property of one manifest). A
// config comes with the repository, and so with a pull request: a template of
// three nested ranges over a 3,000-item list grew to 3.4 GB in 28 s. These
// make such a template fail its module, quickly, with an error that says why.
const (
	// MaxTemplateOutput caps the text one execution writes. Notion keeps at
	// most 2,000 characters of a text value and 100 options of a multi_select,
	// so 64 KiB leaves room for any template that means well.
	MaxTemplateOutput = 64 << 10
	// MaxTemplateSteps caps the worst-case number of steps (actions run, range
	// iterations counted by the size of what they range over) the template
	// could take on the value, computed before it runs.
	MaxTemplateSteps = 1_000_000
	// TemplateTimeout is the time one execution may take.
	TemplateTimeout = time.Second
)

// errTemplateBound is wrapped by every refusal of the bounds; the others
// are the two found while the template runs.
var (
	errTemplateBound  = errors.New("over the template bounds")
	errTemplateOutput = fmt.Errorf("%w: its output passed %d KiB", errTemplateBound, MaxTemplateOutput>>10)
	errTemplateTime   = fmt.Errorf("%w: it ran longer than %v", errTemplateBound, TemplateTimeout)
)

// execTemplate runs t on data within the bounds above.
//
// text/template cannot be interrupted, so three guards work together. Before
// it runs, the worst-case work is estimated from the parse tree and the size
// of data (every range counts as many iterations as data has elements, or as
// the largest integer the template names, whichever is more; nested ranges
// multiply), and a template over MaxTemplateSteps is refused: that is what
// stops a runaway range that writes nothing, which no writer can stop.
// {{template}} calls are refused too, since a template calling itself escapes
// the estimate. While it runs, its output goes to a writer that fails past
// MaxTemplateOutput, which ends the execution. And it runs on its own
// goroutine, abandoned (not waited for) when TemplateTimeout passes or ctx is
// done: given the step bound, an abandoned execution ends on its own soon
// after, so nothing keeps a process from exiting or grows without bound.
func execTemplate(ctx context.Context, t *template.Template, data any) (string, error) {
	if err := checkTemplate(t, data); err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeoutCause(ctx, TemplateTimeout, errTemplateTime)
	defer cancel()
	type result struct {
		out string
		err error
	}
	done := make(chan result, 1) // buffered: an abandoned execution still ends
	go func() {
		w := &cappedWriter{max: MaxTemplateOutput}
		err := t.Execute(w, data)
		done <- result{w.b.String(), err}
	}()
	select {
	case r := <-done:
		if errors.Is(r.err, errTemplateOutput) {
			return "", errTemplateOutput
		}
		return r.out, r.err
	case <-ctx.Done():
		return "", context.Cause(ctx)
	}
}

// cappedWriter keeps what is written up to max bytes, and fails the write
// that would pass it: text/template stops at a write error.
type cappedWriter struct {
	b   strings.Builder
	max int
}

func (w *cappedWriter) Write(p []byte) (int, error) {
	if w.b.Len()+len(p) > w.max {
		return 0, errTemplateOutput
	}
	return w.b.Write(p)
}

// checkTemplate refuses a template whose worst-case work on data passes
// MaxTemplateSteps, or that calls another template.
func checkTemplate(t *template.Template, data any) error {
	if t.Tree == nil || t.Tree.Root == nil {
		return nil
	}
	for _, other := range t.Templates() {
		if other.Name() != t.Name() && other.Tree != nil {
			return fmt.Errorf("%w: it defines other templates ({{define}} or {{block}}); write it as one template", errTemplateBound)
		}
	}
	e := estimator{n: float64(elements(data))}
	e.maxInts(t.Tree.Root)
	steps, err := e.list(t.Tree.Root)
	if err != nil {
		return err
	}
	if steps > MaxTemplateSteps {
		return fmt.Errorf("%w: it could take about %.3g steps on this value (nested ranges multiply; the limit is %d)", errTemplateBound, steps, MaxTemplateSteps)
	}
	return nil
}

// elements counts the array elements and object members in data, at every
// depth, plus one: a bound on the length of anything a range can walk.
func elements(data any) int {
	n := 1
	switch v := data.(type) {
	case []any:
		for _, x := range v {
			n += elements(x)
		}
	case map[string]any:
		for _, x := range v {
			n += elements(x)
		}
	}
	return n
}

// estimator computes a template's worst-case steps.
type estimator struct {
	n float64 // the most iterations one range over the data can take
}

// maxInts raises n to the largest integer constant in the template: a range
// over an integer iterates that many times.
func (e *estimator) maxInts(n parse.Node) {
	switch x := n.(type) {
	case *parse.NumberNode:
		if x.IsInt {
			e.n = math.Max(e.n, math.Abs(float64(x.Int64)))
		} else if x.IsUint {
			e.n = math.Max(e.n, float64(x.Uint64))
		} else if f, err := strconv.ParseFloat(x.Text, 64); err == nil {
			e.n = math.Max(e.n, math.Abs(f))
		}
	case *parse.ListNode:
		if x != nil {
			for _, c := range x.Nodes {
				e.maxInts(c)
			}
		}
	case *parse.ActionNode:
		e.maxInts(x.Pipe)
	case *parse.PipeNode:
		if x != nil {
			for _, c := range x.Cmds {
				e.maxInts(c)
			}
		}
	case *parse.CommandNode:
		for _, a := range x.Args {
			e.maxInts(a)
		}
	case *parse.IfNode:
		e.maxInts(x.Pipe)
		e.maxInts(x.List)
		e.maxInts(x.ElseList)
	case *parse.RangeNode:
		e.maxInts(x.Pipe)
		e.maxInts(x.List)
		e.maxInts(x.ElseList)
	case *parse.WithNode:
		e.maxInts(x.Pipe)
		e.maxInts(x.List)
		e.maxInts(x.ElseList)
	}
}

func (e *estimator) list(l *parse.ListNode) (float64, error) {
	if l == nil {
		return 0, nil
	}
	total := 0.0
	for _, n := range l.Nodes {
		s, err := e.node(n)
		if err != nil {
			return 0, err
		}
		total += s
	}
	return total, nil
}

func (e *estimator) node(n parse.Node) (float64, error) {
	switch x := n.(type) {
	case *parse.TemplateNode:
		return 0, fmt.Errorf("%w: it calls template %q; write it as one template", errTemplateBound, x.Name)
	case *parse.RangeNode:
		body, err := e.list(x.List)
		if err != nil {
			return 0, err
		}
		els, err := e.list(x.ElseList)
		if err != nil {
			return 0, err
		}
		return 1 + e.n*(1+body) + els, nil
	case *parse.IfNode:
		return e.branches(x.List, x.ElseList)
	case *parse.WithNode:
		return e.branches(x.List, x.ElseList)
	}
	return 1, nil
}

func (e *estimator) branches(a, b *parse.ListNode) (float64, error) {
	x, err := e.list(a)
	if err != nil {
		return 0, err
	}
	y, err := e.list(b)
	if err != nil {
		return 0, err
	}
	return 1 + x + y, nil
}
