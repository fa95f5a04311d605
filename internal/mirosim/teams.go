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

// teamMember finds the membership named by the path, or answers 404. The caller holds s.mu.
func (s *Server) teamMember(c *call) (*Team, int, answer) {
	t := s.team(c.r.PathValue("team"))
	if t == nil {
		return nil, 0, c.teamNotFound
	}
	j := teamMemberIndex(t, c.r.PathValue("id"))
	if j < 0 {
		return nil, 0, c.teamMemberNotFound
	}
	return t, j, nil
}

func (s *Server) listTeams(c *call) {
	limit, after, ok := c.pageArgs("teams:")
	if !ok {
		return
	}
	name := strings.ToLower(c.r.URL.Query().Get("name"))
	keep := func(t *Team) bool { return name == "" || strings.Contains(strings.ToLower(t.Name), name) }
	s.reading(func() answer {
		page, next := pageAfter(s.org.Teams, teamID, keep, after, limit, c.mal)
		data := make([]teamOut, len(page))
		for i, t := range page {
			data[i] = teamJSON(t, i == 0 && c.mal == MalformedHugeStrings)
		}
		return cursorPage(c, limit, next, listCursor("teams:"), data)
	})
}

func (c *call) teamNotFound() {
	c.restError(http.StatusNotFound, "notFound", "Team "+c.r.PathValue("team")+" not found")
}

func (s *Server) getTeam(c *call) {
	s.reading(func() answer {
		t := s.team(c.r.PathValue("team"))
		if t == nil {
			return c.teamNotFound
		}
		return c.reply(http.StatusOK, teamJSON(t, c.mal == MalformedHugeStrings))
	})
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
	s.reading(func() answer {
		t := s.team(teamID)
		if t == nil {
			return c.teamNotFound
		}
		by := s.tokenUser().ID
		keep := func(m *TeamMember) bool { return role == "" || m.Role == role }
		page, next := pageAfter(t.Members, teamUserID, keep, after, limit, c.mal)
		data := make([]teamMemberOut, len(page))
		for i, m := range page {
			data[i] = teamMemberJSON(teamID, m, by)
		}
		return cursorPage(c, limit, next, listCursor(prefix), data)
	})
}

func (c *call) teamMemberNotFound() {
	c.restError(http.StatusNotFound, "notFound",
		"User "+c.r.PathValue("id")+" is not a member of team "+c.r.PathValue("team"))
}

func (s *Server) getTeamMember(c *call) {
	s.reading(func() answer {
		t, j, miss := s.teamMember(c)
		if miss != nil {
			return miss
		}
		return c.reply(http.StatusOK, teamMemberJSON(t.ID, &t.Members[j], s.tokenUser().ID))
	})
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
	s.writing(func() answer {
		t := s.team(c.r.PathValue("team"))
		if t == nil {
			return c.teamNotFound
		}
		uid, miss := s.memberWithEmail(c, in.Email)
		if miss != nil {
			return miss
		}
		i, found := search(t.Members, uid, teamUserID)
		if found {
			return c.refuse(http.StatusConflict, "conflict", "User is already a member of the team")
		}
		tm := TeamMember{UserID: uid, Role: in.Role, CreatedAt: now.UTC().Truncate(time.Millisecond)}
		t.Members = slices.Insert(t.Members, i, tm)
		s.auditTeam(t, uid, "", in.Role)
		return c.reply(http.StatusCreated, teamMemberJSON(t.ID, &tm, s.tokenUser().ID))
	})
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
	s.writing(func() answer {
		t, j, miss := s.teamMember(c)
		if miss != nil {
			return miss
		}
		if in.Role != "admin" && lastAdmin(t, j) {
			return c.refuse(http.StatusConflict, "conflict", "Cannot demote the last admin of the team")
		}
		s.auditTeam(t, t.Members[j].UserID, t.Members[j].Role, in.Role)
		t.Members[j].Role = in.Role
		out := teamMemberJSON(t.ID, &t.Members[j], s.tokenUser().ID)
		out.ModifiedAt = fmtTime(now.Truncate(time.Millisecond))
		return c.reply(http.StatusOK, out)
	})
}

func (s *Server) deleteTeamMember(c *call) {
	s.writing(func() answer {
		t, j, miss := s.teamMember(c)
		if miss != nil {
			return miss
		}
		if lastAdmin(t, j) {
			return c.refuse(http.StatusConflict, "conflict", "Cannot remove the last admin of the team")
		}
		s.auditTeam(t, t.Members[j].UserID, t.Members[j].Role, "")
		t.Members = slices.Delete(t.Members, j, j+1)
		return c.reply(http.StatusNoContent, nil)
	})
}
