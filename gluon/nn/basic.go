package nn

import (
	"fmt"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/gluon"
	"github.com/mxgo/mxgo/gluon/initializer"
	"github.com/mxgo/mxgo/nd"
)

// DenseOptions configures NewDense; the zero value is Gluon's default.
type DenseOptions struct {
	// Activation applied to the output ("" for none): see [Activation].
	Activation string
	// NoBias drops the bias (Gluon's use_bias=False).
	NoBias bool
	// NoFlatten contracts only the last input axis instead of flattening
	// all but the first (Gluon's flatten=False).
	NoFlatten bool
	// InUnits is the input size; 0 infers it at the first forward.
	InUnits int
	// DType of the parameters (default float32).
	DType nd.DType
	// WeightInitializer for the weight; nil uses the one given to Initialize.
	WeightInitializer initializer.Initializer
	// BiasInitializer for the bias; nil means zeros.
	BiasInitializer initializer.Initializer
}

// Dense is a fully connected layer:
//
//	out = act(x·Wᵀ + b)
//
// Shapes: with flatten (the default) the input (N, d₁, …, dₖ) is read as
// (N, in_units = d₁·…·dₖ) and the output is (N, units); with NoFlatten the
// input (…, in_units) gives (…, units). Weight is (units, in_units), bias
// (units,). It computes with [nd.FullyConnected].
type Dense struct {
	gluon.HybridBlockBase
	Weight *gluon.Parameter
	Bias   *gluon.Parameter
	Act    *Activation

	units   int
	flatten bool
}

// NewDense returns a Dense layer with units outputs.
func NewDense(units int, opts ...DenseOptions) *Dense {
	o := optionsOf("Dense", opts)
	if units <= 0 {
		nnPanic("Dense", "units %d must be positive", units)
	}
	d := &Dense{units: units, flatten: !o.NoFlatten, Act: newActChild(o.Activation)}
	d.Weight = gluon.NewParameter("weight", nd.Shape{units, o.InUnits}, gluon.WithDType(o.DType), gluon.WithInit(o.WeightInitializer))
	if !o.NoBias {
		d.Bias = gluon.NewParameter("bias", nd.Shape{units}, gluon.WithDType(o.DType), gluon.WithInit(o.BiasInitializer))
	}
	return d
}

// Forward applies the layer.
func (d *Dense) Forward(x *nd.NDArray) *nd.NDArray {
	s := x.Shape()
	if len(s) == 0 {
		nnPanic("Dense", "input must have at least one dimension, got a scalar")
	}
	in := s[len(s)-1]
	if d.flatten {
		in = 1
		for _, v := range s[1:] {
			in *= v
		}
	}
	d.Weight.SetShape(nd.Shape{d.units, in})
	var b *nd.NDArray
	if d.Bias != nil {
		b = d.Bias.Data(x.Device())
	}
	out := nd.FullyConnected(x, d.Weight.Data(x.Device()), b, nd.FullyConnectedAttrs{NumHidden: d.units, NoFlatten: !d.flatten})
	if d.Act != nil {
		out = gluon.Call(d.Act, out)
	}
	return out
}

func (d *Dense) String() string {
	act := "linear"
	if d.Act != nil {
		act = d.Act.String()
	}
	s := d.Weight.Shape()
	return fmt.Sprintf("Dense(%s -> %d, %s)", pyDim(s[1]), s[0], act)
}

// DropoutOptions configures NewDropout; the zero value is Gluon's default.
type DropoutOptions struct {
	// Axes along which one mask value is shared (variational dropout);
	// nil drops every element independently.
	Axes []int
}

// Dropout zeroes a random fraction rate of its input while training and
// scales the rest so the expectation is unchanged:
//
//	out = x·m/(1-rate), m ~ Bernoulli(1-rate) (shared along Axes)
//
// Outside training mode ([autograd.IsTraining] false) it is the identity.
// Shapes: any input; the output has the same shape.
// See https://jmlr.org/papers/v15/srivastava14a.html.
type Dropout struct {
	gluon.HybridBlockBase
	Rate float64
	Axes []int
}

// NewDropout returns a Dropout layer. It panics unless 0 <= rate <= 1.
func NewDropout(rate float64, opts ...DropoutOptions) *Dropout {
	o := optionsOf("Dropout", opts)
	if rate < 0 || rate > 1 {
		nnPanic("Dropout", "rate %v must be in [0, 1]", rate)
	}
	return &Dropout{Rate: rate, Axes: append([]int(nil), o.Axes...)}
}

// Forward applies dropout in training mode.
func (d *Dropout) Forward(x *nd.NDArray) *nd.NDArray {
	if !autograd.IsTraining() || d.Rate == 0 {
		return x
	}
	return dropout(x, d.Rate, d.Axes)
}

// dropout multiplies x by a scaled Bernoulli mask shared along axes, with
// [nd.Dropout] (one op; its mask output is the gradient's factor).
func dropout(x *nd.NDArray, rate float64, axes []int) *nd.NDArray {
	out, _ := nd.Dropout(x, nd.DropoutAttrs{P: &rate, Axes: axes, Train: true})
	return out
}

func (d *Dropout) String() string {
	return fmt.Sprintf("Dropout(p = %s, axes=%s)", pyFloat(d.Rate), pyTuple(d.Axes))
}

// EmbeddingOptions configures NewEmbedding; the zero value is Gluon's default.
type EmbeddingOptions struct {
	// DType of the weight (default float32).
	DType nd.DType
	// WeightInitializer for the weight; nil uses the one given to Initialize.
	WeightInitializer initializer.Initializer
}

// Embedding maps integer indices to dense vectors (rows of its weight):
//
//	out[i…] = W[x[i…]]
//
// Indices outside [0, input_dim) are clipped. Shapes: input of any shape
// holding indices; output x.shape + (output_dim,). Weight is
// (input_dim, output_dim). It computes with [nd.Embedding].
type Embedding struct {
	gluon.HybridBlockBase
	Weight *gluon.Parameter
}

// NewEmbedding returns an Embedding of inputDim rows of size outputDim.
func NewEmbedding(inputDim, outputDim int, opts ...EmbeddingOptions) *Embedding {
	o := optionsOf("Embedding", opts)
	if inputDim <= 0 || outputDim <= 0 {
		nnPanic("Embedding", "input_dim %d and output_dim %d must be positive", inputDim, outputDim)
	}
	return &Embedding{Weight: gluon.NewParameter("weight", nd.Shape{inputDim, outputDim}, gluon.WithDType(o.DType), gluon.WithInit(o.WeightInitializer))}
}

// Forward looks up the rows.
func (e *Embedding) Forward(x *nd.NDArray) *nd.NDArray {
	return nd.Embedding(x, e.Weight.Data(x.Device()), nd.EmbeddingAttrs{})
}

func (e *Embedding) String() string {
	s := e.Weight.Shape()
	return fmt.Sprintf("Embedding(%d -> %d, %v)", s[0], s[1], e.Weight.DType)
}

// Flatten reshapes (N, d₁, …, dₖ) to (N, d₁·…·dₖ).
type Flatten struct{ gluon.HybridBlockBase }

// NewFlatten returns a Flatten layer.
func NewFlatten() *Flatten { return &Flatten{} }

// Forward flattens all axes after the first.
func (*Flatten) Forward(x *nd.NDArray) *nd.NDArray { return nd.Flatten(x) }

func (*Flatten) String() string { return "Flatten" }
