package vision

import (
	"fmt"

	"github.com/mxgo/mxgo/gluon/data"
	"github.com/mxgo/mxgo/gluon/data/recordio"
)

// ImageRecordDataset serves the images of a RecordIO file written by
// im2rec, like Gluon's ImageRecordDataset: each sample is the decoded
// (H, W, C) uint8 image and its label, a float32 for a scalar label or a
// []float32 when the record packs several (header flag > 0). It is safe for
// concurrent use by DataLoader workers.
type ImageRecordDataset struct {
	rec  *data.RecordFileDataset
	gray bool
}

// NewImageRecordDataset opens recPath and the .idx beside it; gray decodes
// to one channel (Gluon's flag=0).
func NewImageRecordDataset(recPath string, gray bool) (*ImageRecordDataset, error) {
	rec, err := data.NewRecordFileDataset(recPath, "")
	if err != nil {
		return nil, err
	}
	return &ImageRecordDataset{rec: rec, gray: gray}, nil
}

// NewImageRecordDatasetFrom wraps an open record dataset.
func NewImageRecordDatasetFrom(rec *data.RecordFileDataset, gray bool) *ImageRecordDataset {
	return &ImageRecordDataset{rec: rec, gray: gray}
}

// Len is the number of records.
func (d *ImageRecordDataset) Len() int { return d.rec.Len() }

// Get decodes record i.
func (d *ImageRecordDataset) Get(i int) (data.Sample, error) {
	img, h, err := d.Decoded(i)
	if err != nil {
		return nil, err
	}
	if len(h.Labels) > 0 {
		return data.Sample{img.Array(), h.Labels}, nil
	}
	return data.Sample{img.Array(), h.Label}, nil
}

// Decoded returns record i's pixels and header without building an
// NDArray, for callers that transform pixels themselves.
func (d *ImageRecordDataset) Decoded(i int) (DecodedImage, recordio.Header, error) {
	rec, err := d.rec.Record(i)
	if err != nil {
		return DecodedImage{}, recordio.Header{}, fmt.Errorf("vision: image record %d: %w", i, err)
	}
	h, payload, err := recordio.Unpack(rec)
	if err != nil {
		return DecodedImage{}, recordio.Header{}, fmt.Errorf("vision: image record %d: %w", i, err)
	}
	img, err := DecodeImage(payload, d.gray)
	if err != nil {
		return DecodedImage{}, recordio.Header{}, fmt.Errorf("vision: image record %d (id %d): %w", i, h.ID, err)
	}
	return img, h, nil
}

// Close closes the record file.
func (d *ImageRecordDataset) Close() error { return d.rec.Close() }
