package symbol

import (
	"sync"

	"github.com/mxgo/mxgo/nd"
)

// Graph-level knowledge about operators that nd's OpDef does not carry:
// which inputs are auxiliary states (MXNet's FMutateInputs), the names of
// inputs and outputs (FListInputNames), how many outputs are visible, and
// attributes MXNet accepts that change nothing here (cudnn_tune, workspace).

var nameMu sync.Mutex

// opMeta is what the graph layer knows about one operator.
type opMeta struct {
	inputs  []string // input names; params are created for missing ones
	params  int      // index of the first parameter input (created by Call)
	aux     []int    // inputs that are auxiliary states
	labels  []int    // inputs that are labels (filled with zeros at inference)
	outputs []string // output names, when not "output"
	visible func(attrs any) int
	ignored []string // MXNet attributes accepted and kept, but unused
}

var cudnnAttrs = []string{"workspace", "cudnn_tune", "cudnn_off"}

var opMetas = map[string]opMeta{
	"FullyConnected": {inputs: []string{"data", "weight", "bias"}, params: 1},
	"Convolution":    {inputs: []string{"data", "weight", "bias"}, params: 1, ignored: cudnnAttrs},
	"Deconvolution":  {inputs: []string{"data", "weight", "bias"}, params: 1, ignored: cudnnAttrs},
	"BatchNorm": {
		inputs: []string{"data", "gamma", "beta", "moving_mean", "moving_var"}, params: 1, aux: []int{3, 4},
		outputs: []string{"output", "mean", "var"},
		visible: func(a any) int {
			if a.(nd.BatchNormAttrs).OutputMeanVar {
				return 3
			}
			return 1
		},
		ignored: []string{"cudnn_off", "min_calib_range", "max_calib_range"},
	},
	"LayerNorm":         {inputs: []string{"data", "gamma", "beta"}, params: 1, outputs: []string{"output", "mean", "std"}, visible: one},
	"GroupNorm":         {inputs: []string{"data", "gamma", "beta"}, params: 1, outputs: []string{"output", "mean", "std"}, visible: one},
	"InstanceNorm":      {inputs: []string{"data", "gamma", "beta"}, params: 1, outputs: []string{"output", "mean", "std"}, visible: one},
	"LeakyReLU":         {inputs: []string{"data", "gamma"}, ignored: []string{"lower_bound", "upper_bound"}},
	"Embedding":         {inputs: []string{"data", "weight"}, params: 1},
	"SoftmaxOutput":     {inputs: []string{"data", "label"}, params: 1, labels: []int{1}},
	"Pooling":           {inputs: []string{"data"}, ignored: []string{"cudnn_off"}},
	"Dropout":           {inputs: []string{"data"}, outputs: []string{"output", "mask"}, visible: one, ignored: []string{"cudnn_off"}},
	"Activation":        {inputs: []string{"data"}},
	"SoftmaxActivation": {inputs: []string{"data"}},
	"Flatten":           {inputs: []string{"data"}},
}

func one(any) int { return 1 }

func metaOf(op string) opMeta { return opMetas[op] }

// auxInputs returns the indices of op's auxiliary-state inputs.
func auxInputs(op string) []int { return opMetas[op].aux }

func outputNames(op string) []string { return opMetas[op].outputs }

func isIgnoredAttr(op, key string) bool {
	for _, k := range opMetas[op].ignored {
		if k == key {
			return true
		}
	}
	return false
}

// isLabelInput reports whether input i of op is a label.
func isLabelInput(op string, i int) bool {
	for _, k := range opMetas[op].labels {
		if k == i {
			return true
		}
	}
	return false
}

// visibleOutputs is how many outputs a call returns (BatchNorm computes 3
// and shows 1 unless output_mean_var).
func visibleOutputs(n *Node) int {
	if m := opMetas[n.Op.Name]; m.visible != nil {
		return m.visible(n.Attrs)
	}
	return n.NumOutputs()
}

// missingParamInputs names the parameter inputs a call left out, which Call
// creates as variables. Bias is skipped with no_bias; LeakyReLU's gamma
// exists only for prelu.
func missingParamInputs(n *Node) []string {
	m := opMetas[n.Op.Name]
	if m.params == 0 && n.Op.Name != "LeakyReLU" {
		return nil
	}
	want := len(m.inputs)
	switch a := n.Attrs.(type) {
	case nd.FullyConnectedAttrs:
		if a.NoBias {
			want--
		}
	case nd.ConvolutionAttrs:
		if a.NoBias {
			want--
		}
	case nd.DeconvolutionAttrs:
		if a.NoBias {
			want--
		}
	case nd.LeakyReLUAttrs:
		if a.ActType != "prelu" {
			want = 1
		}
	}
	if len(n.Inputs) >= want {
		return nil
	}
	return m.inputs[len(n.Inputs):want]
}

// inputName names input i of n for displays and error messages.
func inputName(n *Node, i int) string {
	if m := opMetas[n.Op.Name]; i < len(m.inputs) {
		return m.inputs[i]
	}
	return "arg" + itoa(i)
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
