//go:build !noasm

package kernels

import "golang.org/x/sys/cpu"

// momUpdate32AVX512 is sgd_mom_update's rule (c = lr·wd), or with
// nesterov nag_mom_update's (c = wd).
//
//go:noescape
func momUpdate32AVX512(ow, omom, w, grad, mom *float32, n int, momentum, lr, c, rescale float32, nesterov bool)

// adamUpdate32AVX512 takes the scalars (Beta1, 1-Beta1, Beta2, 1-Beta2,
// LR, Epsilon, WD, Rescale, Eta) in s; decoupled selects AdamW's rule.
//
//go:noescape
func adamUpdate32AVX512(ow, om, ov, w, grad, m, v *float32, n int, s *[9]float32, decoupled bool)

// rmspropUpdate32AVX512 takes the scalars (Gamma1, 1-Gamma1, LR,
// Epsilon, WD, Rescale) in s; adagrad selects AdaGrad's rule.
//
//go:noescape
func rmspropUpdate32AVX512(ow, on, w, grad, n *float32, cnt int, s *[6]float32, adagrad bool)

func init() {
	if !cpu.X86.HasAVX512F {
		return
	}
	// The callers have checked the lengths; the bounds checks below make
	// that local.
	momUpdate32Fast = func(ow, omom, w, g, mom []float32, momentum, lr, c, rescale float32, nesterov bool) {
		n := len(ow)
		_, _, _, _ = omom[n-1], w[n-1], g[n-1], mom[n-1]
		momUpdate32AVX512(&ow[0], &omom[0], &w[0], &g[0], &mom[0], n, momentum, lr, c, rescale, nesterov)
	}
	rmspropUpdate32Fast = func(ow, on, w, g, n []float32, p RMSPropParams, adagrad bool) {
		cnt := len(ow)
		_, _, _, _ = on[cnt-1], w[cnt-1], g[cnt-1], n[cnt-1]
		s := [6]float32{p.Gamma1, 1 - p.Gamma1, p.LR, p.Epsilon, p.WD, p.Rescale}
		rmspropUpdate32AVX512(&ow[0], &on[0], &w[0], &g[0], &n[0], cnt, &s, adagrad)
	}
	adamUpdate32Fast = func(ow, om, ov, w, g, m, v []float32, p AdamParams, decoupled bool) {
		n := len(ow)
		_, _, _, _, _, _ = om[n-1], ov[n-1], w[n-1], g[n-1], m[n-1], v[n-1]
		s := [9]float32{p.Beta1, 1 - p.Beta1, p.Beta2, 1 - p.Beta2, p.LR, p.Epsilon, p.WD, p.Rescale, p.Eta}
		adamUpdate32AVX512(&ow[0], &om[0], &ov[0], &w[0], &g[0], &m[0], &v[0], n, &s, decoupled)
	}
}
