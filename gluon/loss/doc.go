// Package loss provides Gluon's loss functions: L2, L1, Huber, Hinge,
// SquaredHinge, Logistic, SoftmaxCrossEntropy, SigmoidBinaryCrossEntropy,
// KLDiv, PoissonNLL, CTC, Triplet and CosineEmbedding.
//
// Each returns one value per sample: the elementwise loss times the
// optional sample weight and the loss's scalar Weight, averaged over every
// axis but BatchAxis. Losses are built from differentiable nd ops (CTC from
// the CTCLoss op), so they can be recorded and differentiated with autograd:
//
//	l := loss.NewSoftmaxCrossEntropyLoss()
//	autograd.Record(func() { out = l.Forward(net.Forward(x), y) })
//	autograd.BackwardOne(out)
//
// Hybridize compiles a loss like Gluon's loss.hybridize(): traced once per
// input shape, then replayed as one cached graph (one node on the tape):
//
//	l := loss.Hybridize(loss.NewSoftmaxCrossEntropyLoss())
//
// Forms are numerically stable (log-softmax, softrelu of -|x|). Shape
// mismatches panic with *nd.Error.
package loss
