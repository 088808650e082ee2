package loss

import (
	"fmt"

	"github.com/mxgo/mxgo/gluon"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/symbol"
)

// Hybridize returns l running as a cached graph, as Gluon's
// loss.hybridize() does: the first call with new input shapes traces l's
// Forward into a graph, later calls replay it in one pass (one node on the
// autograd tape instead of one per op, with memory planned once). The
// result computes the same values and gradients as l. opts, at most one,
// are the Blocks' options: with ReuseOutputs every call returns the same
// loss array, overwritten by the next call (see
// gluon.HybridizeOptions). Hybridizing a hybridized loss without options
// returns it unchanged; with options it hybridizes the loss it runs anew.
//
// A loss whose Forward reads its inputs' data (CTCLoss) cannot be traced;
// its hybridized form reports that as a panic with an *nd.Error naming the
// loss on the first call.
func Hybridize(l Loss, opts ...gluon.HybridizeOptions) Loss {
	if h, ok := l.(*hybridLoss); ok {
		if len(opts) == 0 {
			return h
		}
		l = h.inner
	}
	var o symbol.CachedOpOptions
	if len(opts) > 0 {
		o = opts[0].CachedOpOptions()
	}
	h := &hybridLoss{inner: l}
	h.fn = symbol.NewCachedFunc(fmt.Sprintf("loss %T", l), func(in []*nd.NDArray) []*nd.NDArray {
		return []*nd.NDArray{l.Forward(in[0], in[1], in[2:]...)}
	}, o)
	return h
}

// hybridLoss is a Loss replayed through a symbol.CachedFunc.
type hybridLoss struct {
	inner Loss
	fn    *symbol.CachedFunc
}

// Forward implements Loss.
func (h *hybridLoss) Forward(pred, label *nd.NDArray, sampleWeight ...*nd.NDArray) *nd.NDArray {
	var buf [3]*nd.NDArray
	var outBuf [1]*nd.NDArray
	in := append(append(buf[:0], pred, label), sampleWeight...)
	out, err := h.fn.CallInto(outBuf[:0], in)
	if err != nil {
		panic(&nd.Error{Op: "hybridized loss", Msg: err.Error()})
	}
	return out[0]
}

// String describes the loss it runs.
func (h *hybridLoss) String() string { return fmt.Sprintf("Hybridized(%v)", h.inner) }

// Unwrap returns the loss h runs.
func (h *hybridLoss) Unwrap() Loss { return h.inner }

// HybridPlans reports, for a loss returned by Hybridize, how many input
// signatures run as compiled programs and how many op by op (a kernel
// missing for the device) or not at all (Forward cannot be traced). It
// returns zeros for other losses.
func HybridPlans(l Loss) (compiled, opByOp int) {
	if h, ok := l.(*hybridLoss); ok {
		return h.fn.Plans()
	}
	return 0, 0
}
