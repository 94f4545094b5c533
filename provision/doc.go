// Package provision carries out the roles Steward grants in the systems they are for. Its
// Dispatcher is the worker's entitlement.Provisioner: for each action it reads the resource's
// connector (entitlement.Connector, secrets unsealed) and calls the connector of that kind:
//
//   - manual: nobody is called; the action becomes a task for the resource's owners
//     (entitlement.ErrManualFulfilment);
//   - webhook: a signed HTTPS POST (Sign, Verify) that the receiver answers with 2xx, or with
//     202 and a later POST to the callback URL in the body (CallbackHandler);
//   - scim: a SCIM 2.0 service provider, where the person is found or created as a User and added
//     to or removed from the Group that is the role;
//   - ldap: an LDAP or Active Directory group whose member attribute gains or loses the
//     person's DN, found by mail or uid under a base DN.
//
// Every call runs within the worker's call timeout and through the outbox, which retries with
// backoff; the Dispatcher keeps each connector's recent calls (entitlement.ConnectorCall) and
// never writes a secret to a log or a call record.
package provision
