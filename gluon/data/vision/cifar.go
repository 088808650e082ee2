package vision

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
)

// CIFAR image geometry: each image is 3 channel planes of 32×32 bytes
// (all red, then green, then blue), row-major.
const (
	CIFARChannels  = 3
	CIFARSize      = 32
	CIFARImageLen  = CIFARChannels * CIFARSize * CIFARSize // 3072
	cifar10RecLen  = 1 + CIFARImageLen
	cifar100RecLen = 2 + CIFARImageLen
)

// ParseCIFAR10 reads a CIFAR-10 binary batch (data_batch_N.bin,
// test_batch.bin): records of one label byte (0..9) and 3072 image bytes.
// images holds N×3×32×32 bytes (channel planes, as stored); labels holds N
// labels. A partial record or a label above 9 is an error.
func ParseCIFAR10(r io.Reader) (images []byte, labels []uint8, err error) {
	images, lab, err := parseCIFAR(r, 1, []int{10})
	if err != nil {
		return nil, nil, err
	}
	return images, lab[0], nil
}

// ParseCIFAR100 reads a CIFAR-100 binary file (train.bin, test.bin):
// records of a coarse label (0..19), a fine label (0..99) and 3072 image
// bytes. Layout and errors are as for ParseCIFAR10.
func ParseCIFAR100(r io.Reader) (images []byte, coarse, fine []uint8, err error) {
	images, lab, err := parseCIFAR(r, 2, []int{20, 100})
	if err != nil {
		return nil, nil, nil, err
	}
	return images, lab[0], lab[1], nil
}

// parseCIFAR reads records of nlab label bytes then an image, checking each
// label against its class count. Memory grows only with the bytes read.
func parseCIFAR(r io.Reader, nlab int, classes []int) ([]byte, [][]uint8, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	recLen := nlab + CIFARImageLen
	rec := make([]byte, recLen)
	var images []byte
	labels := make([][]uint8, nlab)
	for n := 0; ; n++ {
		got, err := io.ReadFull(br, rec)
		if err == io.EOF {
			break
		}
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, nil, fmt.Errorf("cifar: record %d: truncated (%d of %d bytes; file size is not a multiple of %d)", n, got, recLen, recLen)
			}
			return nil, nil, fmt.Errorf("cifar: record %d: %w", n, err)
		}
		for j := range nlab {
			if int(rec[j]) >= classes[j] {
				return nil, nil, fmt.Errorf("cifar: record %d: label %d out of range [0, %d)", n, rec[j], classes[j])
			}
			labels[j] = append(labels[j], rec[j])
		}
		images = append(images, rec[nlab:]...)
	}
	if len(labels[0]) == 0 {
		return nil, nil, errors.New("cifar: empty batch")
	}
	return images, labels, nil
}

// ParseCIFAR10File is ParseCIFAR10 on a file; errors name the file.
func ParseCIFAR10File(path string) (images []byte, labels []uint8, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("cifar: %w", err)
	}
	defer f.Close()
	if images, labels, err = ParseCIFAR10(f); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return images, labels, nil
}

// ParseCIFAR100File is ParseCIFAR100 on a file; errors name the file.
func ParseCIFAR100File(path string) (images []byte, coarse, fine []uint8, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("cifar: %w", err)
	}
	defer f.Close()
	if images, coarse, fine, err = ParseCIFAR100(f); err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return images, coarse, fine, nil
}
