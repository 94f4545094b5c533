package store

// The Zstandard dictionaries of the packed tables (codec.go): the keys, enumerations and shapes
// their records repeat, most frequent last (a match closer to the record costs fewer bits). They
// hold no tenant's data. Never edit one: records written with it could no longer be read. A
// better dictionary comes with a new leading byte in codec.go.

// outboxDictionary is for outbox messages (entitlement.OutboxMessage) and the payloads they carry.
const outboxDictionary = `"lastError":"","failedAt":"","awaitingConfirmation":true,"kind":"hook","topic":"assignment.expiring","topic":"assignment.expired","endDateTime":"","canExtend":true,` +
	`"topic":"review.","reviewId":"","resourceId":"","topic":"request.delivered","topic":"request.timedOut","topic":"request.denied","topic":"request.canceled",` +
	`"kind":"deprovision","topic":"role.deprovision","payload":{"op":"remove","kind":"provision","topic":"role.provision","payload":{"op":"add","roleId":"","subjectId":"","email":"","resourceId":"",` +
	`"originSystem":"AadGroup","originSystem":"AadApplication","originSystem":"SharePointOnline","originId":"","roleOriginId":"Member","subjectName":"","resourceName":"","roleName":""},` +
	`"requestType":"UserAdd","role":"requestor"},"recipient":{"userId":"","name":"","email":"","role":"approver"},"detail":"stage 1 of 1","detail":"approved by ",` +
	`{"id":"","kind":"notify","topic":"request.submitted","topic":"request.approved","topic":"request.approvalNeeded","payload":{"event":"request.approvalNeeded","requestId":"",` +
	`"accessPackageId":"","targetId":"","recipients":[""],"at":"","id":"","recipient":{"userId":"","name":"","email":"","role":"requestor"},"requestType":"UserAdd","packageName":"",` +
	`"requestorId":"","requestorName":"","targetName":""},"createdDateTime":"","attempts":1,"nextAttempt":"","deliveredAt":"T00:00:00.000000000Z"`

// provisionTaskDictionary is for provisioning tasks (entitlement.ProvisionTask).
const provisionTaskDictionary = `"state":"Done","state":"Canceled","state":"Failed","closedDateTime":"","closedBy":"","closedByName":"","note":"","detail":"",` +
	`"op":"remove","reason":"connectorFailed","roleName":"Owner","roleName":"Member","roleName":"Admin",` +
	`{"id":"","catalogId":"","resourceId":"","roleId":"__","op":"add","reason":"manual","subjectId":"","subjectName":"","subjectEmail":"@",` +
	`"resourceName":"","roleName":"Reader","state":"Open","createdDateTime":"T00:00:00.000000000Z"`

// The dictionaries of the tables migration 24 packs follow the same rules. Most are S2's (codec.go). S2 copies only matches of four
// bytes or more and codes no entropy, so what pays is whole runs of JSON between values: a key
// with the punctuation around it, an enumeration with its key, the start of a timestamp.

// requestDictionary is for requests (entitlement.Request): the rare fields and values first, then
// the approval stages and events, then the head every request starts with.
const requestDictionary = `"extendsFromDateTime":"20","answers":[{"answeredQuestion":{"id":"","value":"","displayValue":""}],"duration":"P","type":"afterDuration",` +
	`"decisionJustification":"","notes":["","usedBackup":true,"justificationRequired":true,"escalated":true,"escalationDateTime":"20","escalationApprovers":["` +
	`"requestType":"UserExtend","requestType":"UserRemove","requestType":"AdminAdd","requestType":"AdminRemove","requestType":"SystemRemove",` +
	`"requestState":"Submitted","requestState":"Scheduled","requestStatus":"Accepted","requestStatus":"Escalated","requestStatus":"Scheduled","requestStatus":"NoApproverFound",` +
	`{"kind":"NoApproverFound","at":"20{"kind":"Removed","at":"20{"kind":"Extended","at":"20{"kind":"DeliveryFailed","at":"20{"kind":"Escalated","at":"20{"kind":"Scheduled","at":"20` +
	`"requestState":"PartiallyDelivered","requestStatus":"PartiallyFulfilled","statusDetail":"","requestState":"PendingApproval","requestStatus":"PendingApproval",` +
	`"requestState":"Delivered","requestStatus":"Fulfilled","requestState":"Denied","requestStatus":"Denied","requestStatus":"TimedOut","statusDetail":"timed out",` +
	`"requestState":"Canceled","requestStatus":"Canceled","statusDetail":"canceled by the requestor",` +
	`"schedule":{"startDateTime":"20","expiration":{"type":"afterDateTime","endDateTime":"20"}},` +
	`"policyStages":[{"approvalStageTimeOutInDays":,"isApproverJustificationRequired":true,"isEscalationEnabled":true,"escalationTimeInMinutes":,` +
	`{"type":"requestorManager","managerLevel":1},{"type":"groupMembers","id":"","description":"","isBackup":true},` +
	`{"approvalStageTimeOutInDays":,"isApproverJustificationRequired":false,"isEscalationEnabled":false,"escalationTimeInMinutes":0,"primaryApprovers":[{"type":"singleUser","id":"","description":""}],"escalationApprovers":null}],` +
	`"stages":[{"index":1,"status":"TimedOut","status":"Denied","status":"Canceled","startedDateTime":"20","timeoutDateTime":"20","approvers":["` +
	`"decidedBy":"","decidedByName":"","decision":"Deny","decision":"Approve","decidedDateTime":"20` +
	`{"index":2,"status":"NotStarted","approvers":[]},{"index":1,"status":"Pending","status":"Approved",` +
	`{"kind":"PartiallyDelivered","at":"20{"kind":"TimedOut","at":"20","actorName":"Steward","stage":1,"detail":"nobody decided within  days"},` +
	`{"kind":"Denied","at":"20{"kind":"Canceled","at":"20{"kind":"Delivered","at":"20{"kind":"Approved","at":"20` +
	`{"kind":"StageStarted","at":"20","stage":1,"detail":"asked ` +
	`{"kind":"Delivering","at":"20{"kind":"WaitingForManualFulfillment","at":"20","actorName":"Steward","detail":""}],` +
	`,"completedDate":"20","dueDateTime":"20` +
	`{"id":"","requestType":"UserAdd","requestState":"Delivering","requestStatus":"WaitingForManualFulfillment","isValidationOnly":false,"justification":"",` +
	`"catalogId":"","accessPackageId":"","assignmentPolicyId":"","targetId":"","requestorId":"","assignmentId":"",` +
	`"schedule":{"expiration":{"type":"notSpecified"}},"currentStage":0,"events":[{"kind":"Submitted","at":"20","actorId":"","actorName":"","detail":""},` +
	`"createdDateTime":"20T00:00:00.000000000Z"`

// assignmentDictionary is for assignments (entitlement.Assignment).
const assignmentDictionary = `"duration":"P","type":"afterDuration","type":"notSpecified"},"endedDateTime":"20","isExtended":true,` +
	`"assignmentState":"Expired","assignmentStatus":"ExpiredNotificationTriggered","assignmentStatus":"Removed","assignmentStatus":"PartiallyDelivered",` +
	`"assignmentState":"Delivered","assignmentStatus":"Delivered",` +
	`{"id":"","catalogId":"","accessPackageId":"","assignmentPolicyId":"","targetId":"","assignmentState":"Delivering","assignmentStatus":"Delivering","isExtended":false,` +
	`"schedule":{"startDateTime":"20","expiration":{"type":"afterDateTime","endDateTime":"20"}},"expiredDateTime":"20","requestId":"","resourceRoleIds":["",""],` +
	`"createdDateTime":"20","dueDateTime":"20T00:00:00.000000000Z"`

// assignmentRoleDictionary is for the resource roles of assignments (entitlement.AssignmentResourceRole).
const assignmentRoleDictionary = `"lastError":"","status":"Failed","status":"PendingRemoval","status":"PendingFulfillment",` +
	`"originId":"Owner","roleName":"Owner","originId":"Reader","roleName":"Reader","originId":"Writer","roleName":"Writer","originSystem":"AadApplication","resourceOriginId":"https://` +
	`"originId":"Member","originSystem":"SharePointOnline","resourceOriginId":"https://","roleName":"Member","status":"PendingManualFulfillment",` +
	`{"id":"_","subjectId":"","resourceId":"","roleId":"","scopeId":"","originId":"Member_","originSystem":"AadGroup","resourceOriginId":"","resourceName":"","roleName":"Member",` +
	`"status":"Fulfilled","assignmentIds":["",""],"modifiedDateTime":"20T00:00:00.000000000Z"`

// auditDictionary is for audit events (entitlement.AuditEvent), which are packed with Zstandard
// (codec.go says why): their keys, the actions and object types, and the words of the summaries
// Steward writes.
const auditDictionary = `"objectType":"connector","objectType":"review","objectType":"policy","objectType":"resource","objectType":"settings","objectType":"session",` +
	`"action":"user.update","action":"user.delete","action":"group.member.remove","action":"catalog.update","action":"accessPackage.update","action":"assignment.remove",` +
	`"action":"request.escalate","summary":"stage  escalated","action":"assignment.extend","action":"provisionTask.close","summary":"done",` +
	`"action":"catalog.create","objectType":"catalog","summary":"created the built-in catalog","action":"accessPackage.create","objectType":"accessPackage",` +
	`"action":"accessPackage.roleScope.add","action":"assignment.expire","action":"user.create","objectType":"user","summary":"created  (@) as Member",` +
	`"action":"group.member.add","objectType":"group","action":"request.cancel","summary":"asked to remove their access","summary":"asked to extend their access",` +
	`"action":"request.timeout","summary":"stage 1 timed out","action":"request.deny","summary":"reason: ",` +
	`"action":"request.approve","objectType":"request","summary":"stage 1 of 2; reason: ",` +
	`"action":"provisionTask.open","objectType":"provisionTask","action":"assignment.create","objectType":"assignment","summary":"assigned  to  until 20 UTC",` +
	`{"id":"","at":"20","actorId":"","actorName":"Steward","action":"request.submit","objectType":"request","objectId":"","objectName":"","summary":"asked for  for ",` +
	`"seq":1,"prevHash":"","hash":"T00:00:00.000000000Z"`
