package entitlement

import (
	"context"
	"fmt"
	"slices"
	"sort"
)

// Resource types, as Graph names them.
const (
	ResourceTypeGroup       = "Security Group"
	ResourceTypeApplication = "Application"
	ResourceTypeSite        = "SharePoint Online Site"
)

// Request states and statuses of resource requests, which are carried out at once.
const (
	ResourceRequestDelivered = "Delivered"
	ResourceRequestFulfilled = "Fulfilled"
)

// groupLabel is a group's name for a message, or "the group" when it cannot be read.
func groupLabel(tx Tx, id string) string {
	if g, err := tx.Groups().Get(id); err == nil {
		return g.DisplayName
	}
	return "the group"
}

func getResource(tx Tx, id string) (Resource, error) {
	return load("resource", id, tx.Resources().Get)
}

// AddResource onboards a resource into a catalog through an AdminAdd resource request, carried
// out at once (Delivered, Fulfilled), as Graph's resource requests are. Catalog owners add
// applications and sites; directory groups only administrators add (see below). A directory group becomes a
// "Security Group" resource named after the group, with the roles Member and Owner (origin ids
// Member_<groupId> and Owner_<groupId>) and one root scope. Applications and sites get the roles
// the input names and one root scope. The same origin object cannot be in one catalog twice.
func (s *Service) AddResource(ctx context.Context, catalogID string, in ResourceInput) (ResourceRequest, error) {
	var out ResourceRequest
	err := s.write(ctx, func(tx Tx, a *access) error {
		c, err := getCatalog(tx, catalogID)
		if err != nil {
			return err
		}
		if !a.canManageCatalog(catalogID) {
			return forbidden("only owners of the catalog %q can add resources to it", c.DisplayName)
		}
		if err := in.validate(); err != nil {
			return err
		}
		if in.OriginSystem == OriginGroup && !a.isAdmin() {
			// Membership of a directory group is power elsewhere in Steward: groups hold catalog
			// roles, approve, and decide who may request. Graph lets only a resource's owner add it,
			// and Steward's directory keeps no group owners, so only administrators may onboard a
			// group; otherwise a catalog owner could package any group and assign it to themselves.
			return forbidden("only administrators can add directory groups to a catalog; ask one to add %q", groupLabel(tx, in.OriginID))
		}
		now := s.now()
		r := Resource{
			ID: NewID(), CatalogID: catalogID, OriginSystem: in.OriginSystem, OriginID: in.OriginID,
			DisplayName: in.DisplayName, Description: in.Description, URL: in.URL,
			AddedBy: actorLabel(a.p), AddedOn: now,
		}
		switch in.OriginSystem {
		case OriginGroup:
			g, err := tx.Groups().Get(in.OriginID)
			if isNotFound(err) {
				return invalid("invalidResource", "originId", "the group is not in the directory; choose one from the list")
			} else if err != nil {
				return fmt.Errorf("add resource: %w", err)
			}
			r.DisplayName, r.ResourceType = g.DisplayName, ResourceTypeGroup
			if r.Description == "" {
				r.Description = g.Description
			}
			r.Roles = []ResourceRole{
				{ID: NewID(), DisplayName: "Member", Description: "Member of the group " + g.DisplayName, OriginID: "Member_" + g.ID, OriginSystem: OriginGroup},
				{ID: NewID(), DisplayName: "Owner", Description: "Owner of the group " + g.DisplayName, OriginID: "Owner_" + g.ID, OriginSystem: OriginGroup},
			}
		default:
			r.ResourceType = ResourceTypeApplication
			if in.OriginSystem == OriginSite {
				r.ResourceType = ResourceTypeSite
			}
			for _, name := range in.Roles {
				r.Roles = append(r.Roles, ResourceRole{ID: NewID(), DisplayName: name, OriginID: name, OriginSystem: in.OriginSystem})
			}
		}
		r.Scopes = []ResourceScope{{
			ID: NewID(), DisplayName: "Root", Description: "Root Scope", IsRootScope: true,
			OriginID: r.OriginID, OriginSystem: r.OriginSystem, URL: r.URL,
		}}
		if prev, err := tx.Resources().ByOrigin(catalogID, r.OriginSystem, r.OriginID); err == nil {
			return conflict("resourceExists", "%q is already a resource of the catalog %q", prev.DisplayName, c.DisplayName)
		} else if !isNotFound(err) {
			return fmt.Errorf("add resource: %w", err)
		}
		if err := tx.Resources().Put(r); err != nil {
			return fmt.Errorf("add resource %s: %w", r.DisplayName, err)
		}
		req := ResourceRequest{
			ID: NewID(), CatalogID: catalogID, RequestType: RequestTypeAdminAdd,
			RequestState: ResourceRequestDelivered, RequestStatus: ResourceRequestFulfilled,
			Justification: in.Justification, ResourceID: r.ID, Resource: r, RequestorID: a.p.UserID, CreatedDateTime: now,
		}
		if err := tx.ResourceRequests().Put(req); err != nil {
			return fmt.Errorf("record resource request: %w", err)
		}
		out = req
		roles := make([]string, len(r.Roles))
		for i, x := range r.Roles {
			roles[i] = x.DisplayName
		}
		return s.audit(tx, a.p, "resource.add", "resource", r.ID, r.DisplayName,
			fmt.Sprintf("added %s %q to catalog %q with roles %s", OriginLabel(r.OriginSystem), r.DisplayName, c.DisplayName, quoteList(roles)))
	})
	return out, err
}

// RemoveResource takes a resource out of its catalog through an AdminRemove resource request. A
// resource that an access package uses is refused with a conflict naming the packages.
func (s *Service) RemoveResource(ctx context.Context, catalogID, resourceID, justification string) (ResourceRequest, error) {
	var out ResourceRequest
	err := s.write(ctx, func(tx Tx, a *access) error {
		c, err := getCatalog(tx, catalogID)
		if err != nil {
			return err
		}
		if !a.canManageCatalog(catalogID) {
			return forbidden("only owners of the catalog %q can remove its resources", c.DisplayName)
		}
		r, err := getResource(tx, resourceID)
		if err != nil {
			return err
		}
		if r.CatalogID != catalogID {
			return notFound("resource", resourceID)
		}
		out, err = s.removeResource(tx, a.p, c, r, justification)
		return err
	})
	return out, err
}

func (s *Service) removeResource(tx Tx, p Principal, c Catalog, r Resource, justification string) (ResourceRequest, error) {
	pkgIDs, err := tx.AccessPackages().IDsByResource(r.ID)
	if err != nil {
		return ResourceRequest{}, fmt.Errorf("remove resource: %w", err)
	}
	if len(pkgIDs) > 0 {
		var names []string
		for _, id := range pkgIDs {
			pkg, err := tx.AccessPackages().Get(id)
			if err != nil {
				return ResourceRequest{}, fmt.Errorf("remove resource: %w", err)
			}
			names = append(names, pkg.DisplayName)
		}
		sort.Strings(names)
		return ResourceRequest{}, conflict("resourceInUse", "%q is used by the access package(s) %s; remove its roles from them first", r.DisplayName, quoteList(names))
	}
	if err := tx.Resources().Delete(r.ID); err != nil {
		return ResourceRequest{}, fmt.Errorf("remove resource %s: %w", r.DisplayName, err)
	}
	req := ResourceRequest{
		ID: NewID(), CatalogID: c.ID, RequestType: RequestTypeAdminRemove,
		RequestState: ResourceRequestDelivered, RequestStatus: ResourceRequestFulfilled,
		Justification: justification, ResourceID: r.ID, Resource: r, RequestorID: p.UserID, CreatedDateTime: s.now(),
	}
	if err := tx.ResourceRequests().Put(req); err != nil {
		return req, fmt.Errorf("record resource request: %w", err)
	}
	return req, s.audit(tx, p, "resource.remove", "resource", r.ID, r.DisplayName, fmt.Sprintf("removed %q from catalog %q", r.DisplayName, c.DisplayName))
}

// ListResources lists a catalog's resources in name order; Search matches part of the name.
func (s *Service) ListResources(ctx context.Context, catalogID string, opt ListOptions) (Page[Resource], error) {
	var out Page[Resource]
	err := s.read(ctx, func(tx Tx, a *access) error {
		if _, err := readableCatalog(tx, a, catalogID); err != nil {
			return err
		}
		var err error
		out, err = tx.Resources().ByCatalog(catalogID, opt)
		if err != nil {
			return fmt.Errorf("list resources: %w", err)
		}
		return nil
	})
	return out, err
}

// ResourceByID returns a resource of a catalog the caller may read.
func (s *Service) ResourceByID(ctx context.Context, id string) (Resource, error) {
	var out Resource
	err := s.read(ctx, func(tx Tx, a *access) error {
		r, err := getResource(tx, id)
		if err != nil {
			return err
		}
		if !a.canReadCatalog(r.CatalogID) {
			return forbidden("you have no role in the catalog of %q", r.DisplayName)
		}
		out = r
		return nil
	})
	return out, err
}

// ListResourceRequests lists the resource requests of the catalogs the caller may read, oldest
// first (ids are UUIDv7).
func (s *Service) ListResourceRequests(ctx context.Context, opt ListOptions) (Page[ResourceRequest], error) {
	var out Page[ResourceRequest]
	err := s.read(ctx, func(tx Tx, a *access) error {
		var err error
		if a.isAdmin() {
			out, err = tx.ResourceRequests().List(opt)
			if err != nil {
				return fmt.Errorf("list resource requests: %w", err)
			}
			return nil
		}
		var all []ResourceRequest
		for cid := range a.catalogRoles {
			reqs, err := CollectAll(func(o ListOptions) (Page[ResourceRequest], error) { return tx.ResourceRequests().ByCatalog(cid, o) })
			if err != nil {
				return fmt.Errorf("list resource requests: %w", err)
			}
			all = append(all, reqs...)
		}
		slices.SortFunc(all, func(x, y ResourceRequest) int {
			switch {
			case x.ID < y.ID:
				return -1
			case x.ID > y.ID:
				return 1
			}
			return 0
		})
		out, err = PageOf(all, func(r ResourceRequest) string { return r.ID }, opt)
		return err
	})
	return out, err
}
