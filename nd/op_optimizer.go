package nd

import (
	"fmt"
	"math"
	"sync"

	"github.com/mxgo/mxgo/nd/kernels"
)

// Fused optimizer update ops, one kernel each, with MXNet's names and
// formulas (src/operator/optimizer_op-inl.h). Inputs are (weight, grad,
// states...); outputs are (weight, states...) and are meant to be written in
// place with InvokeInto, as MXNet mutates its inputs. They have no Grad:
// updates are not part of a model's graph.
//
// Unlike other attrs structs, the zero value of these is not MXNet's
// default (beta1 0 is a valid setting): package optimizer always fills them.
// ClipGradient <= 0 means no clipping (MXNet's -1), RescaleGrad 0 means 1.

// SGDAttrs are the attributes of sgd_update, sgd_mom_update and
// nag_mom_update.
type SGDAttrs struct {
	LR           float64 `mx:"lr"`
	Momentum     float64 `mx:"momentum"`
	WD           float64 `mx:"wd"`
	RescaleGrad  float64 `mx:"rescale_grad"`
	ClipGradient float64 `mx:"clip_gradient"`
	WDLH         float64 `mx:"wd_lh"` // signum only
}

// AdamAttrs are the attributes of the Adam family (adam_update,
// _adamw_update, adamax_update, nadam_update, ftml_update,
// lamb_update_phase1). T is the update count where a rule needs it.
type AdamAttrs struct {
	LR             float64 `mx:"lr"`
	Beta1          float64 `mx:"beta1"`
	Beta2          float64 `mx:"beta2"`
	Epsilon        float64 `mx:"epsilon"`
	WD             float64 `mx:"wd"`
	Eta            float64 `mx:"eta"`
	RescaleGrad    float64 `mx:"rescale_grad"`
	ClipGradient   float64 `mx:"clip_gradient"`
	T              int     `mx:"t"`
	BiasCorrection bool    `mx:"bias_correction"`
	// Nadam's momentum schedule: μ_t, μ_{t+1}, Π μ_1..t and Π μ_1..t+1.
	MomentumT, MomentumT1, MSchedule, MScheduleNext float64
}

// RMSPropAttrs are the attributes of rmsprop_update, rmspropalex_update,
// adagrad_update and adadelta_update (Gamma1 is rho there).
type RMSPropAttrs struct {
	LR           float64 `mx:"lr"`
	Gamma1       float64 `mx:"gamma1"`
	Gamma2       float64 `mx:"gamma2"`
	Epsilon      float64 `mx:"epsilon"`
	WD           float64 `mx:"wd"`
	RescaleGrad  float64 `mx:"rescale_grad"`
	ClipGradient float64 `mx:"clip_gradient"`
	ClipWeights  float64 `mx:"clip_weights"`
}

// FtrlAttrs are the attributes of ftrl_update.
type FtrlAttrs struct {
	LR           float64 `mx:"lr"`
	Lamda1       float64 `mx:"lamda1"`
	Beta         float64 `mx:"beta"`
	WD           float64 `mx:"wd"`
	RescaleGrad  float64 `mx:"rescale_grad"`
	ClipGradient float64 `mx:"clip_gradient"`
}

// LambPhase2Attrs are the attributes of lamb_update_phase2.
type LambPhase2Attrs struct {
	LR         float64 `mx:"lr"`
	LowerBound float64 `mx:"lower_bound"` // <= 0: none
	UpperBound float64 `mx:"upper_bound"` // <= 0: none
}

type optFloat interface{ float32 | float64 }

// optGrad is MXNet's preprocessing: rescale, then clip when c > 0.
func optGrad[T optFloat](g T, rescale, c float64) T {
	if rescale != 0 {
		g *= T(rescale)
	}
	return optClipW(g, c)
}

// optClipW clips x to [-c, c] when c > 0.
func optClipW[T optFloat](x T, c float64) T {
	if c > 0 {
		if cc := T(c); x > cc {
			return cc
		} else if x < -cc {
			return -cc
		}
	}
	return x
}

func optSign[T optFloat](x T) T {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

func optSqrt[T optFloat](x T) T { return T(math.Sqrt(float64(x))) }

// optKernel turns a generic update into a kernel over float32 and float64.
// f receives the blobs' typed slices: in and out.
func optKernel(name string, f32 func(a any, in, out [][]float32), f64 func(a any, in, out [][]float64)) Kernel {
	return func(k *KernelArgs) error {
		switch k.Out[0].DType {
		case Float32:
			optRun(optGenericJobs32, k, f32)
		case Float64:
			optRun(optGenericJobs64, k, f64)
		default:
			return fmt.Errorf("%s: dtype %v not supported (float32 or float64; use multi_precision for float16 weights)", name, k.Out[0].DType)
		}
		return nil
	}
}

// optGrain is the number of elements below which an update runs on one core.
const optGrain = 1 << 15

// optJob is one generic update: the typed slices of its inputs and
// outputs, and per part of a split the same slices cut to the part's
// elements (arrays shorter than the weight, LAMB's norms, whole). It is
// pooled with its loop body bound once, so an update allocates nothing in
// the steady state.
type optJob[T optFloat] struct {
	a        any
	f        func(a any, in, out [][]T)
	in, out  [][]T
	cuts     [][][]T // per part: the cut inputs, then the cut outputs
	n, parts int
	body     func(lo, hi int)
}

var optGenericJobs32, optGenericJobs64 = newOptJobPool[float32](), newOptJobPool[float64]()

func newOptJobPool[T optFloat]() *sync.Pool {
	return &sync.Pool{New: func() any {
		j := new(optJob[T])
		j.body = j.run
		return j
	}}
}

// optRun runs f over k's blobs: inline below 2·optGrain elements, else in
// parts of at least optGrain over the threads.
func optRun[T optFloat](pool *sync.Pool, k *KernelArgs, f func(a any, in, out [][]T)) {
	j := pool.Get().(*optJob[T])
	j.a, j.f = k.Attrs, f
	j.in, j.out = optSlicesInto(j.in[:0], k.In), optSlicesInto(j.out[:0], k.Out)
	j.n = len(j.out[0])
	if j.n < 2*optGrain {
		f(j.a, j.in, j.out)
	} else {
		j.parts = min(kernels.NumThreads(), j.n/optGrain)
		for len(j.cuts) < j.parts {
			j.cuts = append(j.cuts, nil)
		}
		kernels.ParallelFor(j.parts, 1, j.body)
	}
	clear(j.in)
	clear(j.out)
	for _, c := range j.cuts {
		clear(c)
	}
	j.a, j.f = nil, nil // keep no array or attributes alive in the pool
	pool.Put(j)
}

// run computes parts [lo, hi) of j.
func (j *optJob[T]) run(lo, hi int) {
	for p := lo; p < hi; p++ {
		s, e := p*j.n/j.parts, (p+1)*j.n/j.parts
		c := j.cuts[p][:0]
		for _, x := range j.in {
			c = append(c, optCut(x, j.n, s, e))
		}
		for _, x := range j.out {
			c = append(c, optCut(x, j.n, s, e))
		}
		j.cuts[p] = c
		j.f(j.a, c[:len(j.in)], c[len(j.in):])
	}
}

// optCut is x's elements [s, e) when x is as long as the weight (n), else
// x whole.
func optCut[T optFloat](x []T, n, s, e int) []T {
	if len(x) == n {
		return x[s:e]
	}
	return x
}

func optSlicesInto[T optFloat](dst [][]T, bs []Blob) [][]T {
	for _, b := range bs {
		dst = append(dst, Elems[T](b))
	}
	return dst
}

// optRegister registers an update op whose outputs all have the weight's
// shape and dtype; the first nSame inputs must share that shape (the rest
// are scalars such as LAMB's norms).
func optRegister(name string, attrs any, nIn, nOut, nSame int, k Kernel) *OpDef {
	op := RegisterOp(&OpDef{
		Name: name, Attrs: attrs, NumInputs: nIn, NumOutputs: nOut,
		InferShape: func(_ any, in []Shape) ([]Shape, error) {
			for i := 1; i < nSame; i++ {
				if !in[i].Equal(in[0]) {
					return nil, fmt.Errorf("input %d has shape %v, weight has %v", i, in[i], in[0])
				}
			}
			out := make([]Shape, nOut)
			for i := range out {
				out[i] = in[0]
			}
			return out, nil
		},
		InferType: func(_ any, in []DType) ([]DType, error) {
			out := make([]DType, nOut)
			for i, t := range in {
				if t != in[0] {
					return nil, fmt.Errorf("input %d is %v, weight is %v", i, t, in[0])
				}
			}
			for i := range out {
				out[i] = in[0]
			}
			return out, nil
		},
		Kernels: cpu(k),
	})
	intoRule{stride: nIn, same: nSame, outs: nOut}.attach(op)
	return op
}

var opSGDUpdate, opSGDMomUpdate, opNAGMomUpdate, opSignSGDUpdate, opSignumUpdate *OpDef

func init() {
	// w = (1 - lr·wd)·w - lr·clip(rescale·g)
	opSGDUpdate = optRegister("sgd_update", SGDAttrs{}, 2, 1, 2, optSGDFamilyKernel("sgd_update", optStepSGD))
	// mom = momentum·mom - lr·wd·w - lr·clip(rescale·g); w += mom
	opSGDMomUpdate = optRegister("sgd_mom_update", SGDAttrs{}, 3, 2, 3, optSGDFamilyKernel("sgd_mom_update", optStepSGDMom))
	// g' = clip(rescale·g) + wd·w; mom = momentum·mom + g'; w -= lr·(g' + momentum·mom)
	opNAGMomUpdate = optRegister("nag_mom_update", SGDAttrs{}, 3, 2, 3, optSGDFamilyKernel("nag_mom_update", optStepNAG))
	// w = (1 - lr·wd)·w - lr·sign(clip(rescale·g))
	opSignSGDUpdate = optRegister("signsgd_update", SGDAttrs{}, 2, 1, 2, optSGDFamilyKernel("signsgd_update", optStepSignSGD))
	// mom = momentum·mom - (1-momentum)·(wd·w + clip(rescale·g)); w = (1 - lr·wd_lh)·w + lr·sign(mom)
	opSignumUpdate = optRegister("signum_update", SGDAttrs{}, 3, 2, 3, optSGDFamilyKernel("signum_update", optStepSignum))
}

// SGDUpdate runs sgd_update in place on weight.
func SGDUpdate(weight, grad *NDArray, a SGDAttrs) {
	InvokeInto(opSGDUpdate, a, []*NDArray{weight, grad}, []*NDArray{weight})
}

// SGDMomUpdate runs sgd_mom_update in place on weight and mom.
func SGDMomUpdate(weight, grad, mom *NDArray, a SGDAttrs) {
	InvokeInto(opSGDMomUpdate, a, []*NDArray{weight, grad, mom}, []*NDArray{weight, mom})
}

// NAGMomUpdate runs nag_mom_update in place on weight and mom.
func NAGMomUpdate(weight, grad, mom *NDArray, a SGDAttrs) {
	InvokeInto(opNAGMomUpdate, a, []*NDArray{weight, grad, mom}, []*NDArray{weight, mom})
}

// SignSGDUpdate runs signsgd_update in place on weight.
func SignSGDUpdate(weight, grad *NDArray, a SGDAttrs) {
	InvokeInto(opSignSGDUpdate, a, []*NDArray{weight, grad}, []*NDArray{weight})
}

// SignumUpdate runs signum_update in place on weight and mom.
func SignumUpdate(weight, grad, mom *NDArray, a SGDAttrs) {
	InvokeInto(opSignumUpdate, a, []*NDArray{weight, grad, mom}, []*NDArray{weight, mom})
}

var opAdamUpdate, opAdamWUpdate, opAdamaxUpdate, opNadamUpdate, opFTMLUpdate, opLambPhase1, opLambPhase2 *OpDef

func init() {
	// g' = clip(rescale·g + wd·w); m = β1·m + (1-β1)·g'; v = β2·v + (1-β2)·g'²;
	// w -= lr·m/(√v + ε)   (lr already carries the bias correction)
	opAdamUpdate = optRegister("adam_update", AdamAttrs{}, 4, 3, 4, adamKernel(optKernel("adam_update", optAdam[float32], optAdam[float64]), false))
	// g' = clip(rescale·g); m, v as Adam; w -= η·(lr·m/(√v + ε) + wd·w)
	opAdamWUpdate = optRegister("_adamw_update", AdamAttrs{}, 4, 3, 4, adamKernel(optKernel("_adamw_update", optAdamW[float32], optAdamW[float64]), true))
	// g' = clip(rescale·g + wd·w); m = β1·m + (1-β1)·g'; u = max(β2·u, |g'|); w -= lr·m/u
	opAdamaxUpdate = optRegister("adamax_update", AdamAttrs{}, 4, 3, 4, optKernel("adamax_update", optAdamax[float32], optAdamax[float64]))
	// Nadam (Dozat 2016) with MXNet's momentum schedule.
	opNadamUpdate = optRegister("nadam_update", AdamAttrs{}, 4, 3, 4, optKernel("nadam_update", optNadam[float32], optNadam[float64]))
	// FTML (Zheng & Kwok 2017): inputs (w, g, d, v, z).
	opFTMLUpdate = optRegister("ftml_update", AdamAttrs{}, 5, 4, 5, optKernel("ftml_update", optFTML[float32], optFTML[float64]))
	// LAMB phase 1: inputs (w, g, m, v), outputs (update direction, m, v).
	opLambPhase1 = optRegister("lamb_update_phase1", AdamAttrs{}, 4, 3, 4, optKernel("lamb_update_phase1", optLamb1[float32], optLamb1[float64]))
	// LAMB phase 2: inputs (w, direction, ‖w‖, ‖direction‖); w -= lr·r·direction.
	opLambPhase2 = optRegister("lamb_update_phase2", LambPhase2Attrs{}, 4, 1, 2, optKernel("lamb_update_phase2", optLamb2[float32], optLamb2[float64]))
}

// adamKernel is the kernel of adam_update (of _adamw_update when
// decoupled): float32 without clipping runs kernels.AdamUpdate32 or
// AdamWUpdate32 (vectorized, the same bits as optAdam and optAdamW); the
// rest runs generic.
func adamKernel(generic Kernel, decoupled bool) Kernel {
	return func(k *KernelArgs) error {
		a := k.Attrs.(AdamAttrs)
		if k.Out[0].DType != Float32 || a.ClipGradient > 0 {
			return generic(k)
		}
		j := getVecOptJob(k)
		j.kind = vecAdam
		if decoupled {
			j.kind = vecAdamW
		}
		j.adam = kernels.AdamParams{Beta1: float32(a.Beta1), Beta2: float32(a.Beta2), LR: float32(a.LR),
			Epsilon: float32(a.Epsilon), WD: float32(a.WD), Rescale: float32(optRescale(a.RescaleGrad)), Eta: float32(a.Eta)}
		j.start()
		return nil
	}
}

// rmspropKernel is the kernel of rmsprop_update (of adagrad_update with
// adagrad): float32 without clipping runs kernels.RMSPropUpdate32 or
// AdaGradUpdate32 (the same bits as optRMSProp and optAdaGrad); the rest
// runs generic.
func rmspropKernel(generic Kernel, adagrad bool) Kernel {
	return func(k *KernelArgs) error {
		a := k.Attrs.(RMSPropAttrs)
		if k.Out[0].DType != Float32 || a.ClipGradient > 0 || (a.ClipWeights > 0 && !adagrad) {
			return generic(k)
		}
		j := getVecOptJob(k)
		j.kind = vecRMSProp
		if adagrad {
			j.kind = vecAdaGrad
		}
		j.rms = kernels.RMSPropParams{Gamma1: float32(a.Gamma1), LR: float32(a.LR), Epsilon: float32(a.Epsilon),
			WD: float32(a.WD), Rescale: float32(optRescale(a.RescaleGrad))}
		j.start()
		return nil
	}
}

// vecOptKind names the vector kernel of a vecOptJob.
type vecOptKind uint8

const (
	vecAdam vecOptKind = iota
	vecAdamW
	vecRMSProp
	vecAdaGrad
)

// vecOptJob carries one float32 update by a vector kernel to the threads
// through a method value bound once: the outputs (the weight, then the
// states) and the inputs (weight, gradient, states) in the op's order.
type vecOptJob struct {
	kind    vecOptKind
	in, out [][]float32
	adam    kernels.AdamParams
	rms     kernels.RMSPropParams
	body    func(lo, hi int)
}

var vecOptJobs = sync.Pool{New: func() any {
	j := new(vecOptJob)
	j.body = j.run
	return j
}}

func getVecOptJob(k *KernelArgs) *vecOptJob {
	j := vecOptJobs.Get().(*vecOptJob)
	j.in, j.out = optSlicesInto(j.in[:0], k.In), optSlicesInto(j.out[:0], k.Out)
	return j
}

// start runs j over all elements, split as the SGD updates are
// (vecGrain), and pools it.
func (j *vecOptJob) start() {
	if n, grain := len(j.out[0]), vecGrain(); n < grain {
		j.run(0, n)
	} else {
		kernels.ParallelFor(n, grain/2, j.body)
	}
	clear(j.in) // keep no array alive in the pool
	clear(j.out)
	vecOptJobs.Put(j)
}

func (j *vecOptJob) run(lo, hi int) {
	in, out := j.in, j.out
	switch j.kind {
	case vecAdam, vecAdamW:
		update := kernels.AdamUpdate32
		if j.kind == vecAdamW {
			update = kernels.AdamWUpdate32
		}
		update(out[0][lo:hi], out[1][lo:hi], out[2][lo:hi], in[0][lo:hi], in[1][lo:hi], in[2][lo:hi], in[3][lo:hi], j.adam)
	case vecRMSProp, vecAdaGrad:
		update := kernels.RMSPropUpdate32
		if j.kind == vecAdaGrad {
			update = kernels.AdaGradUpdate32
		}
		update(out[0][lo:hi], out[1][lo:hi], in[0][lo:hi], in[1][lo:hi], in[2][lo:hi], j.rms)
	}
}

func optAdam[T optFloat](attrs any, in, out [][]T) {
	a := attrs.(AdamAttrs)
	w, g, m, v := in[0], in[1], in[2], in[3]
	ow, om, ov := out[0], out[1], out[2]
	b1, b2, lr, eps, wd := T(a.Beta1), T(a.Beta2), T(a.LR), T(a.Epsilon), T(a.WD)
	for i := range ow {
		gi := optGrad(g[i]*T(optRescale(a.RescaleGrad))+wd*w[i], 1, a.ClipGradient)
		mi := b1*m[i] + (1-b1)*gi
		vi := b2*v[i] + (1-b2)*gi*gi
		om[i], ov[i] = mi, vi
		ow[i] = w[i] - lr*mi/(optSqrt(vi)+eps)
	}
}

func optRescale(r float64) float64 {
	if r == 0 {
		return 1
	}
	return r
}

func optAdamW[T optFloat](attrs any, in, out [][]T) {
	a := attrs.(AdamAttrs)
	w, g, m, v := in[0], in[1], in[2], in[3]
	ow, om, ov := out[0], out[1], out[2]
	b1, b2, lr, eps, wd, eta := T(a.Beta1), T(a.Beta2), T(a.LR), T(a.Epsilon), T(a.WD), T(a.Eta)
	for i := range ow {
		gi := optGrad(g[i], a.RescaleGrad, a.ClipGradient)
		mi := b1*m[i] + (1-b1)*gi
		vi := b2*v[i] + (1-b2)*gi*gi
		om[i], ov[i] = mi, vi
		ow[i] = w[i] - eta*(lr*mi/(optSqrt(vi)+eps)+wd*w[i])
	}
}

func optAdamax[T optFloat](attrs any, in, out [][]T) {
	a := attrs.(AdamAttrs)
	w, g, m, u := in[0], in[1], in[2], in[3]
	ow, om, ou := out[0], out[1], out[2]
	b1, b2, lr, wd := T(a.Beta1), T(a.Beta2), T(a.LR), T(a.WD)
	for i := range ow {
		gi := optGrad(g[i]*T(optRescale(a.RescaleGrad))+wd*w[i], 1, a.ClipGradient)
		mi := b1*m[i] + (1-b1)*gi
		ui := max(b2*u[i], T(math.Abs(float64(gi))))
		om[i], ou[i] = mi, ui
		ow[i] = w[i] - lr*mi/ui
	}
}

func optNadam[T optFloat](attrs any, in, out [][]T) {
	a := attrs.(AdamAttrs)
	w, g, m, v := in[0], in[1], in[2], in[3]
	ow, om, ov := out[0], out[1], out[2]
	b1, b2, lr, eps, wd := T(a.Beta1), T(a.Beta2), T(a.LR), T(a.Epsilon), T(a.WD)
	mt, mt1 := T(a.MomentumT), T(a.MomentumT1)
	gScale := 1 / (1 - T(a.MSchedule))
	mScale := 1 / (1 - T(a.MScheduleNext))
	vScale := T(1 / (1 - math.Pow(a.Beta2, float64(a.T))))
	for i := range ow {
		gi := optGrad(g[i]*T(optRescale(a.RescaleGrad))+wd*w[i], 1, a.ClipGradient)
		mi := b1*m[i] + (1-b1)*gi
		vi := b2*v[i] + (1-b2)*gi*gi
		om[i], ov[i] = mi, vi
		mBar := (1-mt)*gi*gScale + mt1*mi*mScale
		ow[i] = w[i] - lr*mBar/(optSqrt(vi*vScale)+eps)
	}
}

func optFTML[T optFloat](attrs any, in, out [][]T) {
	a := attrs.(AdamAttrs)
	w, g, d, v, z := in[0], in[1], in[2], in[3], in[4]
	ow, od, ov, oz := out[0], out[1], out[2], out[3]
	b1, b2, eps, wd := T(a.Beta1), T(a.Beta2), T(a.Epsilon), T(a.WD)
	c1 := T((1 - math.Pow(a.Beta1, float64(a.T))) / a.LR)
	c2 := T(1 / (1 - math.Pow(a.Beta2, float64(a.T))))
	for i := range ow {
		gi := optGrad(g[i]*T(optRescale(a.RescaleGrad))+wd*w[i], 1, a.ClipGradient)
		vi := b2*v[i] + (1-b2)*gi*gi
		dt := c1 * (optSqrt(vi*c2) + eps)
		zi := b1*z[i] + (1-b1)*gi - (dt-b1*d[i])*w[i]
		ov[i], oz[i], od[i] = vi, zi, dt
		ow[i] = -zi / dt
	}
}

func optLamb1[T optFloat](attrs any, in, out [][]T) {
	a := attrs.(AdamAttrs)
	w, g, m, v := in[0], in[1], in[2], in[3]
	odir, om, ov := out[0], out[1], out[2]
	b1, b2, eps, wd := T(a.Beta1), T(a.Beta2), T(a.Epsilon), T(a.WD)
	c1, c2 := T(1), T(1)
	if a.BiasCorrection {
		c1 = T(1 / (1 - math.Pow(a.Beta1, float64(a.T))))
		c2 = T(1 / (1 - math.Pow(a.Beta2, float64(a.T))))
	}
	for i := range odir {
		gi := optGrad(g[i], a.RescaleGrad, a.ClipGradient)
		mi := b1*m[i] + (1-b1)*gi
		vi := b2*v[i] + (1-b2)*gi*gi
		wi := w[i] // read before writing: odir may alias nothing, but keep order explicit
		om[i], ov[i] = mi, vi
		odir[i] = mi*c1/(optSqrt(vi*c2)+eps) + wd*wi
	}
}

func optLamb2[T optFloat](attrs any, in, out [][]T) {
	a := attrs.(LambPhase2Attrs)
	w, dir, ow := in[0], in[1], out[0]
	r1, r2 := float64(in[2][0]), float64(in[3][0])
	if a.LowerBound > 0 {
		r1 = max(r1, a.LowerBound)
	}
	if a.UpperBound > 0 {
		r1 = min(r1, a.UpperBound)
	}
	lr := a.LR
	if r1 != 0 && r2 != 0 {
		lr *= r1 / r2
	}
	for i := range ow {
		ow[i] = w[i] - T(lr)*dir[i]
	}
}

// AdamUpdate runs adam_update in place on weight, mean and var.
func AdamUpdate(weight, grad, mean, variance *NDArray, a AdamAttrs) {
	InvokeInto(opAdamUpdate, a, []*NDArray{weight, grad, mean, variance}, []*NDArray{weight, mean, variance})
}

// AdamWUpdate runs _adamw_update in place on weight, mean and var.
func AdamWUpdate(weight, grad, mean, variance *NDArray, a AdamAttrs) {
	InvokeInto(opAdamWUpdate, a, []*NDArray{weight, grad, mean, variance}, []*NDArray{weight, mean, variance})
}

// AdamaxUpdate runs adamax_update in place on weight, mean and the
// infinity norm u.
func AdamaxUpdate(weight, grad, mean, u *NDArray, a AdamAttrs) {
	InvokeInto(opAdamaxUpdate, a, []*NDArray{weight, grad, mean, u}, []*NDArray{weight, mean, u})
}

// NadamUpdate runs nadam_update in place on weight, mean and var.
func NadamUpdate(weight, grad, mean, variance *NDArray, a AdamAttrs) {
	InvokeInto(opNadamUpdate, a, []*NDArray{weight, grad, mean, variance}, []*NDArray{weight, mean, variance})
}

// FTMLUpdate runs ftml_update in place on weight, d, v and z.
func FTMLUpdate(weight, grad, d, v, z *NDArray, a AdamAttrs) {
	InvokeInto(opFTMLUpdate, a, []*NDArray{weight, grad, d, v, z}, []*NDArray{weight, d, v, z})
}

// LambUpdatePhase1 writes LAMB's update direction into dir and updates mean
// and var in place.
func LambUpdatePhase1(weight, grad, mean, variance, dir *NDArray, a AdamAttrs) {
	InvokeInto(opLambPhase1, a, []*NDArray{weight, grad, mean, variance}, []*NDArray{dir, mean, variance})
}

// LambUpdatePhase2 applies w -= lr·(r1/r2)·dir in place, r1 = ‖w‖ (bounded)
// and r2 = ‖dir‖ given as one-element arrays (the ratio is 1 when either
// is 0).
func LambUpdatePhase2(weight, dir, r1, r2 *NDArray, a LambPhase2Attrs) {
	InvokeInto(opLambPhase2, a, []*NDArray{weight, dir, r1, r2}, []*NDArray{weight})
}

var opRMSPropUpdate, opRMSPropAlexUpdate, opAdaGradUpdate, opAdaDeltaUpdate, opFtrlUpdate *OpDef

func init() {
	// g' = clip(rescale·g + wd·w); n = (1-γ1)·g'² + γ1·n; w -= lr·g'/√(n + ε)
	opRMSPropUpdate = optRegister("rmsprop_update", RMSPropAttrs{}, 3, 2, 3, rmspropKernel(optKernel("rmsprop_update", optRMSProp[float32], optRMSProp[float64]), false))
	// centered (Graves 2013): inputs (w, g, n, ḡ, δ);
	// δ = γ2·δ - lr·g'/√(n - ḡ² + ε); w += δ
	opRMSPropAlexUpdate = optRegister("rmspropalex_update", RMSPropAttrs{}, 5, 4, 5, optKernel("rmspropalex_update", optRMSPropAlex[float32], optRMSPropAlex[float64]))
	// g' = clip(rescale·g); h += g'²; w -= lr·(g'/√(h + ε) + wd·w)
	opAdaGradUpdate = optRegister("adagrad_update", RMSPropAttrs{}, 3, 2, 3, rmspropKernel(optKernel("adagrad_update", optAdaGrad[float32], optAdaGrad[float64]), true))
	// inputs (w, g, E[g²], E[Δ²]); ρ = Gamma1;
	// Δ = √(E[Δ²]+ε)/√(E[g²]+ε)·g'; w -= lr·(Δ + wd·w)
	opAdaDeltaUpdate = optRegister("adadelta_update", RMSPropAttrs{}, 4, 3, 4, optKernel("adadelta_update", optAdaDelta[float32], optAdaDelta[float64]))
	// FTRL-Proximal (McMahan 2013): inputs (w, g, z, n).
	opFtrlUpdate = optRegister("ftrl_update", FtrlAttrs{}, 4, 3, 4, optKernel("ftrl_update", optFtrl[float32], optFtrl[float64]))
}

func optRMSProp[T optFloat](attrs any, in, out [][]T) {
	a := attrs.(RMSPropAttrs)
	w, g, n, ow, on := in[0], in[1], in[2], out[0], out[1]
	g1, lr, eps, wd := T(a.Gamma1), T(a.LR), T(a.Epsilon), T(a.WD)
	for i := range ow {
		gi := optGrad(g[i]*T(optRescale(a.RescaleGrad))+wd*w[i], 1, a.ClipGradient)
		ni := (1-g1)*gi*gi + g1*n[i]
		on[i] = ni
		ow[i] = optClipW(w[i]-lr*gi/optSqrt(ni+eps), a.ClipWeights)
	}
}

func optRMSPropAlex[T optFloat](attrs any, in, out [][]T) {
	a := attrs.(RMSPropAttrs)
	w, g, n, gb, d := in[0], in[1], in[2], in[3], in[4]
	ow, on, ogb, od := out[0], out[1], out[2], out[3]
	g1, g2, lr, eps, wd := T(a.Gamma1), T(a.Gamma2), T(a.LR), T(a.Epsilon), T(a.WD)
	for i := range ow {
		gi := optGrad(g[i]*T(optRescale(a.RescaleGrad))+wd*w[i], 1, a.ClipGradient)
		ni := (1-g1)*gi*gi + g1*n[i]
		gbi := (1-g1)*gi + g1*gb[i]
		di := g2*d[i] - lr*gi/optSqrt(ni-gbi*gbi+eps)
		on[i], ogb[i], od[i] = ni, gbi, di
		ow[i] = optClipW(w[i]+di, a.ClipWeights)
	}
}

func optAdaGrad[T optFloat](attrs any, in, out [][]T) {
	a := attrs.(RMSPropAttrs)
	w, g, h, ow, oh := in[0], in[1], in[2], out[0], out[1]
	lr, eps, wd := T(a.LR), T(a.Epsilon), T(a.WD)
	for i := range ow {
		gi := optGrad(g[i], a.RescaleGrad, a.ClipGradient)
		hi := h[i] + gi*gi
		oh[i] = hi
		ow[i] = w[i] - lr*(gi/optSqrt(hi+eps)+wd*w[i])
	}
}

func optAdaDelta[T optFloat](attrs any, in, out [][]T) {
	a := attrs.(RMSPropAttrs)
	w, g, accG, accD := in[0], in[1], in[2], in[3]
	ow, oaccG, oaccD := out[0], out[1], out[2]
	rho, lr, eps, wd := T(a.Gamma1), T(a.LR), T(a.Epsilon), T(a.WD)
	for i := range ow {
		gi := optGrad(g[i], a.RescaleGrad, a.ClipGradient)
		ag := rho*accG[i] + (1-rho)*gi*gi
		delta := optSqrt(accD[i]+eps) / optSqrt(ag+eps) * gi
		ad := rho*accD[i] + (1-rho)*delta*delta
		oaccG[i], oaccD[i] = ag, ad
		ow[i] = w[i] - lr*(delta+wd*w[i])
	}
}

func optFtrl[T optFloat](attrs any, in, out [][]T) {
	a := attrs.(FtrlAttrs)
	w, g, z, n := in[0], in[1], in[2], in[3]
	ow, oz, on := out[0], out[1], out[2]
	lr, l1, beta, wd := T(a.LR), T(a.Lamda1), T(a.Beta), T(a.WD)
	for i := range ow {
		gi := optGrad(g[i], a.RescaleGrad, a.ClipGradient)
		ni := n[i] + gi*gi
		zi := z[i] + gi - (optSqrt(ni)-optSqrt(n[i]))*w[i]/lr
		oz[i], on[i] = zi, ni
		if T(math.Abs(float64(zi))) > l1 {
			ow[i] = (optSign(zi)*l1 - zi) / ((beta+optSqrt(ni))/lr + wd)
		} else {
			ow[i] = 0
		}
	}
}

// RMSPropUpdate runs rmsprop_update in place on weight and n.
func RMSPropUpdate(weight, grad, n *NDArray, a RMSPropAttrs) {
	InvokeInto(opRMSPropUpdate, a, []*NDArray{weight, grad, n}, []*NDArray{weight, n})
}

// RMSPropAlexUpdate runs rmspropalex_update (centered RMSProp) in place on
// weight, n, g and delta.
func RMSPropAlexUpdate(weight, grad, n, g, delta *NDArray, a RMSPropAttrs) {
	InvokeInto(opRMSPropAlexUpdate, a, []*NDArray{weight, grad, n, g, delta}, []*NDArray{weight, n, g, delta})
}

// AdaGradUpdate runs adagrad_update in place on weight and history.
func AdaGradUpdate(weight, grad, history *NDArray, a RMSPropAttrs) {
	InvokeInto(opAdaGradUpdate, a, []*NDArray{weight, grad, history}, []*NDArray{weight, history})
}

// AdaDeltaUpdate runs adadelta_update in place on weight and the two
// running averages.
func AdaDeltaUpdate(weight, grad, accGrad, accDelta *NDArray, a RMSPropAttrs) {
	InvokeInto(opAdaDeltaUpdate, a, []*NDArray{weight, grad, accGrad, accDelta}, []*NDArray{weight, accGrad, accDelta})
}

// FtrlUpdate runs ftrl_update in place on weight, z and n.
func FtrlUpdate(weight, grad, z, n *NDArray, a FtrlAttrs) {
	InvokeInto(opFtrlUpdate, a, []*NDArray{weight, grad, z, n}, []*NDArray{weight, z, n})
}

// intoRule describes an update op's operands: groups of stride inputs per
// updated weight (one group, or num_weights from the multi ops' attrs),
// whose first same inputs have the weight's shape, and outs outputs per
// weight, output k belonging to weight k mod n (multi ops list the new
// weights first, then the new states). Every operand has the weight's dtype.
type intoRule struct {
	stride, same, outs int
	multi              bool
}

// attach makes r the check of op's InvokeInto calls.
func (r intoRule) attach(op *OpDef) { op.intoRule = &r }

// check panics with an *Error where InferShape, InferType or InvokeInto's
// own checks would; it allocates only to report an error.
func (r intoRule) check(op *OpDef, attrs any, in, out []*NDArray) {
	n := 1
	if r.multi {
		p := multiSGDParams(attrs)
		if err := p.validate(len(in), r.stride); err != nil {
			panic(opError(op, in, err))
		}
		n = p.n
	}
	if len(in) != r.stride*n {
		panicf(op.Name, "got %d inputs, want %d", len(in), r.stride*n)
	}
	for i, x := range in {
		if x == nil {
			panicf(op.Name, "input %d is nil", i)
		}
	}
	if len(out) != r.outs*n {
		panicf(op.Name, "got %d outputs, want %d", len(out), r.outs*n)
	}
	for i, o := range out {
		if o == nil {
			panicf(op.Name, "output %d is nil", i)
		}
	}
	dev, dt := out[0].st.dev, in[0].dtype
	for i, x := range in {
		if x.st.dev != dev {
			panicf(op.Name, "input on %v, output on %v", x.st.dev, dev)
		}
		if x.dtype != dt {
			panic(opError(op, in, fmt.Errorf("input %d is %v, weight is %v", i, x.dtype, dt)))
		}
		if w := in[i-i%r.stride]; i%r.stride < r.same && !x.shape.Equal(w.shape) {
			panic(opError(op, in, fmt.Errorf("input %d has shape %v, its weight (input %d) has %v", i, x.shape, i-i%r.stride, w.shape)))
		}
	}
	for k, o := range out {
		w := in[(k%n)*r.stride]
		if !o.shape.Equal(w.shape) || o.dtype != dt {
			panicf(op.Name, "output %d is %v %v, op gives %v %v", k, o.shape, o.dtype, w.shape, dt)
		}
	}
}
