package kernels

// convDirect10Fast is the assembly kernel of ConvDirect, set by init when
// the CPU has it (see conv_direct_amd64.s for its contract).
var convDirect10Fast func(out *float32, ostride int, in *float32, off *int32, taps int, w, bias *float32, nf int, mask uint32)

// ConvDirect computes stride-1, unpadded 2-D convolutions directly, for
// layers with few taps (input channels × kernel height × width: LeNet's
// first layer has 25) where im2col and a GEMM with so short an inner
// dimension spend most of their time moving data. Prepare it for a
// layer's weights, then call Image for each image (concurrently if you
// like: Image only reads the plan).
type ConvDirect struct {
	c, h, w, f, kh, kw int
	oh, ow             int
	taps, groups       int
	off                []int32   // element offsets of the taps from an output's first input
	wp                 []float32 // groups × taps × 10 weights, zero-padded
	bias               []float32 // groups × 10
}

// ConvDirectAvailable reports whether ConvDirect runs on this CPU (it needs
// AVX-512; without it, im2col and GEMM are faster than a Go loop).
func ConvDirectAvailable() bool { return convDirect10Fast != nil }

// Prepare plans images of c channels of h×w convolved with f filters of
// c×kh×kw weights (w, in that layout) plus bias (f values, or nil). It
// panics with *Error if a slice is too short or the kernel does not fit
// in the image.
func (d *ConvDirect) Prepare(c, h, w, f, kh, kw int, weights, bias []float32) {
	if c < 1 || f < 1 || kh < 1 || kw < 1 || kh > h || kw > w {
		panicf("conv direct", "shape c=%d h=%d w=%d f=%d kernel %dx%d", c, h, w, f, kh, kw)
	}
	taps := c * kh * kw
	checkLen("conv direct weights", f*taps, len(weights))
	if bias != nil {
		checkLen("conv direct bias", f, len(bias))
	}
	d.c, d.h, d.w, d.f, d.kh, d.kw = c, h, w, f, kh, kw
	d.oh, d.ow = h-kh+1, w-kw+1
	d.taps, d.groups = taps, ceilDiv(f, 10)
	d.off = d.off[:0]
	for ci := range c {
		for ky := range kh {
			for kx := range kw {
				d.off = append(d.off, int32(ci*h*w+ky*w+kx))
			}
		}
	}
	d.wp = growFloats(d.wp, d.groups*taps*10)
	clear(d.wp)
	d.bias = growFloats(d.bias, d.groups*10)
	clear(d.bias)
	for fi := range f {
		g, j := fi/10, fi%10
		for t := range taps {
			d.wp[(g*taps+t)*10+j] = weights[fi*taps+t]
		}
		if bias != nil {
			d.bias[g*10+j] = bias[fi]
		}
	}
}

// Image sets y (f×oh×ow) to the convolution of x (c×h×w) plus the bias.
// It panics with *Error if a slice is too short.
func (d *ConvDirect) Image(y, x []float32) {
	checkLen("conv direct input", d.c*d.h*d.w, len(x))
	checkLen("conv direct output", d.f*d.oh*d.ow, len(y))
	plane := d.oh * d.ow
	for oy := range d.oh {
		for x0 := 0; x0 < d.ow; x0 += 32 {
			cols := min(32, d.ow-x0)
			mask := uint32(1)<<cols - 1
			if cols == 32 {
				mask = 1<<32 - 1
			}
			in := x[oy*d.w+x0:]
			for g := range d.groups {
				nf := min(10, d.f-g*10)
				out := y[g*10*plane+oy*d.ow+x0:]
				d.segment(out, plane, in, g, nf, mask, cols)
			}
		}
	}
}

// segment computes one output row segment of cols columns for the nf
// filters of group g.
func (d *ConvDirect) segment(out []float32, plane int, in []float32, g, nf int, mask uint32, cols int) {
	// Bounds: the last output written and the last input read.
	_ = out[(nf-1)*plane+cols-1]
	_ = in[int(d.off[d.taps-1])+cols-1]
	w, bias := d.wp[g*d.taps*10:], d.bias[g*10:]
	if convDirect10Fast != nil {
		convDirect10Fast(&out[0], plane, &in[0], &d.off[0], d.taps, &w[0], &bias[0], nf, mask)
		return
	}
	for j := range nf {
		for col := range cols {
			s := bias[j]
			for t, o := range d.off[:d.taps] {
				s += w[t*10+j] * in[int(o)+col]
			}
			out[j*plane+col] = s
		}
	}
}

// growFloats returns s with length n, reallocated only when too small.
func growFloats(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}
