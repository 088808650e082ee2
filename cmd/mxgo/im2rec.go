package main

import (
	"context"
	"io"

	"github.com/mxgo/mxgo/internal/im2rec"
)

func runIm2rec(ctx context.Context, args []string, stdout io.Writer) error {
	return im2rec.Run(ctx, args, stdout)
}
