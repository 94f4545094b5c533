// Package directory brings the organisation's directory into Steward: a SCIM 2.0 server (RFC 7643
// and 7644) for identity providers that provision people and groups. Every handler calls
// entitlement.Service, whose Sync methods hold the rules; this package only speaks the protocol.
//
// The protocol is written here rather than taken from a library: the SCIM libraries for Go either
// want to own the HTTP routing and storage callbacks (elimity-com/scim) or are unmaintained, while
// what Steward needs (eq/and filters, PATCH of a few attributes, paging) is small and is
// easier to keep strict about bad input by hand.
package directory

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
)

// SCIM schema URNs.
const (
	SchemaUser       = "urn:ietf:params:scim:schemas:core:2.0:User"
	SchemaGroup      = "urn:ietf:params:scim:schemas:core:2.0:Group"
	SchemaEnterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	schemaList       = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	schemaError      = "urn:ietf:params:scim:api:messages:2.0:Error"
	schemaPatch      = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	mediaType        = "application/scim+json"
	maxCount         = 200
)

// SCIM serves /scim/v2 for the service.
type SCIM struct {
	Svc *entitlement.Service
}

// Authenticate checks the bearer token and puts its sync agent in the request context.
func (h SCIM) Authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		auth := c.Request().Header.Get(echo.HeaderAuthorization)
		token, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok || token == "" {
			return scimError(c, http.StatusUnauthorized, "", "a bearer token is required")
		}
		ag, err := h.Svc.AuthenticateSCIM(c.Request().Context(), token)
		if err != nil {
			if errors.Is(err, entitlement.ErrUnauthorized) {
				return scimError(c, http.StatusUnauthorized, "", "the bearer token is not valid")
			}
			return err
		}
		c.SetRequest(c.Request().WithContext(entitlement.WithSyncAgent(c.Request().Context(), ag)))
		return next(c)
	}
}

// Error is the SCIM error shape (RFC 7644 §3.12).
type Error struct {
	Schemas  []string `json:"schemas"`
	Status   string   `json:"status"`
	ScimType string   `json:"scimType,omitempty"`
	Detail   string   `json:"detail"`
}

func scimError(c echo.Context, status int, scimType, detail string) error {
	return writeJSON(c, status, Error{Schemas: []string{schemaError}, Status: strconv.Itoa(status), ScimType: scimType, Detail: detail})
}

func writeJSON(c echo.Context, status int, v any) error {
	c.Response().Header().Set(echo.HeaderContentType, mediaType)
	c.Response().WriteHeader(status)
	return json.NewEncoder(c.Response()).Encode(v)
}

// ErrorHandler answers an error of a SCIM route in the SCIM shape: domain errors by their kind,
// anything else as a 500 without internals.
func ErrorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	var he *echo.HTTPError
	var ve *entitlement.ValidationError
	var re *entitlement.RuleError
	var bad *requestError
	status, typ, detail := http.StatusInternalServerError, "", "the request could not be completed"
	switch {
	case errors.As(err, &bad):
		status, typ, detail = http.StatusBadRequest, bad.typ, bad.detail
	case errors.As(err, &ve):
		status, typ, detail = http.StatusBadRequest, "invalidValue", ve.Error()
	case errors.Is(err, entitlement.ErrNotFound):
		status, detail = http.StatusNotFound, messageOf(re, err, "not found")
	case errors.Is(err, entitlement.ErrConflict):
		status, typ, detail = http.StatusConflict, "uniqueness", messageOf(re, err, "conflict")
	case errors.Is(err, entitlement.ErrForbidden):
		status, detail = http.StatusForbidden, "forbidden"
	case errors.Is(err, entitlement.ErrUnauthorized):
		status, detail = http.StatusUnauthorized, "a bearer token is required"
	case errors.As(err, &he):
		status, detail = he.Code, http.StatusText(he.Code)
	}
	_ = scimError(c, status, typ, detail)
}

func messageOf(re *entitlement.RuleError, err error, fallback string) string {
	if errors.As(err, &re) {
		return re.Message
	}
	return fallback
}

// requestError is a request the protocol refuses, answered as a 400 with its scimType.
type requestError struct{ typ, detail string }

func (e *requestError) Error() string { return e.detail }

func badRequest(_ echo.Context, typ, format string, args ...any) error {
	return &requestError{typ: typ, detail: fmt.Sprintf(format, args...)}
}

// ServiceProviderConfig says what this server supports.
func (h SCIM) ServiceProviderConfig(c echo.Context) error {
	return writeJSON(c, http.StatusOK, map[string]any{
		"schemas":        []string{"urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"},
		"patch":          map[string]bool{"supported": true},
		"bulk":           map[string]any{"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
		"filter":         map[string]any{"supported": true, "maxResults": maxCount},
		"changePassword": map[string]bool{"supported": false},
		"sort":           map[string]bool{"supported": false},
		"etag":           map[string]bool{"supported": false},
		"authenticationSchemes": []map[string]any{{
			"type": "oauthbearertoken", "name": "Bearer token", "description": "A SCIM token an administrator makes on Steward's settings page", "primary": true,
		}},
	})
}

// ResourceTypes lists User and Group.
func (h SCIM) ResourceTypes(c echo.Context) error {
	types := []map[string]any{
		{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:ResourceType"}, "id": "User", "name": "User", "endpoint": "/Users", "schema": SchemaUser,
			"schemaExtensions": []map[string]any{{"schema": SchemaEnterprise, "required": false}}},
		{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:ResourceType"}, "id": "Group", "name": "Group", "endpoint": "/Groups", "schema": SchemaGroup},
	}
	return writeJSON(c, http.StatusOK, listResponse(types, len(types), 1))
}

// Schemas describes the attributes Steward keeps.
func (h SCIM) Schemas(c echo.Context) error {
	attr := func(name, typ string, required bool) map[string]any {
		return map[string]any{"name": name, "type": typ, "multiValued": false, "required": required, "mutability": "readWrite", "returned": "default", "uniqueness": "none"}
	}
	schemas := []map[string]any{
		{"id": SchemaUser, "name": "User", "attributes": []map[string]any{
			attr("userName", "string", true), attr("displayName", "string", false), attr("active", "boolean", false),
			attr("title", "string", false), attr("externalId", "string", false),
		}},
		{"id": SchemaGroup, "name": "Group", "attributes": []map[string]any{attr("displayName", "string", true), attr("externalId", "string", false)}},
		{"id": SchemaEnterprise, "name": "EnterpriseUser", "attributes": []map[string]any{
			attr("employeeNumber", "string", false), attr("department", "string", false), attr("manager", "complex", false),
		}},
	}
	return writeJSON(c, http.StatusOK, listResponse(schemas, len(schemas), 1))
}

type list[T any] struct {
	Schemas      []string `json:"schemas"`
	TotalResults int      `json:"totalResults"`
	StartIndex   int      `json:"startIndex"`
	ItemsPerPage int      `json:"itemsPerPage"`
	Resources    []T      `json:"Resources"`
}

func listResponse[T any](items []T, total, start int) list[T] {
	if items == nil {
		items = []T{}
	}
	return list[T]{Schemas: []string{schemaList}, TotalResults: total, StartIndex: start, ItemsPerPage: len(items), Resources: items}
}

// paging reads startIndex (1-based) and count, clamped as RFC 7644 §3.4.2.4 asks.
func paging(c echo.Context) (start, count int) {
	start, count = 1, maxCount
	if v, err := strconv.Atoi(c.QueryParam("startIndex")); err == nil && v > 1 {
		start = v
	}
	if v, err := strconv.Atoi(c.QueryParam("count")); err == nil && v >= 0 && v < maxCount {
		count = v
	}
	return start, count
}

// filter parses the filters Steward supports: attr eq "value", joined by and.
func filter(expr string) (map[string]string, error) {
	out := map[string]string{}
	rest := strings.TrimSpace(expr)
	for rest != "" {
		attr, after, ok := strings.Cut(rest, " ")
		if !ok {
			return nil, fmt.Errorf("the filter %q is incomplete", expr)
		}
		op, after, ok := strings.Cut(strings.TrimLeft(after, " "), " ")
		if !ok || !strings.EqualFold(op, "eq") {
			return nil, fmt.Errorf("only the eq operator is supported, joined by and")
		}
		after = strings.TrimLeft(after, " ")
		if !strings.HasPrefix(after, `"`) {
			return nil, fmt.Errorf("put the value of %s in double quotes", attr)
		}
		var val string
		dec := json.NewDecoder(strings.NewReader(after))
		if err := dec.Decode(&val); err != nil {
			return nil, fmt.Errorf("the value of %s is not a valid string", attr)
		}
		out[strings.ToLower(attr)] = val
		rest = strings.TrimSpace(after[dec.InputOffset():])
		if rest == "" {
			break
		}
		conj, after, ok := strings.Cut(rest, " ")
		if !ok || !strings.EqualFold(conj, "and") {
			return nil, fmt.Errorf("join filters with and")
		}
		rest = strings.TrimSpace(after)
	}
	return out, nil
}

func decode(c echo.Context, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(c.Response(), c.Request().Body, 1<<20))
	if err := dec.Decode(v); err != nil {
		return badRequest(c, "invalidSyntax", "the body is not valid JSON for this resource")
	}
	return nil
}
