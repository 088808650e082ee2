// Package train holds the bundled training jobs behind `mxgo train`.
package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/gluon"
	"github.com/mxgo/mxgo/gluon/data"
	"github.com/mxgo/mxgo/gluon/data/vision"
	"github.com/mxgo/mxgo/gluon/initializer"
	"github.com/mxgo/mxgo/gluon/loss"
	"github.com/mxgo/mxgo/gluon/nn"
	"github.com/mxgo/mxgo/mxboard"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/optimizer"
)

// Config is what `mxgo train mnist` accepts.
type Config struct {
	Model      string  // "lenet" (default) or "mlp"
	Epochs     int     // default 3
	BatchSize  int     // default 64
	LR         float64 // default: 0.001 for adam, 0.05 for sgd
	Optimizer  string  // default "adam"
	Seed       uint64  // default 42
	Out        string  // directory for the trained parameters; default "out"
	Logdir     string  // TensorBoard log directory; default runs/mnist-<time>; "-" disables logging
	Fashion    bool    // Fashion-MNIST instead of MNIST
	Root       string  // dataset root; default $MXNET_HOME/datasets/...
	Workers    int     // data loader workers; default 1
	JSON       bool    // one JSON line per epoch instead of the progress bar
	MaxBatches int     // stop each epoch after this many batches (0: all), for quick runs
	Schedule   string  // learning-rate schedule: "cosine" (default, decays to 0 over the run) or "constant"
	Eager      bool    // run the network op by op instead of hybridized (a cached graph)
}

func (c *Config) defaults() error {
	if c.Model == "" {
		c.Model = "lenet"
	}
	if c.Model != "lenet" && c.Model != "mlp" {
		return fmt.Errorf("train: unknown model %q (want lenet or mlp)", c.Model)
	}
	if c.Epochs == 0 {
		c.Epochs = 3
	}
	if c.BatchSize == 0 {
		c.BatchSize = 64
	}
	if c.Optimizer == "" {
		c.Optimizer = "adam"
	}
	if c.LR == 0 {
		c.LR = 0.001
		if c.Optimizer == "sgd" || c.Optimizer == "nag" {
			c.LR = 0.05
		}
	}
	if c.Seed == 0 {
		c.Seed = 42
	}
	if c.Out == "" {
		c.Out = "out"
	}
	if c.Logdir == "" {
		c.Logdir = filepath.Join("runs", "mnist-"+time.Now().Format("20060102-150405"))
	}
	if c.Workers == 0 {
		c.Workers = 1
	}
	if c.Schedule == "" {
		c.Schedule = "cosine"
	}
	if c.Schedule != "cosine" && c.Schedule != "constant" {
		return fmt.Errorf("train: unknown learning-rate schedule %q (want cosine or constant)", c.Schedule)
	}
	if c.Epochs < 0 || c.BatchSize < 0 || c.LR < 0 || c.Workers < 0 {
		return errors.New("train: epochs, batch size, learning rate and workers must not be negative")
	}
	return nil
}

// EpochReport is one epoch's numbers, printed as a JSON line with --json.
type EpochReport struct {
	Epoch     int     `json:"epoch"`
	TrainLoss float64 `json:"train_loss"`
	TrainAcc  float64 `json:"train_acc"`
	TestAcc   float64 `json:"test_acc"`
	Seconds   float64 `json:"seconds"`
	SamplesPS float64 `json:"samples_per_sec"`
}

// Result is what a finished run produced.
type Result struct {
	Epochs     []EpochReport
	ParamsPath string
	Logdir     string
}

// LeNet returns the LeNet-5 variant of Gluon's MNIST tutorial.
func LeNet() *gluon.Sequential {
	return gluon.NewSequential(
		nn.NewConv2D(20, []int{5, 5}, nn.ConvOptions{Activation: "relu"}),
		nn.NewMaxPool2D(nn.PoolOptions{PoolSize: []int{2, 2}, Strides: []int{2, 2}}),
		nn.NewConv2D(50, []int{5, 5}, nn.ConvOptions{Activation: "relu"}),
		nn.NewMaxPool2D(nn.PoolOptions{PoolSize: []int{2, 2}, Strides: []int{2, 2}}),
		nn.NewFlatten(),
		nn.NewDense(500, nn.DenseOptions{Activation: "relu"}),
		nn.NewDense(10),
	)
}

// MLP returns a 784-256-128-10 ReLU perceptron.
func MLP() *gluon.Sequential {
	return gluon.NewSequential(
		nn.NewDense(256, nn.DenseOptions{Activation: "relu"}),
		nn.NewDense(128, nn.DenseOptions{Activation: "relu"}),
		nn.NewDense(10),
	)
}

// MNIST's pixel mean and standard deviation (of x/255), the Normalize
// step of Gluon's MNIST tutorials.
const mnistMean, mnistStd = 0.1307, 0.3081

// toInput turns a batch of (B, 28, 28, 1) uint8 images into normalized
// (B, 1, 28, 28) float32: (x/255 - mean)/std. With one channel HWC and CHW
// share a memory order, so a reshape does the transpose.
func toInput(x *nd.NDArray) *nd.NDArray {
	b := x.Shape()[0]
	return x.AsType(nd.Float32).MulScalar(1/(255*mnistStd)).SubScalar(mnistMean/mnistStd).Reshape(b, 1, 28, 28)
}

// MNIST trains cfg.Model on (Fashion-)MNIST, evaluates on the test split
// after each epoch, and saves the parameters atomically to
// cfg.Out/mnist-<model>.params. Progress goes to w.
func MNIST(ctx context.Context, cfg Config, w io.Writer) (*Result, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	nd.Seed(cfg.Seed)
	trainSet, err := vision.NewMNIST(ctx, vision.MNISTOptions{Root: cfg.Root, Train: true, Fashion: cfg.Fashion})
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	testSet, err := vision.NewMNIST(ctx, vision.MNISTOptions{Root: cfg.Root, Train: false, Fashion: cfg.Fashion})
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	trainImgs, trainLabels := trainSet.Images()
	testImgs, testLabels := testSet.Images()
	trainDS, err := data.NewArrayDataset(trainImgs, trainLabels)
	if err != nil {
		return nil, err
	}
	loader, err := data.NewDataLoader(trainDS, data.LoaderOptions{BatchSize: cfg.BatchSize, Shuffle: true, Seed: cfg.Seed, NumWorkers: cfg.Workers, LastBatch: data.Keep})
	if err != nil {
		return nil, err
	}
	net := LeNet()
	if cfg.Model == "mlp" {
		net = MLP()
	}
	gluon.Initialize(net, initializer.Xavier{}, nil, false)
	// The loop reads each step's output and loss before the next step, so
	// the hybridized graphs may hand back the same arrays every step.
	hybridOpts := gluon.HybridizeOptions{StaticAlloc: true, StaticShape: true, ReuseOutputs: true}
	if !cfg.Eager {
		gluon.Hybridize(net, hybridOpts)
	}
	params := gluon.CollectParams(net)
	trainer, err := gluon.NewTrainerByName(params, cfg.Optimizer, map[string]any{"learning_rate": cfg.LR})
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	if cfg.Schedule == "cosine" {
		steps := loader.Len() * cfg.Epochs
		if cfg.MaxBatches > 0 {
			steps = min(steps, cfg.MaxBatches*cfg.Epochs)
		}
		sched := optimizer.NewCosineScheduler(steps)
		sched.SetBaseLR(cfg.LR)
		trainer.Optimizer().Common().Scheduler = sched
	}
	var lossFn loss.Loss = loss.NewSoftmaxCrossEntropyLoss()
	if !cfg.Eager {
		lossFn = loss.Hybridize(lossFn, hybridOpts)
	}

	var board *mxboard.SummaryWriter
	if cfg.Logdir != "-" {
		if board, err = mxboard.NewSummaryWriter(cfg.Logdir, mxboard.Options{}); err != nil {
			return nil, fmt.Errorf("train: %w", err)
		}
		defer board.Close()
	}

	res := &Result{Logdir: cfg.Logdir}
	step := int64(0)
	for epoch := 1; epoch <= cfg.Epochs; epoch++ {
		start := time.Now()
		var bar *progress
		if !cfg.JSON {
			bar = newProgress(w, loader.Len())
		}
		label := fmt.Sprintf("epoch %d/%d", epoch, cfg.Epochs)
		lossSum, correct, seen, batches := 0.0, 0.0, 0, 0
		for batch, err := range loader.Batches(ctx) {
			if err != nil {
				return nil, fmt.Errorf("train: %w", err)
			}
			x, y := toInput(batch[0]), batch[1].AsType(nd.Float32)
			if cfg.Model == "mlp" {
				x = x.Reshape(x.Shape()[0], 784)
			}
			if board != nil && step == 0 {
				_ = board.AddImage("input", mxboard.FromND(x.Slice(0, min(16, x.Shape()[0]))), 0)
				if g, err := boardGraph(net, x); err == nil {
					_ = board.AddGraph(g)
				}
			}
			var out, l *nd.NDArray
			if err := nd.Try(func() {
				autograd.Record(func() {
					out = gluon.Call(net, x)
					l = lossFn.Forward(out, y)
				})
			}); err != nil {
				return nil, fmt.Errorf("train: forward: %w", err)
			}
			if err := autograd.BackwardOne(l); err != nil {
				return nil, fmt.Errorf("train: backward: %w", err)
			}
			if err := trainer.Step(x.Shape()[0]); err != nil {
				return nil, fmt.Errorf("train: %w", err)
			}
			bl := l.Mean().Scalar()
			bc := countCorrect(out, y)
			n := x.Shape()[0]
			lossSum += bl * float64(n)
			correct += bc
			seen += n
			batches++
			step++
			if board != nil && step%50 == 0 {
				_ = board.AddScalar("train/loss", bl, step)
				_ = board.AddScalar("train/accuracy", bc/float64(n), step)
				_ = board.AddScalar("learning_rate", trainer.LearningRate(), step)
			}
			bar.update(batches, label, lossSum/float64(seen), correct/float64(seen), seen, false)
			if cfg.MaxBatches > 0 && batches >= cfg.MaxBatches {
				break
			}
		}
		bar.update(batches, label, lossSum/float64(max(seen, 1)), correct/float64(max(seen, 1)), seen, true)
		bar.finish()
		secs := time.Since(start).Seconds()
		testAcc := evaluate(net, testImgs, testLabels, cfg)
		rep := EpochReport{Epoch: epoch, TrainLoss: lossSum / float64(max(seen, 1)), TrainAcc: correct / float64(max(seen, 1)), TestAcc: testAcc, Seconds: secs, SamplesPS: float64(seen) / secs}
		res.Epochs = append(res.Epochs, rep)
		if cfg.JSON {
			b, _ := json.Marshal(rep)
			fmt.Fprintf(w, "%s\n", b)
		} else {
			fmt.Fprintf(w, "epoch %d: train loss %.4f, train acc %.4f, test acc %.4f, %.1fs (%.0f samples/s)\n", epoch, rep.TrainLoss, rep.TrainAcc, rep.TestAcc, secs, rep.SamplesPS)
		}
		if board != nil {
			_ = board.AddScalar("test/accuracy", testAcc, step)
			for i, name := range params.Names {
				_ = board.AddHistogram(name, mxboard.FromND(params.Params[i].Data()), int64(epoch))
			}
		}
	}
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	res.ParamsPath = filepath.Join(cfg.Out, fmt.Sprintf("mnist-%s.params", cfg.Model))
	if err := gluon.SaveParameters(net, res.ParamsPath); err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	if !cfg.JSON {
		fmt.Fprintf(w, "saved parameters to %s\n", res.ParamsPath)
	}
	return res, nil
}

// countCorrect counts rows whose argmax equals the label.
func countCorrect(out, labels *nd.NDArray) float64 {
	pred := out.Argmax(1)
	return pred.Equal(labels.AsType(pred.DType())).Sum().Scalar()
}

// evaluate returns test accuracy in predict mode, in batches.
func evaluate(net gluon.Block, images, labels *nd.NDArray, cfg Config) float64 {
	n := images.Shape()[0]
	const bs = 500
	correct := 0.0
	autograd.Pause(func() {
		for i := 0; i < n; i += bs {
			j := min(i+bs, n)
			x := toInput(images.Slice(i, j))
			if cfg.Model == "mlp" {
				x = x.Reshape(j-i, 784)
			}
			correct += countCorrect(gluon.Call(net, x), labels.Slice(i, j).AsType(nd.Float32))
		}
	})
	return correct / float64(n)
}
