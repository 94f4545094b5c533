package store

import "github.com/stewardhq/steward/entitlement"

// requestStagesView reads the requests table's records as entitlement.RequestStages: a page of
// approvals decodes each request's id and stages and skips the rest of its JSON, which is most
// of it and cost more than half of the page to decode whole. Nothing writes through it; it
// shares the requests table's bucket, codec and waiting index.
var requestStagesView = &table[entitlement.RequestStages]{
	name: requestsTable.name, what: requestsTable.what, records: requestsTable.records,
	id:      func(r entitlement.RequestStages) string { return r.ID },
	indexes: []index[entitlement.RequestStages]{{name: "waiting", counted: requestsTable.index("waiting").counted}},
}

func (r requests) StagesWaitingFor(approverID string, opt entitlement.ListOptions) (entitlement.Page[entitlement.RequestStages], error) {
	return requestStagesView.listBy(r.b, "waiting", approverID, opt, nil)
}
