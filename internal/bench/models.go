package bench

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/nd"
)

// The models below are written with nd ops and autograd directly (no
// gluon), so they measure the eager path: one op call per layer, the tape,
// and the kernels. bench/models_torch.py defines the same networks.

const benchLR = 0.01

// param is a learnable float32 array uniform in ±sqrt(6/fanIn) (He-style,
// so that activations stay finite through deep stacks).
func param(r *rand.Rand, fanIn int, shape ...int) *nd.NDArray {
	scale := float32(math.Sqrt(6 / float64(fanIn)))
	v := randFloats(r, nd.Shape(shape).Size())
	for i := range v {
		v[i] *= scale
	}
	return nd.ArrayOf(v, nd.Shape(shape))
}

// labels returns batch class indices below classes, stored as float32 as
// MXNet's losses take them.
func labels(r *rand.Rand, batch, classes int) *nd.NDArray {
	v := make([]float32, batch)
	for i := range v {
		v[i] = float32(r.IntN(classes))
	}
	return nd.ArrayOf(v, nd.Shape{batch})
}

// softmaxCrossEntropy is mean(-log softmax(logits)[label]) over the batch.
func softmaxCrossEntropy(logits, label *nd.NDArray) *nd.NDArray {
	lp := nd.LogSoftmax(logits, -1, 1)
	return nd.Mean(nd.Pick(lp, label, -1, false, "clip"), nil, false).Neg()
}

// trainer runs SGD training steps of a classifier on one fixed batch.
type trainer struct {
	params  []*nd.NDArray
	x, y    *nd.NDArray
	forward func(x *nd.NDArray) *nd.NDArray
}

func newTrainer(params []*nd.NDArray, x, y *nd.NDArray, forward func(*nd.NDArray) *nd.NDArray) *trainer {
	for _, p := range params {
		p.AttachGrad()
	}
	return &trainer{params: params, x: x, y: y, forward: forward}
}

// step runs forward, the loss, backward and the SGD update of every
// parameter (sgd_update in place), waits for the updates and returns the
// loss before the update.
func (t *trainer) step() (float64, error) {
	var loss *nd.NDArray
	err := nd.Try(func() {
		autograd.Record(func() { loss = softmaxCrossEntropy(t.forward(t.x), t.y) })
	})
	if err != nil {
		return 0, err
	}
	if err := autograd.BackwardOne(loss); err != nil {
		return 0, err
	}
	err = nd.Try(func() {
		for _, p := range t.params {
			nd.SGDUpdate(p, p.Grad(), nd.SGDAttrs{LR: benchLR})
		}
	})
	if err != nil {
		return 0, err
	}
	for _, p := range t.params {
		if err := p.WaitToRead(); err != nil {
			return 0, err
		}
	}
	return loss.Scalar(), nil
}

// newMLP is the 784-256-128-10 ReLU perceptron on a random batch.
func newMLP(batch int) *trainer {
	r := rand.New(rand.NewPCG(4, uint64(batch)))
	sizes := []int{784, 256, 128, 10}
	var params []*nd.NDArray
	for i := 1; i < len(sizes); i++ {
		params = append(params, param(r, sizes[i-1], sizes[i], sizes[i-1]), nd.Zeros(nd.Shape{sizes[i]}))
	}
	forward := func(h *nd.NDArray) *nd.NDArray {
		for i := 0; i < len(params); i += 2 {
			h = nd.FullyConnected(h, params[i], params[i+1], nd.FullyConnectedAttrs{})
			if i+2 < len(params) {
				h = h.Relu()
			}
		}
		return h
	}
	return newTrainer(params, randArray(r, batch, 784), labels(r, batch, 10), forward)
}

// newLeNet is conv(20,5)-relu-maxpool2-conv(50,5)-relu-maxpool2-
// dense(500)-relu-dense(10) on a random batch of 1×28×28 images.
func newLeNet(batch int) *trainer {
	r := rand.New(rand.NewPCG(5, uint64(batch)))
	params := []*nd.NDArray{
		param(r, 25, 20, 1, 5, 5), nd.Zeros(nd.Shape{20}),
		param(r, 500, 50, 20, 5, 5), nd.Zeros(nd.Shape{50}),
		param(r, 800, 500, 800), nd.Zeros(nd.Shape{500}),
		param(r, 500, 10, 500), nd.Zeros(nd.Shape{10}),
	}
	conv := func(x, w, b *nd.NDArray) *nd.NDArray {
		a := nd.ConvolutionAttrs{Kernel: nd.Shape{5, 5}, NumFilter: w.Shape()[0]}
		return nd.Convolution(x, w, b, a).Relu()
	}
	pool := nd.PoolingAttrs{Kernel: nd.Shape{2, 2}, Stride: nd.Shape{2, 2}}
	forward := func(x *nd.NDArray) *nd.NDArray {
		h := nd.Pooling(conv(x, params[0], params[1]), pool)
		h = nd.Pooling(conv(h, params[2], params[3]), pool)
		h = nd.FullyConnected(h, params[4], params[5], nd.FullyConnectedAttrs{}).Relu()
		return nd.FullyConnected(h, params[6], params[7], nd.FullyConnectedAttrs{})
	}
	return newTrainer(params, randArray(r, batch, 1, 28, 28), labels(r, batch, 10), forward)
}

// MLP measures one training step of the 784-256-128-10 ReLU MLP (forward,
// softmax cross-entropy, backward, SGD update) as "mlp_bB" in ms.
func MLP(cfg Config, batch int) ([]Result, error) {
	return trainResults(cfg, fmt.Sprintf("mlp_b%d", batch), batch, newMLP)
}

// LeNet measures one LeNet training step as "lenet_bB" in ms.
func LeNet(cfg Config, batch int) ([]Result, error) {
	return trainResults(cfg, fmt.Sprintf("lenet_b%d", batch), batch, newLeNet)
}

func trainResults(cfg Config, name string, batch int, model func(int) *trainer) ([]Result, error) {
	if batch < 1 {
		return nil, fmt.Errorf("bench %s: batch %d < 1", name, batch)
	}
	t := model(batch)
	var err error
	tm := measure(cfg, func() {
		if err == nil {
			_, err = t.step()
		}
	})
	if err != nil {
		return nil, fmt.Errorf("bench %s: %w", name, err)
	}
	return msResults(cfg, name, tm), nil
}

// convBN is a bias-free convolution followed by inference BatchNorm
// (moving statistics), ResNet v1's building unit.
type convBN struct {
	w, gamma, beta, mean, variance *nd.NDArray
	attrs                          nd.ConvolutionAttrs
}

func newConvBN(r *rand.Rand, in, out, k, stride int) convBN {
	ones := make([]float32, out)
	for i := range ones {
		ones[i] = 1 + r.Float32()*0.1
	}
	return convBN{
		w:        param(r, in*k*k, out, in, k, k),
		gamma:    nd.ArrayOf(ones, nd.Shape{out}),
		beta:     nd.Zeros(nd.Shape{out}),
		mean:     nd.Zeros(nd.Shape{out}),
		variance: nd.ArrayOf(append([]float32(nil), ones...), nd.Shape{out}),
		attrs: nd.ConvolutionAttrs{Kernel: nd.Shape{k, k}, Stride: nd.Shape{stride, stride},
			Pad: nd.Shape{k / 2, k / 2}, NumFilter: out, NoBias: true},
	}
}

var bnInference = nd.BatchNormAttrs{Eps: 1e-5, FixGamma: new(false), UseGlobalStats: true}

func (c convBN) forward(x *nd.NDArray) *nd.NDArray {
	y := nd.Convolution(x, c.w, nil, c.attrs)
	defer release(y)
	return nd.BatchNorm(y, c.gamma, c.beta, c.mean, c.variance, bnInference)
}

// release hands the memory of intermediate activations back to the pool
// once the ops reading them are done, as PyTorch's reference counting
// does when a layer's input goes out of scope; without it every
// activation of a step would be fresh memory until the next collection.
func release(temps ...*nd.NDArray) { nd.ReleaseTemporaries(temps, nil) }

// basicBlock is ResNet v1's two 3×3 convolutions with a shortcut (a 1×1
// strided convBN when the shape changes).
type basicBlock struct {
	a, b       convBN
	downsample *convBN
}

func (blk basicBlock) forward(x *nd.NDArray) *nd.NDArray {
	a := blk.a.forward(x)
	ar := a.Relu()
	h := blk.b.forward(ar)
	release(a, ar)
	if blk.downsample != nil {
		x = blk.downsample.forward(x)
		defer release(x)
	}
	sum := nd.Add(h, x)
	defer release(h, sum)
	return sum.Relu()
}

// resNet18 is ResNet-18 v1 (He et al. 2015, as Gluon's resnet18_v1) with
// random weights, for inference.
type resNet18 struct {
	stem   convBN
	blocks []basicBlock
	fcW    *nd.NDArray
	fcB    *nd.NDArray
}

func newResNet18() *resNet18 {
	r := rand.New(rand.NewPCG(6, 6))
	m := &resNet18{stem: newConvBN(r, 3, 64, 7, 2)}
	in := 64
	for stage, out := range []int{64, 128, 256, 512} {
		for i := range 2 {
			stride := 1
			if stage > 0 && i == 0 {
				stride = 2
			}
			blk := basicBlock{a: newConvBN(r, in, out, 3, stride), b: newConvBN(r, out, out, 3, 1)}
			if stride != 1 || in != out {
				ds := newConvBN(r, in, out, 1, stride)
				blk.downsample = &ds
			}
			m.blocks = append(m.blocks, blk)
			in = out
		}
	}
	m.fcW, m.fcB = param(r, 512, 1000, 512), nd.Zeros(nd.Shape{1000})
	return m
}

// forward runs the network on x, releasing each intermediate activation
// once the next layer has consumed it (x itself is the caller's).
func (m *resNet18) forward(x *nd.NDArray) *nd.NDArray {
	s := m.stem.forward(x)
	h := s.Relu()
	release(s)
	next := func(y *nd.NDArray) {
		release(h)
		h = y
	}
	next(nd.Pooling(h, nd.PoolingAttrs{Kernel: nd.Shape{3, 3}, Stride: nd.Shape{2, 2}, Pad: nd.Shape{1, 1}}))
	for _, blk := range m.blocks {
		next(blk.forward(h))
	}
	next(nd.Pooling(h, nd.PoolingAttrs{GlobalPool: true, PoolType: "avg", Kernel: nd.Shape{1, 1}}))
	y := nd.FullyConnected(h, m.fcW, m.fcB, nd.FullyConnectedAttrs{})
	release(h)
	return y
}

// infer runs the forward pass and waits for it.
func (m *resNet18) infer(x *nd.NDArray) (*nd.NDArray, error) {
	var y *nd.NDArray
	if err := nd.Try(func() { y = m.forward(x) }); err != nil {
		return nil, err
	}
	return y, y.WaitToRead()
}

// ResNet18 measures ResNet-18 v1 inference on a batch of 3×224×224 images
// as "resnet18_bB" in ms per batch.
func ResNet18(cfg Config, batch int) ([]Result, error) {
	return resNet18Results(cfg, batch, 224)
}

func resNet18Results(cfg Config, batch, size int) ([]Result, error) {
	name := fmt.Sprintf("resnet18_b%d", batch)
	if batch < 1 {
		return nil, fmt.Errorf("bench %s: batch %d < 1", name, batch)
	}
	m := newResNet18()
	x := randArray(rand.New(rand.NewPCG(7, 7)), batch, 3, size, size)
	var err error
	tm := measure(cfg, func() {
		if err == nil {
			_, err = m.infer(x)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("bench %s: %w", name, err)
	}
	return msResults(cfg, name, tm), nil
}
