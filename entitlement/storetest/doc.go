// Package storetest is the contract test suite of entitlement.Store: what the domain relies on
// from every storage backend, checked through the entitlement interfaces alone. A backend runs
// it from a test of its own with a factory of empty stores:
//
//	func TestContract(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) entitlement.Store { return openTempStore(t) })
//	}
//
// The suite is a list of interfaces (Tx, Users, Groups, …, Sessions), each with a table of
// cases, one file an interface; a new storage method gets a case in its interface's table. Every
// case runs on a fresh store from the factory.
//
// The package imports only entitlement and test libraries, never a backend, so that the bbolt
// store's own tests (and a later PostgreSQL store's) can import it without an import cycle. For
// the same reason it holds the paging checker, Walk, which the domain's service tests share.
package storetest
