package nd_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/mxgo/mxgo/engine"
	"github.com/mxgo/mxgo/internal/testutil"
	"github.com/mxgo/mxgo/nd"
)

// binaryEagerCases are eager float32 elementwise ops on rows×cols inputs:
// same shapes, a row vector broadcast over the rows (a bias over a batch),
// a column broadcast along them, and a scalar.
func binaryEagerCases(rows, cols int) []struct {
	name string
	f    func() *nd.NDArray
} {
	x := nd.RandomUniform(-1, 1, nd.Shape{rows, cols})
	y := nd.RandomUniform(-1, 1, nd.Shape{rows, cols})
	row := nd.RandomUniform(-1, 1, nd.Shape{cols})
	col := nd.RandomUniform(-1, 1, nd.Shape{rows, 1})
	for _, a := range []*nd.NDArray{x, y, row, col} {
		if err := a.WaitToRead(); err != nil { // not in the first op's time
			panic(err)
		}
	}
	return []struct {
		name string
		f    func() *nd.NDArray
	}{
		{"add", func() *nd.NDArray { return nd.Add(x, y) }},
		{"mul", func() *nd.NDArray { return nd.Mul(x, y) }},
		{"add_row", func() *nd.NDArray { return nd.Add(x, row) }},
		{"mul_col", func() *nd.NDArray { return nd.Mul(x, col) }},
		{"mul_scalar", func() *nd.NDArray { return x.MulScalar(1.5) }},
		{"rsub_scalar", func() *nd.NDArray { return x.RsubScalar(1) }},
	}
}

// binaryEagerStep runs f, waits for its result and gives its memory back,
// as a training loop's temporaries do.
func binaryEagerStep(tb testing.TB, f func() *nd.NDArray) {
	out := f()
	if err := out.WaitToRead(); err != nil {
		tb.Fatal(err)
	}
	nd.ReleaseTemporaries([]*nd.NDArray{out}, nil)
}

// A large elementwise op, split over the threads through a pooled job,
// allocates no more in steady state than a small one run inline. Both
// outputs are large enough for the array pool (its bookkeeping costs a
// few allocations that plain memory for tiny arrays does not).
func TestBinaryLargeAllocatesNoMoreThanSmall(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop records: allocation counts are meaningless")
	}
	// Start from a settled heap and an empty pool: a pool that earlier
	// tests' chunks of other sizes hold at its limit drops the large
	// output's chunk at every release, and the next op takes a fresh one.
	runtime.GC()
	runtime.GC()
	engine.ReleaseAll(engine.Device{Type: engine.CPU})
	small, large := binaryEagerCases(64, 64), binaryEagerCases(1024, 4096)
	for i := range small {
		count := func(f func() *nd.NDArray) float64 {
			step := func() { binaryEagerStep(t, f) }
			for range 5 {
				step()
			}
			return testutil.AllocsPerRunSettled(20, step)
		}
		s, l := count(small[i].f), count(large[i].f)
		if l > s {
			t.Errorf("%s: %v allocations per op on 1024×4096, %v on 64×64", small[i].name, l, s)
		}
	}
}

// BenchmarkBinaryEager times eager float32 elementwise ops, dispatch
// included: the op, WaitToRead and the output's release per iteration.
//
//	go test -run XXX -bench BinaryEager ./nd
func BenchmarkBinaryEager(b *testing.B) {
	for _, sz := range [][2]int{{256, 1024}, {1024, 4096}} {
		for _, c := range binaryEagerCases(sz[0], sz[1]) {
			b.Run(fmt.Sprintf("%s/%dx%d", c.name, sz[0], sz[1]), func(b *testing.B) {
				b.SetBytes(int64(4 * sz[0] * sz[1]))
				b.ReportAllocs()
				for b.Loop() {
					binaryEagerStep(b, c.f)
				}
			})
		}
	}
}
