package views

import "context"

type historyKey struct{}

// WithHistoryURL marks the page rendered under ctx as the answer to a form that failed: the
// layout asks the browser (app.js, data-history-url) to file it in its history under url, the
// form's own page, so that Back and reload fetch that page afresh instead of restoring the
// stale errors or posting again.
func WithHistoryURL(ctx context.Context, url string) context.Context {
	return context.WithValue(ctx, historyKey{}, url)
}

// HistoryURL is the address set by WithHistoryURL, or "".
func HistoryURL(ctx context.Context) string {
	u, _ := ctx.Value(historyKey{}).(string)
	return u
}
