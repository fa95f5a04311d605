package mirosim

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/mail"
	"slices"
	"strconv"
	"strings"
)

// Access to one board or one project: sharing a board with users by email, changing and removing a board
// member, adding, changing and removing a project member, sharing a board or project with user groups, and
// the org's data classification with each board's label. Miro's rules as the simulator keeps them:
//   - a board share takes 1 to 20 emails (400 otherwise) and answers 201 with the ids it shared with
//     (successful, JSON integers) and the emails it refused (failed, with a reason): an email of no org member
//     (reasonNoUser), and a user outside the board's team when the team does not allow non-team
//     collaborators (TeamSettings.InviteExternalUsers not_allowed, reasonNonTeam). Inviting as owner is
//     inviting as coowner; a user who is already a member gets the new role (an owner stays owner);
//   - the board owner's role cannot be changed nor the owner removed (400), and no one is made owner;
//   - writes to a board check that the token's user can reach it: a Content Admin, a member, or a board
//     that is not private to its members (team and organization access both private); else 404, as for a
//     board that does not exist (reads are the Content Admin view of the rest of the simulator);
//   - a project has one owner: no one is added or changed to owner (400), the owner is not changed or
//     removed (409), a member is not added twice (409), an email of no org member is 404;
//   - a group share names existing groups (400 otherwise: the spec documents no 404 for it) and sets the role
//     of a group already shared; removing a share that does not exist is 404.

// Reasons of refused board-share emails (Miro documents none but the example INVITATION_FAILED).
const (
	reasonNoUser  = "INVITATION_FAILED"
	reasonNonTeam = "NON_TEAM_COLLABORATORS_NOT_ALLOWED"
)

// ClassificationLabel is one data classification label of the org.
type ClassificationLabel struct {
	ID, Name, Description, Color, SharingRecommendation string
	Default                                             bool
}

// Classification is the org's data classification settings.
type Classification struct {
	Enabled bool
	Labels  []ClassificationLabel
}

var classificationLabels = []ClassificationLabel{
	{Name: "Public", Color: "#8FD14F", SharingRecommendation: "NO_SHARING_RESTRICTIONS", Description: "Can be shared publicly"},
	{Name: "Internal", Color: "#F5DC80", SharingRecommendation: "ONLY_WITHIN_ORGANIZATION", Description: "Board could not be shared publicly", Default: true},
	{Name: "Confidential", Color: "#FAC710", SharingRecommendation: "ONLY_WITHIN_TEAM", Description: "Team only"},
	{Name: "Strictly Confidential — 機密", Color: "#F24726", SharingRecommendation: "ONLY_WITH_AUTHORIZED_TEAM_MEMBERS", Description: "Named people only"},
}

// generateClassification turns classification on with four labels and labels about 85% of the boards, from
// a PRNG stream of its own.
func generateClassification(o GenOptions, org *Org) {
	r := rand.New(rand.NewPCG(uint64(o.Seed), 0x636c617373)) // "class"
	cl := &Classification{Enabled: true, Labels: slices.Clone(classificationLabels)}
	id := int64(3000457366756290000) + r.Int64N(1e6)
	for i := range cl.Labels {
		id += 1 + r.Int64N(1000)
		cl.Labels[i].ID = strconv.FormatInt(id, 10)
	}
	org.Classification = cl
	for i := range org.Boards {
		if r.IntN(100) < 85 {
			org.Boards[i].LabelID = cl.Labels[r.IntN(len(cl.Labels))].ID
		}
	}
}

func (s *Server) accessRoutes(add func(pattern, route string, k kind, scope string, f func(*call))) {
	const bm = "/v2/boards/{board}/members"
	add("POST "+bm, "share_board", kindREST, scopeBoardsWrite, s.shareBoard)
	add("PATCH "+bm+"/{id}", "update_board_member", kindREST, scopeBoardsWrite, s.updateBoardMember)
	add("DELETE "+bm+"/{id}", "remove_board_member", kindREST, scopeBoardsWrite, s.removeBoardMember)
	const pm = "/v2/orgs/{org}/teams/{team}/projects/{project}/members"
	add("POST "+pm, "add_project_member", kindREST, scopeProjWrite, s.addProjectMember)
	add("PATCH "+pm+"/{id}", "update_project_member", kindREST, scopeProjWrite, s.updateProjectMember)
	add("DELETE "+pm+"/{id}", "remove_project_member", kindREST, scopeProjWrite, s.removeProjectMember)
	add("POST /v2/orgs/{org}/boards/{board}/groups", "share_board_groups", kindREST, scopeGroupsRead+" "+scopeBoardsWrite,
		s.shareBoardGroups)
	add("DELETE /v2/orgs/{org}/boards/{board}/groups/{group}", "unshare_board_group", kindREST,
		scopeGroupsRead+" "+scopeBoardsWrite, s.unshareBoardGroup)
	add("POST /v2/orgs/{org}/projects/{project}/groups", "share_project_groups", kindREST,
		scopeGroupsRead+" "+scopeProjWrite, s.shareProjectGroups)
	add("DELETE /v2/orgs/{org}/projects/{project}/groups/{group}", "unshare_project_group", kindREST,
		scopeGroupsRead+" "+scopeProjWrite, s.unshareProjectGroup)
	add("GET /v2/orgs/{org}/data-classification-settings", "get_classification_settings", kindREST, scopeOrgRead,
		s.getClassificationSettings)
	add("GET /v2/orgs/{org}/teams/{team}/boards/{board}/data-classification", "get_board_classification", kindREST,
		scopeBoardsRead, s.getBoardClassification)
}

// writableBoard finds the board the path names that the token's user can reach, or answers 404. The caller
// holds s.mu.
func (s *Server) writableBoard(c *call) (*Board, answer) {
	b := s.board(c.r.PathValue("board"))
	if b == nil || !s.reaches(b) {
		return nil, c.boardNotFound
	}
	return b, nil
}

// reaches reports whether the token's user can reach board b (see the rules above).
func (s *Server) reaches(b *Board) bool {
	u := s.tokenUser()
	if slices.ContainsFunc(u.AdminRoles, func(a AdminRole) bool { return a.Name == "Content Admin" }) {
		return true
	}
	if byID(b.Members, u.ID, boardUserID) != nil {
		return true
	}
	return b.Policy.TeamAccess != "private" || b.Policy.OrganizationAccess != "private"
}

func boardUserID(m *BoardMember) string { return m.UserID }

// inTeam reports whether user uid is a member of team teamID; the caller holds s.mu.
func (s *Server) inTeam(teamID, uid string) bool {
	t := s.team(teamID)
	return t != nil && byID(t.Members, uid, teamUserID) != nil
}

type refusalOut struct {
	Email  string `json:"email"`
	Reason string `json:"reason"`
}

type shareResultOut struct {
	Successful []json.Number `json:"successful"`
	Failed     []refusalOut  `json:"failed"`
}

func (s *Server) shareBoard(c *call) {
	var in struct {
		Emails  []string `json:"emails"`
		Role    string   `json:"role"`
		Message string   `json:"message"`
	}
	if !c.decode(&in) {
		return
	}
	if in.Role == "" {
		in.Role = "commenter"
	}
	switch {
	case len(in.Emails) == 0 || len(in.Emails) > 20:
		c.invalidParam("emails", "emails must hold 1 to 20 addresses")
		return
	case !slices.Contains(boardRoles, in.Role):
		c.invalidParam("role", "role must be one of "+strings.Join(boardRoles, ", "))
		return
	}
	role := in.Role
	if role == "owner" {
		role = "coowner" // inviting as owner has the same effect as coowner
	}
	s.writing(func() answer {
		b, miss := s.writableBoard(c)
		if miss != nil {
			return miss
		}
		ts, ok := s.org.TeamSettings[b.TeamID]
		if !ok {
			ts = DefaultTeamSettings()
		}
		out := shareResultOut{Successful: []json.Number{}, Failed: []refusalOut{}}
		for _, email := range in.Emails {
			uid, known := s.emails[strings.ToLower(strings.TrimSpace(email))]
			if _, err := mail.ParseAddress(email); err != nil || !known {
				out.Failed = append(out.Failed, refusalOut{Email: email, Reason: reasonNoUser})
				continue
			}
			if ts.InviteExternalUsers == "not_allowed" && !s.inTeam(b.TeamID, uid) {
				out.Failed = append(out.Failed, refusalOut{Email: email, Reason: reasonNonTeam})
				continue
			}
			i, found := search(b.Members, uid, boardUserID)
			switch {
			case !found:
				b.Members = slices.Insert(b.Members, i, BoardMember{UserID: uid, Role: role})
			case b.Members[i].Role != "owner":
				b.Members[i].Role = role
			}
			if !slices.Contains(out.Successful, json.Number(uid)) {
				out.Successful = append(out.Successful, json.Number(uid))
			}
		}
		return c.reply(http.StatusCreated, out)
	})
}

// boardMember finds the member the path names on a board the token's user can reach; the caller holds s.mu.
func (s *Server) boardMember(c *call) (*Board, int, answer) {
	b, miss := s.writableBoard(c)
	if miss != nil {
		return nil, 0, miss
	}
	uid := c.r.PathValue("id")
	j, found := search(b.Members, uid, boardUserID)
	if !found || s.memberIndex(uid) < 0 {
		return nil, 0, c.refuse(http.StatusNotFound, "notFound", "User "+uid+" is not a member of board "+b.ID)
	}
	return b, j, nil
}

func (s *Server) updateBoardMember(c *call) {
	var in struct {
		Role string `json:"role"`
	}
	if !c.decode(&in) {
		return
	}
	if in.Role == "" {
		in.Role = "commenter"
	}
	if !slices.Contains(boardRoles, in.Role) {
		c.invalidParam("role", "role must be one of "+strings.Join(boardRoles, ", "))
		return
	}
	s.writing(func() answer {
		b, j, miss := s.boardMember(c)
		if miss != nil {
			return miss
		}
		m := &b.Members[j]
		switch {
		case in.Role == "owner" && m.Role != "owner":
			return c.refuse(http.StatusBadRequest, "invalidParameters", "The board owner cannot be changed")
		case m.Role == "owner" && in.Role != "owner":
			return c.refuse(http.StatusBadRequest, "invalidParameters", "The role of the board owner cannot be changed")
		}
		m.Role = in.Role
		out := struct {
			boardMemberOut
			Links selfLinkOut `json:"links"`
		}{boardMemberOut{ID: m.UserID, Name: memberName(&s.org.Members[s.memberIndex(m.UserID)]), Role: m.Role,
			Type: "board_member"}, selfLinkOut{Self: c.absURL("/v2/boards/" + b.ID + "/members/" + m.UserID)}}
		return c.reply(http.StatusOK, out)
	})
}

func (s *Server) removeBoardMember(c *call) {
	s.writing(func() answer {
		b, j, miss := s.boardMember(c)
		if miss != nil {
			return miss
		}
		if b.Members[j].Role == "owner" {
			return c.refuse(http.StatusBadRequest, "invalidParameters", "The board owner cannot be removed from the board")
		}
		b.Members = slices.Delete(b.Members, j, j+1)
		// The spec declares an application/json content for this 204 (unlike the other deletes): the type,
		// with the empty body a 204 has.
		c.w.Header().Set("Content-Type", "application/json")
		return c.reply(http.StatusNoContent, nil)
	})
}

func (s *Server) addProjectMember(c *call) {
	var in struct {
		Email string `json:"email"`
		Role  string `json:"role"`
	}
	if !c.decode(&in) {
		return
	}
	switch {
	case strings.TrimSpace(in.Email) == "":
		c.invalidParam("email", "email is required")
		return
	case !slices.Contains(projectRoles, in.Role):
		c.invalidParam("role", "role must be one of "+strings.Join(projectRoles, ", "))
		return
	case in.Role == "owner":
		c.invalidParam("role", "a project has one owner; no one can be added as owner")
		return
	}
	s.writing(func() answer {
		p, miss := s.teamProject(c)
		if miss != nil {
			return miss
		}
		uid, miss := s.memberWithEmail(c, in.Email)
		if miss != nil {
			return miss
		}
		i, found := search(p.Members, uid, projectUserID)
		if found {
			return c.refuse(http.StatusConflict, "conflict", "User is already a member of the project")
		}
		p.Members = slices.Insert(p.Members, i, ProjectMember{UserID: uid, Role: in.Role})
		return c.reply(http.StatusCreated, s.projectMemberJSON(&p.Members[i], false))
	})
}

// projectMember finds the project member the path names; the caller holds s.mu.
func (s *Server) projectMember(c *call) (*Project, int, answer) {
	p, miss := s.teamProject(c)
	if miss != nil {
		return nil, 0, miss
	}
	uid := c.r.PathValue("id")
	j, found := search(p.Members, uid, projectUserID)
	if !found || s.memberIndex(uid) < 0 {
		return nil, 0, c.refuse(http.StatusNotFound, "notFound", "User "+uid+" is not a member of project "+p.ID)
	}
	return p, j, nil
}

func (s *Server) updateProjectMember(c *call) {
	var in struct {
		Role string `json:"role"`
	}
	if !c.decode(&in) {
		return
	}
	switch {
	case !slices.Contains(projectRoles, in.Role):
		c.invalidParam("role", "role must be one of "+strings.Join(projectRoles, ", "))
		return
	case in.Role == "owner":
		c.invalidParam("role", "a project has one owner; no one can be made owner")
		return
	}
	s.writing(func() answer {
		p, j, miss := s.projectMember(c)
		if miss != nil {
			return miss
		}
		if p.Members[j].Role == "owner" {
			return c.refuse(http.StatusConflict, "conflict", "The role of the project owner cannot be changed")
		}
		p.Members[j].Role = in.Role
		return c.reply(http.StatusOK, s.projectMemberJSON(&p.Members[j], false))
	})
}

func (s *Server) removeProjectMember(c *call) {
	s.writing(func() answer {
		p, j, miss := s.projectMember(c)
		if miss != nil {
			return miss
		}
		if p.Members[j].Role == "owner" {
			return c.refuse(http.StatusConflict, "conflict", "The project owner cannot be removed from the project")
		}
		p.Members = slices.Delete(p.Members, j, j+1)
		return c.reply(http.StatusNoContent, nil)
	})
}

// shareWithGroups sets the share role of each group in the body on the board or project find returns (nil =
// not found, answered 400) and answers the first share.
func (s *Server) shareWithGroups(c *call, typ, what string, find func() *[]GroupShare, audit func() AuditEvent) {
	var in struct {
		UserGroupIDs []string `json:"userGroupIds"`
		Role         string   `json:"role"`
	}
	if !c.decode(&in) {
		return
	}
	switch {
	case len(in.UserGroupIDs) == 0:
		c.invalidParam("userGroupIds", "userGroupIds must name at least one user group")
		return
	case !slices.Contains(groupShareRoles, in.Role):
		c.invalidParam("role", "role must be one of "+strings.Join(groupShareRoles, ", "))
		return
	}
	s.writing(func() answer {
		shares := find()
		if shares == nil {
			return c.refuse(http.StatusBadRequest, "invalidParameters", what+" not found")
		}
		for _, id := range in.UserGroupIDs {
			if s.group(id) == nil {
				return c.refuse(http.StatusBadRequest, "invalidParameters", "User group "+id+" not found")
			}
		}
		for _, id := range in.UserGroupIDs {
			i, found := search(*shares, id, shareGroupID)
			if found {
				(*shares)[i].Role = in.Role
			} else {
				*shares = slices.Insert(*shares, i, GroupShare{GroupID: id, Role: in.Role})
			}
			s.auditShare(audit(), id, in.Role)
		}
		return c.reply(http.StatusOK, linkOut{ID: in.UserGroupIDs[0], Role: in.Role, Type: typ})
	})
}

// unshareGroup removes the share of the path's group from the board or project find returns (nil = not found).
func (s *Server) unshareGroup(c *call, what string, find func() *[]GroupShare) {
	s.writing(func() answer {
		shares := find()
		if shares == nil {
			return c.refuse(http.StatusNotFound, "notFound", what+" not found")
		}
		id := c.r.PathValue("group")
		i, found := search(*shares, id, shareGroupID)
		if !found {
			return c.refuse(http.StatusNotFound, "notFound", what+" is not shared with user group "+id)
		}
		*shares = slices.Delete(*shares, i, i+1)
		return c.reply(http.StatusNoContent, nil)
	})
}

func (s *Server) boardShares(c *call) func() *[]GroupShare {
	return func() *[]GroupShare {
		if b := s.board(c.r.PathValue("board")); b != nil && s.reaches(b) {
			return &b.Groups
		}
		return nil
	}
}

func (s *Server) projectShares(c *call) func() *[]GroupShare {
	return func() *[]GroupShare {
		if p := s.project(c.r.PathValue("project")); p != nil {
			return &p.Groups
		}
		return nil
	}
}

func (s *Server) shareBoardGroups(c *call) {
	s.shareWithGroups(c, "board-user-group", "Board "+c.r.PathValue("board"), s.boardShares(c), func() AuditEvent {
		b := s.board(c.r.PathValue("board"))
		return AuditEvent{Event: "board_shared_with_group", Category: "boards", ObjectID: b.ID, ObjectName: b.Name, TeamID: b.TeamID}
	})
}

func (s *Server) unshareBoardGroup(c *call) {
	s.unshareGroup(c, "Board "+c.r.PathValue("board"), s.boardShares(c))
}

func (s *Server) shareProjectGroups(c *call) {
	s.shareWithGroups(c, "project-user-group", "Project "+c.r.PathValue("project"), s.projectShares(c), func() AuditEvent {
		p := s.project(c.r.PathValue("project"))
		return AuditEvent{Event: "project_shared_with_group", Category: "projects", ObjectID: p.ID, ObjectName: p.Name, TeamID: p.TeamID}
	})
}

func (s *Server) unshareProjectGroup(c *call) {
	s.unshareGroup(c, "Project "+c.r.PathValue("project"), s.projectShares(c))
}

type classificationLabelOut struct {
	ID                    string `json:"id"`
	Name                  string `json:"name"`
	Description           string `json:"description"`
	Color                 string `json:"color"`
	Default               bool   `json:"default"`
	OrderNumber           int    `json:"orderNumber"`
	SharingRecommendation string `json:"sharingRecommendation"`
	GuidelineURL          string `json:"guidelineUrl"`
	Type                  string `json:"type"`
}

type classificationSettingsOut struct {
	Enabled bool                     `json:"enabled"`
	Labels  []classificationLabelOut `json:"labels"`
	Type    string                   `json:"type"`
}

func (s *Server) getClassificationSettings(c *call) {
	s.reading(func() answer {
		out := classificationSettingsOut{Labels: []classificationLabelOut{}, Type: "data-classification-organization-settings"}
		if cl := s.org.Classification; cl != nil {
			out.Enabled = cl.Enabled
			for i, l := range cl.Labels {
				out.Labels = append(out.Labels, classificationLabelOut{ID: l.ID, Name: l.Name, Description: l.Description,
					Color: l.Color, Default: l.Default, OrderNumber: i + 1, SharingRecommendation: l.SharingRecommendation,
					GuidelineURL: "https://miro.com/classification", Type: "data-classification-label"})
			}
			if c.mal == MalformedHugeStrings && len(out.Labels) > 0 {
				out.Labels[0].Name = huge("")
			}
		}
		return c.reply(http.StatusOK, out)
	})
}

// boardLabelOut is the spec's BoardDataClassificationLabel; an unclassified board has only its type.
type boardLabelOut struct {
	ID                    string `json:"id,omitempty"`
	Name                  string `json:"name,omitempty"`
	Description           string `json:"description,omitempty"`
	Color                 string `json:"color,omitempty"`
	SharingRecommendation string `json:"sharingRecommendation,omitempty"`
	GuidelineURL          string `json:"guidelineUrl,omitempty"`
	Type                  string `json:"type"`
}

func (s *Server) getBoardClassification(c *call) {
	s.reading(func() answer {
		t := s.team(c.r.PathValue("team"))
		if t == nil {
			return c.teamNotFound
		}
		b := s.board(c.r.PathValue("board"))
		if b == nil || b.TeamID != t.ID {
			return c.refuse(http.StatusNotFound, "notFound", "Board "+c.r.PathValue("board")+" not found in team "+t.ID)
		}
		out := boardLabelOut{Type: "board-data-classification-label"}
		if cl := s.org.Classification; cl != nil && b.LabelID != "" {
			if i := slices.IndexFunc(cl.Labels, func(l ClassificationLabel) bool { return l.ID == b.LabelID }); i >= 0 {
				l := cl.Labels[i]
				out = boardLabelOut{ID: l.ID, Name: l.Name, Description: l.Description, Color: l.Color,
					SharingRecommendation: l.SharingRecommendation, GuidelineURL: "https://miro.com/classification",
					Type: out.Type}
			}
		}
		return c.reply(http.StatusOK, out)
	})
}
