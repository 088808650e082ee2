package bench

import (
	"fmt"
	"runtime"
	"time"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/engine"
	"github.com/mxgo/mxgo/gluon"
	"github.com/mxgo/mxgo/gluon/initializer"
	"github.com/mxgo/mxgo/gluon/loss"
	"github.com/mxgo/mxgo/gluon/rnn"
	"github.com/mxgo/mxgo/internal/train"
	"github.com/mxgo/mxgo/nd"
)

// hybridOptions are those of the hybridized steps: static memory, and
// outputs (the net's and the loss) written into the same arrays each step.
var hybridOptions = gluon.HybridizeOptions{StaticAlloc: true, StaticShape: true, ReuseOutputs: true}

// plainSGD is the optimizer of the benchmarked steps unless one is named.
var plainSGD = optimizerChoice{"sgd", map[string]any{"learning_rate": 0.01}}

// optimizerChoice names a Trainer's optimizer and its options.
type optimizerChoice struct {
	name string
	opts map[string]any
}

// gluonStep builds one training step of a gluon model: forward, softmax
// cross-entropy, backward, an update through the Trainer with opt. With
// hybrid, the loss is hybridized too, as Gluon users do (the net is the
// caller's to hybridize).
func gluonStep(net gluon.Block, x, y *nd.NDArray, hybrid bool, opt optimizerChoice) (func() error, error) {
	gluon.Initialize(net, initializer.Xavier{}, nil, false)
	tr, err := gluon.NewTrainerByName(gluon.CollectParams(net), opt.name, opt.opts)
	if err != nil {
		return nil, err
	}
	var lf loss.Loss = loss.NewSoftmaxCrossEntropyLoss()
	if hybrid {
		lf = loss.Hybridize(lf, hybridOptions)
	}
	batch := x.Shape()[0]
	return func() error {
		var l *nd.NDArray
		if err := nd.Try(func() { autograd.Record(func() { l = lf.Forward(gluon.Call(net, x), y) }) }); err != nil {
			return err
		}
		if err := autograd.BackwardOne(l); err != nil {
			return err
		}
		if err := tr.Step(batch); err != nil {
			return err
		}
		return l.WaitToRead()
	}, nil
}

// mnistStep is one training step of `mxgo train mnist`'s model ("mlp" or
// "lenet") on a random batch, eager or hybridized, updated by opt.
func mnistStep(model string, batch int, hybrid bool, opt optimizerChoice) (func() error, error) {
	net := train.LeNet()
	x := nd.RandomUniform(0, 1, nd.Shape{batch, 1, 28, 28})
	if model == "mlp" {
		net = train.MLP()
		x = x.Reshape(batch, 784)
	}
	if hybrid {
		gluon.Hybridize(net, hybridOptions)
	}
	y := nd.RandInt(0, 10, nd.Shape{batch}).AsType(nd.Float32)
	return gluonStep(net, x, y, hybrid, opt)
}

// Hybridize measures the training step of `mxgo train mnist`'s MLP and
// LeNet, eager and hybridized, at each batch size: "mlp_train_b1_eager",
// "mlp_train_b1_hybrid", ... in ms, with "..._peak_mb", the highest pooled
// memory in use during the measurement.
func Hybridize(cfg Config, batches []int) ([]Result, error) {
	var rs []Result
	for _, model := range []string{"mlp", "lenet"} {
		for _, b := range batches {
			for _, mode := range []string{"eager", "hybrid"} {
				step, err := mnistStep(model, b, mode == "hybrid", plainSGD)
				if err != nil {
					return rs, err
				}
				name := fmt.Sprintf("%s_train_b%d_%s", model, b, mode)
				if err := step(); err != nil { // deferred init and tracing happen here
					return rs, fmt.Errorf("bench %s: %w", name, err)
				}
				settleMemory()
				engine.ResetPeak(nd.CPU())
				tm := measure(cfg, func() {
					if err == nil {
						err = step()
					}
				})
				if err != nil {
					return rs, fmt.Errorf("bench %s: %w", name, err)
				}
				rs = append(rs, msResults(cfg, name, tm)...)
				rs = append(rs, Result{Name: name + "_peak_mb", Value: float64(engine.MemStats(nd.CPU()).Peak) / (1 << 20), Unit: "MB"})
			}
		}
	}
	return rs, nil
}

// LSTM measures forward+backward of a one-layer LSTM(256) over a sequence
// of 35 steps, batch 32, input 256 ("lstm_step", ms).
func LSTM(cfg Config) ([]Result, error) {
	step := lstmStep()
	var err error
	tm := measure(cfg, func() {
		if err == nil {
			err = step()
		}
	})
	if err != nil {
		return nil, fmt.Errorf("bench lstm: %w", err)
	}
	return msResults(cfg, "lstm_step", tm), nil
}

// lstmStep is one forward+backward of bench lstm's layer: the gradient of
// the output's sum, waited for (PyTorch's backward returns when done).
func lstmStep() func() error {
	layer := rnn.NewLSTM(256)
	gluon.Initialize(layer, initializer.Xavier{}, nil, false)
	x := nd.RandomUniform(-1, 1, nd.Shape{35, 32, 256})
	return func() error {
		var out *nd.NDArray
		if err := nd.Try(func() { autograd.Record(func() { out = gluon.Call(layer, x).Sum() }) }); err != nil {
			return err
		}
		if err := autograd.BackwardOne(out); err != nil {
			return err
		}
		return nd.WaitAll()
	}
}

// settleMemory lets the arrays of earlier measurements go back to the pool
// (they are released when the collector finds them), so that a peak
// measured next counts only what the measured code holds.
func settleMemory() {
	_ = nd.WaitAll()
	for range 2 {
		runtime.GC()
		time.Sleep(5 * time.Millisecond) // cleanups run on their own goroutine
	}
}
