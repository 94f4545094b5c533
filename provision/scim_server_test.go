package provision_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/elimity-com/scim"
	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/optional"
	"github.com/elimity-com/scim/schema"
	filter "github.com/scim2/filter-parser/v2"
)

// scimTarget is a SCIM 2.0 service provider in the test process: the elimity-com/scim server
// with Users and Groups kept in memory, behind a bearer token. It counts the calls it answers.
type scimTarget struct {
	srv   *httptest.Server
	users *memHandler
	group *memHandler
	calls atomic.Int64
	delay time.Duration
}

const scimToken = "scim-bearer-5e1f"

func startSCIM(tb testing.TB, groups ...string) *scimTarget {
	tb.Helper()
	st := &scimTarget{users: newMem("u"), group: newMem("g")}
	server, err := scim.NewServer(&scim.ServerArgs{
		ServiceProviderConfig: &scim.ServiceProviderConfig{SupportFiltering: true, SupportPatch: true, MaxResults: 200},
		ResourceTypes: []scim.ResourceType{
			{ID: optional.NewString("User"), Name: "User", Endpoint: "/Users", Schema: schema.CoreUserSchema(), Handler: st.users},
			{ID: optional.NewString("Group"), Name: "Group", Endpoint: "/Groups", Schema: schema.CoreGroupSchema(), Handler: st.group},
		},
	})
	if err != nil {
		tb.Fatal(err)
	}
	st.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st.calls.Add(1)
		if st.delay > 0 {
			time.Sleep(st.delay)
		}
		if r.Header.Get("Authorization") != "Bearer "+scimToken {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = fmt.Fprint(w, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"401","detail":"bad token"}`)
			return
		}
		server.ServeHTTP(w, r)
	}))
	tb.Cleanup(st.srv.Close)
	for _, g := range groups {
		st.group.put(scim.ResourceAttributes{"displayName": g, "members": []any{}})
	}
	return st
}

func (st *scimTarget) baseURL() string { return st.srv.URL + "/v2" }

// members lists the userNames in the named group.
func (st *scimTarget) members(name string) []string {
	st.group.mu.Lock()
	defer st.group.mu.Unlock()
	var out []string
	for _, g := range st.group.items {
		if g.Attributes["displayName"] != name {
			continue
		}
		ms, _ := g.Attributes["members"].([]any)
		for _, m := range ms {
			id, _ := m.(map[string]any)["value"].(string)
			st.users.mu.Lock()
			out = append(out, st.users.items[id].Attributes["userName"].(string))
			st.users.mu.Unlock()
		}
	}
	sort.Strings(out)
	return out
}

// memHandler is a scim.ResourceHandler over a map.
type memHandler struct {
	mu     sync.Mutex
	prefix string
	seq    int
	items  map[string]scim.Resource
}

func newMem(prefix string) *memHandler {
	return &memHandler{prefix: prefix, items: map[string]scim.Resource{}}
}

func (m *memHandler) put(attrs scim.ResourceAttributes) scim.Resource {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seq++
	id := fmt.Sprintf("%s%d", m.prefix, m.seq)
	now := time.Now()
	res := scim.Resource{ID: id, Attributes: attrs, Meta: scim.Meta{Created: &now, LastModified: &now}}
	if ext, ok := attrs["externalId"].(string); ok {
		res.ExternalID = optional.NewString(ext)
	}
	m.items[id] = res
	return res
}

func (m *memHandler) Create(_ *http.Request, attrs scim.ResourceAttributes) (scim.Resource, error) {
	if name, ok := attrs["userName"].(string); ok {
		m.mu.Lock()
		for _, r := range m.items {
			if strings.EqualFold(r.Attributes["userName"].(string), name) {
				m.mu.Unlock()
				return scim.Resource{}, scimerrors.ScimErrorUniqueness
			}
		}
		m.mu.Unlock()
	}
	return m.put(attrs), nil
}

func (m *memHandler) Get(_ *http.Request, id string) (scim.Resource, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.items[id]
	if !ok {
		return r, scimerrors.ScimErrorResourceNotFound(id)
	}
	return r, nil
}

func (m *memHandler) GetAll(_ *http.Request, p scim.ListRequestParams) (scim.Page, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ids := make([]string, 0, len(m.items))
	for id := range m.items {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var page scim.Page
	for _, id := range ids {
		r := m.items[id]
		if p.FilterValidator != nil && p.FilterValidator.PassesFilter(r.Attributes) != nil {
			continue
		}
		page.TotalResults++
		if page.TotalResults >= p.StartIndex && len(page.Resources) < p.Count {
			page.Resources = append(page.Resources, r)
		}
	}
	return page, nil
}

func (m *memHandler) Replace(_ *http.Request, id string, attrs scim.ResourceAttributes) (scim.Resource, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.items[id]
	if !ok {
		return r, scimerrors.ScimErrorResourceNotFound(id)
	}
	r.Attributes = attrs
	m.items[id] = r
	return r, nil
}

func (m *memHandler) Delete(_ *http.Request, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.items[id]; !ok {
		return scimerrors.ScimErrorResourceNotFound(id)
	}
	delete(m.items, id)
	return nil
}

// Patch applies add and remove operations on multi-valued attributes (a group's members), the
// ones a provisioning client sends.
func (m *memHandler) Patch(_ *http.Request, id string, ops []scim.PatchOperation) (scim.Resource, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.items[id]
	if !ok {
		return r, scimerrors.ScimErrorResourceNotFound(id)
	}
	for _, op := range ops {
		if op.Path == nil {
			return r, scimerrors.ScimErrorNoTarget
		}
		name := op.Path.AttributePath.AttributeName
		list, _ := r.Attributes[name].([]any)
		switch strings.ToLower(op.Op) {
		case "add":
			vals, _ := op.Value.([]any)
			for _, v := range vals {
				nv, _ := v.(map[string]any)
				if !containsValue(list, nv["value"]) {
					list = append(list, nv)
				}
			}
		case "remove":
			want := any(nil)
			if e, ok := op.Path.ValueExpression.(*filter.AttributeExpression); ok && e.AttributePath.AttributeName == "value" && e.Operator == filter.EQ {
				want = e.CompareValue
			}
			kept := list[:0:0]
			for _, v := range list {
				if want == nil || v.(map[string]any)["value"] != want {
					kept = append(kept, v)
				}
			}
			list = kept
		default:
			return r, scimerrors.ScimErrorInvalidSyntax
		}
		r.Attributes[name] = list
	}
	m.items[id] = r
	return r, nil
}

func containsValue(list []any, v any) bool {
	for _, x := range list {
		if x.(map[string]any)["value"] == v {
			return true
		}
	}
	return false
}
