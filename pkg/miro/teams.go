package miro

import (
	"context"
	"net/url"
	"strconv"
)

func teamsPath(orgID string) string { return "/v2/orgs/" + url.PathEscape(orgID) + "/teams" }

func teamMembersPath(orgID, teamID string) string {
	return teamsPath(orgID) + "/" + url.PathEscape(teamID) + "/members"
}

func pageQuery(cursor string) url.Values {
	q := url.Values{"limit": {strconv.Itoa(PageSize)}}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	return q
}

// ListTeams returns one page of the organization's teams.
func (c *Client) ListTeams(ctx context.Context, orgID, cursor string) (*Page[Team], *Response, error) {
	var out cursorList[Team]
	resp, err := c.do(ctx, request{method: "GET", path: teamsPath(orgID), query: pageQuery(cursor), cost: Level1}, &out)
	if err != nil {
		return nil, resp, err
	}
	return &Page[Team]{Data: out.Data, Cursor: string(out.Cursor)}, resp, nil
}

// GetTeam returns one team.
func (c *Client) GetTeam(ctx context.Context, orgID, teamID string) (*Team, *Response, error) {
	var out Team
	resp, err := c.do(ctx, request{method: "GET", path: teamsPath(orgID) + "/" + url.PathEscape(teamID), cost: Level1}, &out)
	if err != nil {
		return nil, resp, err
	}
	return &out, resp, nil
}

// ListTeamMembers returns one page of a team's memberships.
func (c *Client) ListTeamMembers(ctx context.Context, orgID, teamID, cursor string) (*Page[TeamMember], *Response, error) {
	var out cursorList[TeamMember]
	resp, err := c.do(ctx, request{method: "GET", path: teamMembersPath(orgID, teamID), query: pageQuery(cursor), cost: Level2}, &out)
	if err != nil {
		return nil, resp, err
	}
	return &Page[TeamMember]{Data: out.Data, Cursor: string(out.Cursor)}, resp, nil
}

// GetTeamMember returns one membership of a team.
func (c *Client) GetTeamMember(ctx context.Context, orgID, teamID, memberID string) (*TeamMember, *Response, error) {
	var out TeamMember
	resp, err := c.do(ctx, request{method: "GET", path: teamMembersPath(orgID, teamID) + "/" + url.PathEscape(memberID), cost: Level1}, &out)
	if err != nil {
		return nil, resp, err
	}
	return &out, resp, nil
}
