package nd

import (
	"fmt"
	"testing"

	"github.com/mxgo/mxgo/internal/testutil"
	"github.com/mxgo/mxgo/nd/kernels"
)

// kernelAllocsRace is set under the race detector, which allocates on its
// own.
var kernelAllocsRace bool

// The kernels of an MLP (784-256-128-10) and a LeNet training step, and of
// its softmax cross-entropy loss, run every step: any allocation in them
// is garbage every step. Each case runs one op's CPU kernel on arrays made
// once, and checks that, its pooled state warm, a call allocates nothing,
// at batch 1 and 32 and on one and two threads (the pool's parallel
// regions included).

// kernelAllocCase is one kernel call.
type kernelAllocCase struct {
	name  string
	op    *OpDef
	attrs any
	in    []*NDArray
}

// kernelAllocCases lists the training-step kernels at batch size b.
func kernelAllocCases(b int) []kernelAllocCase {
	f32 := func(s ...int) *NDArray { return RandomUniform(-1, 1, Shape(s)) }
	labels := RandInt(0, 10, Shape{b}).AsType(Float32)
	fc := FullyConnectedAttrs{NumHidden: 256}
	pick := PickAttrs{Axis: -1, Keepdims: true, Mode: "clip"}
	pickGrad := indexPickGradAttrs{PickAttrs: PickAttrs{Axis: 1, Keepdims: true, Mode: "clip"}, Dim: 10}
	axis1 := 1
	conv1 := ConvolutionAttrs{Kernel: Shape{5, 5}, NumFilter: 20}
	conv2 := ConvolutionAttrs{Kernel: Shape{5, 5}, NumFilter: 50}
	geo2, err := convGeomFor(conv2, Shape{b, 20, 12, 12}, Shape{50, 20, 5, 5})
	if err != nil {
		panic(err)
	}
	pool := PoolingAttrs{Kernel: Shape{2, 2}, Stride: Shape{2, 2}}
	poolPadded := PoolingAttrs{Kernel: Shape{3, 3}, Stride: Shape{2, 2}, Pad: Shape{1, 1}, PoolType: "avg"}
	x1, y1 := f32(b, 20, 24, 24), f32(b, 20, 12, 12)
	x2, y2 := f32(b, 20, 24, 24), f32(b, 20, 12, 12)
	return []kernelAllocCase{
		{"fc_forward", opFullyConnected, fc, []*NDArray{f32(b, 784), f32(256, 784), f32(256)}},
		{"fc_forward_no_flatten", opFullyConnected, FullyConnectedAttrs{NumHidden: 10, NoFlatten: true}, []*NDArray{f32(b, 128), f32(10, 128), f32(10)}},
		{"fc_data_grad", opDot, DotAttrs{}, []*NDArray{f32(b, 256), f32(256, 784)}},
		{"fc_param_grad", opFCParamGrad, nil, []*NDArray{f32(b, 256), f32(b, 784)}},
		{"log_softmax", opLogSoftmax, SoftmaxAttrs{}, []*NDArray{f32(b, 10)}},
		{"log_softmax_grad", opLogSoftmaxGrad, SoftmaxAttrs{}, []*NDArray{f32(b, 10), f32(b, 10)}},
		{"softmax", opSoftmax, SoftmaxAttrs{}, []*NDArray{f32(b, 10)}},
		{"softmax_grad", opSoftmaxGrad, SoftmaxAttrs{}, []*NDArray{f32(b, 10), f32(b, 10)}},
		{"softmax_axis1", opSoftmax, SoftmaxAttrs{Axis: &axis1}, []*NDArray{f32(b, 10, 12)}},
		{"softmax_grad_axis1", opSoftmaxGrad, SoftmaxAttrs{Axis: &axis1}, []*NDArray{f32(b, 10, 12), f32(b, 10, 12)}},
		{"softmax_parallel", opSoftmax, SoftmaxAttrs{}, []*NDArray{f32(128, 1000)}},
		{"softmax_grad_parallel", opSoftmaxGrad, SoftmaxAttrs{}, []*NDArray{f32(128, 1000), f32(128, 1000)}},
		{"pick", opPick, pick, []*NDArray{f32(b, 10), labels.Reshape(b, 1)}},
		{"pick_grad", opPickGrad, pickGrad, []*NDArray{f32(b, 1), labels.Reshape(b, 1)}},
		{"take_grad", opTakeGrad, indexTakeGradAttrs{TakeAttrs: TakeAttrs{Mode: "clip"}, Dim: 10}, []*NDArray{f32(b, 8), labels}},
		{"conv1_forward", opConvolution, conv1, []*NDArray{f32(b, 1, 28, 28), f32(20, 1, 5, 5), f32(20)}},
		{"conv2_forward", opConvolution, conv2, []*NDArray{f32(b, 20, 12, 12), f32(50, 20, 5, 5), f32(50)}},
		{"conv1_weight_grad", opConvBackwardWeight, ConvolutionAttrs{Kernel: Shape{5, 5}}, []*NDArray{f32(b, 1, 28, 28), f32(b, 20, 24, 24)}},
		{"conv2_weight_grad", opConvBackwardWeight, ConvolutionAttrs{Kernel: Shape{5, 5}}, []*NDArray{f32(b, 20, 12, 12), f32(b, 50, 8, 8)}},
		{"conv2_data_grad", opDeconvolution, geo2.deconvAttrsForDataGrad(), []*NDArray{f32(b, 50, 8, 8), f32(50, 20, 5, 5)}},
		{"pool1_forward", opPooling, pool, []*NDArray{x1}},
		{"pool1_backward", opPoolBackward, pool, []*NDArray{f32(b, 20, 12, 12), y1, x1}},
		{"pool2_forward", opPooling, pool, []*NDArray{f32(b, 50, 8, 8)}},
		{"pool_padded_forward", opPooling, poolPadded, []*NDArray{x2}},
		{"pool_padded_backward", opPoolBackward, poolPadded, []*NDArray{y2, y2, x2}},
		// LeNet's first activation: from batch 32 on, split over the threads.
		{"relu", opRelu, nil, []*NDArray{f32(b, 20, 24, 24)}},
		{"relu_activation", opActivation, ActivationAttrs{ActType: "relu"}, []*NDArray{f32(b, 20, 24, 24)}},
		{"relu_grad", opReluGrad, nil, []*NDArray{f32(b, 20, 24, 24), f32(b, 20, 24, 24)}},
		{"sigmoid", opSigmoid, nil, []*NDArray{f32(b, 20, 24, 24)}},
		{"sin", opSin, nil, []*NDArray{f32(b, 20, 24, 24)}}, // per-element function, no vector loop
		// Above the vector loops' grain with the helpers parked: split always.
		{"relu_split", opRelu, nil, []*NDArray{f32(1024, 1025)}},
		{"relu_grad_split", opReluGrad, nil, []*NDArray{f32(1024, 1025), f32(1024, 1025)}},
	}
}

// kernelAllocsPerRun returns the allocations of one call of c's kernel,
// after a first call has warmed its pools.
func kernelAllocsPerRun(t *testing.T, c kernelAllocCase) float64 {
	shapes := make([]Shape, len(c.in))
	k := &KernelArgs{Attrs: c.attrs, Dev: CPU()}
	for i, a := range c.in {
		if err := a.WaitToRead(); err != nil {
			t.Fatal(err)
		}
		shapes[i] = a.shape
		k.In = append(k.In, a.blob())
	}
	outs, err := c.op.InferShape(c.attrs, shapes)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range outs {
		o := Zeros(s)
		if err := o.WaitToRead(); err != nil {
			t.Fatal(err)
		}
		k.Out = append(k.Out, o.blob())
	}
	kern := c.op.Kernels[CPU().Type]
	var kerr error
	call := func() {
		if err := kern(k); err != nil && kerr == nil {
			kerr = err
		}
	}
	for range 20 { // the pools fill, also those a parallel region's helpers use
		call()
	}
	n := kernelAllocsSettled(call)
	if kerr != nil {
		t.Fatal(kerr)
	}
	return n
}

// kernelAllocsSettled is the settled allocation count of call over 20 runs.
func kernelAllocsSettled(call func()) float64 { return testutil.AllocsPerRunSettled(20, call) }

func TestTrainingKernelsNoAlloc(t *testing.T) {
	if kernelAllocsRace {
		t.Skip("the race detector allocates")
	}
	for _, threads := range []int{1, 2} {
		for _, b := range []int{1, 32} {
			for _, c := range kernelAllocCases(b) {
				t.Run(fmt.Sprintf("%s/b%d/threads=%d", c.name, b, threads), func(t *testing.T) {
					prev := kernels.NumThreads()
					kernels.SetNumThreads(threads)
					defer kernels.SetNumThreads(prev)
					if n := kernelAllocsPerRun(t, c); n > 0 {
						t.Errorf("%v allocations per call", n)
					}
				})
			}
		}
	}
}

// TestPooledKernelTasksMatchSerial runs the kernels whose loops moved into
// pooled task records on sizes that split over threads, concurrently from
// several goroutines (so records are in use at once), and checks each
// result bit for bit against a one-thread run.
func TestPooledKernelTasksMatchSerial(t *testing.T) {
	for _, c := range kernelAllocCases(32) {
		switch c.name {
		case "softmax_parallel", "softmax_grad_parallel", "softmax_axis1", "softmax_grad_axis1",
			"pool1_forward", "pool1_backward", "pool_padded_forward", "pool_padded_backward", "pick_grad":
		default:
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			prev := kernels.NumThreads()
			defer kernels.SetNumThreads(prev)
			kernels.SetNumThreads(1)
			want := kernelRun(t, c)
			kernels.SetNumThreads(2)
			done := make(chan []float32)
			for range 3 {
				go func() { done <- kernelRun(t, c) }()
			}
			for range 3 {
				got := <-done
				for i := range want {
					if got[i] != want[i] && !(got[i] != got[i] && want[i] != want[i]) {
						t.Fatalf("element %d: %v on two threads, %v on one", i, got[i], want[i])
					}
				}
			}
		})
	}
}

// kernelRun runs c's kernel a few times into a fresh output and returns it.
func kernelRun(t *testing.T, c kernelAllocCase) []float32 {
	shapes := make([]Shape, len(c.in))
	k := &KernelArgs{Attrs: c.attrs, Dev: CPU()}
	for i, a := range c.in {
		if err := a.WaitToRead(); err != nil {
			t.Error(err)
			return nil
		}
		shapes[i] = a.shape
		k.In = append(k.In, a.blob())
	}
	outs, err := c.op.InferShape(c.attrs, shapes)
	if err != nil {
		t.Error(err)
		return nil
	}
	o := Full(outs[0], 7)
	if err := o.WaitToRead(); err != nil {
		t.Error(err)
		return nil
	}
	k.Out = []Blob{o.blob()}
	for range 5 {
		if err := c.op.Kernels[CPU().Type](k); err != nil {
			t.Error(err)
			return nil
		}
	}
	return append([]float32(nil), k.Out[0].F32()...)
}
