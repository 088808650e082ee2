package kernels

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// withProdPaths runs f with the assembly loops (where the CPU has them)
// and with the Go loops.
func withProdPaths(t *testing.T, f func(t *testing.T)) {
	t.Run("dispatch", f)
	if prodOfF64Fast == nil {
		return
	}
	p, m := prodOfF64Fast, mulRowsOfF64Fast
	prodOfF64Fast, mulRowsOfF64Fast = nil, nil
	defer func() { prodOfF64Fast, mulRowsOfF64Fast = p, m }()
	t.Run("go", f)
}

// prodInputs are factors near 1 of both signs (a product of thousands
// stays in range and its rounding shows), the vecInput specials (zeros of
// both signs, infinities, NaN, subnormals), and large magnitudes whose
// products leave float32's range but not float64's.
func prodInputs(r *rand.Rand, n int) map[string][]float32 {
	near, big := make([]float32, n), make([]float32, n)
	for i := range n {
		near[i] = float32(1 + r.NormFloat64()*0.05)
		if r.IntN(8) == 0 {
			near[i] = -near[i]
		}
		big[i] = float32(math.Ldexp(1+r.Float64(), r.IntN(20)-10))
	}
	return map[string][]float32{"near": near, "special": vecInput(r, n), "big": big}
}

// The assembly product equals the Go loop bit for bit at every length and
// alignment, and stays within float64 rounding of the exact product.
func TestProdOfF64MatchesGo(t *testing.T) {
	if prodOfF64Fast == nil {
		t.Log("no assembly on this CPU or build: checking the Go loops against themselves")
	}
	r := rand.New(rand.NewPCG(13, 5))
	for _, n := range append([]int{0}, sumSizes...) {
		for kind, x := range prodInputs(r, n+3) {
			for off := range 3 {
				x := x[off : off+n]
				got, want := ProdOfF64(x), prodOfF64Go(x)
				if !sameF64(got, want) {
					t.Fatalf("%s n=%d off=%d: %v (%#x), Go loop %v (%#x)", kind, n, off, got, math.Float64bits(got), want, math.Float64bits(want))
				}
				if kind == "special" {
					// Zeros, infinities and subnormals underflow or
					// overflow differently in each order; a NaN stays.
					if firstNaN32(x) >= 0 && got == got {
						t.Fatalf("special n=%d: %v with a NaN factor", n, got)
					}
					continue
				}
				ref, _ := prodExact(x).Float64()
				if a := math.Abs(ref); a > 0x1p900 || a < 0x1p-900 || kind == "big" && n > 4099 {
					continue // on the way, either order may leave float64's range
				}
				// Each of the n multiplies of either product (and 63 more
				// combining the partials) rounds by at most half an ulp.
				if d := math.Abs(got-ref) / math.Abs(ref); d > float64(n+64)*0x1p-53 {
					t.Fatalf("%s n=%d: %v, exact %v (relative %g)", kind, n, got, ref, d)
				}
			}
		}
	}
}

// prodExact is the product of x in 512-bit floating point, whose rounding
// is far below float64's.
func prodExact(x []float32) *big.Float {
	p := new(big.Float).SetPrec(512).SetFloat64(1)
	f := new(big.Float).SetPrec(512)
	for _, v := range x {
		p.Mul(p, f.SetFloat64(float64(v)))
	}
	return p
}

// The documented order, spelled out.
func TestProdOfF64Order(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 6))
	for _, n := range []int{1, 63, 64, 65, 200, 1000} {
		x := prodInputs(r, n)["near"]
		var p [64]float64
		for l := range p {
			p[l] = 1
		}
		for i, v := range x {
			p[i%64] *= float64(v)
		}
		var z [8]float64
		for l := range 8 {
			z[l] = ((p[l] * p[8+l]) * (p[16+l] * p[24+l])) * ((p[32+l] * p[40+l]) * (p[48+l] * p[56+l]))
		}
		want := ((z[0] * z[4]) * (z[2] * z[6])) * ((z[1] * z[5]) * (z[3] * z[7]))
		if got := ProdOfF64(x); !sameF64(got, want) {
			t.Fatalf("n=%d: %v, want %v", n, got, want)
		}
	}
}

// MulRowsOfF64 multiplies each column in row order, one rounding per
// element, as the Go loop, at every width, row count and stride.
func TestMulRowsOfF64MatchesGo(t *testing.T) {
	withProdPaths(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(15, 7))
		for _, cols := range []int{0, 1, 7, 15, 16, 17, 31, 32, 33, 47, 48, 63, 255, 1023, 4099} {
			for _, rows := range []int{1, 2, 3, 8} {
				for _, pad := range []int{0, 3} {
					stride := cols + pad
					for kind, x := range prodInputs(r, 1+rows*stride) {
						init := make([]float64, cols)
						for i := range init {
							init[i] = 1 + r.NormFloat64()
						}
						want := append([]float64(nil), init...)
						for k := range rows {
							mulRowOfF64Go(want, x[1+k*stride:])
						}
						got := withSentinel64(cols, init)
						MulRowsOfF64(got, x[1:], rows, stride)
						for j := range want {
							if !sameF64(got[j], want[j]) {
								t.Fatalf("%s cols=%d rows=%d stride=%d: [%d] = %v, want %v", kind, cols, rows, stride, j, got[j], want[j])
							}
						}
						if s := got[:cols+1][cols]; s != 12345 {
							t.Fatalf("%s cols=%d: wrote %v past the end", kind, cols, s)
						}
					}
				}
			}
		}
	})
}

func TestProdPanic(t *testing.T) {
	checkPanics(t, map[string]func(){
		"rows short":      func() { MulRowsOfF64(make([]float64, 4), make([]float32, 7), 2, 4) },
		"rows neg stride": func() { MulRowsOfF64(make([]float64, 4), make([]float32, 8), 2, -4) },
	})
}

// BenchmarkProdOfF64 compares the kernels with the Go loops on one core.
//
//	go test -run XXX -bench ProdOfF64 ./nd/kernels
func BenchmarkProdOfF64(b *testing.B) {
	for _, n := range []int{1024, 256 * 1024} {
		x := make([]float32, n)
		for i := range x {
			x[i] = 1 + float32(i%7)*1e-3
		}
		acc := make([]float64, 1024)
		var sink float64
		for _, c := range []struct {
			name string
			f    func()
		}{
			{"prod", func() { sink += ProdOfF64(x) }},
			{"prod_go", func() { sink += prodOfF64Go(x) }},
			{"mul_rows", func() { MulRowsOfF64(acc, x, n/1024, 1024) }},
			{"mul_rows_go", func() {
				for k := range n / 1024 {
					mulRowOfF64Go(acc, x[k*1024:])
				}
			}},
		} {
			b.Run(fmt.Sprintf("%s/n=%d", c.name, n), func(b *testing.B) {
				b.SetBytes(int64(4 * n))
				for b.Loop() {
					c.f()
				}
			})
		}
		_ = sink
	}
}
