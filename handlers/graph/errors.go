package graph

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/handlers/graph/odata"
)

// ErrorBody is Graph's error response.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the error's code, message, per-field details and request information.
type ErrorDetail struct {
	Code       string        `json:"code"`
	Message    string        `json:"message"`
	Details    []ErrorTarget `json:"details,omitempty"`
	InnerError InnerError    `json:"innerError"`
}

// ErrorTarget is one field's problem, for validation errors.
type ErrorTarget struct {
	Code    string `json:"code"`
	Target  string `json:"target"`
	Message string `json:"message"`
}

// InnerError carries what support needs to find the request in the logs.
type InnerError struct {
	RequestID string `json:"request-id"`
	Date      string `json:"date"`
}

// bodyError is a request body that cannot be read: not JSON, wrong types, unknown shapes.
type bodyError struct{ msg string }

func (e *bodyError) Error() string { return e.msg }

func errBody(format string, args ...any) error { return &bodyError{fmt.Sprintf(format, args...)} }

// preconditionError is an If-Match that names another version than the stored one.
type preconditionError struct{ msg string }

func (e *preconditionError) Error() string { return e.msg }

// HandleError writes err in Graph's error shape: malformed input is 400, a rule the input breaks
// 422, a missing sign-in 401, refusals 403, missing objects 404, conflicts 409, a stale If-Match
// 412. Anything else is a 500 whose message says nothing internal; it is logged (to slog's
// default logger; ErrorHandler takes another) with the request id that the response carries.
func HandleError(err error, c echo.Context) { ErrorHandler(slog.Default())(err, c) }

// ErrorHandler is HandleError logging to log.
func ErrorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) { handleError(err, c, log) }
}

func handleError(err error, c echo.Context, log *slog.Logger) {
	if c.Response().Committed || errors.Is(err, context.Canceled) {
		return
	}
	status, detail := classify(err)
	ctx := c.Request().Context()
	id := c.Response().Header().Get(echo.HeaderXRequestID)
	if id == "" {
		id = c.Request().Header.Get(echo.HeaderXRequestID)
	}
	if id == "" {
		id = uuid.NewString()
		c.Response().Header().Set(echo.HeaderXRequestID, id)
	}
	c.Response().Header().Set("request-id", id)
	detail.InnerError = InnerError{RequestID: id, Date: time.Now().UTC().Format("2006-01-02T15:04:05")}
	l := entitlement.LoggerFrom(ctx, log)
	if status >= 500 {
		l.ErrorContext(ctx, "api request failed", "err", err, "path", c.Request().URL.Path, "request_id", id)
	} else {
		l.InfoContext(ctx, "api request refused", "status", status, "err", err, "path", c.Request().URL.Path)
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	body, werr := marshal(ErrorBody{Error: detail})
	if werr == nil {
		werr = c.JSONBlob(status, body)
	}
	if werr != nil {
		l.ErrorContext(ctx, "write api error", "err", werr)
	}
}

func classify(err error) (int, ErrorDetail) {
	var (
		oe *odata.Error
		be *bodyError
		pe *preconditionError
		ve *entitlement.ValidationError
		re *entitlement.RuleError
		he *echo.HTTPError
	)
	switch {
	case errors.As(err, &oe):
		return http.StatusBadRequest, ErrorDetail{Code: "BadRequest", Message: "Invalid query option " + oe.Error()}
	case errors.As(err, &be):
		return http.StatusBadRequest, ErrorDetail{Code: "BadRequest", Message: be.msg}
	case errors.As(err, &pe):
		return http.StatusPreconditionFailed, ErrorDetail{Code: "PreconditionFailed", Message: pe.msg}
	case errors.As(err, &ve):
		d := ErrorDetail{Code: ve.Code, Message: strings.TrimPrefix(ve.Error(), "invalid input: ")}
		for _, k := range slices.Sorted(func(yield func(string) bool) {
			for k := range ve.Fields {
				if !yield(k) {
					return
				}
			}
		}) {
			d.Details = append(d.Details, ErrorTarget{Code: ve.Code, Target: k, Message: ve.Fields[k]})
		}
		return http.StatusUnprocessableEntity, d
	case errors.Is(err, entitlement.ErrUnauthorized):
		// A refusal that says why (expired, revoked, never signed in) keeps its words.
		msg := "Access token is missing or invalid; send Authorization: Bearer <token>."
		if errors.As(err, &re) && re.Message != "" {
			msg = re.Message
		}
		return http.StatusUnauthorized, ErrorDetail{Code: "InvalidAuthenticationToken", Message: msg}
	case errors.As(err, &re):
		status := http.StatusConflict
		switch {
		case errors.Is(err, entitlement.ErrStale):
			// The record changed between the handler's read and the write (or since the
			// caller's If-Match): a failed precondition, not a clash of rules.
			return http.StatusPreconditionFailed, ErrorDetail{Code: "PreconditionFailed", Message: re.Message}
		case errors.Is(err, entitlement.ErrNotFound):
			status = http.StatusNotFound
		case errors.Is(err, entitlement.ErrForbidden):
			status = http.StatusForbidden
		}
		return status, ErrorDetail{Code: re.Code, Message: re.Message}
	case errors.Is(err, entitlement.ErrNotFound):
		return http.StatusNotFound, ErrorDetail{Code: "ResourceNotFound", Message: "The object does not exist, or you may not see it."}
	case errors.Is(err, entitlement.ErrForbidden):
		return http.StatusForbidden, ErrorDetail{Code: "Authorization_RequestDenied", Message: "Insufficient privileges to complete the operation."}
	case errors.Is(err, entitlement.ErrConflict):
		return http.StatusConflict, ErrorDetail{Code: "Conflict", Message: "The object changed or clashes with another; read it again and retry."}
	case errors.As(err, &he):
		// The middleware's own refusals (a bad token, an unreachable identity provider) carry a
		// message written for the caller; Echo's routing errors carry only the status text.
		msg, _ := he.Message.(string)
		if msg == http.StatusText(he.Code) {
			msg = ""
		}
		switch he.Code {
		case http.StatusNotFound:
			return he.Code, ErrorDetail{Code: "ResourceNotFound", Message: cmp.Or(msg, "No API endpoint has this path; see docs/api.md for the endpoints.")}
		case http.StatusMethodNotAllowed:
			return he.Code, ErrorDetail{Code: "MethodNotAllowed", Message: cmp.Or(msg, "This endpoint does not take this HTTP method; see docs/api.md.")}
		case http.StatusRequestEntityTooLarge:
			return he.Code, ErrorDetail{Code: "RequestEntityTooLarge", Message: cmp.Or(msg, "The request body is too large.")}
		case http.StatusUnauthorized:
			return he.Code, ErrorDetail{Code: "InvalidAuthenticationToken", Message: cmp.Or(msg, "Access token is missing or invalid; send Authorization: Bearer <token>.")}
		case http.StatusForbidden:
			return he.Code, ErrorDetail{Code: "Authorization_RequestDenied", Message: cmp.Or(msg, "Insufficient privileges to complete the operation.")}
		case http.StatusServiceUnavailable:
			return he.Code, ErrorDetail{Code: "serviceNotAvailable", Message: cmp.Or(msg, "The service is not available; try again in a minute.")}
		}
		if he.Code >= 400 && he.Code < 500 {
			return he.Code, ErrorDetail{Code: "BadRequest", Message: cmp.Or(msg, http.StatusText(he.Code))}
		}
	}
	return http.StatusInternalServerError, ErrorDetail{Code: "generalException", Message: "An error occurred on the server; quote the request-id when you report it."}
}
