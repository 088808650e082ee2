package jpegdec

import (
	"bytes"
	"errors"
	"image/jpeg"
	"os"
	"testing"
)

func encodeTest(t testing.TB, w, h, q int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, testImage(w, h, 7), &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestTruncated cuts a JPEG at every length: cuts inside the headers or
// the entropy data are errors wrapping ErrCorrupt; only the missing EOI
// marker is tolerated, as libjpeg does.
func TestTruncated(t *testing.T) {
	data := encodeTest(t, 40, 24, 80)
	for n := range len(data) - 2 {
		_, err := Decode(data[:n], false, nil)
		if err == nil {
			t.Fatalf("decoding the first %d of %d bytes succeeded", n, len(data))
		}
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("cut at %d: %v does not wrap ErrCorrupt", n, err)
		}
	}
	if _, err := Decode(data[:len(data)-2], false, nil); err != nil {
		t.Fatalf("JPEG without EOI: %v", err)
	}
}

// TestCorruptHeaders mutates the headers and entropy data of real files:
// errors or images, never a panic, and any image has the claimed size.
func TestCorruptHeaders(t *testing.T) {
	seeds := [][]byte{encodeTest(t, 40, 24, 80)}
	for _, f := range []string{"testdata/s420_rst_3mcu.jpg", "testdata/s444.jpg", "testdata/gray_rst.jpg"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	for _, seed := range seeds {
		// Every header byte, then a sample of the entropy data.
		for i := 0; i < len(seed); i += 1 + i/700*7 {
			for _, v := range []byte{0xFF, seed[i] ^ 0x10} {
				b := bytes.Clone(seed)
				b[i] = v
				decodeChecked(t, b)
			}
		}
	}
}

// decodeChecked decodes b both ways and checks the result's invariants.
func decodeChecked(t *testing.T, b []byte) {
	for _, gray := range []bool{false, true} {
		img, err := Decode(b, gray, nil)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("error %v wraps neither ErrCorrupt nor ErrUnsupported", err)
			}
			continue
		}
		if len(img.Pix) != img.W*img.H*img.C || img.W <= 0 || img.H <= 0 {
			t.Fatalf("%d pixels for %dx%dx%d", len(img.Pix), img.W, img.H, img.C)
		}
		if cfg, err := jpeg.DecodeConfig(bytes.NewReader(b)); err == nil && (cfg.Width != img.W || cfg.Height != img.H) {
			t.Fatalf("decoded %dx%d, image/jpeg reads %dx%d", img.W, img.H, cfg.Width, cfg.Height)
		}
	}
}

func TestRejectsNonJPEG(t *testing.T) {
	for _, b := range [][]byte{nil, {0xFF}, {0xFF, 0xD8}, []byte("GIF89a...."), {0xFF, 0xD8, 0xFF, 0xD9}} {
		if _, err := Decode(b, false, nil); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("%q: %v, want ErrCorrupt", b, err)
		}
	}
}

// TestHugeClaimedSize: a header claiming 65535×65535 pixels over a few
// bytes of data is rejected before the output is allocated.
func TestHugeClaimedSize(t *testing.T) {
	b := encodeTest(t, 16, 16, 50)
	cfg, _ := jpeg.DecodeConfig(bytes.NewReader(b))
	if cfg.Width != 16 {
		t.Fatal("setup")
	}
	i := bytes.Index(b, []byte{0xFF, 0xC0})
	b[i+5], b[i+6], b[i+7], b[i+8] = 0xFF, 0xFF, 0xFF, 0xFF
	if _, err := Decode(b, false, nil); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("%v, want ErrCorrupt", err)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(encodeTest(f, 16, 8, 75))
	f.Add(encodeTest(f, 33, 17, 95))
	for _, name := range []string{"s420_rst_3mcu.jpg", "s444.jpg", "s422.jpg", "s440.jpg", "gray_rst.jpg", "s420_q5.jpg"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		decodeChecked(t, b)
	})
}
