package jpegdec

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mxgo/mxgo/gluon/data/recordio"
	"github.com/mxgo/mxgo/internal/testutil"
)

// reference decodes with image/jpeg and converts with image/color, the
// behaviour Decode reproduces up to IDCT rounding.
func reference(t testing.TB, data []byte, gray bool) Image {
	t.Helper()
	m, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("image/jpeg: %v", err)
	}
	r := m.Bounds()
	c := 3
	if gray {
		c = 1
	}
	out := Image{Pix: make([]uint8, r.Dx()*r.Dy()*c), W: r.Dx(), H: r.Dy(), C: c}
	for y := range out.H {
		for x := range out.W {
			i := (y*out.W + x) * c
			switch {
			case gray:
				switch mm := m.(type) {
				case *image.YCbCr:
					out.Pix[i] = mm.Y[mm.YOffset(x+r.Min.X, y+r.Min.Y)]
				case *image.Gray:
					out.Pix[i] = mm.GrayAt(x+r.Min.X, y+r.Min.Y).Y
				default:
					t.Fatalf("gray from %T", m)
				}
			default:
				p := color.RGBAModel.Convert(m.At(x+r.Min.X, y+r.Min.Y)).(color.RGBA)
				out.Pix[i], out.Pix[i+1], out.Pix[i+2] = p.R, p.G, p.B
			}
		}
	}
	return out
}

// maxDiff returns the largest absolute difference between two images'
// bytes and how many bytes differ at all.
func maxDiff(a, b []uint8) (int, int) {
	m, n := 0, 0
	for i := range a {
		d := int(a[i]) - int(b[i])
		if d < 0 {
			d = -d
		}
		if d > 0 {
			n++
		}
		m = max(m, d)
	}
	return m, n
}

// Bounds on the difference from image/jpeg (IDCT rounding, amplified by
// the chroma terms of the RGB conversion).
const (
	maxLumaDiff = 1
	maxRGBDiff  = 3
)

func checkAgainstReference(t *testing.T, name string, data []byte) {
	t.Helper()
	for _, gray := range []bool{false, true} {
		got, err := Decode(data, gray, nil)
		if err != nil {
			t.Fatalf("%s (gray %v): %v", name, gray, err)
		}
		want := reference(t, data, gray)
		if got.W != want.W || got.H != want.H || got.C != want.C {
			t.Fatalf("%s: %dx%dx%d, want %dx%dx%d", name, got.W, got.H, got.C, want.W, want.H, want.C)
		}
		limit := maxRGBDiff
		if gray {
			limit = maxLumaDiff
		}
		if md, n := maxDiff(got.Pix, want.Pix); md > limit {
			t.Errorf("%s (gray %v): max difference %d from image/jpeg (%d of %d bytes differ), want <= %d", name, gray, md, n, len(got.Pix), limit)
		}
	}
}

// testImage draws a picture with edges, gradients and noise.
func testImage(w, h int, seed uint64) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	s := seed
	for y := range h {
		for x := range w {
			s = s*6364136223846793005 + 1442695040888963407
			noise := int(s>>59) - 16
			o := m.PixOffset(x, y)
			m.Pix[o] = uint8(min(255, max(0, x*255/max(w, 1)+noise)))
			m.Pix[o+1] = uint8(min(255, max(0, y*255/max(h, 1)-noise)))
			if (x/5+y/7)%2 == 0 {
				m.Pix[o+2] = 230
			} else {
				m.Pix[o+2] = uint8(noise + 40)
			}
			m.Pix[o+3] = 255
		}
	}
	return m
}

func TestMatchesImageJPEGOnGoEncodings(t *testing.T) {
	for _, size := range [][2]int{{1, 1}, {7, 5}, {16, 16}, {17, 9}, {37, 23}, {120, 66}} {
		for _, q := range []int{1, 30, 75, 95, 100} {
			src := testImage(size[0], size[1], uint64(q))
			for _, gray := range []bool{false, true} {
				var m image.Image = src
				if gray {
					g := image.NewGray(src.Bounds())
					for i := range g.Pix {
						g.Pix[i] = src.Pix[4*i+1]
					}
					m = g
				}
				var b bytes.Buffer
				if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: q}); err != nil {
					t.Fatal(err)
				}
				checkAgainstReference(t, fmt.Sprintf("%dx%d q%d gray source %v", size[0], size[1], q, gray), b.Bytes())
			}
		}
	}
}

// TestMatchesImageJPEGOnLibjpeg covers what image/jpeg's encoder does not
// write: other sampling ratios, restart markers, optimized tables, 16-bit
// quantization tables (testdata/gen.sh).
func TestMatchesImageJPEGOnLibjpeg(t *testing.T) {
	files, err := filepath.Glob("testdata/*.jpg")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test JPEGs: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(f)
		if strings.HasPrefix(name, "unsupported_") {
			if _, err := Decode(data, false, nil); !errors.Is(err, ErrUnsupported) {
				t.Errorf("%s: error %v, want ErrUnsupported", name, err)
			}
			continue
		}
		checkAgainstReference(t, name, data)
	}
}

// TestMatchesImageJPEGOnFixtures decodes the real photos of the RecordIO
// fixtures (written by MXNet's im2rec).
func TestMatchesImageJPEGOnFixtures(t *testing.T) {
	dir := testutil.Fixtures(t)
	decoded := 0
	for _, rec := range []string{"recordio/adaface-8/train.rec", "recordio/benz-detection-12/train.rec"} {
		r, err := recordio.Open(filepath.Join(dir, rec), "")
		if err != nil {
			t.Fatal(err)
		}
		for i := range r.Len() {
			raw, err := r.ReadAt(i)
			if err != nil {
				t.Fatal(err)
			}
			_, data, err := recordio.Unpack(raw)
			if err != nil {
				t.Fatal(err)
			}
			name := fmt.Sprintf("%s record %d", rec, i)
			if _, err := Decode(data, false, nil); errors.Is(err, ErrUnsupported) {
				continue // progressive: image/jpeg's job
			}
			checkAgainstReference(t, name, data)
			decoded++
		}
		r.Close()
	}
	if decoded < 10 {
		t.Fatalf("only %d fixture JPEGs decoded", decoded)
	}
}

func TestConfig(t *testing.T) {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, testImage(37, 23, 1), nil); err != nil {
		t.Fatal(err)
	}
	w, h, n, err := Config(b.Bytes())
	if err != nil || w != 37 || h != 23 || n != 3 {
		t.Fatalf("Config = %d, %d, %d, %v; want 37, 23, 3", w, h, n, err)
	}
}

func TestReusesBuffer(t *testing.T) {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, testImage(20, 10, 1), nil); err != nil {
		t.Fatal(err)
	}
	buf := make([]uint8, 1000)
	img, err := Decode(b.Bytes(), false, buf)
	if err != nil {
		t.Fatal(err)
	}
	if &img.Pix[0] != &buf[0] || len(img.Pix) != 600 {
		t.Fatalf("did not decode into the 1000-byte buffer (len %d)", len(img.Pix))
	}
	small, err := Decode(b.Bytes(), false, make([]uint8, 10))
	if err != nil || len(small.Pix) != 600 {
		t.Fatalf("small buffer: len %d, %v", len(small.Pix), err)
	}
}
