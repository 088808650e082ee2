// Package board holds the logic of `mxgo board`: reading the scalars of a
// TensorBoard log directory and plotting, listing or exporting them, for
// people without TensorBoard at hand.
//
//	err := board.Run(ctx, []string{"plot", "--logdir", "runs", "-o", "loss.png"}, os.Stdout)
//
// Subcommands:
//
//	plot   --logdir DIR [--tag T ...] [--smoothing 0.6] -o out.png
//	ls     --logdir DIR
//	export --logdir DIR [--format csv|json] [-o file]
package board
