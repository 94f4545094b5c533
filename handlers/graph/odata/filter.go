// Package odata parses the OData query options of the Graph-style API ($filter, $select,
// $expand, $orderby, $top, $skiptoken, $count) and evaluates filters against objects. Every
// malformed or unsupported option is an *Error whose message says what is wrong and what is
// supported, so that the API can answer 400 instead of guessing.
package odata

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Error is a query option the API cannot serve: malformed, or outside what it supports.
type Error struct {
	Option  string // "$filter", "$top", …
	Message string
}

func (e *Error) Error() string { return e.Option + ": " + e.Message }

func errorf(option, format string, args ...any) error {
	return &Error{Option: option, Message: fmt.Sprintf(format, args...)}
}

// Expr is a boolean filter expression.
type Expr interface{ expr() }

// Operand is a value inside a comparison: a property path, a literal or a function of one.
type Operand interface{ operand() }

// Logical is "and" or "or".
type Logical struct {
	Op          string // "and" or "or"
	Left, Right Expr
}

// Not negates X.
type Not struct{ X Expr }

// Compare is a comparison: eq, ne, gt, ge, lt, le.
type Compare struct {
	Op          string
	Left, Right Operand
}

// Match is startswith, endswith or contains, on a string operand and a string literal.
type Match struct {
	Func    string
	Subject Operand
	Value   Operand
}

// Path is a property path, lower-cased ("accesspackage/id"): Graph matches names case-insensitively.
type Path struct{ Name string }

// Literal is a constant: string, float64, bool, nil (null) or time.Time (datetime).
type Literal struct{ Value any }

// Lower is tolower() or toupper() of an operand; filters compare strings case-insensitively
// anyway, so both only pass their operand through.
type Lower struct{ X Operand }

func (Logical) expr()    {}
func (Not) expr()        {}
func (Compare) expr()    {}
func (Match) expr()      {}
func (Path) operand()    {}
func (Literal) operand() {}
func (Lower) operand()   {}

// MaxFilterLength bounds a $filter, so that parsing and evaluating stay cheap.
const MaxFilterLength = 2000

const maxDepth = 32

const filterHelp = "supported: eq, ne, gt, ge, lt, le, and, or, not, parentheses, " +
	"startswith(p,'x'), endswith(p,'x'), contains(p,'x'), tolower(p), and string ('x'), number, " +
	"true/false, null, datetime (2020-01-02T03:04:05Z) and GUID literals"

// ParseFilter parses a $filter expression.
func ParseFilter(s string) (Expr, error) {
	if len(s) > MaxFilterLength {
		return nil, errorf("$filter", "the filter is longer than %d characters", MaxFilterLength)
	}
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, errorf("$filter", "the filter is empty; %s", filterHelp)
	}
	p := &parser{toks: toks}
	e, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		return nil, errorf("$filter", "unexpected %q at position %d; %s", p.toks[p.i].text, p.toks[p.i].pos+1, filterHelp)
	}
	return e, nil
}

type tokKind int

const (
	tWord tokKind = iota
	tString
	tLParen
	tRParen
	tComma
)

type token struct {
	kind tokKind
	text string
	pos  int
}

func isWordChar(r byte) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
		r == '_' || r == '.' || r == '/' || r == ':' || r == '+' || r == '-' || r == '@' || r == '$'
}

func lex(s string) ([]token, error) {
	var out []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(':
			out = append(out, token{tLParen, "(", i})
			i++
		case c == ')':
			out = append(out, token{tRParen, ")", i})
			i++
		case c == ',':
			out = append(out, token{tComma, ",", i})
			i++
		case c == '\'':
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(s) {
					return nil, errorf("$filter", "the string starting at position %d has no closing quote (write a quote inside a string as '')", i+1)
				}
				if s[j] == '\'' {
					if j+1 < len(s) && s[j+1] == '\'' {
						b.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				b.WriteByte(s[j])
				j++
			}
			out = append(out, token{tString, b.String(), i})
			i = j + 1
		case isWordChar(c):
			j := i
			for j < len(s) && isWordChar(s[j]) {
				j++
			}
			out = append(out, token{tWord, s[i:j], i})
			i = j
		default:
			return nil, errorf("$filter", "unexpected character %q at position %d; %s", c, i+1, filterHelp)
		}
	}
	return out, nil
}

type parser struct {
	toks []token
	i    int
}

func (p *parser) peekWord(w string) bool {
	return p.i < len(p.toks) && p.toks[p.i].kind == tWord && strings.EqualFold(p.toks[p.i].text, w)
}

func (p *parser) expect(k tokKind, what string) error {
	if p.i >= len(p.toks) {
		return errorf("$filter", "the filter ends where %s was expected", what)
	}
	if p.toks[p.i].kind != k {
		return errorf("$filter", "expected %s at position %d, found %q", what, p.toks[p.i].pos+1, p.toks[p.i].text)
	}
	p.i++
	return nil
}

func (p *parser) or(depth int) (Expr, error) {
	if depth > maxDepth {
		return nil, errorf("$filter", "the filter nests deeper than %d levels", maxDepth)
	}
	l, err := p.and(depth)
	if err != nil {
		return nil, err
	}
	for p.peekWord("or") {
		p.i++
		r, err := p.and(depth)
		if err != nil {
			return nil, err
		}
		l = Logical{"or", l, r}
	}
	return l, nil
}

func (p *parser) and(depth int) (Expr, error) {
	l, err := p.unary(depth)
	if err != nil {
		return nil, err
	}
	for p.peekWord("and") {
		p.i++
		r, err := p.unary(depth)
		if err != nil {
			return nil, err
		}
		l = Logical{"and", l, r}
	}
	return l, nil
}

func (p *parser) unary(depth int) (Expr, error) {
	if p.peekWord("not") {
		p.i++
		x, err := p.unary(depth + 1)
		if err != nil {
			return nil, err
		}
		return Not{x}, nil
	}
	if p.i < len(p.toks) && p.toks[p.i].kind == tLParen {
		p.i++
		e, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if err := p.expect(tRParen, "')'"); err != nil {
			return nil, err
		}
		return e, nil
	}
	for _, f := range []string{"startswith", "endswith", "contains"} {
		if p.peekWord(f) && p.i+1 < len(p.toks) && p.toks[p.i+1].kind == tLParen {
			p.i += 2
			subj, err := p.operand(depth)
			if err != nil {
				return nil, err
			}
			if err := p.expect(tComma, "','"); err != nil {
				return nil, err
			}
			val, err := p.operand(depth)
			if err != nil {
				return nil, err
			}
			if err := p.expect(tRParen, "')'"); err != nil {
				return nil, err
			}
			if l, ok := val.(Literal); !ok || !isString(l.Value) {
				return nil, errorf("$filter", "the second argument of %s must be a string literal in quotes", f)
			}
			return Match{f, subj, val}, nil
		}
	}
	left, err := p.operand(depth)
	if err != nil {
		return nil, err
	}
	if p.i >= len(p.toks) || p.toks[p.i].kind != tWord {
		return nil, errorf("$filter", "expected a comparison (eq, ne, gt, ge, lt, le) after %s; %s", describe(left), filterHelp)
	}
	op := strings.ToLower(p.toks[p.i].text)
	switch op {
	case "eq", "ne", "gt", "ge", "lt", "le":
	case "in", "has", "any", "all", "add", "sub", "mul", "div", "mod":
		return nil, errorf("$filter", "the operator %q is not supported; %s", op, filterHelp)
	default:
		return nil, errorf("$filter", "expected a comparison (eq, ne, gt, ge, lt, le) at position %d, found %q", p.toks[p.i].pos+1, p.toks[p.i].text)
	}
	p.i++
	right, err := p.operand(depth)
	if err != nil {
		return nil, err
	}
	if _, lp := left.(Literal); lp {
		if _, rp := right.(Literal); rp {
			return nil, errorf("$filter", "a comparison needs a property on one side, not two literals")
		}
	}
	if op != "eq" && op != "ne" {
		for _, side := range []Operand{left, right} {
			if l, ok := side.(Literal); ok && !orderable(l.Value) {
				return nil, errorf("$filter", "%s compares dates, times and numbers; write a datetime (2020-01-02T03:04:05Z) or a number", op)
			}
		}
	}
	return Compare{op, left, right}, nil
}

// orderable reports whether gt, ge, lt and le can compare with the literal.
func orderable(v any) bool {
	switch v := v.(type) {
	case float64, time.Time:
		return true
	case string:
		_, err := parseTime(v)
		return err == nil
	}
	return false
}

func isString(v any) bool { _, ok := v.(string); return ok }

func describe(o Operand) string {
	switch o := o.(type) {
	case Path:
		return "property " + o.Name
	case Literal:
		return fmt.Sprintf("value %v", o.Value)
	}
	return "the function"
}

var (
	guidRe     = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	dateTimeRe = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$`)
	numberRe   = regexp.MustCompile(`^-?\d+(\.\d+)?([eE][+-]?\d+)?$`)
	pathRe     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(/[A-Za-z_][A-Za-z0-9_]*)*$`)
)

func (p *parser) operand(depth int) (Operand, error) {
	if p.i >= len(p.toks) {
		return nil, errorf("$filter", "the filter ends where a property or a value was expected")
	}
	t := p.toks[p.i]
	switch t.kind {
	case tString:
		p.i++
		return Literal{t.text}, nil
	case tWord:
	default:
		return nil, errorf("$filter", "expected a property or a value at position %d, found %q", t.pos+1, t.text)
	}
	p.i++
	w := t.text
	lw := strings.ToLower(w)
	if (lw == "tolower" || lw == "toupper") && p.i < len(p.toks) && p.toks[p.i].kind == tLParen {
		if depth > maxDepth {
			return nil, errorf("$filter", "the filter nests deeper than %d levels", maxDepth)
		}
		p.i++
		x, err := p.operand(depth + 1)
		if err != nil {
			return nil, err
		}
		if err := p.expect(tRParen, "')'"); err != nil {
			return nil, err
		}
		return Lower{x}, nil
	}
	if p.i < len(p.toks) && p.toks[p.i].kind == tLParen {
		return nil, errorf("$filter", "the function %q is not supported; %s", w, filterHelp)
	}
	switch {
	case lw == "true" || lw == "false":
		return Literal{lw == "true"}, nil
	case lw == "null":
		return Literal{nil}, nil
	case guidRe.MatchString(w):
		return Literal{strings.ToLower(w)}, nil
	case dateTimeRe.MatchString(w):
		tm, err := parseTime(w)
		if err != nil {
			return nil, errorf("$filter", "%q is not a valid date and time; write it as 2020-01-02T03:04:05Z", w)
		}
		return Literal{tm}, nil
	case numberRe.MatchString(w):
		f, err := strconv.ParseFloat(w, 64)
		if err != nil {
			return nil, errorf("$filter", "%q is not a valid number", w)
		}
		return Literal{f}, nil
	case pathRe.MatchString(w):
		return Path{strings.ToLower(w)}, nil
	}
	return nil, errorf("$filter", "%q at position %d is neither a property nor a value; put strings in single quotes", w, t.pos+1)
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not a time: %q", s)
}

// Paths returns the property paths a filter names, once each, in order.
func Paths(e Expr) []string {
	var out []string
	seen := map[string]bool{}
	var op func(o Operand)
	op = func(o Operand) {
		switch o := o.(type) {
		case Path:
			if !seen[o.Name] {
				seen[o.Name] = true
				out = append(out, o.Name)
			}
		case Lower:
			op(o.X)
		}
	}
	var walk func(e Expr)
	walk = func(e Expr) {
		switch e := e.(type) {
		case Logical:
			walk(e.Left)
			walk(e.Right)
		case Not:
			walk(e.X)
		case Compare:
			op(e.Left)
			op(e.Right)
		case Match:
			op(e.Subject)
			op(e.Value)
		}
	}
	walk(e)
	return out
}

// Equality returns the value that the filter requires the path to equal, when every object the
// filter keeps must have path eq value: the filter is that comparison, or an "and" with it on
// either side. A handler uses it to read an index instead of scanning, and still evaluates the
// whole filter on what the index returns.
func Equality(e Expr, path string) (string, bool) {
	path = strings.ToLower(path)
	switch e := e.(type) {
	case Compare:
		if e.Op != "eq" {
			return "", false
		}
		l, r := e.Left, e.Right
		if _, ok := l.(Literal); ok {
			l, r = r, l
		}
		p, ok := l.(Path)
		lit, ok2 := r.(Literal)
		if ok && ok2 && p.Name == path {
			if s, ok := lit.Value.(string); ok {
				return s, true
			}
		}
	case Logical:
		if e.Op == "and" {
			if v, ok := Equality(e.Left, path); ok {
				return v, true
			}
			return Equality(e.Right, path)
		}
	}
	return "", false
}

// Lookup returns the value of a property path of the object being filtered: string, bool,
// a number (int or float64), time.Time, *time.Time, or nil.
type Lookup func(path string) any

// Eval reports whether the object that lookup reads matches the filter. Strings compare
// case-insensitively, as Graph compares ids and names.
func Eval(e Expr, lookup Lookup) (bool, error) {
	switch e := e.(type) {
	case Logical:
		l, err := Eval(e.Left, lookup)
		if err != nil {
			return false, err
		}
		if e.Op == "and" && !l {
			return false, nil
		}
		if e.Op == "or" && l {
			return true, nil
		}
		return Eval(e.Right, lookup)
	case Not:
		v, err := Eval(e.X, lookup)
		return !v, err
	case Match:
		s, ok := value(e.Subject, lookup).(string)
		if !ok {
			return false, nil
		}
		v, _ := value(e.Value, lookup).(string)
		s, v = strings.ToLower(s), strings.ToLower(v)
		switch e.Func {
		case "startswith":
			return strings.HasPrefix(s, v), nil
		case "endswith":
			return strings.HasSuffix(s, v), nil
		}
		return strings.Contains(s, v), nil
	case Compare:
		return compare(e.Op, value(e.Left, lookup), value(e.Right, lookup))
	}
	return false, errorf("$filter", "cannot evaluate the filter")
}

func value(o Operand, lookup Lookup) any {
	switch o := o.(type) {
	case Path:
		return normalize(lookup(o.Name))
	case Literal:
		return o.Value
	case Lower:
		return value(o.X, lookup)
	}
	return nil
}

func normalize(v any) any {
	switch v := v.(type) {
	case int:
		return float64(v)
	case int64:
		return float64(v)
	case *time.Time:
		if v == nil {
			return nil
		}
		return v.UTC()
	case time.Time:
		if v.IsZero() {
			return nil
		}
		return v.UTC()
	case fmt.Stringer:
		return v.String()
	}
	return v
}

func compare(op string, l, r any) (bool, error) {
	// A string literal compared with a time is read as a time.
	if _, ok := l.(time.Time); ok {
		r = asTime(r)
	}
	if _, ok := r.(time.Time); ok {
		l = asTime(l)
	}
	if op == "eq" || op == "ne" {
		eq := equal(l, r)
		return eq == (op == "eq"), nil
	}
	if l == nil || r == nil {
		return false, nil
	}
	var c int
	switch lv := l.(type) {
	case time.Time:
		rv, ok := r.(time.Time)
		if !ok {
			return false, errorf("$filter", "compare a date and time with a datetime literal such as 2020-01-02T03:04:05Z")
		}
		c = lv.Compare(rv)
	case float64:
		rv, ok := r.(float64)
		if !ok {
			return false, errorf("$filter", "compare a number with a number")
		}
		switch {
		case lv < rv:
			c = -1
		case lv > rv:
			c = 1
		}
	default:
		return false, errorf("$filter", "%s works on dates, times and numbers only", op)
	}
	switch op {
	case "gt":
		return c > 0, nil
	case "ge":
		return c >= 0, nil
	case "lt":
		return c < 0, nil
	}
	return c <= 0, nil
}

func asTime(v any) any {
	if s, ok := v.(string); ok {
		if t, err := parseTime(s); err == nil {
			return t
		}
	}
	return v
}

func equal(l, r any) bool {
	if l == nil || r == nil {
		return l == nil && r == nil || l == "" && r == nil || l == nil && r == ""
	}
	switch lv := l.(type) {
	case string:
		rv, ok := r.(string)
		return ok && strings.EqualFold(lv, rv)
	case time.Time:
		rv, ok := r.(time.Time)
		return ok && lv.Equal(rv)
	}
	return l == r
}
