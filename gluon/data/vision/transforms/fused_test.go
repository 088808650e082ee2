package transforms_test

import (
	"testing"

	"github.com/mxgo/mxgo/gluon/data/vision/transforms"
	"github.com/mxgo/mxgo/nd"
)

// TestToTensorNormalizeFusedIsExact: Compose runs ToTensor+Normalize on
// uint8 pixels in one pass; the result must be bit-identical to the two
// steps run one after the other.
func TestToTensorNormalizeFusedIsExact(t *testing.T) {
	img := photo(t)
	nm := transforms.Normalize{Mean: []float64{0.485, 0.456, 0.406}, Std: []float64{0.229, 0.224, 0.225}}
	fused := apply(t, transforms.Compose(transforms.ToTensor{}, nm), img)
	stepwise := apply(t, nm, apply(t, transforms.ToTensor{}, img))
	if !fused.Shape().Equal(stepwise.Shape()) {
		t.Fatalf("shapes %v and %v", fused.Shape(), stepwise.Shape())
	}
	a, b := fused.Float32s(), stepwise.Float32s()
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("element %d: fused %v, stepwise %v", i, a[i], b[i])
		}
	}
	// One mean and std for all channels, and a batch.
	batch := nd.Stack(0, img, img)
	one := transforms.Normalize{Mean: []float64{0.5}, Std: []float64{0.25}}
	f2 := apply(t, transforms.Compose(transforms.ToTensor{}, one), batch).Float32s()
	s2 := apply(t, one, apply(t, transforms.ToTensor{}, batch)).Float32s()
	for i := range f2 {
		if f2[i] != s2[i] {
			t.Fatalf("batch element %d: fused %v, stepwise %v", i, f2[i], s2[i])
		}
	}
	if _, err := transforms.Compose(transforms.ToTensor{}, transforms.Normalize{Mean: []float64{1, 2}}).Apply(img); err == nil {
		t.Fatal("2 means for 3 channels: no error")
	}
}

// TestOutputsDoNotAliasInputs: transforms read their input without copying
// it, so a chain that changes nothing must still return a new array.
func TestOutputsDoNotAliasInputs(t *testing.T) {
	img := nd.Wrap([]uint8{1, 2, 3, 4, 5, 6}, nd.Shape{1, 2, 3})
	for _, tr := range []transforms.Transform{
		transforms.Compose(transforms.Cast{DType: nd.Uint8}),
		transforms.Cast{DType: nd.Uint8},
		transforms.Compose(&transforms.RandomApply{T: transforms.ToTensor{}, P: 0}),
	} {
		out := apply(t, tr, img)
		if out.SharesStorage(img) {
			t.Fatalf("%T returned its input", tr)
		}
		v, err := out.HostData()
		if err != nil {
			t.Fatal(err)
		}
		v.([]uint8)[0] = 99
		if in, _ := img.HostData(); in.([]uint8)[0] != 1 {
			t.Fatalf("%T: writing the output changed the input", tr)
		}
	}
}
