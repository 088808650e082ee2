package symbol

import (
	"fmt"

	"github.com/mxgo/mxgo/nd"
)

// Backward shape rules: given the data shape and attributes, the shapes of
// an op's parameter and label inputs (MXNet infers these inside each op's
// FInferShape; nd's rules only go forward, so the graph layer adds them).
// Each rule fills nil entries of in and leaves known ones alone; a known
// entry that disagrees is reported later by the op's own forward rule.

type shapeRule func(attrs any, data nd.Shape, in []nd.Shape) error

var shapeRules = map[string]shapeRule{
	"FullyConnected": ruleFullyConnected,
	"Convolution":    ruleConvolution,
	"Deconvolution":  ruleDeconvolution,
	"BatchNorm":      ruleBatchNorm,
	"InstanceNorm":   ruleChannelParams,
	"GroupNorm":      ruleChannelParams,
	"LayerNorm":      ruleLayerNorm,
	"LeakyReLU":      ruleChannelParams,
	"Embedding":      ruleEmbedding,
	"SoftmaxOutput":  ruleSoftmaxOutput,
}

// fillInputShapes applies n's rule when the data (input 0) is known.
func fillInputShapes(n *Node, in []nd.Shape) error {
	rule := shapeRules[n.Op.Name]
	if rule == nil || len(in) == 0 || in[0] == nil || allKnown(in) {
		return nil
	}
	return rule(n.Attrs, in[0], in)
}

func setIfUnknown(in []nd.Shape, i int, s nd.Shape) {
	if i < len(in) && in[i] == nil {
		in[i] = s
	}
}

func ruleFullyConnected(attrs any, data nd.Shape, in []nd.Shape) error {
	a := attrs.(nd.FullyConnectedAttrs)
	if len(data) == 0 {
		return fmt.Errorf("data %v has no axes", data)
	}
	units := data[len(data)-1]
	if !a.NoFlatten {
		units = nd.Shape(data[1:]).Size()
	}
	if a.NumHidden <= 0 {
		return nil // taken from the weight when it is known
	}
	setIfUnknown(in, 1, nd.Shape{a.NumHidden, units})
	if !a.NoBias {
		setIfUnknown(in, 2, nd.Shape{a.NumHidden})
	}
	return nil
}

func convChannels(layout string, data nd.Shape) (int, error) {
	if len(data) < 3 {
		return 0, fmt.Errorf("data %v must be (N, C, spatial...)", data)
	}
	switch layout {
	case "", "NCW", "NCHW", "NCDHW":
		return data[1], nil
	case "NWC", "NHWC", "NDHWC":
		return data[len(data)-1], nil
	}
	return 0, fmt.Errorf("layout %q not supported", layout)
}

func ruleConvolution(attrs any, data nd.Shape, in []nd.Shape) error {
	a := attrs.(nd.ConvolutionAttrs)
	c, err := convChannels(a.Layout, data)
	if err != nil {
		return err
	}
	g := max(a.NumGroup, 1)
	if len(a.Kernel) != len(data)-2 {
		return fmt.Errorf("kernel %v does not fit data %v", a.Kernel, data)
	}
	setIfUnknown(in, 1, append(nd.Shape{a.NumFilter, c / g}, a.Kernel...))
	if !a.NoBias {
		setIfUnknown(in, 2, nd.Shape{a.NumFilter})
	}
	return nil
}

func ruleDeconvolution(attrs any, data nd.Shape, in []nd.Shape) error {
	a := attrs.(nd.DeconvolutionAttrs)
	c, err := convChannels(a.Layout, data)
	if err != nil {
		return err
	}
	g := max(a.NumGroup, 1)
	if len(a.Kernel) != len(data)-2 {
		return fmt.Errorf("kernel %v does not fit data %v", a.Kernel, data)
	}
	setIfUnknown(in, 1, append(nd.Shape{c, a.NumFilter / g}, a.Kernel...))
	if !a.NoBias {
		setIfUnknown(in, 2, nd.Shape{a.NumFilter})
	}
	return nil
}

func axisDim(data nd.Shape, axis int) (int, error) {
	if axis < 0 {
		axis += len(data)
	}
	if axis < 0 || axis >= len(data) {
		return 0, fmt.Errorf("axis out of range for data %v", data)
	}
	return data[axis], nil
}

func ruleBatchNorm(attrs any, data nd.Shape, in []nd.Shape) error {
	axis := attrs.(nd.BatchNormAttrs).Axis
	if axis == 0 {
		axis = 1 // nd's zero value stands for MXNet's default axis 1
	}
	c, err := axisDim(data, axis)
	if err != nil {
		return err
	}
	for i := 1; i < 5; i++ {
		setIfUnknown(in, i, nd.Shape{c})
	}
	return nil
}

func ruleLayerNorm(attrs any, data nd.Shape, in []nd.Shape) error {
	axis := attrs.(nd.LayerNormAttrs).Axis
	if axis == 0 {
		axis = -1
	}
	c, err := axisDim(data, axis)
	if err != nil {
		return err
	}
	setIfUnknown(in, 1, nd.Shape{c})
	setIfUnknown(in, 2, nd.Shape{c})
	return nil
}

// ruleChannelParams covers per-channel parameters on axis 1 (InstanceNorm,
// GroupNorm, prelu's gamma).
func ruleChannelParams(_ any, data nd.Shape, in []nd.Shape) error {
	if len(data) < 2 {
		return fmt.Errorf("data %v must be (N, C, ...)", data)
	}
	for i := 1; i < len(in); i++ {
		setIfUnknown(in, i, nd.Shape{data[1]})
	}
	return nil
}

func ruleEmbedding(attrs any, _ nd.Shape, in []nd.Shape) error {
	a := attrs.(nd.EmbeddingAttrs)
	setIfUnknown(in, 1, nd.Shape{a.InputDim, a.OutputDim})
	return nil
}

func ruleSoftmaxOutput(attrs any, data nd.Shape, in []nd.Shape) error {
	a := attrs.(nd.SoftmaxOutputAttrs)
	if len(data) < 2 {
		return fmt.Errorf("data %v must have a batch axis and classes", data)
	}
	var label nd.Shape
	switch {
	case a.PreserveShape:
		label = data[:len(data)-1].Clone()
	case a.MultiOutput:
		label = append(nd.Shape{data[0]}, data[2:]...)
	default:
		label = nd.Shape{data[0]}
	}
	setIfUnknown(in, 1, label)
	return nil
}
