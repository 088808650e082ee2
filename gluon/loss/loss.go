package loss

import (
	"fmt"

	"github.com/mxgo/mxgo/nd"
)

// Loss computes one loss value per sample from predictions and labels.
// sampleWeight, if given, is multiplied in elementwise (broadcasting)
// before averaging over the non-batch axes.
type Loss interface {
	Forward(pred, label *nd.NDArray, sampleWeight ...*nd.NDArray) *nd.NDArray
}

// Base holds what every loss has: a global scalar Weight (Gluon's weight,
// default 1) and the BatchAxis (default 0) that is kept when the loss is
// averaged over the others.
type Base struct {
	Weight    float64
	BatchAxis int
}

// Option configures a loss's Base.
type Option func(*Base)

// WithWeight sets the global scalar weight of the loss.
func WithWeight(w float64) Option { return func(b *Base) { b.Weight = w } }

// WithBatchAxis sets the batch axis.
func WithBatchAxis(axis int) Option { return func(b *Base) { b.BatchAxis = axis } }

func newBase(opts []Option) Base {
	b := Base{Weight: 1}
	for _, o := range opts {
		o(&b)
	}
	return b
}

// weighting multiplies loss by sampleWeight (if any) and by w (if not 1).
func weighting(loss *nd.NDArray, w float64, sampleWeight []*nd.NDArray) *nd.NDArray {
	if len(sampleWeight) > 0 && sampleWeight[0] != nil {
		loss = loss.Mul(sampleWeight[0])
	}
	if w != 1 {
		loss = loss.MulScalar(w)
	}
	return loss
}

// axesExcept lists the axes of an ndim array other than axis.
func axesExcept(ndim, axis int, op string) []int {
	if axis < 0 || axis >= max(ndim, 1) {
		panic(&nd.Error{Op: op, Msg: fmt.Sprintf("batch axis %d out of range for a %d-d loss", axis, ndim)})
	}
	var axes []int
	for i := 0; i < ndim; i++ {
		if i != axis {
			axes = append(axes, i)
		}
	}
	return axes
}

// meanBatch averages loss over every axis but the batch axis (Gluon's
// F.mean(loss, axis=batch_axis, exclude=True)).
func (b Base) meanBatch(loss *nd.NDArray, op string) *nd.NDArray {
	axes := axesExcept(loss.Ndim(), b.BatchAxis, op)
	if len(axes) == 0 {
		return loss
	}
	if n := loss.Shape()[b.BatchAxis]; loss.Size() == n {
		return loss.Reshape(n) // only size-1 axes to drop: no reduction needed
	}
	return nd.Mean(loss, axes, false)
}

// sumBatch sums x over every axis but the batch axis.
func (b Base) sumBatch(x *nd.NDArray, op string) *nd.NDArray {
	axes := axesExcept(x.Ndim(), b.BatchAxis, op)
	if len(axes) == 0 {
		return x
	}
	return nd.Sum(x, axes, false)
}

// reshapeLike gives label pred's shape when they have the same size
// (Gluon's _reshape_like); it panics naming op otherwise.
func reshapeLike(label, pred *nd.NDArray, op string) *nd.NDArray {
	if label.Shape().Equal(pred.Shape()) {
		return label
	}
	if label.Size() != pred.Size() {
		panic(&nd.Error{Op: op, Msg: fmt.Sprintf("label shape %v does not match prediction shape %v", label.Shape(), pred.Shape())})
	}
	return label.Reshape(pred.Shape()...)
}
