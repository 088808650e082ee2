// Package optimizer provides MXNet's optimizers as pure update rules on
// NDArrays: SGD, NAG, Adam, AdamW, Adamax, Nadam, RMSProp, AdaGrad,
// AdaDelta, Ftrl, Signum, LAMB, LARS and FTML, plus learning-rate
// schedulers (Factor, MultiFactor, Poly, Cosine, each with warm-up).
//
// Each update runs one fused kernel (sgd_mom_update, adam_update, ...)
// in place through nd.InvokeInto, so it is not recorded by autograd.
//
//	opt, _ := optimizer.Create("sgd", map[string]any{"learning_rate": 0.1, "momentum": 0.9})
//	state := opt.CreateState(0, w)
//	opt.Update(0, w, w.Grad(), state)
//
// # Aggregated updates
//
// SGD implements MultiUpdater: UpdateMulti updates a group of parameters
// with one multi_sgd_update or multi_sgd_mom_update (one engine operation),
// bit-identical to updating them one by one. gluon.Trainer groups
// parameters of one device and dtype by the aggregate_num option (default:
// env MXNET_OPTIMIZER_AGGREGATION_SIZE, else 4; < 2 turns it off), as
// MXNet does; float16 weights with multi_precision are updated alone.
//
// # Allocations
//
// The SGD family (SGD, NAG, Signum) reuses its operand lists and the boxed
// op attributes while the hyperparameters stay the same, so a steady-state
// step allocates nothing on the Go heap (gluon's TestTrainerStepAllocatesNothing
// asserts it); a changed learning rate (a scheduler) costs one to three
// small allocations per parameter or group. Other optimizers allocate their op's
// attributes on each update.
//
// # Semantics
//
// The formulas are MXNet's (documented on each type); they are checked step
// by step against NumPy references in testdata/gen_optim.py and, where the
// two agree, PyTorch's optimizers. Hyperparameters shared by all optimizers
// live in Base: learning rate, wd, rescale_grad, clip_gradient (<= 0: none),
// a scheduler, lr_mult/wd_mult per parameter index and multi_precision
// (float16 weights updated through a float32 master copy).
//
// Programmer errors (bad shapes, float16 weights without multi_precision,
// bad scheduler settings) panic with *nd.Error; Create returns an error for
// unknown names and options.
package optimizer
