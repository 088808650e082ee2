package engine

// varQueue is the threaded engine's per-variable scheduling state.
type varQueue struct{}

// ThreadedOptions configures NewThreaded. Zero values pick defaults.
type ThreadedOptions struct {
	WorkersPerDevice int // default: GOMAXPROCS for CPU
	QueueLimit       int // pending ops before Push blocks; default 1<<14
}

// NewThreaded returns the dependency engine. (Temporary: runs inline until
// the threaded scheduler lands.)
func NewThreaded(opts ThreadedOptions) Engine { return NewNaive() }
