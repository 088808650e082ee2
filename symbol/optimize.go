package symbol

import (
	"fmt"

	"github.com/mxgo/mxgo/nd"
)

// OptimizeForInference rewrites a trained graph for prediction only: it
// drops inference no-ops (Dropout, identity copies), folds each BatchNorm
// that follows a Convolution or FullyConnected into that layer's weights,
// merges common subexpressions and, when shapes gives the data inputs'
// shapes, fuses elementwise chains. params holds the parameter values by
// variable name (inputs may be in it too); the returned map holds what the
// new graph reads. Neither s nor params is changed. Output names stay,
// except where an output was itself a removed no-op.
func OptimizeForInference(s *Symbol, params map[string]*nd.NDArray, shapes map[string]nd.Shape) (*Symbol, map[string]*nd.NDArray, error) {
	out := EliminateCommonSubexpressions(RemoveInferenceNoOps(s))
	out, params, err := FoldBatchNorm(out, params)
	if err != nil {
		return nil, nil, fmt.Errorf("symbol: optimize for inference: %w", err)
	}
	if len(shapes) > 0 {
		all := map[string]nd.Shape{}
		types := map[string]nd.DType{}
		for k, v := range params {
			all[k], types[k] = v.Shape(), v.DType()
		}
		for k, v := range shapes {
			all[k] = v
		}
		if out, err = FuseElementwise(out, all, types); err != nil {
			return nil, nil, fmt.Errorf("symbol: optimize for inference: %w", err)
		}
	}
	return out, params, nil
}
