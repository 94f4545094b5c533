package provision

import (
	"context"
	"errors"

	"github.com/stewardhq/steward/entitlement"
)

func (d *Dispatcher) scim(ctx context.Context, c entitlement.Connector, a entitlement.ProvisionAction) error {
	return errors.New("scim: not yet")
}

func (d *Dispatcher) testSCIM(ctx context.Context, c entitlement.Connector) error {
	return errors.New("scim: not yet")
}
