package miro

import (
	"context"
	"net/http"
)

// Links of user groups (Enterprise, Level 1, cursor-paged, 100 per page):
// the teams a group is attached to, and the boards and projects shared with
// a group. Each needs organizations:groups:read besides the scope of the
// other side; errors name the groups scope, the one a board or team sync
// does not otherwise need.

// Group share roles (GroupLink.Role of a board's or project's groups), upper
// case unlike the user roles.
const (
	GroupShareViewer    = "VIEWER"
	GroupShareCommenter = "COMMENTER"
	GroupShareEditor    = "EDITOR"
)

// GroupLink is one link of a user group: to a team ({id: team id, role}) or,
// from a board or project, to a group ({id: group id, role}).
type GroupLink struct {
	ID   string `json:"id"`
	Role string `json:"role,omitempty"`
	Type string `json:"type,omitempty"`
}

// ListGroupTeams returns one page of the teams a user group is attached to
// (GET /v2/orgs/{org_id}/groups/{group_id}/teams).
func (c *Client) ListGroupTeams(ctx context.Context, orgID, groupID, cursor string) (*Page[GroupLink], *Response, error) {
	return list[GroupLink](ctx, c, restCall(http.MethodGet, Level1, ScopeGroupsRead, "/v2/orgs/%s/groups/%s/teams", orgID, groupID), cursor)
}

// ListBoardGroups returns one page of the user groups a board is shared with
// (GET /v2/orgs/{org_id}/boards/{board_id}/groups).
func (c *Client) ListBoardGroups(ctx context.Context, orgID, boardID, cursor string) (*Page[GroupLink], *Response, error) {
	return list[GroupLink](ctx, c, restCall(http.MethodGet, Level1, ScopeGroupsRead, "/v2/orgs/%s/boards/%s/groups", orgID, boardID), cursor)
}

// ListProjectGroups returns one page of the user groups a project is shared
// with (GET /v2/orgs/{org_id}/projects/{project_id}/groups; no team in the path).
func (c *Client) ListProjectGroups(ctx context.Context, orgID, projectID, cursor string) (*Page[GroupLink], *Response, error) {
	return list[GroupLink](ctx, c, restCall(http.MethodGet, Level1, ScopeGroupsRead, "/v2/orgs/%s/projects/%s/groups", orgID, projectID), cursor)
}
