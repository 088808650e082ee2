package transforms_test

import (
	"math"
	"sync"
	"testing"

	"github.com/mxgo/mxgo/gluon/data/vision/transforms"
	"github.com/mxgo/mxgo/nd"
)

func apply(t *testing.T, tr transforms.Transform, x *nd.NDArray) *nd.NDArray {
	t.Helper()
	out, err := tr.Apply(x)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func vals(t *testing.T, x *nd.NDArray) []float64 {
	t.Helper()
	v, err := x.Values()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestSeedReproducibility(t *testing.T) {
	img := photo(t)
	makers := map[string]func(seed uint64) transforms.Transform{
		"RandomResizedCrop": func(s uint64) transforms.Transform { return &transforms.RandomResizedCrop{Width: 16, Seed: s} },
		"RandomCrop":        func(s uint64) transforms.Transform { return &transforms.RandomCrop{Width: 16, Pad: 3, Seed: s} },
		"RandomColorJitter": func(s uint64) transforms.Transform {
			return &transforms.RandomColorJitter{Brightness: 0.4, Contrast: 0.4, Saturation: 0.4, Hue: 0.1, Seed: s}
		},
		"RandomLighting": func(s uint64) transforms.Transform { return &transforms.RandomLighting{AlphaStd: 0.1, Seed: s} },
		"RandomHue":      func(s uint64) transforms.Transform { return &transforms.RandomHue{Hue: 0.3, Seed: s} },
	}
	for name, mk := range makers {
		a, b, c := mk(1), mk(1), mk(2)
		same, differ := true, false
		for range 5 {
			ra, rb, rc := apply(t, a, img), apply(t, b, img), apply(t, c, img)
			same = same && ndEqual(t, ra, rb)
			differ = differ || !ndEqual(t, ra, rc)
		}
		if !same {
			t.Errorf("%s: equal seeds gave different outputs", name)
		}
		if !differ {
			t.Errorf("%s: seeds 1 and 2 gave the same 5 outputs", name)
		}
	}
}

func TestRandomFlipIsFair(t *testing.T) {
	img := nd.ArrayOf([]uint8{1, 2}, nd.Shape{1, 2, 1})
	f := &transforms.RandomFlipLeftRight{Seed: 3}
	flips := 0
	for range 400 {
		if vals(t, apply(t, f, img))[0] == 2 {
			flips++
		}
	}
	if flips < 160 || flips > 240 { // 50% ± 4 standard deviations
		t.Fatalf("%d flips in 400", flips)
	}
}

func TestRandomResizedCropCoversScaleRange(t *testing.T) {
	// A gradient image: the crop's value range reveals its width.
	w := 200
	pix := make([]float32, w*w)
	for i := range pix {
		pix[i] = float32(i % w)
	}
	img := nd.ArrayOf(pix, nd.Shape{w, w, 1})
	rr := &transforms.RandomResizedCrop{Width: 8, Height: 8, Scale: [2]float64{0.25, 1}, Ratio: [2]float64{1, 1}, Seed: 5, Interp: transforms.Nearest}
	minSpan, maxSpan := math.Inf(1), 0.0
	for range 200 {
		out := apply(t, rr, img)
		if !out.Shape().Equal(nd.Shape{8, 8, 1}) {
			t.Fatalf("shape %v", out.Shape())
		}
		v := vals(t, out)
		span := v[7] - v[0] // first row: x from left to right of the crop
		minSpan, maxSpan = min(minSpan, span), max(maxSpan, span)
	}
	// Square crops of area 0.25..1 have sides 100..200 px; nearest
	// sampling at 8 columns sees 7/8 of the side.
	if minSpan < 80 || minSpan > 110 || maxSpan < 160 {
		t.Fatalf("crop widths seen: %v..%v, want about 87..175", minSpan, maxSpan)
	}
}

func TestColorTransformsStayInRange(t *testing.T) {
	img := photo(t).AsType(nd.Float32)
	in := vals(t, img)
	mean := func(v []float64) float64 {
		s := 0.0
		for _, x := range v {
			s += x
		}
		return s / float64(len(v))
	}
	b := &transforms.RandomBrightness{Brightness: 0.5, Seed: 9}
	for range 20 {
		r := mean(vals(t, apply(t, b, img))) / mean(in)
		if r < 0.5-1e-6 || r > 1.5+1e-6 {
			t.Fatalf("brightness factor %v outside [0.5, 1.5]", r)
		}
	}
	// Contrast keeps the mean gray level (float input: no clipping).
	c := &transforms.RandomContrast{Contrast: 0.8, Seed: 9}
	out := vals(t, apply(t, c, img))
	gray := func(v []float64) float64 {
		s := 0.0
		for p := 0; p < len(v); p += 3 {
			s += 0.299*v[p] + 0.587*v[p+1] + 0.114*v[p+2]
		}
		return s / float64(len(v)/3)
	}
	if d := math.Abs(gray(out) - gray(in)); d > 0.01 {
		t.Fatalf("contrast moved the mean gray by %v", d)
	}
}

func TestRandomLightingOffsetsEachChannel(t *testing.T) {
	img := photo(t).AsType(nd.Float32)
	in := vals(t, img)
	if !ndEqual(t, apply(t, &transforms.RandomLighting{}, img), img) {
		t.Fatal("AlphaStd 0 changed the image")
	}
	out := vals(t, apply(t, &transforms.RandomLighting{AlphaStd: 0.2, Seed: 4}, img))
	for ch := range 3 {
		off := out[ch] - in[ch]
		if math.Abs(off) < 1e-3 {
			t.Fatalf("channel %d offset %v: no noise", ch, off)
		}
		for p := ch; p < len(in); p += 3 {
			if math.Abs(out[p]-in[p]-off) > 1e-3 {
				t.Fatalf("channel %d: offset %v at pixel %d, %v at pixel 0", ch, out[p]-in[p], p/3, off)
			}
		}
	}
	// The offset is a combination of the eigenvectors: AdjustLighting with
	// alpha (1, 0, 0) adds eigval[0]·eigvec[:, 0].
	got := vals(t, must(t)(transforms.AdjustLighting(img, [3]float64{1, 0, 0})))
	want := []float64{55.46 * -0.5675, 55.46 * -0.5808, 55.46 * -0.5836}
	for ch := range 3 {
		if math.Abs(got[ch]-in[ch]-want[ch]) > 1e-3 {
			t.Fatalf("channel %d: offset %v, want %v", ch, got[ch]-in[ch], want[ch])
		}
	}
}

func must(t *testing.T) func(*nd.NDArray, error) *nd.NDArray {
	return func(x *nd.NDArray, err error) *nd.NDArray {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
}

func TestRandomGrayAndApply(t *testing.T) {
	img := photo(t)
	g := vals(t, apply(t, &transforms.RandomGray{P: 1}, img))
	for p := 0; p < len(g); p += 3 {
		if g[p] != g[p+1] || g[p] != g[p+2] {
			t.Fatalf("pixel %d not gray: %v", p/3, g[p:p+3])
		}
	}
	if !ndEqual(t, apply(t, &transforms.RandomGray{P: 0}, img), img) {
		t.Fatal("RandomGray P=0 changed the image")
	}
	flip := transforms.Func(func(x *nd.NDArray) (*nd.NDArray, error) { return nd.Flip(x, 1), nil })
	if ndEqual(t, apply(t, &transforms.RandomApply{T: flip, P: 1}, img), img) {
		t.Fatal("RandomApply P=1 did not apply")
	}
	if !ndEqual(t, apply(t, &transforms.RandomApply{T: flip, P: 0}, img), img) {
		t.Fatal("RandomApply P=0 applied")
	}
}

func TestRandomCropPads(t *testing.T) {
	img := nd.Full(nd.Shape{4, 4, 3}, 200, nd.OfType(nd.Uint8))
	rc := &transforms.RandomCrop{Width: 4, Pad: 2, PadValue: 7, Seed: 1}
	sawPad := false
	for range 30 {
		out := apply(t, rc, img)
		if !out.Shape().Equal(nd.Shape{4, 4, 3}) {
			t.Fatalf("shape %v", out.Shape())
		}
		for _, v := range vals(t, out) {
			if v != 7 && v != 200 {
				t.Fatalf("value %v is neither pad nor image", v)
			}
			sawPad = sawPad || v == 7
		}
	}
	if !sawPad {
		t.Fatal("30 crops of a padded image never showed padding")
	}
}

func TestRandomRotationMatchesRotate(t *testing.T) {
	x := apply(t, transforms.ToTensor{}, photo(t))
	got := apply(t, &transforms.RandomRotation{Min: 20, Max: 20.000001, Seed: 1}, x)
	want := apply(t, transforms.Rotate{Degrees: 20}, x)
	g, w := vals(t, got), vals(t, want)
	for i := range g {
		if math.Abs(g[i]-w[i]) > 1e-4 {
			t.Fatalf("element %d: %v vs %v", i, g[i], w[i])
		}
	}
	// Zooming in leaves no zero padding in the corners.
	zin := vals(t, apply(t, transforms.Rotate{Degrees: 45, ZoomIn: true}, x))
	plain := vals(t, apply(t, transforms.Rotate{Degrees: 45}, x))
	if plain[0] != 0 || zin[0] == 0 {
		t.Fatalf("corner pixel: plain %v (want 0), zoom-in %v (want non-zero)", plain[0], zin[0])
	}
}

func TestComposeAndBatches(t *testing.T) {
	img := photo(t)
	chain := transforms.Compose(
		&transforms.RandomResizedCrop{Width: 16, Seed: 1},
		&transforms.RandomFlipLeftRight{Seed: 2},
		transforms.Func(func(x *nd.NDArray) (*nd.NDArray, error) { return x, nil }), // leaves the pixel path
		transforms.ToTensor{},
		transforms.Normalize{Mean: []float64{0.5}, Std: []float64{0.25}},
	)
	out := apply(t, chain, img)
	if !out.Shape().Equal(nd.Shape{3, 16, 16}) || out.DType() != nd.Float32 {
		t.Fatalf("compose: %v %v", out.Shape(), out.DType())
	}
	for _, v := range vals(t, out) {
		if v < -2-1e-6 || v > 2+1e-6 {
			t.Fatalf("normalized value %v outside [-2, 2]", v)
		}
	}
	batch := nd.Stack(0, img, img)
	tt := apply(t, transforms.ToTensor{}, batch)
	if !tt.Shape().Equal(nd.Shape{2, 3, 30, 40}) {
		t.Fatalf("batch ToTensor shape %v", tt.Shape())
	}
	rs := apply(t, transforms.Resize{Width: 10, KeepRatio: true}, batch)
	if !rs.Shape().Equal(nd.Shape{2, 10, 13, 3}) {
		t.Fatalf("batch Resize keep-ratio shape %v, want (2, 10, 13, 3)", rs.Shape())
	}
	cast := apply(t, transforms.Cast{}, img)
	if cast.DType() != nd.Float32 {
		t.Fatalf("Cast{} gave %v", cast.DType())
	}
}

func TestAreaShrinkKeepsFlatImagesFlat(t *testing.T) {
	img := nd.Full(nd.Shape{30, 40, 3}, 77, nd.OfType(nd.Uint8))
	out := vals(t, apply(t, transforms.Resize{Width: 17, Height: 11, Interp: transforms.Area}, img))
	for _, v := range out {
		if v != 77 {
			t.Fatalf("area resize of a flat image gave %v", v)
		}
	}
}

func TestBadInputs(t *testing.T) {
	img := photo(t)
	bad := []struct {
		name string
		tr   transforms.Transform
		x    *nd.NDArray
	}{
		{"Normalize uint8", transforms.Normalize{}, img},
		{"Normalize channels", transforms.Normalize{Mean: []float64{1, 2}}, apply(t, transforms.ToTensor{}, img)},
		{"Rotate uint8", transforms.Rotate{Degrees: 3}, img},
		{"crop outside", transforms.CropResize{X: 30, Y: 0, Width: 20, Height: 5}, img},
		{"1-D input", transforms.Resize{Width: 3}, nd.Zeros(nd.Shape{5})},
		{"zero size", transforms.Resize{}, img},
		{"rotation limits", &transforms.RandomRotation{Min: 5, Max: 5}, apply(t, transforms.ToTensor{}, img)},
	}
	for _, b := range bad {
		if _, err := b.tr.Apply(b.x); err == nil {
			t.Errorf("%s: no error", b.name)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	img := photo(t)
	chain := transforms.Compose(&transforms.RandomResizedCrop{Width: 12, Seed: 1}, &transforms.RandomColorJitter{Brightness: 0.3, Seed: 2})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				if _, err := chain.Apply(img); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func BenchmarkTrainAugment(b *testing.B) {
	pix := make([]uint8, 375*500*3)
	for i := range pix {
		pix[i] = uint8(i * 7)
	}
	img := nd.ArrayOf(pix, nd.Shape{375, 500, 3})
	chain := transforms.Compose(
		&transforms.RandomResizedCrop{Width: 224, Seed: 1},
		&transforms.RandomFlipLeftRight{Seed: 2},
		transforms.ToTensor{},
		transforms.Normalize{Mean: []float64{0.485, 0.456, 0.406}, Std: []float64{0.229, 0.224, 0.225}},
	)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := chain.Apply(img); err != nil {
			b.Fatal(err)
		}
	}
}
