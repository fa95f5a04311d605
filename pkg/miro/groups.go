package miro

import (
	"context"
	"net/url"
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

func groupsPath(orgID string) string { return "/v2/orgs/" + url.PathEscape(orgID) + "/groups" }

func groupPath(orgID, groupID string) string {
	return groupsPath(orgID) + "/" + url.PathEscape(groupID)
}

// groupMemberAdd is the body of POST …/groups/{group_id}/members.
type groupMemberAdd struct {
	Email string `json:"email"`
}

// ListGroups returns one page of the organization's user groups.
func (c *Client) ListGroups(ctx context.Context, orgID, cursor string) (*Page[Group], *Response, error) {
	var out cursorList[Group]
	resp, err := c.do(ctx, request{method: "GET", path: groupsPath(orgID), query: pageQuery(cursor), cost: Level1}, &out)
	if err != nil {
		return nil, resp, err
	}
	return &Page[Group]{Data: out.Data, Cursor: string(out.Cursor)}, resp, nil
}

// GetGroup returns one user group.
func (c *Client) GetGroup(ctx context.Context, orgID, groupID string) (*Group, *Response, error) {
	var out Group
	resp, err := c.do(ctx, request{method: "GET", path: groupPath(orgID, groupID), cost: Level1}, &out)
	if err != nil {
		return nil, resp, err
	}
	return &out, resp, nil
}

// ListGroupMembers returns one page of a user group's members.
func (c *Client) ListGroupMembers(ctx context.Context, orgID, groupID, cursor string) (*Page[GroupMember], *Response, error) {
	var out cursorList[GroupMember]
	resp, err := c.do(ctx, request{method: "GET", path: groupPath(orgID, groupID) + "/members", query: pageQuery(cursor), cost: Level1}, &out)
	if err != nil {
		return nil, resp, err
	}
	return &Page[GroupMember]{Data: out.Data, Cursor: string(out.Cursor)}, resp, nil
}

// AddGroupMember adds an organization member to a user group by email
// (POST …/groups/{group_id}/members, Level 1). Miro answers 404 when the group
// or the member does not exist and 409 when the user is already a member.
func (c *Client) AddGroupMember(ctx context.Context, orgID, groupID, email string) (*GroupMember, *Response, error) {
	var out GroupMember
	resp, err := c.do(ctx, request{method: "POST", path: groupPath(orgID, groupID) + "/members",
		body: groupMemberAdd{Email: email}, cost: Level1}, &out)
	if err != nil {
		return nil, resp, err
	}
	return &out, resp, nil
}

// RemoveGroupMember removes a user from a user group
// (DELETE …/groups/{group_id}/members/{member_id}, Level 4). Miro answers 404
// when the user is not a member.
func (c *Client) RemoveGroupMember(ctx context.Context, orgID, groupID, memberID string) (*Response, error) {
	return c.do(ctx, request{method: "DELETE", path: groupPath(orgID, groupID) + "/members/" + url.PathEscape(memberID), cost: Level4}, nil)
}

// ListTeamGroups returns one page of the user groups attached to a team
// (GET …/teams/{team_id}/groups, Level 1; needs the groups and teams read scopes).
func (c *Client) ListTeamGroups(ctx context.Context, orgID, teamID, cursor string) (*Page[TeamGroup], *Response, error) {
	var out cursorList[TeamGroup]
	resp, err := c.do(ctx, request{method: "GET", path: teamsPath(orgID) + "/" + url.PathEscape(teamID) + "/groups",
		query: pageQuery(cursor), cost: Level1}, &out)
	if err != nil {
		return nil, resp, err
	}
	return &Page[TeamGroup]{Data: out.Data, Cursor: string(out.Cursor)}, resp, nil
}
