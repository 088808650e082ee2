// Package data loads training data: datasets (a length and an i-th
// sample), samplers that choose the order, batchify functions that merge
// samples, and a DataLoader that runs it all on worker goroutines and hands
// out batches in order, like Gluon's gluon.data.
//
//	ds := data.NewArrayDataset(images, labels)
//	loader, _ := data.NewDataLoader(ds, data.LoaderOptions{BatchSize: 64, Shuffle: true, NumWorkers: 2})
//	for batch, err := range loader.Batches(ctx) {
//		if err != nil { ... }
//		x, y := batch[0], batch[1]
//	}
//
// Subpackages: vision (MNIST, CIFAR, image folders, transforms) and
// recordio (MXNet's .rec/.idx record files).
package data
