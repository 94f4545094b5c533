package main

import (
	"context"
	"io"
)

func loadCommand(ctx context.Context, args []string, out io.Writer) error { return nil }
