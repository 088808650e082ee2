// Package spin waits for a condition by polling it for a bounded time
// before the caller blocks.
//
// Waking a parked goroutine whose thread sleeps costs 50-100+ µs on a
// virtual machine (a futex wake, then the hypervisor and the OS must put the
// thread on a core): longer than most operators of a small network. The
// engine's worker and the kernels' pool helpers poll for their next piece
// of work for a while after the last one, so a training loop that keeps
// them busy never pays that wake-up. Every few microseconds they yield
// their P (to runnable goroutines) and their core (to runnable threads),
// polling in a tight loop in between, and they stop at once when the OS
// shows another thread was waiting for the core.
//
// A spinning goroutine holds a P, and Go's scheduler hands a P it frees
// with Gosched back to the spinner before a goroutine queued on a busy P:
// a waiter spinning on an engine result could keep the kernel helper that
// would compute it off the CPU for the whole spin. So spinners first call
// the helper installed with SetHelper (the kernels' pool: run the open
// parallel region's unclaimed chunks), doing the work instead of waiting
// for it.
//
//	var r *region
//	if !spin.Until(500*time.Microsecond, func() bool { r = poll(); return r != nil }) {
//		r = <-wake // park
//	}
package spin
