package engine

import "unsafe"

// hostAllocator serves CPU memory from the Go heap. Blocks are []uint64
// (no pointers, so the GC never scans them) offset to a 64-byte boundary,
// which keeps float64 and SIMD loads aligned.
type hostAllocator struct{}

const hostAlign = 64

func (hostAllocator) Alloc(_ Device, nbytes int) (Block, error) {
	words := make([]uint64, (nbytes+hostAlign-8+7)/8)
	base := unsafe.Pointer(unsafe.SliceData(words))
	off := (hostAlign - uintptr(base)%hostAlign) % hostAlign
	p := unsafe.Add(base, off)
	return Block{Host: unsafe.Slice((*byte)(p), nbytes), Ptr: uintptr(p)}, nil
}

// Free leaves the block to the garbage collector.
func (hostAllocator) Free(Device, Block) {}

func (hostAllocator) Capacity(Device) int64 { return 0 }
