package provision

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/go-ldap/ldap/v3"
	"github.com/stewardhq/steward/entitlement"
)

// Reconcile compares the target's members with what Steward granted (entitlement.GrantedMembers)
// and reports the drift; it changes nothing. People are compared by the attribute the connector
// matches them with (e-mail, uid or Steward's id), case-insensitively. Only roles whose grants
// are in place (Fulfilled) count as missing: others are on their way or known to have failed.
func (d *Dispatcher) Reconcile(ctx context.Context, c entitlement.Connector, granted []entitlement.GrantedMember) (entitlement.Drift, error) {
	var drift entitlement.Drift
	byRole := map[string][]entitlement.GrantedMember{}
	for _, g := range granted {
		byRole[g.RoleName] = append(byRole[g.RoleName], g)
	}
	var roles []string
	switch c.Kind {
	case entitlement.ConnectorLDAP:
		roles = []string{"Member"} // the one role an LDAP group carries
	case entitlement.ConnectorSCIM:
		for r := range byRole {
			roles = append(roles, r)
		}
		slices.Sort(roles)
	default:
		return drift, errors.New("only LDAP and SCIM connectors can list the target's members")
	}
	for _, role := range roles {
		have, err := d.targetMembers(ctx, c, role)
		if err != nil {
			return drift, err
		}
		want := map[string]bool{}
		for _, g := range byRole[role] {
			k := strings.ToLower(memberKey(c, g))
			want[k] = true
			if !have[k] && g.Status == entitlement.RoleStatusFulfilled {
				drift.Missing = append(drift.Missing, g)
			}
		}
		for k := range have {
			if !want[k] {
				label := k
				if len(roles) > 1 {
					label += " (" + role + ")"
				}
				drift.Unknown = append(drift.Unknown, label)
			}
		}
	}
	slices.Sort(drift.Unknown)
	return drift, nil
}

// memberKey is how a granted person is known at the target.
func memberKey(c entitlement.Connector, g entitlement.GrantedMember) string {
	a := entitlement.ProvisionAction{Email: g.Email, SubjectID: g.SubjectID}
	switch c.Kind {
	case entitlement.ConnectorLDAP:
		_, v := personKey(c, a)
		return v
	case entitlement.ConnectorSCIM:
		if c.Settings["match"] == "externalId" {
			return g.SubjectID
		}
	}
	return g.Email
}

// targetMembers returns the keys of the role's members at the target, lower-cased.
func (d *Dispatcher) targetMembers(ctx context.Context, c entitlement.Connector, role string) (map[string]bool, error) {
	out := map[string]bool{}
	if c.Kind == entitlement.ConnectorLDAP {
		attr, _ := personKey(c, entitlement.ProvisionAction{})
		err := d.withConn(ctx, c, func(conn *ldap.Conn) error {
			res, err := conn.Search(ldap.NewSearchRequest(c.Settings["groupDn"], ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, 0, false, "(objectClass=*)", []string{"member"}, nil))
			if err != nil {
				return fmt.Errorf("ldap: read %s: %w", c.Settings["groupDn"], err)
			}
			for _, dn := range res.Entries[0].GetAttributeValues("member") {
				e, err := conn.Search(ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, 0, false, "(objectClass=*)", []string{attr}, nil))
				if err != nil || len(e.Entries) == 0 {
					continue // a placeholder or a member that no longer exists
				}
				if v := e.Entries[0].GetAttributeValue(attr); v != "" {
					out[strings.ToLower(v)] = true
				}
			}
			return nil
		})
		return out, err
	}
	sc := d.scimFor(c)
	gid, err := sc.groupID(ctx, role)
	if err != nil {
		return nil, err
	}
	_, body, err := sc.do(ctx, http.MethodGet, "/Groups/"+url.PathEscape(gid), nil)
	if err != nil {
		return nil, err
	}
	var g struct {
		Members []struct {
			Value string `json:"value"`
		} `json:"members"`
	}
	if err := json.Unmarshal(body, &g); err != nil {
		return nil, fmt.Errorf("scim: the group %q cannot be read: %w", role, err)
	}
	attr := "userName"
	if c.Settings["match"] == "externalId" {
		attr = "externalId"
	}
	for _, m := range g.Members {
		_, body, err := sc.do(ctx, http.MethodGet, "/Users/"+url.PathEscape(m.Value), nil)
		if err != nil {
			continue // a member that no longer exists
		}
		var u map[string]any
		if json.Unmarshal(body, &u) == nil {
			if v, _ := u[attr].(string); v != "" {
				out[strings.ToLower(v)] = true
			}
		}
	}
	return out, nil
}
