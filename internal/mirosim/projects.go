package mirosim

import (
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// ProjectMember is a user's role in a project (a "Space").
type ProjectMember struct {
	UserID, Role string // role: owner, editor, viewer, commentator, coowner
}

// Project is a project ("Space") of a team.
type Project struct {
	ID, Name, TeamID string
	Members          []ProjectMember // sorted by UserID (by the server)
	Groups           []GroupShare    // user groups the project is shared with, sorted by GroupID (by the server)
}

var (
	projectRoles       = []string{"owner", "editor", "viewer", "commentator", "coowner"}
	projectRoleWeights = []weighted{{"editor", 40}, {"viewer", 30}, {"commentator", 15}, {"coowner", 15}}
	projectNames       = []string{"Product Guild", "Website Relaunch", "Onboarding", "Data Platform", "Q3 Planning",
		"Événements", "モバイルアプリ", "Research Repository"}
)

// generateProjects gives ~70% of teams one to four projects of 1-12 members, mostly the team's own people,
// the first an owner; the first project has 120 members in orgs of 1,000+ users. It returns the projects
// (ids ascending) and, per team index, the ids of that team's projects.
func generateProjects(r *rand.Rand, org *Org, pools [][]int,
	pickFrom func(k int, pool []int, inPool int) []int) ([]Project, [][]string) {
	members, teams := org.Members, org.Teams
	byTeam := make([][]string, len(teams))
	projects := make([]Project, 0, 2*len(teams)) // 70% of teams have 2.5 on average
	pid := int64(3074457348000000000) + r.Int64N(1e9)
	for ti := range teams {
		np := 0
		if r.IntN(10) >= 3 {
			np = 1 + r.IntN(4)
		}
		for range np {
			pid += 1 + r.Int64N(1<<24)
			p := Project{ID: strconv.FormatInt(pid, 10), TeamID: teams[ti].ID,
				Name: projectNames[r.IntN(len(projectNames))] + " " + strconv.Itoa(len(projects)+1)}
			k := 1 + r.IntN(12)
			if len(projects) == 0 && len(members) >= 1000 {
				k = 120
			}
			picked := pickFrom(k, pools[ti], 90)
			p.Members = make([]ProjectMember, len(picked))
			for x, u := range picked {
				role := "owner"
				if x > 0 {
					role = pick(r, projectRoleWeights)
				}
				p.Members[x] = ProjectMember{UserID: members[u].ID, Role: role}
			}
			slices.SortFunc(p.Members, func(a, b ProjectMember) int { return strings.Compare(a.UserID, b.UserID) })
			byTeam[ti] = append(byTeam[ti], p.ID)
			projects = append(projects, p)
		}
	}
	return projects, byTeam
}

type projectOut struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
}

type projectMemberOut struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Role  string `json:"role"`
	Type  string `json:"type"`
}

func projectID(p *Project) string           { return p.ID }
func projectUserID(m *ProjectMember) string { return m.UserID }

func (s *Server) project(id string) *Project { return byID(s.org.Projects, id, projectID) }

func (s *Server) listProjects(c *call) {
	teamID := c.r.PathValue("team")
	prefix := "proj:" + teamID + ":"
	limit, after, ok := c.pageArgs(prefix)
	if !ok {
		return
	}
	s.reading(func() answer {
		if s.team(teamID) == nil {
			return c.teamNotFound
		}
		keep := func(p *Project) bool { return p.TeamID == teamID }
		page, next := pageAfter(s.org.Projects, projectID, keep, after, limit, c.mal)
		data := make([]projectOut, len(page))
		for i, p := range page {
			data[i] = projectOut{ID: p.ID, Name: p.Name, Type: "project"}
			if i == 0 && c.mal == MalformedHugeStrings {
				data[i].Name = huge("")
			}
		}
		return cursorPage(c, limit, next, listCursor(prefix), data)
	})
}

// listProjectMembers leaves out users who are no longer org members.
func (s *Server) listProjectMembers(c *call) {
	prefix := "pm:" + c.r.PathValue("project") + ":"
	limit, after, ok := c.pageArgs(prefix)
	if !ok {
		return
	}
	s.reading(func() answer {
		p, miss := s.teamProject(c)
		if miss != nil {
			return miss
		}
		keep := func(m *ProjectMember) bool { return s.memberIndex(m.UserID) >= 0 }
		page, next := pageAfter(p.Members, projectUserID, keep, after, limit, c.mal)
		data := make([]projectMemberOut, len(page))
		for i, m := range page {
			data[i] = s.projectMemberJSON(m, i == 0 && c.mal == MalformedHugeStrings)
		}
		return cursorPage(c, limit, next, listCursor(prefix), data)
	})
}

// teamProject finds the project the path names in the team it names, or answers 404. The caller holds s.mu.
func (s *Server) teamProject(c *call) (*Project, answer) {
	teamID, projID := c.r.PathValue("team"), c.r.PathValue("project")
	if s.team(teamID) == nil {
		return nil, c.teamNotFound
	}
	p := s.project(projID)
	if p == nil || p.TeamID != teamID {
		return nil, c.refuse(http.StatusNotFound, "notFound", "Project "+projID+" not found in team "+teamID)
	}
	return p, nil
}

// projectMemberJSON renders a member who is still an org member; the caller holds s.mu.
func (s *Server) projectMemberJSON(m *ProjectMember, big bool) projectMemberOut {
	o := projectMemberOut{ID: m.UserID, Email: s.org.Members[s.memberIndex(m.UserID)].Email, Role: m.Role,
		Type: "project_member"}
	if big {
		o.Email = huge("@huge.example.com")
	}
	return o
}

func (s *Server) getProject(c *call) {
	s.reading(func() answer {
		p, miss := s.teamProject(c)
		if miss != nil {
			return miss
		}
		out := projectOut{ID: p.ID, Name: p.Name, Type: "project"}
		if c.mal == MalformedHugeStrings {
			out.Name = huge("")
		}
		return c.reply(http.StatusOK, out)
	})
}

// getProjectMember: a user who is not a member of the project, or no longer an org member, is 404.
func (s *Server) getProjectMember(c *call) {
	s.reading(func() answer {
		p, miss := s.teamProject(c)
		if miss != nil {
			return miss
		}
		uid := c.r.PathValue("id")
		m := byID(p.Members, uid, projectUserID)
		if m == nil || s.memberIndex(uid) < 0 {
			return c.refuse(http.StatusNotFound, "notFound", "User "+uid+" is not a member of project "+p.ID)
		}
		return c.reply(http.StatusOK, s.projectMemberJSON(m, c.mal == MalformedHugeStrings))
	})
}
