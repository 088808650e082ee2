package nd_test

import (
	"math"
	"slices"
	"testing"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/nd/ndtest"
)

const randomN = 100000

func randomMoments(v []float64) (mean, variance float64) {
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	for _, x := range v {
		variance += (x - mean) * (x - mean)
	}
	return mean, variance / float64(len(v))
}

func TestRandomSeedReproducible(t *testing.T) {
	ndtest.BothEngines(t, func(t *testing.T) {
		draw := func() [][]float64 {
			return [][]float64{
				nd.RandomUniform(-1, 1, nd.Shape{50}).Float64s(),
				nd.RandomNormal(0, 1, nd.Shape{7, 3}, nd.OfType(nd.Float64)).Float64s(),
				nd.RandInt(0, 1000, nd.Shape{20}).Float64s(),
				nd.Shuffle(nd.Arange(0, 30, 1)).Float64s(),
				nd.Multinomial(nd.Array([]float32{0.2, 0.3, 0.5}), 20).Float64s(),
			}
		}
		nd.Seed(42)
		a := draw()
		nd.Seed(42)
		b := draw()
		nd.Seed(43)
		c := draw()
		for i := range a {
			if !slices.Equal(a[i], b[i]) {
				t.Errorf("draw %d differs after the same seed:\n%v\n%v", i, a[i], b[i])
			}
			if slices.Equal(a[i], c[i]) {
				t.Errorf("draw %d is the same for seeds 42 and 43", i)
			}
		}
	})
}

func TestRandomUniform(t *testing.T) {
	nd.Seed(1)
	for _, dt := range []nd.DType{nd.Float32, nd.Float64, nd.Float16} {
		x := nd.RandomUniform(2, 5, nd.Shape{randomN / 2, 2}, nd.OfType(dt))
		if x.DType() != dt || !x.Shape().Equal(nd.Shape{randomN / 2, 2}) {
			t.Fatalf("%v: got %v %v", dt, x.DType(), x.Shape())
		}
		v := x.Float64s()
		lo, hi := slices.Min(v), slices.Max(v)
		if lo < 2 || hi > 5 || lo > 2.01 || hi < 4.99 {
			t.Errorf("%v: range [%g, %g], want within and near [2, 5)", dt, lo, hi)
		}
		mean, variance := randomMoments(v)
		// Standard error of the mean: sqrt(0.75/1e5) ≈ 0.0027.
		if math.Abs(mean-3.5) > 0.015 || math.Abs(variance-0.75) > 0.015 {
			t.Errorf("%v: mean %g variance %g, want 3.5 and 0.75", dt, mean, variance)
		}
	}
	if z := nd.RandomUniform(0, 1, nd.Shape{0, 3}); !z.Shape().Equal(nd.Shape{0, 3}) {
		t.Errorf("empty shape: got %v", z.Shape())
	}
}

func TestRandomNormal(t *testing.T) {
	nd.Seed(2)
	for _, dt := range []nd.DType{nd.Float32, nd.Float64} {
		v := nd.RandomNormal(-1, 2, nd.Shape{randomN}, nd.OfType(dt)).Float64s()
		mean, variance := randomMoments(v)
		skew, kurt := 0.0, 0.0
		for _, x := range v {
			z := (x - mean) / math.Sqrt(variance)
			skew += z * z * z
			kurt += z * z * z * z
		}
		skew /= randomN
		kurt /= randomN
		if math.Abs(mean+1) > 0.03 || math.Abs(variance-4) > 0.08 || math.Abs(skew) > 0.05 || math.Abs(kurt-3) > 0.1 {
			t.Errorf("%v: mean %g variance %g skew %g kurtosis %g, want -1, 4, 0, 3", dt, mean, variance, skew, kurt)
		}
	}
	if err := nd.Try(func() { nd.RandomNormal(0, -1, nd.Shape{2}) }); err == nil {
		t.Error("negative scale: no error")
	}
}

func TestRandInt(t *testing.T) {
	nd.Seed(3)
	for _, dt := range []nd.DType{nd.Int32, nd.Int64, nd.Float32, nd.Uint8} {
		x := nd.RandInt(-3, 7, nd.Shape{randomN}, nd.OfType(dt))
		if dt == nd.Uint8 {
			x = nd.RandInt(3, 13, nd.Shape{randomN}, nd.OfType(dt))
		}
		if x.DType() != dt {
			t.Fatalf("dtype %v, want %v", x.DType(), dt)
		}
		counts := map[float64]int{}
		for _, v := range x.Float64s() {
			if v != math.Trunc(v) {
				t.Fatalf("%v: non-integer %g", dt, v)
			}
			counts[v]++
		}
		if len(counts) != 10 {
			t.Errorf("%v: %d distinct values, want the 10 in range: %v", dt, len(counts), counts)
		}
		for v, c := range counts {
			if (dt != nd.Uint8 && (v < -3 || v >= 7)) || (dt == nd.Uint8 && (v < 3 || v >= 13)) {
				t.Errorf("%v: value %g out of range", dt, v)
			}
			if math.Abs(float64(c)-randomN/10) > 600 { // ~6 standard deviations
				t.Errorf("%v: value %g drawn %d times, want about %d", dt, v, c, randomN/10)
			}
		}
	}
	if err := nd.Try(func() { nd.RandInt(2, 2, nd.Shape{1}) }); err == nil {
		t.Error("empty range: no error")
	}
}

func TestShuffle(t *testing.T) {
	nd.Seed(4)
	x := sliceIota(10, 3)
	y := nd.Shuffle(x)
	rows := y.Float64s()
	seen := map[float64]bool{}
	moved := false
	for i := 0; i < 10; i++ {
		r := rows[3*i : 3*i+3]
		if r[1] != r[0]+1 || r[2] != r[0]+2 || math.Mod(r[0], 3) != 0 {
			t.Fatalf("row %d = %v is not a row of the input", i, r)
		}
		seen[r[0]] = true
		moved = moved || r[0] != float64(3*i)
	}
	if len(seen) != 10 || !moved {
		t.Fatalf("shuffle is not a nontrivial permutation: %v", rows)
	}
	ndtest.AssertClose(t, x, nd.Shape{10, 3}, sliceIota(10, 3).Float64s(), 0, 0) // input unchanged
	// Every position sees every row over many shuffles.
	first := map[float64]int{}
	for i := 0; i < 2000; i++ {
		first[nd.Shuffle(nd.Arange(0, 4, 1)).Float64s()[0]]++
	}
	for v := 0.0; v < 4; v++ {
		if c := first[v]; c < 400 || c > 600 {
			t.Errorf("value %g first %d times in 2000, want about 500", v, c)
		}
	}
	ndtest.AssertClose(t, nd.Shuffle(nd.Full(nd.Shape{}, 3)), nd.Shape{}, []float64{3}, 0, 0)
}

func TestMultinomial(t *testing.T) {
	nd.Seed(5)
	probs := nd.ArrayOf([]float64{0.1, 0.6, 0, 0.3, 1, 1, 1, 1}, nd.Shape{2, 4}) // row 1 unnormalized
	s := nd.Multinomial(probs, randomN/2)
	if s.DType() != nd.Int32 || !s.Shape().Equal(nd.Shape{2, randomN / 2}) {
		t.Fatalf("got %v %v, want int32 (2, %d)", s.DType(), s.Shape(), randomN/2)
	}
	v := s.Float64s()
	want := [][]float64{{0.1, 0.6, 0, 0.3}, {0.25, 0.25, 0.25, 0.25}}
	for r := 0; r < 2; r++ {
		freq := make([]float64, 4)
		for _, k := range v[r*randomN/2 : (r+1)*randomN/2] {
			freq[int(k)] += 2.0 / randomN
		}
		for k := range freq {
			if math.Abs(freq[k]-want[r][k]) > 0.01 || (want[r][k] == 0 && freq[k] != 0) {
				t.Errorf("row %d: frequencies %v, want %v", r, freq, want[r])
				break
			}
		}
	}
	out := nd.SampleMultinomial(nd.Array([]float32{0.5, 0.25, 0.25}), nd.Shape{3, 2}, true, nd.Int64)
	if len(out) != 2 || !out[0].Shape().Equal(nd.Shape{3, 2}) || out[0].DType() != nd.Int64 || out[1].DType() != nd.Float32 {
		t.Fatalf("get_prob outputs: %d arrays", len(out))
	}
	idx, logp := out[0].Float64s(), out[1].Float64s()
	for i, k := range idx {
		if w := math.Log([]float64{0.5, 0.25, 0.25}[int(k)]); math.Abs(logp[i]-w) > 1e-6 {
			t.Errorf("draw %d = %g has log prob %g, want %g", i, k, logp[i], w)
		}
	}
	if _, err := nd.Multinomial(nd.Array([]float32{0.5, -0.1}), 2).Values(); err == nil {
		t.Error("negative probability: no error")
	}
	if err := nd.Try(func() { nd.Multinomial(nd.Full(nd.Shape{}, 1), 2) }); err == nil {
		t.Error("scalar probabilities: no error")
	}
}

func BenchmarkRandomUniform(b *testing.B) {
	b.SetBytes(1 << 16 * 4)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := nd.RandomUniform(0, 1, nd.Shape{1 << 16}).WaitToRead(); err != nil {
			b.Fatal(err)
		}
	}
}

func TestMultinomialLogProbGrad(t *testing.T) {
	nd.Seed(6)
	p := nd.ArrayOf([]float64{0.2, 0, 0.6, 1, 1}, nd.Shape{1, 5})
	p.AttachGrad()
	var out []*nd.NDArray
	autograd.Record(func() { out = nd.SampleMultinomial(p, nd.Shape{2, 3}, true, nd.Int32) })
	head := nd.ArrayOf([]float64{1, 2, 3, 4, 5, 6}, nd.Shape{1, 2, 3})
	if err := autograd.Backward([]*nd.NDArray{out[1]}, []*nd.NDArray{head}, false); err != nil {
		t.Fatal(err)
	}
	// d/dp_k Σ_s w_s log(p_{j_s}/Σp) = Σ_s w_s ([k = j_s]/p_k - 1/Σp).
	pv, w := p.Float64s(), head.Float64s()
	want := make([]float64, 5)
	for s, j := range out[0].Float64s() {
		for k := range want {
			want[k] -= w[s] / 2.8
		}
		want[int(j)] += w[s] / pv[int(j)]
	}
	ndtest.AssertClose(t, p.Grad(), nd.Shape{1, 5}, want, 1e-9, 1e-12)
}
