// Package vision provides Gluon's vision datasets and image loading: MNIST
// and Fashion-MNIST (IDX files), CIFAR-10 and CIFAR-100 (binary batches),
// images in class folders (ImageFolderDataset) or named by a list
// (ImageListDataset), images packed in RecordIO files by im2rec
// (ImageRecordDataset), and JPEG/PNG decoding to (H, W, C) uint8 arrays.
// Transforms live in the transforms subpackage.
//
//	ds, err := vision.NewImageRecordDataset("train.rec", false) // train.idx beside it
//	if err != nil { ... }
//	aug := transforms.Compose(&transforms.RandomResizedCrop{Width: 224, Seed: 1}, transforms.ToTensor{})
//	train := data.TransformFirst(ds, func(x any) (any, error) { return aug.Apply(x.(*nd.NDArray)) })
//	loader, err := data.NewDataLoader(train, data.LoaderOptions{BatchSize: 32, NumWorkers: 2})
//
// Dataset files live under $MXNET_HOME/datasets/NAME (default ~/.mxnet) and
// are downloaded from $MXNET_GLUON_REPO with SHA-1 checks when missing; the
// MNIST files shipped in the repository's data/ are used when offline.
package vision
