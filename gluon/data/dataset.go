package data

import (
	"fmt"
	"math/rand/v2"

	"github.com/mxgo/mxgo/nd"
)

// Sample is one item of a dataset: one or more fields, each an *nd.NDArray
// or a plain Go value (a number, a string, a []float32, ...).
type Sample []any

// Dataset is anything with a length and random access to samples.
type Dataset interface {
	Len() int
	Get(i int) (Sample, error)
}

// SimpleDataset wraps a slice of samples.
type SimpleDataset []Sample

func (d SimpleDataset) Len() int { return len(d) }

func (d SimpleDataset) Get(i int) (Sample, error) {
	if i < 0 || i >= len(d) {
		return nil, indexError(i, len(d))
	}
	return d[i], nil
}

func indexError(i, n int) error { return fmt.Errorf("data: index %d out of range [0, %d)", i, n) }

// ArrayDataset zips arrays (NDArrays, indexed along axis 0, or Go slices)
// of equal length into samples, like Gluon's ArrayDataset.
type ArrayDataset struct {
	fields []any
	n      int
}

// NewArrayDataset builds the dataset; every field must have the same length.
func NewArrayDataset(fields ...any) (*ArrayDataset, error) {
	d := &ArrayDataset{fields: fields, n: -1}
	for k, f := range fields {
		n, err := fieldLen(f)
		if err != nil {
			return nil, fmt.Errorf("data: ArrayDataset field %d: %w", k, err)
		}
		if d.n >= 0 && n != d.n {
			return nil, fmt.Errorf("data: ArrayDataset field %d has length %d, field 0 has %d", k, n, d.n)
		}
		d.n = n
	}
	if d.n < 0 {
		d.n = 0
	}
	return d, nil
}

func fieldLen(f any) (int, error) {
	switch v := f.(type) {
	case *nd.NDArray:
		if v.Ndim() == 0 {
			return 0, fmt.Errorf("a scalar array has no length")
		}
		return v.Shape()[0], nil
	case []float32:
		return len(v), nil
	case []float64:
		return len(v), nil
	case []int:
		return len(v), nil
	case []int32:
		return len(v), nil
	case []string:
		return len(v), nil
	case []any:
		return len(v), nil
	}
	return 0, fmt.Errorf("unsupported field type %T", f)
}

func (d *ArrayDataset) Len() int { return d.n }

func (d *ArrayDataset) Get(i int) (Sample, error) {
	if i < 0 || i >= d.n {
		return nil, indexError(i, d.n)
	}
	s := make(Sample, len(d.fields))
	for k, f := range d.fields {
		switch v := f.(type) {
		case *nd.NDArray:
			s[k] = v.At(i)
		case []float32:
			s[k] = v[i]
		case []float64:
			s[k] = v[i]
		case []int:
			s[k] = v[i]
		case []int32:
			s[k] = v[i]
		case []string:
			s[k] = v[i]
		case []any:
			s[k] = v[i]
		}
	}
	return s, nil
}

// TransformFunc maps a sample to a new sample.
type TransformFunc func(Sample) (Sample, error)

// Transform applies fn to every sample when it is read (lazy), like
// Gluon's dataset.transform(fn, lazy=True).
func Transform(d Dataset, fn TransformFunc) Dataset { return &transformed{d, fn} }

// TransformFirst applies fn to the first field only (Gluon's transform_first).
func TransformFirst(d Dataset, fn func(any) (any, error)) Dataset {
	return Transform(d, func(s Sample) (Sample, error) {
		out := append(Sample(nil), s...)
		v, err := fn(s[0])
		if err != nil {
			return nil, err
		}
		out[0] = v
		return out, nil
	})
}

type transformed struct {
	d  Dataset
	fn TransformFunc
}

func (t *transformed) Len() int { return t.d.Len() }

func (t *transformed) Get(i int) (Sample, error) {
	s, err := t.d.Get(i)
	if err != nil {
		return nil, err
	}
	return t.fn(s)
}

// Eager applies a transform to every sample now and keeps the results
// (Gluon's transform with lazy=False).
func Eager(d Dataset) (SimpleDataset, error) {
	out := make(SimpleDataset, d.Len())
	for i := range out {
		s, err := d.Get(i)
		if err != nil {
			return nil, fmt.Errorf("data: sample %d: %w", i, err)
		}
		out[i] = s
	}
	return out, nil
}

// indexed views a subset of a dataset through an index list.
type indexed struct {
	d   Dataset
	idx []int
}

func (x *indexed) Len() int { return len(x.idx) }

func (x *indexed) Get(i int) (Sample, error) {
	if i < 0 || i >= len(x.idx) {
		return nil, indexError(i, len(x.idx))
	}
	return x.d.Get(x.idx[i])
}

// Filter keeps the samples for which keep returns true (it reads every
// sample once, now).
func Filter(d Dataset, keep func(Sample) bool) (Dataset, error) {
	var idx []int
	for i := 0; i < d.Len(); i++ {
		s, err := d.Get(i)
		if err != nil {
			return nil, fmt.Errorf("data: filter: sample %d: %w", i, err)
		}
		if keep(s) {
			idx = append(idx, i)
		}
	}
	return &indexed{d, idx}, nil
}

// Shard returns part index of numShards contiguous parts; the first
// Len()%numShards parts get one extra sample (Gluon's shard).
func Shard(d Dataset, numShards, index int) (Dataset, error) {
	if numShards <= 0 || index < 0 || index >= numShards {
		return nil, fmt.Errorf("data: shard %d of %d is out of range", index, numShards)
	}
	n := d.Len()
	size, extra := n/numShards, n%numShards
	start := index*size + min(index, extra)
	end := start + size
	if index < extra {
		end++
	}
	idx := make([]int, end-start)
	for i := range idx {
		idx[i] = start + i
	}
	return &indexed{d, idx}, nil
}

// Take returns the first count samples (all if count exceeds the length).
func Take(d Dataset, count int) Dataset {
	count = max(0, min(count, d.Len()))
	idx := make([]int, count)
	for i := range idx {
		idx[i] = i
	}
	return &indexed{d, idx}
}

// SampleWith returns the dataset in the order a sampler gives (Gluon's
// dataset.sample).
func SampleWith(d Dataset, s Sampler) Dataset {
	return &indexed{d, s.Indices()}
}

// shuffled returns a permutation of [0, n) from a seeded source.
func shuffled(n int, r *rand.Rand) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	r.Shuffle(n, func(i, j int) { p[i], p[j] = p[j], p[i] })
	return p
}
