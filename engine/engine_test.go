package engine

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
)

// engines runs f against every engine; the threaded one gets several
// workers even on a one-core machine so that ordering bugs can show.
func engines(t *testing.T, f func(t *testing.T, e Engine)) {
	t.Run("naive", func(t *testing.T) { f(t, NewNaive()) })
	t.Run("threaded", func(t *testing.T) {
		e := newThreaded(ThreadedOptions{WorkersPerDevice: 4})
		defer e.Close()
		f(t, e)
	})
}

// TestDependencyOrder pushes random ops that read and write shared slots
// and compares every slot with a sequential run of the same ops. Reads must
// see every earlier write (read-after-write), writes must not overtake
// earlier reads (write-after-read) or writes (write-after-write).
func TestDependencyOrder(t *testing.T) {
	engines(t, func(t *testing.T, e Engine) { checkDependencyOrder(t, e, func(int) bool { return false }) })
}

// TestDependencyOrderSmallTasks mixes in ops marked as SmallTask, which the
// threaded engine runs in the pusher when their variables are free.
func TestDependencyOrderSmallTasks(t *testing.T) {
	engines(t, func(t *testing.T, e Engine) { checkDependencyOrder(t, e, func(i int) bool { return i%3 != 0 }) })
}

// smallFunc is a Task that declares itself small.
type smallFunc func() error

func (f smallFunc) Run() error  { return f() }
func (f smallFunc) Small() bool { return true }

func checkDependencyOrder(t *testing.T, e Engine, small func(i int) bool) {
	{
		const nVars, nOps = 8, 3000
		rng := rand.New(rand.NewPCG(1, 2))
		vars := make([]*Var, nVars)
		for i := range vars {
			vars[i] = e.NewVar()
		}
		got := make([]uint64, nVars)    // written by the ops
		oracle := make([]uint64, nVars) // the same ops, in push order
		for i := range nOps {
			reads := rng.Perm(nVars)[:rng.IntN(4)]
			writes := rng.Perm(nVars)[:rng.IntN(3)]
			apply := func(slots []uint64) {
				sum := uint64(i)
				for _, r := range reads {
					sum = sum*1099511628211 + slots[r]
				}
				for _, w := range writes {
					slots[w] = slots[w]*31 + sum
				}
			}
			apply(oracle)
			op := Op{Name: fmt.Sprint("op", i), Run: func() error {
				if i%7 == 0 {
					runtime.Gosched() // vary interleavings
				}
				apply(got)
				return nil
			}}
			for _, r := range reads {
				op.Reads = append(op.Reads, vars[r])
			}
			// A var both read and written counts as written.
			for _, w := range writes {
				op.Writes = append(op.Writes, vars[w])
			}
			if small(i) {
				op.Task, op.Run = smallFunc(op.Run), nil
			}
			e.Push(op)
			if i%97 == 0 {
				k := rng.IntN(nVars)
				if err := e.WaitForVar(vars[k]); err != nil {
					t.Fatal(err)
				}
				if got[k] != oracle[k] {
					t.Fatalf("after op %d: var %d = %d, want %d", i, k, got[k], oracle[k])
				}
			}
		}
		if err := e.WaitAll(); err != nil {
			t.Fatal(err)
		}
		for k := range got {
			if got[k] != oracle[k] {
				t.Errorf("var %d = %d, want %d", k, got[k], oracle[k])
			}
		}
	}
}

// TestReadWriteSameVar checks that a variable listed twice, or as both
// read and write, does not wait for itself.
func TestReadWriteSameVar(t *testing.T) {
	engines(t, func(t *testing.T, e Engine) {
		v := e.NewVar()
		n := 0
		for range 10 {
			e.Push(Op{Name: "inc", Reads: []*Var{v, v, nil}, Writes: []*Var{v, nil, v}, Run: func() error {
				n++
				return nil
			}})
		}
		if err := e.WaitForVar(v); err != nil {
			t.Fatal(err)
		}
		if n != 10 {
			t.Fatalf("ran %d ops, want 10", n)
		}
	})
}

func TestErrorPropagation(t *testing.T) {
	engines(t, func(t *testing.T, e Engine) {
		a, b, c, d := e.NewVar(), e.NewVar(), e.NewVar(), e.NewVar()
		boom := errors.New("boom")
		ranDependent := false
		e.Push(Op{Name: "fail", Writes: []*Var{a}, Run: func() error { return boom }})
		e.Push(Op{Name: "mid", Reads: []*Var{a}, Writes: []*Var{b}, Run: func() error {
			ranDependent = true
			return nil
		}})
		e.Push(Op{Name: "last", Reads: []*Var{b, d}, Writes: []*Var{c}, Run: func() error {
			ranDependent = true
			return nil
		}})
		err := e.WaitForVar(c)
		if !errors.Is(err, ErrUpstream) || !errors.Is(err, boom) {
			t.Fatalf("WaitForVar(c) = %v, want upstream boom", err)
		}
		var oe *OpError
		if !errors.As(err, &oe) || oe.Op != "fail" {
			t.Fatalf("root OpError = %v, want op fail", oe)
		}
		if ranDependent {
			t.Fatal("an op whose input failed ran")
		}
		if err := e.WaitForVar(d); err != nil {
			t.Fatalf("untouched var has error %v", err)
		}
		// The root failure is reported once, not once per skipped op.
		if err := e.WaitAll(); !errors.Is(err, boom) || strings.Count(err.Error(), "boom") != 1 {
			t.Fatalf("WaitAll = %v, want the one boom", err)
		}
		if err := e.WaitAll(); err != nil {
			t.Fatalf("second WaitAll = %v, want nil", err)
		}
		// Overwriting a without reading it clears the error downstream too.
		e.Push(Op{Name: "reset", Writes: []*Var{a}, Run: func() error { return nil }})
		e.Push(Op{Name: "mid", Reads: []*Var{a}, Writes: []*Var{b}, Run: func() error { return nil }})
		if err := e.WaitForVar(b); err != nil {
			t.Fatalf("after reset: %v", err)
		}
	})
}

type shapeError struct{ msg string }

func (e *shapeError) Error() string { return e.msg }

func TestPanicRecovered(t *testing.T) {
	engines(t, func(t *testing.T, e Engine) {
		a, b := e.NewVar(), e.NewVar()
		e.Push(Op{Name: "typed", Writes: []*Var{a}, Run: func() error { panic(&shapeError{"bad shape"}) }})
		e.Push(Op{Name: "plain", Writes: []*Var{b}, Run: func() error { panic("oops") }})
		err := e.WaitForVar(a)
		var se *shapeError
		var pe *PanicError
		if !errors.As(err, &se) || !errors.As(err, &pe) || len(pe.Stack) == 0 {
			t.Fatalf("WaitForVar(a) = %v, want a PanicError wrapping *shapeError", err)
		}
		if err := e.WaitForVar(b); err == nil || !strings.Contains(err.Error(), "panic: oops") {
			t.Fatalf("WaitForVar(b) = %v, want panic: oops", err)
		}
		if err := e.WaitAll(); err == nil || !strings.Contains(err.Error(), "oops") || !strings.Contains(err.Error(), "bad shape") {
			t.Fatalf("WaitAll = %v, want both panics", err)
		}
		// The engine still works after the panics.
		ok := false
		e.Push(Op{Name: "after", Writes: []*Var{a}, Run: func() error { ok = true; return nil }})
		if err := e.WaitForVar(a); err != nil || !ok {
			t.Fatalf("op after panic: ran %v, err %v", ok, err)
		}
	})
}

func TestEngineFromEnv(t *testing.T) {
	for _, tc := range []struct{ env, want string }{
		{"NaiveEngine", "NaiveEngine"},
		{"ThreadedEngine", "ThreadedEngine"},
		{"ThreadedEnginePerDevice", "ThreadedEngine"},
		{"", "ThreadedEngine"},
		{"NoSuchEngine", "ThreadedEngine"},
	} {
		t.Setenv("MXNET_ENGINE_TYPE", tc.env)
		e := FromEnv()
		if e.Name() != tc.want {
			t.Errorf("MXNET_ENGINE_TYPE=%q: got %s, want %s", tc.env, e.Name(), tc.want)
		}
		e.(interface{ Close() }).Close()
	}
}

func TestSetDefault(t *testing.T) {
	n := NewNaive()
	old := SetDefault(n)
	defer SetDefault(old)
	if Default() != n {
		t.Fatal("Default did not return the engine set")
	}
	v := n.NewVar()
	n.Push(Op{Name: "x", Writes: []*Var{v}, Run: func() error { return nil }})
	if got := SetDefault(old); got != n {
		t.Fatalf("SetDefault returned %v, want the naive engine", got)
	}
}

type countTask struct{ n *int }

func (c countTask) Run() error { *c.n++; return nil }

// An op may carry a Task instead of a Run closure.
func TestPushTask(t *testing.T) {
	engines(t, func(t *testing.T, e Engine) {
		n := 0
		v := e.NewVar()
		for range 3 {
			e.Push(Op{Name: "task", Device: Device{Type: CPU}, Writes: []*Var{v}, Task: countTask{&n}})
		}
		if err := e.WaitForVar(v); err != nil || n != 3 {
			t.Fatalf("ran %d tasks (err %v), want 3", n, err)
		}
	})
}
