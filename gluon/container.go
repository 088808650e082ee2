package gluon

import (
	"fmt"
	"strings"

	"github.com/mxgo/mxgo/nd"
)

// HybridBlockBase marks Blocks whose forward uses only registered ops, so
// they can later be traced into a cached graph (Gluon's HybridBlock). Embed
// it instead of BlockBase.
type HybridBlockBase struct {
	BlockBase
}

func (*HybridBlockBase) hybridizable() {}

// HybridBlock is a Block built on HybridBlockBase.
type HybridBlock interface {
	Block
	hybridizable()
}

// Sequential runs its children one after another (Gluon's Sequential and
// HybridSequential). Children are named "0", "1", ....
type Sequential struct {
	HybridBlockBase
}

// NewSequential returns a Sequential holding blocks.
func NewSequential(blocks ...Block) *Sequential {
	s := &Sequential{}
	s.Add(blocks...)
	return s
}

// NewHybridSequential is NewSequential (every Sequential here can be
// hybridized when all its children can).
func NewHybridSequential(blocks ...Block) *Sequential { return NewSequential(blocks...) }

// Add appends blocks.
func (s *Sequential) Add(blocks ...Block) {
	for _, b := range blocks {
		s.Register(fmt.Sprint(len(s.registered)), b)
	}
}

// Len is the number of children.
func (s *Sequential) Len() int { return len(s.registered) }

// At returns child i.
func (s *Sequential) At(i int) Block { return s.registered[i].Block }

// Forward feeds x through every child in order.
func (s *Sequential) Forward(x *nd.NDArray) *nd.NDArray {
	for _, c := range s.registered {
		x = Call(c.Block, x)
	}
	return x
}

func (s *Sequential) String() string {
	var b strings.Builder
	b.WriteString("Sequential(\n")
	for _, c := range s.registered {
		fmt.Fprintf(&b, "  (%s): %s\n", c.Name, indent(fmt.Sprint(c.Block)))
	}
	b.WriteString(")")
	return b.String()
}

func indent(s string) string { return strings.ReplaceAll(s, "\n", "\n  ") }

// Concatenate runs every child on the same input and concatenates the
// outputs along Axis (Gluon's HybridConcatenate; default axis -1).
type Concatenate struct {
	HybridBlockBase
	Axis int
}

// NewConcatenate returns a Concatenate over blocks along axis.
func NewConcatenate(axis int, blocks ...Block) *Concatenate {
	c := &Concatenate{Axis: axis}
	for _, b := range blocks {
		c.Register(fmt.Sprint(len(c.registered)), b)
	}
	return c
}

// Forward concatenates the children's outputs.
func (c *Concatenate) Forward(x *nd.NDArray) *nd.NDArray {
	outs := make([]*nd.NDArray, len(c.registered))
	for i, ch := range c.registered {
		outs[i] = Call(ch.Block, x)
	}
	return nd.Concat(c.Axis, outs...)
}

// Identity returns its input.
type Identity struct{ HybridBlockBase }

// Forward returns x.
func (*Identity) Forward(x *nd.NDArray) *nd.NDArray { return x }

func (*Identity) String() string { return "Identity()" }

// Lambda wraps a function as a Block (Gluon's Lambda/HybridLambda).
type Lambda struct {
	HybridBlockBase
	Fn   func(x *nd.NDArray) *nd.NDArray
	Name string
}

// NewLambda wraps fn; name is shown by String and Summary.
func NewLambda(name string, fn func(x *nd.NDArray) *nd.NDArray) *Lambda {
	return &Lambda{Fn: fn, Name: name}
}

// Forward applies the function.
func (l *Lambda) Forward(x *nd.NDArray) *nd.NDArray { return l.Fn(x) }

func (l *Lambda) String() string { return "Lambda(" + l.Name + ")" }
