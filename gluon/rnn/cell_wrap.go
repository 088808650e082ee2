package rnn

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/mxgo/mxgo/gluon"
	"github.com/mxgo/mxgo/gluon/nn"
	"github.com/mxgo/mxgo/nd"
)

// SequentialRNNCell stacks cells: each step feeds the output of one cell
// to the next. Its states are the children's states in order. Children
// are named "0", "1", ….
type SequentialRNNCell struct {
	gluon.HybridBlockBase
	cells []RecurrentCell
}

// NewSequentialRNNCell returns a stack of cells.
func NewSequentialRNNCell(cells ...RecurrentCell) *SequentialRNNCell {
	s := &SequentialRNNCell{}
	s.Add(cells...)
	return s
}

// Add appends cells to the stack.
func (s *SequentialRNNCell) Add(cells ...RecurrentCell) {
	for _, c := range cells {
		s.Register(strconv.Itoa(len(s.cells)), c)
		s.cells = append(s.cells, c)
	}
}

// StateShapes concatenates the children's state shapes.
func (s *SequentialRNNCell) StateShapes(batch int) []nd.Shape {
	var out []nd.Shape
	for _, c := range s.cells {
		out = append(out, c.StateShapes(batch)...)
	}
	return out
}

// BeginState returns zero states for every child.
func (s *SequentialRNNCell) BeginState(batch int, opts ...nd.Option) []*nd.NDArray {
	return zeroStates(s.StateShapes(batch), opts)
}

// splitStates hands each child its share of states.
func (s *SequentialRNNCell) splitStates(states []*nd.NDArray) [][]*nd.NDArray {
	want := len(s.StateShapes(1))
	if len(states) != want {
		rnnPanic("SequentialRNNCell", "got %d states, want %d", len(states), want)
	}
	parts := make([][]*nd.NDArray, len(s.cells))
	p := 0
	for i, c := range s.cells {
		n := len(c.StateShapes(1))
		parts[i] = states[p : p+n]
		p += n
	}
	return parts
}

// Step runs one step through every cell.
func (s *SequentialRNNCell) Step(x *nd.NDArray, states []*nd.NDArray) (*nd.NDArray, []*nd.NDArray) {
	var next []*nd.NDArray
	for i, part := range s.splitStates(states) {
		var st []*nd.NDArray
		x, st = s.cells[i].Step(x, part)
		next = append(next, st...)
	}
	return x, next
}

// Forward is one step from the zero state.
func (s *SequentialRNNCell) Forward(x *nd.NDArray) *nd.NDArray {
	out, _ := s.Step(x, s.BeginState(x.Shape()[0], nd.On(x.Device()), nd.OfType(x.DType())))
	return out
}

// Unroll unrolls each cell over the whole sequence in turn (so
// bidirectional children work).
func (s *SequentialRNNCell) Unroll(length int, inputs *nd.NDArray, begin []*nd.NDArray, layout string, merge bool) ([]*nd.NDArray, []*nd.NDArray) {
	if len(s.cells) == 0 {
		rnnPanic("SequentialRNNCell", "no cells to unroll")
	}
	if begin == nil {
		steps := splitSteps("SequentialRNNCell", length, inputs, layout)
		begin = s.BeginState(steps[0].Shape()[0], nd.On(inputs.Device()), nd.OfType(inputs.DType()))
	}
	var next, outs []*nd.NDArray
	x := inputs
	for i, part := range s.splitStates(begin) {
		var st []*nd.NDArray
		last := i == len(s.cells)-1
		outs, st = s.cells[i].Unroll(length, x, part, layout, !last || merge)
		x = outs[0]
		next = append(next, st...)
	}
	return outs, next
}

func (s *SequentialRNNCell) String() string {
	lines := make([]string, len(s.cells))
	for i, c := range s.cells {
		lines[i] = fmt.Sprintf("(%d): %s", i, strings.ReplaceAll(fmt.Sprint(c), "\n", "\n  "))
	}
	return "SequentialRNNCell(\n" + strings.Join(lines, "\n") + "\n)"
}

// BidirectionalCell runs LCell forward and RCell backward in time and
// concatenates their outputs on the feature axis:
//
//	out_t = [l_t, r_t], r computed from x_T … x_1
//
// Its states are LCell's then RCell's. It can only be unrolled: Step panics.
// Shapes: output (…, H_l + H_r).
type BidirectionalCell struct {
	gluon.HybridBlockBase
	LCell, RCell RecurrentCell
}

// NewBidirectionalCell pairs a forward and a backward cell.
func NewBidirectionalCell(lCell, rCell RecurrentCell) *BidirectionalCell {
	return &BidirectionalCell{LCell: lCell, RCell: rCell}
}

// StateShapes is LCell's then RCell's.
func (b *BidirectionalCell) StateShapes(batch int) []nd.Shape {
	return append(append([]nd.Shape{}, b.LCell.StateShapes(batch)...), b.RCell.StateShapes(batch)...)
}

// BeginState returns zero states for both cells.
func (b *BidirectionalCell) BeginState(batch int, opts ...nd.Option) []*nd.NDArray {
	return zeroStates(b.StateShapes(batch), opts)
}

// Step panics: a bidirectional cell needs the whole sequence.
func (b *BidirectionalCell) Step(*nd.NDArray, []*nd.NDArray) (*nd.NDArray, []*nd.NDArray) {
	rnnPanic("BidirectionalCell", "cannot be stepped; use Unroll")
	return nil, nil
}

// Forward panics like Step.
func (b *BidirectionalCell) Forward(x *nd.NDArray) *nd.NDArray { out, _ := b.Step(x, nil); return out }

// Unroll runs both directions over the sequence.
func (b *BidirectionalCell) Unroll(length int, inputs *nd.NDArray, begin []*nd.NDArray, layout string, merge bool) ([]*nd.NDArray, []*nd.NDArray) {
	steps := splitSteps("BidirectionalCell", length, inputs, layout)
	if begin == nil {
		begin = b.BeginState(steps[0].Shape()[0], nd.On(inputs.Device()), nd.OfType(inputs.DType()))
	}
	nl := len(b.LCell.StateShapes(1))
	if len(begin) != nl+len(b.RCell.StateShapes(1)) {
		rnnPanic("BidirectionalCell", "got %d states, want %d", len(begin), len(b.StateShapes(1)))
	}
	lOuts, lStates := b.LCell.Unroll(length, inputs, begin[:nl], layout, false)
	rev := make([]*nd.NDArray, length)
	for t := range steps {
		rev[t] = steps[length-1-t]
	}
	rOuts, rStates := b.RCell.Unroll(length, mergeSteps(rev, layout), begin[nl:], layout, false)
	outs := make([]*nd.NDArray, length)
	for t := range outs {
		outs[t] = nd.Concat(1, lOuts[t], rOuts[length-1-t])
	}
	states := append(append([]*nd.NDArray{}, lStates...), rStates...)
	if merge {
		return []*nd.NDArray{mergeSteps(outs, layout)}, states
	}
	return outs, states
}

func (b *BidirectionalCell) String() string {
	return fmt.Sprintf("BidirectionalCell(forward=%v, backward=%v)", b.LCell, b.RCell)
}

// DropoutCellOptions configures NewDropoutCell.
type DropoutCellOptions struct {
	// Axes along which one mask value is shared; nil means none.
	Axes []int
}

// DropoutCell applies dropout to its input in training mode and has no
// state:
//
//	out = x·m/(1-rate), m ~ Bernoulli(1-rate)
//
// Shapes: output like input.
type DropoutCell struct {
	gluon.HybridBlockBase
	drop *nn.Dropout
}

// NewDropoutCell returns a DropoutCell dropping a fraction rate.
func NewDropoutCell(rate float64, opts ...DropoutCellOptions) *DropoutCell {
	o := optionsOf("DropoutCell", opts)
	return &DropoutCell{drop: nn.NewDropout(rate, nn.DropoutOptions{Axes: o.Axes})}
}

// StateShapes is empty.
func (*DropoutCell) StateShapes(int) []nd.Shape { return nil }

// BeginState returns no states.
func (*DropoutCell) BeginState(int, ...nd.Option) []*nd.NDArray { return nil }

// Step applies dropout to x.
func (d *DropoutCell) Step(x *nd.NDArray, states []*nd.NDArray) (*nd.NDArray, []*nd.NDArray) {
	return d.drop.Forward(x), states
}

// Forward applies dropout to x.
func (d *DropoutCell) Forward(x *nd.NDArray) *nd.NDArray { return d.drop.Forward(x) }

// Unroll applies dropout to the whole merged sequence (Axes then refer to
// its layout) or step by step.
func (d *DropoutCell) Unroll(length int, inputs *nd.NDArray, begin []*nd.NDArray, layout string, merge bool) ([]*nd.NDArray, []*nd.NDArray) {
	if merge {
		splitSteps("DropoutCell", length, inputs, layout) // validates
		return []*nd.NDArray{d.drop.Forward(inputs)}, begin
	}
	return unroll(d, length, inputs, begin, layout, false)
}

func (d *DropoutCell) String() string {
	return fmt.Sprintf("DropoutCell(rate=%s, axes=%v)", pyFloat(d.drop.Rate), nd.Shape(d.drop.Axes))
}

// ResidualCell adds a cell's input to its output (the cell's output size
// must equal its input size):
//
//	out = base(x) + x
//
// See https://arxiv.org/abs/1609.08144.
type ResidualCell struct {
	gluon.HybridBlockBase
	BaseCell RecurrentCell
}

// NewResidualCell wraps base.
func NewResidualCell(base RecurrentCell) *ResidualCell { return &ResidualCell{BaseCell: base} }

// StateShapes is the base cell's.
func (r *ResidualCell) StateShapes(batch int) []nd.Shape { return r.BaseCell.StateShapes(batch) }

// BeginState is the base cell's.
func (r *ResidualCell) BeginState(batch int, opts ...nd.Option) []*nd.NDArray {
	return r.BaseCell.BeginState(batch, opts...)
}

// Step runs the base cell and adds x.
func (r *ResidualCell) Step(x *nd.NDArray, states []*nd.NDArray) (*nd.NDArray, []*nd.NDArray) {
	out, next := r.BaseCell.Step(x, states)
	return out.Add(x), next
}

// Forward is one step from the zero state.
func (r *ResidualCell) Forward(x *nd.NDArray) *nd.NDArray {
	out, _ := r.Step(x, r.BeginState(x.Shape()[0], nd.On(x.Device()), nd.OfType(x.DType())))
	return out
}

// Unroll unrolls the base cell and adds the inputs.
func (r *ResidualCell) Unroll(length int, inputs *nd.NDArray, begin []*nd.NDArray, layout string, merge bool) ([]*nd.NDArray, []*nd.NDArray) {
	outs, states := r.BaseCell.Unroll(length, inputs, begin, layout, merge)
	if merge {
		return []*nd.NDArray{outs[0].Add(inputs)}, states
	}
	for t, x := range splitSteps("ResidualCell", length, inputs, layout) {
		outs[t] = outs[t].Add(x)
	}
	return outs, states
}

func (r *ResidualCell) String() string { return fmt.Sprintf("ResidualCell(%v)", r.BaseCell) }

// pyFloat formats v as Python's repr does (0.5, 1.0, 1e-05).
func pyFloat(v float64) string {
	if a := math.Abs(v); a != 0 && (a < 1e-4 || a >= 1e16) {
		return strconv.FormatFloat(v, 'e', -1, 64)
	}
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}
