// Package store is the bbolt implementation of entitlement.Store.
//
// Every entity is one JSON record per key in a bucket of its own, keyed by its UUIDv7 id (so keys
// sort by creation time). Outbox messages and provisioning tasks, many and read by no page a row
// at a time, are stored packed (v22): a byte 0x01, then a Zstandard frame of the JSON compressed
// with a dictionary of the table's keys and values (codec.go, dictionaries.go). Requests,
// assignments and their resource roles are packed with S2, which unpacks in under a microsecond
// (v24): a byte 0x02, then an S2 block compressed with the table's S2 dictionary; audit events,
// mostly hex hashes, like the outbox (v24). A record that starts with '{' is plain JSON and reads
// as well. Secondary indexes are buckets too, written in
// the same transaction as the record by one generic table type (table.go), so a record and its
// indexes never disagree. Buckets whose keys are appended leave pages 90% full on a split; those
// whose keys land anywhere (an index by person; assignment roles, v29) split them in half, and
// those whose keys are appended to each of their values' keys (an index by approver or package)
// 70% full (mustBucket).
// A non-unique index key is "<value>\x00<id>" with an empty value, so that a prefix scan lists the
// ids for a value; a unique index maps "<value>" to the id. In keys, ids are packed (v25): the
// record's id at the end of a non-unique key, and the ids among a value's parts (index.idParts:
// the ids of other records, as in requests_by_target; never text), when they are canonical UUIDs,
// are stored as 0x01 and 22 digits of "-0-9A-Z_a-z", 23 bytes instead of 36, which sort as the
// UUIDs do (keys.go); an assignment role's id, UUIDs joined by '_', as 0x01 and 22 digits for
// each (v29). Other ids (an external user's) stay as they are.
// The <…Id> parts below are those ids; unique indexes map to the id as it is. Times in index keys are fixed-width
// UTC RFC 3339 with nanoseconds, which sorts in time order. List pages are keyset-paginated: the
// opaque cursor is the base64url of the last key read. The total of a whole list in name order
// is the key count of its order index: kept in meta for a total index (users_by_name, v26), else
// read from its leaf pages' headers (table.keyCount).
//
// The audit log's indexes are kept by auditLog.Append, as events are only ever appended (v27):
// the chain's positions map to the packed ids, and an actor's or object's events are listed in
// blocks of up to 64 positions, so that an event costs its actor and its object a few bytes
// each instead of a key: 8 (v27), then the varint of its distance from the event before it
// (v31). Their lists' cursors are positions (audit_blocks.go).
//
// Search indexes ("*_by_search") hold "<token>\x00<lower name>\x00<id>" for every word of a
// record's name (and a user's e-mail), so that a prefix scan finds a record by any word and the
// key alone gives the name order of the results; see table.search.
//
// A counted index has a "*_count" bucket beside it, "<value> → decimal", that put and delete keep
// equal to the number of the index's keys with that value, so that a count reads one key.
//
// Users, groups, catalogs, access packages, policies, connected organizations and the settings
// carry a "version" that the Service raises on every write; the store keeps it as given. Records
// written before versions existed have none and read as version 1, so no migration rewrites them.
//
// The bucket tree at SchemaVersion (the last migration in migrations.go); "(vN)" marks what
// migration N added; every index key's ids are packed since v25:
//
//	meta                         schema_version → SchemaVersion(); settings → entitlement.Settings JSON
//	                             requests_count, assignments_count → decimal   (v21) records in the table, for its list's total
//	                             users_by_name_total → decimal   (v26) keys of users_by_name: the people, for their list's total
//	                             directory_sync → entitlement.DirectorySyncState JSON (LDAP import settings, last reports, marker of a run under way)
//	secrets                      name → bytes (session keys, demo provider keys)
//	users                        <id> → User (people, and service accounts: kind "serviceAccount")
//	  users_by_email             <email> → <id>                      unique
//	  users_by_subject           <issuer>\x00<subject> → <id>        unique
//	  users_by_name              <lower name>\x00<id>                list order; people only
//	  users_by_search            <token>\x00<lower name>\x00<id>      name words and e-mail prefix search; people only
//	  users_by_kind              <kind>\x00<lower name>\x00<id>       (v14) service accounts, in name order
//	  users_by_manager           <managerId>\x00<id>
//	  users_by_org               <connectedOrganizationId>\x00<id>
//	  users_by_external          <source>\x00<externalId> → <id>     unique   (v13) records a directory source keeps
//	  users_by_source            <source>\x00<lower name>\x00<id>    (v15) a source's records it has not removed, name order
//	groups                       <id> → Group
//	  groups_by_name, groups_by_search
//	  groups_by_external         <source>\x00<externalId> → <id>     unique   (v13)
//	  groups_by_source           <source>\x00<lower name>\x00<id>    (v15)
//	group_members                <groupId>\x00<userId> → {"direct","granted","synced"}   (v6; "synced" v13) why they are a member
//	user_groups                  <userId>\x00<groupId>               groups by member
//	catalogs                     <id> → Catalog (with its role members)
//	  catalogs_by_name, catalogs_by_search
//	  catalogs_by_principal      <userOrGroupId>\x00<catalogId>      catalogs where someone holds a role
//	  catalogs_by_principal_role <userOrGroupId>\x00<role>\x00<catalogId>   (v4) the roles themselves
//	resources                    <id> → Resource (with roles and scopes)
//	  resources_by_catalog       <catalogId>\x00<lower name>\x00<id>
//	  resources_by_origin        <catalogId>\x00<originSystem>\x00<originId> → <id>   unique
//	  resources_by_object        <originSystem>\x00<originId>\x00<id>  catalogs holding one group/app/site
//	resource_requests            <id> → ResourceRequest
//	  resource_requests_by_catalog <catalogId>\x00<id>
//	access_packages              <id> → AccessPackage (with role scopes)
//	  access_packages_by_name, access_packages_by_search
//	  access_packages_by_catalog <catalogId>\x00<lower name>\x00<id>
//	  access_packages_by_resource <resourceId>\x00<id>
//	policies                     <id> → AssignmentPolicy
//	  policies_by_package        <accessPackageId>\x00<id>
//	  policies_by_requestor      <userOrGroupOrOrgId>\x00<id>        eligibility through allowedRequestors
//	  policies_by_scope          <scopeType>\x00<id>                 eligibility through the scope type
//	  policies_by_approver       <userOrGroupId>\x00<id>             (v7) approvers of any stage and reviewers
//	connected_organizations      <id> → ConnectedOrganization
//	  connected_organizations_by_name, connected_organizations_by_search
//	  connected_organizations_by_identity <domain|tenant|issuer> → <id>   unique
//	requests                     <id> → Request, packed with S2 (v24); the policy's stages only while waiting for approval (v30)
//	  requests_by_target         <userId>\x00<id>
//	  requests_by_package        <accessPackageId>\x00<id>
//	  requests_by_package_target <accessPackageId>\x00<targetId>\x00<id>   (v12) a package's requests by person
//	  requests_by_target_open    <userId>\x00<id>                    (v18) open requests only (not in a final state)
//	  requests_by_waiting        <approverId>\x00<id>                current stage's approvers
//	  requests_by_decider        <approverId>\x00<id>
//	  requests_by_open           <targetId>\x00<accessPackageId> → <id>   unique: one open add request
//	  requests_by_due            <time>\x00<id>                      escalations, timeouts, scheduled starts
//	  requests_by_requestor      <requestorId>\x00<id>               (v21) when someone asked for another person
//	  requests_by_asked          <approverId>\x00<id>                (v21) everyone asked on any stage, or who decided one
//	  requests_by_catalog        <catalogId>\x00<id>                 (v21) with target, requestor and asked: what a non-administrator reads
//	assignments                  <id> → Assignment, packed with S2 (v24)
//	  assignments_by_target, assignments_by_package
//	  assignments_by_package_target <accessPackageId>\x00<targetId>\x00<id>   (v12) a package's assignments by person
//	  assignments_by_live        <targetId>\x00<accessPackageId> → <id>   unique: one live assignment
//	  assignments_by_live_policy <policyId>\x00<id>
//	  assignments_by_live_package <accessPackageId>\x00<id>
//	  assignments_by_live_end    <targetId>\x00<end time or ~>\x00<id>   (v20) live ones, ending soonest first
//	  assignments_by_due         <time>\x00<id>                      reminders and expiry
//	  assignments_by_catalog     <catalogId>\x00<id>                 (v21) with target: what a non-administrator reads
//	assignment_roles             <subjectId>_<roleScopeId> → AssignmentResourceRole, packed with S2 (v24)
//	                             (v29) no index by subject: a subject's roles are the keys that start with "<subjectId>_"
//	audit                        <id> → AuditEvent (ids are UUIDv7: time order), sealed onto the chain; packed (v24);
//	                             without PrevHash, which reads restore from the event at Seq-1 (v28)
//	  audit_by_seq               <chain position, 8 bytes big-endian> → <id>   (v9; v27 8 bytes, id packed) the chain's order
//	  audit_by_actor, audit_by_object  <actorId|objectId>\x00<first position, 8 bytes> → the block's next positions, up to 63,
//	                             each the unsigned varint of its difference from the one before (v31; v27 8 bytes each, the first too)
//	                             (v27) posting blocks in chain order, written by Append, not the table code (audit_blocks.go)
//	meta/audit_head              {"count","hash"}                    (v9) the chain's head as the last append left it
//	outbox                       <id> → OutboxMessage, packed (v22)
//	  outbox_by_due              <time>\x00<id>                      undelivered messages
//	  outbox_by_failing          <kind>\x00<id>                      (v10) undelivered, last attempt failed
//	  outbox_by_delivered        <time>\x00<id>                      (v17) delivered, by delivery time, to purge
//	guest_blocks                 <userId> → GuestBlock               (v3) guests blocked by the life cycle
//	  guest_blocks_by_due        <blocked time>\x00<userId>          deletion after N days; blocks with no next attempt
//	  guest_blocks_by_retry      <next attempt>\x00<userId>          (v8) guests who could not be deleted yet
//	sessions                     <sha256 of token> → Session         (v5) sign-ins; the token itself is never stored
//	  sessions_by_user           <userId>\x00<id>                    sign out everywhere
//	  sessions_by_expiry         <time>\x00<id>                      purge of expired sessions
//	api_tokens                   <id> → APIToken                     (v14) a person's or service account's API token
//	  api_tokens_by_hash         <sha256 of token> → <id>            unique; the token itself is never stored
//	  api_tokens_by_user         <userId>\x00<id>                    an owner's tokens
//	mail                         <outbox message id> → Mail           (v10) mail kept instead of sent (no SMTP)
//	reviews                      <id> → Review                       (v11) access review instances
//	  reviews_by_package         <accessPackageId>\x00<id>           every package a review covers
//	  reviews_by_occurrence      <policyId>\x00<start time> → <id>   unique: one scheduled review per period
//	  reviews_by_due             <time>\x00<id>                      reminder, then close
//	review_decisions             <id> → ReviewDecision               (v11) one assignment in a review
//	  review_decisions_by_review <reviewId>\x00<id>
//	  review_decisions_by_pending <reviewerId>\x00<id>              open and undecided: what waits for a reviewer
//	review_schedules             <policyId> → ReviewSchedule         (v11) next review of a policy
//	  review_schedules_by_due    <time>\x00<policyId>                opening of scheduled reviews
//	provision_tasks              <id> → ProvisionTask                (v16) changes a person carries out by hand; packed (v22)
//	  provision_tasks_by_state   <state>\x00<id>                     the Tasks page of administrators
//	  provision_tasks_by_resource_state <resourceId>\x00<state>\x00<id>   a resource's tasks
//	  provision_tasks_by_catalog_state  <catalogId>\x00<state>\x00<id>    a catalog owner's tasks
//	  provision_tasks_by_state_count    <state> → decimal            (v23) keys of the state index per value: an administrator's badge and list total
//	  provision_tasks_by_catalog_state_count <catalogId>\x00<state> → decimal   (v23) the same by catalog: a catalog owner's badge
//	  provision_tasks_by_role    <assignmentRoleId>\x00<id>          closing the tasks a change makes stale; the role's id packed (v29)
//	connectors                   <resourceId> → Connector            (v16) how a resource's roles are carried out; secrets sealed (AES-GCM)
//	  connectors_by_reconcile_due <time>\x00<resourceId>            (v19) scheduled comparisons with the target
//	connector_calls              <id> → ConnectorCall                (v16) recent calls, the last MaxConnectorCalls per resource
//	  connector_calls_by_resource <resourceId>\x00<id>
//
// Change this comment together with a new migration in migrations.go.
package store
