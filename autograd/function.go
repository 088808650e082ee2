package autograd

import "github.com/mxgo/mxgo/nd"

// Function is a differentiable operation written in Go (MXNet's
// autograd.Function): Forward computes outputs from inputs, Backward maps
// output gradients to input gradients. A Function value may keep what
// Forward saw for Backward to use, so use a fresh value per call.
type Function interface {
	Forward(inputs ...*nd.NDArray) []*nd.NDArray
	Backward(outGrads ...*nd.NDArray) []*nd.NDArray
}

// Releaser is implemented by Functions that hold resources for their
// Backward (a cached graph's saved state): Release is called once a
// backward pass that does not retain the graph has run through the node
// and detached its outputs from the graph.
// Such a Function also promises that Backward only reads its output
// gradients and returns new arrays it does not keep, so that autograd may
// release them after the pass (other Functions' gradients are left to the
// collector). After Release autograd no longer refers to the Function, so
// it may be reused for another call.
type Releaser interface {
	Release()
}

// BackwardIntoer is implemented by Functions that can write input
// gradients into given arrays. Autograd calls BackwardInto instead of
// Backward with one entry of into per input. During Backward (not Grad),
// into[i] is the gradient buffer of input i when that input is a leaf with
// grad_req write that receives no other gradient (nil otherwise); the
// Function writes the gradient there and returns it as input i's
// gradient. into belongs to autograd for the call: the Function may store
// its gradients in it and return it (so that a call allocates no list),
// and must not keep it.
type BackwardIntoer interface {
	BackwardInto(outGrads, into []*nd.NDArray) []*nd.NDArray
}

// GradRecycler is implemented by Releasers that can reuse the gradient
// arrays their Backward returns. After a Backward pass (not Grad) is done
// with such a gradient (the leaves are written and nothing the pass keeps
// shares its memory), autograd hands it back with RecycleGradient(i, g),
// i being the input it is the gradient of; from then on autograd neither
// reads nor releases g, and the Function may write a later call's
// gradient there instead of allocating one. Leaf buffers written in place
// (BackwardIntoer) are not handed back.
type GradRecycler interface {
	RecycleGradient(input int, g *nd.NDArray)
}

// Apply runs f.Forward on inputs and, when recording, puts f on the tape so
// that backward calls f.Backward. Forward itself runs unrecorded.
func Apply(f Function, inputs ...*nd.NDArray) []*nd.NDArray {
	rec := IsRecording()
	var out []*nd.NDArray
	Pause(func() { out = f.Forward(inputs...) })
	if rec {
		// Outputs must be distinct arrays for the tape, even when Forward
		// returned an input unchanged.
		for i, o := range out {
			for _, x := range inputs {
				if o == x {
					out[i] = o.Detach()
				}
			}
		}
		recordFunc(f, inputs, out)
	}
	return out
}
