package mxboard

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"

	"github.com/mxgo/mxgo/mxboard/tbproto"
)

// Grid layout of image batches, as mxboard's make_image_grid.
const (
	gridColumns = 8
	gridPadding = 2
)

// Summary.Image colorspace values by channel count.
var colorspaces = map[int]int32{1: 1, 3: 3, 4: 4}

// AddImage logs an image under tag. img may be an image.Image, a
// []image.Image of one size (drawn as a grid), or a Tensor shaped [H,W],
// [C,H,W] or [N,C,H,W] with C of 1 (grey), 3 (RGB) or 4 (RGBA). Float
// tensors hold values in [0,1] (clipped); tensors with a Uint8s method, such
// as Uint8Tensor, hold 0..255. A batch becomes a grid of up to 8 columns with
// 2-pixel padding. The image is stored PNG-encoded.
func (w *SummaryWriter) AddImage(tag string, img any, step int64) error {
	value, err := imageValue(img)
	if err != nil {
		return fmt.Errorf("mxboard: add image %q: %w", tag, err)
	}
	return w.addEvent("", summaryEvent(step, &tbproto.Summary_Value{Tag: tag, Value: &tbproto.Summary_Value_Image{Image: value}}))
}

func imageValue(img any) (*tbproto.Summary_Image, error) {
	var (
		m        image.Image
		channels int
		err      error
	)
	switch v := img.(type) {
	case image.Image:
		m, channels = v, imageChannels(v)
	case []image.Image:
		m, err = imageGrid(v)
		channels = 4
		for _, s := range v {
			channels = min(channels, imageChannels(s))
		}
		channels = max(channels, 3)
	case Tensor:
		m, channels, err = tensorImage(v)
	case nil:
		err = fmt.Errorf("image is nil")
	default:
		err = fmt.Errorf("unsupported image type %T (want image.Image, []image.Image or Tensor)", img)
	}
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		return nil, fmt.Errorf("encode png: %w", err)
	}
	b := m.Bounds()
	return &tbproto.Summary_Image{
		Height:             int32(b.Dy()),
		Width:              int32(b.Dx()),
		Colorspace:         colorspaces[channels],
		EncodedImageString: buf.Bytes(),
	}, nil
}

func imageChannels(m image.Image) int {
	switch m.(type) {
	case *image.Gray, *image.Gray16:
		return 1
	}
	if o, ok := m.(interface{ Opaque() bool }); ok && o.Opaque() {
		return 3
	}
	return 4
}

// imageGrid lays same-sized images out in rows of gridColumns.
func imageGrid(imgs []image.Image) (image.Image, error) {
	if len(imgs) == 0 {
		return nil, fmt.Errorf("no images")
	}
	size := imgs[0].Bounds().Size()
	for i, m := range imgs {
		if m.Bounds().Size() != size {
			return nil, fmt.Errorf("image %d is %v, image 0 is %v", i, m.Bounds().Size(), size)
		}
	}
	cols, rows, pad := gridShape(len(imgs))
	grid := image.NewNRGBA(image.Rect(0, 0, cols*(size.X+pad)+pad, rows*(size.Y+pad)+pad))
	draw.Draw(grid, grid.Bounds(), image.NewUniform(color.Black), image.Point{}, draw.Src)
	for i, m := range imgs {
		at := cellOrigin(i, cols, pad, size.X, size.Y)
		draw.Draw(grid, image.Rectangle{Min: at, Max: at.Add(size)}, m, m.Bounds().Min, draw.Src)
	}
	return grid, nil
}

// gridShape returns columns, rows and padding for n cells; a single image
// gets no padding.
func gridShape(n int) (cols, rows, pad int) {
	if n == 1 {
		return 1, 1, 0
	}
	cols = min(n, gridColumns)
	return cols, (n + cols - 1) / cols, gridPadding
}

func cellOrigin(i, cols, pad, w, h int) image.Point {
	return image.Pt(pad+(i%cols)*(w+pad), pad+(i/cols)*(h+pad))
}

// tensorImage turns an [H,W], [C,H,W] or [N,C,H,W] tensor into an image.
func tensorImage(t Tensor) (image.Image, int, error) {
	shape := t.Shape()
	var n, c, h, w int
	switch len(shape) {
	case 2:
		n, c, h, w = 1, 1, shape[0], shape[1]
	case 3:
		n, c, h, w = 1, shape[0], shape[1], shape[2]
	case 4:
		n, c, h, w = shape[0], shape[1], shape[2], shape[3]
	default:
		return nil, 0, fmt.Errorf("image tensor shape %v: want [H,W], [C,H,W] or [N,C,H,W]", shape)
	}
	if _, ok := colorspaces[c]; !ok {
		return nil, 0, fmt.Errorf("image tensor shape %v: %d channels, want 1, 3 or 4 (a batch of grey images is [N,1,H,W])", shape, c)
	}
	if n < 1 || h < 1 || w < 1 {
		return nil, 0, fmt.Errorf("image tensor shape %v is empty", shape)
	}
	// pixel(i) reads element i as a 0..255 byte.
	var pixel func(i int) uint8
	if bt, ok := t.(byteTensor); ok {
		data := bt.Uint8s()
		if err := checkTensor(t, len(data)); err != nil {
			return nil, 0, err
		}
		pixel = func(i int) uint8 { return data[i] }
	} else {
		data := t.Float32s()
		if err := checkTensor(t, len(data)); err != nil {
			return nil, 0, err
		}
		pixel = func(i int) uint8 { return unitToByte(data[i]) }
	}
	cols, rows, pad := gridShape(n)
	bounds := image.Rect(0, 0, cols*(w+pad)+pad, rows*(h+pad)+pad)
	plane := h * w
	if c == 1 {
		m := image.NewGray(bounds)
		for k := 0; k < n; k++ {
			at := cellOrigin(k, cols, pad, w, h)
			for y := 0; y < h; y++ {
				row := m.Pix[m.PixOffset(at.X, at.Y+y):]
				for x := 0; x < w; x++ {
					row[x] = pixel(k*plane + y*w + x)
				}
			}
		}
		return m, 1, nil
	}
	m := image.NewNRGBA(bounds)
	for i := 3; i < len(m.Pix); i += 4 {
		m.Pix[i] = 255 // opaque black padding
	}
	for k := 0; k < n; k++ {
		at := cellOrigin(k, cols, pad, w, h)
		base := k * c * plane
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				o := m.PixOffset(at.X+x, at.Y+y)
				for ch := 0; ch < c; ch++ {
					m.Pix[o+ch] = pixel(base + ch*plane + y*w + x)
				}
			}
		}
	}
	return m, c, nil
}

// unitToByte maps [0,1] to 0..255, clipping and sending NaN to 0.
func unitToByte(v float32) uint8 {
	switch {
	case !(v > 0):
		return 0
	case v >= 1:
		return 255
	}
	return uint8(v*255 + 0.5)
}
