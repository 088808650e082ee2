package nd

import (
	"fmt"

	"github.com/mxgo/mxgo/nd/kernels"
)

// Matrix products: dot, batch_dot, matmul and FullyConnected. Every kernel
// ends in one GEMM call per matrix pair (kernels.Sgemm for float32,
// kernels.Dgemm for float64, a plain loop for integers); transposes are
// passed to the GEMM as flags and never materialized.

// DotAttrs are the attributes of dot and batch_dot.
type DotAttrs struct {
	TransposeA bool `mx:"transpose_a"`
	TransposeB bool `mx:"transpose_b"`
}

// MatmulAttrs are the attributes of _npi_matmul. NumPy's matmul has none;
// the transpose flags (which swap the last two axes of an operand) exist so
// that the gradient is written with matmul itself.
type MatmulAttrs struct {
	TransposeA bool `mx:"transpose_a"`
	TransposeB bool `mx:"transpose_b"`
}

// FullyConnectedAttrs are the attributes of FullyConnected.
//
// MXNet's flatten defaults to true, so the field is inverted to keep the
// zero value MXNet's default: NoFlatten is true exactly when the graph
// attribute flatten is "False". The tag's "negate" option tells the
// attribute parser to store the negation of the parsed bool.
type FullyConnectedAttrs struct {
	// NumHidden is the number of output units; 0 takes it from the
	// weight's first dimension.
	NumHidden int  `mx:"num_hidden"`
	NoBias    bool `mx:"no_bias"`
	// NoFlatten keeps the leading axes of data (only the last is
	// contracted) instead of flattening data to (batch, in_units).
	NoFlatten bool `mx:"flatten,negate"`
}

var opDot, opBatchDot, opMatmul, opFullyConnected, opFCParamGrad *OpDef

func init() {
	opDot = RegisterOp(&OpDef{
		Name:       "dot",
		Aliases:    []string{"_np_dot"},
		Attrs:      DotAttrs{},
		NumInputs:  2,
		InferShape: dotInferShape,
		InferType:  binaryType,
		Kernels:    cpu(dotKernel),
		Grad:       dotGrad,
	})
	opBatchDot = RegisterOp(&OpDef{
		Name:       "batch_dot",
		Attrs:      DotAttrs{},
		NumInputs:  2,
		InferShape: batchDotInferShape,
		InferType:  binaryType,
		Kernels:    cpu(batchDotKernel),
		// Same rule as for matrices, one batch element at a time.
		Grad: func(g *GradArgs) []*NDArray {
			at := g.Attrs.(DotAttrs)
			ga, gb := dotGradPair(at.TransposeA, at.TransposeB, g.Inputs[0], g.Inputs[1], g.OutGrads[0],
				func(x, y *NDArray, tx, ty bool) *NDArray { return BatchDotT(x, y, tx, ty) })
			return []*NDArray{ga, gb}
		},
	})
	opMatmul = RegisterOp(&OpDef{
		Name:       "_npi_matmul",
		Aliases:    []string{"matmul", "_np_matmul"},
		Attrs:      MatmulAttrs{},
		NumInputs:  2,
		InferShape: matmulInferShape,
		InferType:  binaryType,
		Kernels:    cpu(matmulKernel),
		Grad:       matmulGrad,
	})
	opFullyConnected = RegisterOp(&OpDef{
		Name:       "FullyConnected",
		Attrs:      FullyConnectedAttrs{},
		NumInputs:  -1,
		InferShape: fcInferShape,
		InferType:  fcInferType,
		Kernels:    cpu(fcKernel),
		Grad:       fcGrad,
	})
	// _fully_connected_param_grad(G, X) = (Gᵀ·X, Σ_rows G): a dense
	// layer's weight and bias gradients from one op (one engine push and
	// one tape node instead of two), the bias sum done while G is hot.
	opFCParamGrad = RegisterOp(&OpDef{
		Name:       "_fully_connected_param_grad",
		NumInputs:  2,
		NumOutputs: 2,
		InferShape: fcParamGradInferShape,
		InferType: func(_ any, in []DType) ([]DType, error) {
			if in[0] != in[1] || (in[0] != Float32 && in[0] != Float64) {
				return nil, fmt.Errorf("dtypes %v: want one of float32, float64", in)
			}
			return []DType{in[0], in[0]}, nil
		},
		Kernels: cpu(fcParamGradKernel),
		Grad:    fcParamGradGrad,
	})
}

// dotReshape returns x with the explicit shape s (same size): x itself when
// the shape matches, else Reshape. An empty s holds no values, so zeros of
// that shape stand for it (Reshape would read a 0 in s as "keep this axis").
func dotReshape(x *NDArray, s Shape) *NDArray {
	switch {
	case x.shape.Equal(s):
		return x
	case s.Size() == 0:
		return Zeros(s, OfType(x.dtype), On(x.Device()))
	}
	return Reshape(x, s, false)
}

// Dot returns the dot product of a and b with MXNet's semantics: the last
// axis of a is contracted with the first axis of b, so
// out[i..., j...] = Σₖ a[i..., k]·b[k, j...].
//
// Shapes: (A..., K) · (K, B...) → (A..., B...); two vectors give a scalar of
// shape (). It panics if the contracted sizes differ or the dtypes differ.
func Dot(a, b *NDArray) *NDArray { return Invoke1(opDot, DotAttrs{}, a, b) }

// DotT is Dot with MXNet's transpose flags. transposeA contracts the first
// axis of a instead of its last (a is read as the matrix (a₀, rest)
// transposed), and the output keeps a's other axes; transposeB contracts the
// last axis of b instead of its first. Vectors cannot be transposed.
func DotT(a, b *NDArray, transposeA, transposeB bool) *NDArray {
	return Invoke1(opDot, DotAttrs{transposeA, transposeB}, a, b)
}

// Dot returns Dot(a, b).
func (a *NDArray) Dot(b *NDArray) *NDArray { return Dot(a, b) }

// BatchDot returns the matrix product of each pair of matrices in a batch:
// out[n] = a[n]·b[n].
//
// Shapes: (N..., M, K) · (N..., K, P) → (N..., M, P); the batch axes must be
// equal (no broadcasting: use Matmul for that). It panics if the operands
// have fewer than 3 axes or the shapes do not match.
func BatchDot(a, b *NDArray) *NDArray { return Invoke1(opBatchDot, DotAttrs{}, a, b) }

// BatchDotT is BatchDot with each matrix of a (transposeA) or of b
// (transposeB) transposed.
func BatchDotT(a, b *NDArray, transposeA, transposeB bool) *NDArray {
	return Invoke1(opBatchDot, DotAttrs{transposeA, transposeB}, a, b)
}

// Matmul returns the matrix product of a and b with NumPy's semantics: the
// last two axes are matrices and the leading (batch) axes broadcast. A 1-D a
// is read as a row (1, K) and a 1-D b as a column (K, 1); the added axis is
// removed from the result.
//
// Shapes: (…, M, K) · (…, K, N) → (broadcast(…), M, N). It panics if an
// operand is a scalar, the inner sizes differ or the batch axes do not
// broadcast.
func Matmul(a, b *NDArray) *NDArray { return Invoke1(opMatmul, MatmulAttrs{}, a, b) }

// Matmul returns Matmul(a, b).
func (a *NDArray) Matmul(b *NDArray) *NDArray { return Matmul(a, b) }

// FullyConnected applies a dense layer: out = x·Wᵀ + b.
//
// Shapes: weight is (num_hidden, in_units) and bias (num_hidden,). By default
// x (N, d₁, …) is flattened to (N, in_units) and the output is
// (N, num_hidden); with attrs.NoFlatten the last axis of x is contracted
// and the output is (…, num_hidden). A nil bias means no bias (NoBias is
// then set); attrs.NumHidden 0 is taken from weight. It panics if the shapes
// disagree.
func FullyConnected(x, weight, bias *NDArray, attrs FullyConnectedAttrs) *NDArray {
	if attrs.NumHidden == 0 && weight.Ndim() > 0 {
		attrs.NumHidden = weight.shape[0]
	}
	if bias == nil {
		attrs.NoBias = true
		return Invoke1(opFullyConnected, attrs, x, weight)
	}
	if attrs.NoBias {
		panicf("FullyConnected", "a bias was given with NoBias set")
	}
	return Invoke1(opFullyConnected, attrs, x, weight, bias)
}

// dotGeom is the 2-D reading of a dot call: a is stored as ar×ac, b as
// br×bc, and out = op(a)·op(b) is m×n with inner size k. It holds no
// shape (dotOutShape builds the output's), so the kernel allocates nothing.
type dotGeom struct {
	ar, ac, br, bc int
	m, n, k        int
}

// dotGeometry applies MXNet's dot shape rule (see DotT).
func dotGeometry(as, bs Shape, ta, tb bool) (dotGeom, error) {
	var g dotGeom
	if len(as) == 0 || len(bs) == 0 {
		return g, fmt.Errorf("operands must have at least 1 axis (use Mul for scalars)")
	}
	if len(as) == 1 && len(bs) == 1 {
		if ta || tb {
			return g, fmt.Errorf("cannot transpose vectors")
		}
		if as[0] != bs[0] {
			return g, fmt.Errorf("vector lengths %d != %d", as[0], bs[0])
		}
		return dotGeom{ar: 1, ac: as[0], br: bs[0], bc: 1, m: 1, n: 1, k: as[0]}, nil
	}
	if ta {
		g.ar, g.ac = as[0], Shape(as[1:]).Size()
		g.m, g.k = g.ac, g.ar
	} else {
		g.ar, g.ac = Shape(as[:len(as)-1]).Size(), as[len(as)-1]
		g.m, g.k = g.ar, g.ac
	}
	kb := 0
	if tb {
		g.br, g.bc = Shape(bs[:len(bs)-1]).Size(), bs[len(bs)-1]
		g.n, kb = g.br, g.bc
	} else {
		g.br, g.bc = bs[0], Shape(bs[1:]).Size()
		g.n, kb = g.bc, g.br
	}
	if g.k != kb {
		return g, fmt.Errorf("contracted sizes %d != %d (transpose_a=%v, transpose_b=%v)", g.k, kb, ta, tb)
	}
	return g, nil
}

// dotOutShape is the output shape of a valid dot call: the axes of a and
// b that are not contracted (two vectors give a scalar).
func dotOutShape(as, bs Shape, ta, tb bool) Shape {
	if len(as) == 1 && len(bs) == 1 {
		return Shape{}
	}
	aKeep, bKeep := as[:len(as)-1], bs[1:]
	if ta {
		aKeep = as[1:]
	}
	if tb {
		bKeep = bs[:len(bs)-1]
	}
	out := make(Shape, 0, len(aKeep)+len(bKeep))
	if len(as) > 1 {
		out = append(out, aKeep...)
	}
	if len(bs) > 1 {
		out = append(out, bKeep...)
	}
	return out
}

func dotInferShape(a any, in []Shape) ([]Shape, error) {
	at := a.(DotAttrs)
	if _, err := dotGeometry(in[0], in[1], at.TransposeA, at.TransposeB); err != nil {
		return nil, err
	}
	return []Shape{dotOutShape(in[0], in[1], at.TransposeA, at.TransposeB)}, nil
}

func dotKernel(k *KernelArgs) error {
	at := k.Attrs.(DotAttrs)
	a, b, o := k.In[0], k.In[1], k.Out[0]
	g, err := dotGeometry(a.Shape, b.Shape, at.TransposeA, at.TransposeB)
	if err != nil {
		return err
	}
	return dotGemm(o.DType, at.TransposeA, at.TransposeB, g.m, g.n, g.k, a, 0, g.ac, b, 0, g.bc, o, 0, false)
}

// dotGemm computes C = op(A)·op(B) (+ C when accumulate) on blobs of one
// dtype, where A starts at element aOff of a with row stride lda, and so
// on. C has row stride n.
func dotGemm(t DType, ta, tb bool, m, n, k int, a Blob, aOff, lda int, b Blob, bOff, ldb int, c Blob, cOff int, accumulate bool) error {
	if m == 0 || n == 0 {
		return nil
	}
	lda, ldb = max(lda, 1), max(ldb, 1)
	switch t {
	case Float32:
		beta := float32(0)
		if accumulate {
			beta = 1
		}
		kernels.Sgemm(ta, tb, m, n, k, 1, a.F32()[aOff:], lda, b.F32()[bOff:], ldb, beta, c.F32()[cOff:], n)
	case Float64:
		beta := 0.0
		if accumulate {
			beta = 1
		}
		kernels.Dgemm(ta, tb, m, n, k, 1, a.F64()[aOff:], lda, b.F64()[bOff:], ldb, beta, c.F64()[cOff:], n)
	case Int32:
		dotLoop(ta, tb, m, n, k, Elems[int32](a)[aOff:], lda, Elems[int32](b)[bOff:], ldb, Elems[int32](c)[cOff:], accumulate)
	case Int64:
		dotLoop(ta, tb, m, n, k, Elems[int64](a)[aOff:], lda, Elems[int64](b)[bOff:], ldb, Elems[int64](c)[cOff:], accumulate)
	case Uint8:
		dotLoop(ta, tb, m, n, k, Elems[uint8](a)[aOff:], lda, Elems[uint8](b)[bOff:], ldb, Elems[uint8](c)[cOff:], accumulate)
	case Int8:
		dotLoop(ta, tb, m, n, k, Elems[int8](a)[aOff:], lda, Elems[int8](b)[bOff:], ldb, Elems[int8](c)[cOff:], accumulate)
	case Float16, BFloat16:
		return fmt.Errorf("%v is a storage type: cast to float32 to compute", t)
	default:
		return fmt.Errorf("dtype %v not supported (cast to float32)", t)
	}
	return nil
}

// dotLoop is the integer GEMM (wrapping arithmetic, like NumPy's), in i-p-j
// order so the inner loop runs along rows of B and C.
func dotLoop[T integer](ta, tb bool, m, n, k int, a []T, lda int, b []T, ldb int, c []T, accumulate bool) {
	for i := 0; i < m; i++ {
		row := c[i*n : i*n+n]
		if !accumulate {
			clear(row)
		}
		for p := 0; p < k; p++ {
			var av T
			if ta {
				av = a[p*lda+i]
			} else {
				av = a[i*lda+p]
			}
			if av == 0 {
				continue
			}
			if tb {
				for j := range row {
					row[j] += av * b[j*ldb+p]
				}
			} else {
				brow := b[p*ldb : p*ldb+n]
				for j, bv := range brow {
					row[j] += av * bv
				}
			}
		}
	}
}

// dotGradPair returns the gradients of out = op(x)·op(y) for a matrix-product
// op f(x, y, tx, ty) (dot on matrices, batch_dot or matmul):
//
//	(F,F): dx = g·yᵀ   dy = xᵀ·g
//	(T,F): dx = y·gᵀ   dy = x·g
//	(F,T): dx = g·y    dy = gᵀ·x
//	(T,T): dx = yᵀ·gᵀ  dy = gᵀ·xᵀ
func dotGradPair(ta, tb bool, x, y, g *NDArray, f func(p, q *NDArray, tp, tq bool) *NDArray) (dx, dy *NDArray) {
	switch {
	case !ta && !tb:
		return f(g, y, false, true), f(x, g, true, false)
	case ta && !tb:
		return f(y, g, false, true), f(x, g, false, false)
	case !ta && tb:
		return f(g, y, false, false), f(g, x, true, false)
	default:
		return f(y, g, true, true), f(g, x, true, true)
	}
}

// dotGrad reads the operands as the matrices the kernel multiplies, applies
// the matrix rule and reshapes the results back.
func dotGrad(g *GradArgs) []*NDArray {
	at := g.Attrs.(DotAttrs)
	a, b, og := g.Inputs[0], g.Inputs[1], g.OutGrads[0]
	geo, err := dotGeometry(a.shape, b.shape, at.TransposeA, at.TransposeB)
	must("dot", err)
	if a.Ndim() == 1 && b.Ndim() == 1 {
		// d(a·b) = (g·b, g·a) with g a scalar
		return []*NDArray{og.Mul(b), og.Mul(a)}
	}
	a2 := dotReshape(a, Shape{geo.ar, geo.ac})
	b2 := dotReshape(b, Shape{geo.br, geo.bc})
	g2 := dotReshape(og, Shape{geo.m, geo.n})
	ga, gb := dotGradPair(at.TransposeA, at.TransposeB, a2, b2, g2, DotT)
	return []*NDArray{dotReshape(ga, a.shape), dotReshape(gb, b.shape)}
}

func batchDotInferShape(a any, in []Shape) ([]Shape, error) {
	at := a.(DotAttrs)
	as, bs := in[0], in[1]
	if len(as) < 3 || len(bs) < 3 || len(as) != len(bs) {
		return nil, fmt.Errorf("operands must both have the same number (at least 3) of axes")
	}
	nb := len(as) - 2
	if !Shape(as[:nb]).Equal(bs[:nb]) {
		return nil, fmt.Errorf("batch axes %v and %v differ", Shape(as[:nb]), Shape(bs[:nb]))
	}
	m, k := as[nb], as[nb+1]
	if at.TransposeA {
		m, k = k, m
	}
	kb, n := bs[nb], bs[nb+1]
	if at.TransposeB {
		kb, n = n, kb
	}
	if k != kb {
		return nil, fmt.Errorf("inner sizes %d != %d (transpose_a=%v, transpose_b=%v)", k, kb, at.TransposeA, at.TransposeB)
	}
	out := append(Shape(as[:nb]).Clone(), m, n)
	return []Shape{out}, nil
}

func batchDotKernel(k *KernelArgs) error {
	at := k.Attrs.(DotAttrs)
	a, b, o := k.In[0], k.In[1], k.Out[0]
	nb := len(a.Shape) - 2
	batch := Shape(a.Shape[:nb]).Size()
	m, n := o.Shape[nb], o.Shape[nb+1]
	kk := a.Shape[nb+1]
	if at.TransposeA {
		kk = a.Shape[nb]
	}
	aSize, bSize := a.Shape[nb]*a.Shape[nb+1], b.Shape[nb]*b.Shape[nb+1]
	return dotBatched(o.DType, at.TransposeA, at.TransposeB, m, n, kk, a, a.Shape[nb+1], aSize, b, b.Shape[nb+1], bSize, o, batch)
}

// dotBatched computes batch products C_i = op(A_i)·op(B_i), A_i starting at
// element i*strideA of a (a stride of 0 reuses one matrix), and so on; C is
// contiguous. float32 goes to kernels.SgemmBatched, which runs small
// products in parallel over the batch.
func dotBatched(t DType, ta, tb bool, m, n, k int, a Blob, lda, strideA int, b Blob, ldb, strideB int, c Blob, batch int) error {
	if t == Float32 && m > 0 && n > 0 {
		kernels.SgemmBatched(ta, tb, m, n, k, 1, a.F32(), max(lda, 1), strideA, b.F32(), max(ldb, 1), strideB, 0, c.F32(), n, m*n, batch)
		return nil
	}
	for i := 0; i < batch; i++ {
		if err := dotGemm(t, ta, tb, m, n, k, a, i*strideA, lda, b, i*strideB, ldb, c, i*m*n, false); err != nil {
			return err
		}
	}
	return nil
}

// matmulGeom is the reading of a matmul call: a is a stack of ar×ac matrices
// over batch axes aBatch (after promoting a vector), b likewise, and the
// output stacks m×n matrices over the broadcast batch axes.
type matmulGeom struct {
	a1, b1         Shape // operand shapes after promoting vectors
	ar, ac, br, bc int
	m, n, k        int
	batch          Shape
	out            Shape
}

func matmulGeometry(as, bs Shape, ta, tb bool) (matmulGeom, error) {
	var g matmulGeom
	if len(as) == 0 || len(bs) == 0 {
		return g, fmt.Errorf("operands must have at least 1 axis (use Mul for scalars)")
	}
	if (ta && len(as) == 1) || (tb && len(bs) == 1) {
		return g, fmt.Errorf("cannot transpose vectors")
	}
	g.a1, g.b1 = as, bs
	if len(as) == 1 {
		g.a1 = Shape{1, as[0]}
	}
	if len(bs) == 1 {
		g.b1 = Shape{bs[0], 1}
	}
	na, nb := len(g.a1), len(g.b1)
	g.ar, g.ac = g.a1[na-2], g.a1[na-1]
	g.br, g.bc = g.b1[nb-2], g.b1[nb-1]
	g.m, g.k = g.ar, g.ac
	if ta {
		g.m, g.k = g.ac, g.ar
	}
	kb, n := g.br, g.bc
	if tb {
		kb, n = g.bc, g.br
	}
	g.n = n
	if g.k != kb {
		return g, fmt.Errorf("inner sizes %d != %d", g.k, kb)
	}
	batch, err := BroadcastShapes(g.a1[:na-2], g.b1[:nb-2])
	if err != nil {
		return g, fmt.Errorf("batch axes: %w", err)
	}
	g.batch = batch
	g.out = batch.Clone()
	if len(as) > 1 {
		g.out = append(g.out, g.m)
	}
	if len(bs) > 1 {
		g.out = append(g.out, g.n)
	}
	return g, nil
}

func matmulInferShape(a any, in []Shape) ([]Shape, error) {
	at := a.(MatmulAttrs)
	g, err := matmulGeometry(in[0], in[1], at.TransposeA, at.TransposeB)
	if err != nil {
		return nil, err
	}
	return []Shape{g.out}, nil
}

func matmulKernel(k *KernelArgs) error {
	at := k.Attrs.(MatmulAttrs)
	a, b, o := k.In[0], k.In[1], k.Out[0]
	g, err := matmulGeometry(a.Shape, b.Shape, at.TransposeA, at.TransposeB)
	if err != nil {
		return err
	}
	nb := len(g.batch)
	aBatch, bBatch := g.a1[:len(g.a1)-2], g.b1[:len(g.b1)-2]
	aSize, bSize, oSize := g.ar*g.ac, g.br*g.bc, g.m*g.n
	// One operand's batch equal to the output's and the other's either equal
	// or a single matrix: a strided batch.
	strideOf := func(s Shape, size int) (int, bool) {
		switch {
		case s.Size() == 1:
			return 0, true
		case Shape(s).Equal(g.batch):
			return size, true
		}
		return 0, false
	}
	if stA, okA := strideOf(aBatch, aSize); okA {
		if stB, okB := strideOf(bBatch, bSize); okB {
			return dotBatched(o.DType, at.TransposeA, at.TransposeB, g.m, g.n, g.k, a, g.ac, stA, b, g.bc, stB, o, g.batch.Size())
		}
	}
	sa := bcastStrides(aBatch, g.batch)
	sb := bcastStrides(bBatch, g.batch)
	idx := make([]int, nb)
	for i, total := 0, g.batch.Size(); i < total; i++ {
		ai, bi := 0, 0
		for d := 0; d < nb; d++ {
			ai += idx[d] * sa[d]
			bi += idx[d] * sb[d]
		}
		err := dotGemm(o.DType, at.TransposeA, at.TransposeB, g.m, g.n, g.k,
			a, ai*aSize, g.ac, b, bi*bSize, g.bc, o, i*oSize, false)
		if err != nil {
			return err
		}
		for d := nb - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < g.batch[d] {
				break
			}
			idx[d] = 0
		}
	}
	return nil
}

func matmulT(x, y *NDArray, tx, ty bool) *NDArray {
	return Invoke1(opMatmul, MatmulAttrs{tx, ty}, x, y)
}

// matmulGrad applies the matrix rule on the promoted operands, then sums
// each gradient over the batch axes its operand was broadcast along.
func matmulGrad(g *GradArgs) []*NDArray {
	at := g.Attrs.(MatmulAttrs)
	a, b, og := g.Inputs[0], g.Inputs[1], g.OutGrads[0]
	geo, err := matmulGeometry(a.shape, b.shape, at.TransposeA, at.TransposeB)
	must("matmul", err)
	a2, b2 := dotReshape(a, geo.a1), dotReshape(b, geo.b1)
	g2 := dotReshape(og, append(geo.batch.Clone(), geo.m, geo.n))
	ga, gb := dotGradPair(at.TransposeA, at.TransposeB, a2, b2, g2, matmulT)
	ga = dotReshape(SumTo(ga, geo.a1), a.shape)
	gb = dotReshape(SumTo(gb, geo.b1), b.shape)
	return []*NDArray{ga, gb}
}

// fcGeometry returns the number of rows of the flattened data, in_units and
// num_hidden of a FullyConnected call with n inputs (data x, weight w and,
// when n is 3, bias), checking the shapes. It builds no shape, so the
// kernel allocates nothing (fcOutShape gives the output's).
func fcGeometry(at FullyConnectedAttrs, n int, x, w, bias Shape) (rows, units, hidden int, err error) {
	want := 3
	if at.NoBias {
		want = 2
	}
	if n != want {
		return 0, 0, 0, fmt.Errorf("got %d inputs, want %d (data, weight%s)", n, want, map[bool]string{false: ", bias", true: ""}[at.NoBias])
	}
	if len(x) == 0 {
		return 0, 0, 0, fmt.Errorf("data must have at least 1 axis")
	}
	if len(w) != 2 {
		return 0, 0, 0, fmt.Errorf("weight %v must be (num_hidden, in_units)", w)
	}
	hidden = w[0]
	if at.NumHidden != 0 && at.NumHidden != hidden {
		return 0, 0, 0, fmt.Errorf("num_hidden %d != weight rows %d", at.NumHidden, hidden)
	}
	if at.NoFlatten {
		rows, units = Shape(x[:len(x)-1]).Size(), x[len(x)-1]
	} else {
		rows, units = x[0], Shape(x[1:]).Size()
	}
	if units != w[1] {
		return 0, 0, 0, fmt.Errorf("data has %d input units, weight %v wants %d", units, w, w[1])
	}
	if !at.NoBias && (len(bias) != 1 || bias[0] != hidden) {
		return 0, 0, 0, fmt.Errorf("bias %v must be (%d,)", bias, hidden)
	}
	return rows, units, hidden, nil
}

// fcShapes calls fcGeometry on the shapes of a call's inputs.
func fcShapes(at FullyConnectedAttrs, in []Shape) (rows, units, hidden int, err error) {
	var x, w, bias Shape
	switch {
	case len(in) >= 3:
		bias = in[2]
		fallthrough
	case len(in) == 2:
		x, w = in[0], in[1]
	case len(in) == 1:
		x = in[0]
	}
	return fcGeometry(at, len(in), x, w, bias)
}

// fcOutShape is the output shape of a valid FullyConnected call on data x.
func fcOutShape(at FullyConnectedAttrs, x Shape, hidden int) Shape {
	if at.NoFlatten {
		return append(Shape(x[:len(x)-1]).Clone(), hidden)
	}
	return Shape{x[0], hidden}
}

func fcInferShape(a any, in []Shape) ([]Shape, error) {
	at := a.(FullyConnectedAttrs)
	_, _, hidden, err := fcShapes(at, in)
	if err != nil {
		return nil, err
	}
	return []Shape{fcOutShape(at, in[0], hidden)}, nil
}

func fcInferType(_ any, in []DType) ([]DType, error) {
	for _, t := range in[1:] {
		if t != in[0] {
			return nil, fmt.Errorf("dtypes %v differ (cast with AsType)", in)
		}
	}
	return []DType{in[0]}, nil
}

// fcKernel computes out = x·Wᵀ (+ b): the bias is written into every row of
// out first and the GEMM accumulates onto it, so adding it costs no pass of
// its own over the output.
func fcKernel(k *KernelArgs) error {
	at := k.Attrs.(FullyConnectedAttrs)
	var xs, ws, bs Shape
	switch {
	case len(k.In) >= 3:
		bs = k.In[2].Shape
		fallthrough
	case len(k.In) == 2:
		xs, ws = k.In[0].Shape, k.In[1].Shape
	case len(k.In) == 1:
		xs = k.In[0].Shape
	}
	rows, units, hidden, err := fcGeometry(at, len(k.In), xs, ws, bs)
	if err != nil {
		return err
	}
	x, w, o := k.In[0], k.In[1], k.Out[0]
	if !at.NoBias && o.DType == Float32 {
		// The GEMM places the bias tile by tile, in parallel.
		kernels.SgemmBias(false, true, rows, hidden, units, 1, x.F32(), max(units, 1), w.F32(), max(units, 1), k.In[2].F32(), o.F32(), max(hidden, 1))
		return nil
	}
	accumulate := false
	if !at.NoBias && rows > 0 && hidden > 0 {
		bias := k.In[2].Data
		rowBytes := len(bias)
		for r := 0; r < rows; r++ {
			copy(o.Data[r*rowBytes:(r+1)*rowBytes], bias)
		}
		accumulate = true
	}
	return dotGemm(o.DType, false, true, rows, hidden, units, x, 0, units, w, 0, units, o, 0, accumulate)
}

// fcGrad, with x read as the matrix X (rows, in_units) and G (rows, hidden):
//
//	dX = G·W    dW = Gᵀ·X    db = Σ_rows G
func fcGrad(g *GradArgs) []*NDArray {
	at := g.Attrs.(FullyConnectedAttrs)
	x, w, og := g.Inputs[0], g.Inputs[1], g.OutGrads[0]
	var bias Shape
	if len(g.Inputs) >= 3 {
		bias = g.Inputs[2].shape
	}
	rows, units, hidden, err := fcGeometry(at, len(g.Inputs), x.shape, w.shape, bias)
	must("FullyConnected", err)
	x2 := fcMatrix(x, rows, units)
	g2 := fcMatrix(og, rows, hidden)
	// The data gradient is skipped when nothing needs it (a network's
	// input): for a first layer it is a third of the backward GEMM work.
	var gx *NDArray
	if nnNeedsGrad(x) {
		gx = dotReshape(Dot(g2, w), x.shape)
	}
	// Eager backward may offer the parameters' gradient buffers (Into):
	// writing there saves a copy of the weight gradient, as large as the
	// weight, on every step.
	if !at.NoBias && og.dtype == x.dtype && (og.dtype == Float32 || og.dtype == Float64) {
		if gw, gb := g.into(1), g.into(2); gw != nil && gb != nil {
			InvokeInto(opFCParamGrad, nil, []*NDArray{g2, x2}, []*NDArray{gw, gb})
			return []*NDArray{gx, gw, gb}
		}
		pg := Invoke(opFCParamGrad, nil, g2, x2)
		return []*NDArray{gx, pg[0], pg[1]}
	}
	var gw *NDArray
	if og.dtype == x.dtype && og.dtype == w.dtype {
		gw = gradInto(g, 1, opDot, DotAttrs{true, false}, g2, x2)
	} else {
		gw = DotT(g2, x2, true, false)
	}
	grads := []*NDArray{gx, gw}
	if !at.NoBias {
		grads = append(grads, SumTo(g2, Shape{hidden}))
	}
	return grads
}

// fcMatrix returns x read as a rows×cols matrix: x itself when it is one
// (the common case, which then builds no shape).
func fcMatrix(x *NDArray, rows, cols int) *NDArray {
	if len(x.shape) == 2 && x.shape[0] == rows && x.shape[1] == cols {
		return x
	}
	return dotReshape(x, Shape{rows, cols})
}

func fcParamGradInferShape(_ any, in []Shape) ([]Shape, error) {
	g, x := in[0], in[1]
	if len(g) != 2 || len(x) != 2 || g[0] != x[0] {
		return nil, fmt.Errorf("want G (rows, hidden) and X (rows, units), got %v and %v", g, x)
	}
	return []Shape{{g[1], x[1]}, {g[1]}}, nil
}

func fcParamGradKernel(k *KernelArgs) error {
	g, x, dw, db := k.In[0], k.In[1], k.Out[0], k.Out[1]
	rows, hidden, units := g.Shape[0], g.Shape[1], x.Shape[1]
	if err := dotGemm(g.DType, true, false, hidden, units, rows, g, 0, hidden, x, 0, units, dw, 0, false); err != nil {
		return err
	}
	if g.DType == Float32 {
		// Σ_rows G as _sum_to reduces it (float64 accumulation), so the
		// fused op equals the two-op form bit for bit.
		reduceVec32(reduceSum, kernels.AccValue, db.F32(), g.F32(), Shape{rows, hidden}, []bool{true, false})
	} else {
		fcBiasGrad(db.F64(), g.F64(), rows, func(dst, src []float64) {
			for j, v := range src[:len(dst)] {
				dst[j] += v
			}
		})
	}
	return nil
}

// fcBiasGrad sums the rows of g into db, in row order (as _sum_to does
// for float64).
func fcBiasGrad[T float32 | float64](db, g []T, rows int, addTo func(dst, src []T)) {
	clear(db)
	h := len(db)
	for r := range rows {
		addTo(db, g[r*h:(r+1)*h])
	}
}

// fcParamGradGrad differentiates (dW, db) = (Gᵀ·X, Σ_rows G) given their
// gradients (HW, Hb):
//
//	dG = X·HWᵀ + Hb (broadcast over rows)    dX = G·HW
func fcParamGradGrad(g *GradArgs) []*NDArray {
	gm, x, hw, hb := g.Inputs[0], g.Inputs[1], g.OutGrads[0], g.OutGrads[1]
	return []*NDArray{Add(DotT(x, hw, false, true), hb), Dot(gm, hw)}
}
