package mxboard

import "github.com/mxgo/mxgo/nd"

// FromND adapts an NDArray to the Tensor the Add methods accept, waiting
// for its value when read. uint8 arrays are taken as 0..255 images.
func FromND(a *nd.NDArray) Tensor {
	if a.DType() == nd.Uint8 {
		return ndBytes{ndTensor{a}}
	}
	return ndTensor{a}
}

type ndTensor struct{ a *nd.NDArray }

func (t ndTensor) Shape() []int        { return t.a.Shape() }
func (t ndTensor) Float32s() []float32 { return t.a.Float32s() }

type ndBytes struct{ ndTensor }

func (t ndBytes) Uint8s() []uint8 {
	v, err := t.a.ToSlice()
	if err != nil {
		panic(err)
	}
	return v.([]uint8)
}
