package nd

// GradReq says how backward writes a leaf's gradient (MXNet's grad_req).
type GradReq int

const (
	GradWrite GradReq = iota // overwrite the gradient buffer ("write")
	GradAdd                  // accumulate into it ("add")
	GradNull                 // no gradient ("null")
)

func (r GradReq) String() string {
	return [...]string{"write", "add", "null"}[r]
}

// AGEntry links an array to the autograd graph. It is owned by package
// autograd; nd only carries it.
type AGEntry struct {
	Node    any      // the recorded node that produced the array; nil for leaves
	Index   int      // which output of Node
	Grad    *NDArray // gradient buffer of a leaf marked with AttachGrad
	GradReq GradReq
	Leaf    bool // marked by AttachGrad
}

// Tracked reports whether an array with entry e takes part in the autograd
// graph: the output of a recorded op, or a leaf whose gradient is wanted.
// A nil entry is not tracked.
func (e *AGEntry) Tracked() bool {
	return e != nil && (e.Node != nil || (e.Leaf && e.GradReq != GradNull))
}

// AG returns a's autograd entry, nil if a is not part of a graph.
func (a *NDArray) AG() *AGEntry { return a.ag }

// SetAG sets a's autograd entry (for package autograd).
func (a *NDArray) SetAG(e *AGEntry) { a.ag = e }

// Grad returns the gradient buffer attached with autograd.AttachGrad, or nil.
func (a *NDArray) Grad() *NDArray {
	if a.ag == nil {
		return nil
	}
	return a.ag.Grad
}

// AttachGrad allocates a zero gradient buffer for a and marks it as a leaf
// whose gradient autograd computes (MXNet's attach_grad). req defaults to
// GradWrite. It returns a for chaining.
func (a *NDArray) AttachGrad(req ...GradReq) *NDArray {
	r := GradWrite
	if len(req) > 0 {
		r = req[0]
	}
	e := &AGEntry{Leaf: true, GradReq: r}
	if r != GradNull {
		e.Grad = ZerosLike(a)
	}
	a.ag = e
	return a
}
