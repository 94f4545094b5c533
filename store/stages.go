package store

import "github.com/stewardhq/steward/entitlement"

// requestStagesView reads the requests table's records as entitlement.RequestStages: a page of
// approvals decodes each request's id and stages and skips the rest of its JSON, which is most
// of it and cost more than half of the page to decode whole. Nothing writes through it; it
// shares the requests table's bucket, codec and waiting index.
var requestStagesView = &table[entitlement.RequestStages]{
	name: requestsTable.name, what: requestsTable.what, records: requestsTable.records,
	id:      func(r entitlement.RequestStages) string { return r.ID },
	indexes: []index[entitlement.RequestStages]{viewOf[entitlement.RequestStages](requestsTable.index("waiting"))},
}

// viewOf is ix as an index of a view over its table's records: the same bucket and stored key
// form, read only, so it needs no values.
func viewOf[V, T any](ix index[T]) index[V] {
	return index[V]{name: ix.name, unique: ix.unique, ordered: ix.ordered, counted: ix.counted, total: ix.total, idParts: ix.idParts}
}

func (r requests) StagesWaitingFor(approverID string, opt entitlement.ListOptions) (entitlement.Page[entitlement.RequestStages], error) {
	return requestStagesView.listBy(r.b, "waiting", approverID, opt, nil)
}
