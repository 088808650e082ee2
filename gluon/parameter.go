package gluon

import (
	"fmt"

	"github.com/mxgo/mxgo/gluon/initializer"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/symbol"
)

// Parameter is a learnable array (or an auxiliary state such as a running
// mean) with one copy per device and, unless GradReq is null, a gradient per
// copy.
//
// A shape with 0 dimensions is deferred: Initialize records the request and
// the data is created once a layer infers the full shape at its first
// forward (SetShape), like Gluon's deferred initialization.
type Parameter struct {
	Name    string // short name inside its Block ("weight"); the structural name comes from CollectParams
	shape   nd.Shape
	DType   nd.DType
	Init    initializer.Initializer // overrides the one given to Initialize
	GradReq nd.GradReq
	LrMult  float64
	WdMult  float64
	// AllowDeferred permits 0 dimensions in the shape.
	AllowDeferred bool

	data     []*nd.NDArray
	devices  []nd.Device
	deferred *deferredInit
	// fullName is the last structural name this parameter was collected under.
	fullName string
}

type deferredInit struct {
	init    initializer.Initializer
	devices []nd.Device
}

// ParamOption configures NewParameter.
type ParamOption func(*Parameter)

// WithInit sets the parameter's own initializer.
func WithInit(i initializer.Initializer) ParamOption { return func(p *Parameter) { p.Init = i } }

// WithGradReq sets grad_req (default write).
func WithGradReq(r nd.GradReq) ParamOption { return func(p *Parameter) { p.GradReq = r } }

// WithDType sets the dtype (default float32).
func WithDType(t nd.DType) ParamOption { return func(p *Parameter) { p.DType = t } }

// Differentiable(false) makes an auxiliary state: grad_req null.
func Differentiable(d bool) ParamOption {
	return func(p *Parameter) {
		if !d {
			p.GradReq = nd.GradNull
		}
	}
}

// NewParameter declares a parameter. Dimensions given as 0 are inferred at
// the first forward.
func NewParameter(name string, shape nd.Shape, opts ...ParamOption) *Parameter {
	p := &Parameter{Name: name, shape: shape.Clone(), DType: nd.Float32, LrMult: 1, WdMult: 1, AllowDeferred: true}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Shape returns the (possibly partly unknown) shape.
func (p *Parameter) Shape() nd.Shape { return p.shape }

func (p *Parameter) String() string {
	return fmt.Sprintf("Parameter %s (shape=%v, dtype=%v)", p.displayName(), p.shape, p.DType)
}

func (p *Parameter) displayName() string {
	if p.fullName != "" {
		return p.fullName
	}
	return p.Name
}

func shapeKnown(s nd.Shape) bool {
	for _, d := range s {
		if d <= 0 {
			return false
		}
	}
	return true
}

// SetShape fills the unknown (0) dimensions from an inferred shape. Known
// dimensions must agree. If initialization was deferred, it happens now.
func (p *Parameter) SetShape(s nd.Shape) {
	if len(p.shape) != len(s) && len(p.shape) != 0 {
		panic(&nd.Error{Op: "Parameter", Msg: fmt.Sprintf("%s: inferred shape %v has a different rank from declared %v", p.displayName(), s, p.shape)})
	}
	if len(p.shape) == 0 {
		p.shape = s.Clone()
	}
	for i, d := range p.shape {
		if d != 0 && d != s[i] {
			panic(&nd.Error{Op: "Parameter", Msg: fmt.Sprintf("%s: inferred shape %v conflicts with declared %v", p.displayName(), s, p.shape)})
		}
		p.shape[i] = s[i]
	}
	if p.deferred != nil && shapeKnown(p.shape) {
		d := p.deferred
		p.deferred = nil
		p.initOn(d.init, d.devices)
	}
}

// Initialize creates the parameter's data on devices (default: the default
// device) with its own Init or else init (default Uniform). With deferred
// dimensions the work waits for SetShape. An initialized parameter is left
// alone unless forceReinit.
func (p *Parameter) Initialize(init initializer.Initializer, devices []nd.Device, forceReinit bool) {
	if p.data != nil && !forceReinit {
		return
	}
	if len(devices) == 0 {
		devices = []nd.Device{nd.DefaultDevice()}
	}
	if init == nil {
		init = initializer.Uniform{}
	}
	if !shapeKnown(p.shape) {
		if !p.AllowDeferred {
			panic(&nd.Error{Op: "Parameter", Msg: fmt.Sprintf("%s: shape %v is unknown and deferred initialization is off", p.displayName(), p.shape)})
		}
		p.data = nil
		p.deferred = &deferredInit{init: init, devices: devices}
		return
	}
	p.initOn(init, devices)
}

func (p *Parameter) initOn(init initializer.Initializer, devices []nd.Device) {
	symbol.Untraced(func() { p.initOnNow(init, devices) })
}

func (p *Parameter) initOnNow(init initializer.Initializer, devices []nd.Device) {
	first := nd.Empty(p.shape, nd.OfType(p.DType), nd.On(devices[0]))
	if p.Init != nil {
		p.Init.Init(p.displayName(), first) // a parameter's own initializer applies as is
	} else {
		initializer.Apply(init, p.displayName(), first)
	}
	p.setCopies(first, devices)
}

// setCopies places one copy of src on each device, with gradients.
func (p *Parameter) setCopies(src *nd.NDArray, devices []nd.Device) {
	p.devices = append([]nd.Device(nil), devices...)
	p.data = make([]*nd.NDArray, len(devices))
	for i, d := range devices {
		c := src
		if i > 0 || src.Device() != d {
			c = src.CopyTo(d)
		}
		c.AttachGrad(p.GradReq)
		p.data[i] = c
	}
}

// IsInitialized reports whether the data exists.
func (p *Parameter) IsInitialized() bool { return p.data != nil }

func (p *Parameter) check() {
	if p.data == nil {
		msg := "has not been initialized; call Initialize on its Block"
		if p.deferred != nil {
			msg = "has deferred initialization: run a forward pass first so its shape " + p.shape.String() + " can be inferred"
		}
		panic(&nd.Error{Op: "Parameter", Msg: p.displayName() + " " + msg})
	}
}

func (p *Parameter) index(dev []nd.Device) int {
	p.check()
	if len(dev) == 0 {
		return 0
	}
	for i, d := range p.devices {
		if d == dev[0] {
			return i
		}
	}
	panic(&nd.Error{Op: "Parameter", Msg: fmt.Sprintf("%s was not initialized on %v (devices %v)", p.displayName(), dev[0], p.devices)})
}

// Data returns the copy on dev (default: the first device).
func (p *Parameter) Data(dev ...nd.Device) *nd.NDArray { return p.data[p.index(dev)] }

// ListData returns every copy.
func (p *Parameter) ListData() []*nd.NDArray { p.check(); return p.data }

// Grad returns the gradient of the copy on dev.
func (p *Parameter) Grad(dev ...nd.Device) *nd.NDArray {
	if p.GradReq == nd.GradNull {
		panic(&nd.Error{Op: "Parameter", Msg: p.displayName() + " has grad_req null: it has no gradient"})
	}
	return p.data[p.index(dev)].Grad()
}

// ListGrad returns the gradient of every copy.
func (p *Parameter) ListGrad() []*nd.NDArray {
	p.check()
	g := make([]*nd.NDArray, len(p.data))
	for i, d := range p.data {
		g[i] = d.Grad()
	}
	return g
}

// Devices lists where the parameter has copies.
func (p *Parameter) Devices() []nd.Device { p.check(); return p.devices }

// SetData overwrites every copy with v (same shape).
func (p *Parameter) SetData(v *nd.NDArray) {
	if p.data == nil {
		if !shapeKnown(p.shape) {
			p.shape = v.Shape().Clone()
		}
		if !v.Shape().Equal(p.shape) {
			panic(&nd.Error{Op: "Parameter", Msg: fmt.Sprintf("%s: SetData shape %v, parameter shape %v", p.displayName(), v.Shape(), p.shape)})
		}
		devs := []nd.Device{nd.DefaultDevice()}
		if p.deferred != nil {
			devs = p.deferred.devices
			p.deferred = nil
		}
		src := v
		if src.DType() != p.DType {
			src = src.AsType(p.DType)
		} else {
			src = src.Copy()
		}
		p.setCopies(src, devs)
		return
	}
	if !v.Shape().Equal(p.shape) {
		panic(&nd.Error{Op: "Parameter", Msg: fmt.Sprintf("%s: SetData shape %v, parameter shape %v", p.displayName(), v.Shape(), p.shape)})
	}
	for _, d := range p.data {
		d.CopyFrom(v)
	}
}

// ZeroGrad sets every gradient to zero (needed with grad_req add).
func (p *Parameter) ZeroGrad() {
	if p.data == nil || p.GradReq == nd.GradNull {
		return
	}
	for _, d := range p.data {
		d.Grad().Set(0)
	}
}

// Cast converts data and gradients to dtype t.
func (p *Parameter) Cast(t nd.DType) {
	p.DType = t
	if p.data == nil {
		return
	}
	p.setCopies(p.data[0].AsType(t), p.devices)
}

// ResetDevice moves the parameter to new devices, keeping its values.
func (p *Parameter) ResetDevice(devices ...nd.Device) {
	if p.data == nil {
		if p.deferred != nil {
			p.deferred.devices = devices
		}
		return
	}
	p.setCopies(p.data[0].Copy(), devices)
}

// NewConstant is a parameter holding fixed values: grad_req null and
// initialized to value (Gluon's Constant).
func NewConstant(name string, value *nd.NDArray) *Parameter {
	p := NewParameter(name, value.Shape(), WithGradReq(nd.GradNull), WithDType(value.DType()))
	p.Init = constInit{value}
	return p
}

type constInit struct{ v *nd.NDArray }

func (c constInit) Init(_ string, arr *nd.NDArray) { arr.CopyFrom(c.v) }
