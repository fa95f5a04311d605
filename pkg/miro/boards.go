package miro

import (
	"context"
	"net/http"
	"net/url"
)

// Boards (scope boards:read, Level 1) page by offset, at most 50 per page, and
// report the total; projects ("Spaces", scope projects:read, Level 1) page by
// cursor like teams.

// BoardPageSize is Miro's maximum page size for boards and board members.
const BoardPageSize = 50

// Board roles (BoardMember.role). Inviting as owner behaves like coowner.
const (
	BoardRoleViewer    = "viewer"
	BoardRoleCommenter = "commenter"
	BoardRoleEditor    = "editor"
	BoardRoleCoowner   = "coowner"
	BoardRoleOwner     = "owner"
)

// Project roles (ProjectMember.role); note "commentator", not "commenter".
const (
	ProjectRoleOwner       = "owner"
	ProjectRoleCoowner     = "coowner"
	ProjectRoleEditor      = "editor"
	ProjectRoleCommentator = "commentator"
	ProjectRoleViewer      = "viewer"
)

// Board is a Miro board.
type Board struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Description string       `json:"description,omitempty"`
	Team        *Named       `json:"team,omitempty"`
	Project     *Named       `json:"project,omitempty"`
	Owner       *Named       `json:"owner,omitempty"`
	CreatedAt   Time         `json:"createdAt,omitzero"`
	ModifiedAt  Time         `json:"modifiedAt,omitzero"`
	ViewLink    string       `json:"viewLink,omitempty"`
	Policy      *BoardPolicy `json:"policy,omitempty"`
}

// BoardPolicy is a board's permissions and sharing policy.
type BoardPolicy struct {
	PermissionsPolicy *BoardPermissionsPolicy `json:"permissionsPolicy,omitempty"`
	SharingPolicy     *BoardSharingPolicy     `json:"sharingPolicy,omitempty"`
}

// BoardPermissionsPolicy says who may start collaboration tools, copy and share.
type BoardPermissionsPolicy struct {
	CollaborationToolsStartAccess string `json:"collaborationToolsStartAccess,omitempty"`
	CopyAccess                    string `json:"copyAccess,omitempty"`
	SharingAccess                 string `json:"sharingAccess,omitempty"`
}

// BoardSharingPolicy is who can reach a board without being invited: anyone
// with the link (Access), the organization and the team.
type BoardSharingPolicy struct {
	Access                            string `json:"access,omitempty"`
	AccessPasswordRequired            bool   `json:"accessPasswordRequired,omitempty"`
	InviteToAccountAndBoardLinkAccess string `json:"inviteToAccountAndBoardLinkAccess,omitempty"`
	OrganizationAccess                string `json:"organizationAccess,omitempty"`
	TeamAccess                        string `json:"teamAccess,omitempty"`
}

// BoardMember is a user's direct access to a board. It carries no email.
type BoardMember struct {
	ID   string `json:"id"` // the user's id
	Name string `json:"name,omitempty"`
	Role string `json:"role,omitempty"`
}

// Project is a project ("Space") of a team.
type Project struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// ProjectMember is a user's role in a project.
type ProjectMember struct {
	ID    string `json:"id"` // the user's id
	Email string `json:"email,omitempty"`
	Role  string `json:"role,omitempty"`
}

// OffsetPage is one page of an offset-paged list.
type OffsetPage[T any] struct {
	Data   []T
	Offset int // offset of the first item, as requested
	Limit  int // page size requested
	Total  int // items in the whole list; -1 when Miro did not say
}

// NextOffset returns the offset of the next page, or -1 after the last one.
// It advances by at most the requested page size, so a page that carries an
// extra item (or repeats the one before its offset) neither skips nor loops;
// an empty page ends the list only when the total agrees (see Stalled).
func (p *OffsetPage[T]) NextOffset() int {
	n := min(len(p.Data), p.Limit)
	if n == 0 {
		return -1
	}
	next := p.Offset + n
	if p.Total >= 0 && next >= p.Total {
		return -1
	}
	if p.Total < 0 && len(p.Data) < p.Limit {
		return -1
	}
	return next
}

// Stalled reports an empty page before the announced end of the list: paging
// on from it cannot make progress, and stopping would drop the rest.
func (p *OffsetPage[T]) Stalled() bool {
	return len(p.Data) == 0 && p.Total > p.Offset
}

// offsetList is the envelope of Miro's offset-paged lists.
type offsetList[T any] struct {
	Data  []T  `json:"data"`
	Total *int `json:"total"`
}

func (l *offsetList[T]) page(offset int) *OffsetPage[T] {
	p := &OffsetPage[T]{Data: l.Data, Offset: max(offset, 0), Limit: BoardPageSize, Total: -1}
	if l.Total != nil {
		p.Total = *l.Total
	}
	return p
}

// ListBoards returns the page of a team's boards that starts at offset
// (GET /v2/boards?team_id=…, Level 1), newest first: a board created while we
// page shifts the rest by one, which repeats a board instead of skipping one.
func (c *Client) ListBoards(ctx context.Context, teamID string, offset int) (*OffsetPage[Board], *Response, error) {
	return listOffset[Board](ctx, c, restCall(http.MethodGet, Level1, ScopeBoardsRead, "/v2/boards"), offset,
		url.Values{"team_id": {teamID}, "sort": {"last_created"}})
}

// ListBoardMembers returns the page of a board's members that starts at offset
// (GET /v2/boards/{board_id}/members, Level 1).
func (c *Client) ListBoardMembers(ctx context.Context, boardID string, offset int) (*OffsetPage[BoardMember], *Response, error) {
	return listOffset[BoardMember](ctx, c, restCall(http.MethodGet, Level1, ScopeBoardsRead, "/v2/boards/%s/members", boardID), offset, nil)
}

// ListProjects returns one page of a team's projects (Level 1).
func (c *Client) ListProjects(ctx context.Context, orgID, teamID, cursor string) (*Page[Project], *Response, error) {
	return list[Project](ctx, c, restCall(http.MethodGet, Level1, ScopeProjectsRead, "/v2/orgs/%s/teams/%s/projects", orgID, teamID), cursor)
}

// ListProjectMembers returns one page of a project's members (Level 1).
func (c *Client) ListProjectMembers(ctx context.Context, orgID, teamID, projectID, cursor string) (*Page[ProjectMember], *Response, error) {
	return list[ProjectMember](ctx, c, restCall(http.MethodGet, Level1, ScopeProjectsRead,
		"/v2/orgs/%s/teams/%s/projects/%s/members", orgID, teamID, projectID), cursor)
}

// GetBoard returns one board (GET /v2/boards/{board_id}, Level 1).
func (c *Client) GetBoard(ctx context.Context, boardID string) (*Board, *Response, error) {
	return call[Board](ctx, c, restCall(http.MethodGet, Level1, ScopeBoardsRead, "/v2/boards/%s", boardID))
}

// GetProject returns one project of a team (GET …/teams/{team_id}/projects/{project_id}, Level 1).
func (c *Client) GetProject(ctx context.Context, orgID, teamID, projectID string) (*Project, *Response, error) {
	return call[Project](ctx, c, restCall(http.MethodGet, Level1, ScopeProjectsRead,
		"/v2/orgs/%s/teams/%s/projects/%s", orgID, teamID, projectID))
}
