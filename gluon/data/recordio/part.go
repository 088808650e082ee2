package recordio

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// NewPartReader returns a Reader of part (0-based) of numParts roughly equal
// byte ranges of a RecordIO stream of size bytes, for splitting one file
// across workers or machines as dmlc's InputSplit does. A record belongs to
// the part whose byte range holds its first frame, so the parts together
// return every record exactly once.
//
// The reader finds its first record by scanning 4-byte-aligned words from the
// start of its range for the magic word followed by a length word with flag 0
// or 1. That is exact for files written by a RecordIO writer: the writer
// splits records at every aligned magic in a payload, and a length word can
// never equal the magic, so aligned magic words only start frames.
func NewPartReader(r io.ReaderAt, size int64, part, numParts int) (*Reader, error) {
	if numParts < 1 || part < 0 || part >= numParts {
		return nil, fmt.Errorf("recordio: part %d of %d: want 0 <= part < numParts", part, numParts)
	}
	if size < 0 {
		return nil, fmt.Errorf("recordio: part reader: negative size %d", size)
	}
	begin := alignUp(partBound(size, part, numParts))
	end := alignUp(partBound(size, part+1, numParts))
	if part == numParts-1 {
		end = size
	}
	start, err := syncRecord(r, begin, size)
	if err != nil {
		return nil, err
	}
	rd := NewReader(io.NewSectionReader(r, start, size-start))
	rd.off, rd.last, rd.end = start, start, end
	return rd, nil
}

func partBound(size int64, part, numParts int) int64 {
	// size*part can overflow int64 only for files past 2^63/numParts bytes.
	return size/int64(numParts)*int64(part) + size%int64(numParts)*int64(part)/int64(numParts)
}

func alignUp(off int64) int64 { return (off + 3) &^ 3 }

// syncRecord returns the offset of the first record start at or after the
// aligned offset from, or size when there is none.
func syncRecord(r io.ReaderAt, from, size int64) (int64, error) {
	if from >= size {
		return size, nil
	}
	br := bufio.NewReaderSize(io.NewSectionReader(r, from, size-from), 64<<10)
	var word [4]byte
	prevMagic := false
	for off := from; ; off += 4 {
		if _, err := io.ReadFull(br, word[:]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return size, nil
			}
			return 0, fmt.Errorf("recordio: read at offset %d: %w", off, err)
		}
		w := binary.LittleEndian.Uint32(word[:])
		if prevMagic {
			if cflag, _ := decodeLRec(w); cflag == flagWhole || cflag == flagFirst {
				return off - 4, nil
			}
		}
		prevMagic = w == Magic
	}
}
