package gluon

import (
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"unicode"

	"github.com/mxgo/mxgo/gluon/initializer"
	"github.com/mxgo/mxgo/nd"
	"github.com/mxgo/mxgo/symbol"
)

// Block is a piece of a model: a Go struct whose exported fields hold its
// child Blocks and Parameters, and a Forward method. Embed BlockBase (or
// HybridBlockBase) to get the rest:
//
//	type MLP struct {
//		gluon.BlockBase
//		Hidden, Out *nn.Dense
//	}
//	func (m *MLP) Forward(x *nd.NDArray) *nd.NDArray {
//		return gluon.Call(m.Out, gluon.Call(m.Hidden, x))
//	}
//
// Children and parameters are found by reflection over exported fields
// (pointers to Blocks, *Parameter, and slices or arrays of them), in field
// order, named like Gluon's structural names: the field name in snake_case
// ("RunningMean" -> "running_mean") unless a `gluon:"name"` tag says
// otherwise (`gluon:"-"` skips a field). Register adds children that fields
// cannot express.
type Block interface {
	Forward(x *nd.NDArray) *nd.NDArray
	base() *BlockBase
}

// ForwardHook runs after a Block's forward (Gluon's register_forward_hook).
type ForwardHook func(b Block, in, out *nd.NDArray)

// ForwardPreHook runs before a Block's forward.
type ForwardPreHook func(b Block, in *nd.NDArray)

// BlockBase carries what every Block shares: explicitly registered
// children, hooks and the hybridization state.
type BlockBase struct {
	registered []NamedBlock
	regParams  []namedParam
	preHooks   []ForwardPreHook
	postHooks  []ForwardHook
	hybrid     *hybridState
}

func (b *BlockBase) base() *BlockBase { return b }

// NamedBlock is a child Block with its structural name.
type NamedBlock struct {
	Name  string
	Block Block
}

type namedParam struct {
	name  string
	param *Parameter
}

// Register adds a child Block under name (for children kept in maps or
// computed at run time). Sequential uses it with names "0", "1", ....
func (b *BlockBase) Register(name string, child Block) {
	b.registered = append(b.registered, NamedBlock{name, child})
}

// RegisterParameter adds a parameter that is not a struct field.
func (b *BlockBase) RegisterParameter(name string, p *Parameter) {
	b.regParams = append(b.regParams, namedParam{name, p})
}

// RegisterForwardHook adds a hook run after each Call of the Block.
func (b *BlockBase) RegisterForwardHook(h ForwardHook) { b.postHooks = append(b.postHooks, h) }

// RegisterForwardPreHook adds a hook run before each Call of the Block.
func (b *BlockBase) RegisterForwardPreHook(h ForwardPreHook) { b.preHooks = append(b.preHooks, h) }

// Call runs b's forward with its hooks (and, for hybridized Blocks, through
// the cached graph). Containers call their children through it; calling
// b.Forward directly skips hooks.
func Call(b Block, x *nd.NDArray) *nd.NDArray {
	bb := b.base()
	for _, h := range bb.preHooks {
		h(b, x)
	}
	out := callForward(b, x)
	for _, h := range bb.postHooks {
		h(b, x, out)
	}
	return out
}

// callForward runs a hybridized Block through its cached graph, except
// while an enclosing Block is being traced (then it is inlined).
func callForward(b Block, x *nd.NDArray) *nd.NDArray {
	if hs := b.base().hybrid; hs != nil && !symbol.Tracing() {
		return callHybrid(b, hs, x)
	}
	return b.Forward(x)
}

var (
	blockType = reflect.TypeFor[Block]()
	paramType = reflect.TypeFor[*Parameter]()
)

// Children lists b's direct children with their names, in order.
func Children(b Block) []NamedBlock {
	var out []NamedBlock
	walkFields(b, func(name string, c Block) { out = append(out, NamedBlock{name, c}) }, nil)
	return append(out, b.base().registered...)
}

func directParams(b Block) []namedParam {
	var out []namedParam
	walkFields(b, nil, func(name string, p *Parameter) { out = append(out, namedParam{name, p}) })
	return append(out, b.base().regParams...)
}

// walkFields visits the exported Block and Parameter fields of b's struct.
func walkFields(b Block, onBlock func(string, Block), onParam func(string, *Parameter)) {
	v := reflect.ValueOf(b)
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return
	}
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() || f.Anonymous {
			continue
		}
		name := f.Tag.Get("gluon")
		if name == "-" {
			continue
		}
		if name == "" {
			name = snakeCase(f.Name)
		}
		visitValue(name, v.Field(i), onBlock, onParam)
	}
}

func visitValue(name string, fv reflect.Value, onBlock func(string, Block), onParam func(string, *Parameter)) {
	switch {
	case fv.Type() == paramType:
		if !fv.IsNil() && onParam != nil {
			onParam(name, fv.Interface().(*Parameter))
		}
	case fv.Type().Implements(blockType):
		if (fv.Kind() == reflect.Pointer || fv.Kind() == reflect.Interface) && fv.IsNil() {
			return
		}
		if onBlock != nil {
			onBlock(name, fv.Interface().(Block))
		}
	case fv.Kind() == reflect.Slice || fv.Kind() == reflect.Array:
		et := fv.Type().Elem()
		if et != paramType && !et.Implements(blockType) {
			return
		}
		for j := 0; j < fv.Len(); j++ {
			visitValue(fmt.Sprintf("%s.%d", name, j), fv.Index(j), onBlock, onParam)
		}
	}
}

// snakeCase converts a Go field name to Gluon's attribute style:
// "RunningMean" -> "running_mean", "IFWeight" -> "if_weight".
func snakeCase(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		if unicode.IsUpper(r) {
			if i > 0 && (unicode.IsLower(rs[i-1]) || (i+1 < len(rs) && unicode.IsLower(rs[i+1]) && unicode.IsUpper(rs[i-1]))) {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// ParameterDict is an ordered set of parameters keyed by structural name.
type ParameterDict struct {
	Names  []string
	Params []*Parameter
}

// Get returns the parameter called name, or nil.
func (d *ParameterDict) Get(name string) *Parameter {
	for i, n := range d.Names {
		if n == name {
			return d.Params[i]
		}
	}
	return nil
}

// Len is the number of parameters.
func (d *ParameterDict) Len() int { return len(d.Names) }

// CollectParams returns b's parameters and those of its descendants with
// their structural names ("features.0.weight"), each parameter once. With a
// selection regex only names matching it (fully, like Gluon's select) are kept.
func CollectParams(b Block, selection ...string) *ParameterDict {
	var re *regexp.Regexp
	if len(selection) > 0 && selection[0] != "" {
		re = regexp.MustCompile("^(?:" + selection[0] + ")$")
	}
	d := &ParameterDict{}
	seen := map[*Parameter]bool{}
	var walk func(prefix string, b Block)
	walk = func(prefix string, b Block) {
		for _, np := range directParams(b) {
			if seen[np.param] {
				continue
			}
			seen[np.param] = true
			name := prefix + np.name
			np.param.fullName = name
			if re == nil || re.MatchString(name) {
				d.Names = append(d.Names, name)
				d.Params = append(d.Params, np.param)
			}
		}
		for _, c := range Children(b) {
			walk(prefix+c.Name+".", c.Block)
		}
	}
	walk("", b)
	return d
}

// Initialize initializes every parameter of d.
func (d *ParameterDict) Initialize(init initializer.Initializer, devices []nd.Device, forceReinit bool) {
	for _, p := range d.Params {
		p.Initialize(init, devices, forceReinit)
	}
}

// ZeroGrad zeroes every gradient.
func (d *ParameterDict) ZeroGrad() {
	for _, p := range d.Params {
		p.ZeroGrad()
	}
}

// SetAttr sets lr_mult / wd_mult / grad_req on every parameter (Gluon's setattr).
func (d *ParameterDict) SetAttr(name string, value any) error {
	for _, p := range d.Params {
		switch name {
		case "lr_mult":
			p.LrMult = value.(float64)
		case "wd_mult":
			p.WdMult = value.(float64)
		case "grad_req":
			p.GradReq = value.(nd.GradReq)
		default:
			return fmt.Errorf("gluon: SetAttr: unknown attribute %q", name)
		}
	}
	return nil
}

// Initialize initializes all of b's parameters (Gluon's
// block.initialize(init, ctx, force_reinit)). init nil means Uniform(0.07).
func Initialize(b Block, init initializer.Initializer, devices []nd.Device, forceReinit bool) {
	CollectParams(b).Initialize(init, devices, forceReinit)
}

// Apply calls fn on b and every descendant, children first (Gluon's apply).
func Apply(b Block, fn func(Block)) {
	for _, c := range Children(b) {
		Apply(c.Block, fn)
	}
	fn(b)
}

// Cast converts all of b's parameters to dtype t.
func Cast(b Block, t nd.DType) {
	for _, p := range CollectParams(b).Params {
		p.Cast(t)
	}
}

// sortedKeys returns map keys in order (for stable error messages).
func sortedKeys[V any](m map[string]V) []string {
	k := make([]string, 0, len(m))
	for n := range m {
		k = append(k, n)
	}
	sort.Strings(k)
	return k
}
