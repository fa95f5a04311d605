package mirosim

import (
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Group is an Enterprise user group. Attaching a group to a team gives its members that team's "member"
// role without making them direct team members, so team member lists do not show them.
type Group struct {
	ID, Name, Description string
	MemberIDs             []string // user ids, sorted (by the server)
	TeamIDs               []string // teams the group is attached to, sorted (by the server)
}

var (
	groupNames = []string{"All Employees", "Engineering Leads", "Contractors", "Design Guild", "Okta-Sales",
		"Azure-AD Finance", "Product Council", "Ålesund Office", "東京オフィス", "Support Tier 2", "Admins & Owners",
		"Интерны", "Security Champions", "Marketing EMEA"}
	groupDescriptions = []string{"Synced from the identity provider", "Everyone who needs edit access to planning boards",
		"External contractors; review quarterly", "Gruppe für das Büro in München", "社内プロジェクトメンバー",
		"Owners of the design system & its templates"}
)

// generateGroups makes o.Groups user groups from a PRNG stream of their own. Sizes follow a Zipf-like curve
// (one past a 100-member page in orgs of 1,000+ users, ~10% empty); about 60% are attached to one to three
// teams, and about a third of an attached group's members are drawn from its first team's direct members.
func generateGroups(o GenOptions, org *Org) []Group {
	g := max(o.Groups, 0)
	if g == 0 {
		return nil
	}
	r := rand.New(rand.NewPCG(uint64(o.Seed), 0x67726f757073)) // "groups"
	members, teams := org.Members, org.Teams
	n := len(members)
	groups := make([]Group, g)
	gid := int64(3074457347000000000) + r.Int64N(1e9)
	for i := range groups {
		gid += 1 + r.Int64N(1<<24)
		gr := &groups[i]
		gr.ID = strconv.FormatInt(gid, 10)
		gr.Name = groupNames[r.IntN(len(groupNames))] + " " + strconv.Itoa(i+1)
		if r.IntN(4) != 0 {
			gr.Description = groupDescriptions[r.IntN(len(groupDescriptions))]
		}
		if len(teams) > 0 && r.IntN(10) < 6 {
			for _, ti := range r.Perm(len(teams))[:min(len(teams), 1+r.IntN(3))] {
				gr.TeamIDs = append(gr.TeamIDs, teams[ti].ID)
			}
			slices.Sort(gr.TeamIDs)
		}
	}
	if n == 0 {
		return groups
	}
	index := make(map[string]int, n)
	for i := range members {
		index[members[i].ID] = i
	}
	empty := g / 10
	mark := make([]int32, n)
	for rank, gi := range r.Perm(g) {
		if rank >= g-empty {
			break
		}
		k := min(n, max(1, int(0.25*float64(n)/float64(rank+1)+0.5)))
		if rank == 0 && n >= 1000 {
			k = max(k, 120)
		}
		k = min(n, max(k, o.GroupMembers))
		gr := &groups[gi]
		var pool []int // direct members of the first attached team
		if len(gr.TeamIDs) > 0 {
			if t := teamByID(teams, gr.TeamIDs[0]); t != nil {
				for _, tm := range t.Members {
					pool = append(pool, index[tm.UserID])
				}
			}
		}
		stamp := int32(rank + 1)
		picked := make([]int, 0, k)
		for _, u := range pool {
			if len(picked) >= (k+2)/3 {
				break
			}
			if r.IntN(2) == 0 && mark[u] != stamp {
				mark[u] = stamp
				picked = append(picked, u)
			}
		}
		for len(picked) < k {
			if u := r.IntN(n); mark[u] != stamp {
				mark[u] = stamp
				picked = append(picked, u)
			}
		}
		slices.Sort(picked)
		gr.MemberIDs = make([]string, len(picked))
		for j, u := range picked {
			gr.MemberIDs[j] = members[u].ID
		}
	}
	return groups
}

type groupOut struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Type        string `json:"type"`
}

func groupJSON(g *Group, big bool) groupOut {
	o := groupOut{ID: g.ID, Name: g.Name, Description: g.Description, Type: "user-group"}
	if big {
		o.Name = huge("")
	}
	return o
}

type groupMemberOut struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Type  string `json:"type"`
}

func groupID(g *Group) string { return g.ID }

func (s *Server) group(id string) *Group { return byID(s.org.Groups, id, groupID) }

func (c *call) groupNotFound() {
	c.restError(http.StatusNotFound, "notFound", "User group "+c.r.PathValue("group")+" not found")
}

func (s *Server) listGroups(c *call) {
	limit, after, ok := c.pageArgs("groups:")
	if !ok {
		return
	}
	s.reading(func() answer {
		page, next := pageAfter(s.org.Groups, groupID, func(*Group) bool { return true }, after, limit, c.mal)
		data := make([]groupOut, len(page))
		for i, g := range page {
			data[i] = groupJSON(g, i == 0 && c.mal == MalformedHugeStrings)
		}
		return cursorPage(c, limit, next, listCursor("groups:"), data)
	})
}

func (s *Server) getGroup(c *call) {
	s.reading(func() answer {
		g := s.group(c.r.PathValue("group"))
		if g == nil {
			return c.groupNotFound
		}
		return c.reply(http.StatusOK, groupJSON(g, c.mal == MalformedHugeStrings))
	})
}

// listGroupMembers leaves out ids that are no longer org members (a SCIM delete does not edit groups).
func (s *Server) listGroupMembers(c *call) {
	groupID := c.r.PathValue("group")
	prefix := "gm:" + groupID + ":"
	limit, after, ok := c.pageArgs(prefix)
	if !ok {
		return
	}
	s.reading(func() answer {
		g := s.group(groupID)
		if g == nil {
			return c.groupNotFound
		}
		keep := func(id *string) bool { return s.memberIndex(*id) >= 0 }
		page, next := pageAfter(g.MemberIDs, func(id *string) string { return *id }, keep, after, limit, c.mal)
		data := make([]groupMemberOut, len(page))
		for i, id := range page {
			data[i] = groupMemberOut{ID: *id, Email: s.org.Members[s.memberIndex(*id)].Email, Type: "user-group-member"}
			if i == 0 && c.mal == MalformedHugeStrings {
				data[i].Email = huge("@huge.example.com")
			}
		}
		return cursorPage(c, limit, next, listCursor(prefix), data)
	})
}

func (s *Server) addGroupMember(c *call) {
	var in struct{ Email string }
	if !c.decode(&in) {
		return
	}
	if strings.TrimSpace(in.Email) == "" {
		c.invalidParam("email", "email is required")
		return
	}
	s.writing(func() answer {
		g := s.group(c.r.PathValue("group"))
		if g == nil {
			return c.groupNotFound
		}
		uid, miss := s.memberWithEmail(c, in.Email)
		if miss != nil {
			return miss
		}
		i, found := slices.BinarySearch(g.MemberIDs, uid)
		if found {
			return c.refuse(http.StatusConflict, "conflict", "User is already a member of the user group")
		}
		g.MemberIDs = slices.Insert(g.MemberIDs, i, uid)
		s.auditGroup(g, uid, true)
		return c.reply(http.StatusCreated,
			groupMemberOut{ID: uid, Email: s.org.Members[s.memberIndex(uid)].Email, Type: "user-group-member"})
	})
}

func (s *Server) removeGroupMember(c *call) {
	s.writing(func() answer {
		g := s.group(c.r.PathValue("group"))
		if g == nil {
			return c.groupNotFound
		}
		i, found := slices.BinarySearch(g.MemberIDs, c.r.PathValue("id"))
		if !found {
			return c.refuse(http.StatusNotFound, "notFound",
				"User "+c.r.PathValue("id")+" is not a member of user group "+c.r.PathValue("group"))
		}
		s.auditGroup(g, g.MemberIDs[i], false)
		g.MemberIDs = slices.Delete(g.MemberIDs, i, i+1)
		return c.reply(http.StatusNoContent, nil)
	})
}

// listTeamGroups lists the user groups attached to a team, in group id order.
func (s *Server) listTeamGroups(c *call) {
	teamID := c.r.PathValue("team")
	find := func() ([]Group, answer) {
		if s.team(teamID) == nil {
			return nil, c.teamNotFound
		}
		return s.org.Groups, nil
	}
	keep := func(g *Group) bool {
		_, found := slices.BinarySearch(g.TeamIDs, teamID)
		return found
	}
	linkList(s, c, "tg:"+teamID+":", find, groupID, keep,
		func(g *Group) linkOut { return linkOut{ID: g.ID, Role: "member", Type: "team-user-group"} })
}
