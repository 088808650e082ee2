package engine

import (
	"errors"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

const rendezvousTimeout = 5 * time.Second

// rendezvous returns two op bodies that each signal the other and wait for
// it: they finish only if they run at the same time.
func rendezvous() (a, b func() error) {
	ca, cb := make(chan struct{}), make(chan struct{})
	meet := func(mine, other chan struct{}) func() error {
		return func() error {
			close(mine)
			select {
			case <-other:
				return nil
			case <-time.After(rendezvousTimeout):
				return errors.New("the other op never ran concurrently")
			}
		}
	}
	return meet(ca, cb), meet(cb, ca)
}

func TestThreadedIndependentOpsRunConcurrently(t *testing.T) {
	e := newThreaded(ThreadedOptions{WorkersPerDevice: 2})
	defer e.Close()
	a, b := rendezvous()
	e.Push(Op{Name: "a", Writes: []*Var{e.NewVar()}, Run: a})
	e.Push(Op{Name: "b", Writes: []*Var{e.NewVar()}, Run: b})
	if err := e.WaitAll(); err != nil {
		t.Fatal(err)
	}
}

func TestThreadedReadsRunConcurrently(t *testing.T) {
	e := newThreaded(ThreadedOptions{WorkersPerDevice: 2})
	defer e.Close()
	v := e.NewVar()
	a, b := rendezvous()
	e.Push(Op{Name: "a", Reads: []*Var{v}, Run: a})
	e.Push(Op{Name: "b", Reads: []*Var{v}, Run: b})
	if err := e.WaitAll(); err != nil {
		t.Fatal(err)
	}
}

// TestThreadedWriteWaitsForReads holds a read open and checks that neither
// a later write nor WaitForVar gets past it.
func TestThreadedWriteWaitsForReads(t *testing.T) {
	e := newThreaded(ThreadedOptions{WorkersPerDevice: 4})
	defer e.Close()
	v := e.NewVar()
	gate := make(chan struct{})
	var readDone, wrote atomic.Bool
	e.Push(Op{Name: "read", Reads: []*Var{v}, Run: func() error {
		<-gate
		readDone.Store(true)
		return nil
	}})
	e.Push(Op{Name: "write", Writes: []*Var{v}, Run: func() error {
		if !readDone.Load() {
			return errors.New("write ran before the earlier read finished")
		}
		wrote.Store(true)
		return nil
	}})
	waited := make(chan error, 1)
	go func() { waited <- e.WaitForVar(v) }()
	select {
	case err := <-waited:
		t.Fatalf("WaitForVar returned (%v) while a read was running", err)
	case <-time.After(20 * time.Millisecond):
	}
	close(gate)
	if err := <-waited; err != nil {
		t.Fatal(err)
	}
	if !wrote.Load() {
		t.Fatal("WaitForVar returned before the write ran")
	}
}

func TestThreadedOpWithoutVarsIsAsync(t *testing.T) {
	e := newThreaded(ThreadedOptions{})
	defer e.Close()
	release := make(chan struct{})
	e.Push(Op{Name: "async", Run: func() error {
		select {
		case <-release:
			return nil
		case <-time.After(rendezvousTimeout):
			return errors.New("Push ran the op inline")
		}
	}})
	close(release)
	if err := e.WaitAll(); err != nil {
		t.Fatal(err)
	}
}

// TestThreadedBackpressure pushes many ops through a small queue: Push must
// block rather than let unfinished ops pile up.
func TestThreadedBackpressure(t *testing.T) {
	const limit, total = 64, 100_000
	e := newThreaded(ThreadedOptions{WorkersPerDevice: 1, QueueLimit: limit})
	defer e.Close()
	var started atomic.Int64
	v := e.NewVar()
	maxBacklog := int64(0)
	for i := range total {
		var op Op
		op.Name = "tiny"
		op.Run = func() error { started.Add(1); return nil }
		if i%2 == 0 {
			op.Reads = []*Var{v}
		}
		e.Push(op)
		maxBacklog = max(maxBacklog, int64(i+1)-started.Load())
	}
	if err := e.WaitAll(); err != nil {
		t.Fatal(err)
	}
	if started.Load() != total {
		t.Fatalf("ran %d ops, want %d", started.Load(), total)
	}
	if maxBacklog > limit {
		t.Fatalf("up to %d ops were waiting, want at most QueueLimit %d", maxBacklog, limit)
	}
	if p := e.pending.Load(); p != 0 {
		t.Fatalf("pending = %d after WaitAll", p)
	}
}

// settledGoroutines waits for goroutines of earlier tests to exit and
// returns the count.
func settledGoroutines() int {
	n := runtime.NumGoroutine()
	for range 200 {
		time.Sleep(5 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m == n {
			break
		}
		n = m
	}
	return n
}

func TestThreadedCloseStopsWorkers(t *testing.T) {
	before := settledGoroutines()
	e := newThreaded(ThreadedOptions{WorkersPerDevice: 3})
	v := e.NewVar()
	for _, dev := range []Device{{Type: CPU}, {Type: GPU, ID: 0}, {Type: GPU, ID: 1}} {
		e.Push(Op{Name: "touch", Device: dev, Writes: []*Var{v}, Run: func() error { return nil }})
	}
	if n := runtime.NumGoroutine(); n < before+9 {
		t.Fatalf("%d goroutines with three pools started, want at least %d", n, before+9)
	}
	boom := errors.New("boom")
	e.Push(Op{Name: "fail", Run: func() error { return boom }})
	e.Close()
	e.Close()
	if err := e.WaitAll(); !errors.Is(err, boom) {
		t.Fatalf("WaitAll after Close = %v, want the failure pending at Close", err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines after Close, want %d", n, before)
	}
	// Memory of arrays collected after Close is still freed: pushes run inline.
	ran := false
	e.Push(Op{Name: "late", Writes: []*Var{v}, Run: func() error { ran = true; return nil }})
	if !ran || runtime.NumGoroutine() > before {
		t.Fatalf("Push after Close: ran %v, %d goroutines (want %d)", ran, runtime.NumGoroutine(), before)
	}
}

// TestThreadedCloseDuringPushes closes while other goroutines push: every
// op still runs exactly once and nothing panics.
func TestThreadedCloseDuringPushes(t *testing.T) {
	e := newThreaded(ThreadedOptions{WorkersPerDevice: 2, QueueLimit: 32})
	var ran atomic.Int64
	done := make(chan struct{})
	for range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			v := e.NewVar()
			for range 1000 {
				e.Push(Op{Name: "count", Writes: []*Var{v}, Run: func() error { ran.Add(1); return nil }})
			}
		}()
	}
	time.Sleep(time.Millisecond)
	e.Close()
	for range 4 {
		<-done
	}
	if err := e.WaitAll(); err != nil {
		t.Fatal(err)
	}
	if n := ran.Load(); n != 4000 {
		t.Fatalf("ran %d ops, want 4000", n)
	}
}

// TestThreadedManyWaiters has several goroutines push and wait at once.
func TestThreadedManyWaiters(t *testing.T) {
	e := newThreaded(ThreadedOptions{WorkersPerDevice: 2, QueueLimit: 16})
	defer e.Close()
	shared := e.NewVar()
	done := make(chan error)
	for g := range 4 {
		go func() {
			own := e.NewVar()
			n := 0
			for i := range 500 {
				e.Push(Op{Name: "step", Reads: []*Var{shared}, Writes: []*Var{own}, Run: func() error {
					n++
					return nil
				}})
				if i%50 == g {
					if err := e.WaitForVar(own); err != nil {
						done <- err
						return
					}
				}
			}
			if err := e.WaitForVar(own); err != nil || n != 500 {
				done <- errors.Join(err, errors.New("lost ops"))
				return
			}
			done <- nil
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

// BenchmarkPushWait measures the engine's overhead on a tiny op: push a
// 10-element add and wait for its output.
func BenchmarkPushWait(b *testing.B) {
	bench := func(b *testing.B, e Engine) {
		x, y, z := make([]float32, 10), make([]float32, 10), make([]float32, 10)
		vx, vy, vz := e.NewVar(), e.NewVar(), e.NewVar()
		add := func() error {
			for i := range z {
				z[i] = x[i] + y[i]
			}
			return nil
		}
		reads, writes := []*Var{vx, vy}, []*Var{vz} // nd builds these per op; not engine cost
		b.ReportAllocs()
		for b.Loop() {
			e.Push(Op{Name: "add", Reads: reads, Writes: writes, Run: add})
			if err := e.WaitForVar(vz); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("naive", func(b *testing.B) { bench(b, NewNaive()) })
	b.Run("threaded", func(b *testing.B) {
		e := newThreaded(ThreadedOptions{})
		defer e.Close()
		bench(b, e)
	})
}

// BenchmarkPushThroughput pushes independent tiny ops and waits once per
// batch: the per-op cost when the engine can run ahead.
func BenchmarkPushThroughput(b *testing.B) {
	e := newThreaded(ThreadedOptions{})
	defer e.Close()
	vars := make([]*Var, 64)
	for i := range vars {
		vars[i] = e.NewVar()
	}
	nop := func() error { return nil }
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		e.Push(Op{Name: "nop", Writes: vars[i%64 : i%64+1], Run: nop})
		i++
	}
	if err := e.WaitAll(); err != nil {
		b.Fatal(err)
	}
}

func TestEnvWorkers(t *testing.T) {
	for _, c := range []struct {
		val  string
		want int
	}{{"", 1}, {"3", 3}, {"0", 1}, {"-2", 1}, {"x", 1}} {
		t.Setenv("MXNET_CPU_WORKER_NTHREADS", c.val)
		if got := envWorkers("MXNET_CPU_WORKER_NTHREADS", defaultCPUWorkers); got != c.want {
			t.Errorf("MXNET_CPU_WORKER_NTHREADS=%q: %d workers, want %d", c.val, got, c.want)
		}
	}
}

// TestOneWorkerRunsIndependentChains checks that the default single CPU
// worker still makes progress on interleaved independent chains, in push
// order within each chain.
func TestOneWorkerRunsIndependentChains(t *testing.T) {
	t.Setenv("MXNET_CPU_WORKER_NTHREADS", "")
	e := newThreaded(ThreadedOptions{})
	defer e.Close()
	a, b := e.NewVar(), e.NewVar()
	var got [2][]int
	for i := range 50 {
		for c, v := range []*Var{a, b} {
			e.Push(Op{Name: "step", Writes: []*Var{v}, Run: func() error { got[c] = append(got[c], i); return nil }})
		}
	}
	if err := e.WaitAll(); err != nil {
		t.Fatal(err)
	}
	for c := range got {
		if len(got[c]) != 50 {
			t.Fatalf("chain %d ran %d ops, want 50", c, len(got[c]))
		}
		for i, v := range got[c] {
			if v != i {
				t.Fatalf("chain %d ran op %d at position %d", c, v, i)
			}
		}
	}
}

// TestThreadedSpinSettings runs a chain of dependent ops, each pushed after
// the previous one was waited for (a training loop's rhythm, where a
// spinning worker takes the next op without being woken), with the worker
// and waiters spinning, not spinning, and spinning for a long time; Close
// must not wait out a long spin.
func TestThreadedSpinSettings(t *testing.T) {
	for _, sp := range []time.Duration{-1, time.Millisecond, time.Hour} {
		e := newThreaded(ThreadedOptions{Spin: sp})
		v := e.NewVar()
		n := 0
		for i := range 200 {
			e.Push(Op{Name: "inc", Writes: []*Var{v}, Run: func() error { n++; return nil }})
			if i%2 == 0 {
				if err := e.WaitForVar(v); err != nil {
					t.Fatal(err)
				}
			} else if err := e.WaitAll(); err != nil {
				t.Fatal(err)
			}
			if n != i+1 {
				t.Fatalf("spin %v: after %d waits, %d ops ran", sp, i+1, n)
			}
		}
		start := time.Now()
		e.Close()
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("spin %v: Close took %v", sp, d)
		}
	}
}

func TestSpinFromEnvironment(t *testing.T) {
	t.Setenv("MXGO_ENGINE_SPIN", "0")
	if e := newThreaded(ThreadedOptions{}); e.spin != 0 {
		t.Errorf("MXGO_ENGINE_SPIN=0: spin %v, want 0", e.spin)
	}
	t.Setenv("MXGO_ENGINE_SPIN", "")
	if e := newThreaded(ThreadedOptions{}); e.spin != defaultSpin {
		t.Errorf("default spin %v, want %v", e.spin, defaultSpin)
	}
	if e := newThreaded(ThreadedOptions{Spin: 3 * time.Millisecond}); e.spin != 3*time.Millisecond {
		t.Errorf("option spin %v, want 3ms", e.spin)
	}
}
