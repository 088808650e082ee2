package vision

import (
	"context"
	"fmt"

	"github.com/mxgo/mxgo/gluon/data"
	"github.com/mxgo/mxgo/nd"
)

// CIFAR is the CIFAR-10 or CIFAR-100 dataset as Gluon serves it: each
// sample is a (32, 32, 3) uint8 image (HWC, converted from the files'
// channel planes) and an int32 label. All images are held in memory.
type CIFAR struct {
	hwc    []uint8 // N×32×32×3
	labels []uint8
	name   string
}

// CIFAROptions chooses the split and where files come from.
type CIFAROptions struct {
	Root    string // default $MXNET_HOME/datasets/cifar10 (or cifar100)
	Train   bool   // training split (50000) instead of test (10000)
	Fine    bool   // CIFAR-100 only: fine labels (100 classes) instead of coarse (20)
	Fetcher *Fetcher
}

// NewCIFAR10 loads a CIFAR-10 split, downloading Gluon's archive into Root
// when its files are missing.
func NewCIFAR10(ctx context.Context, o CIFAROptions) (*CIFAR, error) {
	f := o.Fetcher
	if f == nil {
		f = new(Fetcher)
	}
	images, labels, err := f.LoadCIFAR10(ctx, o.Root, o.Train)
	if err != nil {
		return nil, err
	}
	return newCIFAR("CIFAR10", images, labels)
}

// NewCIFAR100 loads a CIFAR-100 split with fine or coarse labels, like
// Gluon's CIFAR100(fine_label=...).
func NewCIFAR100(ctx context.Context, o CIFAROptions) (*CIFAR, error) {
	f := o.Fetcher
	if f == nil {
		f = new(Fetcher)
	}
	images, coarse, fine, err := f.LoadCIFAR100(ctx, o.Root, o.Train)
	if err != nil {
		return nil, err
	}
	labels := coarse
	if o.Fine {
		labels = fine
	}
	return newCIFAR("CIFAR100", images, labels)
}

// NewCIFARFromPlanes builds the dataset from images in the files' layout
// (N×3×32×32 channel planes, as ParseCIFAR10 returns) and their labels.
func NewCIFARFromPlanes(images []byte, labels []uint8) (*CIFAR, error) {
	return newCIFAR("CIFAR", images, labels)
}

func newCIFAR(name string, planes []byte, labels []uint8) (*CIFAR, error) {
	const px = CIFARSize * CIFARSize
	n := len(labels)
	if len(planes) != n*CIFARImageLen {
		return nil, fmt.Errorf("vision: %s: %d image bytes for %d labels, want %d", name, len(planes), n, n*CIFARImageLen)
	}
	hwc := make([]uint8, len(planes))
	for i := 0; i < n; i++ {
		src := planes[i*CIFARImageLen : (i+1)*CIFARImageLen]
		dst := hwc[i*CIFARImageLen : (i+1)*CIFARImageLen]
		for p := 0; p < px; p++ {
			dst[3*p], dst[3*p+1], dst[3*p+2] = src[p], src[px+p], src[2*px+p]
		}
	}
	return &CIFAR{hwc: hwc, labels: labels, name: name}, nil
}

// Len is the number of images.
func (c *CIFAR) Len() int { return len(c.labels) }

// Get returns image i as a (32, 32, 3) uint8 array and its int32 label.
func (c *CIFAR) Get(i int) (data.Sample, error) {
	if i < 0 || i >= len(c.labels) {
		return nil, fmt.Errorf("vision: %s index %d out of range [0, %d)", c.name, i, len(c.labels))
	}
	img := nd.ArrayOf(c.hwc[i*CIFARImageLen:(i+1)*CIFARImageLen], nd.Shape{CIFARSize, CIFARSize, CIFARChannels})
	return data.Sample{img, int32(c.labels[i])}, nil
}

// Images returns all images as one (N, 32, 32, 3) uint8 array and the
// labels as an (N,) int32 array.
func (c *CIFAR) Images() (images, labels *nd.NDArray) {
	l := make([]int32, len(c.labels))
	for i, v := range c.labels {
		l[i] = int32(v)
	}
	return nd.ArrayOf(c.hwc, nd.Shape{len(c.labels), CIFARSize, CIFARSize, CIFARChannels}), nd.ArrayOf(l, nd.Shape{len(l)})
}
