package nd

import (
	"fmt"
	"math"

	"github.com/mxgo/mxgo/nd/kernels"
)

// Normalization: BatchNorm, LayerNorm, GroupNorm, InstanceNorm. All four
// compute out = γ·(x-μ)/√(σ²+eps) + β over different element groups and
// return the group means and (biased) variances as extra outputs. One
// fused op, _norm_backward, computes the gradients for all of them
// (including gradients arriving at the mean/var outputs); it is an op of
// its own but has no gradient itself, so norms are differentiable once.

// BatchNormAttrs are the attributes of BatchNorm. Zero values take MXNet's
// defaults: Eps 0 means 1e-3, Momentum nil means 0.9, FixGamma nil means
// true (Gluon's layer passes false), Axis 0 means 1 (spell the first axis
// as -ndim). Train selects batch statistics and the moving-average update;
// it is MXNet's is_train flag, a hidden attribute the caller sets (Gluon
// passes autograd.IsTraining()).
type BatchNormAttrs struct {
	Eps            float64  `mx:"eps"`
	Momentum       *float64 `mx:"momentum"`
	FixGamma       *bool    `mx:"fix_gamma"`
	UseGlobalStats bool     `mx:"use_global_stats"`
	OutputMeanVar  bool     `mx:"output_mean_var"`
	Axis           int      `mx:"axis"`
	Train          bool     `mx:"__is_train__"`
}

// LayerNormAttrs are the attributes of LayerNorm: normalize over one axis
// (0 means MXNet's -1; spell the first axis as -ndim); Eps 0 means 1e-5.
type LayerNormAttrs struct {
	Axis          int     `mx:"axis"`
	Eps           float64 `mx:"eps"`
	OutputMeanVar bool    `mx:"output_mean_var"`
}

// GroupNormAttrs are the attributes of GroupNorm: NumGroups 0 means 1, Eps
// 0 means 1e-5. gamma and beta are per channel, (C,).
type GroupNormAttrs struct {
	NumGroups     int     `mx:"num_groups"`
	Eps           float64 `mx:"eps"`
	OutputMeanVar bool    `mx:"output_mean_var"`
}

// InstanceNormAttrs are the attributes of InstanceNorm; Eps 0 means 1e-3.
type InstanceNormAttrs struct {
	Eps float64 `mx:"eps"`
}

// NormBackwardAttrs are the attributes of _norm_backward: which norm and
// its resolved settings.
type NormBackwardAttrs struct {
	Kind        string  `mx:"kind"` // batch, layer, group, instance
	Axis        int     `mx:"axis"`
	NumGroups   int     `mx:"num_groups"`
	Eps         float64 `mx:"eps"`
	FixGamma    bool    `mx:"fix_gamma"`
	GlobalStats bool    `mx:"use_global_stats"`
}

// normSpec views x as (A, D, B). For batch norm the statistics are per d
// (reduced over a and b: "keepMiddle"); for the others they are per (a, b),
// reduced over d. param maps (a, d) to the γ/β index. It is a plain value
// (no closure, no shape), so that a kernel call builds it without
// allocating.
type normSpec struct {
	keepMiddle    bool
	kind          string
	axis          int // batch, layer: the axis, resolved
	a, d, b       int
	nstat, nparam int
	// param(a, d) = (a%groups)·cg + d/hw: groups 1, cg d and hw 1 for
	// batch and layer norm (the parameter is d); for group and instance
	// norm a is (sample, group), d runs over the group's cg channels of hw
	// positions each.
	groups, cg, hw int
	eps            float64
	fixGamma       bool
	global         bool
}

func normSpecFor(a NormBackwardAttrs, x Shape) (normSpec, error) {
	s := normSpec{kind: a.Kind, eps: a.Eps, fixGamma: a.FixGamma, global: a.GlobalStats, groups: 1, hw: 1}
	switch a.Kind {
	case "batch", "layer":
		ax, ok := normAxis(a.Axis, len(x))
		if !ok {
			return s, fmt.Errorf("axis %d out of range for %v", a.Axis, x)
		}
		s.axis = ax
		s.a, s.d, s.b = nnAxisSplit(x, ax)
		s.nparam, s.cg = s.d, s.d
		if a.Kind == "batch" {
			s.keepMiddle, s.nstat = true, s.d
		} else {
			s.nstat = s.a * s.b
		}
	case "group", "instance":
		if len(x) < 2 {
			return s, fmt.Errorf("data %v must be (N, C, ...)", x)
		}
		n, c := x[0], x[1]
		hw := Shape(x[2:]).Size()
		g := c
		if a.Kind == "group" {
			g = max(a.NumGroups, 1)
			if c%g != 0 {
				return s, fmt.Errorf("channels %d not divisible by num_groups %d", c, g)
			}
		}
		cg := c / g
		s.a, s.d, s.b = n*g, cg*hw, 1
		s.nstat, s.nparam = n*g, c
		s.groups, s.cg, s.hw = g, cg, max(hw, 1)
	default:
		return s, fmt.Errorf("unknown norm kind %q", a.Kind)
	}
	return s, nil
}

// param is the γ/β index of element d of group a.
func (s *normSpec) param(a, d int) int { return (a%s.groups)*s.cg + d/s.hw }

// statShape is the shape of the statistics of x: (C,) for batch norm, x
// with the axis set to 1 for layer norm, (N, groups) for the others.
func (s *normSpec) statShape(x Shape) Shape {
	switch s.kind {
	case "batch":
		return Shape{s.d}
	case "layer":
		st := x.Clone()
		st[s.axis] = 1
		return st
	}
	return Shape{x[0], s.groups}
}

// groupSize is the number of elements behind one statistic.
func (s *normSpec) groupSize() int {
	if s.keepMiddle {
		return s.a * s.b
	}
	return s.d
}

// normForward computes out, mean and var (batch statistics, or the given
// ones when s.global).
func normForward[T nnFloat](spec normSpec, x, gamma, beta, out, mean, variance []T) {
	s := &spec // by value: the closures below keep it on the heap only when this path runs
	if !s.global {
		normStats(s, x, mean, variance)
	}
	gam := func(p int) T {
		if s.fixGamma {
			return 1
		}
		return gamma[p]
	}
	if s.keepMiddle {
		kernels.ParallelFor(s.d, 1, func(d0, d1 int) {
			for d := d0; d < d1; d++ {
				r := T(1 / math.Sqrt(float64(variance[d])+s.eps))
				scale, shift := gam(d)*r, beta[d]-gam(d)*r*mean[d]
				for a := 0; a < s.a; a++ {
					off := (a*s.d + d) * s.b
					xs, os := x[off:off+s.b], out[off:off+s.b]
					for i, v := range xs {
						os[i] = v*scale + shift
					}
				}
			}
		})
		return
	}
	kernels.ParallelFor(s.a, 1, func(a0, a1 int) {
		for a := a0; a < a1; a++ {
			for b := 0; b < s.b; b++ {
				st := a*s.b + b
				m, r := mean[st], T(1/math.Sqrt(float64(variance[st])+s.eps))
				for d := 0; d < s.d; d++ {
					i := (a*s.d+d)*s.b + b
					p := s.param(a, d)
					out[i] = (x[i]-m)*r*gam(p) + beta[p]
				}
			}
		}
	})
}

// normStats computes per-group mean and biased variance (two passes, in
// float64).
func normStats[T nnFloat](s *normSpec, x, mean, variance []T) {
	n := float64(s.groupSize())
	if s.keepMiddle {
		kernels.ParallelFor(s.d, 1, func(d0, d1 int) {
			for d := d0; d < d1; d++ {
				var sum, sq float64
				for a := 0; a < s.a; a++ {
					for _, v := range x[(a*s.d+d)*s.b : (a*s.d+d+1)*s.b] {
						sum += float64(v)
					}
				}
				m := sum / n
				for a := 0; a < s.a; a++ {
					for _, v := range x[(a*s.d+d)*s.b : (a*s.d+d+1)*s.b] {
						sq += (float64(v) - m) * (float64(v) - m)
					}
				}
				mean[d], variance[d] = T(m), T(sq/n)
			}
		})
		return
	}
	kernels.ParallelFor(s.a, 1, func(a0, a1 int) {
		for a := a0; a < a1; a++ {
			for b := 0; b < s.b; b++ {
				var sum, sq float64
				for d := 0; d < s.d; d++ {
					sum += float64(x[(a*s.d+d)*s.b+b])
				}
				m := sum / n
				for d := 0; d < s.d; d++ {
					v := float64(x[(a*s.d+d)*s.b+b]) - m
					sq += v * v
				}
				mean[a*s.b+b], variance[a*s.b+b] = T(m), T(sq/n)
			}
		}
	})
}

// normBackward computes dx, dγ, dβ. With batch statistics,
//
//	dx = r·(ĝ - mean(ĝ) - x̂·mean(ĝ·x̂)) + gμ/M + gσ²·2(x-μ)/M,  ĝ = gy·γ,
//
// where r = 1/√(σ²+eps), x̂ = (x-μ)·r and M the group size; with global
// statistics dx = gy·γ·r. dγ = Σ gy·x̂ and dβ = Σ gy per parameter.
func normBackward[T nnFloat](spec normSpec, gy, x, gamma, mean, variance, gmean, gvar, dx, dgamma, dbeta []T) {
	s := &spec
	M := float64(s.groupSize())
	gam := func(p int) float64 {
		if s.fixGamma {
			return 1
		}
		return float64(gamma[p])
	}
	// group visits the elements of statistic st as (index, param index).
	type visit func(f func(i, p int))
	group := func(st int) visit {
		if s.keepMiddle {
			return func(f func(i, p int)) {
				for a := 0; a < s.a; a++ {
					off := (a*s.d + st) * s.b
					for i := off; i < off+s.b; i++ {
						f(i, st)
					}
				}
			}
		}
		a, b := st/s.b, st%s.b
		return func(f func(i, p int)) {
			for d := 0; d < s.d; d++ {
				f((a*s.d+d)*s.b+b, s.param(a, d))
			}
		}
	}
	if s.keepMiddle {
		normBackwardChannels(s, gy, x, gamma, mean, variance, gmean, gvar, dx, dgamma, dbeta)
		return
	}
	// Parameter gradients: per-thread partial sums (groups share params
	// except in batch norm).
	parts := min(kernels.NumThreads(), max(s.nstat, 1))
	partial := make([]float64, parts*2*s.nparam)
	kernels.ParallelFor(parts, 1, func(t0, t1 int) {
		for t := t0; t < t1; t++ {
			pg := partial[t*2*s.nparam : (t*2+1)*s.nparam]
			pb := partial[(t*2+1)*s.nparam : (t*2+2)*s.nparam]
			for st := t * s.nstat / parts; st < (t+1)*s.nstat/parts; st++ {
				m := float64(mean[st])
				r := 1 / math.Sqrt(float64(variance[st])+s.eps)
				visit := group(st)
				var s1, s2 float64
				visit(func(i, p int) {
					g := float64(gy[i])
					xh := (float64(x[i]) - m) * r
					pg[p] += g * xh
					pb[p] += g
					gh := g * gam(p)
					s1 += gh
					s2 += gh * xh
				})
				if s.global {
					visit(func(i, p int) { dx[i] = T(float64(gy[i]) * gam(p) * r) })
					continue
				}
				gm, gv := float64(gmean[st])/M, 2*float64(gvar[st])/M
				s1, s2 = s1/M, s2/M
				visit(func(i, p int) {
					xc := float64(x[i]) - m
					dx[i] = T(r*(float64(gy[i])*gam(p)-s1-xc*r*s2) + gm + gv*xc)
				})
			}
		}
	})
	for p := 0; p < s.nparam; p++ {
		var sg, sb float64
		for t := 0; t < parts; t++ {
			sg += partial[t*2*s.nparam+p]
			sb += partial[(t*2+1)*s.nparam+p]
		}
		dgamma[p], dbeta[p] = T(sg), T(sb)
		if s.fixGamma {
			dgamma[p] = 0
		}
	}
}

// normBackwardChannels is normBackward for batch norm: one statistic and
// one parameter per channel, visited as contiguous rows.
func normBackwardChannels[T nnFloat](s *normSpec, gy, x, gamma, mean, variance, gmean, gvar, dx, dgamma, dbeta []T) {
	M := float64(s.groupSize())
	kernels.ParallelFor(s.d, 1, func(d0, d1 int) {
		for d := d0; d < d1; d++ {
			m := float64(mean[d])
			r := 1 / math.Sqrt(float64(variance[d])+s.eps)
			gam := 1.0
			if !s.fixGamma {
				gam = float64(gamma[d])
			}
			var sg, sgx float64 // Σ gy, Σ gy·(x-μ)
			for a := 0; a < s.a; a++ {
				off := (a*s.d + d) * s.b
				xs, gs := x[off:off+s.b], gy[off:off+s.b]
				var rg, rgx T
				for i, g := range gs {
					rg += g
					rgx += g * xs[i]
				}
				sg += float64(rg)
				sgx += float64(rgx)
			}
			sgx -= m * sg
			dgamma[d], dbeta[d] = T(sgx*r), T(sg)
			if s.fixGamma {
				dgamma[d] = 0
			}
			if s.global { // dx = γ·r·gy
				ga := T(gam * r)
				for a := 0; a < s.a; a++ {
					off := (a*s.d + d) * s.b
					gs, ds := gy[off:off+s.b], dx[off:off+s.b]
					for i, g := range gs {
						ds[i] = ga * g
					}
				}
				continue
			}
			// r·γ·(gy - Σgy/M - (x-μ)·r²·Σgy(x-μ)/M) + gμ/M + 2gσ²(x-μ)/M
			// = γr·gy + A·x + B per channel.
			gv := 2 * float64(gvar[d]) / M
			k := gam * r * r * r * sgx / M
			A := gv - k
			B := -gam*r*sg/M + float64(gmean[d])/M - A*m
			ga, aa, bb := T(gam*r), T(A), T(B)
			for a := 0; a < s.a; a++ {
				off := (a*s.d + d) * s.b
				xs, gs, ds := x[off:off+s.b], gy[off:off+s.b], dx[off:off+s.b]
				for i, g := range gs {
					ds[i] = ga*g + aa*xs[i] + bb
				}
			}
		}
	})
}

var opBatchNorm, opLayerNorm, opGroupNorm, opInstanceNorm, opNormBackward, opMovingAverage *OpDef

// MovingAverageAttrs are the attributes of _moving_average.
type MovingAverageAttrs struct {
	Momentum float64 `mx:"momentum"`
}

func (a BatchNormAttrs) backward() NormBackwardAttrs {
	eps := a.Eps
	if eps == 0 {
		eps = 1e-3
	}
	axis := a.Axis
	if axis == 0 {
		axis = 1
	}
	return NormBackwardAttrs{Kind: "batch", Axis: axis, Eps: eps, FixGamma: a.FixGamma == nil || *a.FixGamma,
		GlobalStats: a.UseGlobalStats || !a.Train}
}

func (a LayerNormAttrs) backward() NormBackwardAttrs {
	eps, axis := a.Eps, a.Axis
	if eps == 0 {
		eps = 1e-5
	}
	if axis == 0 {
		axis = -1
	}
	return NormBackwardAttrs{Kind: "layer", Axis: axis, Eps: eps}
}

func (a GroupNormAttrs) backward() NormBackwardAttrs {
	eps := a.Eps
	if eps == 0 {
		eps = 1e-5
	}
	return NormBackwardAttrs{Kind: "group", NumGroups: a.NumGroups, Eps: eps}
}

func (a InstanceNormAttrs) backward() NormBackwardAttrs {
	eps := a.Eps
	if eps == 0 {
		eps = 1e-3
	}
	return NormBackwardAttrs{Kind: "instance", Eps: eps}
}

type normAttrs interface{ backward() NormBackwardAttrs }

// regNorm registers one norm op: inputs data, gamma, beta (and for batch
// norm moving_mean, moving_var); outputs out, mean, var.
func regNorm(name string, attrs normAttrs, nin int) *OpDef {
	return RegisterOp(&OpDef{
		Name:       name,
		Attrs:      attrs,
		NumInputs:  nin,
		NumOutputs: 3,
		InferShape: func(at any, in []Shape) ([]Shape, error) {
			s, err := normSpecFor(at.(normAttrs).backward(), in[0])
			if err != nil {
				return nil, err
			}
			stat := s.statShape(in[0])
			for i := 1; i < nin; i++ {
				want := Shape{s.nparam}
				if i >= 3 {
					want = stat
				}
				if !in[i].Equal(want) {
					return nil, fmt.Errorf("input %d has shape %v, want %v", i, in[i], want)
				}
			}
			return []Shape{in[0].Clone(), stat, stat}, nil
		},
		InferType: nnFloatType(3),
		Kernels: cpu(func(k *KernelArgs) error {
			s, err := normSpecFor(k.Attrs.(normAttrs).backward(), k.In[0].Shape)
			if err != nil {
				return err
			}
			if s.global {
				copy(k.Out[1].Data, k.In[3].Data)
				copy(k.Out[2].Data, k.In[4].Data)
			}
			if k.In[0].DType == Float32 {
				x, gamma, beta, out, mean, variance := k.In[0].F32(), k.In[1].F32(), k.In[2].F32(), k.Out[0].F32(), k.Out[1].F32(), k.Out[2].F32()
				if !normForward32(&s, x, gamma, beta, out, mean, variance) {
					normForward(s, x, gamma, beta, out, mean, variance)
				}
			} else {
				normForward(s, k.In[0].F64(), k.In[1].F64(), k.In[2].F64(), k.Out[0].F64(), k.Out[1].F64(), k.Out[2].F64())
			}
			return nil
		}),
		// See normBackward; the moving statistics get no gradient. The
		// gradients go straight into the buffers autograd offers for data,
		// gamma and beta when it offers any (GradArgs.Into), saving it a
		// copy of each.
		Grad: func(g *GradArgs) []*NDArray {
			b := g.Attrs.(normAttrs).backward()
			in := []*NDArray{g.OutGrads[0], g.Inputs[0], g.Inputs[1], g.Outputs[1], g.Outputs[2], g.OutGrads[1], g.OutGrads[2]}
			var grads []*NDArray
			if into := []*NDArray{g.into(0), g.into(1), g.into(2)}; into[0] != nil || into[1] != nil || into[2] != nil {
				for i, buf := range into {
					if buf == nil {
						into[i] = EmptyLike(g.Inputs[i])
					}
				}
				InvokeInto(opNormBackward, b, in, into)
				grads = into
			} else {
				grads = Invoke(opNormBackward, b, in...)
			}
			return append(grads, make([]*NDArray, nin-3)...)
		},
	})
}

func init() {
	opBatchNorm = regNorm("BatchNorm", BatchNormAttrs{}, 5)
	opLayerNorm = regNorm("LayerNorm", LayerNormAttrs{}, 3)
	opGroupNorm = regNorm("GroupNorm", GroupNormAttrs{}, 3)
	opInstanceNorm = regNorm("InstanceNorm", InstanceNormAttrs{}, 3)

	// _norm_backward(gy, x, gamma, mean, var, gmean, gvar) -> dx, dgamma, dbeta.
	opNormBackward = RegisterOp(&OpDef{
		Name:       "_norm_backward",
		Attrs:      NormBackwardAttrs{},
		NumInputs:  7,
		NumOutputs: 3,
		InferShape: func(at any, in []Shape) ([]Shape, error) {
			s, err := normSpecFor(at.(NormBackwardAttrs), in[1])
			if err != nil {
				return nil, err
			}
			if !in[0].Equal(in[1]) || !in[2].Equal(Shape{s.nparam}) {
				return nil, fmt.Errorf("gradient %v, data %v, gamma %v do not match", in[0], in[1], in[2])
			}
			stat := s.statShape(in[1])
			for _, i := range []int{3, 4, 5, 6} {
				if !in[i].Equal(stat) {
					return nil, fmt.Errorf("statistic input %d is %v, want %v", i, in[i], stat)
				}
			}
			return []Shape{in[1].Clone(), in[2].Clone(), in[2].Clone()}, nil
		},
		InferType: nnFloatType(3),
		Kernels: cpu(func(k *KernelArgs) error {
			s, err := normSpecFor(k.Attrs.(NormBackwardAttrs), k.In[1].Shape)
			if err != nil {
				return err
			}
			in, out := k.In, k.Out
			if in[0].DType == Float32 {
				gy, x, gamma, mean, variance, gmean, gvar := in[0].F32(), in[1].F32(), in[2].F32(), in[3].F32(), in[4].F32(), in[5].F32(), in[6].F32()
				dx, dgamma, dbeta := out[0].F32(), out[1].F32(), out[2].F32()
				if !normBackward32(&s, gy, x, gamma, mean, variance, gmean, gvar, dx, dgamma, dbeta) {
					normBackward(s, gy, x, gamma, mean, variance, gmean, gvar, dx, dgamma, dbeta)
				}
			} else {
				normBackward(s, in[0].F64(), in[1].F64(), in[2].F64(), in[3].F64(), in[4].F64(), in[5].F64(), in[6].F64(), out[0].F64(), out[1].F64(), out[2].F64())
			}
			return nil
		}),
	})

	// _moving_average(old, new) = old·momentum + new·(1-momentum): the
	// running statistics update, applied in place by BatchNorm.
	opMovingAverage = RegisterOp(&OpDef{
		Name:      "_moving_average",
		Attrs:     MovingAverageAttrs{},
		NumInputs: 2,
		InferShape: func(_ any, in []Shape) ([]Shape, error) {
			if !in[0].Equal(in[1]) {
				return nil, fmt.Errorf("shapes %v and %v differ", in[0], in[1])
			}
			return []Shape{in[0].Clone()}, nil
		},
		InferType: nnFloatType(1),
		Kernels: cpu(func(k *KernelArgs) error {
			m := k.Attrs.(MovingAverageAttrs).Momentum
			if k.In[0].DType == Float32 {
				nnMovingAverage(k.In[0].F32(), k.In[1].F32(), k.Out[0].F32(), float32(m))
			} else {
				nnMovingAverage(k.In[0].F64(), k.In[1].F64(), k.Out[0].F64(), m)
			}
			return nil
		}),
	})
}

func nnMovingAverage[T nnFloat](old, cur, out []T, m T) {
	for i := range out {
		out[i] = old[i]*m + cur[i]*(1-m)
	}
}

// BatchNorm normalizes data per channel (attrs.Axis, default 1):
// out = γ·(x-μ)/√(σ²+eps) + β. In training (attrs.Train, without
// UseGlobalStats) μ and σ² are the batch's (biased) statistics and
// movingMean/movingVar are updated in place to m·moving + (1-m)·batch;
// otherwise the moving statistics are used. gamma, beta and the moving
// statistics are (C,). It panics if the shapes do not match.
func BatchNorm(data, gamma, beta, movingMean, movingVar *NDArray, attrs BatchNormAttrs) *NDArray {
	out, _, _ := BatchNormMeanVar(data, gamma, beta, movingMean, movingVar, attrs)
	return out
}

// BatchNormMeanVar is BatchNorm that also returns the mean and variance it
// used (MXNet's output_mean_var), both (C,) and differentiable.
func BatchNormMeanVar(data, gamma, beta, movingMean, movingVar *NDArray, attrs BatchNormAttrs) (out, mean, variance *NDArray) {
	o := Invoke(opBatchNorm, attrs, data, gamma, beta, movingMean, movingVar)
	if attrs.Train && !attrs.UseGlobalStats {
		m := 0.9
		if attrs.Momentum != nil {
			m = *attrs.Momentum
		}
		// The op's aux inputs are written outside the recorded graph: the
		// update is not part of the function being differentiated.
		InvokeInto(opMovingAverage, MovingAverageAttrs{m}, []*NDArray{movingMean, o[1]}, []*NDArray{movingMean})
		InvokeInto(opMovingAverage, MovingAverageAttrs{m}, []*NDArray{movingVar, o[2]}, []*NDArray{movingVar})
	}
	return o[0], o[1], o[2]
}

// LayerNorm normalizes data over one axis (default the last) with gamma
// and beta of that axis's size: out = γ·(x-μ)/√(σ²+eps) + β.
func LayerNorm(data, gamma, beta *NDArray, attrs LayerNormAttrs) *NDArray {
	return Invoke(opLayerNorm, attrs, data, gamma, beta)[0]
}

// LayerNormMeanStd is LayerNorm that also returns the mean and the
// standard deviation √(σ²+eps) (MXNet's output_mean_var), shaped like data
// with the axis set to 1.
func LayerNormMeanStd(data, gamma, beta *NDArray, attrs LayerNormAttrs) (out, mean, std *NDArray) {
	o := Invoke(opLayerNorm, attrs, data, gamma, beta)
	return o[0], o[1], o[2].AddScalar(attrs.backward().Eps).PowScalar(0.5)
}

// GroupNorm normalizes data (N, C, ...) over groups of C/NumGroups channels
// and all spatial positions, then scales and shifts per channel with gamma
// and beta (C,).
func GroupNorm(data, gamma, beta *NDArray, attrs GroupNormAttrs) *NDArray {
	return Invoke(opGroupNorm, attrs, data, gamma, beta)[0]
}

// InstanceNorm normalizes each (sample, channel) plane of data (N, C, ...)
// and scales and shifts per channel with gamma and beta (C,).
func InstanceNorm(data, gamma, beta *NDArray, attrs InstanceNormAttrs) *NDArray {
	return Invoke(opInstanceNorm, attrs, data, gamma, beta)[0]
}
