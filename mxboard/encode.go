package mxboard

import (
	"math"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/mxgo/mxgo/mxboard/tbproto"
)

// marshalEvent encodes ev deterministically (map attrs in key order), so the
// same graph always yields the same bytes.
func marshalEvent(ev *tbproto.Event) ([]byte, error) {
	return proto.MarshalOptions{Deterministic: true}.Marshal(ev)
}

// appendScalarEvent appends the encoding of
// Event{wall_time, step, summary{value{tag, simple_value}}} to dst without
// building messages: scalars are the hot path of a training loop. Fields go
// in number order and step is left out when 0, as proto.Marshal would do.
func appendScalarEvent(dst []byte, wall float64, step int64, tag string, v float32) []byte {
	valueLen := protowire.SizeTag(1) + protowire.SizeBytes(len(tag)) + protowire.SizeTag(2) + protowire.SizeFixed32()
	summaryLen := protowire.SizeTag(1) + protowire.SizeBytes(valueLen)
	dst = protowire.AppendTag(dst, 1, protowire.Fixed64Type)
	dst = protowire.AppendFixed64(dst, math.Float64bits(wall))
	if step != 0 {
		dst = protowire.AppendTag(dst, 2, protowire.VarintType)
		dst = protowire.AppendVarint(dst, uint64(step))
	}
	dst = protowire.AppendTag(dst, 5, protowire.BytesType)
	dst = protowire.AppendVarint(dst, uint64(summaryLen))
	dst = protowire.AppendTag(dst, 1, protowire.BytesType)
	dst = protowire.AppendVarint(dst, uint64(valueLen))
	dst = protowire.AppendTag(dst, 1, protowire.BytesType)
	dst = protowire.AppendString(dst, tag)
	dst = protowire.AppendTag(dst, 2, protowire.Fixed32Type)
	return protowire.AppendFixed32(dst, math.Float32bits(v))
}
