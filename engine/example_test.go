package engine_test

import (
	"errors"
	"fmt"

	"github.com/mxgo/mxgo/engine"
)

// Operations declare what they read and write; the engine runs them in a
// dependency-respecting order, concurrently where it can.
func ExampleEngine() {
	e := engine.NewThreaded(engine.ThreadedOptions{})
	defer e.(*engine.Threaded).Close()

	x, y := []float32{1, 2, 3}, make([]float32, 3)
	vx, vy := e.NewVar(), e.NewVar()
	e.Push(engine.Op{Name: "double", Reads: []*engine.Var{vx}, Writes: []*engine.Var{vy}, Run: func() error {
		for i := range x {
			y[i] = 2 * x[i]
		}
		return nil
	}})
	e.Push(engine.Op{Name: "inc", Writes: []*engine.Var{vy}, Run: func() error {
		for i := range y {
			y[i]++
		}
		return nil
	}})
	if err := e.WaitForVar(vy); err != nil {
		fmt.Println(err)
	}
	fmt.Println(y)
	// Output: [3 5 7]
}

// A failed operation's error reaches everything computed from its output.
func ExampleOpError() {
	e := engine.NewNaive()
	a, b := e.NewVar(), e.NewVar()
	e.Push(engine.Op{Name: "load", Writes: []*engine.Var{a}, Run: func() error {
		return errors.New("file missing")
	}})
	e.Push(engine.Op{Name: "scale", Reads: []*engine.Var{a}, Writes: []*engine.Var{b}, Run: func() error {
		return nil
	}})
	err := e.WaitForVar(b)
	fmt.Println(err)
	fmt.Println(errors.Is(err, engine.ErrUpstream))
	// Output:
	// engine: op scale: input failed: engine: op load: file missing
	// true
}

func ExampleAlloc() {
	dev := engine.Device{Type: engine.CPU, ID: 50}
	before := engine.MemStats(dev)
	c := engine.Alloc(dev, 1000)
	fmt.Println(len(c.Bytes()), cap(c.Bytes()))
	engine.Free(c)
	c = engine.Alloc(dev, 1000) // served from the pool
	s := engine.MemStats(dev)
	fmt.Println(s.InUse, s.Reuses-before.Reuses)
	engine.Free(c)
	// Output:
	// 1000 1024
	// 1024 1
}

// Random operations list their device's RNG variable as written, so they
// run in push order and a seed reproduces them.
func ExampleSeed() {
	e := engine.NewNaive()
	old := engine.SetDefault(e)
	defer engine.SetDefault(old)

	draw := func() uint64 {
		rng, v := engine.RNG(engine.Device{Type: engine.CPU})
		var n uint64
		e.Push(engine.Op{Name: "draw", Writes: []*engine.Var{v}, Run: func() error {
			n = rng.Uint64N(1000)
			return nil
		}})
		_ = e.WaitForVar(v)
		return n
	}
	engine.Seed(42)
	a := draw()
	engine.Seed(42)
	fmt.Println(a == draw())
	// Output: true
}
