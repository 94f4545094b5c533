package provision

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/stewardhq/steward/entitlement"
)

// SCIM 2.0 schema URNs the client sends.
const (
	scimUser    = "urn:ietf:params:scim:schemas:core:2.0:User"
	scimPatchOp = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
)

// The SCIM connector finds the person among the service provider's Users by userName (their
// e-mail address) or by externalId (Steward's id), creates them when a grant finds nobody, and
// adds them to or removes them from the Group whose displayName is the role's name. A removal that
// finds no user or no membership has nothing to do and succeeds.

// scimGroups remembers group ids by base URL and name, so a grant costs no group lookup once the
// group is known.
type scimGroups struct {
	mu  sync.Mutex
	ids map[string]string
}

func (g *scimGroups) get(key string) (string, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	id, ok := g.ids[key]
	return id, ok
}

func (g *scimGroups) put(key, id string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ids == nil {
		g.ids = map[string]string{}
	}
	g.ids[key] = id
}

func (g *scimGroups) forget(key string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.ids, key)
}

type scimClient struct {
	d    *Dispatcher
	base string
	c    entitlement.Connector
}

func (d *Dispatcher) scimFor(c entitlement.Connector) scimClient {
	return scimClient{d: d, base: strings.TrimRight(c.Settings["baseUrl"], "/"), c: c}
}

func (d *Dispatcher) scim(ctx context.Context, c entitlement.Connector, a entitlement.ProvisionAction) error {
	sc := d.scimFor(c)
	uid, err := sc.findUser(ctx, a)
	if err != nil {
		return err
	}
	if uid == "" {
		if a.Op == entitlement.ProvisionRemove {
			return nil
		}
		if uid, err = sc.createUser(ctx, a); err != nil {
			return err
		}
	}
	gid, err := sc.groupID(ctx, a.RoleName)
	if err != nil {
		return err
	}
	op := map[string]any{"op": "add", "path": "members", "value": []map[string]string{{"value": uid}}}
	if a.Op == entitlement.ProvisionRemove {
		op = map[string]any{"op": "remove", "path": `members[value eq "` + uid + `"]`}
	}
	status, _, err := sc.do(ctx, http.MethodPatch, "/Groups/"+url.PathEscape(gid), map[string]any{"schemas": []string{scimPatchOp}, "Operations": []any{op}})
	if status == http.StatusNotFound {
		sc.d.groups.forget(sc.groupKey(a.RoleName)) // deleted at the target; looked up again next time
	}
	return err
}

func (d *Dispatcher) testSCIM(ctx context.Context, c entitlement.Connector) error {
	_, _, err := d.scimFor(c).do(ctx, http.MethodGet, "/ServiceProviderConfig", nil)
	return err
}

func (sc scimClient) groupKey(name string) string { return sc.base + "\x00" + name }

func (sc scimClient) findUser(ctx context.Context, a entitlement.ProvisionAction) (string, error) {
	attr, value := "userName", a.Email
	if sc.c.Settings["match"] == "externalId" {
		attr, value = "externalId", a.SubjectID
	}
	if value == "" {
		return "", fmt.Errorf("scim: the person has no %s to match", attr)
	}
	return sc.findOne(ctx, "/Users", attr, value)
}

func (sc scimClient) createUser(ctx context.Context, a entitlement.ProvisionAction) (string, error) {
	if a.Email == "" {
		return "", errors.New("scim: the person has no e-mail address to create them with")
	}
	u := map[string]any{
		"schemas": []string{scimUser}, "userName": a.Email, "externalId": a.SubjectID, "active": true,
		"displayName": a.SubjectName, "emails": []map[string]any{{"value": a.Email, "primary": true, "type": "work"}},
	}
	_, body, err := sc.do(ctx, http.MethodPost, "/Users", u)
	if err != nil {
		return "", err
	}
	var created struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(body, &created); err != nil || created.ID == "" {
		return "", errors.New("scim: the new user came back without an id")
	}
	return created.ID, nil
}

func (sc scimClient) groupID(ctx context.Context, name string) (string, error) {
	key := sc.groupKey(name)
	if id, ok := sc.d.groups.get(key); ok {
		return id, nil
	}
	id, err := sc.findOne(ctx, "/Groups", "displayName", name)
	if err != nil {
		return "", err
	}
	if id == "" {
		return "", fmt.Errorf("scim: no group named %q at the service provider; create it there, named as the role", name)
	}
	sc.d.groups.put(key, id)
	return id, nil
}

// findOne returns the id of the one resource whose attr equals value, or "" when there is none.
func (sc scimClient) findOne(ctx context.Context, endpoint, attr, value string) (string, error) {
	q := url.Values{"filter": {attr + ` eq "` + strings.ReplaceAll(value, `"`, `\"`) + `"`}, "count": {"2"}}
	_, body, err := sc.do(ctx, http.MethodGet, endpoint+"?"+q.Encode(), nil)
	if err != nil {
		return "", err
	}
	var list struct {
		Resources []struct {
			ID string `json:"id"`
		} `json:"Resources"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return "", fmt.Errorf("scim: %s answered with something that is not a list: %w", endpoint, err)
	}
	switch len(list.Resources) {
	case 0:
		return "", nil
	case 1:
		return list.Resources[0].ID, nil
	}
	return "", fmt.Errorf("scim: more than one %s has %s %q", strings.TrimPrefix(endpoint, "/"), attr, value)
}

// do sends one request with the bearer token and returns the status and body of a 2xx answer;
// any other answer is an error with the SCIM error's detail.
func (sc scimClient) do(ctx context.Context, method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, sc.base+path, rd)
	if err != nil {
		return 0, nil, fmt.Errorf("scim base URL: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+sc.c.Secrets["token"])
	req.Header.Set("Accept", "application/scim+json")
	if body != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	res, err := sc.d.opt.HTTP.Do(req)
	if err != nil {
		return 0, nil, unreachable("the SCIM service at "+sc.base, err)
	}
	defer func() { _ = res.Body.Close() }()
	data, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return res.StatusCode, nil, fmt.Errorf("scim: read the answer: %w", err)
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		var e struct {
			Detail string `json:"detail"`
		}
		_ = json.Unmarshal(data, &e)
		what := strings.TrimSpace(e.Detail)
		if what == "" && len(data) < 200 {
			what = strings.TrimSpace(string(data))
		}
		if what != "" {
			what = ": " + what
		}
		return res.StatusCode, nil, fmt.Errorf("scim: %s %s answered %s%s", method, strings.SplitN(path, "?", 2)[0], res.Status, what)
	}
	return res.StatusCode, data, nil
}
