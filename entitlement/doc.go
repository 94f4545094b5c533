// Package entitlement is Steward's domain: the directory, catalogs, resources, access packages,
// assignment policies, requests and assignments, with their validation, rules and authorization.
//
// Service is the only write path. Every method authorizes the caller (the Principal in the
// context), applies the rules, and writes in one storage transaction together with the audit events
// and the outbox messages the change causes, so the HTML portal and the background worker (and
// the Graph-style JSON API, when it comes) cannot disagree and a crash cannot lose a side effect.
//
// Principals are people signed in to the portal (a session) or calling the API (an API token
// of their own, or an access token of the identity provider), service accounts calling the API
// with the API tokens an administrator made for them, and the system itself. A service account
// is a User of KindServiceAccount: it holds catalog roles and is audited under its own name, but
// never signs in, requests, approves or appears in the people lists.
//
// The audit log is append-only and hash-chained, so that an auditor can trust it. Each event is
// sealed when it is appended: Seq is its position (1, 2, …), PrevHash the Hash of the event before
// it (empty for the first) and Hash the lowercase hex SHA-256 of its canonical encoding, which is
// these twelve fields in this order, each written as a netstring "<length in bytes>:<bytes>,":
//
//	"steward-audit-v1", Seq in decimal, PrevHash, ID, At as UTC RFC 3339 with nanoseconds and
//	no trailing zeros (time.RFC3339Nano), ActorID, ActorName, Action, ObjectType, ObjectID,
//	ObjectName, Summary
//
// so the event with Seq 1 hashes, for example, "16:steward-audit-v1,1:1,0:,36:<id>,…". Changing,
// removing or moving an event breaks its own hash or the PrevHash link of the next one;
// VerifyAuditChain names the first such event. A store may restore PrevHash from the event before
// rather than keep it (store/ does): an event altered and sealed again then breaks the hash of the
// next one, which the verification names, with the event before it in its detail. The head (count and newest hash) is kept by the
// store and written into every evidence export, so that an auditor can later see that the chain
// still holds that head.
//
// The package imports nothing of Steward's own but the words helpers; storage (Store, Tx) and
// time (Clock) are interfaces that store/ and main implement. Field and enum names follow the
// Microsoft Graph beta entitlement-management API, so that a JSON API can map them one to one.
package entitlement
