package nd

import (
	"testing"
	"unsafe"
)

// Every small size gets memory of its own, 8-byte aligned, large enough and
// zeroed, and writing all of it leaves the array header intact.
func TestSmallArrayEverySize(t *testing.T) {
	for nbytes := 1; nbytes < smallArrayBytes; nbytes++ {
		a := newSmallArray(Shape{nbytes}, Uint8, CPU(), nbytes)
		m := a.st.mem()
		if len(m) != nbytes {
			t.Fatalf("%d bytes: memory of %d", nbytes, len(m))
		}
		if uintptr(unsafe.Pointer(unsafe.SliceData(m)))%8 != 0 {
			t.Fatalf("%d bytes: memory not 8-byte aligned", nbytes)
		}
		for i := range m {
			if m[i] != 0 {
				t.Fatalf("%d bytes: byte %d not zeroed", nbytes, i)
			}
			m[i] = 0xff
		}
		if !a.shape.Equal(Shape{nbytes}) || a.dtype != Uint8 || a.st.v != &a.st.vbuf {
			t.Fatalf("%d bytes: header overwritten", nbytes)
		}
	}
}

func TestElemSizeMatchesDType(t *testing.T) {
	for d := DType(-1); d < 20; d++ {
		if got, want := elemSize(d), d.Size(); got != want {
			t.Errorf("elemSize(%d) = %d, DType.Size = %d", d, got, want)
		}
	}
}

// Ops declared with the shared elementwise inference functions get the
// fast path; others keep calling theirs.
func TestResolveFast(t *testing.T) {
	cases := []struct {
		op    *OpDef
		shape fastShape
		typ   fastType
	}{
		{opAdd, fastShapeBinary, fastTypeBinary},
		{opCopy, fastShapeSame, fastTypeFirst},
	}
	for _, c := range cases {
		if c.op.fastShape != c.shape || c.op.fastType != c.typ || c.op.hostKernel == nil {
			t.Errorf("%s: fast path %v/%v (kernel %v), want %v/%v", c.op.Name, c.op.fastShape, c.op.fastType, c.op.hostKernel != nil, c.shape, c.typ)
		}
	}
	for _, name := range []string{"Cast", "dot", "sum"} {
		op, ok := LookupOp(name)
		if !ok {
			t.Fatalf("op %s not registered", name)
		}
		if _, _, fast := fastInfer(op, []*NDArray{Array([]float32{1}), Array([]float32{1})}[:max(op.NumInputs, 1)]); fast {
			t.Errorf("%s takes the elementwise fast path", name)
		}
	}
}
