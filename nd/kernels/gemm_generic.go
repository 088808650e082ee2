package kernels

import "unsafe"

// goKernel returns the pure-Go micro-kernel: a 4×4 tile in locals. It is
// the kernel under the noasm tag, for float64, and the oracle the assembly
// kernels are tested against through the same driver.
func goKernel[T float](name string) *microKernel[T] {
	return &microKernel[T]{name: name, mr: 4, nr: 4, mc: 128, kc: 256, nc: 2048, fn: microGo4x4[T],
		inPlaceC: func(kc int, a *T, as int, b *T, bs int, c *T, ldc int, beta T, mode int) {
			inPlaceGo4x4(kc, a, 1, as, b, bs, c, ldc, beta, mode)
		},
		inPlaceR: func(kc int, a *T, as int, b *T, bs int, c *T, ldc int, beta T, mode int) {
			inPlaceGo4x4(kc, a, as, 1, b, bs, c, ldc, beta, mode)
		},
	}
}

// inPlaceGo4x4 is microGo4x4 on operands in place: A element (i, p) at
// a[i·ai + p·ap], B row p at b[p·bs:].
func inPlaceGo4x4[T float](kc int, a *T, ai, ap int, b *T, bs int, c *T, ldc int, beta T, mode int) {
	if kc <= 0 {
		storeTile4x4(c, ldc, &[4][4]T{}, beta, mode)
		return
	}
	as := unsafe.Slice(a, 3*ai+(kc-1)*ap+1)
	bsl := unsafe.Slice(b, (kc-1)*bs+4)
	var acc [4][4]T
	for p := range kc {
		bv := bsl[p*bs : p*bs+4 : p*bs+4]
		for i := range 4 {
			ak := as[i*ai+p*ap]
			acc[i][0] += ak * bv[0]
			acc[i][1] += ak * bv[1]
			acc[i][2] += ak * bv[2]
			acc[i][3] += ak * bv[3]
		}
	}
	storeTile4x4(c, ldc, &acc, beta, mode)
}

func microGo4x4[T float](kc int, a, b, c *T, ldc int, beta T, mode int) {
	as := unsafe.Slice(a, 4*kc)
	bs := unsafe.Slice(b, 4*kc)
	var c00, c01, c02, c03, c10, c11, c12, c13 T
	var c20, c21, c22, c23, c30, c31, c32, c33 T
	for p := 0; p < kc; p++ {
		av := as[4*p : 4*p+4 : 4*p+4]
		bv := bs[4*p : 4*p+4 : 4*p+4]
		b0, b1, b2, b3 := bv[0], bv[1], bv[2], bv[3]
		a0 := av[0]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		a1 := av[1]
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		a2 := av[2]
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		a3 := av[3]
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	acc := [4][4]T{{c00, c01, c02, c03}, {c10, c11, c12, c13}, {c20, c21, c22, c23}, {c30, c31, c32, c33}}
	storeTile4x4(c, ldc, &acc, beta, mode)
}

// storeTile4x4 writes a 4×4 tile of sums to c (row stride ldc) as mode
// says.
func storeTile4x4[T float](c *T, ldc int, acc *[4][4]T, beta T, mode int) {
	cs := unsafe.Slice(c, 3*ldc+4)
	for i := range 4 {
		row := cs[i*ldc : i*ldc+4 : i*ldc+4]
		switch mode {
		case modeStore:
			copy(row, acc[i][:])
		case modeAdd:
			for j := range row {
				row[j] += acc[i][j]
			}
		default:
			for j := range row {
				row[j] = beta*row[j] + acc[i][j]
			}
		}
	}
}
