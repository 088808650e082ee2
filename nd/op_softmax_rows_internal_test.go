package nd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mxgo/mxgo/internal/testutil"
)

func sameBits(a, b float32) bool {
	return math.Float32bits(a) == math.Float32bits(b) || (a != a && b != b)
}

// within32 reports whether a and b are within ulps float32 steps of each
// other (NaN matching NaN, infinities exactly).
func within32(a, b float32, ulps int64) bool {
	if a != a || b != b || math.IsInf(float64(a), 0) || math.IsInf(float64(b), 0) {
		return sameBits(a, b)
	}
	return testutil.Ulps(a, b) <= ulps
}

// softmaxRows32 must give the bits of the row code (softmaxRow32, the
// scalar path it replaced): short rows through kernels.SoftmaxRows32, 16
// at a time, whose log-softmax takes the log of the sum its own way (so
// within an ulp); groups of rows holding NaN or infinities (the careful
// path); and a temperature the vector paths leave to the row code. Rows
// of softmaxVecRow or more run softmaxRowVec32, whose float64 sum runs
// over 16 lanes: within 2 ulps of the row code, the bits where a row
// holds NaN or an infinity.
func TestSoftmaxRows32MatchesRowCode(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 2, 7, 10, 15, 16, 17, 33, 63, 64, 255, 2049} {
		for _, rows := range []int{1, 3, 7, 16, 17, 255} {
			if n*rows > 1<<18 {
				continue
			}
			x := make([]float32, n*rows)
			for i := range x {
				x[i] = float32(r.NormFloat64() * 8)
			}
			if rows > 2 {
				x[n] = float32(math.Inf(1))      // row 1
				x[2*n+n/2] = float32(math.NaN()) // row 2
			}
			for _, log := range []bool{false, true} {
				for _, invT := range []float32{1, 0.5, -0.25} {
					name := fmt.Sprintf("n%d_rows%d_log%v_invT%v", n, rows, log, invT)
					got := make([]float32, len(x))
					softmaxRows32(got, x, n, invT, log, 0, rows)
					want := make([]float32, len(x))
					for o := range rows {
						softmaxRow32(want[o*n:(o+1)*n], x[o*n:(o+1)*n], invT, log)
					}
					ulps := int64(0)
					if n >= softmaxVecRow && invT > 0 {
						ulps = 2
					} else if log {
						ulps = 1
					}
					for i := range got {
						if row := i / n; (row == 1 || row == 2) && rows > 2 && !sameBits(got[i], want[i]) || !within32(got[i], want[i], ulps) {
							t.Fatalf("%s: element %d = %v, row code gives %v", name, i, got[i], want[i])
						}
					}
					// A sub-range leaves the other rows alone.
					if rows > 2 {
						part := make([]float32, len(x))
						softmaxRows32(part, x, n, invT, log, 1, rows-1)
						for i := range part {
							inside := i >= n && i < (rows-1)*n
							if inside && !within32(part[i], want[i], ulps) || !inside && part[i] != 0 {
								t.Fatalf("%s, rows [1,%d): element %d = %v", name, rows-1, i, part[i])
							}
						}
					}
				}
			}
		}
	}
}

// transpose32 returns the cols×rows transpose of the rows×cols x.
func transpose32(x []float32, rows, cols int) []float32 {
	t := make([]float32, len(x))
	for i := range rows {
		for j := range cols {
			t[j*rows+i] = x[i*cols+j]
		}
	}
	return t
}

// Short contiguous rows (the kernels' 16 rows at a time) against the
// generic loops, which take the same data transposed, along the first
// axis of (n, rows): forward within an ulp (softmax's sum runs in two
// halves, log-softmax's log its own way), the backward's bits, and rows
// holding NaN or an infinity NaN alike.
func TestSoftmaxShortRowsMatchGeneric(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, n := range []int{1, 2, 7, 10, 15, 16, 17, 33, 63} {
		for _, rows := range []int{1, 7, 16, 17, 255} {
			x, g, y := make([]float32, n*rows), make([]float32, n*rows), make([]float32, n*rows)
			for i := range x {
				x[i] = float32(r.NormFloat64() * 4)
				g[i] = float32(r.NormFloat64())
			}
			if rows > 2 && n > 1 {
				x[n] = float32(math.Inf(-1))      // row 1: -Inf, finite maximum
				x[2*n+n/2] = float32(math.Inf(1)) // row 2: +Inf
				g[2*n] = float32(math.NaN())      // row 2's gradient
			}
			for _, log := range []bool{false, true} {
				for _, temp := range []float32{1, 0.7} {
					name := fmt.Sprintf("n%d_rows%d_log%v_t%v", n, rows, log, temp)
					softmaxLines(y, x, n, 1, 1/temp, log, unaryExp32, 0, rows)
					yt := make([]float32, len(x))
					softmaxLines(yt, transpose32(x, rows, n), n, rows, 1/temp, log, unaryExp32, 0, 1)
					for i, v := range transpose32(yt, n, rows) {
						if !within32(y[i], v, 1) {
							t.Fatalf("%s: forward element %d = %v, generic %v", name, i, y[i], v)
						}
					}
					dx := make([]float32, len(x))
					softmaxGradLines(dx, g, y, n, 1, temp, log, unaryExp32, 0, rows)
					dxt := make([]float32, len(x))
					softmaxGradLines(dxt, transpose32(g, rows, n), transpose32(y, rows, n), n, rows, temp, log, unaryExp32, 0, 1)
					for i, v := range transpose32(dxt, n, rows) {
						if !sameBits(dx[i], v) {
							t.Fatalf("%s: backward element %d = %v, generic %v", name, i, dx[i], v)
						}
					}
				}
			}
		}
	}
}

func BenchmarkLogSoftmaxRows(b *testing.B) {
	x := make([]float32, 256*10)
	for i := range x {
		x[i] = float32(i%13) * 0.3
	}
	y := make([]float32, len(x))
	b.Run("kernel", func(b *testing.B) {
		for b.Loop() {
			softmaxRows32(y, x, 10, 1, true, 0, 256)
		}
	})
	b.Run("rows", func(b *testing.B) {
		for b.Loop() {
			for o := range 256 {
				softmaxRow32(y[o*10:(o+1)*10], x[o*10:(o+1)*10], 1, true)
			}
		}
	})
	g := make([]float32, len(x))
	for _, log := range []bool{false, true} {
		b.Run(fmt.Sprintf("grad_log%v", log), func(b *testing.B) {
			for b.Loop() {
				softmaxGradLines(g, x, y, 10, 1, 1, log, unaryExp32, 0, 256)
			}
		})
	}
}

// Rows of softmaxVecRow or more take softmaxGradRowsVec32: the gradients
// of both kinds against a float64 computation, with and without a
// temperature, fresh and in place over g, leaving other rows alone.
func TestSoftmaxGradRowsVec32(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{softmaxVecRow, 65, 1000, 5000} {
		rows := 5
		g, y := make([]float32, n*rows), make([]float32, n*rows)
		for i := range g {
			g[i] = float32(r.NormFloat64())
			y[i] = float32(r.Float64())
		}
		for _, log := range []bool{false, true} {
			if log {
				for i := range y {
					y[i] = -float32(r.Float64() * 10)
				}
			}
			for _, temp := range []float32{1, 2} {
				name := fmt.Sprintf("n%d_log%v_t%v", n, log, temp)
				got := make([]float32, len(g))
				softmaxGradRowsVec32(got, g, y, n, temp, log, 1, rows)
				inPlace := append([]float32(nil), g...)
				softmaxGradRowsVec32(inPlace, inPlace, y, n, temp, log, 1, rows)
				for o := range rows {
					var sum float64
					for i := o * n; i < (o+1)*n; i++ {
						if log {
							sum += float64(g[i])
						} else {
							sum += float64(g[i]) * float64(y[i])
						}
					}
					for i := o * n; i < (o+1)*n; i++ {
						if o == 0 {
							if got[i] != 0 || inPlace[i] != g[i] {
								t.Fatalf("%s: row 0 (outside the range) changed", name)
							}
							continue
						}
						var want float64
						if log {
							want = float64(g[i]) - math.Exp(float64(y[i]))*sum
						} else {
							want = float64(y[i]) * (float64(g[i]) - sum)
						}
						want /= float64(temp)
						tol := 1e-5 * (1 + math.Abs(sum) + math.Abs(float64(g[i])))
						if math.Abs(float64(got[i])-want) > tol || !sameBits(got[i], inPlace[i]) {
							t.Fatalf("%s: element %d = %v (in place %v), want %v", name, i, got[i], inPlace[i], want)
						}
					}
				}
			}
		}
	}
}
