package nd

import "github.com/mxgo/mxgo/engine"

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
	kept := make(map[*storage]bool, len(keep))
	for _, k := range keep {
		if k != nil {
			kept[k.st] = true
		}
	}
	for _, t := range temps {
		if t == nil {
			continue
		}
		st := t.st
		if st.chunk == nil || st.released || kept[st] {
			continue
		}
		st.cleanup.Stop()
		st.released = true
		engine.FreeAfter(st.eng, st.v, st.chunk)
		st.chunk = nil
	}
}
