// Package transforms provides Gluon's image transforms for data loading:
// conversion (ToTensor, Normalize, Cast), geometry (Resize, CenterCrop,
// CropResize, RandomCrop, RandomResizedCrop, flips, Rotate,
// RandomRotation), color (RandomBrightness, RandomContrast,
// RandomSaturation, RandomHue, RandomColorJitter, RandomLighting,
// RandomGray) and composition (Compose, RandomApply).
//
//	train := transforms.Compose(
//		&transforms.RandomResizedCrop{Width: 224, Seed: 1},
//		&transforms.RandomFlipLeftRight{Seed: 2},
//		transforms.ToTensor{},
//		transforms.Normalize{Mean: []float64{0.485, 0.456, 0.406}, Std: []float64{0.229, 0.224, 0.225}},
//	)
//	x, err := train.Apply(img) // (H, W, 3) uint8 -> (3, 224, 224) float32
//
// # Overview
//
// Images are (H, W, C) arrays, or (N, H, W, C) batches, of uint8 or float32
// with C = 3 (RGB) or 1, as vision's decoders produce; ToTensor turns them
// into float32 (C, H, W) in [0, 1], which Normalize and Rotate expect. The
// pixel math follows MXNet's image operators, which use OpenCV: bilinear
// resizing uses half-pixel centers without antialiasing and 11-bit
// fixed-point weights for uint8, and uint8 results are rounded and
// saturated. It runs on Go slices, and Compose hands one pixel buffer from
// step to step, so a chain costs one copy in and one copy out.
//
// # Randomness
//
// Random transforms draw from their own PCG source seeded by their Seed
// field, so a transform used from one goroutine gives the same sequence on
// every run. They may be shared by DataLoader workers: draws are
// serialized, the pixel work is not (the order in which workers draw then
// decides which sample gets which draw).
package transforms
