package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

var unaryOpNames = map[UnaryOp]string{
	UnaryNeg: "neg", UnaryAbs: "abs", UnarySqrt: "sqrt", UnaryRsqrt: "rsqrt",
}

// Every op gives the Go loop's bits at every length, with special values,
// fresh and in place, and writes nothing past the end.
func TestUnary32MatchesGo(t *testing.T) {
	if unary32Fast == nil {
		t.Log("no assembly on this CPU or build: checking the Go loops against themselves")
	}
	r := rand.New(rand.NewPCG(8, 9))
	for op, name := range unaryOpNames {
		for _, n := range vecSizes {
			x := actInput(r, n)
			for i := range x {
				if i%3 == 0 {
					x[i] = float32(r.Float64()) // sqrt and rsqrt of positive values
				}
			}
			want := make([]float32, n)
			unary32Go(op, want, x)
			got := withSentinel(n)
			Unary32(op, got, x)
			checkVecNaN(t, name, got[:n+1], want)
			inPlace := withSentinel(n)
			copy(inPlace, x)
			Unary32(op, inPlace, inPlace)
			checkVecNaN(t, name+" in place", inPlace[:n+1], want)
		}
	}
}

// The Go loops against their definitions.
func TestUnary32KnownValues(t *testing.T) {
	x := []float32{4, -0.25, 0, float32(math.Inf(-1))}
	negZero := float32(math.Copysign(0, -1))
	inf := float32(math.Inf(1))
	for op, want := range map[UnaryOp][]float32{
		UnaryNeg: {-4, 0.25, negZero, inf},
		UnaryAbs: {4, 0.25, 0, inf},
	} {
		got := make([]float32, len(x))
		Unary32(op, got, x)
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%s(%v) = %v, want %v", unaryOpNames[op], x[i], got[i], want[i])
			}
		}
	}
	got := make([]float32, 3)
	Unary32(UnarySqrt, got, []float32{4, 2, -1})
	if got[0] != 2 || got[1] != float32(math.Sqrt2) || got[2] == got[2] {
		t.Fatalf("sqrt(4, 2, -1) = %v", got)
	}
	Unary32(UnaryRsqrt, got, []float32{4, 0.25, 0})
	if got[0] != 0.5 || got[1] != 2 || got[2] != inf {
		t.Fatalf("rsqrt(4, 0.25, 0) = %v", got)
	}
}

// Clip32 gives the builtins' bits (NaN, zeros of both signs) for bounds
// that are zeros, ordinary, crossed, infinite and NaN, fresh and in place.
func TestClip32MatchesBuiltins(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	negZero := float32(math.Copysign(0, -1))
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	bounds := [][2]float32{{0, 6}, {negZero, 0}, {0, negZero}, {negZero, negZero}, {-1.5, 2.25}, {3, -3}, {-inf, inf}, {nan, 1}, {-1, nan}}
	for _, n := range vecSizes {
		x := actInput(r, n)
		for _, b := range bounds {
			want := make([]float32, n)
			for i, v := range x {
				want[i] = min(max(v, b[0]), b[1])
			}
			got := withSentinel(n)
			Clip32(got, x, b[0], b[1])
			checkVecNaN(t, fmt.Sprintf("Clip32(%v, %v)", b[0], b[1]), got[:n+1], want)
			inPlace := withSentinel(n)
			copy(inPlace, x)
			Clip32(inPlace, inPlace, b[0], b[1])
			checkVecNaN(t, "Clip32 in place", inPlace[:n+1], want)
		}
	}
}

func TestUnary32Panics(t *testing.T) {
	checkPanics(t, map[string]func(){
		"short":      func() { Unary32(UnaryAbs, make([]float32, 4), make([]float32, 3)) },
		"unknown op": func() { Unary32(unaryOps, make([]float32, 1), make([]float32, 1)) },
		"negative":   func() { Unary32(-1, make([]float32, 1), make([]float32, 1)) },
		"clip short": func() { Clip32(make([]float32, 4), make([]float32, 3), 0, 1) },
	})
}

func BenchmarkUnary32(b *testing.B) {
	x := actInput(rand.New(rand.NewPCG(1, 1)), 4096)
	dst := make([]float32, len(x))
	for op, name := range unaryOpNames {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(8 * int64(len(x)))
			for b.Loop() {
				Unary32(op, dst, x)
			}
		})
	}
}
