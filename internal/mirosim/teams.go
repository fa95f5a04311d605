package mirosim

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

type teamOut struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
}

func teamJSON(t *Team, big bool) teamOut {
	o := teamOut{ID: t.ID, Name: t.Name, Type: "team"}
	if big {
		o.Name = huge("")
	}
	return o
}

type teamMemberOut struct {
	ID         string `json:"id"`
	Role       string `json:"role"`
	TeamID     string `json:"teamId"`
	CreatedAt  string `json:"createdAt,omitempty"`
	CreatedBy  string `json:"createdBy,omitempty"`
	ModifiedAt string `json:"modifiedAt,omitempty"`
	ModifiedBy string `json:"modifiedBy,omitempty"`
	Type       string `json:"type"`
}

// teamMemberJSON: the model keeps no audit trail, so the token's user is the inviter and last modifier.
func teamMemberJSON(teamID string, m *TeamMember, by string) teamMemberOut {
	at := fmtTime(m.CreatedAt)
	return teamMemberOut{ID: m.UserID, Role: m.Role, TeamID: teamID, CreatedAt: at, CreatedBy: by,
		ModifiedAt: at, ModifiedBy: by, Type: "team-member"}
}

func teamID(t *Team) string { return t.ID }

func teamUserID(m *TeamMember) string { return m.UserID }

func (s *Server) team(id string) *Team { return byID(s.org.Teams, id, teamID) }

// teamByID finds a team in a slice sorted by id.
func teamByID(ts []Team, id string) *Team { return byID(ts, id, teamID) }

func teamMemberIndex(t *Team, uid string) int {
	if i, ok := search(t.Members, uid, teamUserID); ok {
		return i
	}
	return -1
}

// teamMemberLocked finds the membership named by the path. The caller holds
// s.mu for writing; when it answers 404 itself it releases the lock.
func (s *Server) teamMemberLocked(c *call) (*Team, int, bool) {
	t := s.team(c.r.PathValue("team"))
	if t == nil {
		s.mu.Unlock()
		c.teamNotFound()
		return nil, 0, false
	}
	j := teamMemberIndex(t, c.r.PathValue("id"))
	if j < 0 {
		s.mu.Unlock()
		c.teamMemberNotFound()
		return nil, 0, false
	}
	return t, j, true
}

func (s *Server) listTeams(c *call) {
	limit, after, ok := c.pageArgs("teams:")
	if !ok {
		return
	}
	name := strings.ToLower(c.r.URL.Query().Get("name"))
	keep := func(t *Team) bool { return name == "" || strings.Contains(strings.ToLower(t.Name), name) }
	s.mu.RLock()
	page, next := pageAfter(s.org.Teams, func(t *Team) string { return t.ID }, keep, after, limit, c.mal)
	data := make([]teamOut, len(page))
	for i, t := range page {
		data[i] = teamJSON(t, i == 0 && c.mal == MalformedHugeStrings)
	}
	s.mu.RUnlock()
	writeCursorPage(c, limit, next, func(k string) string { return encCursor("teams:", k) }, data)
}

func (c *call) teamNotFound() {
	c.restError(http.StatusNotFound, "notFound", "Team "+c.r.PathValue("team")+" not found")
}

func (s *Server) getTeam(c *call) {
	s.mu.RLock()
	t := s.team(c.r.PathValue("team"))
	var out teamOut
	if t != nil {
		out = teamJSON(t, c.mal == MalformedHugeStrings)
	}
	s.mu.RUnlock()
	if t == nil {
		c.teamNotFound()
		return
	}
	c.ok(http.StatusOK, out)
}

func (s *Server) listTeamMembers(c *call) {
	teamID := c.r.PathValue("team")
	prefix := "tm:" + teamID + ":"
	limit, after, ok := c.pageArgs(prefix)
	if !ok {
		return
	}
	role := c.r.URL.Query().Get("role")
	if role != "" && !slices.Contains(teamRoles, role) {
		c.invalidParam("role", "role must be one of "+strings.Join(teamRoles, ", "))
		return
	}
	s.mu.RLock()
	t := s.team(teamID)
	if t == nil {
		s.mu.RUnlock()
		c.teamNotFound()
		return
	}
	by := s.tokenUser().ID
	keep := func(m *TeamMember) bool { return role == "" || m.Role == role }
	page, next := pageAfter(t.Members, func(m *TeamMember) string { return m.UserID }, keep, after, limit, c.mal)
	data := make([]teamMemberOut, len(page))
	for i, m := range page {
		data[i] = teamMemberJSON(teamID, m, by)
	}
	s.mu.RUnlock()
	writeCursorPage(c, limit, next, func(k string) string { return encCursor(prefix, k) }, data)
}

func (c *call) teamMemberNotFound() {
	c.restError(http.StatusNotFound, "notFound",
		"User "+c.r.PathValue("id")+" is not a member of team "+c.r.PathValue("team"))
}

func (s *Server) getTeamMember(c *call) {
	s.mu.RLock()
	t := s.team(c.r.PathValue("team"))
	j := -1
	var out teamMemberOut
	if t != nil {
		if j = teamMemberIndex(t, c.r.PathValue("id")); j >= 0 {
			out = teamMemberJSON(t.ID, &t.Members[j], s.tokenUser().ID)
		}
	}
	s.mu.RUnlock()
	switch {
	case t == nil:
		c.teamNotFound()
	case j < 0:
		c.teamMemberNotFound()
	default:
		c.ok(http.StatusOK, out)
	}
}

// writableTeamRole: the Feb-2026 spec accepts only member and admin in invite and update bodies.
func writableTeamRole(r string) bool { return r == "member" || r == "admin" }

func (s *Server) inviteTeamMember(c *call) {
	var in struct{ Email, Role string }
	if !c.decode(&in) {
		return
	}
	if in.Role == "" {
		in.Role = "member"
	}
	if strings.TrimSpace(in.Email) == "" {
		c.invalidParam("email", "email is required")
		return
	}
	if !writableTeamRole(in.Role) {
		c.invalidParam("role", "role must be member or admin")
		return
	}
	now := c.opts.Now()
	s.mu.Lock()
	t := s.team(c.r.PathValue("team"))
	if t == nil {
		s.mu.Unlock()
		c.teamNotFound()
		return
	}
	uid, ok := s.emails[strings.ToLower(strings.TrimSpace(in.Email))]
	if !ok {
		s.mu.Unlock()
		c.restError(http.StatusNotFound, "notFound", "No organization member with email "+in.Email)
		return
	}
	i, found := search(t.Members, uid, teamUserID)
	if found {
		s.mu.Unlock()
		c.restError(http.StatusConflict, "conflict", "User is already a member of the team")
		return
	}
	tm := TeamMember{UserID: uid, Role: in.Role, CreatedAt: now.UTC().Truncate(time.Millisecond)}
	t.Members = slices.Insert(t.Members, i, tm)
	out := teamMemberJSON(t.ID, &tm, s.tokenUser().ID)
	s.mu.Unlock()
	c.ok(http.StatusCreated, out)
}

// lastAdmin reports whether member j is the only admin of t: a team must keep one.
func lastAdmin(t *Team, j int) bool {
	if t.Members[j].Role != "admin" {
		return false
	}
	for k := range t.Members {
		if k != j && t.Members[k].Role == "admin" {
			return false
		}
	}
	return true
}

func (s *Server) updateTeamMember(c *call) {
	var in struct{ Role string }
	if !c.decode(&in) {
		return
	}
	if !writableTeamRole(in.Role) {
		c.invalidParam("role", "role must be member or admin")
		return
	}
	now := c.opts.Now()
	s.mu.Lock()
	t, j, ok := s.teamMemberLocked(c)
	if !ok {
		return
	}
	if in.Role != "admin" && lastAdmin(t, j) {
		s.mu.Unlock()
		c.restError(http.StatusConflict, "conflict", "Cannot demote the last admin of the team")
		return
	}
	t.Members[j].Role = in.Role
	out := teamMemberJSON(t.ID, &t.Members[j], s.tokenUser().ID)
	s.mu.Unlock()
	out.ModifiedAt = fmtTime(now.Truncate(time.Millisecond))
	c.ok(http.StatusOK, out)
}

func (s *Server) deleteTeamMember(c *call) {
	s.mu.Lock()
	t, j, ok := s.teamMemberLocked(c)
	if !ok {
		return
	}
	if lastAdmin(t, j) {
		s.mu.Unlock()
		c.restError(http.StatusConflict, "conflict", "Cannot remove the last admin of the team")
		return
	}
	t.Members = slices.Delete(t.Members, j, j+1)
	s.mu.Unlock()
	c.ok(http.StatusNoContent, nil)
}
