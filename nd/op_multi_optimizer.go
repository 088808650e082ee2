package nd

import (
	"fmt"
	"sync"

	"github.com/mxgo/mxgo/nd/kernels"
)

// The SGD family's kernels (sgd_update, sgd_mom_update, nag_mom_update,
// signsgd_update, signum_update)
// and MXNet's aggregated forms, multi_sgd_update and multi_sgd_mom_update,
// which update several weights in one engine operation. Each weight of a
// multi op runs through the same code as the per-tensor op, so the two
// give bit-identical results. None of them allocates per call: a pooled
// job carries the slices to the threads through a method value bound once.

// optStep names one SGD-family update rule.
type optStep uint8

const (
	optStepSGD     optStep = iota // w = (1 - lr·wd)·w - lr·g'
	optStepSGDMom                 // mom = momentum·mom - lr·wd·w - lr·g'; w += mom
	optStepNAG                    // Nesterov momentum (nag_mom_update)
	optStepSignSGD                // w = (1 - lr·wd)·w - lr·sign(g')
	optStepSignum                 // signum_update
)

// hasState reports whether the rule keeps a momentum buffer (input 2,
// output 1).
func (s optStep) hasState() bool { return s != optStepSGD && s != optStepSignSGD }

// optSGDJob is one update over a weight's elements; span computes the
// elements [lo, hi).
type optSGDJob[T optFloat] struct {
	a                   SGDAttrs
	w, g, mom, ow, omom []T
	span                func(j *optSGDJob[T], lo, hi int)
	body                func(lo, hi int) // j.run, bound when the job is made
}

func (j *optSGDJob[T]) run(lo, hi int) { j.span(j, lo, hi) }

func newOptSGDJobPool[T optFloat]() *sync.Pool {
	return &sync.Pool{New: func() any {
		j := new(optSGDJob[T])
		j.body = j.run
		return j
	}}
}

var optJobs32, optJobs64 = newOptSGDJobPool[float32](), newOptSGDJobPool[float64]()

// optSGDFamilyKernel is the kernel of a per-tensor SGD-family op: inputs
// (w, g[, mom]), outputs (w[, mom]).
func optSGDFamilyKernel(name string, kind optStep) Kernel {
	return func(k *KernelArgs) error {
		var mom, omom Blob
		if kind.hasState() {
			mom, omom = k.In[2], k.Out[1]
		}
		return optSGDBlobs(name, kind, k.Attrs.(SGDAttrs), k.In[0], k.In[1], mom, k.Out[0], omom)
	}
}

// optSGDBlobs runs one update of kind on blobs (mom and omom are zero
// blobs for plain SGD).
func optSGDBlobs(name string, kind optStep, a SGDAttrs, w, g, mom, ow, omom Blob) error {
	switch ow.DType {
	case Float32:
		if span := optVecSpans32[kind]; span != nil && a.ClipGradient <= 0 {
			// The vectorized kernels (kernels.SGDUpdate32, SGDMomUpdate32,
			// NAGMomUpdate32), split as the other streaming loops are
			// (vecGrain).
			grain := vecGrain()
			optSGDRun(optJobs32, span, grain, grain/2, a, w.F32(), g.F32(), mom.F32(), ow.F32(), omom.F32())
			return nil
		}
		optSGDRun(optJobs32, optSpans32[kind], 2*optGrain, optGrain, a, w.F32(), g.F32(), mom.F32(), ow.F32(), omom.F32())
	case Float64:
		optSGDRun(optJobs64, optSpans64[kind], 2*optGrain, optGrain, a, w.F64(), g.F64(), mom.F64(), ow.F64(), omom.F64())
	default:
		return fmt.Errorf("%s: dtype %v not supported (float32 or float64; use multi_precision for float16 weights)", name, ow.DType)
	}
	return nil
}

// optSGDRun computes all of ow (and omom): inline below threshold
// elements, else over the threads in chunks of at least grain.
func optSGDRun[T optFloat](pool *sync.Pool, span func(*optSGDJob[T], int, int), threshold, grain int, a SGDAttrs, w, g, mom, ow, omom []T) {
	n := len(ow)
	if n == 0 {
		return
	}
	j := pool.Get().(*optSGDJob[T])
	j.a, j.span = a, span
	j.w, j.g, j.mom, j.ow, j.omom = w, g, mom, ow, omom
	if n < threshold {
		span(j, 0, n)
	} else {
		kernels.ParallelFor(n, grain, j.body)
	}
	j.w, j.g, j.mom, j.ow, j.omom = nil, nil, nil, nil, nil // keep no array alive in the pool
	pool.Put(j)
}

// The span functions per optStep, made once: a generic function used as
// a value allocates its closure each time.
var (
	optSpans32 = [...]func(*optSGDJob[float32], int, int){optSGDSpan[float32], optSGDMomSpan[float32], optNAGSpan[float32], optSignSGDSpan[float32], optSignumSpan[float32]}
	optSpans64 = [...]func(*optSGDJob[float64], int, int){optSGDSpan[float64], optSGDMomSpan[float64], optNAGSpan[float64], optSignSGDSpan[float64], optSignumSpan[float64]}
)

func optSGDSpan32(j *optSGDJob[float32], lo, hi int) {
	a := &j.a
	kernels.SGDUpdate32(j.ow[lo:hi], j.w[lo:hi], j.g[lo:hi], float32(1-a.LR*a.WD), float32(a.LR), float32(optRescale(a.RescaleGrad)))
}

// optVecSpans32 are the vectorized float32 spans of the rules without
// clipping (nil: none).
var optVecSpans32 = [...]func(*optSGDJob[float32], int, int){optStepSGD: optSGDSpan32, optStepSGDMom: optSGDMomSpan32, optStepNAG: optNAGSpan32, optStepSignum: nil}

func optSGDMomSpan32(j *optSGDJob[float32], lo, hi int) {
	a := &j.a
	kernels.SGDMomUpdate32(j.ow[lo:hi], j.omom[lo:hi], j.w[lo:hi], j.g[lo:hi], j.mom[lo:hi],
		float32(a.Momentum), float32(a.LR), float32(a.LR*a.WD), float32(optRescale(a.RescaleGrad)))
}

func optNAGSpan32(j *optSGDJob[float32], lo, hi int) {
	a := &j.a
	kernels.NAGMomUpdate32(j.ow[lo:hi], j.omom[lo:hi], j.w[lo:hi], j.g[lo:hi], j.mom[lo:hi],
		float32(a.Momentum), float32(a.LR), float32(a.WD), float32(optRescale(a.RescaleGrad)))
}

func optSGDSpan[T optFloat](j *optSGDJob[T], lo, hi int) {
	a := &j.a
	ow := j.ow[lo:hi]
	w, g := j.w[lo:hi], j.g[lo:hi]
	decay, lr := T(1-a.LR*a.WD), T(a.LR)
	if a.ClipGradient <= 0 {
		// The loop-invariant rescale hoisted: a plain loop the compiler
		// keeps tight.
		r := T(optRescale(a.RescaleGrad))
		for i := range ow {
			ow[i] = decay*w[i] - lr*(g[i]*r)
		}
		return
	}
	for i := range ow {
		ow[i] = decay*w[i] - lr*optGrad(g[i], a.RescaleGrad, a.ClipGradient)
	}
}

func optSGDMomSpan[T optFloat](j *optSGDJob[T], lo, hi int) {
	a := &j.a
	ow := j.ow[lo:hi]
	w, g, mom, omom := j.w[lo:hi], j.g[lo:hi], j.mom[lo:hi], j.omom[lo:hi]
	m, lr, lrwd := T(a.Momentum), T(a.LR), T(a.LR*a.WD)
	if a.ClipGradient <= 0 {
		r := T(optRescale(a.RescaleGrad))
		for i := range ow {
			v := m*mom[i] - lrwd*w[i] - lr*(g[i]*r)
			omom[i] = v
			ow[i] = w[i] + v
		}
		return
	}
	for i := range ow {
		v := m*mom[i] - lrwd*w[i] - lr*optGrad(g[i], a.RescaleGrad, a.ClipGradient)
		omom[i] = v
		ow[i] = w[i] + v
	}
}

func optNAGSpan[T optFloat](j *optSGDJob[T], lo, hi int) {
	a := &j.a
	ow := j.ow[lo:hi]
	w, g, mom, omom := j.w[lo:hi], j.g[lo:hi], j.mom[lo:hi], j.omom[lo:hi]
	m, lr, wd := T(a.Momentum), T(a.LR), T(a.WD)
	for i := range ow {
		gi := optGrad(g[i], a.RescaleGrad, a.ClipGradient) + wd*w[i]
		v := m*mom[i] + gi
		omom[i] = v
		ow[i] = w[i] - lr*(gi+m*v)
	}
}

func optSignSGDSpan[T optFloat](j *optSGDJob[T], lo, hi int) {
	a := &j.a
	ow := j.ow[lo:hi]
	w, g := j.w[lo:hi], j.g[lo:hi]
	decay, lr := T(1-a.LR*a.WD), T(a.LR)
	for i := range ow {
		ow[i] = decay*w[i] - lr*optSign(optGrad(g[i], a.RescaleGrad, a.ClipGradient))
	}
}

func optSignumSpan[T optFloat](j *optSGDJob[T], lo, hi int) {
	a := &j.a
	ow := j.ow[lo:hi]
	w, g, mom, omom := j.w[lo:hi], j.g[lo:hi], j.mom[lo:hi], j.omom[lo:hi]
	m, lr, wd, decay := T(a.Momentum), T(a.LR), T(a.WD), T(1-a.LR*a.WDLH)
	for i := range ow {
		v := m*mom[i] - (1-m)*(wd*w[i]+optGrad(g[i], a.RescaleGrad, a.ClipGradient))
		omom[i] = v
		ow[i] = decay*w[i] + lr*optSign(v)
	}
}

// MultiSGDAttrs are the attributes of multi_sgd_update (MXNet's
// MultiSGDParam): one learning rate and weight decay per weight, the rest
// shared. As with SGDAttrs, RescaleGrad 0 means 1 and ClipGradient <= 0
// means no clipping; NumWeights must equal len(LRs) and len(WDs)
// (MultiSGDUpdate fills it when 0).
type MultiSGDAttrs struct {
	LRs          []float64 `mx:"lrs"`
	WDs          []float64 `mx:"wds"`
	RescaleGrad  float64   `mx:"rescale_grad" default:"1"`
	ClipGradient float64   `mx:"clip_gradient" default:"-1"`
	NumWeights   int       `mx:"num_weights" default:"1"`
}

// MultiSGDMomAttrs are the attributes of multi_sgd_mom_update (MXNet's
// MultiSGDMomParam): MultiSGDAttrs plus the shared momentum.
type MultiSGDMomAttrs struct {
	LRs          []float64 `mx:"lrs"`
	WDs          []float64 `mx:"wds"`
	Momentum     float64   `mx:"momentum"`
	RescaleGrad  float64   `mx:"rescale_grad" default:"1"`
	ClipGradient float64   `mx:"clip_gradient" default:"-1"`
	NumWeights   int       `mx:"num_weights" default:"1"`
}

// multiSGDParam is either attrs type, read the same way.
type multiSGDParam struct {
	lrs, wds                []float64
	momentum, rescale, clip float64
	n                       int
	attrsType               string // the wrong attrs type given, "" when valid
}

func multiSGDParams(attrs any) multiSGDParam {
	switch a := attrs.(type) {
	case MultiSGDAttrs:
		return multiSGDParam{lrs: a.LRs, wds: a.WDs, rescale: a.RescaleGrad, clip: a.ClipGradient, n: a.NumWeights}
	case MultiSGDMomAttrs:
		return multiSGDParam{lrs: a.LRs, wds: a.WDs, momentum: a.Momentum, rescale: a.RescaleGrad, clip: a.ClipGradient, n: a.NumWeights}
	}
	return multiSGDParam{attrsType: fmt.Sprintf("%T", attrs)}
}

// validate checks the attributes against nIn inputs of stride per weight.
func (p multiSGDParam) validate(nIn, stride int) error {
	switch {
	case p.attrsType != "":
		return fmt.Errorf("attributes are %s, want MultiSGDAttrs or MultiSGDMomAttrs", p.attrsType)
	case p.n <= 0:
		return fmt.Errorf("num_weights %d: must be positive", p.n)
	case len(p.lrs) != p.n:
		return fmt.Errorf("%d learning rates (lrs) for num_weights %d", len(p.lrs), p.n)
	case len(p.wds) != p.n:
		return fmt.Errorf("%d weight decays (wds) for num_weights %d", len(p.wds), p.n)
	case nIn != stride*p.n:
		return fmt.Errorf("got %d inputs, want %d (%d per weight, num_weights %d)", nIn, stride*p.n, stride, p.n)
	}
	return nil
}

var opMultiSGDUpdate, opMultiSGDMomUpdate *OpDef

func init() {
	// Inputs w0, g0, w1, g1, ...; outputs the new weights.
	opMultiSGDUpdate = multiSGDRegister("multi_sgd_update", MultiSGDAttrs{}, optStepSGD)
	// Inputs w0, g0, mom0, w1, g1, mom1, ...; outputs the new weights, then
	// the new momenta (MXNet mutates mom as an input; listing it as an
	// output tells the engine that the op writes it).
	opMultiSGDMomUpdate = multiSGDRegister("multi_sgd_mom_update", MultiSGDMomAttrs{}, optStepSGDMom)
}

func multiSGDRegister(name string, attrs any, kind optStep) *OpDef {
	stride, outs := 2, 1
	if kind == optStepSGDMom {
		stride, outs = 3, 2
	}
	op := RegisterOp(&OpDef{
		Name: name, Attrs: attrs, NumInputs: -1,
		InferShape: func(attrs any, in []Shape) ([]Shape, error) {
			p := multiSGDParams(attrs)
			if err := p.validate(len(in), stride); err != nil {
				return nil, err
			}
			out := make([]Shape, outs*p.n)
			for i, s := range in {
				if w := in[i-i%stride]; !s.Equal(w) {
					return nil, fmt.Errorf("input %d has shape %v, its weight (input %d) has %v", i, s, i-i%stride, w)
				}
			}
			for k := range out {
				out[k] = in[(k%p.n)*stride]
			}
			return out, nil
		},
		InferType: func(attrs any, in []DType) ([]DType, error) {
			p := multiSGDParams(attrs)
			if err := p.validate(len(in), stride); err != nil {
				return nil, err
			}
			for i, t := range in {
				if t != in[0] {
					return nil, fmt.Errorf("input %d is %v, input 0 is %v", i, t, in[0])
				}
			}
			out := make([]DType, outs*p.n)
			for k := range out {
				out[k] = in[0]
			}
			return out, nil
		},
		Kernels: cpu(multiSGDKernel(name, kind, stride)),
	})
	intoRule{stride: stride, same: stride, outs: outs, multi: true}.attach(op)
	return op
}

// multiSGDKernel updates each weight in turn with the per-tensor code.
func multiSGDKernel(name string, kind optStep, stride int) Kernel {
	return func(k *KernelArgs) error {
		p := multiSGDParams(k.Attrs)
		for i := 0; i < p.n; i++ {
			a := SGDAttrs{LR: p.lrs[i], WD: p.wds[i], Momentum: p.momentum, RescaleGrad: p.rescale, ClipGradient: p.clip}
			var mom, omom Blob
			if kind == optStepSGDMom {
				mom, omom = k.In[i*stride+2], k.Out[p.n+i]
			}
			if err := optSGDBlobs(name, kind, a, k.In[i*stride], k.In[i*stride+1], mom, k.Out[i], omom); err != nil {
				return err
			}
		}
		return nil
	}
}

// MultiSGDUpdate runs multi_sgd_update: sgd_update on every weights[i] in
// place, from grads[i] with learning rate a.LRs[i] and weight decay
// a.WDs[i], as one engine operation (MXNet's aggregated SGD):
//
//	w_i = (1 - lr_i·wd_i)·w_i - lr_i·clip(rescale_grad·g_i)
//
// Results are bit-identical to sgd_update per weight. Shapes: grads[i]
// has weights[i]'s shape; all arrays share one dtype (float32 or float64)
// and device. a.NumWeights 0 means len(weights). It panics if the lists
// differ in length, if a.LRs or a.WDs has not one value per weight, or on
// a shape, dtype or device mismatch.
func MultiSGDUpdate(weights, grads []*NDArray, a MultiSGDAttrs) {
	if len(grads) != len(weights) {
		panicf("multi_sgd_update", "%d weights, %d grads", len(weights), len(grads))
	}
	if a.NumWeights == 0 {
		a.NumWeights = len(weights)
	}
	var inBuf [16]*NDArray
	in := inBuf[:0]
	for i, w := range weights {
		in = append(in, w, grads[i])
	}
	InvokeInto(opMultiSGDUpdate, a, in, weights)
}

// MultiSGDMomUpdate runs multi_sgd_mom_update: sgd_mom_update on every
// weights[i] and moms[i] in place, from grads[i] with learning rate
// a.LRs[i] and weight decay a.WDs[i], as one engine operation:
//
//	mom_i = momentum·mom_i - lr_i·wd_i·w_i - lr_i·clip(rescale_grad·g_i)
//	w_i += mom_i
//
// Results are bit-identical to sgd_mom_update per weight. Shapes: grads[i]
// and moms[i] have weights[i]'s shape; all arrays share one dtype (float32
// or float64) and device. a.NumWeights 0 means len(weights). It panics if
// the lists differ in length, if a.LRs or a.WDs has not one value per
// weight, or on a shape, dtype or device mismatch.
func MultiSGDMomUpdate(weights, grads, moms []*NDArray, a MultiSGDMomAttrs) {
	if len(grads) != len(weights) || len(moms) != len(weights) {
		panicf("multi_sgd_mom_update", "%d weights, %d grads, %d moms", len(weights), len(grads), len(moms))
	}
	if a.NumWeights == 0 {
		a.NumWeights = len(weights)
	}
	var inBuf [24]*NDArray
	var outBuf [16]*NDArray
	in, out := inBuf[:0], outBuf[:0]
	for i, w := range weights {
		in = append(in, w, grads[i], moms[i])
	}
	out = append(append(out, weights...), moms...)
	InvokeInto(opMultiSGDMomUpdate, a, in, out)
}
