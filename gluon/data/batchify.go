package data

import (
	"fmt"

	"github.com/mxgo/mxgo/nd"
)

// Batch holds one merged field per sample field.
type Batch []*nd.NDArray

// BatchifyFunc merges samples into a batch.
type BatchifyFunc func(samples []Sample) (Batch, error)

// Stack stacks each field along a new axis 0: NDArrays of equal shape are
// stacked, numbers become a 1-D array (float32 for floats, int32 for ints,
// like Gluon's default batchify).
func Stack(samples []Sample) (Batch, error) {
	if len(samples) == 0 {
		return nil, fmt.Errorf("data: batchify: no samples")
	}
	nf := len(samples[0])
	out := make(Batch, nf)
	for f := 0; f < nf; f++ {
		col, err := column(samples, f)
		if err != nil {
			return nil, err
		}
		if out[f], err = stackField(col); err != nil {
			return nil, fmt.Errorf("data: batchify field %d: %w", f, err)
		}
	}
	return out, nil
}

func column(samples []Sample, f int) ([]any, error) {
	col := make([]any, len(samples))
	for i, s := range samples {
		if len(s) != len(samples[0]) {
			return nil, fmt.Errorf("data: batchify: sample %d has %d fields, sample 0 has %d", i, len(s), len(samples[0]))
		}
		col[i] = s[f]
	}
	return col, nil
}

func stackField(col []any) (a *nd.NDArray, err error) {
	switch col[0].(type) {
	case *nd.NDArray:
		arrs := make([]*nd.NDArray, len(col))
		for i, v := range col {
			x, ok := v.(*nd.NDArray)
			if !ok {
				return nil, fmt.Errorf("sample %d is %T, sample 0 is an NDArray", i, v)
			}
			if !x.Shape().Equal(arrs0(arrs, x).Shape()) {
				return nil, fmt.Errorf("sample %d has shape %v, sample 0 has %v (use Pad to batch ragged samples)", i, x.Shape(), arrs[0].Shape())
			}
			arrs[i] = x
		}
		err = nd.Try(func() { a = nd.Stack(0, arrs...) })
		return a, err
	case float32, float64:
		v := make([]float32, len(col))
		for i, x := range col {
			f, ok := toFloat(x)
			if !ok {
				return nil, fmt.Errorf("sample %d is %T, want a number", i, x)
			}
			v[i] = float32(f)
		}
		return nd.Array(v), nil
	case []float32:
		k := len(col[0].([]float32))
		v := make([]float32, 0, len(col)*k)
		for i, x := range col {
			row, ok := x.([]float32)
			if !ok || len(row) != k {
				return nil, fmt.Errorf("sample %d is %T of length %d, sample 0 is []float32 of length %d", i, x, len(row), k)
			}
			v = append(v, row...)
		}
		return nd.ArrayOf(v, nd.Shape{len(col), k}), nil
	case int, int32, int64, uint8:
		v := make([]int32, len(col))
		for i, x := range col {
			f, ok := toFloat(x)
			if !ok {
				return nil, fmt.Errorf("sample %d is %T, want a number", i, x)
			}
			v[i] = int32(f)
		}
		return nd.ArrayOf(v, nd.Shape{len(v)}), nil
	}
	return nil, fmt.Errorf("cannot stack values of type %T (use Append or a custom batchify)", col[0])
}

func arrs0(arrs []*nd.NDArray, x *nd.NDArray) *nd.NDArray {
	if arrs[0] != nil {
		return arrs[0]
	}
	return x
}

func toFloat(x any) (float64, bool) {
	switch v := x.(type) {
	case float32:
		return float64(v), true
	case float64:
		return v, true
	case int:
		return float64(v), true
	case int32:
		return float64(v), true
	case int64:
		return float64(v), true
	case uint8:
		return float64(v), true
	}
	return 0, false
}

// Pad returns a batchify function that pads NDArray fields along axis 0 to
// the longest sample (rounded up to a multiple of roundTo when > 0) with
// value, then stacks. Other fields are stacked as by Stack.
func Pad(value float64, roundTo int) BatchifyFunc {
	return func(samples []Sample) (Batch, error) {
		if len(samples) == 0 {
			return nil, fmt.Errorf("data: batchify: no samples")
		}
		out := make(Batch, len(samples[0]))
		for f := range out {
			col, err := column(samples, f)
			if err != nil {
				return nil, err
			}
			if _, ok := col[0].(*nd.NDArray); !ok {
				if out[f], err = stackField(col); err != nil {
					return nil, fmt.Errorf("data: batchify field %d: %w", f, err)
				}
				continue
			}
			longest := 0
			for _, v := range col {
				x, ok := v.(*nd.NDArray)
				if !ok || x.Ndim() == 0 {
					return nil, fmt.Errorf("data: pad field %d: want arrays with at least one dimension, got %T", f, v)
				}
				longest = max(longest, x.Shape()[0])
			}
			if roundTo > 0 {
				longest = (longest + roundTo - 1) / roundTo * roundTo
			}
			padded := make([]any, len(col))
			for i, v := range col {
				x := v.(*nd.NDArray)
				shape := append(nd.Shape{longest}, x.Shape()[1:]...)
				p := nd.Full(shape, value, nd.OfType(x.DType()), nd.On(x.Device()))
				if x.Shape()[0] > 0 {
					p.Slice(0, x.Shape()[0]).CopyFrom(x)
				}
				padded[i] = p
			}
			if out[f], err = stackField(padded); err != nil {
				return nil, fmt.Errorf("data: batchify field %d: %w", f, err)
			}
		}
		return out, nil
	}
}

// Group applies one batchify function per field (Gluon's Group).
func Group(fns ...BatchifyFunc) BatchifyFunc {
	return func(samples []Sample) (Batch, error) {
		out := make(Batch, 0, len(fns))
		for f, fn := range fns {
			sub := make([]Sample, len(samples))
			for i, s := range samples {
				if f >= len(s) {
					return nil, fmt.Errorf("data: group: sample %d has %d fields, want %d", i, len(s), len(fns))
				}
				sub[i] = Sample{s[f]}
			}
			b, err := fn(sub)
			if err != nil {
				return nil, fmt.Errorf("data: group field %d: %w", f, err)
			}
			out = append(out, b...)
		}
		return out, nil
	}
}

// Append keeps each NDArray field as a list, adding a leading axis of 1 to
// every sample; the batch holds the first field's arrays one after another
// (Gluon's Append, for ragged inputs consumed one by one).
func Append(samples []Sample) (Batch, error) {
	var out Batch
	for i, s := range samples {
		for f, v := range s {
			x, ok := v.(*nd.NDArray)
			if !ok {
				return nil, fmt.Errorf("data: append: sample %d field %d is %T, want an NDArray", i, f, v)
			}
			out = append(out, x.ExpandDims(0))
		}
	}
	return out, nil
}
