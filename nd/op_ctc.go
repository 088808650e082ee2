package nd

import (
	"fmt"
	"math"
	"sync"

	"github.com/mxgo/mxgo/nd/kernels"
)

// CTCLossAttrs are the attributes of CTCLoss.
type CTCLossAttrs struct {
	UseDataLengths  bool   `mx:"use_data_lengths"`
	UseLabelLengths bool   `mx:"use_label_lengths"`
	BlankLabel      string `mx:"blank_label"` // "first" (default) or "last"
}

func (a CTCLossAttrs) blankLast() (bool, error) {
	switch a.BlankLabel {
	case "", "first":
		return false, nil
	case "last":
		return true, nil
	}
	return false, fmt.Errorf("blank_label %q: want first or last", a.BlankLabel)
}

func (a CTCLossAttrs) numInputs() int {
	n := 2
	if a.UseDataLengths {
		n++
	}
	if a.UseLabelLengths {
		n++
	}
	return n
}

var opCTCLoss *OpDef

func init() {
	// CTC (Graves et al. 2006) over unnormalized activations data (T, N, C):
	// loss_n = -log Σ_{paths π → label_n} Π_t softmax(data[t,n])[π_t].
	// The forward-backward pass also gives ∂loss_n/∂data, kept as a second
	// output (MXNet's hidden gradient output), so Grad is one multiply.
	opCTCLoss = RegisterOp(&OpDef{
		Name: "CTCLoss", Aliases: []string{"ctc_loss", "_contrib_CTCLoss", "_contrib_ctc_loss"},
		Attrs: CTCLossAttrs{}, NumInputs: -1, NumOutputs: 2,
		InferShape: ctcShape,
		InferType: func(_ any, in []DType) ([]DType, error) {
			if in[0] != Float32 && in[0] != Float64 {
				return nil, fmt.Errorf("data is %v: want float32 or float64", in[0])
			}
			return []DType{in[0], in[0]}, nil
		},
		Kernels: cpu(ctcKernel),
		// ∂L/∂data[t,n,c] = ograd[n]·grad_n[t,c]
		Grad: func(g *GradArgs) []*NDArray {
			n := g.Inputs[0].Shape()[1]
			og := Reshape(g.OutGrads[0], Shape{1, n, 1}, false)
			out := make([]*NDArray, len(g.Inputs))
			out[0] = og.Mul(g.Outputs[1])
			return out
		},
	})
}

func ctcShape(attrs any, in []Shape) ([]Shape, error) {
	a := attrs.(CTCLossAttrs)
	if _, err := a.blankLast(); err != nil {
		return nil, err
	}
	if len(in) != a.numInputs() {
		return nil, fmt.Errorf("got %d inputs, want %d (data, label%s%s)", len(in), a.numInputs(),
			map[bool]string{true: ", data_lengths"}[a.UseDataLengths], map[bool]string{true: ", label_lengths"}[a.UseLabelLengths])
	}
	d, l := in[0], in[1]
	if len(d) != 3 {
		return nil, fmt.Errorf("data shape %v: want (sequence, batch, alphabet)", d)
	}
	if len(l) != 2 || l[0] != d[1] {
		return nil, fmt.Errorf("label shape %v: want (batch %d, label length)", l, d[1])
	}
	if d[2] < 2 {
		return nil, fmt.Errorf("alphabet size %d: want at least 2 (labels and the blank)", d[2])
	}
	for _, s := range in[2:] {
		if len(s) != 1 || s[0] != d[1] {
			return nil, fmt.Errorf("lengths shape %v: want (%d,)", s, d[1])
		}
	}
	return []Shape{{d[1]}, d}, nil
}

func ctcKernel(k *KernelArgs) error {
	a := k.Attrs.(CTCLossAttrs)
	last, _ := a.blankLast()
	d := k.In[0].Shape
	T, N, C, L := d[0], d[1], d[2], k.In[1].Shape[1]
	data := make([]float64, T*N*C)
	loadF64(data, k.In[0], 0)
	labels := make([]float64, N*L)
	loadF64(labels, k.In[1], 0)
	next := 2
	var dataLen, labelLen []float64
	if a.UseDataLengths {
		dataLen = make([]float64, N)
		loadF64(dataLen, k.In[next], 0)
		next++
	}
	if a.UseLabelLengths {
		labelLen = make([]float64, N)
		loadF64(labelLen, k.In[next], 0)
	}
	loss := make([]float64, N)
	grad := make([]float64, T*N*C)
	var errMu sync.Mutex
	var firstErr error
	kernels.ParallelFor(N, 1, func(lo, hi int) {
		for n := lo; n < hi; n++ {
			seq, err := ctcSample(n, T, N, C, L, last, data, labels, dataLen, labelLen)
			if err == nil {
				loss[n], err = seq.run(grad)
			}
			if err != nil {
				errMu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				errMu.Unlock()
			}
		}
	})
	if firstErr != nil {
		return firstErr
	}
	storeF64(k.Out[0], 0, loss)
	storeF64(k.Out[1], 0, grad)
	return nil
}

// ctcSeq is one sample: its activations are data[t*N*C + n*C + c].
type ctcSeq struct {
	n, N, C, T int
	blank      int
	ext        []int // label with blanks around and between: length 2L+1
	data       []float64
}

func ctcSample(n, T, N, C, L int, last bool, data, labels, dataLen, labelLen []float64) (*ctcSeq, error) {
	blank, pad := 0, 0.0
	if last {
		blank, pad = C-1, -1
	}
	tn := T
	if dataLen != nil {
		tn = int(dataLen[n])
		if float64(tn) != dataLen[n] || tn < 0 || tn > T {
			return nil, fmt.Errorf("CTCLoss: sample %d: data length %v out of range [0, %d]", n, dataLen[n], T)
		}
	}
	ln := L
	if labelLen != nil {
		ln = int(labelLen[n])
		if float64(ln) != labelLen[n] || ln < 0 || ln > L {
			return nil, fmt.Errorf("CTCLoss: sample %d: label length %v out of range [0, %d]", n, labelLen[n], L)
		}
	} else {
		for j := 0; j < L; j++ {
			if labels[n*L+j] == pad {
				ln = j
				break
			}
		}
	}
	ext := make([]int, 2*ln+1)
	for i := range ext {
		ext[i] = blank
	}
	for j := 0; j < ln; j++ {
		v := labels[n*L+j]
		c := int(v)
		if float64(c) != v || c < 0 || c >= C || c == blank {
			return nil, fmt.Errorf("CTCLoss: sample %d: label %v is not a class in [0, %d) other than the blank %d", n, v, C, blank)
		}
		ext[2*j+1] = c
	}
	return &ctcSeq{n: n, N: N, C: C, T: tn, blank: blank, ext: ext, data: data}, nil
}

func ctcLogAdd(a, b float64) float64 {
	if math.IsInf(a, -1) {
		return b
	}
	if math.IsInf(b, -1) {
		return a
	}
	if a < b {
		a, b = b, a
	}
	return a + math.Log1p(math.Exp(b-a))
}

// run returns the loss and writes the gradient of this sample into grad
// (zero past the sample's length; zero everywhere if no path exists, when
// the loss is +Inf).
func (q *ctcSeq) run(grad []float64) (float64, error) {
	T, C, S := q.T, q.C, len(q.ext)
	if T == 0 {
		if S == 1 {
			return 0, nil
		}
		return math.Inf(1), nil
	}
	logp := make([]float64, T*C)
	for t := 0; t < T; t++ {
		row := q.data[(t*q.N+q.n)*C : (t*q.N+q.n+1)*C]
		m := math.Inf(-1)
		for _, v := range row {
			m = max(m, v)
		}
		s := 0.0
		for _, v := range row {
			s += math.Exp(v - m)
		}
		lse := m + math.Log(s)
		for c, v := range row {
			logp[t*C+c] = v - lse
		}
	}
	ninf := math.Inf(-1)
	alpha := make([]float64, T*S)
	beta := make([]float64, T*S)
	for i := range alpha {
		alpha[i], beta[i] = ninf, ninf
	}
	skip := func(s int) bool { return s >= 2 && q.ext[s] != q.blank && q.ext[s] != q.ext[s-2] }
	alpha[0] = logp[q.ext[0]]
	if S > 1 {
		alpha[1] = logp[q.ext[1]]
	}
	for t := 1; t < T; t++ {
		for s := 0; s < S; s++ {
			v := alpha[(t-1)*S+s]
			if s >= 1 {
				v = ctcLogAdd(v, alpha[(t-1)*S+s-1])
			}
			if skip(s) {
				v = ctcLogAdd(v, alpha[(t-1)*S+s-2])
			}
			if !math.IsInf(v, -1) {
				v += logp[t*C+q.ext[s]]
			}
			alpha[t*S+s] = v
		}
	}
	beta[(T-1)*S+S-1] = logp[(T-1)*C+q.ext[S-1]]
	if S > 1 {
		beta[(T-1)*S+S-2] = logp[(T-1)*C+q.ext[S-2]]
	}
	for t := T - 2; t >= 0; t-- {
		for s := 0; s < S; s++ {
			v := beta[(t+1)*S+s]
			if s+1 < S {
				v = ctcLogAdd(v, beta[(t+1)*S+s+1])
			}
			if s+2 < S && skip(s+2) {
				v = ctcLogAdd(v, beta[(t+1)*S+s+2])
			}
			if !math.IsInf(v, -1) {
				v += logp[t*C+q.ext[s]]
			}
			beta[t*S+s] = v
		}
	}
	logZ := alpha[(T-1)*S+S-1]
	if S > 1 {
		logZ = ctcLogAdd(logZ, alpha[(T-1)*S+S-2])
	}
	if math.IsInf(logZ, -1) {
		return math.Inf(1), nil
	}
	// ∂loss/∂u[t,c] = softmax[t,c] - Σ_{s: ext[s]=c} α[t,s]·β[t,s]/(softmax[t,c]·Z)
	occ := make([]float64, C)
	for t := 0; t < T; t++ {
		for c := range occ {
			occ[c] = ninf
		}
		for s := 0; s < S; s++ {
			occ[q.ext[s]] = ctcLogAdd(occ[q.ext[s]], alpha[t*S+s]+beta[t*S+s])
		}
		g := grad[(t*q.N+q.n)*C : (t*q.N+q.n+1)*C]
		for c := range g {
			lp := logp[t*C+c]
			g[c] = math.Exp(lp) - math.Exp(occ[c]-lp-logZ)
		}
	}
	return -logZ, nil
}

// CTCLoss is the connectionist temporal classification loss of
// unnormalized activations data (T, N, C) against label (N, L), one value
// per sample (N,). blank_label "first" makes class 0 the blank and 0 the
// label padding; "last" makes C-1 the blank and -1 the padding. dataLengths
// and labelLengths (N,), when not nil, give each sample's lengths.
// Differentiable in data. It panics if the shapes disagree; a label outside
// the alphabet is an error at the next read.
func CTCLoss(data, label, dataLengths, labelLengths *NDArray, blankLabel string) *NDArray {
	a := CTCLossAttrs{BlankLabel: blankLabel, UseDataLengths: dataLengths != nil, UseLabelLengths: labelLengths != nil}
	in := []*NDArray{data, label}
	if dataLengths != nil {
		in = append(in, dataLengths)
	}
	if labelLengths != nil {
		in = append(in, labelLengths)
	}
	return Invoke(opCTCLoss, a, in...)[0]
}
