package loss

import (
	"fmt"

	"github.com/mxgo/mxgo/nd"
)

// CTCLoss is the connectionist temporal classification loss (Graves et al.
// 2006) of unnormalized activations against label sequences, one value per
// sample. The blank is the last class (C-1) and labels are padded with -1,
// as in Gluon.
//
// Shapes: pred (N, T, C) for Layout "NTC" (the default) or (T, N, C) for
// "TNC"; label (N, L) for LabelLayout "NT" (default) or (L, N) for "TN";
// optional lengths (N,) → (N,).
type CTCLoss struct {
	Base
	Layout      string
	LabelLayout string
}

// NewCTCLoss returns a CTCLoss with layouts NTC and NT.
func NewCTCLoss(opts ...Option) *CTCLoss {
	return &CTCLoss{Base: newBase(opts), Layout: "NTC", LabelLayout: "NT"}
}

// Forward implements Loss: full-length sequences, label lengths from the
// -1 padding.
func (l *CTCLoss) Forward(pred, label *nd.NDArray, sampleWeight ...*nd.NDArray) *nd.NDArray {
	return l.ForwardLengths(pred, label, nil, nil, sampleWeight...)
}

// ForwardLengths is Forward with per-sample lengths of the predictions and
// labels (either may be nil). It panics if a layout is unknown or the
// shapes disagree.
func (l *CTCLoss) ForwardLengths(pred, label, predLengths, labelLengths *nd.NDArray, sampleWeight ...*nd.NDArray) *nd.NDArray {
	switch l.Layout {
	case "NTC", "":
		pred = nd.SwapAxes(pred, 0, 1)
	case "TNC":
	default:
		panic(&nd.Error{Op: "CTCLoss", Msg: fmt.Sprintf("layout %q: want NTC or TNC", l.Layout)})
	}
	switch l.LabelLayout {
	case "NT", "":
	case "TN":
		label = nd.SwapAxes(label, 0, 1)
	default:
		panic(&nd.Error{Op: "CTCLoss", Msg: fmt.Sprintf("label layout %q: want NT or TN", l.LabelLayout)})
	}
	loss := nd.CTCLoss(pred, label, predLengths, labelLengths, "last")
	return weighting(loss, l.Weight, sampleWeight)
}

func (l *CTCLoss) String() string {
	return fmt.Sprintf("CTCLoss(layout=%s, label_layout=%s)", l.Layout, l.LabelLayout)
}
