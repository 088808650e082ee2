package mxboard

import "fmt"

// Tensor is the view of an n-dimensional array that mxboard needs: its
// shape and its elements in row-major order. NDArrays satisfy it through a
// small adapter, so mxboard does not depend on nd's internals.
type Tensor interface {
	Shape() []int
	Float32s() []float32
}

// byteTensor is implemented by tensors whose elements are bytes; images
// given this way are taken as 0..255 rather than 0..1.
type byteTensor interface {
	Tensor
	Uint8s() []uint8
}

// Float32Tensor is a plain row-major float32 Tensor.
type Float32Tensor struct {
	Dims []int
	Data []float32
}

// Shape returns t.Dims.
func (t Float32Tensor) Shape() []int { return t.Dims }

// Float32s returns t.Data.
func (t Float32Tensor) Float32s() []float32 { return t.Data }

// Uint8Tensor is a plain row-major tensor of bytes, such as images already
// scaled to 0..255.
type Uint8Tensor struct {
	Dims []int
	Data []uint8
}

// Shape returns t.Dims.
func (t Uint8Tensor) Shape() []int { return t.Dims }

// Uint8s returns t.Data.
func (t Uint8Tensor) Uint8s() []uint8 { return t.Data }

// Float32s returns the bytes as float32 values 0..255.
func (t Uint8Tensor) Float32s() []float32 {
	out := make([]float32, len(t.Data))
	for i, v := range t.Data {
		out[i] = float32(v)
	}
	return out
}

// checkTensor verifies that t's shape describes exactly its element count.
func checkTensor(t Tensor, n int) error {
	size := 1
	for _, d := range t.Shape() {
		if d < 0 {
			return fmt.Errorf("negative dimension in shape %v", t.Shape())
		}
		size *= d
	}
	if size != n {
		return fmt.Errorf("shape %v holds %d elements, data has %d", t.Shape(), size, n)
	}
	return nil
}

// float64s flattens the values mxboard accepts for histograms, PR curves,
// audio and embeddings: []float32, []float64, []int, []int32, []int64,
// []uint8, []bool or a Tensor.
func float64s(values any) ([]float64, error) {
	switch v := values.(type) {
	case []float64:
		return v, nil
	case []float32:
		return convert(v), nil
	case []int:
		return convert(v), nil
	case []int32:
		return convert(v), nil
	case []int64:
		return convert(v), nil
	case []uint8:
		return convert(v), nil
	case []bool:
		out := make([]float64, len(v))
		for i, b := range v {
			if b {
				out[i] = 1
			}
		}
		return out, nil
	case Tensor:
		data := v.Float32s()
		if err := checkTensor(v, len(data)); err != nil {
			return nil, err
		}
		return convert(data), nil
	case nil:
		return nil, fmt.Errorf("values are nil")
	default:
		return nil, fmt.Errorf("unsupported values type %T (want []float32, []float64, []int or Tensor)", values)
	}
}

func convert[T float32 | int | int32 | int64 | uint8](v []T) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// shapeOf returns the shape of values: a Tensor's own, else [len].
func shapeOf(values any, n int) []int {
	if t, ok := values.(Tensor); ok {
		return t.Shape()
	}
	return []int{n}
}
