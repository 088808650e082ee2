package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// normSizes are vecSizes and the sizes around the row sums' 32-element
// steps and the column sums' 16.
var normSizes = append(append([]int(nil), vecSizes...), 8, 9, 24, 40, 95, 96, 97, 128, 1000)

func checkF64(t *testing.T, name string, n int, got, want []float64) {
	t.Helper()
	for i, w := range want {
		if !sameF64(got[i], w) {
			t.Fatalf("%s n=%d: [%d] = %v (%#x), want %v (%#x)", name, n, i, got[i], math.Float64bits(got[i]), w, math.Float64bits(w))
		}
	}
	if len(got) > len(want) && got[len(want)] != 12345 {
		t.Fatalf("%s n=%d: wrote past the end (%v)", name, n, got[len(want)])
	}
}

func withSentinel64(n int, init []float64) []float64 {
	buf := make([]float64, n+2)
	copy(buf[1:], init)
	buf[n+1] = 12345
	return buf[1 : n+1 : n+2]
}

// normInput is vecInput (special), or finite random values: with wide
// set, of magnitudes from 2^-40 to 2^40, whose float64 sums round (sums of
// float32 values of like magnitude are exact in float64, whatever their
// order), so that the order of the sums shows.
func normInput(r *rand.Rand, n int, special, wide bool) []float32 {
	if special {
		return vecInput(r, n)
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64()*3 + 0.5)
		if wide {
			v[i] = float32(math.Ldexp(float64(v[i]), r.IntN(81)-40))
		}
	}
	return v
}

// The assembly loops equal the Go loops bit for bit (NaN payloads aside)
// on every size around their blocks, with special values in every input
// and without (where a sum's order would show); nothing past the end is
// written, in place included.
func TestNormKernelsMatchGo(t *testing.T) {
	if normSum32Fast == nil {
		t.Log("no assembly on this CPU or build: checking the Go loops against themselves")
	}
	r := rand.New(rand.NewPCG(11, 13))
	for _, n := range normSizes {
		for mode := range 3 {
			special, wide := mode == 2, mode == 1
			in := func() []float32 { return normInput(r, n, special, wide) }
			x, gy, gamma, beta := in(), in(), in(), in()
			m, rs := float32(r.NormFloat64()), float32(r.Float64()+0.5)

			for _, mm := range []float64{0, 0.3, -7.25} {
				if got, want := NormSum32(x), normSum32Go(x); !sameF64(got, want) {
					t.Fatalf("NormSum32 n=%d mode=%d: %v, want %v", n, mode, got, want)
				}
				if got, want := NormSqDev32(x, mm), normSqDev32Go(x, mm); !sameF64(got, want) {
					t.Fatalf("NormSqDev32 n=%d mode=%d m=%v: %v, want %v", n, mode, mm, got, want)
				}
			}
			sg, sgx := NormDotSums32(gy, x, m)
			wsg, wsgx := normDotSums32Go(gy, x, m)
			if !sameF64(sg, wsg) || !sameF64(sgx, wsgx) {
				t.Fatalf("NormDotSums32 n=%d mode=%d: %v %v, want %v %v", n, mode, sg, sgx, wsg, wsgx)
			}

			ws1, ws2 := normRowBackSums32Go(gy, x, gamma, m, rs)
			s1, s2 := NormRowBackSums32(gy, x, gamma, m, rs)
			if !sameF64(s1, ws1) || !sameF64(s2, ws2) {
				t.Fatalf("NormRowBackSums32 n=%d mode=%d: %v %v, want %v %v", n, mode, s1, s2, ws1, ws2)
			}

			// The elementwise loops, into a fresh output and in place.
			type loop struct {
				name    string
				goLoop  func(y []float32)
				asm     func(y []float32)
				inPlace func(y []float32) // the same with y as its first input
			}
			loops := []loop{
				{"NormRow32", func(y []float32) { normRow32Go(y, x, m, rs, 1.5, -0.25) },
					func(y []float32) { NormRow32(y, x, m, rs, 1.5, -0.25) },
					func(y []float32) { NormRow32(y, y, m, rs, 1.5, -0.25) }},
				{"NormRowAffine32", func(y []float32) { normRowAffine32Go(y, x, gamma, beta, m, rs) },
					func(y []float32) { NormRowAffine32(y, x, gamma, beta, m, rs) },
					func(y []float32) { NormRowAffine32(y, y, gamma, beta, m, rs) }},
				{"NormBackRow32", func(y []float32) { normBackRow32Go(y, x, gy, 0.75, m, -rs, 0.125) },
					func(y []float32) { NormBackRow32(y, x, gy, 0.75, m, -rs, 0.125) },
					func(y []float32) { NormBackRow32(y, y, gy, 0.75, m, -rs, 0.125) }},
				{"NormBackRowAffine32", func(y []float32) { normBackRowAffine32Go(y, x, gy, gamma, rs, m, -0.5, 0.125) },
					func(y []float32) { NormBackRowAffine32(y, x, gy, gamma, rs, m, -0.5, 0.125) },
					func(y []float32) { NormBackRowAffine32(y, y, gy, gamma, rs, m, -0.5, 0.125) }},
			}
			for _, l := range loops {
				want := make([]float32, n)
				l.goLoop(want)
				got := withSentinel(n)
				l.asm(got)
				checkVecNaN(t, l.name, got[:n+1], want)
				in := withSentinel(n)
				copy(in, x)
				l.inPlace(in)
				checkVecNaN(t, l.name+" in place", in[:n+1], want)
			}
		}
	}
}

// The column loops equal the Go loops bit for bit over blocks of 1 to 5
// rows of every size, packed and strided, with special values; in place
// included; nothing outside the block (past its end, or between its rows)
// is written.
func TestNormColKernelsMatchGo(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 19))
	for _, cols := range normSizes {
		for _, rows := range []int{1, 2, 5} {
			for _, gap := range []int{0, 3} {
				for mode := range 3 {
					special, wide := mode == 2, mode == 1
					stride := cols + gap
					size := max(0, (rows-1)*stride+cols)
					in := func(n int) []float32 { return normInput(r, n, special, wide) }
					x, gy := in(size), in(size)
					m, rv, g, b, c := in(cols), in(cols), in(cols), in(cols), in(cols)
					mrow, rrow := in(rows), in(rows)
					m64, acc, acc2 := make([]float64, cols), make([]float64, cols), make([]float64, cols)
					for i := range m64 {
						m64[i] = float64(m[i]) + r.Float64()*1e-3
						acc[i], acc2[i] = r.NormFloat64(), r.NormFloat64()
					}
					name := func(k string) string { return fmt.Sprintf("%s rows=%d stride=%d mode=%d", k, rows, stride, mode) }

					want := append([]float64(nil), acc...)
					normColSums32Go(want, x, rows, stride)
					got := withSentinel64(cols, acc)
					NormColSums32(got, x, rows, stride)
					checkF64(t, name("NormColSums32"), cols, got[:cols+1], want)

					want = append([]float64(nil), acc...)
					normColSqDevs32Go(want, x, m64, rows, stride)
					got = withSentinel64(cols, acc)
					NormColSqDevs32(got, x, m64, rows, stride)
					checkF64(t, name("NormColSqDevs32"), cols, got[:cols+1], want)

					want, want2 := append([]float64(nil), acc...), append([]float64(nil), acc2...)
					normColDotSums32Go(want, want2, gy, x, m, rows, stride)
					got, got2 := withSentinel64(cols, acc), withSentinel64(cols, acc2)
					NormColDotSums32(got, got2, gy, x, m, rows, stride)
					checkF64(t, name("NormColDotSums32 sg"), cols, got[:cols+1], want)
					checkF64(t, name("NormColDotSums32 sgx"), cols, got2[:cols+1], want2)

					want, want2 = append([]float64(nil), acc...), append([]float64(nil), acc2...)
					normRowParamGrads32Go(want, want2, gy, x, mrow, rrow, rows, stride)
					got, got2 = withSentinel64(cols, acc), withSentinel64(cols, acc2)
					NormRowParamGrads32(got, got2, gy, x, mrow, rrow, rows, stride)
					checkF64(t, name("NormRowParamGrads32 dg"), cols, got[:cols+1], want)
					checkF64(t, name("NormRowParamGrads32 db"), cols, got2[:cols+1], want2)

					// The elementwise loops write the block only: the gaps
					// keep their 12345s.
					block := func() []float32 {
						y := withSentinel(size)
						for i := range y {
							y[i] = 12345
						}
						return y
					}
					for _, l := range []struct {
						name        string
						goLoop, asm func(y []float32)
						inPlace     func(y []float32)
					}{
						{"NormCols32", func(y []float32) { normCols32Go(y, x, m, rv, g, b, rows, stride) },
							func(y []float32) { NormCols32(y, x, m, rv, g, b, rows, stride) },
							func(y []float32) { NormCols32(y, y, m, rv, g, b, rows, stride) }},
						{"NormBackCols32", func(y []float32) { normBackCols32Go(y, gy, x, g, m, rv, c, rows, stride) },
							func(y []float32) { NormBackCols32(y, gy, x, g, m, rv, c, rows, stride) },
							func(y []float32) { NormBackCols32(y, gy, y, g, m, rv, c, rows, stride) }},
					} {
						want := block()[:size]
						l.goLoop(want)
						got := block()
						l.asm(got)
						checkVecNaN(t, name(l.name), got[:size+1], want)
						in := block()
						for a := range rows {
							copy(in[a*stride:a*stride+cols], x[a*stride:])
						}
						l.inPlace(in)
						checkVecNaN(t, name(l.name+" in place"), in[:size+1], want)
					}
				}
			}
		}
	}
}

// The row sums against float64 sums worked out directly, and the
// elementwise loops against their formulas, on values where every
// operation is exact.
func TestNormKernelsKnownValues(t *testing.T) {
	x := make([]float32, 1000)
	var sum, sq float64
	for i := range x {
		x[i] = float32(i%17) - 8
		sum += float64(x[i])
	}
	m := sum / float64(len(x))
	for _, v := range x {
		sq += (float64(v) - m) * (float64(v) - m)
	}
	if got := NormSum32(x); got != sum {
		t.Errorf("NormSum32 = %v, want %v", got, sum)
	}
	if got := NormSqDev32(x, m); math.Abs(got-sq) > 1e-9*sq {
		t.Errorf("NormSqDev32 = %v, want %v", got, sq)
	}
	gy := []float32{1, 2, 3}
	sg, sgx := NormDotSums32(gy, []float32{1, 1, 5}, 1)
	if sg != 6 || sgx != 12 {
		t.Errorf("NormDotSums32 = %v, %v; want 6, 12", sg, sgx)
	}
	s1, s2 := NormRowBackSums32(gy, []float32{1, 3, 5}, []float32{2, 2, 2}, 3, 0.5)
	// x̂ = -1, 0, 1; ĝ = 2, 4, 6: s1 = 12, s2 = -2 + 6 = 4
	if s1 != 12 || s2 != 4 {
		t.Errorf("NormRowBackSums32 = %v, %v; want 12, 4", s1, s2)
	}
	// Two rows of two columns, stride 3: x̂ = (x-m)·r per row.
	dg, db := []float64{1, 1}, []float64{0, 0}
	NormRowParamGrads32(dg, db, []float32{1, 2, 99, 3, 4}, []float32{2, 4, 99, 0, 2}, []float32{2, 1}, []float32{1, 0.5}, 2, 3)
	// row 0: x̂ = 0, 2; row 1: x̂ = -0.5, 0.5: dg = 1 + 0 - 1.5, 1 + 4 + 2
	if dg[0] != -0.5 || dg[1] != 7 || db[0] != 4 || db[1] != 6 {
		t.Errorf("NormRowParamGrads32: dg %v, db %v; want [-0.5 7], [4 6]", dg, db)
	}
	y := make([]float32, 3)
	NormRow32(y, []float32{1, 3, 5}, 3, 0.5, 2, 1)
	if y[0] != -1 || y[1] != 1 || y[2] != 3 {
		t.Errorf("NormRow32 = %v, want [-1 1 3]", y)
	}
	NormBackRow32(y, gy, []float32{1, 3, 5}, 2, 3, 0.5, 1)
	if y[0] != 2 || y[1] != 5 || y[2] != 8 {
		t.Errorf("NormBackRow32 = %v, want [2 5 8]", y)
	}
}

// The checked lengths: a short input panics with *Error.
func TestNormKernelsShortInput(t *testing.T) {
	checkPanics(t, map[string]func(){
		"NormDotSums32":        func() { NormDotSums32(make([]float32, 4), make([]float32, 3), 0) },
		"NormColSums32":        func() { NormColSums32(make([]float64, 4), make([]float32, 3), 1, 4) },
		"NormColSums32 rows":   func() { NormColSums32(make([]float64, 4), make([]float32, 11), 2, 8) },
		"NormColSums32 stride": func() { NormColSums32(make([]float64, 4), make([]float32, 100), 2, 3) },
		"NormCols32":           func() { NormCols32(make([]float32, 4), make([]float32, 4), make([]float32, 4), nil, nil, nil, 1, 4) },
		"NormBackCols32": func() {
			NormBackCols32(make([]float32, 2), make([]float32, 2), make([]float32, 2), make([]float32, 2), nil, nil, nil, 1, 2)
		},
		"NormRowParamGrads32": func() {
			NormRowParamGrads32(make([]float64, 2), make([]float64, 2), make([]float32, 4), make([]float32, 4), make([]float32, 1), make([]float32, 2), 2, 2)
		},
		"NormRowBackSums32": func() { NormRowBackSums32(make([]float32, 2), make([]float32, 2), make([]float32, 1), 0, 1) },
	})
}

func BenchmarkNormKernels(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1024, 4096} {
		x, gy, gamma, beta := normInput(r, n, false, false), normInput(r, n, false, false), normInput(r, n, false, false), normInput(r, n, false, false)
		y := make([]float32, n)
		dg, db := make([]float64, n), make([]float64, n)
		var sink float64
		run := func(name string, f func()) {
			b.Run(name+"/"+itoa(n), func(b *testing.B) {
				b.SetBytes(int64(4 * n))
				for b.Loop() {
					f()
				}
			})
		}
		run("Sum", func() { sink += NormSum32(x) })
		run("SqDev", func() { sink += NormSqDev32(x, 0.5) })
		run("DotSums", func() { a, c := NormDotSums32(gy, x, 0.5); sink += a + c })
		run("RowBackSums", func() { a, c := NormRowBackSums32(gy, x, gamma, 0.5, 1.5); sink += a + c })
		run("ColSums", func() { NormColSums32(dg, x, 1, n) })
		mr := []float32{0.5}
		run("RowParamGrads", func() { NormRowParamGrads32(dg, db, gy, x, mr, mr, 1, n) })
		run("RowAffine", func() { NormRowAffine32(y, x, gamma, beta, 0.5, 1.5) })
		run("Row", func() { NormRow32(y, x, 0.5, 1.5, 2, 1) })
		run("BackRowAffine", func() { NormBackRowAffine32(y, gy, x, gamma, 1.5, 0.5, 0.25, 0.125) })
		_ = sink
	}
}

func itoa(n int) string {
	s := ""
	for {
		s = string(rune('0'+n%10)) + s
		n /= 10
		if n == 0 {
			return s
		}
	}
}
