package recordio

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// IndexedWriter writes a .rec file and its .idx together. Both go to
// temporary files in their target directories and are renamed into place
// by Close, so readers never see a half-written pair.
type IndexedWriter struct {
	recPath, idxPath string
	recTmp, idxTmp   *os.File
	recBuf           *bufio.Writer
	w                *Writer
	entries          []IndexEntry
	seen             map[int]bool
	err              error // first write error; Close then discards the files
	closed           bool
}

// Create starts writing recPath and idxPath (IndexPath(recPath) when
// idxPath is empty). Call Close to publish them, or Abort to discard.
func Create(recPath, idxPath string) (*IndexedWriter, error) {
	if idxPath == "" {
		idxPath = IndexPath(recPath)
	}
	recTmp, err := os.CreateTemp(filepath.Dir(recPath), "."+filepath.Base(recPath)+".tmp*")
	if err != nil {
		return nil, fmt.Errorf("recordio: create %s: %w", recPath, err)
	}
	idxTmp, err := os.CreateTemp(filepath.Dir(idxPath), "."+filepath.Base(idxPath)+".tmp*")
	if err != nil {
		recTmp.Close()
		os.Remove(recTmp.Name())
		return nil, fmt.Errorf("recordio: create %s: %w", idxPath, err)
	}
	buf := bufio.NewWriterSize(recTmp, 1<<20)
	return &IndexedWriter{
		recPath: recPath, idxPath: idxPath,
		recTmp: recTmp, idxTmp: idxTmp, recBuf: buf,
		w: NewWriter(buf), seen: make(map[int]bool),
	}, nil
}

// Write appends rec under key. Keys must be unique; their order is free.
func (iw *IndexedWriter) Write(key int, rec []byte) error {
	if iw.closed {
		return errors.New("recordio: write to closed IndexedWriter")
	}
	if iw.err != nil {
		return iw.err
	}
	if iw.seen[key] {
		return fmt.Errorf("recordio: %s: duplicate key %d", iw.recPath, key)
	}
	off, err := iw.w.Write(rec)
	if err != nil {
		iw.err = fmt.Errorf("recordio: %s: %w", iw.recPath, err)
		return iw.err
	}
	iw.seen[key] = true
	iw.entries = append(iw.entries, IndexEntry{Key: key, Offset: off})
	return nil
}

// Close flushes and syncs both files and renames them into place, the .rec
// first so a published .idx never points into a missing file. After a
// failed Write it discards both and returns that error.
func (iw *IndexedWriter) Close() error {
	if iw.closed {
		return nil
	}
	if iw.err != nil {
		iw.Abort()
		return iw.err
	}
	err := iw.recBuf.Flush()
	if err == nil {
		err = WriteIndex(iw.idxTmp, iw.entries)
	}
	for _, f := range []*os.File{iw.recTmp, iw.idxTmp} {
		if err == nil {
			err = f.Chmod(0o644) // CreateTemp makes 0600 files
		}
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err == nil {
		err = os.Rename(iw.recTmp.Name(), iw.recPath)
	}
	if err == nil {
		err = os.Rename(iw.idxTmp.Name(), iw.idxPath)
	}
	iw.closed = true
	if err != nil {
		os.Remove(iw.recTmp.Name())
		os.Remove(iw.idxTmp.Name())
		return fmt.Errorf("recordio: close %s: %w", iw.recPath, err)
	}
	return nil
}

// Abort discards everything written; the target paths are left untouched.
func (iw *IndexedWriter) Abort() {
	if iw.closed {
		return
	}
	iw.closed = true
	iw.recTmp.Close()
	iw.idxTmp.Close()
	os.Remove(iw.recTmp.Name())
	os.Remove(iw.idxTmp.Name())
}
