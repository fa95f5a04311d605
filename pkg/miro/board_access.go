package miro

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Access to one board or one project ("Space"): sharing a board with users by
// email (boards:write, Level 3), changing and removing a board member
// (boards:write, Level 2), adding, changing and removing a project member
// (projects:write, Level 1; removal Level 4), and sharing a board or project
// with user groups (boards:write or projects:write besides
// organizations:groups:read, Level 1). Board members carry no email: sharing
// takes emails, so a caller looks the user's email up first.

// MaxShareEmails is how many emails one board share call accepts.
const MaxShareEmails = 20

// boardShare is the body of POST /v2/boards/{board_id}/members.
type boardShare struct {
	Emails  []string `json:"emails"`
	Role    string   `json:"role,omitempty"`
	Message string   `json:"message,omitempty"`
}

// ShareResult is Miro's answer to a board share: the ids of the users it
// shared the board with, and the emails it refused with its reason.
type ShareResult struct {
	Successful []ID           `json:"successful"`
	Failed     []ShareRefusal `json:"failed"`
}

// ShareRefusal is one email a board share refused, with Miro's reason.
type ShareRefusal struct {
	Email  string `json:"email"`
	Reason string `json:"reason"`
}

// ID is an id Miro sends as a JSON number (int64, as the successful[] of a
// share) or a string; it is kept as the decimal string, never through a float.
type ID string

// UnmarshalJSON accepts a JSON number or string.
func (id *ID) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if strings.HasPrefix(s, `"`) {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*id = ID(v)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	if strings.ContainsAny(string(n), ".eE") {
		return fmt.Errorf("id %s is not an integer", n)
	}
	*id = ID(n)
	return nil
}

// Refusal returns Miro's reason for refusing email, and whether it did (emails
// compare case-insensitively).
func (r *ShareResult) Refusal(email string) (string, bool) {
	for _, f := range r.Failed {
		if strings.EqualFold(strings.TrimSpace(f.Email), strings.TrimSpace(email)) {
			return f.Reason, true
		}
	}
	return "", false
}

// Shared reports whether userID is among the successful ids.
func (r *ShareResult) Shared(userID string) bool {
	for _, id := range r.Successful {
		if string(id) == userID {
			return true
		}
	}
	return false
}

// ShareBoard shares a board with up to MaxShareEmails users by email with a
// board role (POST /v2/boards/{board_id}/members, Level 3). Miro answers 201
// with the ids it shared with and the emails it refused; a refusal is not an
// error of the call, so the caller reads the result.
func (c *Client) ShareBoard(ctx context.Context, boardID string, emails []string, role string) (*ShareResult, *Response, error) {
	if len(emails) == 0 || len(emails) > MaxShareEmails {
		return nil, nil, fmt.Errorf("sharing board %s: %d emails, Miro accepts 1 to %d per call", boardID, len(emails), MaxShareEmails)
	}
	rq := restCall(http.MethodPost, Level3, ScopeBoardsWrite, "/v2/boards/%s/members", boardID)
	return call[ShareResult](ctx, c, rq.withBody(boardShare{Emails: emails, Role: role}))
}

// GetBoardMember returns one member of a board (GET …/members/{id}, Level 1);
// Miro answers 404 when the user is not a member.
func (c *Client) GetBoardMember(ctx context.Context, boardID, userID string) (*BoardMember, *Response, error) {
	return call[BoardMember](ctx, c, restCall(http.MethodGet, Level1, ScopeBoardsRead, "/v2/boards/%s/members/%s", boardID, userID))
}

// roleChange is the body of the role PATCHes.
type roleChange struct {
	Role string `json:"role"`
}

// UpdateBoardMember changes a board member's role (PATCH …/members/{id}, Level 2).
func (c *Client) UpdateBoardMember(ctx context.Context, boardID, userID, role string) (*BoardMember, *Response, error) {
	rq := restCall(http.MethodPatch, Level2, ScopeBoardsWrite, "/v2/boards/%s/members/%s", boardID, userID)
	return call[BoardMember](ctx, c, rq.withBody(roleChange{Role: role}))
}

// RemoveBoardMember removes a user from a board (DELETE …/members/{id}, Level 2).
func (c *Client) RemoveBoardMember(ctx context.Context, boardID, userID string) (*Response, error) {
	return c.do(ctx, restCall(http.MethodDelete, Level2, ScopeBoardsWrite, "/v2/boards/%s/members/%s", boardID, userID), nil)
}

// projectMemberAdd is the body of POST …/projects/{project_id}/members.
type projectMemberAdd struct {
	Email string `json:"email"`
	Role  string `json:"role"`
}

// GetProjectMember returns one member of a project (Level 1); Miro answers
// 404 when the user is not a member.
func (c *Client) GetProjectMember(ctx context.Context, orgID, teamID, projectID, userID string) (*ProjectMember, *Response, error) {
	return call[ProjectMember](ctx, c, restCall(http.MethodGet, Level1, ScopeProjectsRead,
		"/v2/orgs/%s/teams/%s/projects/%s/members/%s", orgID, teamID, projectID, userID))
}

// AddProjectMember adds a user to a project by email with a project role
// (POST …/projects/{project_id}/members, Level 1).
func (c *Client) AddProjectMember(ctx context.Context, orgID, teamID, projectID, email, role string) (*ProjectMember, *Response, error) {
	rq := restCall(http.MethodPost, Level1, ScopeProjectsWrite, "/v2/orgs/%s/teams/%s/projects/%s/members", orgID, teamID, projectID)
	return call[ProjectMember](ctx, c, rq.withBody(projectMemberAdd{Email: email, Role: role}))
}

// UpdateProjectMember changes a project member's role (PATCH …/members/{id}, Level 1).
func (c *Client) UpdateProjectMember(ctx context.Context, orgID, teamID, projectID, userID, role string) (*ProjectMember, *Response, error) {
	rq := restCall(http.MethodPatch, Level1, ScopeProjectsWrite, "/v2/orgs/%s/teams/%s/projects/%s/members/%s", orgID, teamID, projectID, userID)
	return call[ProjectMember](ctx, c, rq.withBody(roleChange{Role: role}))
}

// RemoveProjectMember removes a user from a project; the user stays in the
// team (DELETE …/members/{id}, Level 4).
func (c *Client) RemoveProjectMember(ctx context.Context, orgID, teamID, projectID, userID string) (*Response, error) {
	return c.do(ctx, restCall(http.MethodDelete, Level4, ScopeProjectsWrite,
		"/v2/orgs/%s/teams/%s/projects/%s/members/%s", orgID, teamID, projectID, userID), nil)
}

// groupShare is the body of the group share POSTs.
type groupShare struct {
	UserGroupIDs []string `json:"userGroupIds"`
	Role         string   `json:"role"`
}

// ShareBoardWithGroup shares a board with a user group with a share role
// (GroupShareViewer, …), or changes the role of an existing share
// (POST /v2/orgs/{org_id}/boards/{board_id}/groups, Level 1).
func (c *Client) ShareBoardWithGroup(ctx context.Context, orgID, boardID, groupID, role string) (*GroupLink, *Response, error) {
	rq := restCall(http.MethodPost, Level1, ScopeBoardsWrite, "/v2/orgs/%s/boards/%s/groups", orgID, boardID)
	return call[GroupLink](ctx, c, rq.withBody(groupShare{UserGroupIDs: []string{groupID}, Role: role}))
}

// UnshareBoardGroup removes a user group's share of a board
// (DELETE …/boards/{board_id}/groups/{group_id}, Level 1).
func (c *Client) UnshareBoardGroup(ctx context.Context, orgID, boardID, groupID string) (*Response, error) {
	return c.do(ctx, restCall(http.MethodDelete, Level1, ScopeBoardsWrite, "/v2/orgs/%s/boards/%s/groups/%s", orgID, boardID, groupID), nil)
}

// ShareProjectWithGroup shares a project with a user group, or changes the
// role of an existing share (POST /v2/orgs/{org_id}/projects/{project_id}/groups, Level 1).
func (c *Client) ShareProjectWithGroup(ctx context.Context, orgID, projectID, groupID, role string) (*GroupLink, *Response, error) {
	rq := restCall(http.MethodPost, Level1, ScopeProjectsWrite, "/v2/orgs/%s/projects/%s/groups", orgID, projectID)
	return call[GroupLink](ctx, c, rq.withBody(groupShare{UserGroupIDs: []string{groupID}, Role: role}))
}

// UnshareProjectGroup removes a user group's share of a project
// (DELETE …/projects/{project_id}/groups/{group_id}, Level 1).
func (c *Client) UnshareProjectGroup(ctx context.Context, orgID, projectID, groupID string) (*Response, error) {
	return c.do(ctx, restCall(http.MethodDelete, Level1, ScopeProjectsWrite, "/v2/orgs/%s/projects/%s/groups/%s", orgID, projectID, groupID), nil)
}

// Board classification (Enterprise): the organization's labels
// (organizations:read, Level 2) and one board's label (boards:read, Level 2).

// ClassificationLabel is one data classification label of the organization.
type ClassificationLabel struct {
	ID                    string `json:"id"`
	Name                  string `json:"name,omitempty"`
	Description           string `json:"description,omitempty"`
	Color                 string `json:"color,omitempty"`
	Default               bool   `json:"default,omitempty"`
	SharingRecommendation string `json:"sharingRecommendation,omitempty"`
	GuidelineURL          string `json:"guidelineUrl,omitempty"`
}

// ClassificationSettings are the organization's classification settings.
type ClassificationSettings struct {
	Enabled bool                  `json:"enabled"`
	Labels  []ClassificationLabel `json:"labels"`
}

// GetClassificationSettings returns the organization's data classification
// settings and labels (GET /v2/orgs/{org_id}/data-classification-settings, Level 2).
func (c *Client) GetClassificationSettings(ctx context.Context, orgID string) (*ClassificationSettings, *Response, error) {
	return call[ClassificationSettings](ctx, c, restCall(http.MethodGet, Level2, ScopeOrgRead, "/v2/orgs/%s/data-classification-settings", orgID))
}

// GetBoardClassification returns a board's classification label; an
// unclassified board has a label without id
// (GET …/teams/{team_id}/boards/{board_id}/data-classification, Level 2).
func (c *Client) GetBoardClassification(ctx context.Context, orgID, teamID, boardID string) (*ClassificationLabel, *Response, error) {
	return call[ClassificationLabel](ctx, c, restCall(http.MethodGet, Level2, ScopeBoardsRead,
		"/v2/orgs/%s/teams/%s/boards/%s/data-classification", orgID, teamID, boardID))
}
