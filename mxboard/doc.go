// Package mxboard provides TensorBoard logging for MXGo, in the spirit of
// MXNet's MXBoard: a SummaryWriter that writes TensorBoard event files
// (TFRecord framing with masked CRC-32C, Event/Summary protobufs with
// TensorBoard's field numbers) and a reader for such files.
//
// # Overview
//
//	w, err := mxboard.NewSummaryWriter("runs/mnist", mxboard.Options{})
//	if err != nil { ... }
//	defer w.Close()
//	for step := range steps {
//		w.AddScalar("train/loss", loss, int64(step))
//	}
//
// AddScalar and AddScalars log curves; AddHistogram, AddImage, AddAudio,
// AddText, AddPRCurve, AddGraph and AddEmbedding log the other dashboards'
// data. Values come as plain Go slices, image.Image, or any Tensor (shape
// plus float32 data), so NDArrays plug in through a small adapter.
//
// Reading: ReadEvents and EventReader iterate the records of one file,
// checking both CRCs; LoadRuns gathers the runs, tags and scalars of a whole
// log directory (the board subpackage plots and exports them).
//
// # Concurrency
//
// Add methods only queue records: a background goroutine encodes them and
// writes them to the files every Options.FlushInterval, on Flush and on
// Close. A SummaryWriter is safe for concurrent use. A crash loses at most
// the records not yet flushed; the file stays readable up to them.
//
// # Errors
//
// Bad input returns an error naming the method and tag. Write failures of
// the background goroutine are sticky: Err, Flush, Close and later Add
// calls return them.
package mxboard
