package transforms

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/mxgo/mxgo/nd"
)

// Color transforms take (H, W, C) images or (N, H, W, C) batches with
// C = 3 (RGB) or 1, uint8 or float32, and follow MXNet's image operators:
// uint8 results are rounded and saturated, float32 results are not clipped.

// BT.601 luma weights, as MXNet's contrast and saturation operators use.
const lumaR, lumaG, lumaB = 0.299, 0.587, 0.114

// eachPixel maps every value through f (an affine map per value).
func mapValues(t *tensor, f func(v float32) float32) *tensor {
	out := newLike(t, t.shape...)
	if t.isU8() {
		// 256-entry table: the same result as per-pixel math, far cheaper.
		var lut [256]uint8
		for i := range lut {
			lut[i] = satU8(f(float32(i)))
		}
		for i, v := range t.u8 {
			out.u8[i] = lut[v]
		}
		return out
	}
	for i, v := range t.f32 {
		out.f32[i] = f(v)
	}
	return out
}

func value(t *tensor, i int) float32 {
	if t.isU8() {
		return float32(t.u8[i])
	}
	return t.f32[i]
}

// AdjustBrightness multiplies every value by alpha.
func adjustBrightness(t *tensor, alpha float32) *tensor {
	return mapValues(t, func(v float32) float32 { return v * alpha })
}

// adjustContrast blends each image with its mean gray level:
// out = in·α + (1-α)·mean(gray).
func adjustContrast(t *tensor, alpha float32) (*tensor, error) {
	n, h, w, c, err := hwc(t, "contrast")
	if err != nil {
		return nil, err
	}
	if n > 1 {
		return perImage(t, func(one *tensor) (*tensor, error) { return adjustContrast(one, alpha) })
	}
	var sum float64
	px := h * w
	for p := range px {
		if c >= 3 {
			sum += lumaR*float64(value(t, p*c)) + lumaG*float64(value(t, p*c+1)) + lumaB*float64(value(t, p*c+2))
		} else {
			sum += float64(value(t, p*c))
		}
	}
	beta := (1 - alpha) * float32(sum/float64(px))
	return mapValues(t, func(v float32) float32 { return v*alpha + beta }), nil
}

// adjustSaturation blends each pixel with its own gray level:
// out = in·α + (1-α)·gray. (MXNet's C++ kernel drops all but the blue term
// of gray by mistake; this uses the full BT.601 sum, as its Python
// augmenter and torchvision do.)
func adjustSaturation(t *tensor, alpha float32) (*tensor, error) {
	_, _, _, c, err := hwc(t, "saturation")
	if err != nil {
		return nil, err
	}
	if c != 3 {
		return t, nil
	}
	out := newLike(t, t.shape...)
	for p := 0; p < prod(t.shape)/3; p++ {
		r, g, b := value(t, 3*p), value(t, 3*p+1), value(t, 3*p+2)
		gray := (lumaR*r + lumaG*g + lumaB*b) * (1 - alpha)
		store3(out, p, gray+r*alpha, gray+g*alpha, gray+b*alpha)
	}
	return out, nil
}

func store3(t *tensor, p int, r, g, b float32) {
	if t.isU8() {
		t.u8[3*p], t.u8[3*p+1], t.u8[3*p+2] = satU8(r), satU8(g), satU8(b)
		return
	}
	t.f32[3*p], t.f32[3*p+1], t.f32[3*p+2] = r, g, b
}

// adjustHue rotates hue by alpha turns (alpha·360 degrees) in HLS space,
// keeping lightness and saturation. Values are taken as 0..255.
func adjustHue(t *tensor, alpha float32) (*tensor, error) {
	_, _, _, c, err := hwc(t, "hue")
	if err != nil {
		return nil, err
	}
	if c != 3 {
		return t, nil
	}
	out := newLike(t, t.shape...)
	for p := 0; p < prod(t.shape)/3; p++ {
		h, l, s := rgbToHLS(value(t, 3*p)/255, value(t, 3*p+1)/255, value(t, 3*p+2)/255)
		r, g, b := hlsToRGB(h+alpha*360, l, s)
		store3(out, p, r*255, g*255, b*255)
	}
	return out, nil
}

// rgbToHLS returns hue in degrees [0, 360), lightness and saturation.
func rgbToHLS(r, g, b float32) (h, l, s float32) {
	vmax := max(r, g, b)
	vmin := min(r, g, b)
	diff := vmax - vmin
	l = (vmax + vmin) / 2
	if diff <= 1.1920929e-07 { // float32 epsilon, as MXNet
		return 0, l, 0
	}
	if l < 0.5 {
		s = diff / (vmax + vmin)
	} else {
		s = diff / (2 - vmax - vmin)
	}
	k := 60 / diff
	switch vmax {
	case r:
		h = (g - b) * k
	case g:
		h = (b-r)*k + 120
	default:
		h = (r-g)*k + 240
	}
	if h < 0 {
		h += 360
	}
	return h, l, s
}

func hlsToRGB(h, l, s float32) (r, g, b float32) {
	if s == 0 {
		return l, l, l
	}
	var p2 float32
	if l <= 0.5 {
		p2 = l * (1 + s)
	} else {
		p2 = l + s - l*s
	}
	p1 := 2*l - p2
	h /= 60
	h -= 6 * float32(math.Floor(float64(h/6)))
	sector := min(int(h), 5)
	f := h - float32(sector)
	tab := [4]float32{p2, p1, p1 + (p2-p1)*(1-f), p1 + (p2-p1)*f}
	// Which tab entry holds b, g, r in each of the 6 hue sectors.
	sectors := [6][3]int{{1, 3, 0}, {1, 0, 2}, {3, 0, 1}, {0, 2, 1}, {0, 1, 3}, {2, 1, 0}}
	sd := sectors[sector]
	return tab[sd[2]], tab[sd[1]], tab[sd[0]]
}

// perImage applies f to each image of an NHWC batch.
func perImage(t *tensor, f func(*tensor) (*tensor, error)) (*tensor, error) {
	out := newLike(t, t.shape...)
	per := prod(t.shape[1:])
	for i := 0; i < t.shape[0]; i++ {
		one := &tensor{shape: t.shape[1:], borrowed: t.borrowed}
		if t.isU8() {
			one.u8 = t.u8[i*per : (i+1)*per]
		} else {
			one.f32 = t.f32[i*per : (i+1)*per]
		}
		r, err := f(one)
		if err != nil {
			return nil, err
		}
		if t.isU8() {
			copy(out.u8[i*per:], r.u8)
		} else {
			copy(out.f32[i*per:], r.f32)
		}
	}
	return out, nil
}

// factorRange is MXNet's [max(0, 1-x), 1+x].
func factorRange(x float64) (float64, float64) { return math.Max(0, 1-x), 1 + x }

// RandomBrightness scales values by a factor drawn from
// [max(0, 1-Brightness), 1+Brightness].
type RandomBrightness struct {
	Brightness float64
	Seed       uint64
	src        source
}

func (rb *RandomBrightness) Apply(x *nd.NDArray) (*nd.NDArray, error) { return applyND(rb, x) }

func (rb *RandomBrightness) apply(t *tensor) (*tensor, error) {
	lo, hi := factorRange(rb.Brightness)
	var a float64
	rb.src.with(rb.Seed, func(r *rand.Rand) { a = uniform(r, lo, hi) })
	return adjustBrightness(t, float32(a)), nil
}

// RandomContrast blends with the mean gray level by a factor drawn from
// [max(0, 1-Contrast), 1+Contrast].
type RandomContrast struct {
	Contrast float64
	Seed     uint64
	src      source
}

func (rc *RandomContrast) Apply(x *nd.NDArray) (*nd.NDArray, error) { return applyND(rc, x) }

func (rc *RandomContrast) apply(t *tensor) (*tensor, error) {
	lo, hi := factorRange(rc.Contrast)
	var a float64
	rc.src.with(rc.Seed, func(r *rand.Rand) { a = uniform(r, lo, hi) })
	return adjustContrast(t, float32(a))
}

// RandomSaturation blends each pixel with its gray level by a factor drawn
// from [max(0, 1-Saturation), 1+Saturation].
type RandomSaturation struct {
	Saturation float64
	Seed       uint64
	src        source
}

func (rs *RandomSaturation) Apply(x *nd.NDArray) (*nd.NDArray, error) { return applyND(rs, x) }

func (rs *RandomSaturation) apply(t *tensor) (*tensor, error) {
	lo, hi := factorRange(rs.Saturation)
	var a float64
	rs.src.with(rs.Seed, func(r *rand.Rand) { a = uniform(r, lo, hi) })
	return adjustSaturation(t, float32(a))
}

// RandomHue shifts hue by a fraction of a turn drawn from [-Hue, Hue].
type RandomHue struct {
	Hue  float64
	Seed uint64
	src  source
}

func (rh *RandomHue) Apply(x *nd.NDArray) (*nd.NDArray, error) { return applyND(rh, x) }

func (rh *RandomHue) apply(t *tensor) (*tensor, error) {
	var a float64
	rh.src.with(rh.Seed, func(r *rand.Rand) { a = uniform(r, -rh.Hue, rh.Hue) })
	return adjustHue(t, float32(a))
}

// RandomColorJitter applies brightness, contrast, saturation and hue
// jitter (each when its amount is > 0) in a random order, with factors
// 1 + U(-x, x) (hue: U(-Hue, Hue)), like MXNet's random_color_jitter.
type RandomColorJitter struct {
	Brightness, Contrast, Saturation, Hue float64
	Seed                                  uint64
	src                                   source
}

func (cj *RandomColorJitter) Apply(x *nd.NDArray) (*nd.NDArray, error) { return applyND(cj, x) }

func (cj *RandomColorJitter) apply(t *tensor) (*tensor, error) {
	order := [4]int{0, 1, 2, 3}
	var alpha [4]float32
	amount := [4]float64{cj.Brightness, cj.Contrast, cj.Saturation, cj.Hue}
	cj.src.with(cj.Seed, func(r *rand.Rand) {
		r.Shuffle(4, func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, k := range order {
			if amount[k] > 0 {
				alpha[k] = float32(uniform(r, -amount[k], amount[k]))
			}
		}
	})
	var err error
	for _, k := range order {
		if amount[k] <= 0 {
			continue
		}
		switch k {
		case 0:
			t = adjustBrightness(t, 1+alpha[k])
		case 1:
			t, err = adjustContrast(t, 1+alpha[k])
		case 2:
			t, err = adjustSaturation(t, 1+alpha[k])
		case 3:
			t, err = adjustHue(t, alpha[k])
		}
		if err != nil {
			return nil, err
		}
	}
	return t, nil
}

// ImageNet's RGB eigenvalues and eigenvectors (columns) used by AlexNet's
// PCA lighting noise, as in MXNet.
var (
	lightingEigval = [3]float64{55.46, 4.794, 1.148}
	lightingEigvec = [3][3]float64{
		{-0.5675, 0.7192, 0.4009},
		{-0.5808, -0.0045, -0.8140},
		{-0.5836, -0.6948, 0.4203},
	}
)

// RandomLighting adds AlexNet-style PCA noise: alphas ~ N(0, AlphaStd²)
// per eigenvector, and each channel gets Σ_j eigvec[c][j]·eigval[j]·α_j.
// Values are on the 0..255 scale; 1-channel images are unchanged.
type RandomLighting struct {
	AlphaStd float64
	Seed     uint64
	src      source
}

func (rl *RandomLighting) Apply(x *nd.NDArray) (*nd.NDArray, error) { return applyND(rl, x) }

func (rl *RandomLighting) apply(t *tensor) (*tensor, error) {
	var a [3]float64
	rl.src.with(rl.Seed, func(r *rand.Rand) {
		for i := range a {
			a[i] = r.NormFloat64() * rl.AlphaStd
		}
	})
	return adjustLighting(t, a)
}

func adjustLighting(t *tensor, alpha [3]float64) (*tensor, error) {
	_, _, _, c, err := hwc(t, "lighting")
	if err != nil {
		return nil, err
	}
	if c != 3 {
		return t, nil
	}
	var pca [3]float32
	for ch := range 3 {
		var s float64
		for j := range 3 {
			s += lightingEigvec[ch][j] * lightingEigval[j] * alpha[j]
		}
		pca[ch] = float32(s)
	}
	out := newLike(t, t.shape...)
	for p := 0; p < prod(t.shape)/3; p++ {
		store3(out, p, value(t, 3*p)+pca[0], value(t, 3*p+1)+pca[1], value(t, 3*p+2)+pca[2])
	}
	return out, nil
}

// RandomGray converts an RGB image to gray (kept as 3 equal channels) with
// probability P (MXNet's default is 0.5), using weights 0.2989, 0.587,
// 0.114 like Gluon's RandomGray.
type RandomGray struct {
	P    float64
	Seed uint64
	src  source
}

func (rg *RandomGray) Apply(x *nd.NDArray) (*nd.NDArray, error) { return applyND(rg, x) }

func (rg *RandomGray) apply(t *tensor) (*tensor, error) {
	if rg.src.float64(rg.Seed) >= rg.P {
		return t, nil
	}
	_, _, _, c, err := hwc(t, "RandomGray")
	if err != nil {
		return nil, err
	}
	if c != 3 {
		return nil, fmt.Errorf("transforms: RandomGray: want 3 channels, got %d", c)
	}
	out := newLike(t, t.shape...)
	for p := 0; p < prod(t.shape)/3; p++ {
		g := 0.2989*value(t, 3*p) + 0.587*value(t, 3*p+1) + 0.114*value(t, 3*p+2)
		store3(out, p, g, g, g)
	}
	return out, nil
}

// AdjustBrightness multiplies every value by factor (uint8 results are
// rounded and saturated).
func AdjustBrightness(x *nd.NDArray, factor float64) (*nd.NDArray, error) {
	return applyND(pixelFunc(func(t *tensor) (*tensor, error) { return adjustBrightness(t, float32(factor)), nil }), x)
}

// AdjustContrast blends each image with its mean gray level:
// out = x·factor + (1-factor)·mean(0.299R + 0.587G + 0.114B).
func AdjustContrast(x *nd.NDArray, factor float64) (*nd.NDArray, error) {
	return applyND(pixelFunc(func(t *tensor) (*tensor, error) { return adjustContrast(t, float32(factor)) }), x)
}

// AdjustSaturation blends each pixel with its gray level:
// out = x·factor + (1-factor)·(0.299R + 0.587G + 0.114B).
func AdjustSaturation(x *nd.NDArray, factor float64) (*nd.NDArray, error) {
	return applyND(pixelFunc(func(t *tensor) (*tensor, error) { return adjustSaturation(t, float32(factor)) }), x)
}

// AdjustHue rotates hue by turns·360 degrees (values on the 0..255 scale).
func AdjustHue(x *nd.NDArray, turns float64) (*nd.NDArray, error) {
	return applyND(pixelFunc(func(t *tensor) (*tensor, error) { return adjustHue(t, float32(turns)) }), x)
}

// AdjustLighting adds the PCA lighting offset for the given alphas (MXNet's
// adjust_lighting).
func AdjustLighting(x *nd.NDArray, alpha [3]float64) (*nd.NDArray, error) {
	return applyND(pixelFunc(func(t *tensor) (*tensor, error) { return adjustLighting(t, alpha) }), x)
}

// pixelFunc adapts a tensor function to pixelTransform.
type pixelFunc func(t *tensor) (*tensor, error)

func (f pixelFunc) apply(t *tensor) (*tensor, error) { return f(t) }
