package transforms_test

import (
	"compress/gzip"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/mxgo/mxgo/gluon/data/vision"
	"github.com/mxgo/mxgo/gluon/data/vision/transforms"
	"github.com/mxgo/mxgo/nd"
)

// ref is one reference array from testdata/ref.json.gz (written by
// testdata/gen_transforms.py with torchvision).
type ref struct {
	Shape []int  `json:"shape"`
	DType string `json:"dtype"`
	Data  string `json:"data"`
}

func loadRefs(t *testing.T) map[string]ref {
	t.Helper()
	f, err := os.Open("testdata/ref.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	refs := map[string]ref{}
	if err := json.NewDecoder(zr).Decode(&refs); err != nil {
		t.Fatal(err)
	}
	return refs
}

func (r ref) values(t *testing.T) []float64 {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(r.Data)
	if err != nil {
		t.Fatal(err)
	}
	switch r.DType {
	case "uint8":
		v := make([]float64, len(b))
		for i, x := range b {
			v[i] = float64(x)
		}
		return v
	case "float32":
		v := make([]float64, len(b)/4)
		for i := range v {
			v[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:])))
		}
		return v
	}
	t.Fatalf("dtype %s", r.DType)
	return nil
}

func photo(t testing.TB) *nd.NDArray {
	t.Helper()
	img, err := vision.ImageRead("testdata/photo.png", false)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// compare checks got against a reference: shape, max |diff| <= maxAbs,
// and mean |diff| <= meanAbs.
func compare(t *testing.T, name string, got *nd.NDArray, want ref, scale, maxAbs, meanAbs float64) {
	t.Helper()
	if !got.Shape().Equal(nd.Shape(want.Shape)) {
		t.Fatalf("%s: shape %v, want %v", name, got.Shape(), want.Shape)
	}
	g, err := got.Values()
	if err != nil {
		t.Fatal(err)
	}
	w := want.values(t)
	worst, sum := 0.0, 0.0
	for i := range g {
		d := math.Abs(g[i]*scale - w[i])
		worst = max(worst, d)
		sum += d
	}
	t.Logf("%s: max |diff| %.3g, mean %.3g", name, worst, sum/float64(len(g)))
	if worst > maxAbs || sum/float64(len(g)) > meanAbs {
		t.Errorf("%s: max |diff| %.4g (limit %.4g), mean %.4g (limit %.4g)", name, worst, maxAbs, sum/float64(len(g)), meanAbs)
	}
}

func TestAgainstTorchvision(t *testing.T) {
	refs := loadRefs(t)
	img := photo(t)
	imgF := img.AsType(nd.Float32)
	must := func(x *nd.NDArray, err error) *nd.NDArray {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	cases := []struct {
		name           string
		got            *nd.NDArray
		scale          float64
		maxAbs, meanAb float64
	}{
		{"resize_bilinear_down_u8", must(transforms.Resize{Width: 23, Height: 17}.Apply(img)), 1, 1, 0.3},
		{"resize_bilinear_up_u8", must(transforms.Resize{Width: 57, Height: 41}.Apply(img)), 1, 1, 0.3},
		{"resize_bilinear_down_f32", must(transforms.Resize{Width: 23, Height: 17}.Apply(imgF)), 1, 1e-3, 1e-4},
		{"resize_bicubic_down_u8", must(transforms.Resize{Width: 23, Height: 17, Interp: transforms.Bicubic}.Apply(img)), 1, 1, 0.3},
		{"resize_bicubic_up_u8", must(transforms.Resize{Width: 57, Height: 41, Interp: transforms.Bicubic}.Apply(img)), 1, 1, 0.3},
		{"resize_nearest_down_u8", must(transforms.Resize{Width: 23, Height: 17, Interp: transforms.Nearest}.Apply(img)), 1, 0, 0},
		{"resize_nearest_up_u8", must(transforms.Resize{Width: 57, Height: 41, Interp: transforms.Nearest}.Apply(img)), 1, 0, 0},
		{"resize_area_half_u8", must(transforms.Resize{Width: 20, Height: 15, Interp: transforms.Area}.Apply(img)), 1, 1, 0.3},
		{"center_crop_20x14", must(transforms.CenterCrop{Width: 20, Height: 14}.Apply(img)), 1, 0, 0},
		{"crop_x5_y3_w17_h11", must(transforms.CropResize{X: 5, Y: 3, Width: 17, Height: 11}.Apply(img)), 1, 0, 0},
		{"brightness_1.3", must(transforms.AdjustBrightness(img, 1.3)), 1, 1, 0.5},
		{"contrast_0.6", must(transforms.AdjustContrast(img, 0.6)), 1, 1, 0.5},
		{"saturation_1.7", must(transforms.AdjustSaturation(img, 1.7)), 1, 1, 0.5},
		{"saturation_0.3", must(transforms.AdjustSaturation(img, 0.3)), 1, 1, 0.5},
		{"hue_0.2", must(transforms.AdjustHue(img, 0.2)), 1, 1, 0.5},
		{"hue_m0.35", must(transforms.AdjustHue(img, -0.35)), 1, 1, 0.5},
	}
	for _, c := range cases {
		compare(t, c.name, c.got, refs[c.name], c.scale, c.maxAbs, c.meanAb)
	}

	tensor := must(transforms.ToTensor{}.Apply(img))
	norm := must(transforms.Normalize{Mean: []float64{0.485, 0.456, 0.406}, Std: []float64{0.229, 0.224, 0.225}}.Apply(tensor))
	compare(t, "to_tensor_rows6", tensor.SliceRanges(nd.Whole(), nd.Span(0, 6)), refs["to_tensor_rows6"], 1, 1e-6, 1e-7)
	compare(t, "normalize_rows6", norm.SliceRanges(nd.Whole(), nd.Span(0, 6)), refs["normalize_rows6"], 1, 1e-5, 1e-6)
	// Rotation references are quantized to 1/255 steps.
	compare(t, "rotate_30_q255", must(transforms.Rotate{Degrees: 30}.Apply(tensor)), refs["rotate_30_q255"], 255, 1.01, 0.3)
	compare(t, "rotate_m75_q255", must(transforms.Rotate{Degrees: -75}.Apply(tensor)), refs["rotate_m75_q255"], 255, 1.01, 0.3)
}

func TestFlipsAgainstReference(t *testing.T) {
	refs := loadRefs(t)
	img := photo(t)
	// Seeds chosen by trying: find one that flips and one that does not.
	flipped, kept := 0, 0
	for seed := range uint64(20) {
		got, err := (&transforms.RandomFlipLeftRight{Seed: seed}).Apply(img)
		if err != nil {
			t.Fatal(err)
		}
		if ndEqual(t, got, img) {
			kept++
			continue
		}
		flipped++
		compare(t, "flip_lr", got, refs["flip_lr"], 1, 0, 0)
		got, err = (&transforms.RandomFlipTopBottom{Seed: seed}).Apply(img)
		if err != nil {
			t.Fatal(err)
		}
		if !ndEqual(t, got, img) {
			compare(t, "flip_tb", got, refs["flip_tb"], 1, 0, 0)
		}
	}
	if flipped == 0 || kept == 0 {
		t.Fatalf("20 seeds: %d flipped, %d kept; want both", flipped, kept)
	}
}

func TestJPEGDecodeMatchesPIL(t *testing.T) {
	refs := loadRefs(t)
	img, err := vision.ImageRead("testdata/photo444.jpg", false)
	if err != nil {
		t.Fatal(err)
	}
	// Go's IDCT rounds differently from libjpeg-turbo: allow a few levels.
	compare(t, "jpeg_decoded_pil", img, refs["jpeg_decoded_pil"], 1, 4, 0.6)
}

func ndEqual(t *testing.T, a, b *nd.NDArray) bool {
	t.Helper()
	if !a.Shape().Equal(b.Shape()) {
		return false
	}
	av, _ := a.Values()
	bv, _ := b.Values()
	for i := range av {
		if av[i] != bv[i] {
			return false
		}
	}
	return true
}
