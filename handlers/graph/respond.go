package graph

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	gojson "github.com/goccy/go-json"
	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
	"github.com/stewardhq/steward/handlers/graph/odata"
)

// maxBody bounds what the API reads of a request body.
const maxBody = 1 << 20

// decodeOptional is decode for actions whose body may be left out.
func decodeOptional(c echo.Context, v any) error {
	return decodeBody(c, v, true)
}

// decode reads a JSON body into v. Malformed JSON and values of the wrong type are a 400 that
// names the property; unknown properties are ignored, as Graph ignores them on most types.
func decode(c echo.Context, v any) error { return decodeBody(c, v, false) }

func decodeBody(c echo.Context, v any, optional bool) error {
	if ct := c.Request().Header.Get(echo.HeaderContentType); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != echo.MIMEApplicationJSON {
			return errBody("send the body as JSON with Content-Type: application/json")
		}
	}
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, maxBody+1))
	if err != nil {
		return errBody("the request body could not be read")
	}
	if len(body) > maxBody {
		return errBody("the request body is larger than %d bytes", maxBody)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if optional {
			return nil
		}
		return errBody("the request needs a JSON body")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		var be *bodyError
		switch {
		case errors.As(err, &be):
			return be
		case errors.As(err, &se):
			return errBody("the body is not valid JSON (at byte %d)", se.Offset)
		case errors.As(err, &te):
			if te.Field != "" {
				return errBody("the property %q must be %s, not a JSON %s", te.Field, jsonKind(te.Type), te.Value)
			}
			return errBody("the body must be a JSON object, not a JSON %s", te.Value)
		}
		return errBody("the body is not valid JSON: it ends too early or holds more than one value")
	}
	if dec.More() {
		return errBody("the body holds more than one JSON value")
	}
	return nil
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Float64:
		return "a number"
	case reflect.Slice:
		return "an array"
	}
	return "an object"
}

// ifMatch refuses with 412 a write whose If-Match names another version than current, the
// version of the record the handler just read. The handler then writes with current as the
// expected version, so the Service refuses (entitlement.ErrStale, also 412) a change that
// lands between that read and the write instead of overwriting it with the values read.
func ifMatch(c echo.Context, current int64) error {
	v, err := ifMatchVersion(c)
	if err != nil {
		return err
	}
	if v != 0 && v != current {
		want := c.Request().Header.Get("If-Match")
		return &preconditionError{"the object changed since you read it (If-Match " + want + ", now " + entitlement.ETag(current) + "); read it again and retry"}
	}
	return nil
}

// ifMatchVersion is the version If-Match names, 0 when it names none or "*".
func ifMatchVersion(c echo.Context) (int64, error) {
	want := c.Request().Header.Get("If-Match")
	if want == "" {
		return 0, nil
	}
	v, err := entitlement.ParseETag(want)
	if err != nil {
		return 0, errBody("If-Match must be an @odata.etag this API sent, such as W/\"3\", or *")
	}
	return v, nil
}

// base is the absolute URL of the API's root, e.g. https://steward.example.com/beta.
func (a *api) base(c echo.Context) string {
	return c.Scheme() + "://" + c.Request().Host + a.root
}

func (a *api) contextURL(c echo.Context, fragment string) string {
	return a.base(c) + "/$metadata#" + fragment
}

// jsonNames caches the JSON property names of each API type, for $select checks.
var jsonNames sync.Map

func propertyNames(t reflect.Type) []string {
	if v, ok := jsonNames.Load(t); ok {
		return v.([]string)
	}
	var out []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" && !strings.HasPrefix(name, "@") {
			out = append(out, name)
		}
	}
	jsonNames.Store(t, out)
	return out
}

// checkSelect refuses a $select of a property the type does not have, naming those it has.
func checkSelect(sel []string, sample any) error {
	names := propertyNames(reflect.TypeOf(sample))
	for _, s := range sel {
		if !slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, s) }) {
			return &odata.Error{Option: "$select", Message: fmt.Sprintf("%q is not a property here; choose from %s", s, strings.Join(names, ", "))}
		}
	}
	return nil
}

// project marshals v with only the selected properties (and id, and the expanded ones).
func project(v any, sel []string, expanded []odata.Expand) (json.RawMessage, error) {
	b, err := marshal(v)
	if err != nil || len(sel) == 0 {
		return b, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	keep := func(k string) bool {
		if k == "id" || strings.HasPrefix(k, "@") {
			return true
		}
		for _, s := range sel {
			if strings.EqualFold(s, k) {
				return true
			}
		}
		for _, e := range expanded {
			if strings.EqualFold(e.Name, k) {
				return true
			}
		}
		return false
	}
	for k := range m {
		if !keep(k) {
			delete(m, k)
		}
	}
	return marshal(m)
}

// writeEntity answers with one object, its @odata.context first.
func (a *api) writeEntity(c echo.Context, status int, contextPath string, v any, q odata.Query) error {
	body, err := project(v, q.Select, q.Expand)
	if err != nil {
		return err
	}
	return writeWithContext(c, status, a.contextURL(c, contextPath), body)
}

func writeWithContext(c echo.Context, status int, ctxURL string, body json.RawMessage) error {
	head, _ := marshal(ctxURL)
	var buf bytes.Buffer
	buf.WriteString(`{"@odata.context":`)
	buf.Write(head)
	if rest := bytes.TrimSpace(body); len(rest) > 2 {
		buf.WriteByte(',')
		buf.Write(rest[1:])
	} else {
		buf.WriteByte('}')
	}
	return c.JSONBlob(status, buf.Bytes())
}

// writeCollection answers with {"value":[...]}, its context, @odata.count when known, and the
// next page's link when there is one, in that order. The body is written in one pass: each item
// is encoded straight into it, not encoded alone and then copied (and checked again) into the
// collection, which cost as much as encoding it.
func writeCollection[T any](a *api, c echo.Context, contextPath string, items []T, next string, count *int, q odata.Query) error {
	buf := bodies.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= maxPooledBody {
			bodies.Put(buf)
		}
	}()
	enc := newEncoder(buf)
	buf.WriteString(`{"@odata.context":`)
	if err := encode(enc, buf, a.contextURL(c, contextPath)); err != nil {
		return err
	}
	if count != nil {
		buf.WriteString(`,"@odata.count":`)
		buf.WriteString(strconv.Itoa(*count))
	}
	if next != "" {
		buf.WriteString(`,"@odata.nextLink":`)
		if err := encode(enc, buf, nextLink(c, next)); err != nil {
			return err
		}
	}
	buf.WriteString(`,"value":[`)
	for i, it := range items {
		if i > 0 {
			buf.WriteByte(',')
		}
		if len(q.Select) == 0 {
			if err := encode(enc, buf, it); err != nil {
				return err
			}
			continue
		}
		b, err := project(it, q.Select, q.Expand)
		if err != nil {
			return err
		}
		buf.Write(b)
	}
	buf.WriteString("]}")
	return c.JSONBlob(http.StatusOK, buf.Bytes())
}

// bodies keeps the buffers collections are written in, which JSONBlob has sent by the time
// writeCollection returns: a page of 100 is some 20 to 40 KB, which a new buffer reaches by
// growing and copying a dozen times. Buffers larger than maxPooledBody are left to the collector.
var bodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxPooledBody = 1 << 20

// nextLink is the URL of the request with its $skiptoken replaced by next.
func nextLink(c echo.Context, next string) string {
	u := *c.Request().URL
	v := u.Query()
	for k := range v {
		if strings.EqualFold(k, "$skiptoken") {
			v.Del(k)
		}
	}
	v.Set("$skiptoken", next)
	// Graph writes the option names with their '$' as it is.
	keys := slices.Sorted(maps.Keys(v))
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		for _, val := range v[k] {
			parts = append(parts, strings.ReplaceAll(url.QueryEscape(k), "%24", "$")+"="+url.QueryEscape(val))
		}
	}
	return c.Scheme() + "://" + c.Request().Host + u.Path + "?" + strings.Join(parts, "&")
}

// newEncoder is the API's JSON encoder, writing to buf. It is goccy/go-json's, the store's
// encoder, rather than encoding/json's: the same bytes (TestEncoderMatchesEncodingJSON holds it
// to that for every API type), written in about half the time, which was a fifth of a page of
// 100 users.
func newEncoder(buf *bytes.Buffer) *gojson.Encoder {
	enc := gojson.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	return enc
}

// encode appends v's JSON to buf, which enc writes to, without the newline Encode ends with.
func encode(enc *gojson.Encoder, buf *bytes.Buffer, v any) error {
	if err := enc.Encode(v); err != nil {
		return err
	}
	buf.Truncate(buf.Len() - 1)
	return nil
}

// marshal is json.Marshal with the API's encoder, without HTML escaping: Graph writes "&" in a
// nextLink and "<" in a message as they are, and scripts compare them as text.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := encode(newEncoder(&buf), &buf, v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// DefaultTop is the page size when $top is not given.
const DefaultTop = 100

// scanBudget bounds how many records one page may read when a filter is applied in memory: a
// page that reaches it ends early, with @odata.nextLink to go on.
const scanBudget = 5000

// skipToken is where a page ends: the store's cursor of the last full store page read, and how
// many records of the next store page were already served.
type skipToken struct {
	Cursor string `json:"c,omitempty"`
	Skip   int    `json:"s,omitempty"`
	// Limit is the page size the store page was read with, so that it is read again alike: a
	// list that leaves out what the caller may not read returns a different prefix for another
	// size.
	Limit int `json:"l,omitempty"`
}

func (t skipToken) encode() string {
	b, _ := json.Marshal(t)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeSkipToken(s string) (skipToken, error) {
	var t skipToken
	if s == "" {
		return t, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &t) != nil || t.Skip < 0 || t.Skip > entitlement.MaxPageSize || t.Limit < 0 || t.Limit > entitlement.MaxPageSize {
		return t, &odata.Error{Option: "$skiptoken", Message: "is damaged; use the @odata.nextLink of the previous page as it is"}
	}
	return t, nil
}

// pageResult is one page of a collection.
type pageResult[T any] struct {
	Items []T
	Next  string // $skiptoken of the next page, "" at the end
	Count *int   // @odata.count, when asked for and known exactly
}

// collect pages through a store-backed list: it reads store pages from the skip token on, keeps
// the records keep accepts (nil keeps all), and stops at $top records, at the end, or when it has
// read scanBudget records. A list served wholly by its index (keep nil) reports its count; a
// filtered one only when its first page reaches the end, which it then knows whole.
func collect[T any](q odata.Query, desc bool, fetch func(entitlement.ListOptions) (entitlement.Page[T], error), keep func(T) (bool, error)) (pageResult[T], error) {
	out, err := collectPage(q, desc, fetch, keep)
	if err == nil && q.Count && out.Count == nil && out.Next == "" && q.SkipToken == "" {
		n := len(out.Items)
		out.Count = &n
	}
	return out, err
}

// empty is a list with nothing in it: a count of 0 when asked.
func empty[T any](q odata.Query) pageResult[T] {
	var out pageResult[T]
	if q.Count {
		out.Count = new(int)
	}
	return out
}

// exactly returns nil when the filter is one equality on one of paths, which the index that
// serves the list answers exactly (so the list keeps its count), and keep otherwise.
func exactly[T any](q odata.Query, keep func(T) (bool, error), paths ...string) func(T) (bool, error) {
	c, ok := q.Filter.(odata.Compare)
	if !ok || c.Op != "eq" || len(odata.Paths(c)) != 1 {
		return keep
	}
	for _, p := range paths {
		if strings.EqualFold(odata.Paths(c)[0], p) {
			return nil
		}
	}
	return keep
}

func collectPage[T any](q odata.Query, desc bool, fetch func(entitlement.ListOptions) (entitlement.Page[T], error), keep func(T) (bool, error)) (pageResult[T], error) {
	var out pageResult[T]
	tok, err := decodeSkipToken(q.SkipToken)
	if err != nil {
		return out, err
	}
	top := q.Top
	if top == 0 {
		top = DefaultTop
	}
	scanned := 0
	first := true
	for {
		need := top - len(out.Items)
		limit := entitlement.MaxPageSize
		switch {
		case tok.Limit > 0:
			limit = tok.Limit
		case keep == nil:
			limit = min(need+tok.Skip, entitlement.MaxPageSize)
		}
		cursor := tok.Cursor
		// Only the first page of a list the index answers gives $count; the others need no total.
		counted := first && q.Count && keep == nil
		page, err := fetch(entitlement.ListOptions{After: cursor, Limit: limit, Desc: desc, NoTotal: !counted})
		if err != nil {
			return out, err
		}
		// A search that stopped counting has no exact total to give.
		if counted && page.Total >= 0 && !page.TotalAtLeast {
			n := page.Total
			out.Count = &n
		}
		first = false
		items := page.Items
		if tok.Skip > len(items) {
			tok.Skip = len(items)
		}
		for i := tok.Skip; i < len(items); i++ {
			scanned++
			ok := true
			if keep != nil {
				if ok, err = keep(items[i]); err != nil {
					return out, err
				}
			}
			if ok {
				if out.Items == nil {
					// One allocation for the page rather than a doubling chain of copies.
					out.Items = make([]T, 0, min(top, len(items)-tok.Skip))
				}
				out.Items = append(out.Items, items[i])
			}
			done := len(out.Items) == top || scanned >= scanBudget
			if done && (i+1 < len(items) || page.Next != "") {
				if i+1 < len(items) {
					out.Next = skipToken{Cursor: cursor, Skip: i + 1, Limit: limit}.encode()
				} else {
					out.Next = skipToken{Cursor: page.Next}.encode()
				}
				return out, nil
			}
			if done {
				return out, nil
			}
		}
		if page.Next == "" {
			return out, nil
		}
		tok = skipToken{Cursor: page.Next}
	}
}

// inMemory pages through items already gathered and sorted (small lists: a catalog's resource
// roles, a package's policies), with the same skip tokens.
func inMemory[T any](q odata.Query, items []T, keep func(T) (bool, error)) (pageResult[T], error) {
	var kept []T
	for _, it := range items {
		ok := true
		if keep != nil {
			var err error
			if ok, err = keep(it); err != nil {
				return pageResult[T]{}, err
			}
		}
		if ok {
			kept = append(kept, it)
		}
	}
	tok, err := decodeSkipToken(q.SkipToken)
	if err != nil {
		return pageResult[T]{}, err
	}
	from := 0
	if tok.Cursor != "" {
		n, err := strconv.Atoi(tok.Cursor)
		if err != nil || n < 0 {
			return pageResult[T]{}, &odata.Error{Option: "$skiptoken", Message: "is damaged; use the @odata.nextLink of the previous page as it is"}
		}
		from = min(n, len(kept))
	}
	top := q.Top
	if top == 0 {
		top = DefaultTop
	}
	to := min(from+top, len(kept))
	out := pageResult[T]{Items: kept[from:to]}
	if to < len(kept) {
		out.Next = skipToken{Cursor: strconv.Itoa(to)}.encode()
	}
	if q.Count {
		n := len(kept)
		out.Count = &n
	}
	return out, nil
}

// matcher turns a parsed filter into a keep function over objects whose properties lookup
// reads; the filter's paths must be among the supported ones (lower-cased), or it is a 400 that
// names them.
func matcher[T any](f odata.Expr, supported []string, lookup func(T, string) any) (func(T) (bool, error), error) {
	if f == nil {
		return nil, nil
	}
	for _, p := range odata.Paths(f) {
		if !slices.Contains(supported, p) {
			return nil, &odata.Error{Option: "$filter", Message: fmt.Sprintf("cannot filter on %q here; supported: %s", p, strings.Join(supported, ", "))}
		}
	}
	return func(v T) (bool, error) {
		return odata.Eval(f, func(p string) any { return lookup(v, p) })
	}, nil
}

// checkExpand refuses navigation properties the endpoint cannot expand, naming those it can.
func checkExpand(exp []odata.Expand, supported ...string) error {
	for _, e := range exp {
		if !slices.ContainsFunc(supported, func(s string) bool { return strings.EqualFold(s, e.Name) }) {
			if len(supported) == 0 {
				return &odata.Error{Option: "$expand", Message: "nothing can be expanded here"}
			}
			return &odata.Error{Option: "$expand", Message: fmt.Sprintf("cannot expand %q here; supported: %s", e.Name, strings.Join(supported, ", "))}
		}
	}
	return nil
}

func expands(q odata.Query, name string) (odata.Expand, bool) {
	for _, e := range q.Expand {
		if strings.EqualFold(e.Name, name) {
			return e, true
		}
	}
	return odata.Expand{}, false
}

// orderDesc checks $orderby against the one order a list is kept in (its index): key asc, or
// key desc where the list can walk backwards.
func orderDesc(q odata.Query, key string, descOK bool) (bool, error) {
	if len(q.OrderBy) == 0 {
		return false, nil
	}
	help := key + " asc"
	if descOK {
		help += " or " + key + " desc"
	}
	if len(q.OrderBy) > 1 || !strings.EqualFold(q.OrderBy[0].Path, key) || (q.OrderBy[0].Desc && !descOK) {
		return false, &odata.Error{Option: "$orderby", Message: "this list is kept in one order; supported: " + help}
	}
	return q.OrderBy[0].Desc, nil
}

// parse reads the query options an endpoint allows.
func parse(c echo.Context, allowed ...string) (odata.Query, error) {
	return odata.Parse(c.QueryParams(), append([]string{}, allowed...))
}

var (
	listOptions   = []string{"$filter", "$select", "$expand", "$orderby", "$top", "$skiptoken", "$count"}
	entityOptions = []string{"$select", "$expand"}
)

// idOf returns the id at the end of a directory object URL in an @odata.id (…/users/{id} or
// …/groups/{id}), and whether it names a group.
func idOf(ref string) (id string, group bool, err error) {
	u, perr := url.Parse(ref)
	if perr != nil || ref == "" {
		return "", false, errBody("@odata.id must be the URL of a user or a group, such as https://graph.microsoft.com/beta/users/{id}")
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) < 2 || parts[len(parts)-1] == "" {
		return "", false, errBody("@odata.id must end with /users/{id} or /groups/{id}")
	}
	kind := strings.ToLower(parts[len(parts)-2])
	switch kind {
	case "users", "directoryobjects":
		return parts[len(parts)-1], false, nil
	case "groups":
		return parts[len(parts)-1], true, nil
	}
	return "", false, errBody("@odata.id must end with /users/{id} or /groups/{id}")
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }
