package entitlement

import "context"

// MyAccess is what the home page shows of the caller's own access: the first few of their live
// assignments (soonest end first), of their approved requests waiting for their start (oldest
// first) and of their open requests (newest first), each page with its total.
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
		n, err := s.newNamer(tx)
		if err != nil {
			return err
		}
		live, err := tx.Assignments().LiveByTargetEndingFirst(p.UserID, ListOptions{Limit: limit})
		if err != nil {
			return err
		}
		out.Live = Page[AssignmentView]{Next: live.Next, Prev: live.Prev, Total: live.Total, Items: make([]AssignmentView, 0, len(live.Items))}
		now := s.now()
		for _, a := range live.Items {
			v, err := describeAssignment(tx, n, a, now)
			if err != nil {
				return err
			}
			out.Live.Items = append(out.Live.Items, v)
		}
		scheduled := RequestFilter{States: []RequestState{StateScheduled}}
		if out.Scheduled, err = myRequestViews(tx, n, p.UserID, scheduled, ListOptions{Limit: limit}); err != nil {
			return err
		}
		out.Open, err = myRequestViews(tx, n, p.UserID, RequestFilter{States: OpenRequestStates()}, ListOptions{Limit: limit, Desc: true})
		return err
	})
	return out, err
}

// myRequestViews lists the person's requests, described.
func myRequestViews(tx Tx, n *namer, userID string, f RequestFilter, opt ListOptions) (Page[RequestView], error) {
	page, err := tx.Requests().ByTarget(userID, f, opt)
	if err != nil {
		return Page[RequestView]{}, err
	}
	out := Page[RequestView]{Next: page.Next, Prev: page.Prev, Total: page.Total, Items: make([]RequestView, 0, len(page.Items))}
	for _, r := range page.Items {
		v, err := describeRequest(tx, n, r)
		if err != nil {
			return out, err
		}
		out.Items = append(out.Items, v)
	}
	return out, nil
}
