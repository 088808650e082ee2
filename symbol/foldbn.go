package symbol

import (
	"fmt"
	"maps"
	"math"

	"github.com/mxgo/mxgo/nd"
)

// FoldBatchNorm folds inference BatchNorm layers into the Convolution,
// FullyConnected or Deconvolution that feeds them. With the BatchNorm's
// moving statistics μ, σ², scale γ (1 under fix_gamma), shift β and eps,
// per output channel o:
//
//	s[o] = γ[o] / √(σ²[o] + eps)
//	w'[o, ...] = w[o, ...]·s[o]
//	b'[o] = (b[o] − μ[o])·s[o] + β[o]      (b = 0 for no_bias layers)
//
// and the pair becomes one layer with bias, reading new variables named
// "<layer>_folded_weight" and "<layer>_folded_bias" (a numeric suffix is
// added if those names are taken). The folded graph computes what the
// original computes at inference (BatchNorm using its moving statistics);
// it is an inference graph: training it would skip the batch statistics.
//
// A pair is folded when the layer's output feeds only the BatchNorm (and is
// not a head), the BatchNorm's mean and var outputs are unused, the
// BatchNorm normalizes the channel axis (axis 1; for FullyConnected, its
// last axis), the layer's layout is channel-first, and the weight, bias,
// γ, β, μ and σ² are variables with values in params. Grouped and
// depthwise convolutions and deconvolutions fold like plain ones (the
// scale follows each output channel's weights). Other pairs are left as
// they are.
//
// It returns the new graph and a new map: params without the values that
// only the folded layers read, plus the folded weights (float32 or
// float64, like the original weight, on its device). params and its arrays
// are not modified. The error reports parameters whose shapes do not fit
// the layer, or dtypes other than float32/float64.
func FoldBatchNorm(s *Symbol, params map[string]*nd.NDArray) (*Symbol, map[string]*nd.NDArray, error) {
	order := s.Topo()
	uses := consumerCounts(s)
	pinned := controlPinned(order)
	taken := map[string]bool{}
	for _, n := range order {
		taken[n.Name] = true
	}
	for k := range params {
		taken[k] = true
	}
	added := map[string]*nd.NDArray{}
	var failure error
	out := rewriteMapped(s, func(n, _ *Node, remap func(Entry) Entry) []Entry {
		if failure != nil {
			return nil
		}
		layer, ok := foldablePair(n, uses, pinned, params)
		if !ok {
			return nil
		}
		w, b, err := foldWeights(layer, n, params)
		if err != nil {
			failure = &NodeError{Node: n.Name, Op: n.OpName, Err: fmt.Errorf("folding into %s: %w", layer.Name, err)}
			return nil
		}
		wName := freeName(taken, layer.Name+"_folded_weight")
		bName := freeName(taken, layer.Name+"_folded_bias")
		added[wName], added[bName] = w, b
		folded := &Node{
			Op: layer.Op, OpName: layer.OpName, Name: layer.Name, Attrs: withBias(layer.Attrs),
			Extra: maps.Clone(layer.Extra),
			Inputs: []Entry{
				remap(layer.Inputs[0]),
				{Node: &Node{Name: wName}},
				{Node: &Node{Name: bName}},
			},
		}
		return []Entry{{Node: folded}}
	})
	if failure != nil {
		return nil, nil, failure
	}
	if len(added) == 0 {
		return out, maps.Clone(params), nil
	}
	// Keep what the new graph reads, and whatever the caller passed that
	// the old graph did not read (it may feed another graph).
	oldInputs := map[string]bool{}
	for _, name := range s.ListInputs() {
		oldInputs[name] = true
	}
	values := PruneParams(out, params)
	for k, v := range params {
		if !oldInputs[k] {
			values[k] = v
		}
	}
	maps.Copy(values, added)
	return out, values, nil
}

// foldablePair returns the layer feeding BatchNorm node bn when the pair
// can be folded.
func foldablePair(bn *Node, uses map[Entry]int, pinned map[*Node]bool, params map[string]*nd.NDArray) (*Node, bool) {
	if bn.Op == nil || bn.Op.Name != "BatchNorm" || len(bn.Inputs) != 5 || pinned[bn] {
		return nil, false
	}
	a, ok := bn.Attrs.(nd.BatchNormAttrs)
	if !ok || uses[Entry{bn, 1}] > 0 || uses[Entry{bn, 2}] > 0 {
		return nil, false
	}
	src := bn.Inputs[0]
	layer := src.Node
	if layer.Op == nil || src.Index != 0 || uses[src] != 1 || pinned[layer] {
		return nil, false
	}
	for _, e := range bn.Inputs[1:] {
		if !hasValue(e, params) {
			return nil, false
		}
	}
	var noBias bool
	switch la := layer.Attrs.(type) {
	case nd.ConvolutionAttrs:
		// Channel-first layouts keep output channels on weight axis 0.
		if !channelFirst(la.Layout) || !isChannelAxis(a.Axis, len(la.Kernel)+2) {
			return nil, false
		}
		noBias = la.NoBias
	case nd.DeconvolutionAttrs:
		if !channelFirst(la.Layout) || !isChannelAxis(a.Axis, len(la.Kernel)+2) {
			return nil, false
		}
		noBias = la.NoBias
	case nd.FullyConnectedAttrs:
		// A flattening layer's output is (N, units): channel axis 1 = -1.
		// Without flattening only the last axis is known to be the units.
		if a.Axis != -1 && (la.NoFlatten || (a.Axis != 0 && a.Axis != 1)) {
			return nil, false
		}
		noBias = la.NoBias
	default:
		return nil, false
	}
	want := 3
	if noBias {
		want = 2
	}
	if len(layer.Inputs) != want {
		return nil, false
	}
	for _, e := range layer.Inputs[1:] {
		if !hasValue(e, params) {
			return nil, false
		}
	}
	return layer, true
}

func hasValue(e Entry, params map[string]*nd.NDArray) bool {
	return e.Node.IsVariable() && params[e.Node.Name] != nil
}

func channelFirst(layout string) bool {
	switch layout {
	case "", "NCW", "NCHW", "NCDHW":
		return true
	}
	return false
}

// isChannelAxis reports whether BatchNorm's axis (0 standing for MXNet's
// default 1) is axis 1 of an ndim-dimensional array.
func isChannelAxis(axis, ndim int) bool {
	if axis < 0 {
		return axis+ndim == 1
	}
	return axis == 0 || axis == 1
}

// withBias returns the layer's attributes with the bias switched on.
func withBias(attrs any) any {
	switch a := attrs.(type) {
	case nd.ConvolutionAttrs:
		a.NoBias = false
		return a
	case nd.DeconvolutionAttrs:
		a.NoBias = false
		return a
	case nd.FullyConnectedAttrs:
		a.NoBias = false
		return a
	}
	return attrs
}

func freeName(taken map[string]bool, name string) string {
	cand := name
	for i := 1; taken[cand]; i++ {
		cand = fmt.Sprintf("%s%d", name, i)
	}
	taken[cand] = true
	return cand
}

// foldWeights computes the folded weight and bias of layer followed by bn.
func foldWeights(layer, bn *Node, params map[string]*nd.NDArray) (w, b *nd.NDArray, err error) {
	a := bn.Attrs.(nd.BatchNormAttrs)
	weight := params[layer.Inputs[1].Node.Name]
	wt := weight.DType()
	if wt != nd.Float32 && wt != nd.Float64 {
		return nil, nil, fmt.Errorf("weight %s is %v (float32 or float64 can be folded)", layer.Inputs[1].Node.Name, wt)
	}
	ws := weight.Shape()
	if len(ws) < 2 {
		return nil, nil, fmt.Errorf("weight %s has shape %v", layer.Inputs[1].Node.Name, ws)
	}
	// outChannel maps a weight row (index over the first two axes) to its
	// output channel; rows are the last len(ws)-2 axes' elements.
	channels := ws[0]
	outChannel := func(i, j int) int { return i }
	if da, ok := layer.Attrs.(nd.DeconvolutionAttrs); ok {
		// Deconvolution weights are (C_in, F/g, k...): input channel i of
		// group i/(C_in/g) feeds output channel g_i·(F/g) + j.
		g := max(da.NumGroup, 1)
		if ws[0]%g != 0 {
			return nil, nil, fmt.Errorf("weight %v does not split into %d groups", ws, g)
		}
		perGroupIn, perGroupOut := ws[0]/g, ws[1]
		channels = g * perGroupOut
		outChannel = func(i, j int) int { return (i/perGroupIn)*perGroupOut + j }
	}
	vec := func(e Entry, what string) ([]float64, error) {
		v := params[e.Node.Name]
		if !v.Shape().Equal(nd.Shape{channels}) {
			return nil, fmt.Errorf("%s %s has shape %v, want (%d,)", what, e.Node.Name, v.Shape(), channels)
		}
		return v.Values()
	}
	gamma, err := vec(bn.Inputs[1], "gamma")
	if err != nil {
		return nil, nil, err
	}
	beta, err := vec(bn.Inputs[2], "beta")
	if err != nil {
		return nil, nil, err
	}
	mean, err := vec(bn.Inputs[3], "moving_mean")
	if err != nil {
		return nil, nil, err
	}
	variance, err := vec(bn.Inputs[4], "moving_var")
	if err != nil {
		return nil, nil, err
	}
	bias := make([]float64, channels)
	if len(layer.Inputs) == 3 {
		if bias, err = vec(layer.Inputs[2], "bias"); err != nil {
			return nil, nil, err
		}
	}
	eps := a.Eps
	if eps == 0 {
		eps = 1e-3
	}
	fixGamma := a.FixGamma == nil || *a.FixGamma
	scale := make([]float64, channels)
	for o := range scale {
		g := gamma[o]
		if fixGamma {
			g = 1
		}
		scale[o] = g / math.Sqrt(variance[o]+eps)
		bias[o] = (bias[o]-mean[o])*scale[o] + beta[o]
	}
	wv, err := weight.Values()
	if err != nil {
		return nil, nil, err
	}
	row := nd.Shape(ws[2:]).Size()
	for i := 0; i < ws[0]; i++ {
		for j := 0; j < ws[1]; j++ {
			s := scale[outChannel(i, j)]
			r := wv[(i*ws[1]+j)*row : (i*ws[1]+j+1)*row]
			for k := range r {
				r[k] *= s
			}
		}
	}
	dev := nd.On(weight.Device())
	if wt == nd.Float32 {
		return nd.ArrayOf(toF32(wv), ws.Clone(), dev), nd.ArrayOf(toF32(bias), nd.Shape{channels}, dev), nil
	}
	return nd.ArrayOf(wv, ws.Clone(), dev), nd.ArrayOf(bias, nd.Shape{channels}, dev), nil
}

func toF32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}
