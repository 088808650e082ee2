package nd

import "sync"

// Kernels that split a loop over kernels.ParallelFor keep the loop's
// parameters in a pooled task record whose body (a method value) is bound
// once, when the record is made. A closure over the kernel's locals would
// escape to the heap on every call, since ParallelFor hands it to other
// goroutines; a pooled record makes the steady state allocate nothing.

// kernelTasks holds the float32 (index 0) and float64 records of one kind
// of task.
type kernelTasks [2]sync.Pool

// kernelTaskIndex is the pool index of element type T.
func kernelTaskIndex[T nnFloat]() int {
	if isFloat32[T]() {
		return 0
	}
	return 1
}

// isFloat32 reports whether T is float32.
func isFloat32[T nnFloat]() bool {
	_, ok := any(T(0)).(float32) // a zero value: boxing it allocates nothing
	return ok
}

// getKernelTask returns a record from p, or a new one from newTask (which
// binds its body).
func getKernelTask[T nnFloat, S any](p *kernelTasks, newTask func() *S) *S {
	if v := p[kernelTaskIndex[T]()].Get(); v != nil {
		return v.(*S)
	}
	return newTask()
}

// putKernelTask returns s to p; the caller has cleared the slices it holds
// so the pool keeps no arrays alive.
func putKernelTask[T nnFloat, S any](p *kernelTasks, s *S) {
	p[kernelTaskIndex[T]()].Put(s)
}
