package kernels

import "math"

// The stateful optimizer updates in float32: SGD with momentum (plain and
// Nesterov's), RMSProp, AdaGrad, Adam and AdamW: MXNet's sgd_mom_update,
// nag_mom_update, rmsprop_update, adagrad_update, adam_update and
// _adamw_update without gradient clipping. As
// the loops of mlp_vec.go, they run in AVX-512 assembly where the CPU has
// it and as the Go loops below elsewhere (and under the noasm tag), with
// bit-identical results, NaN payloads aside: the assembly performs the same
// float32 operations in the same order, without fused multiply-adds, and
// its square root is correctly rounded as float32(math.Sqrt(float64(x)))
// is.
//
// Outputs may be their own inputs (ow the weight w, the new state the
// old), as the optimizers call them; no other overlap is allowed.

// SGDMomUpdate32 computes, for i < len(ow),
//
//	v = momentum*mom[i] - lrwd*w[i] - lr*(g[i]*rescale)
//	omom[i] = v
//	ow[i] = w[i] + v
//
// where lrwd is lr times the weight decay. It panics with *Error if omom,
// w, g or mom is shorter than ow.
func SGDMomUpdate32(ow, omom, w, g, mom []float32, momentum, lr, lrwd, rescale float32) {
	momUpdate32("sgd_mom_update", ow, omom, w, g, mom, momentum, lr, lrwd, rescale, false)
}

// NAGMomUpdate32 computes Nesterov's momentum update, for i < len(ow),
//
//	gi = g[i]*rescale + wd*w[i]
//	omom[i] = momentum*mom[i] + gi
//	ow[i] = w[i] - lr*(gi + momentum*omom[i])
//
// MXNet's nag_mom_update without clipping. It panics with *Error if omom,
// w, g or mom is shorter than ow.
func NAGMomUpdate32(ow, omom, w, g, mom []float32, momentum, lr, wd, rescale float32) {
	momUpdate32("nag_mom_update", ow, omom, w, g, mom, momentum, lr, wd, rescale, true)
}

func momUpdate32(op string, ow, omom, w, g, mom []float32, momentum, lr, c, rescale float32, nesterov bool) {
	for _, s := range [][]float32{omom, w, g, mom} {
		checkLen(op, len(ow), len(s))
	}
	if len(ow) == 0 {
		return
	}
	if momUpdate32Fast != nil {
		momUpdate32Fast(ow, omom, w, g, mom, momentum, lr, c, rescale, nesterov)
		return
	}
	momUpdate32Go(ow, omom, w, g, mom, momentum, lr, c, rescale, nesterov)
}

func momUpdate32Go(ow, omom, w, g, mom []float32, momentum, lr, c, rescale float32, nesterov bool) {
	omom, w, g, mom = omom[:len(ow)], w[:len(ow)], g[:len(ow)], mom[:len(ow)]
	for i := range ow {
		if nesterov {
			gi := g[i]*rescale + c*w[i]
			v := momentum*mom[i] + gi
			omom[i] = v
			ow[i] = w[i] - lr*(gi+momentum*v)
			continue
		}
		v := momentum*mom[i] - c*w[i] - lr*(g[i]*rescale)
		omom[i] = v
		ow[i] = w[i] + v
	}
}

// AdamParams are the scalars of an Adam step, as MXNet's adam_update and
// _adamw_update take them: LR already includes any bias correction. Adam
// adds WD·w to the rescaled gradient (L2 regularization); AdamW instead
// decays the weight apart from the gradient, and scales the whole step by
// Eta (the schedule multiplier), which Adam ignores.
type AdamParams struct {
	Beta1, Beta2, LR, Epsilon, WD, Rescale, Eta float32
}

// AdamUpdate32 computes, for i < len(ow), with p's scalars,
//
//	gi = g[i]*Rescale + WD*w[i]
//	om[i] = Beta1*m[i] + (1-Beta1)*gi
//	ov[i] = Beta2*v[i] + (1-Beta2)*gi*gi
//	ow[i] = w[i] - LR*om[i]/(sqrt(ov[i]) + Epsilon)
//
// It panics with *Error if om, ov, w, g, m or v is shorter than ow.
func AdamUpdate32(ow, om, ov, w, g, m, v []float32, p AdamParams) {
	adamUpdate32("adam_update", ow, om, ov, w, g, m, v, p, false)
}

// AdamWUpdate32 is AdamUpdate32 with AdamW's decoupled weight decay:
//
//	gi = g[i]*Rescale
//	om[i], ov[i] as AdamUpdate32's
//	ow[i] = w[i] - Eta*(LR*om[i]/(sqrt(ov[i]) + Epsilon) + WD*w[i])
func AdamWUpdate32(ow, om, ov, w, g, m, v []float32, p AdamParams) {
	adamUpdate32("adamw_update", ow, om, ov, w, g, m, v, p, true)
}

func adamUpdate32(op string, ow, om, ov, w, g, m, v []float32, p AdamParams, decoupled bool) {
	for _, s := range [][]float32{om, ov, w, g, m, v} {
		checkLen(op, len(ow), len(s))
	}
	if len(ow) == 0 {
		return
	}
	if adamUpdate32Fast != nil {
		adamUpdate32Fast(ow, om, ov, w, g, m, v, p, decoupled)
		return
	}
	adamUpdate32Go(ow, om, ov, w, g, m, v, &p, decoupled)
}

func adamUpdate32Go(ow, om, ov, w, g, m, v []float32, p *AdamParams, decoupled bool) {
	n := len(ow)
	om, ov, w, g, m, v = om[:n], ov[:n], w[:n], g[:n], m[:n], v[:n]
	b1, b2, c1, c2 := p.Beta1, p.Beta2, 1-p.Beta1, 1-p.Beta2
	for i := range ow {
		gi := g[i] * p.Rescale
		if !decoupled {
			gi += p.WD * w[i]
		}
		mi := b1*m[i] + c1*gi
		vi := b2*v[i] + c2*gi*gi
		om[i], ov[i] = mi, vi
		step := p.LR * mi / (float32(math.Sqrt(float64(vi))) + p.Epsilon)
		if decoupled {
			step = p.Eta * (step + p.WD*w[i])
		}
		ow[i] = w[i] - step
	}
}

// RMSPropParams are the scalars of an RMSProp or AdaGrad step (MXNet's
// rmsprop_update and adagrad_update): the decay Gamma1 of RMSProp's
// squared-gradient average (AdaGrad sums instead), and the weight decay
// WD, which RMSProp adds to the rescaled gradient and AdaGrad to the step.
type RMSPropParams struct {
	Gamma1, LR, Epsilon, WD, Rescale float32
}

// RMSPropUpdate32 computes, for i < len(ow), with p's scalars,
//
//	gi = g[i]*Rescale + WD*w[i]
//	on[i] = (1-Gamma1)*gi*gi + Gamma1*n[i]
//	ow[i] = w[i] - LR*gi/sqrt(on[i] + Epsilon)
//
// MXNet's rmsprop_update without gradient or weight clipping. It panics
// with *Error if on, w, g or n is shorter than ow.
func RMSPropUpdate32(ow, on, w, g, n []float32, p RMSPropParams) {
	rmspropUpdate32("rmsprop_update", ow, on, w, g, n, p, false)
}

// AdaGradUpdate32 computes, for i < len(ow), with p's scalars (Gamma1 is
// unused),
//
//	gi = g[i]*Rescale
//	on[i] = n[i] + gi*gi
//	ow[i] = w[i] - LR*(gi/sqrt(on[i] + Epsilon) + WD*w[i])
//
// MXNet's adagrad_update without gradient clipping. It panics with *Error
// if on, w, g or n is shorter than ow.
func AdaGradUpdate32(ow, on, w, g, n []float32, p RMSPropParams) {
	rmspropUpdate32("adagrad_update", ow, on, w, g, n, p, true)
}

func rmspropUpdate32(op string, ow, on, w, g, n []float32, p RMSPropParams, adagrad bool) {
	for _, s := range [][]float32{on, w, g, n} {
		checkLen(op, len(ow), len(s))
	}
	if len(ow) == 0 {
		return
	}
	if rmspropUpdate32Fast != nil {
		rmspropUpdate32Fast(ow, on, w, g, n, p, adagrad)
		return
	}
	rmspropUpdate32Go(ow, on, w, g, n, &p, adagrad)
}

func rmspropUpdate32Go(ow, on, w, g, n []float32, p *RMSPropParams, adagrad bool) {
	on, w, g, n = on[:len(ow)], w[:len(ow)], g[:len(ow)], n[:len(ow)]
	c1 := 1 - p.Gamma1
	for i := range ow {
		if adagrad {
			gi := g[i] * p.Rescale
			hi := n[i] + gi*gi
			on[i] = hi
			ow[i] = w[i] - p.LR*(gi/float32(math.Sqrt(float64(hi+p.Epsilon)))+p.WD*w[i])
			continue
		}
		gi := g[i]*p.Rescale + p.WD*w[i]
		ni := c1*gi*gi + p.Gamma1*n[i]
		on[i] = ni
		ow[i] = w[i] - p.LR*gi/float32(math.Sqrt(float64(ni+p.Epsilon)))
	}
}

var (
	rmspropUpdate32Fast func(ow, on, w, g, n []float32, p RMSPropParams, adagrad bool)
	momUpdate32Fast     func(ow, omom, w, g, mom []float32, momentum, lr, c, rescale float32, nesterov bool)
	adamUpdate32Fast    func(ow, om, ov, w, g, m, v []float32, p AdamParams, decoupled bool)
)
