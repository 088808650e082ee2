package mxboard

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/mxgo/mxgo/mxboard/tbproto"
)

// AddAudio logs a clip under tag. samples hold values in [-1,1] (clipped):
// a 1-D slice or Tensor for mono, or a Tensor [C, L] for C channels. It is
// stored as a 16-bit PCM WAV file.
func (w *SummaryWriter) AddAudio(tag string, samples any, sampleRate int, step int64) error {
	value, err := audioValue(samples, sampleRate)
	if err != nil {
		return fmt.Errorf("mxboard: add audio %q: %w", tag, err)
	}
	return w.addEvent("", summaryEvent(step, &tbproto.Summary_Value{Tag: tag, Value: &tbproto.Summary_Value_Audio{Audio: value}}))
}

func audioValue(samples any, sampleRate int) (*tbproto.Summary_Audio, error) {
	if sampleRate <= 0 {
		return nil, fmt.Errorf("sample rate %d must be positive", sampleRate)
	}
	vals, err := float64s(samples)
	if err != nil {
		return nil, err
	}
	channels := 1
	if shape := shapeOf(samples, len(vals)); len(shape) == 2 {
		channels = shape[0]
	} else if len(shape) != 1 {
		return nil, fmt.Errorf("audio shape %v: want [L] or [C,L]", shape)
	}
	if channels < 1 || len(vals) == 0 {
		return nil, fmt.Errorf("audio has no samples")
	}
	frames := len(vals) / channels
	return &tbproto.Summary_Audio{
		SampleRate:         float32(sampleRate),
		NumChannels:        int64(channels),
		LengthFrames:       int64(frames),
		EncodedAudioString: encodeWAV(vals, channels, sampleRate),
		ContentType:        "audio/wav",
	}, nil
}

// encodeWAV writes planar samples [C][L] as an interleaved 16-bit PCM
// RIFF/WAVE file.
func encodeWAV(planar []float64, channels, rate int) []byte {
	frames := len(planar) / channels
	dataLen := frames * channels * 2
	b := make([]byte, 0, 44+dataLen)
	le := binary.LittleEndian
	b = append(b, "RIFF"...)
	b = le.AppendUint32(b, uint32(36+dataLen))
	b = append(b, "WAVEfmt "...)
	b = le.AppendUint32(b, 16)                      // fmt chunk size
	b = le.AppendUint16(b, 1)                       // PCM
	b = le.AppendUint16(b, uint16(channels))        //
	b = le.AppendUint32(b, uint32(rate))            //
	b = le.AppendUint32(b, uint32(rate*channels*2)) // byte rate
	b = le.AppendUint16(b, uint16(channels*2))      // block align
	b = le.AppendUint16(b, 16)                      // bits per sample
	b = append(b, "data"...)
	b = le.AppendUint32(b, uint32(dataLen))
	for f := 0; f < frames; f++ {
		for c := 0; c < channels; c++ {
			v := planar[c*frames+f]
			if math.IsNaN(v) {
				v = 0
			}
			v = math.Max(-1, math.Min(1, v))
			b = le.AppendUint16(b, uint16(int16(math.Round(v*math.MaxInt16))))
		}
	}
	return b
}
