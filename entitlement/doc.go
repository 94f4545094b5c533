// Package entitlement is Steward's domain: the directory, catalogs, resources, access packages,
// assignment policies, requests and assignments, with their validation, rules and authorization.
//
// Service is the only write path. Every method authorizes the caller (the Principal in the
// context), applies the rules, and writes in one storage transaction together with the audit events
// and the outbox messages the change causes, so the HTML portal and the background worker (and
// the Graph-style JSON API, when it comes) cannot disagree and a crash cannot lose a side effect.
//
// The package imports nothing of Steward's own but the words helpers; storage (Store, Tx) and
// time (Clock) are interfaces that store/ and main implement. Field and enum names follow the
// Microsoft Graph beta entitlement-management API, so that a JSON API can map them one to one.
package entitlement
