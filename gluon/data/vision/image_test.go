package vision

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
)

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDecodeImageFormats(t *testing.T) {
	rgba := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	rgba.Set(0, 0, color.NRGBA{255, 0, 0, 255})
	rgba.Set(2, 1, color.NRGBA{10, 20, 30, 0}) // transparent: alpha is dropped, color kept
	d, err := DecodeImage(encodePNG(t, rgba), false)
	if err != nil {
		t.Fatal(err)
	}
	if d.H != 2 || d.W != 3 || d.C != 3 {
		t.Fatalf("shape %dx%dx%d", d.H, d.W, d.C)
	}
	if got := d.Pix[:3]; !bytes.Equal(got, []byte{255, 0, 0}) {
		t.Fatalf("pixel (0,0) = %v", got)
	}
	if got := d.Pix[15:18]; !bytes.Equal(got, []byte{10, 20, 30}) {
		t.Fatalf("pixel (2,1) = %v, want the color without alpha", got)
	}
	g, err := DecodeImage(encodePNG(t, rgba), true)
	if err != nil {
		t.Fatal(err)
	}
	if g.C != 1 || g.Pix[0] != 76 { // 0.299·255 rounds to 76
		t.Fatalf("gray: C=%d pixel %d, want 1 channel and 76", g.C, g.Pix[0])
	}
	gray := image.NewGray(image.Rect(0, 0, 2, 2))
	gray.Pix = []uint8{1, 2, 3, 4}
	c, err := DecodeImage(encodePNG(t, gray), false)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(c.Pix[9:12], []byte{4, 4, 4}) {
		t.Fatalf("gray PNG as RGB: %v", c.Pix)
	}
	// A flat JPEG decodes to its color within JPEG error.
	flat := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for i := 0; i < len(flat.Pix); i += 4 {
		copy(flat.Pix[i:], []byte{200, 100, 50, 255})
	}
	var jb bytes.Buffer
	if err := jpeg.Encode(&jb, flat, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	j, err := DecodeImage(jb.Bytes(), false)
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range []int{200, 100, 50} {
		if d := int(j.Pix[k]) - want; d < -3 || d > 3 {
			t.Fatalf("JPEG channel %d = %d, want about %d", k, j.Pix[k], want)
		}
	}
	a := j.Array()
	if a.Shape()[0] != 16 || a.Shape()[2] != 3 {
		t.Fatalf("Array shape %v", a.Shape())
	}
	for _, bad := range [][]byte{nil, []byte("not an image"), jb.Bytes()[:100]} {
		if _, err := DecodeImage(bad, false); err == nil {
			t.Fatalf("%d bad bytes decoded without error", len(bad))
		}
	}
}

func FuzzDecodeImage(f *testing.F) {
	gray := image.NewGray(image.Rect(0, 0, 3, 2))
	f.Add(encodePNG(f, gray))
	var jb bytes.Buffer
	jpeg.Encode(&jb, image.NewRGBA(image.Rect(0, 0, 8, 8)), nil)
	f.Add(jb.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		if cfg, _, err := image.DecodeConfig(bytes.NewReader(b)); err != nil || cfg.Width*cfg.Height > 1<<20 {
			return // skip huge claimed sizes: the std decoders allocate them
		}
		for _, g := range []bool{false, true} {
			d, err := DecodeImage(b, g)
			if err == nil && len(d.Pix) != d.H*d.W*d.C {
				t.Fatalf("%d pixels for %dx%dx%d", len(d.Pix), d.H, d.W, d.C)
			}
		}
	})
}

// TestYCbCrMatchesImageColor checks the tabulated conversion against
// image/color on a 4:2:0 JPEG with odd dimensions.
func TestYCbCrMatchesImageColor(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 37, 23))
	for i := range src.Pix {
		src.Pix[i] = uint8(i * 37 % 251)
	}
	var jb bytes.Buffer
	if err := jpeg.Encode(&jb, src, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(bytes.NewReader(jb.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	m := img.(*image.YCbCr)
	if m.SubsampleRatio != image.YCbCrSubsampleRatio420 {
		t.Fatalf("subsampling %v, want 4:2:0", m.SubsampleRatio)
	}
	// The conversion used after image/jpeg (progressive JPEGs) is exact.
	d := DecodedImage{Pix: make([]uint8, 37*23*3), H: 23, W: 37, C: 3}
	ycbcrToRGB(d, m)
	// The baseline decoder's IDCT rounds differently from image/jpeg's:
	// within 3 levels (documented on DecodeImage).
	fast, err := DecodeImage(jb.Bytes(), false)
	if err != nil {
		t.Fatal(err)
	}
	for y := range 23 {
		for x := range 37 {
			c := color.RGBAModel.Convert(m.At(x, y)).(color.RGBA)
			i := (y*37 + x) * 3
			if d.Pix[i] != c.R || d.Pix[i+1] != c.G || d.Pix[i+2] != c.B {
				t.Fatalf("(%d,%d): %v, want %v", x, y, d.Pix[i:i+3], c)
			}
			for k, want := range []uint8{c.R, c.G, c.B} {
				if diff := int(fast.Pix[i+k]) - int(want); diff < -3 || diff > 3 {
					t.Fatalf("fast decoder (%d,%d) channel %d: %d, want %d±3", x, y, k, fast.Pix[i+k], want)
				}
			}
		}
	}
}

// TestArraySharesPixels: Array hands the decoded pixels to the NDArray
// without a copy, and HostData reads them back without one.
func TestArraySharesPixels(t *testing.T) {
	d := DecodedImage{Pix: []uint8{1, 2, 3, 4, 5, 6}, H: 1, W: 2, C: 3}
	a := d.Array()
	if !a.Shape().Equal([]int{1, 2, 3}) {
		t.Fatalf("shape %v", a.Shape())
	}
	d.Pix[4] = 50
	v, err := a.HostData()
	if err != nil {
		t.Fatal(err)
	}
	if got := v.([]uint8); &got[0] != &d.Pix[0] || got[4] != 50 {
		t.Fatalf("HostData %v does not share the pixels", got)
	}
	if c := a.Copy(); c.Float32s()[4] != 50 {
		t.Fatalf("copy of the wrapped array reads %v", c.Float32s())
	}
}
