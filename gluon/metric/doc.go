// Package metric provides Gluon's evaluation metrics: Accuracy,
// TopKAccuracy, F1, MCC, MAE, MSE, RMSE, PearsonCorrelation, CrossEntropy,
// Perplexity, Loss, Composite and Custom.
//
// A metric accumulates over batches and reports its value so far:
//
//	acc := metric.NewAccuracy()
//	acc.Update([]*nd.NDArray{labels}, []*nd.NDArray{scores})
//	names, values := acc.Get() // ["accuracy"], [0.97]
//	acc.Reset()
//
// Values are computed on the host in float64. Mismatched labels and
// predictions are programmer errors and panic with *nd.Error.
package metric
