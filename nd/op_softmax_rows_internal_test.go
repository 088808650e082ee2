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

// The block code must give the bits of the row code (softmaxRow32, the
// scalar path it replaced), for short rows batched many to a block, rows
// longer than a block, and blocks holding a row with NaN or infinities.
// Rows of softmaxVecRow or more run softmaxRowVec32, whose float64 sum
// runs over 16 lanes: within 2 ulps of the row code, the bits where a row
// holds NaN or an infinity.
func TestSoftmaxRows32MatchesRowCode(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 2, 7, 10, 17, 255, 2047, 2049, 5000} {
		for _, rows := range []int{1, 3, 300} {
			if n*rows > 1<<20 {
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
				for _, invT := range []float32{1, 0.5} {
					name := fmt.Sprintf("n%d_rows%d_log%v_invT%v", n, rows, log, invT)
					got := make([]float32, len(x))
					softmaxRows32(got, x, n, invT, log, 0, rows)
					want := make([]float32, len(x))
					for o := range rows {
						softmaxRow32(want[o*n:(o+1)*n], x[o*n:(o+1)*n], invT, log)
					}
					ulps := int64(0)
					if n >= softmaxVecRow {
						ulps = 2
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

func TestLogSoftmaxGradRows32MatchesRowCode(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{1, 10, 17, 2049, 5000} {
		rows := 37
		g, y := make([]float32, n*rows), make([]float32, n*rows)
		for i := range g {
			g[i] = float32(r.NormFloat64())
			y[i] = -float32(r.Float64() * 10)
		}
		for _, temp := range []float32{1, 2} {
			got := make([]float32, len(g))
			logSoftmaxGradRows32(got, g, y, n, temp, 0, rows)
			for o := range rows {
				var sum float64
				for _, v := range g[o*n : (o+1)*n] {
					sum += float64(v)
				}
				for i := o * n; i < (o+1)*n; i++ {
					want := g[i] - unaryExp32(y[i])*float32(sum)
					if temp != 1 {
						want /= temp
					}
					if !sameBits(got[i], want) {
						t.Fatalf("n=%d t=%v: element %d = %v, want %v", n, temp, i, got[i], want)
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
	b.Run("block", func(b *testing.B) {
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
