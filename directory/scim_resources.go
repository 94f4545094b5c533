package directory

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/stewardhq/steward/entitlement"
)

// User is the SCIM User resource with the enterprise extension.
type User struct {
	Schemas     []string    `json:"schemas"`
	ID          string      `json:"id,omitempty"`
	ExternalID  string      `json:"externalId,omitempty"`
	UserName    string      `json:"userName"`
	DisplayName string      `json:"displayName,omitempty"`
	Name        *Name       `json:"name,omitempty"`
	Title       string      `json:"title,omitempty"`
	Active      *bool       `json:"active,omitempty"`
	Emails      []Email     `json:"emails,omitempty"`
	Enterprise  *Enterprise `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User,omitempty"`
	Meta        *Meta       `json:"meta,omitempty"`
}

// Name is a person's name parts; Steward keeps the formatted whole.
type Name struct {
	Formatted  string `json:"formatted,omitempty"`
	GivenName  string `json:"givenName,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
}

// Email is one address of a person.
type Email struct {
	Value   string `json:"value"`
	Type    string `json:"type,omitempty"`
	Primary bool   `json:"primary,omitempty"`
}

// Enterprise is the enterprise extension's part Steward keeps.
type Enterprise struct {
	EmployeeNumber string   `json:"employeeNumber,omitempty"`
	Department     string   `json:"department,omitempty"`
	Manager        *Manager `json:"manager,omitempty"`
}

// Manager names the manager by SCIM id.
type Manager struct {
	Value string `json:"value"`
}

// Meta is a resource's metadata.
type Meta struct {
	ResourceType string    `json:"resourceType"`
	Created      time.Time `json:"created"`
	LastModified time.Time `json:"lastModified"`
	Location     string    `json:"location"`
}

// Group is the SCIM Group resource.
type Group struct {
	Schemas     []string `json:"schemas"`
	ID          string   `json:"id,omitempty"`
	ExternalID  string   `json:"externalId,omitempty"`
	DisplayName string   `json:"displayName"`
	Members     []Member `json:"members,omitempty"`
	Meta        *Meta    `json:"meta,omitempty"`
}

// Member is one member of a group, by SCIM id.
type Member struct {
	Value   string `json:"value"`
	Display string `json:"display,omitempty"`
}

func toUser(u entitlement.User) User {
	active := u.AccountEnabled
	out := User{
		Schemas: []string{SchemaUser, SchemaEnterprise}, ID: u.ID, ExternalID: u.ExternalID, UserName: u.Email,
		DisplayName: u.DisplayName, Name: &Name{Formatted: u.DisplayName}, Title: u.JobTitle, Active: &active,
		Emails:     []Email{{Value: u.Email, Type: "work", Primary: true}},
		Enterprise: &Enterprise{EmployeeNumber: u.EmployeeNumber, Department: u.Department},
		Meta:       &Meta{ResourceType: "User", Created: u.CreatedDateTime, LastModified: u.ModifiedDateTime, Location: "/scim/v2/Users/" + u.ID},
	}
	if u.ManagerID != "" {
		out.Enterprise.Manager = &Manager{Value: u.ManagerID}
	}
	return out
}

func (in User) input(id string) entitlement.SyncUserInput {
	out := entitlement.SyncUserInput{ID: id, ExternalID: in.ExternalID, UserName: in.UserName, DisplayName: in.DisplayName, JobTitle: in.Title, Active: in.Active == nil || *in.Active}
	if out.DisplayName == "" && in.Name != nil {
		out.DisplayName = in.Name.Formatted
		if out.DisplayName == "" {
			out.DisplayName = strings.TrimSpace(in.Name.GivenName + " " + in.Name.FamilyName)
		}
	}
	for _, e := range in.Emails {
		if e.Primary || out.Email == "" {
			out.Email = e.Value
		}
	}
	if in.Enterprise != nil {
		out.EmployeeNumber, out.Department = in.Enterprise.EmployeeNumber, in.Enterprise.Department
		if in.Enterprise.Manager != nil {
			out.ManagerID = in.Enterprise.Manager.Value
		}
	}
	return out
}

// CreateUser provisions a person (POST /Users).
func (h SCIM) CreateUser(c echo.Context) error {
	var in User
	if err := decode(c, &in); err != nil {
		return err
	}
	if strings.TrimSpace(in.UserName) == "" {
		return badRequest(c, "invalidValue", "userName is required")
	}
	u, outcome, err := h.Svc.SyncUser(c.Request().Context(), in.input(""))
	if err != nil {
		return err
	}
	if outcome != entitlement.SyncCreated {
		return scimError(c, http.StatusConflict, "uniqueness", "a user with this userName or externalId already exists")
	}
	return writeJSON(c, http.StatusCreated, toUser(u))
}

// GetUser returns one person.
func (h SCIM) GetUser(c echo.Context) error {
	u, err := h.Svc.SyncedUser(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, toUser(u))
}

// ListUsers lists people, filtered by userName or externalId (eq, and).
func (h SCIM) ListUsers(c echo.Context) error {
	f, err := filter(c.QueryParam("filter"))
	if err != nil {
		return badRequest(c, "invalidFilter", "%s", err.Error())
	}
	var uf entitlement.SyncUserFilter
	for attr, v := range f {
		switch attr {
		case "username":
			uf.UserName = v
		case "externalid":
			uf.ExternalID = v
		default:
			return badRequest(c, "invalidFilter", "filter by userName or externalId")
		}
	}
	start, count := paging(c)
	uf.Offset, uf.Limit = start-1, max(count, 1) // count 0 asks for the total only
	users, total, err := h.Svc.SyncedUsers(c.Request().Context(), uf)
	if err != nil {
		return err
	}
	out := make([]User, 0, count)
	for _, u := range users[:min(count, len(users))] {
		out = append(out, toUser(u))
	}
	return writeJSON(c, http.StatusOK, listResponse(out, total, start))
}

// ReplaceUser replaces a person (PUT /Users/{id}).
func (h SCIM) ReplaceUser(c echo.Context) error {
	var in User
	if err := decode(c, &in); err != nil {
		return err
	}
	if strings.TrimSpace(in.UserName) == "" {
		return badRequest(c, "invalidValue", "userName is required")
	}
	u, _, err := h.Svc.SyncUser(c.Request().Context(), in.input(c.Param("id")))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, toUser(u))
}

// patchOp is one operation of a PATCH request.
type patchOp struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value"`
}

type patchRequest struct {
	Schemas    []string  `json:"schemas"`
	Operations []patchOp `json:"Operations"`
}

// PatchUser applies add, replace and remove to a person's attributes, on the whole resource as
// it stands, so that every client's way of patching (with a path, or a value object) works.
func (h SCIM) PatchUser(c echo.Context) error {
	var req patchRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	cur, err := h.Svc.SyncedUser(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	doc := map[string]any{}
	raw, _ := json.Marshal(toUser(cur))
	if err := json.Unmarshal(raw, &doc); err != nil {
		return err
	}
	for _, op := range req.Operations {
		var v any
		if len(op.Value) > 0 {
			if err := json.Unmarshal(op.Value, &v); err != nil {
				return badRequest(c, "invalidValue", "the value of an operation is not valid JSON")
			}
		}
		switch strings.ToLower(op.Op) {
		case "add", "replace":
			if op.Path == "" {
				obj, ok := v.(map[string]any)
				if !ok {
					return badRequest(c, "invalidValue", "an operation without a path needs an object value")
				}
				for k, x := range obj {
					setPath(doc, k, x)
				}
				continue
			}
			setPath(doc, op.Path, v)
		case "remove":
			if op.Path == "" {
				return badRequest(c, "noTarget", "remove needs a path")
			}
			setPath(doc, op.Path, nil)
		default:
			return badRequest(c, "invalidSyntax", "the operation %q is not add, replace or remove", op.Op)
		}
	}
	raw, _ = json.Marshal(doc)
	var in User
	if err := json.Unmarshal(raw, &in); err != nil {
		return badRequest(c, "invalidValue", "the patched user is not valid")
	}
	if s, ok := doc["active"].(string); ok { // some clients send "False"
		b := strings.EqualFold(s, "true")
		in.Active = &b
	}
	u, _, err := h.Svc.SyncUser(ctx, in.input(cur.ID))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, toUser(u))
}

// setPath sets (nil: removes) an attribute by a SCIM path: "active", "name.givenName",
// "emails[type eq \"work\"].value" (the first e-mail), or the enterprise extension's
// "urn:…:User:manager".
func setPath(doc map[string]any, path string, v any) {
	lower := strings.ToLower(path)
	ext := strings.ToLower(SchemaEnterprise)
	if strings.HasPrefix(lower, ext+":") {
		sub, _ := doc[SchemaEnterprise].(map[string]any)
		if sub == nil {
			sub = map[string]any{}
			doc[SchemaEnterprise] = sub
		}
		setPath(sub, path[len(ext)+1:], v)
		return
	}
	if strings.HasPrefix(lower, "emails") {
		if s, ok := v.(string); ok {
			doc["emails"] = []any{map[string]any{"value": s, "primary": true}}
		} else if v != nil {
			doc["emails"] = v
		}
		return
	}
	head, rest, nested := strings.Cut(path, ".")
	key := canonical(doc, head)
	if nested {
		sub, _ := doc[key].(map[string]any)
		if sub == nil {
			sub = map[string]any{}
			doc[key] = sub
		}
		setPath(sub, rest, v)
		return
	}
	if key == "manager" {
		if s, ok := v.(string); ok {
			v = map[string]any{"value": s}
		}
	}
	if v == nil {
		delete(doc, key)
		return
	}
	doc[key] = v
}

// canonical returns the document's spelling of an attribute name (SCIM names are case-insensitive).
func canonical(doc map[string]any, name string) string {
	for k := range doc {
		if strings.EqualFold(k, name) {
			return k
		}
	}
	return name
}

// DeleteUser makes the person a leaver at the source's request.
func (h SCIM) DeleteUser(c echo.Context) error {
	if err := h.Svc.SyncRemoveUser(c.Request().Context(), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h SCIM) toGroup(c echo.Context, g entitlement.Group) (Group, error) {
	out := Group{Schemas: []string{SchemaGroup}, ID: g.ID, ExternalID: g.ExternalID, DisplayName: g.DisplayName,
		Meta: &Meta{ResourceType: "Group", Created: g.CreatedDateTime, LastModified: g.ModifiedDateTime, Location: "/scim/v2/Groups/" + g.ID}}
	if c.QueryParam("excludedAttributes") == "members" {
		return out, nil
	}
	members, err := h.Svc.SyncedMembers(c.Request().Context(), g.ID)
	if err != nil {
		return out, err
	}
	for _, m := range members {
		out.Members = append(out.Members, Member{Value: m.ID, Display: m.Label()})
	}
	return out, nil
}

func memberIDs(ms []Member) []string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.Value)
	}
	return out
}

// CreateGroup provisions a group with its members.
func (h SCIM) CreateGroup(c echo.Context) error {
	var in Group
	if err := decode(c, &in); err != nil {
		return err
	}
	g, outcome, err := h.Svc.SyncGroup(c.Request().Context(), entitlement.SyncGroupInput{ExternalID: in.ExternalID, DisplayName: in.DisplayName, Members: memberIDs(in.Members)})
	if err != nil {
		return err
	}
	if outcome != entitlement.SyncCreated {
		return scimError(c, http.StatusConflict, "uniqueness", "a group with this displayName or externalId already exists")
	}
	out, err := h.toGroup(c, g)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusCreated, out)
}

// GetGroup returns one group with its members.
func (h SCIM) GetGroup(c echo.Context) error {
	g, err := h.Svc.SyncedGroup(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	out, err := h.toGroup(c, g)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, out)
}

// ListGroups lists groups, filtered by displayName.
func (h SCIM) ListGroups(c echo.Context) error {
	f, err := filter(c.QueryParam("filter"))
	if err != nil {
		return badRequest(c, "invalidFilter", "%s", err.Error())
	}
	for attr := range f {
		if attr != "displayname" {
			return badRequest(c, "invalidFilter", "filter groups by displayName")
		}
	}
	start, count := paging(c)
	groups, total, err := h.Svc.SyncedGroups(c.Request().Context(), f["displayname"], start-1, max(count, 1))
	if err != nil {
		return err
	}
	out := make([]Group, 0, count)
	for _, g := range groups[:min(count, len(groups))] {
		sg, err := h.toGroup(c, g)
		if err != nil {
			return err
		}
		out = append(out, sg)
	}
	return writeJSON(c, http.StatusOK, listResponse(out, total, start))
}

// ReplaceGroup replaces a group and its synced members.
func (h SCIM) ReplaceGroup(c echo.Context) error {
	var in Group
	if err := decode(c, &in); err != nil {
		return err
	}
	g, _, err := h.Svc.SyncGroup(c.Request().Context(), entitlement.SyncGroupInput{ID: c.Param("id"), ExternalID: in.ExternalID, DisplayName: in.DisplayName, Members: memberIDs(in.Members)})
	if err != nil {
		return err
	}
	out, err := h.toGroup(c, g)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, out)
}

// PatchGroup renames a group and adds or removes members: "add members", "remove members" with
// a value list, or "remove members[value eq \"id\"]".
func (h SCIM) PatchGroup(c echo.Context) error {
	var req patchRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	g, err := h.Svc.SyncedGroup(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	var add, remove []string
	name, external := g.DisplayName, g.ExternalID
	for _, op := range req.Operations {
		path := strings.TrimSpace(op.Path)
		lower := strings.ToLower(path)
		switch {
		case strings.HasPrefix(lower, "members[") && strings.HasSuffix(path, "]"):
			f, err := filter(path[len("members[") : len(path)-1])
			if err != nil || f["value"] == "" || !strings.EqualFold(op.Op, "remove") {
				return badRequest(c, "invalidFilter", "use remove with members[value eq \"<id>\"]")
			}
			remove = append(remove, f["value"])
		case lower == "members":
			var ms []Member
			if len(op.Value) > 0 {
				if err := json.Unmarshal(op.Value, &ms); err != nil {
					return badRequest(c, "invalidValue", "members is a list of {\"value\": id}")
				}
			}
			switch strings.ToLower(op.Op) {
			case "add":
				add = append(add, memberIDs(ms)...)
			case "remove":
				if len(ms) == 0 {
					return badRequest(c, "noTarget", "name the members to remove")
				}
				remove = append(remove, memberIDs(ms)...)
			case "replace":
				if _, _, err := h.Svc.SyncGroup(ctx, entitlement.SyncGroupInput{ID: g.ID, ExternalID: external, DisplayName: name, Members: memberIDs(ms)}); err != nil {
					return err
				}
			default:
				return badRequest(c, "invalidSyntax", "the operation %q is not add, replace or remove", op.Op)
			}
		case lower == "displayname" || lower == "externalid" || lower == "":
			var v any
			if err := json.Unmarshal(op.Value, &v); err != nil {
				return badRequest(c, "invalidValue", "the value of an operation is not valid JSON")
			}
			obj, ok := v.(map[string]any)
			if !ok {
				obj = map[string]any{path: v}
			}
			for k, x := range obj {
				s, _ := x.(string)
				switch strings.ToLower(k) {
				case "displayname":
					name = s
				case "externalid":
					external = s
				}
			}
		default:
			return badRequest(c, "invalidPath", "the path %q cannot be patched", path)
		}
	}
	if name != g.DisplayName || external != g.ExternalID {
		if _, _, err := h.Svc.SyncGroup(ctx, entitlement.SyncGroupInput{ID: g.ID, ExternalID: external, DisplayName: name}); err != nil {
			return err
		}
	}
	if len(add)+len(remove) > 0 {
		if err := h.Svc.SyncGroupMembers(ctx, g.ID, add, remove); err != nil {
			return err
		}
	}
	if g, err = h.Svc.SyncedGroup(ctx, g.ID); err != nil {
		return err
	}
	out, err := h.toGroup(c, g)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, out)
}

// DeleteGroup removes a group at the source's request.
func (h SCIM) DeleteGroup(c echo.Context) error {
	if err := h.Svc.SyncDeleteGroup(c.Request().Context(), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
