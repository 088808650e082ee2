package transforms

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/mxgo/mxgo/nd"
)

// Transform maps an image (or a batch of images) to a new array.
type Transform interface {
	Apply(x *nd.NDArray) (*nd.NDArray, error)
}

// Func adapts a function to a Transform.
type Func func(x *nd.NDArray) (*nd.NDArray, error)

// Apply calls f(x).
func (f Func) Apply(x *nd.NDArray) (*nd.NDArray, error) { return f(x) }

// pixelTransform is implemented by every transform of this package: it
// works on a host pixel buffer, so Compose can chain transforms without
// building an NDArray between steps.
type pixelTransform interface {
	apply(t *tensor) (*tensor, error)
}

// tensor is a contiguous host array of uint8 or float32 values (exactly one
// of u8, f32 is in use). A borrowed tensor views an input NDArray's memory:
// transforms never write to their input, and a borrowed result is copied
// before it leaves the package.
type tensor struct {
	shape    []int
	u8       []uint8
	f32      []float32
	borrowed bool
}

func (t *tensor) isU8() bool { return t.f32 == nil }

func (t *tensor) dtype() nd.DType {
	if t.isU8() {
		return nd.Uint8
	}
	return nd.Float32
}

func newU8(shape ...int) *tensor {
	return &tensor{shape: shape, u8: make([]uint8, prod(shape))}
}

func newF32(shape ...int) *tensor {
	return &tensor{shape: shape, f32: make([]float32, prod(shape))}
}

// newLike allocates a tensor of t's dtype with another shape.
func newLike(t *tensor, shape ...int) *tensor {
	if t.isU8() {
		return newU8(shape...)
	}
	return newF32(shape...)
}

func prod(s []int) int {
	n := 1
	for _, v := range s {
		n *= v
	}
	return n
}

// fromND views an NDArray as a tensor (borrowing its memory). uint8 and
// float32 are kept; other dtypes are converted to float32.
func fromND(x *nd.NDArray) (*tensor, error) {
	if x == nil {
		return nil, errors.New("transforms: nil array")
	}
	if x.DType() != nd.Uint8 && x.DType() != nd.Float32 {
		var err error
		if err = nd.Try(func() { x = x.AsType(nd.Float32) }); err != nil {
			return nil, fmt.Errorf("transforms: %w", err)
		}
	}
	v, err := x.HostData()
	if err != nil {
		return nil, fmt.Errorf("transforms: %w", err)
	}
	t := &tensor{shape: append([]int(nil), x.Shape()...), borrowed: true}
	switch s := v.(type) {
	case []uint8:
		t.u8 = s
	case []float32:
		t.f32 = s
	}
	return t, nil
}

// toND hands the tensor's memory to a new NDArray, copying it when it is
// borrowed.
func (t *tensor) toND() *nd.NDArray {
	switch {
	case t.borrowed && t.isU8():
		return nd.ArrayOf(t.u8, nd.Shape(t.shape))
	case t.borrowed:
		return nd.ArrayOf(t.f32, nd.Shape(t.shape))
	case t.isU8():
		return nd.Wrap(t.u8, nd.Shape(t.shape))
	}
	return nd.Wrap(t.f32, nd.Shape(t.shape))
}

// applyND is the Apply of every pixel transform.
func applyND(p pixelTransform, x *nd.NDArray) (*nd.NDArray, error) {
	t, err := fromND(x)
	if err != nil {
		return nil, err
	}
	out, err := p.apply(t)
	if err != nil {
		return nil, err
	}
	return out.toND(), nil
}

// Compose chains transforms, like Gluon's transforms.Compose. Runs of this
// package's transforms share one pixel buffer conversion.
func Compose(ts ...Transform) Transform { return compose(ts) }

type compose []Transform

func (c compose) Apply(x *nd.NDArray) (*nd.NDArray, error) {
	var t *tensor
	for i := 0; i < len(c); i++ {
		p, ok := c[i].(pixelTransform)
		if ok {
			if t == nil {
				var err error
				if t, err = fromND(x); err != nil {
					return nil, err
				}
			}
			var err error
			if t, i, err = c.step(i, p, t); err != nil {
				return nil, err
			}
			continue
		}
		if t != nil {
			x, t = t.toND(), nil
		}
		var err error
		if x, err = c[i].Apply(x); err != nil {
			return nil, fmt.Errorf("transforms: compose step %d: %w", i, err)
		}
	}
	if t != nil {
		return t.toND(), nil
	}
	return x, nil
}

func (c compose) apply(t *tensor) (*tensor, error) {
	for i := 0; i < len(c); i++ {
		p, ok := c[i].(pixelTransform)
		if !ok {
			x, err := c[i].Apply(t.toND())
			if err != nil {
				return nil, fmt.Errorf("transforms: compose step %d: %w", i, err)
			}
			if t, err = fromND(x); err != nil {
				return nil, err
			}
			continue
		}
		var err error
		if t, i, err = c.step(i, p, t); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// step applies pixel transform i, or ToTensor and the Normalize right
// after it in one pass over uint8 pixels; it returns the index of the last
// step it ran.
func (c compose) step(i int, p pixelTransform, t *tensor) (*tensor, int, error) {
	if _, ok := p.(ToTensor); ok && t.isU8() && i+1 < len(c) {
		if nm, ok := c[i+1].(Normalize); ok {
			out, err := toTensorNormalize(t, nm)
			if err != nil {
				return nil, i, fmt.Errorf("transforms: compose steps %d-%d: %w", i, i+1, err)
			}
			return out, i + 1, nil
		}
	}
	out, err := p.apply(t)
	if err != nil {
		return nil, i, fmt.Errorf("transforms: compose step %d: %w", i, err)
	}
	return out, i, nil
}

// source is a seeded random source shared by the goroutines that call a
// transform. Draws are serialized; the pixel work that follows is not.
type source struct {
	once sync.Once
	mu   sync.Mutex
	r    *rand.Rand
}

func (s *source) with(seed uint64, f func(r *rand.Rand)) {
	s.once.Do(func() { s.r = rand.New(rand.NewPCG(seed, 0x6d78676f)) })
	s.mu.Lock()
	f(s.r)
	s.mu.Unlock()
}

func (s *source) float64(seed uint64) (v float64) {
	s.with(seed, func(r *rand.Rand) { v = r.Float64() })
	return v
}

// uniform draws from [lo, hi).
func uniform(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

// RandomApply applies T with probability P (MXNet's default is 0.5), like
// Gluon's RandomApply.
type RandomApply struct {
	T    Transform
	P    float64
	Seed uint64
	src  source
}

func (a *RandomApply) Apply(x *nd.NDArray) (*nd.NDArray, error) {
	if a.src.float64(a.Seed) >= a.P {
		return x, nil
	}
	return a.T.Apply(x)
}

func (a *RandomApply) apply(t *tensor) (*tensor, error) {
	if a.src.float64(a.Seed) >= a.P {
		return t, nil
	}
	if p, ok := a.T.(pixelTransform); ok {
		return p.apply(t)
	}
	x, err := a.T.Apply(t.toND())
	if err != nil {
		return nil, err
	}
	return fromND(x)
}

// Cast converts to DType (MXNet's default is float32, the zero value).
// uint8 results saturate and round, as OpenCV does.
type Cast struct{ DType nd.DType }

func (c Cast) Apply(x *nd.NDArray) (*nd.NDArray, error) {
	if c.DType != nd.Float32 && c.DType != nd.Uint8 {
		var out *nd.NDArray
		err := nd.Try(func() { out = x.AsType(c.DType) })
		return out, err
	}
	return applyND(c, x)
}

func (c Cast) apply(t *tensor) (*tensor, error) {
	switch {
	case c.DType == t.dtype():
		return t, nil
	case c.DType == nd.Float32:
		out := newF32(t.shape...)
		for i, v := range t.u8 {
			out.f32[i] = float32(v)
		}
		return out, nil
	case c.DType == nd.Uint8:
		out := newU8(t.shape...)
		for i, v := range t.f32 {
			out.u8[i] = satU8(v)
		}
		return out, nil
	}
	return nil, fmt.Errorf("transforms: cast to %v inside Compose is not supported", c.DType)
}

// ToTensor converts an (H, W, C) image or (N, H, W, C) batch with values in
// [0, 255] to a float32 (C, H, W) or (N, C, H, W) tensor in [0, 1].
type ToTensor struct{}

func (tt ToTensor) Apply(x *nd.NDArray) (*nd.NDArray, error) { return applyND(tt, x) }

func (ToTensor) apply(t *tensor) (*tensor, error) {
	n, h, w, c, err := hwc(t, "ToTensor")
	if err != nil {
		return nil, err
	}
	out := newF32(t.shape...)
	if len(t.shape) == 3 {
		out.shape = []int{c, h, w}
	} else {
		out.shape = []int{n, c, h, w}
	}
	plane := h * w
	const inv = 1 / float32(255)
	for b := 0; b < n; b++ {
		base := b * plane * c
		o := out.f32[base : base+plane*c]
		if t.isU8() {
			in := t.u8[base : base+plane*c]
			if c == 3 {
				r, g, bl := o[:plane], o[plane:2*plane], o[2*plane:]
				for p := range plane {
					r[p] = float32(in[3*p]) * inv
					g[p] = float32(in[3*p+1]) * inv
					bl[p] = float32(in[3*p+2]) * inv
				}
				continue
			}
			for p := range plane {
				for k := range c {
					o[k*plane+p] = float32(in[p*c+k]) * inv
				}
			}
			continue
		}
		in := t.f32[base : base+plane*c]
		for p := range plane {
			for k := range c {
				o[k*plane+p] = in[p*c+k] / 255
			}
		}
	}
	return out, nil
}

// hwc reads an (H, W, C) or (N, H, W, C) shape (N = 1 for 3-D input).
func hwc(t *tensor, op string) (n, h, w, c int, err error) {
	switch len(t.shape) {
	case 3:
		return 1, t.shape[0], t.shape[1], t.shape[2], nil
	case 4:
		return t.shape[0], t.shape[1], t.shape[2], t.shape[3], nil
	}
	return 0, 0, 0, 0, fmt.Errorf("transforms: %s: want an (H, W, C) image or (N, H, W, C) batch, got shape %v", op, t.shape)
}

// chw reads a (C, H, W) or (N, C, H, W) shape.
func chw(t *tensor, op string) (n, c, h, w int, err error) {
	switch len(t.shape) {
	case 3:
		return 1, t.shape[0], t.shape[1], t.shape[2], nil
	case 4:
		return t.shape[0], t.shape[1], t.shape[2], t.shape[3], nil
	}
	return 0, 0, 0, 0, fmt.Errorf("transforms: %s: want a (C, H, W) tensor or (N, C, H, W) batch, got shape %v", op, t.shape)
}

// Normalize maps each channel of a float32 (C, H, W) or (N, C, H, W)
// tensor to (x - mean[c]) / std[c]. Mean and Std hold one value for all
// channels or one per channel; empty Mean is 0 and empty Std is 1.
type Normalize struct {
	Mean, Std []float64
}

func (nm Normalize) Apply(x *nd.NDArray) (*nd.NDArray, error) { return applyND(nm, x) }

func (nm Normalize) apply(t *tensor) (*tensor, error) {
	n, c, h, w, err := chw(t, "Normalize")
	if err != nil {
		return nil, err
	}
	if t.isU8() {
		return nil, fmt.Errorf("transforms: Normalize: want float32 input (apply ToTensor first), got uint8")
	}
	mean, inv, err := nm.coeffs(c)
	if err != nil {
		return nil, err
	}
	out := newF32(t.shape...)
	plane := h * w
	for k := range c {
		m, s := mean[k], inv[k]
		for b := range n {
			off := (b*c + k) * plane
			in, o := t.f32[off:off+plane], out.f32[off:off+plane]
			for i, v := range in {
				o[i] = (v - m) * s
			}
		}
	}
	return out, nil
}

// coeffs returns each channel's mean and 1/std.
func (nm Normalize) coeffs(c int) (mean, inv []float32, err error) {
	pick := func(v []float64, k int, def float64) (float32, error) {
		switch len(v) {
		case 0:
			return float32(def), nil
		case 1:
			return float32(v[0]), nil
		case c:
			return float32(v[k]), nil
		}
		return 0, fmt.Errorf("transforms: Normalize: %d values for %d channels", len(v), c)
	}
	mean, inv = make([]float32, c), make([]float32, c)
	for k := range c {
		if mean[k], err = pick(nm.Mean, k, 0); err != nil {
			return nil, nil, err
		}
		s, err := pick(nm.Std, k, 1)
		if err != nil {
			return nil, nil, err
		}
		if s == 0 {
			return nil, nil, fmt.Errorf("transforms: Normalize: std of channel %d is 0", k)
		}
		inv[k] = 1 / s
	}
	return mean, inv, nil
}

// toTensorNormalize is ToTensor then Normalize on uint8 pixels in one
// pass: each channel maps its 256 byte values through a table computed
// with ToTensor's and Normalize's float32 operations, so the result is
// bit-identical to running the two steps.
func toTensorNormalize(t *tensor, nm Normalize) (*tensor, error) {
	n, h, w, c, err := hwc(t, "ToTensor")
	if err != nil {
		return nil, err
	}
	mean, inv, err := nm.coeffs(c)
	if err != nil {
		return nil, err
	}
	lut := make([][256]float32, c)
	const inv255 = 1 / float32(255)
	for k := range c {
		for v := range 256 {
			x := float32(float32(v) * inv255) // ToTensor's value, rounded as it stores it
			lut[k][v] = (x - mean[k]) * inv[k]
		}
	}
	out := newF32(n, c, h, w)
	if len(t.shape) == 3 {
		out.shape = []int{c, h, w}
	}
	plane := h * w
	for b := range n {
		in := t.u8[b*plane*c : (b+1)*plane*c]
		o := out.f32[b*plane*c : (b+1)*plane*c]
		if c == 3 {
			lr, lg, lb := &lut[0], &lut[1], &lut[2]
			r, g, bl := o[:plane], o[plane:2*plane], o[2*plane:3*plane]
			for p := range plane {
				px := in[3*p : 3*p+3 : 3*p+3]
				r[p], g[p], bl[p] = lr[px[0]], lg[px[1]], lb[px[2]]
			}
			continue
		}
		for p := range plane {
			for k := range c {
				o[k*plane+p] = lut[k][in[p*c+k]]
			}
		}
	}
	return out, nil
}
