package engine

import (
	"slices"
	"testing"
)

// useEngine makes e the default for the test.
func useEngine(t *testing.T, e Engine) {
	old := SetDefault(e)
	t.Cleanup(func() {
		SetDefault(old)
		if err := e.WaitAll(); err != nil {
			t.Error(err)
		}
		if c, ok := e.(interface{ Close() }); ok {
			c.Close()
		}
	})
}

// drawAll pushes n random ops on dev's stream and returns their draws.
func drawAll(t *testing.T, e Engine, dev Device, n int) []uint64 {
	rng, v := RNG(dev)
	out := make([]uint64, n)
	for i := range out {
		e.Push(Op{Name: "draw", Device: dev, Writes: []*Var{v}, Run: func() error {
			out[i] = rng.Uint64()
			return nil
		}})
	}
	if err := e.WaitForVar(v); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSeedReproducible(t *testing.T) {
	e := newThreaded(ThreadedOptions{WorkersPerDevice: 4})
	useEngine(t, e)
	cpu, gpu := Device{Type: CPU}, Device{Type: GPU}
	Seed(7)
	first := drawAll(t, e, cpu, 200)
	Seed(7)
	again := drawAll(t, e, cpu, 200)
	if !slices.Equal(first, again) {
		t.Fatal("the same seed gave different draws")
	}
	Seed(7)
	other := drawAll(t, e, gpu, 200)
	if slices.Equal(first, other) {
		t.Fatal("two devices drew the same stream")
	}
	Seed(8)
	if slices.Equal(first, drawAll(t, e, cpu, 200)) {
		t.Fatal("a different seed gave the same draws")
	}
}

// TestSeedOrderedWithPendingOps seeds while a draw is still queued: the
// draw pushed before Seed must use the old stream, the one after the new.
func TestSeedOrderedWithPendingOps(t *testing.T) {
	e := newThreaded(ThreadedOptions{WorkersPerDevice: 2})
	useEngine(t, e)
	dev := Device{Type: CPU, ID: 9}
	Seed(5)
	want := drawAll(t, e, dev, 1)[0] // first draw after Seed(5)

	Seed(1)
	rng, v := RNG(dev)
	gate, blocker := make(chan struct{}), e.NewVar()
	e.Push(Op{Name: "gate", Writes: []*Var{blocker}, Run: func() error { <-gate; return nil }})
	var before, after uint64
	e.Push(Op{Name: "draw", Reads: []*Var{blocker}, Writes: []*Var{v}, Run: func() error {
		before = rng.Uint64()
		return nil
	}})
	Seed(5)
	e.Push(Op{Name: "draw", Writes: []*Var{v}, Run: func() error {
		after = rng.Uint64()
		return nil
	}})
	close(gate)
	if err := e.WaitAll(); err != nil {
		t.Fatal(err)
	}
	if after != want {
		t.Fatalf("draw after Seed(5) = %d, want %d", after, want)
	}
	if before == want {
		t.Fatal("draw pushed before Seed(5) used the new seed")
	}
}

func TestRNGPerDevice(t *testing.T) {
	a, va := RNG(Device{Type: CPU})
	b, vb := RNG(Device{Type: CPU})
	c, vc := RNG(Device{Type: GPU, ID: 1})
	if a != b || va != vb {
		t.Fatal("one device returned two streams")
	}
	if a == c || va == vc {
		t.Fatal("two devices share a stream")
	}
}
