package mxboard

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"testing"
)

func decodePNG(t *testing.T, b []byte) image.Image {
	t.Helper()
	m, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestAddImageCHW(t *testing.T) {
	w := newTestWriter(t, Options{})
	// 3x2x2 RGB: red plane all 1, green 0.5, blue has one out-of-range value.
	img := Float32Tensor{Dims: []int{3, 2, 2}, Data: []float32{1, 1, 1, 1, .5, .5, .5, .5, 0, 0, 0, 2}}
	if err := w.AddImage("rgb", img, 1); err != nil {
		t.Fatal(err)
	}
	_, v := lastValue(t, w)
	im := v.GetImage()
	if im.GetHeight() != 2 || im.GetWidth() != 2 || im.GetColorspace() != 3 {
		t.Fatalf("image header %d x %d colorspace %d", im.GetHeight(), im.GetWidth(), im.GetColorspace())
	}
	m := decodePNG(t, im.GetEncodedImageString())
	if got := color.NRGBAModel.Convert(m.At(0, 0)).(color.NRGBA); got != (color.NRGBA{255, 128, 0, 255}) {
		t.Errorf("pixel (0,0) = %v", got)
	}
	if got := color.NRGBAModel.Convert(m.At(1, 1)).(color.NRGBA); got != (color.NRGBA{255, 128, 255, 255}) {
		t.Errorf("pixel (1,1) = %v (blue 2 should clip to 255)", got)
	}
}

func TestImageGridNCHW(t *testing.T) {
	// 10 grey 3x4 images with value i/10: a grid of 8 columns, 2 rows, 2px padding.
	const n, h, wd = 10, 3, 4
	data := make([]uint8, n*h*wd)
	for i := range data {
		data[i] = uint8(i / (h * wd) * 20)
	}
	im, err := imageValue(Uint8Tensor{Dims: []int{n, 1, h, wd}, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	wantW, wantH := 8*(wd+2)+2, 2*(h+2)+2
	if im.GetWidth() != int32(wantW) || im.GetHeight() != int32(wantH) || im.GetColorspace() != 1 {
		t.Fatalf("grid %dx%d colorspace %d, want %dx%d grey", im.GetWidth(), im.GetHeight(), im.GetColorspace(), wantW, wantH)
	}
	m := decodePNG(t, im.GetEncodedImageString())
	for k := range n {
		x, y := 2+(k%8)*(wd+2), 2+(k/8)*(h+2)
		if got := color.GrayModel.Convert(m.At(x+wd-1, y+h-1)).(color.Gray).Y; got != uint8(k*20) {
			t.Errorf("image %d corner = %d, want %d", k, got, k*20)
		}
	}
	if got := color.GrayModel.Convert(m.At(0, 0)).(color.Gray).Y; got != 0 {
		t.Errorf("padding = %d, want 0", got)
	}
}

func TestImageInputs(t *testing.T) {
	rgba := image.NewNRGBA(image.Rect(0, 0, 5, 4))
	rgba.Set(1, 1, color.NRGBA{1, 2, 3, 100})
	im, err := imageValue(rgba)
	if err != nil || im.GetColorspace() != 4 || im.GetWidth() != 5 || im.GetHeight() != 4 {
		t.Fatalf("image.Image: %v %v", im, err)
	}
	grid, err := imageValue([]image.Image{image.NewGray(image.Rect(0, 0, 3, 3)), image.NewGray(image.Rect(0, 0, 3, 3))})
	if err != nil || grid.GetWidth() != 2*5+2 {
		t.Fatalf("[]image.Image grid: %v %v", grid, err)
	}
	hw, err := imageValue(Float32Tensor{Dims: []int{2, 3}, Data: make([]float32, 6)})
	if err != nil || hw.GetColorspace() != 1 || hw.GetWidth() != 3 {
		t.Fatalf("HW tensor: %v %v", hw, err)
	}
	bad := []any{
		Float32Tensor{Dims: []int{64, 28, 28}, Data: make([]float32, 64*28*28)}, // 64 "channels"
		Float32Tensor{Dims: []int{1, 2, 2}, Data: make([]float32, 3)},           // size mismatch
		Float32Tensor{Dims: []int{2}, Data: make([]float32, 2)},
		[]image.Image{image.NewGray(image.Rect(0, 0, 3, 3)), image.NewGray(image.Rect(0, 0, 2, 3))},
		"png", nil,
	}
	for i, b := range bad {
		if _, err := imageValue(b); err == nil {
			t.Errorf("bad image %d accepted", i)
		}
	}
}

func TestAddAudioWAV(t *testing.T) {
	w := newTestWriter(t, Options{})
	if err := w.AddAudio("a", Float32Tensor{Dims: []int{2, 3}, Data: []float32{0, 1, -1, 0.5, 2, -0.5}}, 8000, 5); err != nil {
		t.Fatal(err)
	}
	if err := w.AddAudio("a", []float64{0}, 0, 5); err == nil {
		t.Error("sample rate 0 accepted")
	}
	_, v := lastValue(t, w)
	a := v.GetAudio()
	if a.GetSampleRate() != 8000 || a.GetNumChannels() != 2 || a.GetLengthFrames() != 3 || a.GetContentType() != "audio/wav" {
		t.Fatalf("audio header %v", a)
	}
	b := a.GetEncodedAudioString()
	le := binary.LittleEndian
	if string(b[:4]) != "RIFF" || string(b[8:16]) != "WAVEfmt " || le.Uint32(b[4:]) != uint32(len(b)-8) ||
		le.Uint16(b[22:]) != 2 || le.Uint32(b[24:]) != 8000 || le.Uint16(b[34:]) != 16 || string(b[36:40]) != "data" {
		t.Fatalf("bad WAV header % x", b[:44])
	}
	// Interleaved frames: (0, .5), (1, 2->1), (-1, -.5).
	want := []int16{0, 16384, 32767, 32767, -32767, -16384}
	for i, s := range want {
		if got := int16(le.Uint16(b[44+2*i:])); got != s {
			t.Errorf("sample %d = %d, want %d", i, got, s)
		}
	}
}
