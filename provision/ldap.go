package provision

import (
	"context"
	"errors"

	"github.com/stewardhq/steward/entitlement"
)

type ldapPool struct{}

func newLDAPPool() *ldapPool { return &ldapPool{} }
func (p *ldapPool) close()   {}

func (d *Dispatcher) ldapGroup(ctx context.Context, c entitlement.Connector, a entitlement.ProvisionAction) error {
	return errors.New("ldap: not yet")
}

func (d *Dispatcher) testLDAP(ctx context.Context, c entitlement.Connector) error {
	return errors.New("ldap: not yet")
}
