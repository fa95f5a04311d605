package miro

import (
	"context"
	"net/http"
)

// User groups (Enterprise): scopes organizations:groups:read and
// organizations:groups:write, Level 1 except deletes (Level 4). Every list is
// cursor-paged like teams.

// Group is an Enterprise user group.
type Group struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// GroupMember is a member of a user group: a user id and the user's email.
type GroupMember struct {
	ID    string `json:"id"` // the user's id, the same as the org member id
	Email string `json:"email,omitempty"`
}

// TeamGroup is a user group attached to a team: its members hold Role in the
// team without being direct team members.
type TeamGroup struct {
	ID string `json:"id"`
	// UserGroupID is how the attach request names the group; accepted on read
	// in case an answer carries it instead of id.
	UserGroupID string `json:"userGroupId,omitempty"`
	Role        string `json:"role,omitempty"`
}

// GroupID returns the id of the attached group.
func (t TeamGroup) GroupID() string {
	if t.ID != "" {
		return t.ID
	}
	return t.UserGroupID
}

// groupMemberAdd is the body of POST …/groups/{group_id}/members.
type groupMemberAdd struct {
	Email string `json:"email"`
}

// ListGroups returns one page of the organization's user groups.
func (c *Client) ListGroups(ctx context.Context, orgID, cursor string) (*Page[Group], *Response, error) {
	return list[Group](ctx, c, restCall(http.MethodGet, Level1, ScopeGroupsRead, "/v2/orgs/%s/groups", orgID), cursor)
}

// GetGroup returns one user group.
func (c *Client) GetGroup(ctx context.Context, orgID, groupID string) (*Group, *Response, error) {
	return call[Group](ctx, c, restCall(http.MethodGet, Level1, ScopeGroupsRead, "/v2/orgs/%s/groups/%s", orgID, groupID))
}

// ListGroupMembers returns one page of a user group's members.
func (c *Client) ListGroupMembers(ctx context.Context, orgID, groupID, cursor string) (*Page[GroupMember], *Response, error) {
	return list[GroupMember](ctx, c, restCall(http.MethodGet, Level1, ScopeGroupsRead, "/v2/orgs/%s/groups/%s/members", orgID, groupID), cursor)
}

// AddGroupMember adds an organization member to a user group by email
// (POST …/groups/{group_id}/members, Level 1). Miro answers 404 when the group
// or the member does not exist and 409 when the user is already a member.
func (c *Client) AddGroupMember(ctx context.Context, orgID, groupID, email string) (*GroupMember, *Response, error) {
	rq := restCall(http.MethodPost, Level1, ScopeGroupsWrite, "/v2/orgs/%s/groups/%s/members", orgID, groupID)
	return call[GroupMember](ctx, c, rq.withBody(groupMemberAdd{Email: email}))
}

// RemoveGroupMember removes a user from a user group
// (DELETE …/groups/{group_id}/members/{member_id}, Level 4). Miro answers 404
// when the user is not a member.
func (c *Client) RemoveGroupMember(ctx context.Context, orgID, groupID, memberID string) (*Response, error) {
	return c.do(ctx, restCall(http.MethodDelete, Level4, ScopeGroupsWrite, "/v2/orgs/%s/groups/%s/members/%s", orgID, groupID, memberID), nil)
}

// ListTeamGroups returns one page of the user groups attached to a team
// (GET …/teams/{team_id}/groups, Level 1; needs the groups and teams read scopes).
func (c *Client) ListTeamGroups(ctx context.Context, orgID, teamID, cursor string) (*Page[TeamGroup], *Response, error) {
	return list[TeamGroup](ctx, c, restCall(http.MethodGet, Level1, ScopeGroupsRead, "/v2/orgs/%s/teams/%s/groups", orgID, teamID), cursor)
}
