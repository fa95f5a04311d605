package miro

import (
	"context"
	"net/url"
)

// teamMemberInvite is the body of POST …/teams/{team_id}/members.
type teamMemberInvite struct {
	Email string `json:"email"`
	Role  string `json:"role,omitempty"`
}

// teamMemberUpdate is the body of PATCH …/teams/{team_id}/members/{member_id}.
type teamMemberUpdate struct {
	Role string `json:"role"`
}

// InviteTeamMember adds an organization member to a team by email with role
// "member" or "admin" (POST …/teams/{team_id}/members, Level 2). Miro answers
// 404 when no org member has the email and 409 when they are already in the team.
func (c *Client) InviteTeamMember(ctx context.Context, orgID, teamID, email, role string) (*TeamMember, *Response, error) {
	var out TeamMember
	resp, err := c.do(ctx, request{method: "POST", path: teamMembersPath(orgID, teamID),
		body: teamMemberInvite{Email: email, Role: role}, cost: Level2}, &out)
	if err != nil {
		return nil, resp, err
	}
	return &out, resp, nil
}

// UpdateTeamMember changes a team member's role to "member" or "admin"
// (PATCH …/teams/{team_id}/members/{member_id}, Level 2).
func (c *Client) UpdateTeamMember(ctx context.Context, orgID, teamID, memberID, role string) (*TeamMember, *Response, error) {
	var out TeamMember
	resp, err := c.do(ctx, request{method: "PATCH", path: teamMembersPath(orgID, teamID) + "/" + url.PathEscape(memberID),
		body: teamMemberUpdate{Role: role}, cost: Level2}, &out)
	if err != nil {
		return nil, resp, err
	}
	return &out, resp, nil
}

// RemoveTeamMember removes a member from a team
// (DELETE …/teams/{team_id}/members/{member_id}, Level 1).
func (c *Client) RemoveTeamMember(ctx context.Context, orgID, teamID, memberID string) (*Response, error) {
	return c.do(ctx, request{method: "DELETE", path: teamMembersPath(orgID, teamID) + "/" + url.PathEscape(memberID), cost: Level1}, nil)
}
