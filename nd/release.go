package nd

import (
	"sync"

	"github.com/mxgo/mxgo/engine"
)

// ReleaseTemporaries gives the pooled memory of the arrays in temps back
// to the pool as soon as the operations pending on them finish, instead of
// when the collector finds them dead: the way autograd hands back a
// backward pass's intermediate gradients, so that a training loop's memory
// stays at what it really holds. Arrays sharing memory with any array in
// keep are skipped, as are small arrays (plain Go memory). temps may hold
// views and repeats.
//
// The caller promises that nothing else refers to the temps (or views of
// them): using one afterwards panics with an *Error.
func ReleaseTemporaries(temps, keep []*NDArray) {
	found := false
	for _, t := range temps {
		if releasable(t) {
			found = true
			break
		}
	}
	if !found {
		return // small arrays only: nothing to look up
	}
	kept := keptPool.Get().(map[*storage]struct{})
	defer func() {
		clear(kept)
		keptPool.Put(kept)
	}()
	for _, k := range keep {
		if k != nil {
			kept[k.st] = struct{}{}
		}
	}
	for _, t := range temps {
		if !releasable(t) {
			continue
		}
		st := t.st
		if _, ok := kept[st]; ok {
			continue
		}
		st.cleanup.Stop()
		st.released = true
		engine.FreeAfter(st.eng, st.v, st.chunk)
		st.chunk = nil
	}
}

// keptPool recycles ReleaseTemporaries' set of kept storages, so that a
// training step's release allocates nothing.
var keptPool = sync.Pool{New: func() any { return map[*storage]struct{}{} }}

func releasable(t *NDArray) bool {
	return t != nil && t.st.chunk != nil && !t.st.released
}
