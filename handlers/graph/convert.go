package graph

import (
	"strconv"

	"github.com/stewardhq/steward/entitlement"
)

// Converters from the domain's types to the API's.

func toCatalog(c entitlement.Catalog) Catalog {
	return Catalog{
		ETag: entitlement.ETag(c.Version), ID: c.ID, DisplayName: c.DisplayName, Description: c.Description, CatalogType: c.CatalogType,
		CatalogStatus: c.CatalogStatus, IsExternallyVisible: c.IsExternallyVisible,
		CreatedBy: c.CreatedBy, CreatedDateTime: ts(c.CreatedDateTime), ModifiedBy: c.ModifiedBy, ModifiedDateTime: ts(c.ModifiedDateTime),
	}
}

func toPackage(p entitlement.AccessPackage) AccessPackage {
	return AccessPackage{
		ETag: entitlement.ETag(p.Version), ID: p.ID, CatalogID: p.CatalogID, DisplayName: p.DisplayName, Description: p.Description,
		IsHidden: p.IsHidden, IsRoleScopesVisible: p.IsRoleScopesVisible,
		CreatedBy: p.CreatedBy, CreatedDateTime: ts(p.CreatedDateTime), ModifiedBy: p.ModifiedBy, ModifiedDateTime: ts(p.ModifiedDateTime),
	}
}

func toRoleScope(rs entitlement.RoleScope) RoleScope {
	return RoleScope{
		ID: rs.ID, CreatedBy: rs.CreatedBy, CreatedDateTime: ts(rs.CreatedDateTime),
		ModifiedBy: rs.CreatedBy, ModifiedDateTime: ts(rs.CreatedDateTime),
	}
}

func toResource(r entitlement.Resource) Resource {
	return Resource{
		ID: r.ID, DisplayName: r.DisplayName, Description: r.Description, URL: r.URL, ResourceType: r.ResourceType,
		OriginID: r.OriginID, OriginSystem: r.OriginSystem, IsPendingOnboarding: r.IsPendingOnboarding,
		AddedBy: r.AddedBy, AddedOn: ts(r.AddedOn),
	}
}

func toResourceRole(r entitlement.ResourceRole) ResourceRole {
	return ResourceRole{ID: r.ID, DisplayName: r.DisplayName, Description: r.Description, OriginID: r.OriginID, OriginSystem: r.OriginSystem}
}

func toResourceScope(s entitlement.ResourceScope) ResourceScope {
	return ResourceScope{
		ID: s.ID, DisplayName: s.DisplayName, Description: s.Description, IsRootScope: s.IsRootScope,
		OriginID: s.OriginID, OriginSystem: s.OriginSystem, URL: s.URL,
	}
}

func toResourceRequest(r entitlement.ResourceRequest) ResourceRequest {
	res := toResource(r.Resource)
	return ResourceRequest{
		ID: r.ID, CatalogID: r.CatalogID, RequestType: r.RequestType, RequestState: r.RequestState,
		RequestStatus: r.RequestStatus, IsValidationOnly: r.IsValidationOnly, Justification: r.Justification,
		Resource: &res,
	}
}

func toUserSets(in []entitlement.UserSet) []UserSet {
	out := make([]UserSet, 0, len(in))
	for _, u := range in {
		out = append(out, UserSet{Type: odataType(u.Type), IsBackup: u.IsBackup, ID: u.ID, Description: u.Description, ManagerLevel: u.ManagerLevel})
	}
	return out
}

func fromUserSets(in []UserSet) []entitlement.UserSet {
	out := make([]entitlement.UserSet, 0, len(in))
	for _, u := range in {
		out = append(out, entitlement.UserSet{Type: typeName(u.Type), IsBackup: u.IsBackup, ID: u.ID, ManagerLevel: u.ManagerLevel})
	}
	return out
}

func toStages(in []entitlement.ApprovalStage) []ApprovalStage {
	out := make([]ApprovalStage, 0, len(in))
	for _, st := range in {
		out = append(out, ApprovalStage{
			ApprovalStageTimeOutInDays: st.ApprovalStageTimeOutInDays, IsApproverJustificationRequired: st.IsApproverJustificationRequired,
			IsEscalationEnabled: st.IsEscalationEnabled, EscalationTimeInMinutes: st.EscalationTimeInMinutes,
			PrimaryApprovers: toUserSets(st.PrimaryApprovers), EscalationApprovers: toUserSets(st.EscalationApprovers),
		})
	}
	return out
}

func fromStages(in []ApprovalStage) []entitlement.ApprovalStage {
	out := make([]entitlement.ApprovalStage, 0, len(in))
	for _, st := range in {
		out = append(out, entitlement.ApprovalStage{
			ApprovalStageTimeOutInDays: st.ApprovalStageTimeOutInDays, IsApproverJustificationRequired: st.IsApproverJustificationRequired,
			IsEscalationEnabled: st.IsEscalationEnabled, EscalationTimeInMinutes: st.EscalationTimeInMinutes,
			PrimaryApprovers: fromUserSets(st.PrimaryApprovers), EscalationApprovers: fromUserSets(st.EscalationApprovers),
		})
	}
	return out
}

func toPolicy(p entitlement.AssignmentPolicy) Policy {
	out := Policy{
		ETag: entitlement.ETag(p.Version), ID: p.ID, AccessPackageID: p.AccessPackageID, DisplayName: p.DisplayName, Description: p.Description,
		CanExtend: p.CanExtend, DurationInDays: p.DurationInDays, ExpirationDateTime: tsp(p.ExpirationDateTime),
		IsDenyPolicy: p.IsDenyPolicy,
		RequestorSettings: RequestorSettings{
			ScopeType: p.RequestorSettings.ScopeType, AcceptRequests: p.RequestorSettings.AcceptRequests,
			AllowedRequestors: toUserSets(p.RequestorSettings.AllowedRequestors),
		},
		RequestApprovalSettings: ApprovalSettings{
			IsApprovalRequired:               p.RequestApprovalSettings.IsApprovalRequired,
			IsApprovalRequiredForExtension:   p.RequestApprovalSettings.IsApprovalRequiredForExtension,
			IsRequestorJustificationRequired: p.RequestApprovalSettings.IsRequestorJustificationRequired,
			ApprovalMode:                     p.RequestApprovalSettings.ApprovalMode,
			ApprovalStages:                   toStages(p.RequestApprovalSettings.ApprovalStages),
		},
		CreatedBy: p.CreatedBy, CreatedDateTime: ts(p.CreatedDateTime), ModifiedBy: p.ModifiedBy, ModifiedDateTime: ts(p.ModifiedDateTime),
	}
	if r := p.AccessReviewSettings; r != nil {
		out.AccessReviewSettings = &ReviewSettings{
			IsEnabled: r.IsEnabled, RecurrenceType: r.RecurrenceType, ReviewerType: r.ReviewerType,
			StartDateTime: tsp(r.StartDateTime), DurationInDays: r.DurationInDays, Reviewers: toUserSets(r.Reviewers),
		}
	}
	return out
}

// policyInput turns a policy body into the domain's input; the old spelling of the
// connected-organization scope is accepted (the domain normalizes it).
func policyInput(p Policy) entitlement.PolicyInput {
	in := entitlement.PolicyInput{
		AccessPackageID: p.AccessPackageID, DisplayName: p.DisplayName, Description: p.Description,
		CanExtend: p.CanExtend, DurationInDays: p.DurationInDays, ExpirationDateTime: p.ExpirationDateTime.domain(),
		RequestorSettings: entitlement.RequestorSettings{
			ScopeType:         entitlement.NormalizeScopeType(p.RequestorSettings.ScopeType),
			AcceptRequests:    p.RequestorSettings.AcceptRequests,
			AllowedRequestors: fromUserSets(p.RequestorSettings.AllowedRequestors),
		},
		RequestApprovalSettings: entitlement.ApprovalSettings{
			IsApprovalRequired:               p.RequestApprovalSettings.IsApprovalRequired,
			IsApprovalRequiredForExtension:   p.RequestApprovalSettings.IsApprovalRequiredForExtension,
			IsRequestorJustificationRequired: p.RequestApprovalSettings.IsRequestorJustificationRequired,
			ApprovalMode:                     p.RequestApprovalSettings.ApprovalMode,
			ApprovalStages:                   fromStages(p.RequestApprovalSettings.ApprovalStages),
		},
	}
	if r := p.AccessReviewSettings; r != nil {
		in.AccessReviewSettings = &entitlement.ReviewSettings{
			IsEnabled: r.IsEnabled, RecurrenceType: r.RecurrenceType, ReviewerType: r.ReviewerType,
			StartDateTime: r.StartDateTime.domain(), DurationInDays: r.DurationInDays, Reviewers: fromUserSets(r.Reviewers),
		}
	}
	return in
}

func toSchedule(s entitlement.Schedule) *Schedule {
	out := &Schedule{StartDateTime: tsp(s.StartDateTime)}
	if s.Expiration != (entitlement.Expiration{}) {
		out.Expiration = &Expiration{EndDateTime: tsp(s.Expiration.EndDateTime), Duration: s.Expiration.Duration, Type: s.Expiration.Type}
	}
	return out
}

func fromSchedule(s *Schedule) entitlement.Schedule {
	if s == nil {
		return entitlement.Schedule{}
	}
	out := entitlement.Schedule{StartDateTime: s.StartDateTime.domain()}
	if e := s.Expiration; e != nil {
		out.Expiration = entitlement.Expiration{Type: e.Type, EndDateTime: e.EndDateTime.domain(), Duration: e.Duration}
	}
	return out
}

func isRemove(requestType string) bool {
	switch requestType {
	case entitlement.RequestUserRemove, entitlement.RequestAdminRemove, entitlement.RequestSystemRemove:
		return true
	}
	return false
}

func toRequest(r entitlement.Request) Request {
	ref := &AssignmentRef{TargetID: r.TargetID, AssignmentPolicyID: r.PolicyID, AccessPackageID: r.AccessPackageID}
	if isRemove(r.RequestType) || r.RequestType == entitlement.RequestUserExtend {
		ref = &AssignmentRef{ID: r.AssignmentID}
	} else if r.AssignmentID != "" {
		ref.ID = r.AssignmentID
	}
	return Request{
		ID: r.ID, RequestType: r.RequestType, RequestState: string(r.RequestState), RequestStatus: r.RequestStatus,
		IsValidationOnly: r.IsValidationOnly, Justification: r.Justification,
		CreatedDateTime: ts(r.CreatedDateTime), CompletedDate: tsp(r.CompletedDate),
		Schedule: toSchedule(r.Schedule), Assignment: ref,
	}
}

func toAssignment(a entitlement.Assignment) Assignment {
	return Assignment{
		ID: a.ID, CatalogID: a.CatalogID, AccessPackageID: a.AccessPackageID, AssignmentPolicyID: a.PolicyID,
		TargetID: a.TargetID, AssignmentState: string(a.AssignmentState), AssignmentStatus: a.AssignmentStatus,
		IsExtended: a.IsExtended, ExpiredDateTime: tsp(a.ExpiredDateTime), Schedule: toSchedule(a.Schedule),
	}
}

func toAssignmentRole(r entitlement.AssignmentResourceRole) AssignmentResourceRole {
	return AssignmentResourceRole{ID: r.ID, OriginID: r.OriginID, OriginSystem: r.OriginSystem, Status: string(r.Status)}
}

func toSubject(u entitlement.User) *Subject {
	return &Subject{ID: u.ID, ObjectID: u.ID, DisplayName: u.DisplayName, Email: u.Email, PrincipalName: u.UserPrincipalName, Type: "User"}
}

func toSources(in []entitlement.IdentitySource) []IdentitySource {
	out := make([]IdentitySource, 0, len(in))
	for _, s := range in {
		out = append(out, IdentitySource{Type: odataType(s.Type), DisplayName: s.DisplayName, TenantID: s.TenantID, DomainName: s.DomainName, IssuerURI: s.IssuerURI})
	}
	return out
}

func fromSources(in []IdentitySource) []entitlement.IdentitySource {
	out := make([]entitlement.IdentitySource, 0, len(in))
	for _, s := range in {
		out = append(out, entitlement.IdentitySource{Type: typeName(s.Type), DisplayName: s.DisplayName, TenantID: s.TenantID, DomainName: s.DomainName, IssuerURI: s.IssuerURI})
	}
	return out
}

func toOrg(o entitlement.ConnectedOrganization) ConnectedOrganization {
	return ConnectedOrganization{
		ETag: entitlement.ETag(o.Version), ID: o.ID, DisplayName: o.DisplayName, Description: o.Description, State: o.State,
		IdentitySources: toSources(o.IdentitySources),
		CreatedBy:       o.CreatedBy, CreatedDateTime: ts(o.CreatedDateTime), ModifiedBy: o.ModifiedBy, ModifiedDateTime: ts(o.ModifiedDateTime),
	}
}

func toSettings(s entitlement.Settings) Settings {
	return Settings{ETag: entitlement.ETag(s.Version), ExternalUserLifecycleAction: s.ExternalUserLifecycleAction, DaysUntilExternalUserDeletedAfterBlocked: s.DaysUntilExternalUserDeletedAfterBlocked}
}

func toUser(u entitlement.User) User {
	return User{
		ETag: entitlement.ETag(u.Version), ID: u.ID, DisplayName: u.DisplayName, Mail: u.Email, UserPrincipalName: u.UserPrincipalName, UserType: u.UserType,
		AccountEnabled: u.AccountEnabled, Department: u.Department, JobTitle: u.JobTitle, CreatedDateTime: ts(u.CreatedDateTime),
	}
}

func toGroup(g entitlement.Group) Group {
	return Group{ETag: entitlement.ETag(g.Version), ID: g.ID, DisplayName: g.DisplayName, Description: g.Description, SecurityEnabled: true, CreatedDateTime: ts(g.CreatedDateTime)}
}

func toApproval(r entitlement.RequestStages, me string) Approval {
	out := Approval{ID: r.ID, Stages: []ApprovalStep{}}
	for i, st := range r.Stages {
		step := ApprovalStep{ID: strconv.Itoa(i + 1), Status: st.Status, ReviewResult: "NotReviewed", Justification: st.DecisionJustification}
		switch st.Decision {
		case "Approve":
			step.ReviewResult = "Approve"
		case "Deny":
			step.ReviewResult = "Deny"
		}
		if st.DecidedBy != "" {
			step.ReviewedBy = &Identity{ID: st.DecidedBy, DisplayName: st.DecidedByName}
		}
		step.ReviewedDateTime = tsp(st.DecidedDateTime)
		if st.Status == entitlement.StagePending && i == r.CurrentStage {
			for _, id := range st.Approvers {
				if id == me {
					step.AssignedToMe = true
				}
			}
			if st.Escalated {
				for _, id := range st.EscalationApprovers {
					if id == me {
						step.AssignedToMe = true
					}
				}
			}
		}
		out.Stages = append(out.Stages, step)
	}
	return out
}
