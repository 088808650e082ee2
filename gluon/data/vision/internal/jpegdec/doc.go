// Package jpegdec decodes baseline JPEG images straight into interleaved
// 8-bit pixels, the layout the vision package hands to transforms. It is a
// faster replacement for image/jpeg on the common case of the input
// pipeline (sequential Huffman-coded 8-bit JPEG, gray or YCbCr with 4:4:4,
// 4:2:2, 4:4:0 or 4:2:0 sampling, with or without restart markers):
//
//	img, err := jpegdec.Decode(data, false, nil) // img.Pix is H×W×3 RGB
//	if errors.Is(err, jpegdec.ErrUnsupported) {
//		// progressive, arithmetic-coded, 12-bit, CMYK, RGB-coded...: use image/jpeg
//	}
//
// It differs from image/jpeg in ways that keep the pixels within a few
// levels of image/jpeg's: it uses the LL&M integer IDCT of the IJG library
// (image/jpeg uses another integer IDCT; the two round differently, by at
// most a few levels, see the tests), and box (nearest) chroma upsampling
// and the JFIF YCbCr→RGB conversion in the 16.16 fixed point of
// image/color, exactly as image/jpeg with image/color does. Like libjpeg it
// does not require the EOI marker after the last scan.
//
// The speed comes from decoding one MCU row at a time into small planes
// that stay in cache and converting them to RGB at once, from Huffman
// lookup tables that decode a code, its run and its coefficient in one
// step, from an IDCT that skips all-zero columns and DC-only blocks, and
// from a 64-bit bit reader that loads eight bytes at a time when none is a
// marker. Corrupt input returns an error wrapping ErrCorrupt and never
// panics (the package has a fuzz target); a decode allocates the output
// unless a large enough buffer is passed in.
package jpegdec
