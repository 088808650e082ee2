package nd

// into returns the buffer autograd offers for input i's gradient, or nil
// (see GradArgs.Into).
func (g *GradArgs) into(i int) *NDArray {
	if i < len(g.Into) {
		return g.Into[i]
	}
	return nil
}

// gradInto computes input i's gradient with op: into the offered buffer
// when there is one (saving autograd a copy of it), else into a new array.
func gradInto(g *GradArgs, i int, op *OpDef, attrs any, in ...*NDArray) *NDArray {
	if buf := g.into(i); buf != nil {
		InvokeInto(op, attrs, in, []*NDArray{buf})
		return buf
	}
	return Invoke1(op, attrs, in...)
}
