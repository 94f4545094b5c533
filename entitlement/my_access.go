package entitlement

import (
	"context"
	"slices"
)

// MyAccess is what the home page shows of the caller's own access: the first few of their live
// assignments (soonest end first), of their approved requests waiting for their start (oldest
// first) and of their open requests (newest first), each page with its total. The views are
// those of DescribeAssignments and DescribeRequests, except that the request views leave out the
// assignment a request delivered (RequestView.Access): the lists do not show it, and reading it
// would cost a record a row.
type MyAccess struct {
	Live      Page[AssignmentView]
	Scheduled Page[RequestView]
	Open      Page[RequestView]
}

// MyAccess reads the caller's access for the home page, limit items of each list, in one
// transaction: the lists and their names come from one read of the store, and the records are
// described as the lists read them, since the caller may always read their own. What it reads
// grows with the limit, not with the person's history: finished requests and ended assignments
// are never walked, and only the open requests are looked at to find the scheduled ones.
func (s *Service) MyAccess(ctx context.Context, limit int) (MyAccess, error) {
	p, err := principal(ctx)
	if err != nil {
		return MyAccess{}, err
	}
	var out MyAccess
	err = s.store.View(ctx, func(tx Tx) error {
		live, err := tx.Assignments().LiveByTargetEndingFirst(p.UserID, ListOptions{Limit: limit})
		if err != nil {
			return err
		}
		scheduled, err := tx.Requests().ByTarget(p.UserID, RequestFilter{States: []RequestState{StateScheduled}}, ListOptions{Limit: limit})
		if err != nil {
			return err
		}
		open, err := tx.Requests().ByTarget(p.UserID, RequestFilter{States: OpenRequestStates()}, ListOptions{Limit: limit, Desc: true})
		if err != nil {
			return err
		}
		// A live assignment may have its open request among those read: the namer hands it out.
		n, err := s.newNamer(tx)
		if err != nil {
			return err
		}
		n.read(slices.Concat(scheduled.Items, open.Items))
		now := s.now()
		if out.Live, err = describePage(live, func(a Assignment) (AssignmentView, error) { return describeAssignment(n, a, now) }); err != nil {
			return err
		}
		describe := func(r Request) (RequestView, error) { return describeRequest(n, r), nil }
		if out.Scheduled, err = describePage(scheduled, describe); err != nil {
			return err
		}
		out.Open, err = describePage(open, describe)
		return err
	})
	return out, err
}

// describePage describes the items of a page.
func describePage[T, V any](p Page[T], describe func(T) (V, error)) (Page[V], error) {
	out := Page[V]{Next: p.Next, Prev: p.Prev, Total: p.Total, TotalAtLeast: p.TotalAtLeast, Items: make([]V, 0, len(p.Items))}
	for _, x := range p.Items {
		v, err := describe(x)
		if err != nil {
			return out, err
		}
		out.Items = append(out.Items, v)
	}
	return out, nil
}
