package mirosim

import (
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
)

// GroupShare is a user group's access to a board or project: role VIEWER, COMMENTER or EDITOR (the spec's
// BoardUserGroup and ProjectUserGroup enums, upper case unlike the user roles).
type GroupShare struct {
	GroupID, Role string
}

var (
	groupShareRoles   = []string{"VIEWER", "COMMENTER", "EDITOR"}
	groupShareWeights = []weighted{{"VIEWER", 40}, {"COMMENTER", 20}, {"EDITOR", 40}}
)

func shareGroupID(g *GroupShare) string { return g.GroupID }

func sortShares(gs []GroupShare) {
	slices.SortStableFunc(gs, func(a, b GroupShare) int { return strings.Compare(a.GroupID, b.GroupID) })
}

// generateShares shares boards and projects with user groups, from a PRNG stream of its own: the first board
// and the first project (by id) with every group, roles in turn, so each role appears and an org of more than
// 100 groups has a board past one page; then about a quarter of the other boards and projects with one to
// three groups each.
func generateShares(o GenOptions, org *Org) {
	g := len(org.Groups)
	if g == 0 {
		return
	}
	r := rand.New(rand.NewPCG(uint64(o.Seed), 0x736861726573)) // "shares"
	share := func(first bool) []GroupShare {
		if first {
			out := make([]GroupShare, g)
			for i := range org.Groups {
				out[i] = GroupShare{GroupID: org.Groups[i].ID, Role: groupShareRoles[i%len(groupShareRoles)]}
			}
			return out
		}
		if o.ShareRate > 0 {
			if r.Float64() >= o.ShareRate {
				return nil
			}
		} else if r.IntN(4) != 0 {
			return nil
		}
		most := 3
		if o.MaxShares > 0 {
			most = o.MaxShares
		}
		picked := r.Perm(g)[:min(g, 1+r.IntN(most))]
		out := make([]GroupShare, len(picked))
		for i, gi := range picked {
			out[i] = GroupShare{GroupID: org.Groups[gi].ID, Role: pick(r, groupShareWeights)}
		}
		sortShares(out)
		return out
	}
	for i := range org.Boards {
		org.Boards[i].Groups = share(i == 0)
	}
	for i := range org.Projects {
		org.Projects[i].Groups = share(i == 0)
	}
}

// linkOut is one item of the link lists: a team's groups, a group's teams, a board's or project's groups.
type linkOut struct {
	ID   string `json:"id"`
	Role string `json:"role"`
	Type string `json:"type"`
}

// linkList answers one page of a link list under the read lock: find returns the items (sorted by key) or
// answers 404; keep filters them and link renders one. Malformations apply as to the other cursor lists
// (huge_strings has no free text to inflate here).
func linkList[T any](s *Server, c *call, prefix string, find func() ([]T, answer), key func(*T) string,
	keep func(*T) bool, link func(*T) linkOut) {
	limit, after, ok := c.pageArgs(prefix)
	if !ok {
		return
	}
	s.reading(func() answer {
		items, miss := find()
		if miss != nil {
			return miss
		}
		page, next := pageAfter(items, key, keep, after, limit, c.mal)
		data := make([]linkOut, len(page))
		for i, it := range page {
			data[i] = link(it)
		}
		return cursorPage(c, limit, next, listCursor(prefix), data)
	})
}

// listGroupTeams lists the teams a user group is attached to, in team id order.
func (s *Server) listGroupTeams(c *call) {
	groupID := c.r.PathValue("group")
	find := func() ([]string, answer) {
		if g := s.group(groupID); g != nil {
			return g.TeamIDs, nil
		}
		return nil, c.groupNotFound
	}
	linkList(s, c, "gt:"+groupID+":", find, func(id *string) string { return *id },
		func(id *string) bool { return s.team(*id) != nil },
		func(id *string) linkOut { return linkOut{ID: *id, Role: "member", Type: "user-group-team"} })
}

// listShares lists the user groups a board or project is shared with; groups that no longer exist are left out.
func (s *Server) listShares(c *call, prefix, typ string, find func() ([]GroupShare, answer)) {
	linkList(s, c, prefix, find, shareGroupID, func(g *GroupShare) bool { return s.group(g.GroupID) != nil },
		func(g *GroupShare) linkOut { return linkOut{ID: g.GroupID, Role: g.Role, Type: typ} })
}

func (s *Server) listBoardGroups(c *call) {
	id := c.r.PathValue("board")
	s.listShares(c, "bg:"+id+":", "board-user-group", func() ([]GroupShare, answer) {
		if b := s.board(id); b != nil {
			return b.Groups, nil
		}
		return nil, c.refuse(http.StatusNotFound, "notFound", "Board "+id+" not found")
	})
}

// listProjectGroups: the path names no team (GET /v2/orgs/{org}/projects/{project}/groups in the spec).
func (s *Server) listProjectGroups(c *call) {
	id := c.r.PathValue("project")
	s.listShares(c, "pg:"+id+":", "project-user-group", func() ([]GroupShare, answer) {
		if p := s.project(id); p != nil {
			return p.Groups, nil
		}
		return nil, c.refuse(http.StatusNotFound, "notFound", "Project "+id+" not found")
	})
}
