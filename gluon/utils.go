package gluon

import (
	"fmt"
	"math"

	"github.com/mxgo/mxgo/nd"
)

// SplitData splits data along batchAxis into numSlice parts (Gluon's
// split_data). With evenSplit the size must divide evenly; otherwise the
// last part takes the remainder. It returns an error if the axis is out of
// range, the size is smaller than numSlice, or an even split is impossible
// (a last batch of odd size is ordinary input, so not a panic).
func SplitData(data *nd.NDArray, numSlice, batchAxis int, evenSplit bool) ([]*nd.NDArray, error) {
	if numSlice < 1 {
		return nil, fmt.Errorf("gluon: split data: %d slices", numSlice)
	}
	if batchAxis < 0 || batchAxis >= data.Ndim() {
		return nil, fmt.Errorf("gluon: split data: batch axis %d out of range for shape %v", batchAxis, data.Shape())
	}
	size := data.Shape()[batchAxis]
	if size < numSlice {
		return nil, fmt.Errorf("gluon: split data: too many slices for data with shape %v: %d slices along axis %d of size %d", data.Shape(), numSlice, batchAxis, size)
	}
	if evenSplit && size%numSlice != 0 {
		return nil, fmt.Errorf("gluon: split data: data with shape %v cannot be evenly split into %d slices along axis %d; use a batch size that is a multiple of %d or evenSplit=false", data.Shape(), numSlice, batchAxis, numSlice)
	}
	if numSlice == 1 {
		return []*nd.NDArray{data}, nil
	}
	step := size / numSlice
	out := make([]*nd.NDArray, numSlice)
	for i := range out {
		end := (i + 1) * step
		if i == numSlice-1 {
			end = size
		}
		if batchAxis == 0 {
			out[i] = data.Slice(i*step, end) // a view, no copy
		} else {
			out[i] = nd.SliceAxis(data, batchAxis, i*step, end)
		}
	}
	return out, nil
}

// SplitAndLoad splits data along batchAxis into one part per device and
// places each part on its device (Gluon's split_and_load).
func SplitAndLoad(data *nd.NDArray, devices []nd.Device, batchAxis int, evenSplit bool) ([]*nd.NDArray, error) {
	if len(devices) == 0 {
		return nil, fmt.Errorf("gluon: split and load: no devices")
	}
	if len(devices) == 1 {
		return []*nd.NDArray{data.AsIn(devices[0])}, nil
	}
	parts, err := SplitData(data, len(devices), batchAxis, evenSplit)
	if err != nil {
		return nil, err
	}
	for i, p := range parts {
		parts[i] = p.AsIn(devices[i])
	}
	return parts, nil
}

// ClipGlobalNorm rescales arrays in place so that the L2 norm of all of
// them together is at most maxNorm: if ‖a‖ = √Σ‖aᵢ‖² > maxNorm, every aᵢ
// is multiplied by maxNorm/(‖a‖+1e-8). It returns ‖a‖ before clipping
// (NaN or Inf when the arrays hold them; they are then left unchanged).
// It panics if arrays is empty.
func ClipGlobalNorm(arrays []*nd.NDArray, maxNorm float64) float64 {
	if len(arrays) == 0 {
		panic(&nd.Error{Op: "ClipGlobalNorm", Msg: "no arrays"})
	}
	total := 0.0
	for _, a := range arrays {
		n := nd.Norm(a, 2, nil, false).Scalar()
		total += n * n
	}
	total = math.Sqrt(total)
	if math.IsNaN(total) || math.IsInf(total, 0) {
		return total
	}
	scale := maxNorm / (total + 1e-8)
	if scale < 1 {
		mul, _ := nd.LookupOp("_mul_scalar")
		for _, a := range arrays {
			nd.InvokeInto(mul, nd.ScalarAttrs{Scalar: scale}, []*nd.NDArray{a}, []*nd.NDArray{a})
		}
	}
	return total
}
