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
