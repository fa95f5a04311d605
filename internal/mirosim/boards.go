package mirosim

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// BoardMember is a user's direct access to a board.
type BoardMember struct {
	UserID, Role string // role: viewer, commenter, editor, coowner, owner
}

// BoardPolicy is a board's policy, with the values of the spec's BoardPermissionsPolicy and
// BoardSharingPolicy enums.
type BoardPolicy struct {
	CollaborationToolsStartAccess     string // all_editors | board_owners_and_coowners
	CopyAccess                        string // anyone | team_members | team_editors | board_owner
	SharingAccess                     string // team_members_with_editing_rights | owner_and_coowners
	Access                            string // public level: private | view | edit | comment
	AccessPasswordRequired            bool
	InviteToAccountAndBoardLinkAccess string // always no_access on Enterprise
	OrganizationAccess                string // private | view | comment | edit
	TeamAccess                        string // private | view | comment | edit
}

// Board is a Miro board of a team, maybe in one of the team's projects.
type Board struct {
	ID, Name, Description string
	TeamID, ProjectID     string // ProjectID "" = not in a project
	OwnerID               string // the member whose Role is "owner"
	CreatedAt, ModifiedAt time.Time
	Members               []BoardMember // sorted by UserID (by the server); exactly one owner
	Policy                BoardPolicy
	Groups                []GroupShare // user groups the board is shared with, sorted by GroupID (by the server)
	LabelID               string       // data classification label ("" = not classified); see Org.Classification
}

var (
	boardRoles = []string{"viewer", "commenter", "editor", "coowner", "owner"}
	boardSorts = []string{"default", "last_modified", "last_opened", "last_created", "alphabetically"}
	boardNames = []string{"Sprint Planning", "Retro", "Customer Journey Map", "Roadmap 2026", "Brainstorm",
		"Architecture", "Kick-off", "Wireframes", "OKRs", "Incident Review", "Läuft's?", "ユーザーストーリー",
		"Дорожная карта", "Q&A Session"}
	boardDescriptions = []string{"", "", "Weekly planning for the squad", "Owned by the platform team — do not delete",
		"Ideas & votes from the offsite", "Archived; read-only"}

	boardRoleWeights  = []weighted{{"editor", 45}, {"viewer", 30}, {"commenter", 15}, {"coowner", 10}}
	collabToolWeights = []weighted{{"all_editors", 85}, {"board_owners_and_coowners", 15}}
	copyAccessWeights = []weighted{{"anyone", 40}, {"team_members", 30}, {"team_editors", 20}, {"board_owner", 10}}
	sharingWeights    = []weighted{{"team_members_with_editing_rights", 75}, {"owner_and_coowners", 25}}
	publicWeights     = []weighted{{"private", 70}, {"view", 15}, {"comment", 8}, {"edit", 7}}
	orgAccessWeights  = []weighted{{"private", 40}, {"view", 35}, {"comment", 15}, {"edit", 10}}
	teamAccessWeights = []weighted{{"private", 20}, {"view", 30}, {"comment", 15}, {"edit", 35}}
)

type userInfoOut struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
}

type boardTeamOut struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
}

type boardProjectOut struct {
	ID string `json:"id"`
}

type permissionsPolicyOut struct {
	CollaborationToolsStartAccess string `json:"collaborationToolsStartAccess"`
	CopyAccess                    string `json:"copyAccess"`
	SharingAccess                 string `json:"sharingAccess"`
}

type sharingPolicyOut struct {
	Access                            string `json:"access"`
	AccessPasswordRequired            bool   `json:"accessPasswordRequired"`
	InviteToAccountAndBoardLinkAccess string `json:"inviteToAccountAndBoardLinkAccess"`
	OrganizationAccess                string `json:"organizationAccess"`
	TeamAccess                        string `json:"teamAccess"`
}

type boardPolicyOut struct {
	PermissionsPolicy permissionsPolicyOut `json:"permissionsPolicy"`
	SharingPolicy     sharingPolicyOut     `json:"sharingPolicy"`
}

type boardOut struct {
	ID          string           `json:"id"`
	Name        string           `json:"name"`
	Description string           `json:"description"`
	Team        *boardTeamOut    `json:"team,omitempty"`
	Project     *boardProjectOut `json:"project,omitempty"`
	Owner       *userInfoOut     `json:"owner,omitempty"`
	CreatedBy   *userInfoOut     `json:"createdBy,omitempty"`
	ModifiedBy  *userInfoOut     `json:"modifiedBy,omitempty"`
	CreatedAt   string           `json:"createdAt,omitempty"`
	ModifiedAt  string           `json:"modifiedAt,omitempty"`
	ViewLink    string           `json:"viewLink"`
	Policy      boardPolicyOut   `json:"policy"`
	Type        string           `json:"type"`
}

type boardMemberOut struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role string `json:"role"`
	Type string `json:"type"`
}

// memberName is the name Miro shows for a user (board members carry no email).
func memberName(m *Member) string {
	if m.DisplayName != "" {
		return m.DisplayName
	}
	if n := strings.TrimSpace(m.GivenName + " " + m.FamilyName); n != "" {
		return n
	}
	return m.Email
}

// boardJSON renders b; the caller holds s.mu. An owner no longer in the org is left out.
func (s *Server) boardJSON(b *Board, big bool) boardOut {
	p := b.Policy
	o := boardOut{ID: b.ID, Name: b.Name, Description: b.Description, CreatedAt: fmtTime(b.CreatedAt),
		ModifiedAt: fmtTime(b.ModifiedAt), ViewLink: "https://miro.com/app/board/" + b.ID, Type: "board",
		Policy: boardPolicyOut{
			PermissionsPolicy: permissionsPolicyOut{CollaborationToolsStartAccess: p.CollaborationToolsStartAccess,
				CopyAccess: p.CopyAccess, SharingAccess: p.SharingAccess},
			SharingPolicy: sharingPolicyOut{Access: p.Access, AccessPasswordRequired: p.AccessPasswordRequired,
				InviteToAccountAndBoardLinkAccess: p.InviteToAccountAndBoardLinkAccess,
				OrganizationAccess:                p.OrganizationAccess, TeamAccess: p.TeamAccess},
		}}
	if b.TeamID != "" {
		o.Team = &boardTeamOut{ID: b.TeamID, Type: "team"}
		if t := s.team(b.TeamID); t != nil {
			o.Team.Name = t.Name
		}
	}
	if b.ProjectID != "" {
		o.Project = &boardProjectOut{ID: b.ProjectID}
	}
	if i := s.memberIndex(b.OwnerID); i >= 0 {
		u := &userInfoOut{ID: b.OwnerID, Name: memberName(&s.org.Members[i]), Type: "user"}
		o.Owner, o.CreatedBy, o.ModifiedBy = u, u, u
	}
	if big {
		o.Name = huge("")
	}
	return o
}

func boardID(b *Board) string { return b.ID }

func (s *Server) board(id string) *Board { return byID(s.org.Boards, id, boardID) }

// listBoards: team_id and/or project_id select a team's or project's boards (query and owner are then
// ignored); without either, every board of the org matches (the token's user is a Content Admin), narrowed
// by query (name or description, case-insensitive) and owner.
func (s *Server) listBoards(c *call) {
	limit, offset, ok := c.offsetParams()
	if !ok {
		return
	}
	q := c.r.URL.Query()
	teamID, projectID, query, owner := q.Get("team_id"), q.Get("project_id"), q.Get("query"), q.Get("owner")
	order := q.Get("sort")
	if order == "" {
		order = "default"
	}
	if !slices.Contains(boardSorts, order) {
		c.invalidParam("sort", "sort must be one of "+strings.Join(boardSorts, ", "))
		return
	}
	if utf8.RuneCountInString(query) > 500 {
		c.invalidParam("query", "query must be at most 500 characters")
		return
	}
	byContainer := teamID != "" || projectID != ""
	if order == "default" {
		order = "last_opened"
		if byContainer {
			order = "last_created"
		}
	}
	s.reading(func() answer {
		if teamID != "" && s.team(teamID) == nil {
			return c.refuse(http.StatusNotFound, "notFound", "Team "+teamID+" not found")
		}
		if projectID != "" && s.project(projectID) == nil {
			return c.refuse(http.StatusNotFound, "notFound", "Project "+projectID+" not found")
		}
		low := strings.ToLower(query)
		var matched []*Board
		for i := range s.org.Boards {
			b := &s.org.Boards[i]
			switch {
			case byContainer:
				if (teamID != "" && b.TeamID != teamID) || (projectID != "" && b.ProjectID != projectID) {
					continue
				}
			case owner != "" && b.OwnerID != owner:
				continue
			case low != "" && !strings.Contains(strings.ToLower(b.Name), low) &&
				!strings.Contains(strings.ToLower(b.Description), low):
				continue
			}
			matched = append(matched, b)
		}
		slices.SortStableFunc(matched, func(a, b *Board) int {
			var c int
			switch order {
			case "last_created":
				c = b.CreatedAt.Compare(a.CreatedAt)
			case "alphabetically":
				c = strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
			default: // last_modified, last_opened (no open times are kept: the last change stands in)
				c = b.ModifiedAt.Compare(a.ModifiedAt)
			}
			return cmp.Or(c, strings.Compare(a.ID, b.ID))
		})
		page := offsetPage(matched, offset, limit, c.mal)
		data := make([]boardOut, len(page))
		for i, b := range page {
			data[i] = s.boardJSON(b, i == 0 && c.mal == MalformedHugeStrings)
		}
		return offsetReply(c, data, len(matched), offset, limit)
	})
}

// listBoardMembers leaves out users who are no longer org members.
func (s *Server) listBoardMembers(c *call) {
	limit, offset, ok := c.offsetParams()
	if !ok {
		return
	}
	s.reading(func() answer {
		b := s.board(c.r.PathValue("board"))
		if b == nil {
			return c.boardNotFound
		}
		all := make([]boardMemberOut, 0, len(b.Members))
		for _, m := range b.Members {
			if i := s.memberIndex(m.UserID); i >= 0 {
				all = append(all, boardMemberOut{ID: m.UserID, Name: memberName(&s.org.Members[i]), Role: m.Role,
					Type: "board_member"})
			}
		}
		data := append([]boardMemberOut{}, offsetPage(all, offset, limit, c.mal)...)
		if len(data) > 0 && c.mal == MalformedHugeStrings {
			data[0].Name = huge("")
		}
		return offsetReply(c, data, len(all), offset, limit)
	})
}

type boardLinksOut struct {
	Related string `json:"related"`
	Self    string `json:"self"`
}

// boardWithLinksOut is the spec's BoardWithLinksAndLastOpened (no open times are kept, so lastOpened* are
// left out).
type boardWithLinksOut struct {
	boardOut
	Links boardLinksOut `json:"links"`
}

func (c *call) boardNotFound() {
	c.restError(http.StatusNotFound, "notFound", "Board "+c.r.PathValue("board")+" not found")
}

func (s *Server) getBoard(c *call) {
	s.reading(func() answer {
		b := s.board(c.r.PathValue("board"))
		if b == nil {
			return c.boardNotFound
		}
		self := c.absURL("/v2/boards/" + b.ID)
		return c.reply(http.StatusOK, boardWithLinksOut{boardOut: s.boardJSON(b, c.mal == MalformedHugeStrings),
			Links: boardLinksOut{Related: self + "/members?limit=20&offset=0", Self: self}})
	})
}

type selfLinkOut struct {
	Self string `json:"self"`
}

// getBoardMember: a user who is not a member of the board, or no longer an org member, is 404.
func (s *Server) getBoardMember(c *call) {
	s.reading(func() answer {
		b := s.board(c.r.PathValue("board"))
		if b == nil {
			return c.boardNotFound
		}
		uid := c.r.PathValue("id")
		m := byID(b.Members, uid, func(m *BoardMember) string { return m.UserID })
		i := s.memberIndex(uid)
		if m == nil || i < 0 {
			return c.refuse(http.StatusNotFound, "notFound", "User "+uid+" is not a member of board "+b.ID)
		}
		out := struct {
			boardMemberOut
			Links selfLinkOut `json:"links"`
		}{boardMemberOut{ID: uid, Name: memberName(&s.org.Members[i]), Role: m.Role, Type: "board_member"},
			selfLinkOut{Self: c.absURL("/v2/boards/" + b.ID + "/members/" + uid)}}
		if c.mal == MalformedHugeStrings {
			out.Name = huge("")
		}
		return c.reply(http.StatusOK, out)
	})
}
