package entitlement

import (
	"context"
	"log/slog"
)

type loggerKey struct{}

// WithLogger returns a context that carries l for the work done on its behalf. The web layer
// sets one per request, with the request id and the signed-in person's id, so that every line
// logged while serving the request can be found together; the worker sets one per job.
func WithLogger(ctx context.Context, l *slog.Logger) context.Context {
	return context.WithValue(ctx, loggerKey{}, l)
}

// LoggerFrom returns the logger the context carries, or fallback when it carries none.
func LoggerFrom(ctx context.Context, fallback *slog.Logger) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok && l != nil {
		return l
	}
	if fallback == nil {
		return slog.Default()
	}
	return fallback
}

// logger returns the logger of the request or job that ctx belongs to, or the service's own.
func (s *Service) logger(ctx context.Context) *slog.Logger { return LoggerFrom(ctx, s.log) }
