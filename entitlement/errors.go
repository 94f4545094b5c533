package entitlement

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Sentinel errors. Callers test them with errors.Is; the web layer maps them to status codes.
var (
	ErrNotFound     = errors.New("not found")
	ErrForbidden    = errors.New("forbidden")
	ErrConflict     = errors.New("conflict")
	ErrUnauthorized = errors.New("not signed in")
)

// ValidationError reports input that breaks a rule, with one message per field, so that a form can
// show each message beside its field and the API can list them.
type ValidationError struct {
	Code   string            // a stable machine-readable code, e.g. "invalidPolicy"
	Fields map[string]string // field name → message that says what to fix
}

// Error lists the field messages in a stable order.
func (e *ValidationError) Error() string {
	parts := make([]string, 0, len(e.Fields))
	for _, k := range slices.Sorted(maps.Keys(e.Fields)) {
		if k == "" {
			parts = append(parts, e.Fields[k])
			continue
		}
		parts = append(parts, k+": "+e.Fields[k])
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// fieldErrors collects validation messages; the first message per field wins.
type fieldErrors map[string]string

func (f fieldErrors) add(field, format string, args ...any) {
	if _, ok := f[field]; !ok {
		f[field] = fmt.Sprintf(format, args...)
	}
}

// err returns nil when no message was collected.
func (f fieldErrors) err(code string) error {
	if len(f) == 0 {
		return nil
	}
	return &ValidationError{Code: code, Fields: f}
}

// invalid returns a ValidationError with a single message.
func invalid(code, field, format string, args ...any) error {
	return &ValidationError{Code: code, Fields: map[string]string{field: fmt.Sprintf(format, args...)}}
}

// RuleError is a refusal by a business rule that is not about one input field, such as a second
// open request for the same package. Code is stable for the API; Message is for people. It wraps
// one of the sentinels so that callers can map it to a status.
type RuleError struct {
	Code    string
	Message string
	Kind    error // ErrConflict, ErrForbidden or ErrNotFound
	// Object is what a not-found refusal looked for ("request", "access package"), so that a
	// page can say so without the id its message names.
	Object string
	// Stale, on a refusal with CodeStaleVersion, says who changed the record and when.
	Stale *StaleChange
}

func (e *RuleError) Error() string { return e.Message }

// Codes of the refusals that callers tell apart or raise themselves; the pages answer these in
// place (a decision that came too late, an extension that adds nothing) instead of as errors.
const (
	CodeForbidden       = "forbidden"
	CodeAlreadyDecided  = "alreadyDecided"
	CodeCannotExtend    = "cannotExtend"
	CodeNothingToExtend = "nothingToExtend"
)

// Unwrap lets errors.Is match the sentinel.
func (e *RuleError) Unwrap() error { return e.Kind }

func conflict(code, format string, args ...any) error {
	return &RuleError{Code: code, Message: fmt.Sprintf(format, args...), Kind: ErrConflict}
}

func forbidden(format string, args ...any) error {
	return &RuleError{Code: CodeForbidden, Message: fmt.Sprintf(format, args...), Kind: ErrForbidden}
}

func notFound(what, id string) error { return notFoundAs("notFound", what, id) }

// notFoundAs is notFound with its own code, for the refusals the API tells apart.
func notFoundAs(code, what, id string) error {
	return &RuleError{Code: code, Message: fmt.Sprintf("%s %q does not exist", what, id), Kind: ErrNotFound, Object: what}
}
