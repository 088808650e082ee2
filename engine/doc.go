// Package engine provides MXGo's asynchronous dependency engine, its
// per-device memory pool and per-device resources (random streams, scratch
// memory).
//
// # Overview
//
// Every computation is an [Op]: a closure pushed with the variables ([Var])
// it reads and writes. The threaded engine ([NewThreaded]) runs an op on its
// device's worker pool as soon as every earlier op it conflicts with is
// done: reads of a variable run together, a write runs after all earlier
// reads and writes of it; a tiny op ([SmallTask]) whose variables are free
// runs right away in the pushing goroutine, where it costs less than a
// hand-off to a worker. The naive engine ([NewNaive]) runs ops inline, for
// debugging and tiny workloads. MXNET_ENGINE_TYPE=NaiveEngine selects it
// for [Default]. A [Task] may implement [Recycler] to reuse its memory once
// the engine is done with it.
//
// As in MXNet, the CPU pool has one worker unless MXNET_CPU_WORKER_NTHREADS
// says otherwise (GPUs get MXNET_GPU_WORKER_NTHREADS, default 2): kernels
// spread large work over the cores themselves, and a single worker keeps a
// chain of small dependent ops on one core, where handing them between
// workers would cost thread wake-ups and cache traffic. An idle worker, and
// a goroutine in WaitForVar or WaitAll, polls for up to 200µs before it
// blocks (MXGO_ENGINE_SPIN or [ThreadedOptions].Spin sets how long; "0"
// blocks at once): a training loop then never waits for a sleeping thread
// to wake, which on a virtual machine costs 50-100+ µs per hand-off.
// While it polls it runs chunks of the kernels' open parallel region, if
// one has chunks left (see internal/spin): a waiter computes its result
// rather than holding a P the kernel helpers need.
//
//	e := engine.Default()
//	v := e.NewVar()
//	e.Push(engine.Op{Name: "fill", Writes: []*engine.Var{v}, Run: func() error { ...; return nil }})
//	err := e.WaitForVar(v)
//
// # Errors
//
// A failed op's *OpError (a panic becomes a *PanicError inside it) is set on
// the variables it writes; ops reading such a variable do not run and pass
// an [ErrUpstream] error on. Errors surface at WaitForVar and, joined, at
// WaitAll. An op that writes a variable without reading it and succeeds
// clears the variable's error.
//
// # Memory
//
// [Alloc] hands out 64-byte-aligned chunks from a size-bucketed pool per
// device; [Free] returns them for reuse (memory is not zeroed), and
// [FreeAfter] frees once pending ops are done. Host memory is built in;
// other devices need a backend registered with [RegisterAllocator].
//
// # Concurrency
//
// All functions are safe for concurrent use. Ops must not wait on the
// engine from inside Run. Close stops a threaded engine's workers.
package engine
