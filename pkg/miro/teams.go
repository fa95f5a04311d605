package miro

import (
	"context"
	"net/http"
)

// Teams and their memberships: read with organizations:teams:read, changed
// with organizations:teams:write.

// ListTeams returns one page of the organization's teams.
func (c *Client) ListTeams(ctx context.Context, orgID, cursor string) (*Page[Team], *Response, error) {
	return list[Team](ctx, c, restCall(http.MethodGet, Level1, ScopeTeamsRead, "/v2/orgs/%s/teams", orgID), cursor)
}

// GetTeam returns one team.
func (c *Client) GetTeam(ctx context.Context, orgID, teamID string) (*Team, *Response, error) {
	return call[Team](ctx, c, restCall(http.MethodGet, Level1, ScopeTeamsRead, "/v2/orgs/%s/teams/%s", orgID, teamID))
}

// ListTeamMembers returns one page of a team's memberships.
func (c *Client) ListTeamMembers(ctx context.Context, orgID, teamID, cursor string) (*Page[TeamMember], *Response, error) {
	return list[TeamMember](ctx, c, restCall(http.MethodGet, Level2, ScopeTeamsRead, "/v2/orgs/%s/teams/%s/members", orgID, teamID), cursor)
}

// GetTeamMember returns one membership of a team.
func (c *Client) GetTeamMember(ctx context.Context, orgID, teamID, memberID string) (*TeamMember, *Response, error) {
	return call[TeamMember](ctx, c, restCall(http.MethodGet, Level1, ScopeTeamsRead, "/v2/orgs/%s/teams/%s/members/%s", orgID, teamID, memberID))
}

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
	rq := restCall(http.MethodPost, Level2, ScopeTeamsWrite, "/v2/orgs/%s/teams/%s/members", orgID, teamID)
	return call[TeamMember](ctx, c, rq.withBody(teamMemberInvite{Email: email, Role: role}))
}

// UpdateTeamMember changes a team member's role to "member" or "admin"
// (PATCH …/teams/{team_id}/members/{member_id}, Level 2).
func (c *Client) UpdateTeamMember(ctx context.Context, orgID, teamID, memberID, role string) (*TeamMember, *Response, error) {
	rq := restCall(http.MethodPatch, Level2, ScopeTeamsWrite, "/v2/orgs/%s/teams/%s/members/%s", orgID, teamID, memberID)
	return call[TeamMember](ctx, c, rq.withBody(teamMemberUpdate{Role: role}))
}

// RemoveTeamMember removes a member from a team
// (DELETE …/teams/{team_id}/members/{member_id}, Level 1).
func (c *Client) RemoveTeamMember(ctx context.Context, orgID, teamID, memberID string) (*Response, error) {
	return c.do(ctx, restCall(http.MethodDelete, Level1, ScopeTeamsWrite, "/v2/orgs/%s/teams/%s/members/%s", orgID, teamID, memberID), nil)
}
