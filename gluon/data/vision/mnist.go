package vision

import (
	"context"
	"fmt"

	"github.com/mxgo/mxgo/gluon/data"
	"github.com/mxgo/mxgo/nd"
)

// MNIST is the MNIST (or Fashion-MNIST) dataset as Gluon serves it: each
// sample is an image of shape (28, 28, 1), uint8, and an int32 label 0..9.
// All images are held in memory (47 MB for the training split).
type MNIST struct {
	images []byte
	labels []byte
	n      int
}

// MNISTOptions chooses the split and where files come from.
type MNISTOptions struct {
	Root    string // default $MXNET_HOME/datasets/mnist (or fashion-mnist)
	Train   bool   // training split (60000) instead of test (10000)
	Fashion bool   // Fashion-MNIST instead of MNIST
	Fetcher *Fetcher
}

// NewMNIST loads the split, using files in Root, the copy shipped with the
// repository, or a download (see Fetcher).
func NewMNIST(ctx context.Context, o MNISTOptions) (*MNIST, error) {
	f := o.Fetcher
	if f == nil {
		f = new(Fetcher)
	}
	images, labels, err := f.LoadMNIST(ctx, o.Root, o.Train, o.Fashion)
	if err != nil {
		return nil, err
	}
	return &MNIST{images: images.Data, labels: labels.Data, n: images.Dims[0]}, nil
}

// Len is the number of images.
func (m *MNIST) Len() int { return m.n }

// Get returns image i as a (28, 28, 1) uint8 array and its label.
func (m *MNIST) Get(i int) (data.Sample, error) {
	if i < 0 || i >= m.n {
		return nil, fmt.Errorf("vision: MNIST index %d out of range [0, %d)", i, m.n)
	}
	const px = 28 * 28
	img := nd.ArrayOf(m.images[i*px:(i+1)*px], nd.Shape{28, 28, 1})
	return data.Sample{img, int32(m.labels[i])}, nil
}

// Images returns all images as one (N, 28, 28, 1) uint8 array and the
// labels as an (N,) int32 array, for loading without per-sample work.
func (m *MNIST) Images() (images, labels *nd.NDArray) {
	l := make([]int32, m.n)
	for i, v := range m.labels[:m.n] {
		l[i] = int32(v)
	}
	return nd.ArrayOf(m.images[:m.n*28*28], nd.Shape{m.n, 28, 28, 1}), nd.ArrayOf(l, nd.Shape{m.n})
}
