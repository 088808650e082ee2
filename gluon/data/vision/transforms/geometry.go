package transforms

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/mxgo/mxgo/nd"
)

// Geometric transforms take (H, W, C) images or (N, H, W, C) batches of
// uint8 or float32, except Rotate, which (as in MXNet) takes float32
// (C, H, W) tensors, i.e. runs after ToTensor.

// Resize resizes to Width×Height, like Gluon's Resize. With Height 0 the
// size is the single int Width: both edges become Width, or with KeepRatio
// the shorter edge becomes Width and the longer one keeps the aspect ratio
// (truncated, as MXNet computes it).
type Resize struct {
	Width, Height int
	KeepRatio     bool
	Interp        Interp
}

func (r Resize) Apply(x *nd.NDArray) (*nd.NDArray, error) { return applyND(r, x) }

func (r Resize) apply(t *tensor) (*tensor, error) {
	_, h, w, _, err := hwc(t, "Resize")
	if err != nil {
		return nil, err
	}
	dw, dh := r.size(w, h)
	return resample(t, window{0, 0, w, h}, dw, dh, r.Interp)
}

func (r Resize) size(w, h int) (dw, dh int) {
	if r.Height > 0 {
		return r.Width, r.Height
	}
	s := r.Width
	if !r.KeepRatio {
		return s, s
	}
	if h > w {
		return s, h * s / w
	}
	return w * s / h, s
}

// scaleDown shrinks a crop of size (w, h) to fit in a (sw, sh) source while
// keeping its aspect ratio.
func scaleDown(sw, sh, w, h int) (int, int) {
	fw, fh := float64(w), float64(h)
	if float64(sh) < fh {
		fw, fh = fw*float64(sh)/fh, float64(sh)
	}
	if float64(sw) < fw {
		fw, fh = float64(sw), fh*float64(sw)/fw
	}
	return max(1, int(fw)), max(1, int(fh))
}

// CenterCrop crops Width×Height (Height 0 means square) around the center,
// like Gluon's CenterCrop. A source smaller than the crop is cropped to the
// largest centered region with the crop's aspect ratio and resized up.
type CenterCrop struct {
	Width, Height int
	Interp        Interp
}

func (cc CenterCrop) Apply(x *nd.NDArray) (*nd.NDArray, error) { return applyND(cc, x) }

func (cc CenterCrop) apply(t *tensor) (*tensor, error) {
	_, h, w, _, err := hwc(t, "CenterCrop")
	if err != nil {
		return nil, err
	}
	ow, oh := square(cc.Width, cc.Height)
	cw, ch := scaleDown(w, h, ow, oh)
	return resample(t, window{(w - cw) / 2, (h - ch) / 2, cw, ch}, ow, oh, cc.Interp)
}

func square(w, h int) (int, int) {
	if h == 0 {
		return w, w
	}
	return w, h
}

// CropResize crops the Width×Height rectangle at (X, Y) and, when
// ResizeWidth > 0, resizes it to ResizeWidth×ResizeHeight (ResizeHeight 0
// means square), like Gluon's CropResize.
type CropResize struct {
	X, Y, Width, Height       int
	ResizeWidth, ResizeHeight int
	Interp                    Interp
}

func (cr CropResize) Apply(x *nd.NDArray) (*nd.NDArray, error) { return applyND(cr, x) }

func (cr CropResize) apply(t *tensor) (*tensor, error) {
	dw, dh := cr.Width, cr.Height
	if cr.ResizeWidth > 0 {
		dw, dh = square(cr.ResizeWidth, cr.ResizeHeight)
	}
	return resample(t, window{cr.X, cr.Y, cr.Width, cr.Height}, dw, dh, cr.Interp)
}

// RandomCrop pads the image by Pad pixels on each side (or by PadEdges =
// top, bottom, left, right when any is set) with PadValue, then crops a
// random Width×Height region (Height 0 means square), like Gluon's
// RandomCrop. A source smaller than the crop gives the largest region with
// the crop's aspect ratio, resized up.
type RandomCrop struct {
	Width, Height int
	Pad           int
	PadEdges      [4]int
	PadValue      float64
	Interp        Interp
	Seed          uint64
	src           source
}

func (rc *RandomCrop) Apply(x *nd.NDArray) (*nd.NDArray, error) { return applyND(rc, x) }

func (rc *RandomCrop) apply(t *tensor) (*tensor, error) {
	pads := rc.PadEdges
	if pads == [4]int{} {
		pads = [4]int{rc.Pad, rc.Pad, rc.Pad, rc.Pad}
	}
	var err error
	if pads != [4]int{} {
		if t, err = pad(t, pads, rc.PadValue); err != nil {
			return nil, err
		}
	}
	_, h, w, _, err := hwc(t, "RandomCrop")
	if err != nil {
		return nil, err
	}
	ow, oh := square(rc.Width, rc.Height)
	cw, ch := scaleDown(w, h, ow, oh)
	var x0, y0 int
	rc.src.with(rc.Seed, func(r *rand.Rand) {
		x0, y0 = r.IntN(w-cw+1), r.IntN(h-ch+1)
	})
	return resample(t, window{x0, y0, cw, ch}, ow, oh, rc.Interp)
}

// pad adds constant borders (top, bottom, left, right) to HWC images.
func pad(t *tensor, p [4]int, value float64) (*tensor, error) {
	n, h, w, c, err := hwc(t, "pad")
	if err != nil {
		return nil, err
	}
	for _, v := range p {
		if v < 0 {
			return nil, fmt.Errorf("transforms: negative padding %v", p)
		}
	}
	oh, ow := h+p[0]+p[1], w+p[2]+p[3]
	var out *tensor
	if len(t.shape) == 3 {
		out = newLike(t, oh, ow, c)
	} else {
		out = newLike(t, n, oh, ow, c)
	}
	if t.isU8() {
		fillAll(out.u8, satU8(float32(value)))
	} else {
		fillAll(out.f32, float32(value))
	}
	for b := range n {
		for y := range h {
			so := (b*h + y) * w * c
			do := ((b*oh+y+p[0])*ow + p[2]) * c
			if t.isU8() {
				copy(out.u8[do:do+w*c], t.u8[so:so+w*c])
			} else {
				copy(out.f32[do:do+w*c], t.f32[so:so+w*c])
			}
		}
	}
	return out, nil
}

func fillAll[T any](s []T, v T) {
	for i := range s {
		s[i] = v
	}
}

// RandomResizedCrop crops a random region with an area fraction drawn from
// Scale (default 0.08 to 1) and an aspect ratio w/h drawn log-uniformly
// from Ratio (default 3/4 to 4/3), then resizes it to Width×Height (Height
// 0 means square), like Gluon's RandomResizedCrop. After 10 draws that do
// not fit it falls back to a center crop.
type RandomResizedCrop struct {
	Width, Height int
	Scale, Ratio  [2]float64
	Interp        Interp
	Seed          uint64
	src           source
}

func (rr *RandomResizedCrop) Apply(x *nd.NDArray) (*nd.NDArray, error) { return applyND(rr, x) }

func (rr *RandomResizedCrop) apply(t *tensor) (*tensor, error) {
	_, h, w, _, err := hwc(t, "RandomResizedCrop")
	if err != nil {
		return nil, err
	}
	ow, oh := square(rr.Width, rr.Height)
	win, ok := window{}, false
	rr.src.with(rr.Seed, func(r *rand.Rand) { win, ok = rr.draw(r, w, h) })
	if !ok {
		cw, ch := scaleDown(w, h, ow, oh)
		win = window{(w - cw) / 2, (h - ch) / 2, cw, ch}
	}
	return resample(t, win, ow, oh, rr.Interp)
}

func (rr *RandomResizedCrop) draw(r *rand.Rand, w, h int) (window, bool) {
	scale, ratio := rr.Scale, rr.Ratio
	if scale == [2]float64{} {
		scale = [2]float64{0.08, 1}
	}
	if ratio == [2]float64{} {
		ratio = [2]float64{3.0 / 4, 4.0 / 3}
	}
	area := float64(w * h)
	for range 10 {
		target := uniform(r, scale[0], scale[1]) * area
		ar := math.Exp(uniform(r, math.Log(ratio[0]), math.Log(ratio[1])))
		cw := int(math.Round(math.Sqrt(target * ar)))
		ch := int(math.Round(math.Sqrt(target / ar)))
		if cw >= 1 && ch >= 1 && cw <= w && ch <= h {
			x0 := int(r.Float64() * float64(w-cw))
			y0 := int(r.Float64() * float64(h-ch))
			return window{x0, y0, cw, ch}, true
		}
	}
	return window{}, false
}

// flip reverses HWC images along the width (horizontal) or height axis.
func flip(t *tensor, horizontal bool) (*tensor, error) {
	n, h, w, c, err := hwc(t, "flip")
	if err != nil {
		return nil, err
	}
	out := newLike(t, t.shape...)
	if horizontal && t.isU8() && c == 3 { // the common case, without per-pixel copy calls
		for row := range n * h {
			in, o := t.u8[row*w*3:(row+1)*w*3], out.u8[row*w*3:(row+1)*w*3]
			for x := range w {
				s := (w - 1 - x) * 3
				o[3*x], o[3*x+1], o[3*x+2] = in[s], in[s+1], in[s+2]
			}
		}
		return out, nil
	}
	for b := range n {
		for y := range h {
			for x := range w {
				sy, sx := y, x
				if horizontal {
					sx = w - 1 - x
				} else {
					sy = h - 1 - y
				}
				so := ((b*h+sy)*w + sx) * c
				do := ((b*h+y)*w + x) * c
				if t.isU8() {
					copy(out.u8[do:do+c], t.u8[so:so+c])
				} else {
					copy(out.f32[do:do+c], t.f32[so:so+c])
				}
			}
		}
	}
	return out, nil
}

// RandomFlipLeftRight mirrors the image horizontally with probability 1/2
// (a batch is flipped as a whole, as in MXNet).
type RandomFlipLeftRight struct {
	Seed uint64
	src  source
}

func (f *RandomFlipLeftRight) Apply(x *nd.NDArray) (*nd.NDArray, error) { return applyND(f, x) }

func (f *RandomFlipLeftRight) apply(t *tensor) (*tensor, error) {
	if f.src.float64(f.Seed) < 0.5 {
		return t, nil
	}
	return flip(t, true)
}

// RandomFlipTopBottom flips the image vertically with probability 1/2.
type RandomFlipTopBottom struct {
	Seed uint64
	src  source
}

func (f *RandomFlipTopBottom) Apply(x *nd.NDArray) (*nd.NDArray, error) { return applyND(f, x) }

func (f *RandomFlipTopBottom) apply(t *tensor) (*tensor, error) {
	if f.src.float64(f.Seed) < 0.5 {
		return t, nil
	}
	return flip(t, false)
}

// Rotate rotates float32 (C, H, W) tensors or (N, C, H, W) batches
// counter-clockwise by Degrees about the image center, keeping the shape,
// like Gluon's Rotate (mx.image.imrotate): bilinear sampling with zeros
// outside the source. ZoomIn scales so no padding shows; ZoomOut so the
// whole source stays visible.
type Rotate struct {
	Degrees         float64
	ZoomIn, ZoomOut bool
}

func (ro Rotate) Apply(x *nd.NDArray) (*nd.NDArray, error) { return applyND(ro, x) }

func (ro Rotate) apply(t *tensor) (*tensor, error) {
	return rotate(t, ro.Degrees, ro.ZoomIn, ro.ZoomOut)
}

func rotate(t *tensor, degrees float64, zoomIn, zoomOut bool) (*tensor, error) {
	if zoomIn && zoomOut {
		return nil, fmt.Errorf("transforms: Rotate: ZoomIn and ZoomOut cannot both be set")
	}
	n, c, h, w, err := chw(t, "Rotate")
	if err != nil {
		return nil, err
	}
	if t.isU8() {
		return nil, fmt.Errorf("transforms: Rotate: want float32 input (apply ToTensor first), got uint8")
	}
	rad := degrees * math.Pi / 180
	cos, sin := math.Cos(rad), math.Sin(rad)
	scale := 1.0
	if zoomIn || zoomOut {
		fw, fh := float64(w), float64(h)
		rho, corner := math.Hypot(fw, fh), math.Atan(fh/fw)
		a := math.Abs(rad)
		maxX := math.Max(math.Abs(rho*math.Cos(corner+a)), math.Abs(rho*math.Cos(corner-a)))
		maxY := math.Max(math.Abs(rho*math.Sin(corner+a)), math.Abs(rho*math.Sin(corner-a)))
		if zoomOut {
			scale = math.Max(maxX/fw, maxY/fh)
		} else {
			scale = math.Min(fw/maxX, fh/maxY)
		}
	}
	out := newF32(t.shape...)
	cx, cy := float64(w-1)/2, float64(h-1)/2
	plane := h * w
	for y := range h {
		for x := range w {
			// The output pixel samples the source at the rotated offset.
			dx, dy := float64(x)-cx, float64(y)-cy
			sx := (dx*cos-dy*sin)*scale + cx
			sy := (dx*sin+dy*cos)*scale + cy
			x0, y0 := int(math.Floor(sx)), int(math.Floor(sy))
			fx, fy := float32(sx-float64(x0)), float32(sy-float64(y0))
			wts := [4]float32{(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy}
			pts := [4][2]int{{x0, y0}, {x0 + 1, y0}, {x0, y0 + 1}, {x0 + 1, y0 + 1}}
			for b := range n {
				for k := range c {
					base := (b*c + k) * plane
					var s float32
					for i, p := range pts {
						if p[0] >= 0 && p[0] < w && p[1] >= 0 && p[1] < h {
							s += wts[i] * t.f32[base+p[1]*w+p[0]]
						}
					}
					out.f32[base+y*w+x] = s
				}
			}
		}
	}
	return out, nil
}

// RandomRotation rotates by an angle drawn uniformly from [Min, Max)
// degrees, with probability Proba (0 means 1, MXNet's default), like
// Gluon's RandomRotation. Each image of a batch gets its own angle.
type RandomRotation struct {
	Min, Max        float64
	ZoomIn, ZoomOut bool
	Proba           float64
	Seed            uint64
	src             source
}

func (rr *RandomRotation) Apply(x *nd.NDArray) (*nd.NDArray, error) { return applyND(rr, x) }

func (rr *RandomRotation) apply(t *tensor) (*tensor, error) {
	if rr.Min >= rr.Max {
		return nil, fmt.Errorf("transforms: RandomRotation: limits (%v, %v) must be increasing", rr.Min, rr.Max)
	}
	n, _, _, _, err := chw(t, "RandomRotation")
	if err != nil {
		return nil, err
	}
	p := rr.Proba
	if p == 0 {
		p = 1
	}
	skip := false
	angles := make([]float64, n)
	rr.src.with(rr.Seed, func(r *rand.Rand) {
		if r.Float64() >= p {
			skip = true
			return
		}
		for i := range angles {
			angles[i] = uniform(r, rr.Min, rr.Max)
		}
	})
	if skip {
		return t, nil
	}
	if len(t.shape) == 3 {
		return rotate(t, angles[0], rr.ZoomIn, rr.ZoomOut)
	}
	out := newF32(t.shape...)
	per := prod(t.shape[1:])
	for i, a := range angles {
		one := &tensor{shape: t.shape[1:], f32: t.f32[i*per : (i+1)*per], borrowed: t.borrowed}
		r, err := rotate(one, a, rr.ZoomIn, rr.ZoomOut)
		if err != nil {
			return nil, err
		}
		copy(out.f32[i*per:], r.f32)
	}
	return out, nil
}
