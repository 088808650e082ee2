package nn

import (
	"fmt"

	"github.com/mxgo/mxgo/gluon"
	"github.com/mxgo/mxgo/nd"
)

// ReflectionPad2D pads the two spatial axes of (N, C, H, W) by mirroring
// the input at its borders (without repeating the border row or column).
//
// Shapes: input (N, C, H, W), output (N, C, H+top+bottom, W+left+right);
// each padding must be smaller than its axis. It computes with [nd.Pad].
type ReflectionPad2D struct {
	gluon.HybridBlockBase
	Padding []int // MXNet's pad_width: (0, 0, 0, 0, top, bottom, left, right)
}

// NewReflectionPad2D returns a ReflectionPad2D. padding is one value for
// all four sides or MXNet's eight-value pad_width, whose first four
// values (batch and channel axes) must be 0.
func NewReflectionPad2D(padding []int) *ReflectionPad2D {
	var pw []int
	switch len(padding) {
	case 1:
		p := padding[0]
		pw = []int{0, 0, 0, 0, p, p, p, p}
	case 8:
		pw = append(pw, padding...)
	default:
		nnPanic("ReflectionPad2D", "padding %v must have 1 or 8 values", padding)
	}
	for i, p := range pw {
		if p < 0 || (i < 4 && p != 0) {
			nnPanic("ReflectionPad2D", "padding %v: values must be >= 0 and the batch and channel axes unpadded", padding)
		}
	}
	return &ReflectionPad2D{Padding: pw}
}

// Forward pads x.
func (r *ReflectionPad2D) Forward(x *nd.NDArray) *nd.NDArray {
	if x.Ndim() != 4 {
		nnPanic("ReflectionPad2D", "input %v must be (N, C, H, W)", x.Shape())
	}
	return nd.Pad(x, "reflect", r.Padding, 0)
}

func (r *ReflectionPad2D) String() string {
	return "ReflectionPad2D(padding=" + pyTuple(r.Padding) + ")"
}

// PixelShuffle2D rearranges channels into space (sub-pixel convolution's
// upsampling):
//
//	out[n, c, h·f₁+i, w·f₂+j] = x[n, c·f₁·f₂ + i·f₂ + j, h, w]
//
// Shapes: input (N, C·f₁·f₂, H, W), output (N, C, H·f₁, W·f₂).
// See https://arxiv.org/abs/1609.05158.
type PixelShuffle2D struct {
	gluon.HybridBlockBase
	Factors [2]int
}

// NewPixelShuffle2D returns a PixelShuffle2D with factor (1 value for both
// axes or 2 values).
func NewPixelShuffle2D(factor []int) *PixelShuffle2D {
	f := spatialTuple("PixelShuffle2D", "factor", factor, 2, 0, 1)
	return &PixelShuffle2D{Factors: [2]int{f[0], f[1]}}
}

// Forward shuffles x.
func (p *PixelShuffle2D) Forward(x *nd.NDArray) *nd.NDArray {
	s := x.Shape()
	f1, f2 := p.Factors[0], p.Factors[1]
	if len(s) != 4 || s[1]%(f1*f2) != 0 {
		nnPanic("PixelShuffle2D", "input %v must be (N, C·%d, H, W)", s, f1*f2)
	}
	n, c, h, w := s[0], s[1]/(f1*f2), s[2], s[3]
	y := x.Reshape(n, c, f1, f2, h, w).Transpose(0, 1, 4, 2, 5, 3)
	return y.Reshape(n, c, h*f1, w*f2)
}

func (p *PixelShuffle2D) String() string {
	return fmt.Sprintf("PixelShuffle2D((%d, %d))", p.Factors[0], p.Factors[1])
}
