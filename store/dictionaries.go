package store

// The Zstandard dictionaries of the packed tables (codec.go): the keys, enumerations and shapes
// their records repeat, most frequent last (a match closer to the record costs fewer bits). They
// hold no tenant's data. Never edit one: records written with it could no longer be read. A
// better dictionary comes with a new leading byte in codec.go.

// requestDictionary is for requests (entitlement.Request).
const requestDictionary = `{"type":"singleUser","id":"","description":"","isBackup":true},{"type":"groupMembers","id":"","description":""},` +
	`{"type":"requestorManager","managerLevel":1},{"type":"internalSponsors"},{"type":"externalSponsors"}],"escalationApprovers":null}],` +
	`"policyStages":[{"approvalStageTimeOutInDays":14,"isApproverJustificationRequired":false,"isEscalationEnabled":false,"escalationTimeInMinutes":0,"primaryApprovers":[` +
	`"requestType":"AdminAdd","requestType":"UserRemove","requestType":"UserExtend","requestType":"SystemRemove","requestType":"AdminRemove",` +
	`"requestState":"PendingApproval","requestStatus":"PendingApproval","requestStatus":"Escalated","requestState":"Scheduled","requestStatus":"Scheduled",` +
	`"requestState":"Delivering","requestStatus":"Delivering","requestStatus":"WaitingForManualFulfillment","requestState":"PartiallyDelivered","requestStatus":"PartiallyFulfilled",` +
	`"requestState":"Denied","requestStatus":"Denied","requestStatus":"TimedOut","requestStatus":"NoApproverFound","requestState":"Canceled","requestStatus":"Canceled","statusDetail":"canceled by the requestor",` +
	`"requestState":"Delivered","requestStatus":"Fulfilled","statusDetail":"","extendsFromDateTime":"","answers":[{"answeredQuestion":{"id":"","type":"textInput","sequence":1,"isRequired":true,"text":""},"value":"","displayValue":""}],` +
	`"schedule":{"startDateTime":"","expiration":{"type":"afterDateTime","endDateTime":"","duration":"P30D"}},"schedule":{"expiration":{"type":"notSpecified"}},` +
	`{"kind":"Escalated"},{"kind":"TimedOut"},{"kind":"NoApproverFound"},{"kind":"Scheduled"},{"kind":"DeliveryFailed"},{"kind":"Extended"},{"kind":"Removed"},` +
	`{"kind":"Canceled"},{"kind":"PartiallyDelivered"},{"kind":"Delivered","actorName":"Steward"},{"kind":"WaitingForManualFulfillment","actorName":"Steward","detail":""},` +
	`{"kind":"Denied","stage":1,"detail":""},{"kind":"Delivering","at":"","actorId":"","actorName":""},` +
	`"status":"TimedOut","status":"Canceled","status":"Pending","escalated":true,"usedBackup":true,"notes":[""],"justificationRequired":true,"escalationDateTime":"","escalationApprovers":[""],` +
	`{"index":2,"status":"NotStarted","approvers":[]},{"index":3,"status":"NotStarted","approvers":[]}],` +
	`"decision":"Deny","decisionJustification":"","status":"Denied",` +
	`"stages":[{"index":1,"status":"Approved","startedDateTime":"","timeoutDateTime":"","approvers":["","decidedBy":"","decidedByName":"","decision":"Approve","decidedDateTime":"","decisionJustification":"Approved."},` +
	`"currentStage":0,"events":[{"kind":"Submitted","at":"","actorId":"","actorName":"","detail":""},{"kind":"StageStarted","at":"","actorId":"","actorName":"","stage":1,"detail":"asked "},` +
	`{"kind":"Approved","at":"","actorId":"","actorName":"","stage":1,"detail":""}],"createdDateTime":"","completedDate":"","dueDateTime":"` +
	`{"id":"","requestType":"UserAdd","requestState":"Delivered","requestStatus":"Fulfilled","isValidationOnly":false,"justification":"","catalogId":"","accessPackageId":"",` +
	`"assignmentPolicyId":"","targetId":"","requestorId":"","assignmentId":"","T00:00:00.000000000Z"`

// outboxDictionary is for outbox messages (entitlement.OutboxMessage) and the payloads they carry.
const outboxDictionary = `"lastError":"","failedAt":"","awaitingConfirmation":true,"kind":"hook","topic":"assignment.expiring","topic":"assignment.expired","endDateTime":"","canExtend":true,` +
	`"topic":"review.","reviewId":"","resourceId":"","topic":"request.delivered","topic":"request.timedOut","topic":"request.denied","topic":"request.canceled",` +
	`"kind":"deprovision","topic":"role.deprovision","payload":{"op":"remove","kind":"provision","topic":"role.provision","payload":{"op":"add","roleId":"","subjectId":"","email":"","resourceId":"",` +
	`"originSystem":"AadGroup","originSystem":"AadApplication","originSystem":"SharePointOnline","originId":"","roleOriginId":"Member","subjectName":"","resourceName":"","roleName":""},` +
	`"requestType":"UserAdd","role":"requestor"},"recipient":{"userId":"","name":"","email":"","role":"approver"},"detail":"stage 1 of 1","detail":"approved by ",` +
	`{"id":"","kind":"notify","topic":"request.submitted","topic":"request.approved","topic":"request.approvalNeeded","payload":{"event":"request.approvalNeeded","requestId":"",` +
	`"accessPackageId":"","targetId":"","recipients":[""],"at":"","id":"","recipient":{"userId":"","name":"","email":"","role":"requestor"},"requestType":"UserAdd","packageName":"",` +
	`"requestorId":"","requestorName":"","targetName":""},"createdDateTime":"","attempts":1,"nextAttempt":"","deliveredAt":"T00:00:00.000000000Z"`

// assignmentDictionary is for assignments (entitlement.Assignment).
const assignmentDictionary = `"assignmentState":"Expired","assignmentStatus":"Expired","endedDateTime":"","isExtended":true,"expiration":{"type":"noExpiration"}},` +
	`"expiration":{"type":"afterDuration","duration":"P30D"}},"assignmentState":"Delivered","assignmentStatus":"Delivered","assignmentStatus":"PartiallyDelivered",` +
	`{"id":"","catalogId":"","accessPackageId":"","assignmentPolicyId":"","targetId":"","assignmentState":"Delivering","assignmentStatus":"Delivering","isExtended":false,` +
	`"schedule":{"startDateTime":"","expiration":{"type":"afterDateTime","endDateTime":""}},"expiredDateTime":"","requestId":"","resourceRoleIds":["_","_"],` +
	`"createdDateTime":"","dueDateTime":"T00:00:00.000000000Z"`

// assignmentRoleDictionary is for the resource roles of assignments (entitlement.AssignmentResourceRole).
const assignmentRoleDictionary = `"status":"RemovalFailed","status":"Failed","lastError":"","status":"PendingRemoval","status":"PendingManualRemoval","status":"PendingFulfillment",` +
	`"originSystem":"AadGroup","originId":"Member","originSystem":"SharePointOnline","roleName":"Owner","roleName":"Member","status":"Fulfilled",` +
	`{"id":"_","subjectId":"","resourceId":"","roleId":"","scopeId":"","originId":"Admin","originSystem":"AadApplication","resourceOriginId":"https://",` +
	`"resourceName":"","roleName":"Reader","status":"PendingManualFulfillment","assignmentIds":[""],"modifiedDateTime":"T00:00:00.000000000Z"`

// provisionTaskDictionary is for provisioning tasks (entitlement.ProvisionTask).
const provisionTaskDictionary = `"state":"Done","state":"Canceled","state":"Failed","closedDateTime":"","closedBy":"","closedByName":"","note":"","detail":"",` +
	`"op":"remove","reason":"connectorFailed","roleName":"Owner","roleName":"Member","roleName":"Admin",` +
	`{"id":"","catalogId":"","resourceId":"","roleId":"__","op":"add","reason":"manual","subjectId":"","subjectName":"","subjectEmail":"@",` +
	`"resourceName":"","roleName":"Reader","state":"Open","createdDateTime":"T00:00:00.000000000Z"`

// auditDictionary is for audit events (entitlement.AuditEvent). Events sealed before the audit
// table was packed stay as they were stored.
const auditDictionary = `"action":"catalog.create","objectType":"catalog","action":"accessPackage.create","objectType":"accessPackage","action":"policy.create","objectType":"policy",` +
	`"action":"resource.","objectType":"resource","action":"group.create","objectType":"group","summary":"created group ","summary":"created in ",` +
	`"action":"user.create","objectType":"user","summary":"created  (@) as Guest","summary":"created  (@) as Member","action":"group.member.remove","summary":"removed : their last access granting the membership ended",` +
	`"action":"assignment.expire","action":"assignment.remove","action":"request.timeout","summary":"stage 1 timed out","action":"request.cancel","summary":"canceled by the requestor",` +
	`"action":"request.deny","summary":"stage 1 of 2; reason: Not needed for this role.","action":"group.member.add","objectType":"group","summary":"added ",` +
	`"action":"provisionTask.open","objectType":"provisionTask","summary":"Give  the  role in ","action":"assignment.create","objectType":"assignment",` +
	`"action":"request.approve","summary":"stage 1 of 3; reason: Approved.","summary":"reason: Approved.",` +
	`{"id":"","at":"","actorId":"","actorName":"Steward","action":"request.submit","objectType":"request","objectId":"","objectName":"","summary":"asked for ",` +
	`"seq":1,"prevHash":"","hash":"","at":"T00:00:00.000000000Z","actorId":"","actorName":""`
