// Package mirosim simulates the parts of Miro's REST and SCIM APIs that baton-miro uses, over an in-memory
// Enterprise org. It is written from the API reference (shared/miro-api.md and Miro's OpenAPI spec), not from
// the client, so the two check each other. The contract test (contract/, docs/miro-contract.md) validates its
// answers against the spec; generated data keeps to the spec's enums unless GenOptions.UnknownEnums asks for
// off-spec values.
//
// Routes (the names are the keys of Counts):
//
//	oauth_token         GET    /v1/oauth-token                                unmetered
//	get_org             GET    /v2/orgs/{org}                                 L3 (500 credits)
//	list_members        GET    /v2/orgs/{org}/members                         L3
//	get_member          GET    /v2/orgs/{org}/members/{id}                    L3
//	list_teams          GET    /v2/orgs/{org}/teams                           L1 (50)
//	get_team            GET    /v2/orgs/{org}/teams/{team}                    L1
//	get_team_settings   GET    /v2/orgs/{org}/teams/{team}/settings           L1 (see settings.go)
//	list_team_members   GET    /v2/orgs/{org}/teams/{team}/members            L2 (100)
//	get_team_member     GET    /v2/orgs/{org}/teams/{team}/members/{id}       L1
//	invite_team_member  POST   /v2/orgs/{org}/teams/{team}/members            L2
//	update_team_member  PATCH  /v2/orgs/{org}/teams/{team}/members/{id}       L2
//	delete_team_member  DELETE /v2/orgs/{org}/teams/{team}/members/{id}       L1
//	list_groups         GET    /v2/orgs/{org}/groups                          L1
//	get_group           GET    /v2/orgs/{org}/groups/{group}                  L1
//	list_group_members  GET    /v2/orgs/{org}/groups/{group}/members          L1
//	add_group_member    POST   /v2/orgs/{org}/groups/{group}/members          L1
//	remove_group_member DELETE /v2/orgs/{org}/groups/{group}/members/{id}     L4 (2000)
//	list_team_groups    GET    /v2/orgs/{org}/teams/{team}/groups             L1 (groups:read and teams:read)
//	list_group_teams    GET    /v2/orgs/{org}/groups/{group}/teams            L1 (groups:read and teams:read)
//	list_projects       GET    /v2/orgs/{org}/teams/{team}/projects           L1
//	get_project         GET    /v2/orgs/{org}/teams/{team}/projects/{project} L1
//	list_project_members GET   /v2/orgs/{org}/teams/{team}/projects/{project}/members       L1
//	get_project_member  GET    /v2/orgs/{org}/teams/{team}/projects/{project}/members/{id}  L1
//	list_project_groups GET    /v2/orgs/{org}/projects/{project}/groups       L1 (groups:read and projects:read)
//	list_boards         GET    /v2/boards                                     L1 (offset paging)
//	get_board           GET    /v2/boards/{board}                             L1
//	list_board_members  GET    /v2/boards/{board}/members                     L1 (offset paging)
//	get_board_member    GET    /v2/boards/{board}/members/{id}                L1
//	list_board_groups   GET    /v2/orgs/{org}/boards/{board}/groups           L1 (groups:read and boards:read)
//	share_board         POST   /v2/boards/{board}/members                     L3 (boards:write; see board_access.go)
//	update_board_member PATCH  /v2/boards/{board}/members/{id}                L2 (boards:write)
//	remove_board_member DELETE /v2/boards/{board}/members/{id}                L2 (boards:write)
//	add_project_member  POST   /v2/orgs/{org}/teams/{team}/projects/{project}/members       L1 (projects:write)
//	update_project_member PATCH /v2/orgs/{org}/teams/{team}/projects/{project}/members/{id} L1 (projects:write)
//	remove_project_member DELETE /v2/orgs/{org}/teams/{team}/projects/{project}/members/{id} L4 (projects:write)
//	share_board_groups  POST   /v2/orgs/{org}/boards/{board}/groups           L1 (groups:read and boards:write)
//	unshare_board_group DELETE /v2/orgs/{org}/boards/{board}/groups/{group}   L1 (groups:read and boards:write)
//	share_project_groups POST  /v2/orgs/{org}/projects/{project}/groups       L1 (groups:read and projects:write)
//	unshare_project_group DELETE /v2/orgs/{org}/projects/{project}/groups/{group} L1 (groups:read and projects:write)
//	get_classification_settings GET /v2/orgs/{org}/data-classification-settings L2 (organizations:read)
//	get_board_classification GET /v2/orgs/{org}/teams/{team}/boards/{board}/data-classification L2 (boards:read)
//	list_audit_logs     GET    /v2/audit/logs                                 L2 (auditlogs:read; see audit.go)
//	reset_sessions      POST   /v2/sessions/reset_all?email=                  L3 (sessions:delete; see sessions.go)
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
// the handler. /v2/boards routes are neither Enterprise- nor admin-only and name no org, so they skip the
// forbiddenAccess and org checks; /v2/sessions/reset_all is Enterprise- and admin-only but names no org, so it
// skips only the org check. Every authenticated metered request is charged, whatever its outcome
// (400/403/404 included); 401s and 429s are not. All of these answers carry X-RateLimit-*; injected faults
// do not (they stand for a proxy or a broken connection in front of Miro).
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
//   - User groups, projects and their members, and team→group links page like teams (opaque list-bound
//     cursors, limit 1..100). Unknown group, team or project (or a project of another team) is 404. Adding a
//     group member by an email that is no org member is 404, an existing member 409; removing a non-member
//     is 404. Team member lists show direct members only, not members of attached groups.
//   - Boards: limit 1..50 (default 20) and offset ≥ 0 must be integers, else 400 invalidParameters, as is an
//     unknown sort or a query over 500 characters. Unknown team_id or project_id is 404. Without team_id and
//     project_id every board of the org matches (the token's user is taken as Content Admin), filtered by
//     query and owner. Sorts break ties by id; last_opened uses modifiedAt (no open times are kept). The
//     envelope's type is "list"; links are absolute URLs built from the request. createdBy and modifiedBy are
//     the owner.
//   - A SCIM delete edits teams only; group, board and project member lists skip ids that are no longer org
//     members, and a board whose owner left has no owner object.
//   - Group links (a group's teams, a board's or project's groups) page like teams, in id order, 100 at most;
//     an unknown group, board or project is 404 (the spec lists no 404 for a group's teams; the team side
//     answers the same). The project's groups path names no team, as in the spec. Board and project group
//     roles are the spec's upper-case VIEWER, COMMENTER, EDITOR; a group's role in a team is "member".
//   - Single gets: a board is its list item plus links{self, related} (absolute URLs from the request); a
//     board or project member who is not on it, or no longer an org member, is 404; a project under another
//     team is 404.
//   - Team settings: a team the org holds none for answers DefaultTeamSettings (Miro documents no defaults).
//   - Session reset: any org member's email, any case, guests and deactivated users included; 200 with no
//     body, again on a repeat; a missing or blank email is 400 invalidParameters, an unknown one 404
//     notFound. Server.SessionResets counts successes per member.
//   - SCIM profile: displayName at most 60 characters, department 120, employeeNumber 20 (Miro's docs), else
//     400 invalidValue; only changed values are checked. A complex attribute as the PATCH path ("name", the
//     enterprise URN) sets the sub-attributes given and leaves the others.
//
// Faults replace the answer before any check (so they are counted but not charged); FaultTruncate runs the
// real handler (charging it and applying any write) and sends half its answer. Malformations change only
// successful answers, after the handler ran; error answers stay intact. List malformations apply to the three
// cursor lists; over_limit, duplicates, empty_data_cursor (empty Resources) and huge_strings also to
// scim_list_users. The newer cursor lists (groups, group members, team groups, projects, project members) take
// all five; the link lists (group teams, board groups, project groups) take the four that change pages (their
// items hold no free text for huge_strings). Single gets and team settings take huge_strings (on a name, an
// email or an allow-listed domain). On the offset lists (boards, board members) over_limit adds an item, duplicates starts a later page
// with the item before offset (plus limit new ones), empty_data_cursor empties data (total unchanged),
// cursor_loop points links.next of a later page at itself. huge_strings makes only the first item of a page
// huge, so a page stays about 1 MiB.
package mirosim
