package nd

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"sync"
	"unsafe"

	"github.com/mxgo/mxgo/engine"
)

// OpDef declares an operator once for every path that runs it: eager calls,
// autograd (Grad) and hybridized graphs (the symbol package looks ops up by
// Name and parses Attrs from strings).
type OpDef struct {
	// Name is MXNet's operator name where one exists ("elemwise_add",
	// "FullyConnected").
	Name string
	// Aliases are other names the op is known by in MXNet graphs.
	Aliases []string
	// Attrs is a zero value of the op's attribute struct (nil for none).
	// Fields carry `mx:"name"` tags with MXNet's attribute spellings, and the
	// zero value of each field is MXNet's default.
	Attrs any
	// NumInputs is the number of inputs, or -1 for a variable number.
	NumInputs int
	// NumOutputs is the number of outputs (0 means 1).
	NumOutputs int
	// SavedOutputs is how many of the last outputs hold state saved for
	// Grad rather than results (MXNet's hidden outputs, such as the RNN
	// reserve space): no gradient flows into them, so autograd passes nil
	// in their OutGrads slots instead of building arrays of zeros.
	SavedOutputs int
	// InferShape returns the output shapes for the input shapes. in is
	// valid only during the call (the results may hold its shapes, not
	// the list itself).
	InferShape func(attrs any, in []Shape) ([]Shape, error)
	// InferType returns the output types; nil means every output has the
	// first input's type.
	InferType func(attrs any, in []DType) ([]DType, error)
	// Kernels run the op per device type.
	Kernels map[engine.DeviceType]Kernel
	// Grad returns the gradient of the loss with respect to each input,
	// written with other ops (so it can be differentiated again). A nil
	// entry means no gradient flows to that input. Ops without Grad are not
	// differentiable (their outputs are constants to autograd).
	Grad func(g *GradArgs) []*NDArray
	// RNG marks ops that draw random numbers from the device's stream.
	RNG bool
	// Strided marks ops whose kernels accept strided input blobs; other
	// ops get contiguous copies of strided views.
	Strided bool

	// Resolved by RegisterOp for the eager fast path (Kernels and the
	// inference functions must not change after registration).
	hostKernel Kernel    // Kernels[engine.CPU]
	fastShape  fastShape // InferShape is one whose result needs no call
	fastType   fastType  // likewise for InferType

	// intoRule, when set, checks an InvokeInto call's operands without
	// inference (which builds its result slices on the heap): the
	// in-place update ops have one, since an optimizer step should
	// allocate nothing. It is a concrete type rather than a func value so
	// that the operand lists passed to it do not escape.
	intoRule *intoRule
}

// fastShape names the shared InferShape functions whose result invoke can
// give without calling them (and allocating the result slice).
type fastShape uint8

const (
	fastShapeNone   fastShape = iota
	fastShapeSame             // sameShape: the first input's shape
	fastShapeBinary           // binaryShape: the inputs' shape when they agree
)

// fastType is fastShape for InferType.
type fastType uint8

const (
	fastTypeNone   fastType = iota
	fastTypeFirst           // nil InferType: the first input's dtype
	fastTypeBinary          // binaryType: the inputs' dtype when they agree
)

// resolveFast fills op's fast-path fields. Shared inference functions are
// recognized by their code pointers, so ops declared with them get the fast
// path without saying so.
func (op *OpDef) resolveFast() {
	op.hostKernel = op.Kernels[engine.CPU]
	if op.numOutputs() != 1 {
		return
	}
	switch funcPC(op.InferShape) {
	case funcPC(sameShape):
		op.fastShape = fastShapeSame
	case funcPC(binaryShape):
		op.fastShape = fastShapeBinary
	}
	switch {
	case op.InferType == nil:
		op.fastType = fastTypeFirst
	case funcPC(op.InferType) == funcPC(binaryType):
		op.fastType = fastTypeBinary
	}
}

func funcPC(f any) uintptr { return reflect.ValueOf(f).Pointer() }

// Kernel computes an op's outputs from its inputs on one device type.
// Inputs and outputs are contiguous unless the op is Strided.
type Kernel func(k *KernelArgs) error

// KernelArgs is what a kernel sees.
type KernelArgs struct {
	Attrs any
	In    []Blob
	Out   []Blob
	Dev   Device
	RNG   *rand.Rand // set when OpDef.RNG
}

// GradArgs is what a gradient function sees.
type GradArgs struct {
	Attrs    any
	Inputs   []*NDArray
	Outputs  []*NDArray
	OutGrads []*NDArray // one per output: zeros where no gradient came, nil for the op's SavedOutputs
	// Into, when not nil, holds one entry per input: a contiguous buffer
	// of the input's shape, dtype and device where Grad may write that
	// input's gradient (with InvokeInto) and return the buffer itself,
	// saving the caller a copy (autograd offers the Grad buffers of
	// leaves with grad_req write). Grad may ignore it. It is nil while a
	// backward pass is itself recorded or traced.
	Into []*NDArray
}

// Blob is a kernel's raw view of an array.
type Blob struct {
	Shape   Shape
	DType   DType
	Data    []byte // host memory starting at the first element; nil off the host
	Strides []int  // element strides; nil when contiguous
	Dev     Device
	Chunk   *engine.Chunk
	Offset  int // byte offset of the first element in Chunk
}

// Elems returns a blob's host data as a typed slice. T must match the dtype's size.
func Elems[T any](b Blob) []T {
	var z T
	n := len(b.Data) / int(unsafe.Sizeof(z))
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b.Data))), n)
}

// F32 returns a float32 blob's data.
func (b Blob) F32() []float32 { return Elems[float32](b) }

// F64 returns a float64 blob's data.
func (b Blob) F64() []float64 { return Elems[float64](b) }

var (
	registryMu sync.RWMutex
	registry   = map[string]*OpDef{}
)

// RegisterOp adds op to the registry and returns it. Registering a name twice
// panics: it is a programmer error found at init.
func RegisterOp(op *OpDef) *OpDef {
	registryMu.Lock()
	defer registryMu.Unlock()
	if op.InferShape == nil {
		panic("nd: RegisterOp " + op.Name + ": InferShape is required")
	}
	for _, n := range append([]string{op.Name}, op.Aliases...) {
		if _, dup := registry[n]; dup {
			panic("nd: RegisterOp: operator " + n + " registered twice")
		}
		registry[n] = op
	}
	op.resolveFast()
	return op
}

// LookupOp finds a registered op by name or alias.
func LookupOp(name string) (*OpDef, bool) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	op, ok := registry[name]
	return op, ok
}

// OpNames lists the registered operator names (without aliases), sorted.
func OpNames() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	var names []string
	for n, op := range registry {
		if n == op.Name {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

func (op *OpDef) numOutputs() int {
	if op.NumOutputs == 0 {
		return 1
	}
	return op.NumOutputs
}

// Recorder is how package autograd sees op calls. nd calls Record after the
// outputs exist, only when Recording reports true for the calling goroutine,
// the op is differentiable (Grad is set) and at least one input is Tracked.
// in and out are valid only during the call: Record copies what it keeps.
type Recorder interface {
	Recording() bool
	Record(op *OpDef, attrs any, in, out []*NDArray)
}

var recorder Recorder

// SetRecorder installs the autograd recorder (called once by package autograd).
func SetRecorder(r Recorder) { recorder = r }

// Invoke runs op on inputs and returns its outputs. It is the one route by
// which eager calls, autograd and tracing reach kernels. It panics with an
// *Error on shape, dtype or device mistakes.
func Invoke(op *OpDef, attrs any, in ...*NDArray) []*NDArray {
	return invoke(op, attrs, in, nil)
}

// Invoke1 is Invoke for ops with one output.
func Invoke1(op *OpDef, attrs any, in ...*NDArray) *NDArray {
	var buf [1]*NDArray // stays on the stack: invoke copies what it keeps
	return invoke(op, attrs, in, buf[:0])[0]
}

// invoke is Invoke writing the outputs into outBuf when it has room. It
// keeps no reference to in or outBuf (the tape and the tracer get copies),
// so callers' slices can live on the stack.
func invoke(op *OpDef, attrs any, in []*NDArray, outBuf []*NDArray) []*NDArray {
	if op.NumInputs >= 0 && len(in) != op.NumInputs {
		panicf(op.Name, "got %d inputs, want %d", len(in), op.NumInputs)
	}
	traced := tracing()
	var dev Device
	if len(in) == 0 {
		dev = DefaultDevice()
	}
	for i, x := range in {
		if x == nil {
			panicf(op.Name, "input %d is nil", i)
		}
		if i == 0 {
			dev = x.st.dev
		} else if x.st.dev != dev {
			panicf(op.Name, "inputs on different devices: %v and %v (use CopyTo or AsIn)", dev, x.st.dev)
		}
		if x.st.traced && !traced {
			panicf(op.Name, "an input is a placeholder from a hybridized trace, used outside the trace (keep traced values inside Forward)")
		}
	}
	var out []*NDArray
	if shape, dtype, ok := fastInfer(op, in); ok && !traced {
		// The common elementwise case: nothing to infer, nothing to allocate
		// but the output.
		out = outBuf[:0]
		if cap(out) < 1 {
			out = make([]*NDArray, 0, 1)
		}
		out = append(out, newArray(shape, dtype, dev))
	} else {
		sc := inferScratchPool.Get().(*inferScratch)
		inShapes := sc.shapes(len(in))
		for i, x := range in {
			inShapes[i] = x.shape
		}
		outShapes, err := op.InferShape(attrs, inShapes)
		if err != nil {
			panic(opError(op, in, err))
		}
		var outTypes []DType
		if op.InferType == nil && len(in) > 0 && op.numOutputs() == 1 && int(in[0].dtype) < len(sameTypeOut) {
			outTypes = sameTypeOut[in[0].dtype][:] // allocates nothing
		} else {
			inTypes := sc.types(len(in))
			for i, x := range in {
				inTypes[i] = x.dtype
			}
			outTypes = inferTypes(op, attrs, inTypes)
		}
		if traced {
			// The results may alias the scratch (an InferShape may return
			// its input list): it is not recycled.
			return traceOutputs(op, attrs, clone(in), outShapes, outTypes, dev)
		}
		out = outBuf[:0]
		if cap(out) < len(outShapes) {
			out = make([]*NDArray, 0, len(outShapes))
		}
		for i := range outShapes {
			out = append(out, newArray(outShapes[i], outTypes[i], dev))
		}
		// The arrays hold their shapes now; the lists may be reused.
		sc.recycle()
	}
	run(op, attrs, in, out)
	if op.Grad != nil && recorder != nil && anyTracked(in) && recorder.Recording() {
		recordCall(op, attrs, in, out)
	}
	return out
}

// inferScratch holds the input shape and type lists handed to an op's
// inference functions, recycled through inferScratchPool: they are passed
// to functions unknown to the compiler, so lists on the stack would escape
// anyway.
type inferScratch struct {
	shapeBuf [4]Shape
	typeBuf  [4]DType
	more     []Shape
	moreT    []DType
}

var inferScratchPool = sync.Pool{New: func() any { return new(inferScratch) }}

// shapes returns n shape slots.
func (sc *inferScratch) shapes(n int) []Shape {
	if n <= len(sc.shapeBuf) {
		return sc.shapeBuf[:n]
	}
	if cap(sc.more) < n {
		sc.more = make([]Shape, n)
	}
	return sc.more[:n]
}

// types returns n dtype slots.
func (sc *inferScratch) types(n int) []DType {
	if n <= len(sc.typeBuf) {
		return sc.typeBuf[:n]
	}
	if cap(sc.moreT) < n {
		sc.moreT = make([]DType, n)
	}
	return sc.moreT[:n]
}

// recycle drops sc's references to shapes (they point into arrays) and
// returns it to the pool.
func (sc *inferScratch) recycle() {
	clear(sc.shapeBuf[:])
	clear(sc.more)
	inferScratchPool.Put(sc)
}

// recordList is the list of a recorded call's inputs then outputs that
// invoke hands to the Recorder, recycled through recordListPool: the
// caller's lists may live on its stack, and passing them to an interface
// method would move them to the heap.
type recordList struct{ io []*NDArray }

var recordListPool = sync.Pool{New: func() any { return new(recordList) }}

// recordCall hands a call to the recorder, which copies what it keeps.
func recordCall(op *OpDef, attrs any, in, out []*NDArray) {
	l := recordListPool.Get().(*recordList)
	io := append(append(l.io[:0], in...), out...)
	recorder.Record(op, attrs, io[:len(in):len(in)], io[len(in):])
	clear(io) // the pool must not keep the arrays alive
	l.io = io[:0]
	recordListPool.Put(l)
}

// fastInfer gives the output shape and dtype of a one-output op whose
// inference functions are the shared elementwise ones, without calling
// them, or reports false when they must run (to broadcast or to report
// an error).
func fastInfer(op *OpDef, in []*NDArray) (Shape, DType, bool) {
	if len(in) == 0 {
		return nil, 0, false
	}
	x := in[0]
	switch op.fastShape {
	case fastShapeSame:
	case fastShapeBinary:
		if len(in) != 2 || !x.shape.Equal(in[1].shape) {
			return nil, 0, false
		}
	default:
		return nil, 0, false
	}
	switch op.fastType {
	case fastTypeFirst:
	case fastTypeBinary:
		if len(in) != 2 || x.dtype != in[1].dtype {
			return nil, 0, false
		}
	default:
		return nil, 0, false
	}
	// Shapes are never modified in place, so the output shares the input's.
	return x.shape, x.dtype, true
}

// anyTracked reports whether an input is part of an autograd graph.
func anyTracked(in []*NDArray) bool {
	for _, x := range in {
		if x.ag.Tracked() {
			return true
		}
	}
	return false
}

func clone(a []*NDArray) []*NDArray { return append([]*NDArray(nil), a...) }

// InvokeInto runs op writing into existing arrays (which may be views) and
// is not recorded by autograd: it is for in-place updates such as optimizer
// steps and writes into slices.
//
// While tracing it does nothing: in-place updates inside a traced Forward
// (BatchNorm's moving statistics) are redone by the graph executor.
func InvokeInto(op *OpDef, attrs any, in []*NDArray, out []*NDArray) {
	if tracing() {
		return
	}
	if op.intoRule != nil && allContiguous(out) {
		op.intoRule.check(op, attrs, in, out)
		run(op, attrs, in, out)
		return
	}
	sc := inferScratchPool.Get().(*inferScratch)
	inShapes, inTypes := sc.shapes(len(in)), sc.types(len(in))
	for i, x := range in {
		inShapes[i], inTypes[i] = x.shape, x.dtype
		if x.st.dev != out[0].st.dev {
			panicf(op.Name, "input on %v, output on %v", x.st.dev, out[0].st.dev)
		}
	}
	outShapes, err := op.InferShape(attrs, inShapes)
	if err != nil {
		panic(opError(op, in, err))
	}
	outTypes := inferTypes(op, attrs, inTypes)
	if len(outShapes) != len(out) {
		panicf(op.Name, "got %d outputs, want %d", len(out), len(outShapes))
	}
	direct := true
	for i, o := range out {
		if !o.shape.Equal(outShapes[i]) || o.dtype != outTypes[i] {
			panicf(op.Name, "output %d is %v %v, op gives %v %v", i, o.shape, o.dtype, outShapes[i], outTypes[i])
		}
		if !o.IsContiguous() {
			direct = false
		}
	}
	if direct {
		sc.recycle()
		run(op, attrs, in, out)
		return
	}
	tmp := make([]*NDArray, len(out))
	for i := range out {
		tmp[i] = newArray(outShapes[i], outTypes[i], out[i].st.dev)
	}
	sc.recycle() // the arrays hold their shapes now
	run(op, attrs, in, tmp)
	for i := range out {
		copyInto(out[i], tmp[i])
	}
}

func allContiguous(a []*NDArray) bool {
	for _, x := range a {
		if x != nil && !x.IsContiguous() {
			return false
		}
	}
	return true
}

func inferTypes(op *OpDef, attrs any, in []DType) []DType {
	if op.InferType != nil {
		t, err := op.InferType(attrs, in)
		if err != nil {
			panic(&Error{Op: op.Name, Msg: err.Error()})
		}
		return t
	}
	if op.numOutputs() == 1 && len(in) > 0 && int(in[0]) < len(sameTypeOut) {
		return sameTypeOut[in[0]][:]
	}
	t := make([]DType, op.numOutputs())
	for i := range t {
		if len(in) > 0 {
			t[i] = in[0]
		} else {
			t[i] = Float32
		}
	}
	return t
}

// sameTypeOut holds read-only one-element type lists, so that the common
// "output has the input's type" case allocates nothing.
var sameTypeOut = func() (t [13][1]DType) {
	for i := range t {
		t[i][0] = DType(i)
	}
	return t
}()

func opError(op *OpDef, in []*NDArray, err error) *Error {
	shapes := make([]string, len(in))
	for i, x := range in {
		shapes[i] = x.shape.String()
	}
	if len(in) == 0 {
		return &Error{Op: op.Name, Msg: err.Error()}
	}
	return &Error{Op: op.Name, Msg: fmt.Sprintf("inputs %v: %v", shapes, err)}
}

// run pushes the kernel to the engine. Outputs are contiguous.
func run(op *OpDef, attrs any, in, out []*NDArray) {
	if len(out) == 0 {
		return
	}
	dev := out[0].st.dev
	kernel := op.hostKernel
	if dev.Type != engine.CPU || kernel == nil {
		checkDevice(op.Name, dev)
		kernel = op.Kernels[dev.Type]
		if kernel == nil && (dev.Type == engine.CPUPinned || dev.Type == engine.CPUShared) {
			kernel = op.Kernels[engine.CPU]
		}
		if kernel == nil {
			panicf(op.Name, "no kernel for device %v", dev)
		}
	}
	if !op.Strided {
		copied := false
		for i, x := range in {
			if !x.IsContiguous() {
				if !copied {
					in = append([]*NDArray(nil), in...) // the caller's slice stays as it was
					copied = true
				}
				in[i] = x.Copy()
			}
		}
	}
	// One recycled record holds the kernel's arguments and the engine's
	// variable lists for the common small op.
	p := pushedPool.Get().(*pushed)
	p.kernel = kernel
	p.args.Attrs, p.args.Dev = attrs, dev
	if p.args.RNG != nil {
		p.args.RNG = nil
	}
	p.args.In = growBlobs(p.inBuf[:], &p.inMore, len(in))
	p.args.Out = growBlobs(p.outBuf[:], &p.outMore, len(out))
	// Tiny ops may run in the pusher's goroutine: the work is tiny only
	// when every array is (a sum of a large input has a tiny output).
	small := isHost(dev)
	for i, x := range in {
		b := &p.args.In[i]
		x.fillBlob(b)
		small = small && len(b.Data) < smallArrayBytes
	}
	for i, o := range out {
		b := &p.args.Out[i]
		o.fillBlob(b)
		small = small && len(b.Data) < smallArrayBytes
	}
	p.small = small
	writes := growVars(p.writeBuf[:], &p.writeMore, len(out)+1)[:0] // +1: the RNG's
	for _, o := range out {
		writes = appendVar(writes, o.st.v)
	}
	reads := growVars(p.readBuf[:], &p.readMore, len(in))[:0]
	for _, x := range in {
		if !containsVar(writes, x.st.v) {
			reads = appendVar(reads, x.st.v)
		}
	}
	if op.RNG {
		r, v := engine.RNG(dev)
		p.args.RNG = r
		writes = append(writes, v)
	}
	out[0].st.eng.Push(engine.Op{Name: op.Name, Device: dev, Reads: reads, Writes: writes, Task: p})
}

// pushed is one kernel call waiting in the engine, recycled through
// pushedPool once the engine is done with it.
type pushed struct {
	kernel   Kernel
	args     KernelArgs
	small    bool // tiny host op: the engine may run it in the pusher's goroutine
	inBuf    [3]Blob
	outBuf   [1]Blob
	readBuf  [3]*engine.Var
	writeBuf [2]*engine.Var
	// Longer lists (multi-tensor optimizer updates), kept with the record
	// so that repeated calls allocate them once.
	inMore, outMore     []Blob
	readMore, writeMore []*engine.Var
}

// growBlobs returns n blobs: buf's when it is long enough, else *more's,
// grown when short.
func growBlobs(buf []Blob, more *[]Blob, n int) []Blob {
	if n <= len(buf) {
		return buf[:n]
	}
	if cap(*more) < n {
		*more = make([]Blob, n)
	}
	return (*more)[:n]
}

// growVars is growBlobs for variable lists.
func growVars(buf []*engine.Var, more *[]*engine.Var, n int) []*engine.Var {
	if n <= len(buf) {
		return buf[:n]
	}
	if cap(*more) < n {
		*more = make([]*engine.Var, n)
	}
	return (*more)[:n]
}

var pushedPool = sync.Pool{New: func() any { return new(pushed) }}

// Run calls the kernel (engine.Task).
func (p *pushed) Run() error { return p.kernel(&p.args) }

// Small reports whether the op is tiny (engine.SmallTask).
func (p *pushed) Small() bool { return p.small }

// Recycle returns p to the pool (engine.Recycler). Its stale references
// are overwritten by the next use rather than cleared now: clearing costs
// write barriers on every op while the collector runs, and the pool drops
// its entries within two collections, so they keep nothing alive for long.
func (p *pushed) Recycle() { pushedPool.Put(p) }

func containsVar(vs []*engine.Var, v *engine.Var) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

func appendVar(vs []*engine.Var, v *engine.Var) []*engine.Var {
	if containsVar(vs, v) {
		return vs
	}
	return append(vs, v)
}
