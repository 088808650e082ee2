package nd

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/mxgo/mxgo/engine"
)

// Bulk is work over whole arrays pushed to the engine as one operation:
// the seam through which a cached graph runs all of its kernels in a single
// push (MXNet's bulk execution) instead of one push per op.
type Bulk struct {
	// Name is shown in errors ("engine: op <Name>: ...").
	Name string
	// Reads are the arrays Run reads; Writes the arrays it writes (an
	// array may be in both). All must be contiguous, on one device.
	Reads, Writes []*NDArray
	// RNG asks for the device's random stream: Run gets it, and the push
	// is ordered with every other random op on the device.
	RNG bool
	// Run computes on the arrays' blobs, in the order of Reads and Writes.
	Run func(reads, writes []Blob, rng *rand.Rand) error
}

// PushBulk schedules b after every pending write of its Reads and every
// pending use of its Writes. It panics with an *Error on traced, strided
// or mixed-device arrays.
func PushBulk(b Bulk) {
	var first *NDArray
	for _, list := range [2][]*NDArray{b.Reads, b.Writes} {
		for _, a := range list {
			if first == nil {
				first = a
			}
			switch {
			case a.st.traced:
				panicf(b.Name, "an input is a placeholder from a hybridized trace")
			case !a.IsContiguous():
				panicf(b.Name, "bulk arrays must be contiguous")
			case a.st.dev != first.st.dev:
				panicf(b.Name, "arrays on different devices: %v and %v", first.st.dev, a.st.dev)
			}
		}
	}
	if first == nil {
		panicf(b.Name, "bulk push with no arrays")
	}
	dev := first.st.dev
	checkDevice(b.Name, dev)
	// Tasks are recycled with their blob and variable lists, so a
	// steady stream of pushes allocates nothing; PushBulk keeps neither
	// b.Reads nor b.Writes.
	nr, nw := len(b.Reads), len(b.Writes)
	t := bulkPool.Get().(*bulkTask)
	t.blobs = slices.Grow(t.blobs[:0], nr+nw)[:nr+nw]
	t.run, t.reads, t.writes = b.Run, t.blobs[:nr:nr], t.blobs[nr:]
	vars := slices.Grow(t.vars[:0], nr+nw+1)
	for i, a := range b.Writes {
		t.writes[i] = a.blob()
		vars = appendVar(vars, a.st.v)
	}
	if b.RNG {
		r, v := engine.RNG(dev)
		t.rng = r
		vars = append(vars, v)
	}
	writes := vars[:len(vars):len(vars)]
	reads := vars[len(vars):len(vars)]
	for i, a := range b.Reads {
		t.reads[i] = a.blob()
		if !containsVar(writes, a.st.v) && !containsVar(reads, a.st.v) {
			reads = vars[len(writes) : len(writes)+len(reads)+1]
			reads[len(reads)-1] = a.st.v
		}
	}
	t.vars = vars[:len(writes)+len(reads)] // the reads lie past len(vars)
	first.st.eng.Push(engine.Op{Name: b.Name, Device: dev, Reads: reads, Writes: writes, Task: t})
}

type bulkTask struct {
	run           func(reads, writes []Blob, rng *rand.Rand) error
	reads, writes []Blob
	rng           *rand.Rand
	blobs         []Blob        // backing of reads and writes
	vars          []*engine.Var // backing of the op's variable lists
}

var bulkPool = sync.Pool{New: func() any { return new(bulkTask) }}

func (t *bulkTask) Run() error { return t.run(t.reads, t.writes, t.rng) }

// Recycle returns t to the pool once the engine is done with it
// (engine.Recycler), dropping its references to arrays and storage.
func (t *bulkTask) Recycle() {
	clear(t.blobs)
	clear(t.vars)
	t.run, t.rng, t.reads, t.writes = nil, nil, nil, nil
	bulkPool.Put(t)
}

// KernelFor returns op's kernel for dev's device type (pinned and shared
// host memory use the CPU kernel), or an error when there is none.
func KernelFor(op *OpDef, dev Device) (Kernel, error) {
	k := op.Kernels[dev.Type]
	if k == nil && (dev.Type == engine.CPUPinned || dev.Type == engine.CPUShared) {
		k = op.Kernels[engine.CPU]
	}
	if k == nil {
		return nil, fmt.Errorf("%s: no kernel for device %v", op.Name, dev)
	}
	return k, nil
}
