package nd

import (
	"fmt"
	"runtime"
	"strings"
)

// Tracer turns op calls into graph nodes instead of running them: the seam
// through which a hybridized Block's ordinary Go forward code is recorded
// as a graph (MXNet 2's deferred compute). Package gluon installs it.
//
// While Tracing reports true for the calling goroutine, Invoke infers
// output shapes and dtypes, returns placeholder arrays without storage,
// and hands the call to Trace. Placeholders can be passed to further ops
// but not read.
type Tracer interface {
	Tracing() bool
	Trace(op *OpDef, attrs any, in, out []*NDArray)
	// Where names what is being traced, for error messages ("Block LeNet").
	Where() string
}

var tracer Tracer

// SetTracer installs the tracer (called once by package gluon).
func SetTracer(t Tracer) { tracer = t }

func tracing() bool { return tracer != nil && tracer.Tracing() }

// NewTraced returns a placeholder array with a shape and dtype but no data,
// for a graph input while tracing.
func NewTraced(shape Shape, dtype DType, dev Device) *NDArray {
	st := &storage{dev: dev, traced: true}
	st.v = &st.vbuf
	return &NDArray{shape: shape.Clone(), dtype: dtype, st: st}
}

// IsTraced reports whether a is a placeholder produced while tracing.
func (a *NDArray) IsTraced() bool { return a.st.traced }

// TraceEntry returns the graph entry a tracer attached to a (nil if none).
func (a *NDArray) TraceEntry() any { return a.trace }

// SetTraceEntry attaches a tracer's graph entry to a.
func (a *NDArray) SetTraceEntry(e any) { a.trace = e }

// traceOutputs makes the placeholders for a traced call.
func traceOutputs(op *OpDef, attrs any, in []*NDArray, shapes []Shape, types []DType, dev Device) []*NDArray {
	out := make([]*NDArray, len(shapes))
	for i := range out {
		out[i] = NewTraced(shapes[i], types[i], dev)
	}
	tracer.Trace(op, attrs, in, out)
	return out
}

// tracedReadError explains why a traced value's data cannot be read, with
// the first caller outside package nd.
func tracedReadError(op string) *Error {
	where := "a hybridized Block"
	if tracer != nil {
		where = tracer.Where()
	}
	return &Error{Op: op, Msg: fmt.Sprintf("cannot read the data of a traced value inside %s's Forward%s: "+
		"hybridized code must compute with ops only. Move code that needs values (branches, printing, .Scalar()) "+
		"out of Forward, or do not Hybridize this Block", where, callerOutsideND())}
}

func callerOutsideND() string {
	pcs := make([]uintptr, 32)
	n := runtime.Callers(3, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		if !strings.Contains(f.Function, "mxgo/nd.") && !strings.Contains(f.Function, "runtime.") {
			return fmt.Sprintf(" (at %s:%d)", f.File, f.Line)
		}
		if !more {
			return ""
		}
	}
}
