package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/mxgo/mxgo/internal/train"
)

func runTrain(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "mnist" {
		return fmt.Errorf("train: name a job: mnist")
	}
	var c train.Config
	fs := flag.NewFlagSet("train mnist", flag.ContinueOnError)
	fs.StringVar(&c.Model, "model", "lenet", "network: lenet or mlp")
	fs.IntVar(&c.Epochs, "epochs", 3, "passes over the training set")
	fs.IntVar(&c.BatchSize, "batch-size", 64, "samples per step")
	fs.Float64Var(&c.LR, "lr", 0, "learning rate (default 0.001 for adam, 0.05 for sgd)")
	fs.StringVar(&c.Optimizer, "optimizer", "adam", "optimizer name (sgd, adam, nag, rmsprop, ...)")
	seed := fs.Uint64("seed", 42, "random seed")
	fs.StringVar(&c.Out, "out", "out", "directory for the trained parameters")
	fs.StringVar(&c.Logdir, "logdir", "", `TensorBoard log directory (default runs/mnist-<time>; "-" disables)`)
	fs.BoolVar(&c.JSON, "json", false, "print one JSON object per epoch")
	fs.BoolVar(&c.Fashion, "fashion", false, "train on Fashion-MNIST")
	fs.StringVar(&c.Root, "root", "", "dataset directory (default $MXNET_HOME/datasets/NAME, else the shipped copy)")
	fs.IntVar(&c.Workers, "workers", 1, "data loader workers")
	fs.StringVar(&c.Schedule, "lr-schedule", "cosine", "learning-rate schedule: cosine (decays to 0 over the run) or constant")
	fs.IntVar(&c.MaxBatches, "max-batches", 0, "stop each epoch after this many batches (0: all)")
	hybridize := fs.Bool("hybridize", true, "run the network as a cached graph (false: eager, op by op)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	c.Seed = *seed
	c.Eager = !*hybridize
	_, err := train.MNIST(ctx, c, stdout)
	return err
}
