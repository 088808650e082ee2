package nd

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/mxgo/mxgo/engine"
)

// Option sets the dtype or device of a new array (OfType, On). The zero
// Option changes nothing.
//
// Options are plain values rather than functions: applying them then
// allocates nothing, which keeps array creation to the array itself.
type Option struct {
	dtype   DType
	dev     Device
	setType bool
	setDev  bool
}

type createOpts struct {
	dtype DType
	dev   Device
	set   bool // dtype given explicitly
}

// OfType makes a new array of dtype t (default float32).
func OfType(t DType) Option { return Option{dtype: t, setType: true} }

// On places a new array on device d (default DefaultDevice()).
func On(d Device) Option { return Option{dev: d, setDev: true} }

func applyOpts(def DType, opts []Option) createOpts {
	return createOpts{dtype: def, dev: DefaultDevice()}.apply(opts)
}

// apply overrides o's fields with those opts set, later options winning.
func (o createOpts) apply(opts []Option) createOpts {
	for i := range opts {
		f := &opts[i]
		if f.setType {
			o.dtype, o.set = f.dtype, true
		}
		if f.setDev {
			o.dev = f.dev
		}
	}
	return o
}

// Empty returns an uninitialized array.
func Empty(shape Shape, opts ...Option) *NDArray {
	o := applyOpts(Float32, opts)
	checkDevice("Empty", o.dev)
	return newArrayCopy(shape, o.dtype, o.dev)
}

// FullAttrs are the attributes of _full (and of _zeros/_ones through it).
type FullAttrs struct {
	Shape Shape   `mx:"shape"`
	DType DType   `mx:"dtype"`
	Value float64 `mx:"value"`
}

var opFull, opArange *OpDef

func init() {
	opFull = RegisterOp(&OpDef{
		Name:       "_full",
		Attrs:      FullAttrs{},
		NumInputs:  0,
		InferShape: func(a any, _ []Shape) ([]Shape, error) { return []Shape{a.(FullAttrs).Shape}, nil },
		InferType:  func(a any, _ []DType) ([]DType, error) { return []DType{a.(FullAttrs).DType}, nil },
		Kernels: map[engine.DeviceType]Kernel{engine.CPU: func(k *KernelArgs) error {
			fillBlob(k.Out[0], k.Attrs.(FullAttrs).Value)
			return nil
		}},
	})
}

// create runs a zero-input op into a new array on the given device.
func create(op *OpDef, attrs any, shape Shape, o createOpts) *NDArray {
	checkDevice(op.Name, o.dev)
	out := newArray(shape, o.dtype, o.dev)
	if out.Size() > 0 {
		var outs [1]*NDArray // run keeps no reference to it
		outs[0] = out
		run(op, attrs, nil, outs[:])
	}
	return out
}

// Full returns an array with every element set to v.
func Full(shape Shape, v float64, opts ...Option) *NDArray {
	return fullOf(shape, v, applyOpts(Float32, opts))
}

// fullOf is Full with options applied.
func fullOf(shape Shape, v float64, o createOpts) *NDArray {
	checkDevice(opFull.Name, o.dev)
	out := newArrayCopy(shape, o.dtype, o.dev)
	if out.Size() > 0 {
		var outs [1]*NDArray
		outs[0] = out
		// The attributes carry the array's own shape: the kernel reads only
		// the value, and the array keeps the shape for as long as it runs.
		run(opFull, fullAttrs(out.shape, o.dtype, v), nil, outs[:])
	}
	return out
}

// fullBoxed holds boxed FullAttrs of zeros and ones without a shape, per
// dtype: the kernel reads only the value, and boxing a fresh FullAttrs
// for every Zeros would cost an allocation.
var fullBoxed = func() (t [2][len(sameTypeOut)]any) {
	for v := range t {
		for d := range t[v] {
			t[v][d] = FullAttrs{DType: DType(d), Value: float64(v)}
		}
	}
	return t
}()

// fullAttrs boxes the attributes of a _full call.
func fullAttrs(shape Shape, t DType, v float64) any {
	if (v == 0 && !math.Signbit(v) || v == 1) && uint(t) < uint(len(fullBoxed[0])) {
		return fullBoxed[int(v)][t]
	}
	return FullAttrs{Shape: shape, DType: t, Value: v}
}

// Zeros returns an array of zeros.
func Zeros(shape Shape, opts ...Option) *NDArray { return Full(shape, 0, opts...) }

// Ones returns an array of ones.
func Ones(shape Shape, opts ...Option) *NDArray { return Full(shape, 1, opts...) }

// likeOpts is a's dtype and device overridden by opts.
func likeOpts(a *NDArray, opts []Option) createOpts {
	return createOpts{dtype: a.dtype, dev: a.st.dev, set: true}.apply(opts)
}

// ZerosLike returns zeros with a's shape, dtype and device.
func ZerosLike(a *NDArray, opts ...Option) *NDArray { return fullOf(a.shape, 0, likeOpts(a, opts)) }

// OnesLike returns ones with a's shape, dtype and device.
func OnesLike(a *NDArray, opts ...Option) *NDArray { return fullOf(a.shape, 1, likeOpts(a, opts)) }

// FullLike returns v everywhere with a's shape, dtype and device.
func FullLike(a *NDArray, v float64, opts ...Option) *NDArray {
	return fullOf(a.shape, v, likeOpts(a, opts))
}

// EmptyLike returns an uninitialized array with a's shape, dtype and device.
func EmptyLike(a *NDArray, opts ...Option) *NDArray {
	o := likeOpts(a, opts)
	checkDevice("Empty", o.dev)
	return newArrayCopy(a.shape, o.dtype, o.dev)
}

func fillBlob(b Blob, v float64) {
	n := b.Shape.Size()
	if n == 0 {
		return
	}
	switch b.DType {
	case Float32:
		fillSlice(b.F32(), float32(v))
	case Float64:
		fillSlice(b.F64(), v)
	default:
		var buf [convertChunk]float64
		fillSlice(buf[:], v)
		for lo := 0; lo < n; lo += convertChunk {
			hi := min(lo+convertChunk, n)
			storeF64(b, lo, buf[:hi-lo])
		}
	}
}

func fillSlice[T any](s []T, v T) {
	for i := range s {
		s[i] = v
	}
}

// Array copies a Go slice into a new array on the default device. data may be
// []float32, []float64, []int32, []int64, []int, []uint8, []int8, []bool, or a
// single float32/float64/int value (a scalar). shape defaults to (len(data),);
// its product must equal the number of values. Options may change the
// device or convert to another dtype. []int becomes int64, like NumPy.
func Array(data any, shape ...int) *NDArray { return ArrayOf(data, Shape(shape)) }

// ArrayOf is Array with options.
func ArrayOf(data any, shape Shape, opts ...Option) *NDArray {
	var t DType
	var raw []byte
	n := 0
	scalar := false
	switch d := data.(type) {
	case []float32:
		t, raw, n = Float32, sliceBytes(d), len(d)
	case []float64:
		t, raw, n = Float64, sliceBytes(d), len(d)
	case []int32:
		t, raw, n = Int32, sliceBytes(d), len(d)
	case []int64:
		t, raw, n = Int64, sliceBytes(d), len(d)
	case []int:
		v := make([]int64, len(d))
		for i, x := range d {
			v[i] = int64(x)
		}
		t, raw, n = Int64, sliceBytes(v), len(v)
	case []uint8:
		t, raw, n = Uint8, d, len(d)
	case []int8:
		t, raw, n = Int8, sliceBytes(d), len(d)
	case []bool:
		v := make([]byte, len(d))
		for i, x := range d {
			if x {
				v[i] = 1
			}
		}
		t, raw, n = Bool, v, len(v)
	case float32:
		t, raw, n, scalar = Float32, sliceBytes([]float32{d}), 1, true
	case float64:
		t, raw, n, scalar = Float64, sliceBytes([]float64{d}), 1, true
	case int:
		t, raw, n, scalar = Int64, sliceBytes([]int64{int64(d)}), 1, true
	default:
		panic(&Error{Op: "Array", Msg: fmt.Sprintf("unsupported data type %T", data)})
	}
	if shape == nil && !scalar {
		shape = Shape{n}
	}
	if shape.Size() != n {
		panicf("Array", "%d values do not fill shape %v", n, shape.Clone())
	}
	o := applyOpts(t, opts)
	host := newArrayCopy(shape, t, CPU())
	copy(host.bytes(), raw)
	out := host
	if o.dtype != t {
		out = out.AsType(o.dtype)
	}
	if o.dev != out.st.dev {
		out = out.CopyTo(o.dev)
	}
	return out
}

func sliceBytes[T any](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	var z T
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s)*int(unsafe.Sizeof(z)))
}

// ArangeAttrs are the attributes of _arange.
type ArangeAttrs struct {
	Start  float64 `mx:"start"`
	Stop   float64 `mx:"stop"`
	Step   float64 `mx:"step"`
	Repeat int     `mx:"repeat"`
	DType  DType   `mx:"dtype"`
}

func init() {
	opArange = RegisterOp(&OpDef{
		Name:      "_arange",
		Attrs:     ArangeAttrs{},
		NumInputs: 0,
		InferShape: func(a any, _ []Shape) ([]Shape, error) {
			at := a.(ArangeAttrs)
			return []Shape{{arangeLen(at) * max(at.Repeat, 1)}}, nil
		},
		InferType: func(a any, _ []DType) ([]DType, error) { return []DType{a.(ArangeAttrs).DType}, nil },
		Kernels: map[engine.DeviceType]Kernel{engine.CPU: func(k *KernelArgs) error {
			at := k.Attrs.(ArangeAttrs)
			rep := max(at.Repeat, 1)
			n := arangeLen(at)
			vals := make([]float64, n*rep)
			for i := 0; i < n; i++ {
				for r := 0; r < rep; r++ {
					vals[i*rep+r] = at.Start + float64(i)*at.Step
				}
			}
			storeF64(k.Out[0], 0, vals)
			return nil
		}},
	})
}

func arangeLen(a ArangeAttrs) int {
	if a.Step == 0 {
		return 0
	}
	n := math.Ceil((a.Stop - a.Start) / a.Step)
	if n < 0 || math.IsNaN(n) {
		return 0
	}
	return int(n)
}

// Arange returns evenly spaced values in [start, stop) with the given step,
// like numpy.arange. It panics if step is 0.
func Arange(start, stop, step float64, opts ...Option) *NDArray {
	if step == 0 {
		panicf("Arange", "step is 0")
	}
	o := applyOpts(Float32, opts)
	at := ArangeAttrs{Start: start, Stop: stop, Step: step, Repeat: 1, DType: o.dtype}
	return create(opArange, at, Shape{arangeLen(at)}, o)
}

// Linspace returns num evenly spaced values from start to stop (stop
// included when endpoint is true), like numpy.linspace.
func Linspace(start, stop float64, num int, endpoint bool, opts ...Option) *NDArray {
	if num < 0 {
		panicf("Linspace", "num %d < 0", num)
	}
	div := float64(num)
	if endpoint {
		div = float64(num - 1)
	}
	step := 0.0
	if div > 0 {
		step = (stop - start) / div
	}
	vals := make([]float64, num)
	for i := range vals {
		vals[i] = start + float64(i)*step
	}
	if endpoint && num > 1 {
		vals[num-1] = stop
	}
	o := applyOpts(Float32, opts)
	return ArrayOf(vals, Shape{num}, OfType(o.dtype), On(o.dev))
}

// Eye returns an n×m matrix (m = n when m is 0) with ones on diagonal k.
func Eye(n, m, k int, opts ...Option) *NDArray {
	if m == 0 {
		m = n
	}
	vals := make([]float64, n*m)
	for i := 0; i < n; i++ {
		if j := i + k; j >= 0 && j < m {
			vals[i*m+j] = 1
		}
	}
	o := applyOpts(Float32, opts)
	return ArrayOf(vals, Shape{n, m}, OfType(o.dtype), On(o.dev))
}
