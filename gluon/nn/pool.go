package nn

import (
	"fmt"

	"github.com/mxgo/mxgo/gluon"
	"github.com/mxgo/mxgo/nd"
)

// PoolOptions configures MaxPool1D … AvgPool3D; the zero value is Gluon's
// default. Tuple fields take one value per spatial dimension or one value
// for all.
type PoolOptions struct {
	// PoolSize is the window size; nil means 2.
	PoolSize []int
	// Strides of the window; nil means PoolSize.
	Strides []int
	// Padding added on both sides (implicit -inf for max, 0 for avg); nil means 0.
	Padding []int
	// CeilMode rounds the output size up instead of down (MXNet's "full"
	// pooling convention).
	CeilMode bool
	// NoCountIncludePad leaves padded elements out of the average's
	// divisor (Gluon's count_include_pad=False); average pooling only.
	NoCountIncludePad bool
	// Layout is NCW, NCHW or NCDHW ("" means that one).
	Layout string
}

// GlobalPoolOptions configures the global pooling layers.
type GlobalPoolOptions struct {
	// Layout is NCW, NCHW or NCDHW ("" means that one).
	Layout string
}

// poolSpec holds a pooling layer's resolved arguments.
type poolSpec struct {
	name  string
	attrs nd.PoolingAttrs
}

func newPool(name string, nsp int, poolType string, o PoolOptions) poolSpec {
	want := [...]string{"", "NCW", "NCHW", "NCDHW"}[nsp]
	if o.Layout != "" && o.Layout != want {
		nnPanic(name, "layout %q not supported (only %s; transpose the input)", o.Layout, want)
	}
	if poolType == "max" && o.NoCountIncludePad {
		nnPanic(name, "count_include_pad applies to average pooling only")
	}
	k := spatialTuple(name, "pool_size", o.PoolSize, nsp, 2, 1)
	s := k.Clone()
	if o.Strides != nil {
		s = spatialTuple(name, "strides", o.Strides, nsp, 1, 1)
	}
	a := nd.PoolingAttrs{Kernel: k, Stride: s, Pad: spatialTuple(name, "padding", o.Padding, nsp, 0, 0),
		PoolType: poolType, PoolingConvention: "valid", Layout: want}
	if o.CeilMode {
		a.PoolingConvention = "full"
	}
	if poolType == "avg" {
		inc := !o.NoCountIncludePad
		a.CountIncludePad = &inc
	}
	return poolSpec{name: name, attrs: a}
}

func newGlobalPool(name string, nsp int, poolType string, o GlobalPoolOptions) poolSpec {
	p := newPool(name, nsp, poolType, PoolOptions{PoolSize: []int{1}, Layout: o.Layout})
	p.attrs.GlobalPool = true
	p.attrs.PoolingConvention = "full"
	return p
}

func (p *poolSpec) forward(x *nd.NDArray) *nd.NDArray {
	if x.Ndim() != len(p.attrs.Kernel)+2 {
		nnPanic(p.name, "input %v must have %d dimensions (%s)", x.Shape(), len(p.attrs.Kernel)+2, p.attrs.Layout)
	}
	return nd.Pooling(x, p.attrs)
}

func (p *poolSpec) String() string {
	a := p.attrs
	return fmt.Sprintf("%s(size=%v, stride=%v, padding=%v, ceil_mode=%s, global_pool=%s, pool_type=%s, layout=%s)",
		p.name, a.Kernel, a.Stride, a.Pad, pyBool(a.PoolingConvention == "full"), pyBool(a.GlobalPool), a.PoolType, a.Layout)
}

// MaxPool1D takes the maximum over 1-D windows:
//
//	out = max over the window of x
//
// Shapes: input (N, C, W), output (N, C, W') with each
// out = ⌊(in + 2·padding - pool_size)/strides⌋ + 1 (rounded up with
// CeilMode). It computes with [nd.Pooling].
type MaxPool1D struct {
	gluon.HybridBlockBase
	spec poolSpec
}

// NewMaxPool1D returns a MaxPool1D layer.
func NewMaxPool1D(opts ...PoolOptions) *MaxPool1D {
	return &MaxPool1D{spec: newPool("MaxPool1D", 1, "max", optionsOf("MaxPool1D", opts))}
}

// Forward pools x.
func (l *MaxPool1D) Forward(x *nd.NDArray) *nd.NDArray { return l.spec.forward(x) }

func (l *MaxPool1D) String() string { return l.spec.String() }

// MaxPool2D takes the maximum over 2-D windows:
//
//	out = max over the window of x
//
// Shapes: input (N, C, H, W), output (N, C, H', W') with each
// out = ⌊(in + 2·padding - pool_size)/strides⌋ + 1 (rounded up with
// CeilMode). It computes with [nd.Pooling].
type MaxPool2D struct {
	gluon.HybridBlockBase
	spec poolSpec
}

// NewMaxPool2D returns a MaxPool2D layer.
func NewMaxPool2D(opts ...PoolOptions) *MaxPool2D {
	return &MaxPool2D{spec: newPool("MaxPool2D", 2, "max", optionsOf("MaxPool2D", opts))}
}

// Forward pools x.
func (l *MaxPool2D) Forward(x *nd.NDArray) *nd.NDArray { return l.spec.forward(x) }

func (l *MaxPool2D) String() string { return l.spec.String() }

// MaxPool3D takes the maximum over 3-D windows:
//
//	out = max over the window of x
//
// Shapes: input (N, C, D, H, W), output (N, C, D', H', W') with each
// out = ⌊(in + 2·padding - pool_size)/strides⌋ + 1 (rounded up with
// CeilMode). It computes with [nd.Pooling].
type MaxPool3D struct {
	gluon.HybridBlockBase
	spec poolSpec
}

// NewMaxPool3D returns a MaxPool3D layer.
func NewMaxPool3D(opts ...PoolOptions) *MaxPool3D {
	return &MaxPool3D{spec: newPool("MaxPool3D", 3, "max", optionsOf("MaxPool3D", opts))}
}

// Forward pools x.
func (l *MaxPool3D) Forward(x *nd.NDArray) *nd.NDArray { return l.spec.forward(x) }

func (l *MaxPool3D) String() string { return l.spec.String() }

// AvgPool1D takes the average over 1-D windows:
//
//	out = mean over the window of x
//
// Shapes: input (N, C, W), output (N, C, W') with each
// out = ⌊(in + 2·padding - pool_size)/strides⌋ + 1 (rounded up with
// CeilMode). It computes with [nd.Pooling].
type AvgPool1D struct {
	gluon.HybridBlockBase
	spec poolSpec
}

// NewAvgPool1D returns a AvgPool1D layer.
func NewAvgPool1D(opts ...PoolOptions) *AvgPool1D {
	return &AvgPool1D{spec: newPool("AvgPool1D", 1, "avg", optionsOf("AvgPool1D", opts))}
}

// Forward pools x.
func (l *AvgPool1D) Forward(x *nd.NDArray) *nd.NDArray { return l.spec.forward(x) }

func (l *AvgPool1D) String() string { return l.spec.String() }

// AvgPool2D takes the average over 2-D windows:
//
//	out = mean over the window of x
//
// Shapes: input (N, C, H, W), output (N, C, H', W') with each
// out = ⌊(in + 2·padding - pool_size)/strides⌋ + 1 (rounded up with
// CeilMode). It computes with [nd.Pooling].
type AvgPool2D struct {
	gluon.HybridBlockBase
	spec poolSpec
}

// NewAvgPool2D returns a AvgPool2D layer.
func NewAvgPool2D(opts ...PoolOptions) *AvgPool2D {
	return &AvgPool2D{spec: newPool("AvgPool2D", 2, "avg", optionsOf("AvgPool2D", opts))}
}

// Forward pools x.
func (l *AvgPool2D) Forward(x *nd.NDArray) *nd.NDArray { return l.spec.forward(x) }

func (l *AvgPool2D) String() string { return l.spec.String() }

// AvgPool3D takes the average over 3-D windows:
//
//	out = mean over the window of x
//
// Shapes: input (N, C, D, H, W), output (N, C, D', H', W') with each
// out = ⌊(in + 2·padding - pool_size)/strides⌋ + 1 (rounded up with
// CeilMode). It computes with [nd.Pooling].
type AvgPool3D struct {
	gluon.HybridBlockBase
	spec poolSpec
}

// NewAvgPool3D returns a AvgPool3D layer.
func NewAvgPool3D(opts ...PoolOptions) *AvgPool3D {
	return &AvgPool3D{spec: newPool("AvgPool3D", 3, "avg", optionsOf("AvgPool3D", opts))}
}

// Forward pools x.
func (l *AvgPool3D) Forward(x *nd.NDArray) *nd.NDArray { return l.spec.forward(x) }

func (l *AvgPool3D) String() string { return l.spec.String() }

// GlobalMaxPool1D takes the maximum over all spatial positions of each channel.
//
// Shapes: input (N, C, W), output (N, C, 1). It computes with [nd.Pooling].
type GlobalMaxPool1D struct {
	gluon.HybridBlockBase
	spec poolSpec
}

// NewGlobalMaxPool1D returns a GlobalMaxPool1D layer.
func NewGlobalMaxPool1D(opts ...GlobalPoolOptions) *GlobalMaxPool1D {
	return &GlobalMaxPool1D{spec: newGlobalPool("GlobalMaxPool1D", 1, "max", optionsOf("GlobalMaxPool1D", opts))}
}

// Forward pools x.
func (l *GlobalMaxPool1D) Forward(x *nd.NDArray) *nd.NDArray { return l.spec.forward(x) }

func (l *GlobalMaxPool1D) String() string { return l.spec.String() }

// GlobalMaxPool2D takes the maximum over all spatial positions of each channel.
//
// Shapes: input (N, C, H, W), output (N, C, 1, 1). It computes with [nd.Pooling].
type GlobalMaxPool2D struct {
	gluon.HybridBlockBase
	spec poolSpec
}

// NewGlobalMaxPool2D returns a GlobalMaxPool2D layer.
func NewGlobalMaxPool2D(opts ...GlobalPoolOptions) *GlobalMaxPool2D {
	return &GlobalMaxPool2D{spec: newGlobalPool("GlobalMaxPool2D", 2, "max", optionsOf("GlobalMaxPool2D", opts))}
}

// Forward pools x.
func (l *GlobalMaxPool2D) Forward(x *nd.NDArray) *nd.NDArray { return l.spec.forward(x) }

func (l *GlobalMaxPool2D) String() string { return l.spec.String() }

// GlobalMaxPool3D takes the maximum over all spatial positions of each channel.
//
// Shapes: input (N, C, D, H, W), output (N, C, 1, 1, 1). It computes with [nd.Pooling].
type GlobalMaxPool3D struct {
	gluon.HybridBlockBase
	spec poolSpec
}

// NewGlobalMaxPool3D returns a GlobalMaxPool3D layer.
func NewGlobalMaxPool3D(opts ...GlobalPoolOptions) *GlobalMaxPool3D {
	return &GlobalMaxPool3D{spec: newGlobalPool("GlobalMaxPool3D", 3, "max", optionsOf("GlobalMaxPool3D", opts))}
}

// Forward pools x.
func (l *GlobalMaxPool3D) Forward(x *nd.NDArray) *nd.NDArray { return l.spec.forward(x) }

func (l *GlobalMaxPool3D) String() string { return l.spec.String() }

// GlobalAvgPool1D takes the average over all spatial positions of each channel.
//
// Shapes: input (N, C, W), output (N, C, 1). It computes with [nd.Pooling].
type GlobalAvgPool1D struct {
	gluon.HybridBlockBase
	spec poolSpec
}

// NewGlobalAvgPool1D returns a GlobalAvgPool1D layer.
func NewGlobalAvgPool1D(opts ...GlobalPoolOptions) *GlobalAvgPool1D {
	return &GlobalAvgPool1D{spec: newGlobalPool("GlobalAvgPool1D", 1, "avg", optionsOf("GlobalAvgPool1D", opts))}
}

// Forward pools x.
func (l *GlobalAvgPool1D) Forward(x *nd.NDArray) *nd.NDArray { return l.spec.forward(x) }

func (l *GlobalAvgPool1D) String() string { return l.spec.String() }

// GlobalAvgPool2D takes the average over all spatial positions of each channel.
//
// Shapes: input (N, C, H, W), output (N, C, 1, 1). It computes with [nd.Pooling].
type GlobalAvgPool2D struct {
	gluon.HybridBlockBase
	spec poolSpec
}

// NewGlobalAvgPool2D returns a GlobalAvgPool2D layer.
func NewGlobalAvgPool2D(opts ...GlobalPoolOptions) *GlobalAvgPool2D {
	return &GlobalAvgPool2D{spec: newGlobalPool("GlobalAvgPool2D", 2, "avg", optionsOf("GlobalAvgPool2D", opts))}
}

// Forward pools x.
func (l *GlobalAvgPool2D) Forward(x *nd.NDArray) *nd.NDArray { return l.spec.forward(x) }

func (l *GlobalAvgPool2D) String() string { return l.spec.String() }

// GlobalAvgPool3D takes the average over all spatial positions of each channel.
//
// Shapes: input (N, C, D, H, W), output (N, C, 1, 1, 1). It computes with [nd.Pooling].
type GlobalAvgPool3D struct {
	gluon.HybridBlockBase
	spec poolSpec
}

// NewGlobalAvgPool3D returns a GlobalAvgPool3D layer.
func NewGlobalAvgPool3D(opts ...GlobalPoolOptions) *GlobalAvgPool3D {
	return &GlobalAvgPool3D{spec: newGlobalPool("GlobalAvgPool3D", 3, "avg", optionsOf("GlobalAvgPool3D", opts))}
}

// Forward pools x.
func (l *GlobalAvgPool3D) Forward(x *nd.NDArray) *nd.NDArray { return l.spec.forward(x) }

func (l *GlobalAvgPool3D) String() string { return l.spec.String() }
