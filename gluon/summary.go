package gluon

import (
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/mxgo/mxgo/autograd"
	"github.com/mxgo/mxgo/nd"
)

// Summary runs x through b in predict mode and writes Gluon's table of
// layers, output shapes and parameter counts to w. Parameters must be
// initialized (deferred ones are completed by this forward).
func Summary(w io.Writer, b Block, x *nd.NDArray) error {
	type row struct {
		layer  string
		shape  string
		params int
	}
	var rows []row
	counted := map[*Parameter]bool{}
	var hooked []*BlockBase
	var add func(name string, blk Block)
	add = func(name string, blk Block) {
		bb := blk.base()
		hooked = append(hooked, bb)
		bb.RegisterForwardHook(func(b Block, in, out *nd.NDArray) {
			if _, ok := b.(*Sequential); ok {
				return // containers are not rows, as in Gluon
			}
			cnt := 0
			for _, p := range directParams(b) {
				if !counted[p.param] {
					counted[p.param] = true
					cnt += p.param.Shape().Size()
				}
			}
			rows = append(rows, row{fmt.Sprintf("%s-%d", typeName(b), len(rows)+1), fmt.Sprint(out.Shape()), cnt})
		})
		for _, c := range Children(blk) {
			add(c.Name, c.Block)
		}
	}
	add("", b)
	saved := make([][]ForwardHook, len(hooked))
	for i, bb := range hooked {
		saved[i] = bb.postHooks[:len(bb.postHooks)-1]
	}
	defer func() {
		for i, bb := range hooked {
			bb.postHooks = saved[i]
		}
	}()
	var err error
	autograd.Pause(func() {
		err = nd.Try(func() { Call(b, x) })
	})
	if err != nil {
		return fmt.Errorf("summary: %w", err)
	}
	line := strings.Repeat("-", 80)
	fmt.Fprintln(w, line)
	fmt.Fprintf(w, "%30s  %25s  %20s\n", "Layer (type)", "Output Shape", "Param #")
	fmt.Fprintln(w, strings.Repeat("=", 80))
	fmt.Fprintf(w, "%30s  %25s  %20d\n", "Input", fmt.Sprint(x.Shape()), 0)
	total, trainable := 0, 0
	for _, r := range rows {
		fmt.Fprintf(w, "%30s  %25s  %20d\n", r.layer, r.shape, r.params)
	}
	for p := range counted {
		total += p.Shape().Size()
		if p.GradReq != nd.GradNull {
			trainable += p.Shape().Size()
		}
	}
	fmt.Fprintln(w, strings.Repeat("=", 80))
	fmt.Fprintf(w, "Parameters in forward computation graph, duplicate included\n")
	fmt.Fprintf(w, "   Total params: %d\n   Trainable params: %d\n   Non-trainable params: %d\n", total, trainable, total-trainable)
	fmt.Fprintln(w, line)
	return nil
}

func typeName(b Block) string {
	t := reflect.TypeOf(b)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}
