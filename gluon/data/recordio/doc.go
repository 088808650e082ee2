// Package recordio reads and writes dmlc RecordIO files (.rec), their .idx
// indexes and im2rec .lst lists, byte-compatible with MXNet.
//
// # Overview
//
// A .rec file is a sequence of frames: magic 0xCED7230A, a length word whose
// upper 3 bits flag split records, the payload and zero padding to 4 bytes.
// [Writer] and [Reader] stream records; [Open] gives random access by key
// through the .idx file, and [Create] writes a .rec/.idx pair atomically.
// [NewPartReader] splits one file across workers so each record is read once.
// Image records begin with a [Header] ([Pack], [Unpack]).
//
//	ir, err := recordio.Open("train.rec", "") // train.idx beside it
//	if err != nil { ... }
//	defer ir.Close()
//	for _, key := range ir.Keys() {
//		rec, err := ir.Read(key)
//		h, jpeg, err := recordio.Unpack(rec)
//		...
//	}
//
// # Errors
//
// Malformed input returns a *[FormatError] that names the offset (or line)
// and, for opened files, the file; it wraps [ErrCorrupt]. Nothing panics on
// bad bytes, and a corrupt length cannot make a reader allocate much more
// than the input holds.
//
// # Concurrency
//
// An [IndexedReader] may be shared by goroutines. Reader and Writer may not.
package recordio
