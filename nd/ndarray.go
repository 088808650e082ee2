package nd

import (
	"fmt"
	"runtime"
	"strings"
	"unsafe"

	"github.com/mxgo/mxgo/engine"
)

// NDArray is an n-dimensional array on a device. Operations on it are pushed
// to the engine and run asynchronously; reading its values waits for them.
//
// Several NDArrays may view one storage (basic slicing, Reshape): a view has
// its own shape, offset and strides.
type NDArray struct {
	shape   Shape
	dtype   DType
	st      *storage
	offset  int   // first element, in elements of dtype
	strides []int // element strides; nil when C-contiguous
	ag      *AGEntry
	trace   any // graph entry of a traced placeholder
}

// storage is one chunk of device memory with its engine variable. Views
// share it; when the last one is collected the chunk goes back to the pool
// after every pending operation on it.
type storage struct {
	dev   Device
	chunk *engine.Chunk // pooled memory; nil for small host arrays and size 0
	small []byte        // Go-heap memory of small host arrays
	v     *engine.Var   // points at vbuf, or its own Var for pooled chunks
	eng   engine.Engine
	vbuf  engine.Var
	// traced marks a placeholder made while tracing: it has no memory.
	traced bool
	// cleanup returns chunk to the pool when the storage is collected;
	// Release stops it and frees the chunk early (released is then set).
	cleanup  runtime.Cleanup
	released bool
}

// smallArrayBytes is the size under which host arrays take plain Go memory:
// the Go allocator is faster than the pool for them and the collector frees
// them without a cleanup, which keeps tiny eager ops cheap. The pool's
// counters therefore cover arrays of this size and above.
const smallArrayBytes = 1024

// inlineDims is how many dimensions an array keeps in its own allocation:
// shapes up to this long cost no allocation of their own.
const inlineDims = 4

// ownShape copies shape into dims. shape has at most inlineDims
// dimensions; a nil shape stays nil (a scalar's () stays non-nil).
func ownShape(shape Shape, dims *[inlineDims]int) Shape {
	if shape == nil {
		return nil
	}
	n := copy(dims[:], shape)
	return dims[:n:n] // no room to append into the rest of the allocation
}

// newArray allocates an uninitialized contiguous array. A shape of up to
// inlineDims dimensions is copied into the array, so that its shape is its
// own (sharing another array's would keep that array's memory alive); a
// longer one is kept, so the caller must own it (newArrayCopy copies it).
func newArray(shape Shape, dtype DType, dev Device) *NDArray {
	a := allocArray(shape, dtype, dev)
	if len(shape) > inlineDims {
		a.shape = shape
	}
	return a
}

// newArrayCopy is newArray for a shape the caller keeps. It keeps no
// reference to shape, so a caller's literal stays on its stack.
func newArrayCopy(shape Shape, dtype DType, dev Device) *NDArray {
	a := allocArray(shape, dtype, dev)
	if len(shape) > inlineDims {
		a.shape = shape.Clone()
	}
	return a
}

// allocArray allocates an array for shape, dtype and dev, copying a shape
// of up to inlineDims dimensions and leaving a longer one to its caller.
// It keeps no reference to shape.
func allocArray(shape Shape, dtype DType, dev Device) *NDArray {
	size := 1
	for _, d := range shape {
		if d < 0 {
			panicf("", "negative dimension in shape %v", shape.Clone())
		}
		size *= d
	}
	es := elemSize(dtype)
	if es == 0 {
		panicf("", "invalid dtype %v", dtype)
	}
	if len(shape) > inlineDims {
		shape = nil // the caller sets it
	}
	nbytes := size * es
	switch {
	case nbytes == 0:
		return initSmallArray(new(smallArray[[0]uint64]), shape, dtype, dev, 0)
	case nbytes < smallArrayBytes && isHost(dev):
		return newSmallArray(shape, dtype, dev, nbytes)
	}
	return newPooledArray(shape, dtype, dev, nbytes)
}

// pooledArray is an array over pool memory and its storage in one
// allocation. The storage's cleanup is attached to it, so it returns the
// chunk once neither the array nor any view of its storage is reachable.
//
// A cleanup rather than a finalizer: a finalizer never runs on an object
// that its own referents lead back to, and an array recorded by autograd
// is in such a cycle (its graph entry's node lists it) until its graph is
// freed, which a graph never backpropagated never is.
type pooledArray struct {
	a  NDArray
	st storage
}

// pooledVar is a pooled array's engine variable and shape. The cleanup's
// argument must not point into the pooledArray (or it would never be
// collected), and neither must the shape (a caller keeping the shape
// would keep the chunk), so they share this second allocation.
type pooledVar struct {
	v    engine.Var
	dims [inlineDims]int
}

type chunkRelease struct {
	eng   engine.Engine
	v     *engine.Var
	chunk *engine.Chunk
}

func releaseChunk(r chunkRelease) { engine.FreeAfter(r.eng, r.v, r.chunk) }

// newPooledArray allocates an array of nbytes (above 0) from the pool.
// Besides the two allocations here, runtime.AddCleanup makes two (its
// argument's box and the call of the generic cleanup).
func newPooledArray(shape Shape, dtype DType, dev Device, nbytes int) *NDArray {
	p := new(pooledArray)
	pv := new(pooledVar)
	st := &p.st
	st.dev, st.eng, st.v = dev, engine.Default(), &pv.v
	st.chunk = engine.Alloc(dev, nbytes)
	st.cleanup = runtime.AddCleanup(p, releaseChunk, chunkRelease{st.eng, st.v, st.chunk})
	p.a.shape, p.a.dtype, p.a.st = ownShape(shape, &pv.dims), dtype, st
	return &p.a
}

// mem returns the whole host memory of the storage.
func (st *storage) mem() []byte {
	if st.released {
		panicf("", "the array's memory was released (nd.ReleaseTemporaries) and it cannot be used any more")
	}
	if st.chunk != nil {
		return st.chunk.Bytes()
	}
	return st.small
}

// smallArray is a small host array, its storage, its shape and its memory
// in one allocation: they need no cleanup and die together, and one
// allocation is most of what a tiny eager op costs. W is a [n]uint64
// (8-byte elements need 8-byte alignment); [0]uint64 for arrays of no
// elements on any device.
type smallArray[W any] struct {
	a    NDArray
	st   storage
	dims [inlineDims]int
	data W
}

// smallHeader is the size of a smallArray without its data. The word
// counts smallW* fill Go's allocation size classes (256, 288, 320, ...
// bytes) for it, so an array wastes at most a few words whatever the
// header's size.
const (
	smallHeader = int(unsafe.Sizeof(smallArray[[0]uint64]{}))
	smallW1     = max(1, (256-smallHeader)/8)
	smallW2     = max(smallW1, (288-smallHeader)/8)
	smallW3     = max(smallW2, (320-smallHeader)/8)
	smallW4     = max(smallW3, (384-smallHeader)/8)
	smallW5     = max(smallW4, (448-smallHeader)/8)
	smallW6     = max(smallW5, (512-smallHeader)/8)
	smallW7     = max(smallW6, (640-smallHeader)/8)
	smallW8     = max(smallW7, (768-smallHeader)/8)
	smallW9     = max(smallW8, (1024-smallHeader)/8)
	smallWMax   = (smallArrayBytes + 7) / 8
)

// newSmallArray allocates a smallArray for nbytes (below smallArrayBytes).
func newSmallArray(shape Shape, dtype DType, dev Device, nbytes int) *NDArray {
	switch w := (nbytes + 7) / 8; {
	case w <= smallW1:
		return initSmallArray(new(smallArray[[smallW1]uint64]), shape, dtype, dev, nbytes)
	case w <= smallW2:
		return initSmallArray(new(smallArray[[smallW2]uint64]), shape, dtype, dev, nbytes)
	case w <= smallW3:
		return initSmallArray(new(smallArray[[smallW3]uint64]), shape, dtype, dev, nbytes)
	case w <= smallW4:
		return initSmallArray(new(smallArray[[smallW4]uint64]), shape, dtype, dev, nbytes)
	case w <= smallW5:
		return initSmallArray(new(smallArray[[smallW5]uint64]), shape, dtype, dev, nbytes)
	case w <= smallW6:
		return initSmallArray(new(smallArray[[smallW6]uint64]), shape, dtype, dev, nbytes)
	case w <= smallW7:
		return initSmallArray(new(smallArray[[smallW7]uint64]), shape, dtype, dev, nbytes)
	case w <= smallW8:
		return initSmallArray(new(smallArray[[smallW8]uint64]), shape, dtype, dev, nbytes)
	case w <= smallW9:
		return initSmallArray(new(smallArray[[smallW9]uint64]), shape, dtype, dev, nbytes)
	default:
		return initSmallArray(new(smallArray[[smallWMax]uint64]), shape, dtype, dev, nbytes)
	}
}

func initSmallArray[W any](s *smallArray[W], shape Shape, dtype DType, dev Device, nbytes int) *NDArray {
	s.st.dev, s.st.eng = dev, engine.Default()
	s.st.v = &s.st.vbuf
	if nbytes > 0 {
		s.st.small = unsafe.Slice((*byte)(unsafe.Pointer(&s.data)), nbytes)
	}
	s.a.shape, s.a.dtype, s.a.st = ownShape(shape, &s.dims), dtype, &s.st
	return &s.a
}

// dtypeSizes holds dtypeInfo's element sizes by type flag (0 for unknown
// flags): every op reads them, and indexing is cheaper than a map lookup.
var dtypeSizes = func() (t [16]int) {
	for d, info := range dtypeInfo {
		if d >= 0 && int(d) < len(t) {
			t[d] = info.size
		}
	}
	return t
}()

// elemSize is DType.Size without the map lookup; 0 for an invalid dtype.
func elemSize(t DType) int {
	if uint32(t) < uint32(len(dtypeSizes)) {
		return dtypeSizes[t]
	}
	return 0
}

// Shape returns the array's dimensions. The caller must not modify it.
func (a *NDArray) Shape() Shape { return a.shape }

// Ndim is the number of dimensions.
func (a *NDArray) Ndim() int { return len(a.shape) }

// Size is the number of elements.
func (a *NDArray) Size() int { return a.shape.Size() }

// DType returns the element type.
func (a *NDArray) DType() DType { return a.dtype }

// Device returns where the array lives.
func (a *NDArray) Device() Device { return a.st.dev }

// Var returns the engine variable guarding the array's storage.
func (a *NDArray) Var() *engine.Var { return a.st.v }

// IsContiguous reports whether the elements are laid out in C order without gaps.
func (a *NDArray) IsContiguous() bool { return a.strides == nil }

// SharesStorage reports whether a and b view the same memory.
func (a *NDArray) SharesStorage(b *NDArray) bool { return a.st == b.st }

// WaitToRead blocks until every pending write to the array is done and
// returns the error of a failed operation that produced it.
func (a *NDArray) WaitToRead() error {
	if a.st.traced {
		return tracedReadError("WaitToRead")
	}
	return a.st.eng.WaitForVar(a.st.v)
}

// WaitAll waits for all pending operations and returns every error since
// the previous call.
func WaitAll() error { return engine.Default().WaitAll() }

// bytes returns the host bytes of a contiguous array (no waiting).
func (a *NDArray) bytes() []byte {
	m := a.st.mem()
	if m == nil {
		return nil
	}
	es := elemSize(a.dtype)
	return m[a.offset*es : (a.offset+a.Size())*es]
}

// blob is the kernel's view of a.
func (a *NDArray) blob() Blob {
	var b Blob
	a.fillBlob(&b)
	return b
}

// fillBlob writes the kernel's view of a into b field by field: for a push
// record on the heap this costs far less than building a Blob and copying it.
func (a *NDArray) fillBlob(b *Blob) {
	es := elemSize(a.dtype)
	st := a.st
	off := a.offset * es
	b.Shape, b.DType, b.Dev, b.Chunk, b.Offset, b.Strides = a.shape, a.dtype, st.dev, st.chunk, off, a.strides
	b.Data = nil
	if m := st.mem(); m != nil && isHost(st.dev) {
		if a.strides == nil {
			b.Data = m[off : off+a.shape.Size()*es]
		} else {
			b.Data = m[off:]
		}
	}
}

// hostBytes waits for the array and returns a contiguous host copy-free view
// of its bytes (copying from a device or a strided view when needed).
func (a *NDArray) hostBytes(op string) []byte {
	if a.st.traced {
		panic(tracedReadError(op))
	}
	c := a
	if !c.IsContiguous() {
		c = c.Copy()
	}
	if !isHost(c.st.dev) {
		c = c.CopyTo(CPU())
	}
	if err := c.WaitToRead(); err != nil {
		panic(&Error{Op: op, Msg: err.Error()})
	}
	return c.bytes()
}

// Float32s returns a copy of the values converted to float32, waiting for
// pending writes. It panics with an *Error if the operation that produced the
// array failed; use Values for an error instead.
func (a *NDArray) Float32s() []float32 {
	if a.dtype == Float32 {
		b := a.hostBytes("Float32s")
		return append([]float32(nil), unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/4)...)
	}
	return a.AsType(Float32).Float32s()
}

// Float64s returns a copy of the values converted to float64.
func (a *NDArray) Float64s() []float64 {
	if a.dtype == Float64 {
		b := a.hostBytes("Float64s")
		return append([]float64(nil), unsafe.Slice((*float64)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/8)...)
	}
	return a.AsType(Float64).Float64s()
}

// Int64s returns a copy of the values converted to int64.
func (a *NDArray) Int64s() []int64 {
	if a.dtype == Int64 {
		b := a.hostBytes("Int64s")
		return append([]int64(nil), unsafe.Slice((*int64)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/8)...)
	}
	return a.AsType(Int64).Int64s()
}

// ToSlice waits for the array and returns its values as a flat Go slice of
// the matching type ([]float32, []float64, []int32, []int64, []uint8,
// []int8, []bool, []uint16 for float16/bfloat16 bits, ...).
func (a *NDArray) ToSlice() (out any, err error) {
	err = Try(func() {
		b := a.hostBytes("ToSlice")
		out = bytesToSlice(a.dtype, b)
	})
	return out, err
}

// Values is ToSlice as []float64 for any dtype, with an error instead of a panic.
func (a *NDArray) Values() (v []float64, err error) {
	err = Try(func() { v = a.Float64s() })
	return v, err
}

// Scalar returns the single value of a one-element array as float64.
func (a *NDArray) Scalar() float64 {
	if a.Size() != 1 {
		panicf("Scalar", "array of shape %v has %d elements, want 1", a.shape, a.Size())
	}
	return a.Float64s()[0]
}

func (a *NDArray) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n")
	vals, err := a.Values()
	if err != nil {
		return fmt.Sprintf("<NDArray %v @%v: %v>", a.shape, a.Device(), err)
	}
	formatValues(&b, a.shape, vals, a.dtype)
	fmt.Fprintf(&b, "\n<NDArray %v @%v %v>", formatShape(a.shape), a.Device(), a.dtype)
	return b.String()
}

func formatShape(s Shape) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return strings.Join(parts, "x")
}

func formatValues(b *strings.Builder, shape Shape, v []float64, t DType) {
	if len(shape) == 0 {
		fmt.Fprintf(b, "%s", formatElem(v[0], t))
		return
	}
	b.WriteByte('[')
	if len(shape) == 1 {
		idx := make([]int, 0, len(v))
		for i := range v {
			if len(v) > 12 && i >= 6 && i < len(v)-3 {
				if i == 6 {
					idx = append(idx, -1)
				}
				continue
			}
			idx = append(idx, i)
		}
		for j, i := range idx {
			if j > 0 {
				b.WriteByte(' ')
			}
			if i < 0 {
				b.WriteString("...")
				continue
			}
			b.WriteString(formatElem(v[i], t))
		}
	} else {
		inner := Shape(shape[1:]).Size()
		for i := 0; i < shape[0]; i++ {
			if i > 0 {
				b.WriteString("\n ")
			}
			formatValues(b, shape[1:], v[i*inner:(i+1)*inner], t)
		}
	}
	b.WriteByte(']')
}

func formatElem(x float64, t DType) string {
	if t.IsFloat() {
		return fmt.Sprintf("%.6g", x)
	}
	if t == Bool {
		if x != 0 {
			return "1"
		}
		return "0"
	}
	return fmt.Sprintf("%d", int64(x))
}
