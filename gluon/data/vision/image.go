package vision

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // register the decoders ImageDecode needs
	_ "image/png"
	"os"

	"github.com/mxgo/mxgo/gluon/data/vision/internal/jpegdec"
	"github.com/mxgo/mxgo/nd"
)

// DecodedImage is an image decoded to interleaved 8-bit pixels: row-major
// H×W×C bytes with C = 3 (RGB) or 1 (gray), the layout of MXNet's
// mx.image.imdecode.
type DecodedImage struct {
	Pix     []uint8
	H, W, C int
}

// Array returns the pixels as an (H, W, C) uint8 NDArray that shares
// d.Pix (no copy): d hands its pixels over to the array.
func (d DecodedImage) Array() *nd.NDArray {
	return nd.Wrap(d.Pix, nd.Shape{d.H, d.W, d.C})
}

// DecodeImage decodes a JPEG or PNG to RGB (3 channels) or, when gray is
// set, to luma (1 channel). Alpha is dropped without compositing, as
// OpenCV's IMREAD_COLOR does; gray from color uses OpenCV's BT.601 weights
// (0.299, 0.587, 0.114), and a JPEG's own Y plane when it has one.
//
// Baseline JPEGs go through a faster decoder of their own (see
// internal/jpegdec) whose pixels are within a few levels of image/jpeg's:
// the two inverse DCTs round differently, and the RGB conversion is
// image/color's, so luma differs by at most 1 and RGB by at most 3 on the
// tests' images. Progressive and other JPEGs it does not handle, and any
// JPEG it fails on, go through image/jpeg, so errors are image/jpeg's.
func DecodeImage(b []byte, gray bool) (DecodedImage, error) {
	if len(b) > 2 && b[0] == 0xFF && b[1] == 0xD8 {
		if m, err := jpegdec.Decode(b, gray, nil); err == nil {
			return DecodedImage{Pix: m.Pix, H: m.H, W: m.W, C: m.C}, nil
		}
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return DecodedImage{}, fmt.Errorf("vision: decode image (%d bytes): %w", len(b), err)
	}
	r := img.Bounds()
	if r.Dx() <= 0 || r.Dy() <= 0 {
		return DecodedImage{}, fmt.Errorf("vision: decode image: empty %dx%d image", r.Dx(), r.Dy())
	}
	c := 3
	if gray {
		c = 1
	}
	out := DecodedImage{Pix: make([]uint8, r.Dx()*r.Dy()*c), H: r.Dy(), W: r.Dx(), C: c}
	switch m := img.(type) {
	case *image.YCbCr:
		if gray {
			copyPlane(out.Pix, m.Y[m.YOffset(r.Min.X, r.Min.Y):], m.YStride, out.W, out.H)
		} else {
			ycbcrToRGB(out, m)
		}
	case *image.Gray:
		src := m.Pix[m.PixOffset(r.Min.X, r.Min.Y):]
		if gray {
			copyPlane(out.Pix, src, m.Stride, out.W, out.H)
		} else {
			for y := 0; y < out.H; y++ {
				row := src[y*m.Stride : y*m.Stride+out.W]
				o := out.Pix[y*out.W*3:]
				for x, v := range row {
					o[3*x], o[3*x+1], o[3*x+2] = v, v, v
				}
			}
		}
	case *image.NRGBA:
		rgbaToOut(out, m.Pix[m.PixOffset(r.Min.X, r.Min.Y):], m.Stride)
	case *image.RGBA:
		rgbaToOut(out, m.Pix[m.PixOffset(r.Min.X, r.Min.Y):], m.Stride)
	default:
		genericToOut(out, img)
	}
	return out, nil
}

// ImageDecode is DecodeImage returning an (H, W, C) uint8 NDArray.
func ImageDecode(b []byte, gray bool) (*nd.NDArray, error) {
	d, err := DecodeImage(b, gray)
	if err != nil {
		return nil, err
	}
	return d.Array(), nil
}

// ImageRead reads and decodes an image file (mx.image.imread).
func ImageRead(path string, gray bool) (*nd.NDArray, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("vision: %w", err)
	}
	a, err := ImageDecode(b, gray)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

func copyPlane(dst, src []uint8, stride, w, h int) {
	for y := 0; y < h; y++ {
		copy(dst[y*w:(y+1)*w], src[y*stride:y*stride+w])
	}
}

// luma is OpenCV's fixed-point RGB→gray (coefficients ×2^14, rounded).
func luma(r, g, b uint8) uint8 {
	return uint8((uint32(r)*4899 + uint32(g)*9617 + uint32(b)*1868 + 8192) >> 14)
}

func rgbaToOut(out DecodedImage, src []uint8, stride int) {
	for y := 0; y < out.H; y++ {
		row := src[y*stride : y*stride+4*out.W]
		if out.C == 1 {
			o := out.Pix[y*out.W : (y+1)*out.W]
			for x := range o {
				o[x] = luma(row[4*x], row[4*x+1], row[4*x+2])
			}
			continue
		}
		o := out.Pix[y*out.W*3 : (y+1)*out.W*3]
		for x := 0; x < out.W; x++ {
			o[3*x], o[3*x+1], o[3*x+2] = row[4*x], row[4*x+1], row[4*x+2]
		}
	}
}

// ycbcrToRGB converts with the JFIF equations in 16.16 fixed point, the
// arithmetic of color.YCbCrToRGB, with the chroma terms tabulated and the
// chroma column of each x precomputed (any subsampling ratio).
func ycbcrToRGB(out DecodedImage, m *image.YCbCr) {
	r := m.Rect
	cx := make([]int, out.W)
	c0 := m.COffset(r.Min.X, r.Min.Y)
	for x := range cx {
		cx[x] = m.COffset(r.Min.X+x, r.Min.Y) - c0
	}
	for y := 0; y < out.H; y++ {
		o := out.Pix[y*out.W*3 : (y+1)*out.W*3]
		yrow := m.Y[m.YOffset(r.Min.X, r.Min.Y+y):][:out.W]
		crow := m.COffset(r.Min.X, r.Min.Y+y)
		cb, cr := m.Cb[crow:], m.Cr[crow:]
		for x, yv := range yrow {
			ci := cx[x]
			yy := int32(yv) * 0x10101
			cbv, crv := cb[ci], cr[ci]
			o[3*x] = clamp16(yy + crR[crv])
			o[3*x+1] = clamp16(yy + cbG[cbv] + crG[crv])
			o[3*x+2] = clamp16(yy + cbB[cbv])
		}
	}
}

// Chroma contributions of color.YCbCrToRGB, by byte value.
var crR, cbG, crG, cbB [256]int32

func init() {
	for i := range 256 {
		c := int32(i) - 128
		crR[i], cbG[i], crG[i], cbB[i] = 91881*c, -22554*c, -46802*c, 116130*c
	}
}

// clamp16 takes the integer part of a 16.16 value, clamped to 0..255.
func clamp16(v int32) uint8 {
	if uint32(v)&0xff000000 == 0 {
		return uint8(v >> 16)
	}
	return uint8(^(v >> 31))
}

func genericToOut(out DecodedImage, img image.Image) {
	r := img.Bounds()
	for y := 0; y < out.H; y++ {
		for x := 0; x < out.W; x++ {
			// NRGBA drops alpha without un-premultiplying to black.
			c := color.NRGBAModel.Convert(img.At(r.Min.X+x, r.Min.Y+y)).(color.NRGBA)
			if out.C == 1 {
				out.Pix[y*out.W+x] = luma(c.R, c.G, c.B)
			} else {
				i := (y*out.W + x) * 3
				out.Pix[i], out.Pix[i+1], out.Pix[i+2] = c.R, c.G, c.B
			}
		}
	}
}
