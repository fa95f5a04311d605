// Package mirosim simulates the parts of Miro's REST and SCIM APIs that baton-miro uses, over an in-memory
// Enterprise org. It is written from the API reference (shared/miro-api.md and Miro's OpenAPI spec), not from
// the client, so the two check each other.
//
// Routes (the names are the keys of Counts):
//
//	oauth_token         GET    /v1/oauth-token                                unmetered
//	get_org             GET    /v2/orgs/{org}                                 L3 (500 credits)
//	list_members        GET    /v2/orgs/{org}/members                         L3
//	get_member          GET    /v2/orgs/{org}/members/{id}                    L3
//	list_teams          GET    /v2/orgs/{org}/teams                           L1 (50)
//	get_team            GET    /v2/orgs/{org}/teams/{team}                    L1
//	list_team_members   GET    /v2/orgs/{org}/teams/{team}/members            L2 (100)
//	get_team_member     GET    /v2/orgs/{org}/teams/{team}/members/{id}       L1
//	invite_team_member  POST   /v2/orgs/{org}/teams/{team}/members            L2
//	update_team_member  PATCH  /v2/orgs/{org}/teams/{team}/members/{id}       L2
//	delete_team_member  DELETE /v2/orgs/{org}/teams/{team}/members/{id}       L1
//	scim_list_users     GET    /api/v1/scim/Users                             SCIM limits
//	scim_get_user       GET    /api/v1/scim/Users/{id}
//	scim_create_user    POST   /api/v1/scim/Users
//	scim_replace_user   PUT    /api/v1/scim/Users/{id}
//	scim_patch_user     PATCH  /api/v1/scim/Users/{id}
//	scim_delete_user    DELETE /api/v1/scim/Users/{id}
//	unknown             anything else (also a known path with another method) → 404 notFound
//
// Order of checks on /v2: 401 (token) → 429 (credits, nothing charged) → 403 insufficientPermissions (scope)
// → 403 forbiddenAccess (NotEnterprise, then NotAdmin, distinct messages) → 404 (org id not the org's) →
// the handler. Every authenticated metered request is charged, whatever its outcome (400/403/404 included);
// 401s and 429s are not. All of these answers carry X-RateLimit-*; injected faults do not (they stand for a
// proxy or a broken connection in front of Miro).
//
// Choices where Miro documents nothing (the reference's [I] items):
//   - A wrong org id is 404 notFound (not 403).
//   - /v1/oauth-token answers 400 "Invalid token provided" for a missing token as well as a wrong one.
//   - Cursor of org members: the last id; any string is accepted and pages from after it (string order).
//     Teams and team members: opaque base64 of a list-bound prefix and the last key; a foreign or garbled
//     cursor is 400 invalidParameters. Keys, not offsets, so writes while paging do not skip items.
//   - Unknown role/license/active filter values and team role filter values are 400 invalidParameters.
//   - POST team member for an existing member is 409; demoting or removing a team's last admin is 409.
//   - Team members' createdBy/modifiedBy are the token's user (no audit trail is kept); modifiedAt is createdAt
//     except in the PATCH answer.
//   - SCIM: per-route limits per aligned 30 s window (200 list/get/create, 100 put/patch, 20 delete); off when
//     Options.Credits < 0. Deleting the last active Company Admin or the last admin of any team is 409 (Miro's
//     docs), as is any change that leaves no active Company Admin. Changing userName, userType or roles of a
//     user who stays deactivated is 409. Duplicate userName is 400 invalidValue "not unique", on create and
//     update. userType can only move to Full (POST may set any known label). Removing an admin role the user
//     lacks is a no-op. Admin role names must be prebuilt or a custom role the org knows. POST does not add
//     the user to a default team. The attributes and sortBy parameters are ignored (full resources, id order).
//   - Unlimited credits report X-RateLimit-Limit 2147483647, so no client limiter ever waits.
//
// Faults replace the answer before any check (so they are counted but not charged); FaultTruncate runs the
// real handler (charging it and applying any write) and sends half its answer. Malformations change only
// successful answers, after the handler ran; error answers stay intact. List malformations apply to the three
// cursor lists; over_limit, duplicates, empty_data_cursor (empty Resources) and huge_strings also to
// scim_list_users. huge_strings makes only the first item of a page huge, so a page stays about 1 MiB.
package mirosim
