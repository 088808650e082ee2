package nd

import (
	"math"
	"testing"

	"github.com/mxgo/mxgo/internal/testutil"
)

// createAllocs counts the allocations of one call of mk, the least of a
// few testing.AllocsPerRun counts. The arrays made stay reachable while
// counting and are released after, and the pool is first filled with
// chunks of their size: what is counted is the creation, not the pool
// growing or the finalizers of dropped arrays (whose release allocates on
// their own goroutine). Earlier tests' garbage may still be released
// during a count, hence the least of a few.
func createAllocs(mk func() *NDArray) float64 {
	const runs = 50
	keep := make([]*NDArray, 0, runs+1)
	release := func() {
		ReleaseTemporaries(keep, nil)
		_ = WaitAll()
		clear(keep)
		keep = keep[:0]
	}
	count := func() float64 {
		for range runs + 1 {
			keep = append(keep, mk())
		}
		release()
		n := testing.AllocsPerRun(runs, func() { keep = append(keep, mk()) })
		release()
		return n
	}
	return testutil.AllocsSettled(count)
}

// Creating an array of a known shape, dtype and device costs the array
// alone: options are values, the shape lives in the array's allocation,
// and Zeros/Ones reuse their boxed attributes. A shape longer than
// inlineDims costs a copy of its own. A pooled array (1 KiB and above)
// costs 4: its header with the storage, its variable with the shape
// (apart, so that neither keeps the chunk alive), and the two that
// runtime.AddCleanup makes for its cleanup.
func TestCreateAllocs(t *testing.T) {
	if kernelAllocsRace || testing.CoverMode() != "" {
		t.Skip("allocation counts differ under -race and coverage")
	}
	a := Array([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	big := Zeros(Shape{32, 32})
	cases := []struct {
		name string
		make func() *NDArray
		want float64
	}{
		{"Empty", func() *NDArray { return Empty(Shape{2, 3}) }, 1},
		{"Empty/options", func() *NDArray { return Empty(Shape{2, 3}, OfType(Float64), On(CPU())) }, 1},
		{"Empty/scalar", func() *NDArray { return Empty(Shape{}) }, 1},
		{"Empty/size0", func() *NDArray { return Empty(Shape{0, 5}) }, 1},
		{"Empty/4dims", func() *NDArray { return Empty(Shape{1, 2, 3, 4}, OfType(Uint8)) }, 1},
		{"Empty/5dims", func() *NDArray { return Empty(Shape{1, 1, 2, 3, 4}) }, 2},
		{"Empty/pooled", func() *NDArray { return Empty(Shape{32, 32}) }, 4},
		{"EmptyLike", func() *NDArray { return EmptyLike(a) }, 1},
		{"Zeros", func() *NDArray { return Zeros(Shape{2, 3}) }, 1},
		{"Ones/float64", func() *NDArray { return Ones(Shape{2, 3}, OfType(Float64)) }, 1},
		{"ZerosLike", func() *NDArray { return ZerosLike(a) }, 1},
		{"ZerosLike/pooled", func() *NDArray { return ZerosLike(big) }, 4},
		// Any other value boxes its attributes.
		{"Full", func() *NDArray { return Full(Shape{2, 3}, 2.5) }, 2},
		{"newArray", func() *NDArray { return newArray(a.shape, Int32, CPU()) }, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.make().WaitToRead(); err != nil {
				t.Fatal(err)
			}
			if n := createAllocs(c.make); n > c.want {
				t.Errorf("%v allocations, want %v", n, c.want)
			}
		})
	}
}

// An array's shape is its own copy, never the caller's slice nor another
// array's (which would keep that array's memory alive), and it leaves no
// room to append into the array's allocation.
func TestArrayShapeIsOwn(t *testing.T) {
	for _, n := range []int{6, 4096} { // small and pooled
		src := Shape{2, n / 2}
		a := Empty(src)
		src[0] = 7
		if !a.Shape().Equal(Shape{2, n / 2}) {
			t.Fatalf("%d elements: shape %v changed with the caller's slice", n, a.Shape())
		}
		b := newArray(a.shape, Float32, CPU())
		if &b.shape[0] == &a.shape[0] {
			t.Fatalf("%d elements: output shares its input's shape", n)
		}
		if cap(b.shape) != len(b.shape) {
			t.Fatalf("%d elements: shape capacity %d, length %d", n, cap(b.shape), len(b.shape))
		}
		c := a.Neg() // the elementwise fast path passes the input's shape
		if &c.shape[0] == &a.shape[0] {
			t.Fatalf("%d elements: Neg's output shares its input's shape", n)
		}
	}
	if s := Empty(nil).Shape(); s != nil {
		t.Fatalf("Empty(nil) shape %#v, want nil", s)
	}
	if s := Empty(Shape{}).Shape(); s == nil || len(s) != 0 {
		t.Fatalf("Empty(()) shape %#v, want empty and non-nil", s)
	}
	long := Shape{1, 2, 1, 2, 1, 2}
	l := Empty(long)
	long[1] = 9
	if !l.Shape().Equal(Shape{1, 2, 1, 2, 1, 2}) {
		t.Fatalf("6-dim shape %v changed with the caller's slice", l.Shape())
	}
}

// Options apply in order: later ones win, and the zero Option changes
// nothing.
func TestOptionsApplyInOrder(t *testing.T) {
	a := Empty(Shape{2}, OfType(Int32), Option{}, OfType(Float64), On(CPU()))
	if a.DType() != Float64 || a.Device() != CPU() {
		t.Fatalf("got %v on %v, want float64 on cpu", a.DType(), a.Device())
	}
	z := ZerosLike(a, OfType(Int64))
	if z.DType() != Int64 || !z.Shape().Equal(Shape{2}) {
		t.Fatalf("ZerosLike with OfType(int64): %v %v", z.DType(), z.Shape())
	}
	if got := Full(Shape{3}, math.Copysign(0, -1), OfType(Float64)).Float64s(); !(got[0] == 0 && 1/got[0] < 0) {
		t.Fatalf("Full(-0) gave %v, want -0", got)
	}
	if got := Ones(Shape{2}, OfType(Int32)).Int64s(); got[0] != 1 || got[1] != 1 {
		t.Fatalf("Ones int32 = %v", got)
	}
}
