package storetest

import (
	"testing"

	"github.com/stewardhq/steward/entitlement"
)

func newOrg(name string, sources ...entitlement.IdentitySource) entitlement.ConnectedOrganization {
	return entitlement.ConnectedOrganization{ID: entitlement.NewID(), DisplayName: name, State: entitlement.OrgConfigured,
		IdentitySources: sources, CreatedDateTime: t0, Version: 1}
}

var orgCases = []tcase{
	missing(
		lookup{"Get", func(tx entitlement.Tx) error {
			_, err := tx.ConnectedOrganizations().Get(entitlement.NewID())
			return err
		}},
		lookup{"ByIdentity", func(tx entitlement.Tx) error {
			_, err := tx.ConnectedOrganizations().ByIdentity("nowhere.example")
			return err
		}},
	),
	// Sign-in recognises a guest's organization by its e-mail domain, tenant or issuer.
	{"ByIdentity finds an organization by any source in any case, and a source is unique", func(t *testing.T, st entitlement.Store) {
		o := newOrg("Partner", entitlement.IdentitySource{Type: entitlement.SourceDomain, DomainName: "Partner.example"},
			entitlement.IdentitySource{Type: entitlement.SourceTenant, TenantID: "tenant-1"},
			entitlement.IdentitySource{Type: entitlement.SourceFederation, IssuerURI: "https://idp.partner.example"})
		update(t, st, func(tx entitlement.Tx) error { return tx.ConnectedOrganizations().Put(o) })
		for _, v := range []string{"partner.example", "PARTNER.EXAMPLE", "tenant-1", "https://idp.partner.example"} {
			got := read(t, st, func(tx entitlement.Tx) (entitlement.ConnectedOrganization, error) {
				return tx.ConnectedOrganizations().ByIdentity(v)
			})
			if got.ID != o.ID {
				t.Errorf("ByIdentity(%q) = %s, want %s", v, got.ID, o.ID)
			}
		}
		wantErr(t, st, entitlement.ErrConflict, "a second organization with the domain", func(tx entitlement.Tx) error {
			return tx.ConnectedOrganizations().Put(newOrg("Copy", entitlement.IdentitySource{Type: entitlement.SourceDomain, DomainName: "partner.EXAMPLE"}))
		})
		// A source taken off is free again.
		o.IdentitySources = o.IdentitySources[1:]
		update(t, st, func(tx entitlement.Tx) error { return tx.ConnectedOrganizations().Put(o) })
		update(t, st, func(tx entitlement.Tx) error {
			return tx.ConnectedOrganizations().Put(newOrg("New owner", entitlement.IdentitySource{Type: entitlement.SourceDomain, DomainName: "partner.example"}))
		})
	}},
	nameOrdered(func(tx entitlement.Tx, name string) error { return tx.ConnectedOrganizations().Put(newOrg(name)) },
		func(tx entitlement.Tx, o entitlement.ListOptions) (entitlement.Page[entitlement.ConnectedOrganization], error) {
			return tx.ConnectedOrganizations().List(o)
		},
		func(o entitlement.ConnectedOrganization) string { return o.DisplayName }),
}
