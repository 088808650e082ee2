package main

import (
	"context"
	"io"

	"github.com/mxgo/mxgo/mxboard/board"
)

func runBoard(ctx context.Context, args []string, stdout io.Writer) error {
	return board.Run(ctx, args, stdout)
}
