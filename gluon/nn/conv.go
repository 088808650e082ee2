package nn

import (
	"fmt"
	"strings"

	"github.com/mxgo/mxgo/gluon"
	"github.com/mxgo/mxgo/gluon/initializer"
	"github.com/mxgo/mxgo/nd"
)

// ConvOptions configures the convolution constructors (Conv1D … Conv3D and
// their Transpose variants); the zero value is Gluon's default. Tuple
// fields take one value per spatial dimension or one value for all.
type ConvOptions struct {
	// Strides of the window; nil means 1.
	Strides []int
	// Padding added on both sides of each spatial dimension; nil means 0.
	Padding []int
	// OutputPadding is added to one side of the output of a transposed
	// convolution (MXNet's adj); nil means 0. Plain convolutions reject it.
	OutputPadding []int
	// Dilation of the kernel; nil means 1.
	Dilation []int
	// Groups splits the channels into groups convolved separately; 0 means 1.
	Groups int
	// Layout is NCW, NCHW or NCDHW ("" means that one).
	Layout string
	// Activation applied to the output ("" for none).
	Activation string
	// NoBias drops the bias (Gluon's use_bias=False).
	NoBias bool
	// InChannels is the number of input channels; 0 infers it at the
	// first forward.
	InChannels int
	// WeightInitializer for the weight; nil uses the one given to Initialize.
	WeightInitializer initializer.Initializer
	// BiasInitializer for the bias; nil means zeros.
	BiasInitializer initializer.Initializer
}

// convSpec is what the convolution layers share: the resolved arguments.
type convSpec struct {
	name      string
	transpose bool
	channels  int
	kernel    nd.Shape
	strides   nd.Shape
	padding   nd.Shape
	outPad    nd.Shape
	dilation  nd.Shape
	groups    int
	layout    string
}

// newConv resolves a convolution layer's arguments and declares its
// parameters: weight (channels, in/groups, k…) for a convolution, (in,
// channels/groups, k…) for a transposed one, and bias (channels,).
func newConv(name string, nsp int, transpose bool, channels int, kernel []int, o ConvOptions) (convSpec, *gluon.Parameter, *gluon.Parameter, *Activation) {
	c := convSpec{name: name, transpose: transpose, channels: channels, groups: max(o.Groups, 1), layout: o.Layout}
	if channels <= 0 {
		nnPanic(name, "channels %d must be positive", channels)
	}
	if len(kernel) == 0 {
		nnPanic(name, "kernel_size is required")
	}
	want := [...]string{"", "NCW", "NCHW", "NCDHW"}[nsp]
	if c.layout == "" {
		c.layout = want
	}
	if c.layout != want {
		nnPanic(name, "layout %q not supported (only %s; transpose the input)", o.Layout, want)
	}
	c.kernel = spatialTuple(name, "kernel_size", kernel, nsp, 1, 1)
	c.strides = spatialTuple(name, "strides", o.Strides, nsp, 1, 1)
	c.padding = spatialTuple(name, "padding", o.Padding, nsp, 0, 0)
	c.dilation = spatialTuple(name, "dilation", o.Dilation, nsp, 1, 1)
	if !transpose && len(o.OutputPadding) > 0 {
		nnPanic(name, "output_padding is only for transposed convolutions")
	}
	c.outPad = spatialTuple(name, "output_padding", o.OutputPadding, nsp, 0, 0)
	if o.Groups < 0 {
		nnPanic(name, "groups %d must be positive", o.Groups)
	}
	if o.InChannels%c.groups != 0 || channels%c.groups != 0 {
		nnPanic(name, "channels %d and in_channels %d must be divisible by groups %d", channels, o.InChannels, c.groups)
	}
	var ws nd.Shape
	if transpose {
		ws = append(nd.Shape{o.InChannels, channels / c.groups}, c.kernel...)
	} else {
		ws = append(nd.Shape{channels, o.InChannels / c.groups}, c.kernel...)
	}
	w := gluon.NewParameter("weight", ws, gluon.WithInit(o.WeightInitializer))
	var b *gluon.Parameter
	if !o.NoBias {
		b = gluon.NewParameter("bias", nd.Shape{channels}, gluon.WithInit(o.BiasInitializer))
	}
	return c, w, b, newActChild(o.Activation)
}

// forward infers the weight shape from x and convolves.
func (c *convSpec) forward(x *nd.NDArray, w, b *gluon.Parameter, act *Activation) *nd.NDArray {
	if x.Ndim() != len(c.kernel)+2 {
		nnPanic(c.name, "input %v must have %d dimensions (%s)", x.Shape(), len(c.kernel)+2, c.layout)
	}
	in := x.Shape()[1]
	if in%c.groups != 0 {
		nnPanic(c.name, "input channels %d must be divisible by groups %d", in, c.groups)
	}
	ws := w.Shape().Clone()
	if c.transpose {
		ws[0] = in
	} else {
		ws[1] = in / c.groups
	}
	w.SetShape(ws)
	var bias *nd.NDArray
	if b != nil {
		bias = b.Data(x.Device())
	}
	var out *nd.NDArray
	if c.transpose {
		out = nd.Deconvolution(x, w.Data(x.Device()), bias, nd.DeconvolutionAttrs{
			Kernel: c.kernel, Stride: c.strides, Dilate: c.dilation, Pad: c.padding, Adj: c.outPad,
			NumFilter: c.channels, NumGroup: c.groups, Layout: c.layout})
	} else {
		out = nd.Convolution(x, w.Data(x.Device()), bias, nd.ConvolutionAttrs{
			Kernel: c.kernel, Stride: c.strides, Dilate: c.dilation, Pad: c.padding,
			NumFilter: c.channels, NumGroup: c.groups, Layout: c.layout})
	}
	if act != nil {
		out = gluon.Call(act, out)
	}
	return out
}

// repr prints MXNet's form. Like MXNet it shows the weight's
// "shape[1] -> shape[0]", which for transposed convolutions reads
// channels/groups -> in_channels.
func (c *convSpec) repr(w, b *gluon.Parameter, act *Activation) string {
	var s strings.Builder
	ws := w.Shape()
	fmt.Fprintf(&s, "%s(%s -> %d, kernel_size=%v, stride=%v", c.name, pyDim(ws[1]), ws[0], c.kernel, c.strides)
	allEq := func(t nd.Shape, v int) bool {
		for _, d := range t {
			if d != v {
				return false
			}
		}
		return true
	}
	if !allEq(c.padding, 0) {
		fmt.Fprintf(&s, ", padding=%v", c.padding)
	}
	if !allEq(c.dilation, 1) {
		fmt.Fprintf(&s, ", dilation=%v", c.dilation)
	}
	if c.transpose && !allEq(c.outPad, 0) {
		fmt.Fprintf(&s, ", output_padding=%v", c.outPad)
	}
	if c.groups != 1 {
		fmt.Fprintf(&s, ", groups=%d", c.groups)
	}
	if b == nil {
		s.WriteString(", bias=False")
	}
	if act != nil {
		s.WriteString(", " + act.String())
	}
	s.WriteString(")")
	return s.String()
}

// Conv1D is a 1-D convolution (cross-correlation) over (N, C, W):
//
//	out[n, f] = act(b[f] + Σ_c W[f, c] ⋆ x[n, c])
//
// Shapes: input (N, in_channels, W), output (N, channels, W'), with
// W' = ⌊(W + 2·padding - dilation·(kernel-1) - 1)/stride⌋ + 1. Weight is
// (channels, in_channels/groups, kernel), bias (channels,). It computes
// with [nd.Convolution].
type Conv1D struct {
	gluon.HybridBlockBase
	Weight, Bias *gluon.Parameter
	Act          *Activation
	spec         convSpec
}

// NewConv1D returns a Conv1D with channels output channels and kernelSize (1 value).
func NewConv1D(channels int, kernelSize []int, opts ...ConvOptions) *Conv1D {
	l := &Conv1D{}
	l.spec, l.Weight, l.Bias, l.Act = newConv("Conv1D", 1, false, channels, kernelSize, optionsOf("Conv1D", opts))
	return l
}

// Forward convolves x.
func (l *Conv1D) Forward(x *nd.NDArray) *nd.NDArray {
	return l.spec.forward(x, l.Weight, l.Bias, l.Act)
}

func (l *Conv1D) String() string { return l.spec.repr(l.Weight, l.Bias, l.Act) }

// Conv2D is a 2-D convolution (cross-correlation) over (N, C, H, W):
//
//	out[n, f] = act(b[f] + Σ_c W[f, c] ⋆ x[n, c])
//
// Shapes: input (N, in_channels, H, W), output (N, channels, H', W'), with
// each out = ⌊(in + 2·padding - dilation·(kernel-1) - 1)/stride⌋ + 1.
// Weight is (channels, in_channels/groups, kh, kw), bias (channels,). It
// computes with [nd.Convolution].
type Conv2D struct {
	gluon.HybridBlockBase
	Weight, Bias *gluon.Parameter
	Act          *Activation
	spec         convSpec
}

// NewConv2D returns a Conv2D with channels output channels and kernelSize
// (1 or 2 values).
func NewConv2D(channels int, kernelSize []int, opts ...ConvOptions) *Conv2D {
	l := &Conv2D{}
	l.spec, l.Weight, l.Bias, l.Act = newConv("Conv2D", 2, false, channels, kernelSize, optionsOf("Conv2D", opts))
	return l
}

// Forward convolves x.
func (l *Conv2D) Forward(x *nd.NDArray) *nd.NDArray {
	return l.spec.forward(x, l.Weight, l.Bias, l.Act)
}

func (l *Conv2D) String() string { return l.spec.repr(l.Weight, l.Bias, l.Act) }

// Conv3D is a 3-D convolution (cross-correlation) over (N, C, D, H, W):
//
//	out[n, f] = act(b[f] + Σ_c W[f, c] ⋆ x[n, c])
//
// Shapes: input (N, in_channels, D, H, W), output (N, channels, D', H', W'),
// with each out = ⌊(in + 2·padding - dilation·(kernel-1) - 1)/stride⌋ + 1.
// Weight is (channels, in_channels/groups, kd, kh, kw), bias (channels,).
// It computes with [nd.Convolution].
type Conv3D struct {
	gluon.HybridBlockBase
	Weight, Bias *gluon.Parameter
	Act          *Activation
	spec         convSpec
}

// NewConv3D returns a Conv3D with channels output channels and kernelSize
// (1 or 3 values).
func NewConv3D(channels int, kernelSize []int, opts ...ConvOptions) *Conv3D {
	l := &Conv3D{}
	l.spec, l.Weight, l.Bias, l.Act = newConv("Conv3D", 3, false, channels, kernelSize, optionsOf("Conv3D", opts))
	return l
}

// Forward convolves x.
func (l *Conv3D) Forward(x *nd.NDArray) *nd.NDArray {
	return l.spec.forward(x, l.Weight, l.Bias, l.Act)
}

func (l *Conv3D) String() string { return l.spec.repr(l.Weight, l.Bias, l.Act) }

// Conv1DTranspose is a transposed 1-D convolution (the gradient of Conv1D
// with respect to its input, sometimes called deconvolution):
//
//	out = act(b + Wᵀ ⋆ x)
//
// Shapes: input (N, in_channels, W), output (N, channels, W') with
// W' = (W-1)·stride - 2·padding + dilation·(kernel-1) + output_padding + 1.
// Weight is (in_channels, channels/groups, kernel), bias (channels,). It
// computes with [nd.Deconvolution].
type Conv1DTranspose struct {
	gluon.HybridBlockBase
	Weight, Bias *gluon.Parameter
	Act          *Activation
	spec         convSpec
}

// NewConv1DTranspose returns a Conv1DTranspose with channels output channels.
func NewConv1DTranspose(channels int, kernelSize []int, opts ...ConvOptions) *Conv1DTranspose {
	l := &Conv1DTranspose{}
	l.spec, l.Weight, l.Bias, l.Act = newConv("Conv1DTranspose", 1, true, channels, kernelSize, optionsOf("Conv1DTranspose", opts))
	return l
}

// Forward applies the transposed convolution.
func (l *Conv1DTranspose) Forward(x *nd.NDArray) *nd.NDArray {
	return l.spec.forward(x, l.Weight, l.Bias, l.Act)
}

func (l *Conv1DTranspose) String() string { return l.spec.repr(l.Weight, l.Bias, l.Act) }

// Conv2DTranspose is a transposed 2-D convolution (the gradient of Conv2D
// with respect to its input):
//
//	out = act(b + Wᵀ ⋆ x)
//
// Shapes: input (N, in_channels, H, W), output (N, channels, H', W') with
// each out = (in-1)·stride - 2·padding + dilation·(kernel-1) + output_padding + 1.
// Weight is (in_channels, channels/groups, kh, kw), bias (channels,). It
// computes with [nd.Deconvolution].
type Conv2DTranspose struct {
	gluon.HybridBlockBase
	Weight, Bias *gluon.Parameter
	Act          *Activation
	spec         convSpec
}

// NewConv2DTranspose returns a Conv2DTranspose with channels output channels.
func NewConv2DTranspose(channels int, kernelSize []int, opts ...ConvOptions) *Conv2DTranspose {
	l := &Conv2DTranspose{}
	l.spec, l.Weight, l.Bias, l.Act = newConv("Conv2DTranspose", 2, true, channels, kernelSize, optionsOf("Conv2DTranspose", opts))
	return l
}

// Forward applies the transposed convolution.
func (l *Conv2DTranspose) Forward(x *nd.NDArray) *nd.NDArray {
	return l.spec.forward(x, l.Weight, l.Bias, l.Act)
}

func (l *Conv2DTranspose) String() string { return l.spec.repr(l.Weight, l.Bias, l.Act) }

// Conv3DTranspose is a transposed 3-D convolution (the gradient of Conv3D
// with respect to its input):
//
//	out = act(b + Wᵀ ⋆ x)
//
// Shapes: input (N, in_channels, D, H, W), output (N, channels, D', H', W')
// with each out = (in-1)·stride - 2·padding + dilation·(kernel-1) +
// output_padding + 1. Weight is (in_channels, channels/groups, kd, kh, kw),
// bias (channels,). It computes with [nd.Deconvolution].
type Conv3DTranspose struct {
	gluon.HybridBlockBase
	Weight, Bias *gluon.Parameter
	Act          *Activation
	spec         convSpec
}

// NewConv3DTranspose returns a Conv3DTranspose with channels output channels.
func NewConv3DTranspose(channels int, kernelSize []int, opts ...ConvOptions) *Conv3DTranspose {
	l := &Conv3DTranspose{}
	l.spec, l.Weight, l.Bias, l.Act = newConv("Conv3DTranspose", 3, true, channels, kernelSize, optionsOf("Conv3DTranspose", opts))
	return l
}

// Forward applies the transposed convolution.
func (l *Conv3DTranspose) Forward(x *nd.NDArray) *nd.NDArray {
	return l.spec.forward(x, l.Weight, l.Bias, l.Act)
}

func (l *Conv3DTranspose) String() string { return l.spec.repr(l.Weight, l.Bias, l.Act) }
