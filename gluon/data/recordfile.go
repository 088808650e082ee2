package data

import (
	"fmt"

	"github.com/mxgo/mxgo/gluon/data/recordio"
)

// RecordFileDataset serves the raw records of a RecordIO file (.rec with
// its .idx) by position, like Gluon's RecordFileDataset. Each sample holds
// one []byte. Records are numbered in file order, which is .idx order for
// files written by im2rec. It is safe for concurrent use by DataLoader
// workers.
type RecordFileDataset struct {
	r *recordio.IndexedReader
}

// NewRecordFileDataset opens recPath and the .idx beside it (idxPath when
// not empty). Close releases the file.
func NewRecordFileDataset(recPath, idxPath string) (*RecordFileDataset, error) {
	r, err := recordio.Open(recPath, idxPath)
	if err != nil {
		return nil, fmt.Errorf("data: record file dataset: %w", err)
	}
	return &RecordFileDataset{r: r}, nil
}

// NewRecordFileDatasetFrom wraps an already open reader.
func NewRecordFileDatasetFrom(r *recordio.IndexedReader) *RecordFileDataset {
	return &RecordFileDataset{r: r}
}

// Len is the number of records.
func (d *RecordFileDataset) Len() int { return d.r.Len() }

// Get returns record i as data.Sample{[]byte}.
func (d *RecordFileDataset) Get(i int) (Sample, error) {
	rec, err := d.Record(i)
	if err != nil {
		return nil, err
	}
	return Sample{rec}, nil
}

// Record returns the bytes of record i.
func (d *RecordFileDataset) Record(i int) ([]byte, error) {
	if i < 0 || i >= d.r.Len() {
		return nil, indexError(i, d.r.Len())
	}
	return d.r.ReadAt(i)
}

// Keys returns the record keys in the order Get numbers them.
func (d *RecordFileDataset) Keys() []int { return d.r.Keys() }

// Close closes the record file.
func (d *RecordFileDataset) Close() error { return d.r.Close() }
