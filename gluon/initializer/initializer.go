// Package initializer holds the weight initializers of Gluon (MXNet's
// mx.initializer, also known as mx.init): Uniform, Normal, Xavier,
// MSRAPrelu, Orthogonal, Constant, Zero, One, Bilinear, LSTMBias and Mixed.
//
// An Initializer fills an array given the parameter's name. Apply adds
// MXNet's naming convention: biases, betas and running means start at zero,
// gammas and running variances at one, and only weights use the
// initializer's own rule.
//
//	w := nd.Empty(nd.Shape{128, 784})
//	initializer.Apply(initializer.Xavier{}, "dense0.weight", w)
package initializer

import (
	"fmt"
	"math"
	"regexp"
	"strings"

	"github.com/mxgo/mxgo/nd"
)

// Initializer fills arr, a parameter called name, with initial values.
type Initializer interface {
	Init(name string, arr *nd.NDArray)
}

// Apply initializes arr by MXNet's name convention: names ending in bias,
// beta, running_mean/moving_mean are zeros, gamma and running_var/moving_var
// ones; others (weights) use init.
func Apply(init Initializer, name string, arr *nd.NDArray) {
	switch {
	case hasSuffix(name, "bias", "beta", "running_mean", "moving_mean", "mean"):
		Zero{}.Init(name, arr)
	case hasSuffix(name, "gamma", "running_var", "moving_var", "var"):
		One{}.Init(name, arr)
	default:
		init.Init(name, arr)
	}
}

func hasSuffix(name string, sufs ...string) bool {
	for _, s := range sufs {
		if name == s || strings.HasSuffix(name, "_"+s) || strings.HasSuffix(name, "."+s) {
			return true
		}
	}
	return false
}

func fill(arr *nd.NDArray, src *nd.NDArray) {
	if src.DType() != arr.DType() {
		src = src.AsType(arr.DType())
	}
	arr.CopyFrom(src)
}

// Zero fills with zeros.
type Zero struct{}

func (Zero) Init(_ string, arr *nd.NDArray) { arr.Set(0) }

// One fills with ones.
type One struct{}

func (One) Init(_ string, arr *nd.NDArray) { arr.Set(1) }

// Constant fills with Value.
type Constant struct{ Value float64 }

func (c Constant) Init(_ string, arr *nd.NDArray) { arr.Set(c.Value) }

// Uniform draws from U(-Scale, Scale); the zero value uses Gluon's default 0.07.
type Uniform struct{ Scale float64 }

func (u Uniform) Init(_ string, arr *nd.NDArray) {
	s := u.Scale
	if s == 0 {
		s = 0.07
	}
	fill(arr, nd.RandomUniform(-s, s, arr.Shape(), nd.On(arr.Device())))
}

// Normal draws from N(0, Sigma²); the zero value uses MXNet's default 0.01.
type Normal struct{ Sigma float64 }

func (n Normal) Init(_ string, arr *nd.NDArray) {
	s := n.Sigma
	if s == 0 {
		s = 0.01
	}
	fill(arr, nd.RandomNormal(0, s, arr.Shape(), nd.On(arr.Device())))
}

// fans returns fan_in and fan_out of a weight shape as MXNet computes them:
// shape[1]*receptive field and shape[0]*receptive field.
func fans(shape nd.Shape) (float64, float64) {
	if len(shape) < 2 {
		n := float64(shape.Size())
		return n, n
	}
	rf := 1.0
	for _, d := range shape[2:] {
		rf *= float64(d)
	}
	return float64(shape[1]) * rf, float64(shape[0]) * rf
}

// Xavier is Glorot initialization. RndType is "uniform" (default) or
// "gaussian"; FactorType "avg" (default), "in" or "out"; Magnitude defaults to 3.
type Xavier struct {
	RndType    string
	FactorType string
	Magnitude  float64
}

func (x Xavier) Init(name string, arr *nd.NDArray) {
	if arr.Ndim() < 2 {
		panic(&nd.Error{Op: "Xavier", Msg: fmt.Sprintf("%s: weight %v needs at least 2 dimensions", name, arr.Shape())})
	}
	fanIn, fanOut := fans(arr.Shape())
	factor := (fanIn + fanOut) / 2
	switch x.FactorType {
	case "in":
		factor = fanIn
	case "out":
		factor = fanOut
	case "", "avg":
	default:
		panic(&nd.Error{Op: "Xavier", Msg: "factor_type must be avg, in or out, not " + x.FactorType})
	}
	mag := x.Magnitude
	if mag == 0 {
		mag = 3
	}
	scale := math.Sqrt(mag / factor)
	switch x.RndType {
	case "", "uniform":
		fill(arr, nd.RandomUniform(-scale, scale, arr.Shape(), nd.On(arr.Device())))
	case "gaussian":
		fill(arr, nd.RandomNormal(0, scale, arr.Shape(), nd.On(arr.Device())))
	default:
		panic(&nd.Error{Op: "Xavier", Msg: "rnd_type must be uniform or gaussian, not " + x.RndType})
	}
}

// MSRAPrelu is He initialization for PReLU nets: Xavier with gaussian
// draws and magnitude 2/(1+slope²). FactorType defaults to "avg".
type MSRAPrelu struct {
	FactorType string
	Slope      float64 // default 0.25 when UseZeroSlope is false
	ZeroSlope  bool
}

func (m MSRAPrelu) Init(name string, arr *nd.NDArray) {
	slope := m.Slope
	if slope == 0 && !m.ZeroSlope {
		slope = 0.25
	}
	Xavier{RndType: "gaussian", FactorType: m.FactorType, Magnitude: 2 / (1 + slope*slope)}.Init(name, arr)
}

// Mixed picks an initializer by the first regular expression that matches
// the parameter name.
type Mixed struct {
	Patterns []string
	Inits    []Initializer
}

func (m Mixed) Init(name string, arr *nd.NDArray) {
	for i, p := range m.Patterns {
		if ok, _ := regexp.MatchString(p, name); ok {
			Apply(m.Inits[i], name, arr)
			return
		}
	}
	panic(&nd.Error{Op: "Mixed", Msg: fmt.Sprintf("no pattern matches parameter %q (add a catch-all \".*\")", name)})
}
