package odata

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// MaxTop is the largest $top, as in Graph.
const MaxTop = 999

// Query is the parsed query options of one request.
type Query struct {
	Filter    Expr     // nil when there is none
	Select    []string // property names as written; empty for all
	Expand    []Expand
	OrderBy   []Order
	Top       int // 0 when not given
	SkipToken string
	Count     bool
}

// Expand is one navigation property to expand, with its own nested options.
type Expand struct {
	Name   string // as written
	Select []string
	Expand []Expand
}

// Order is one $orderby key.
type Order struct {
	Path string // lower-cased
	Desc bool
}

// supported is every option Parse knows; the others are refused by name.
var supported = []string{"$filter", "$select", "$expand", "$orderby", "$top", "$skiptoken", "$count"}

// Parse reads the query options of a request. allowed names the options the endpoint serves
// (nil for all of them); any other $-option is an error that lists the allowed ones. Options
// without a leading $ are left alone, as Graph leaves them.
func Parse(v url.Values, allowed []string) (Query, error) {
	if allowed == nil {
		allowed = supported
	}
	var q Query
	for name, vals := range v {
		if !strings.HasPrefix(name, "$") {
			continue
		}
		lname := strings.ToLower(name)
		if !slices.Contains(allowed, lname) {
			switch lname {
			case "$skip":
				return q, errorf(name, "is not supported; follow @odata.nextLink (its $skiptoken) to page")
			case "$search":
				return q, errorf(name, "is not supported; use $filter with startswith or contains")
			}
			if len(allowed) == 0 {
				return q, errorf(name, "is not supported: this endpoint takes no query options")
			}
			return q, errorf(name, "is not supported here; supported: %s", strings.Join(allowed, ", "))
		}
		if len(vals) > 1 {
			return q, errorf(name, "is given %d times; give it once", len(vals))
		}
		val := vals[0]
		var err error
		switch lname {
		case "$filter":
			q.Filter, err = ParseFilter(val)
		case "$select":
			q.Select, err = parseSelect(name, val)
		case "$expand":
			q.Expand, err = parseExpand(val, 0)
		case "$orderby":
			q.OrderBy, err = parseOrderBy(val)
		case "$top":
			q.Top, err = parseTop(val)
		case "$skiptoken":
			if val == "" {
				err = errorf(name, "is empty; use the whole @odata.nextLink")
			}
			q.SkipToken = val
		case "$count":
			switch strings.ToLower(val) {
			case "true":
				q.Count = true
			case "false":
			default:
				err = errorf(name, "must be true or false")
			}
		}
		if err != nil {
			return q, err
		}
	}
	return q, nil
}

func parseTop(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 || n > MaxTop {
		return 0, errorf("$top", "must be a whole number from 1 to %d", MaxTop)
	}
	return n, nil
}

var nameRe = pathRe

func parseSelect(option, s string) ([]string, error) {
	var out []string
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			return nil, errorf(option, "has an empty name; list property names separated by commas")
		}
		if part == "*" {
			return nil, nil
		}
		if !nameRe.MatchString(part) || strings.Contains(part, "/") {
			return nil, errorf(option, "%q is not a property name", part)
		}
		out = append(out, part)
	}
	return out, nil
}

func parseOrderBy(s string) ([]Order, error) {
	var out []Order
	for _, part := range strings.Split(s, ",") {
		f := strings.Fields(part)
		if len(f) == 0 || len(f) > 2 {
			return nil, errorf("$orderby", "write property names with an optional asc or desc, separated by commas")
		}
		if !nameRe.MatchString(f[0]) {
			return nil, errorf("$orderby", "%q is not a property name", f[0])
		}
		o := Order{Path: strings.ToLower(f[0])}
		if len(f) == 2 {
			switch strings.ToLower(f[1]) {
			case "asc":
			case "desc":
				o.Desc = true
			default:
				return nil, errorf("$orderby", "%q must be asc or desc", f[1])
			}
		}
		out = append(out, o)
	}
	return out, nil
}

// splitTop splits s at the separators outside parentheses.
func splitTop(option, s string, sep byte) ([]string, error) {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth < 0 {
				return nil, errorf(option, "has a ')' without its '('")
			}
		case sep:
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	if depth != 0 {
		return nil, errorf(option, "has a '(' without its ')'")
	}
	return append(out, s[start:]), nil
}

func parseExpand(s string, depth int) ([]Expand, error) {
	if depth > 3 {
		return nil, errorf("$expand", "nests deeper than 3 levels")
	}
	parts, err := splitTop("$expand", s, ',')
	if err != nil {
		return nil, err
	}
	var out []Expand
	for _, part := range parts {
		part = strings.TrimSpace(part)
		name, inner := part, ""
		if i := strings.IndexByte(part, '('); i >= 0 {
			if !strings.HasSuffix(part, ")") {
				return nil, errorf("$expand", "%q: nested options go in parentheses at the end, e.g. accessPackageResourceRoleScopes($expand=accessPackageResourceRole)", part)
			}
			name, inner = strings.TrimSpace(part[:i]), part[i+1:len(part)-1]
		}
		if !nameRe.MatchString(name) || strings.Contains(name, "/") {
			return nil, errorf("$expand", "%q is not a navigation property name", name)
		}
		e := Expand{Name: name}
		if strings.TrimSpace(inner) != "" {
			opts, err := splitTop("$expand", inner, ';')
			if err != nil {
				return nil, err
			}
			for _, o := range opts {
				k, v, ok := strings.Cut(strings.TrimSpace(o), "=")
				if !ok {
					return nil, errorf("$expand", "%q: nested options are written $select=… or $expand=…, separated by ';'", o)
				}
				switch strings.ToLower(strings.TrimSpace(k)) {
				case "$select":
					if e.Select, err = parseSelect("$expand", v); err != nil {
						return nil, err
					}
				case "$expand":
					if e.Expand, err = parseExpand(v, depth+1); err != nil {
						return nil, err
					}
				default:
					return nil, errorf("$expand", "the nested option %q is not supported; use $select or $expand", k)
				}
			}
		}
		out = append(out, e)
	}
	return out, nil
}
