package mirosim

import (
	"net/url"
	"reflect"
	"slices"
	"testing"
)

// shareOrg has boards and projects shared with user groups and teams with settings of their own.
func shareOrg() *Org {
	return Generate(GenOptions{Seed: 42, Users: 300, Teams: 20, Groups: 12, Boards: true, GroupShares: true,
		TeamSettings: true})
}

func TestGenerateShares(t *testing.T) {
	org := shareOrg()
	if !reflect.DeepEqual(org, shareOrg()) {
		t.Fatal("same options produced different orgs")
	}
	// The options only add: without them the same seed gives the same org, shares and settings aside.
	plain := Generate(GenOptions{Seed: 42, Users: 300, Teams: 20, Groups: 12, Boards: true})
	stripped := org.Clone()
	stripped.TeamSettings = nil
	for i := range stripped.Boards {
		stripped.Boards[i].Groups = nil
	}
	for i := range stripped.Projects {
		stripped.Projects[i].Groups = nil
	}
	if !reflect.DeepEqual(stripped, plain) {
		t.Fatal("GroupShares or TeamSettings changed members, teams, groups, boards or projects")
	}
	if g := Generate(GenOptions{Seed: 42, Users: 300, Teams: 20, Boards: true, GroupShares: true}); slices.ContainsFunc(
		g.Boards, func(b Board) bool { return b.Groups != nil }) {
		t.Fatal("shares without groups")
	}

	groups := map[string]bool{}
	for _, g := range org.Groups {
		groups[g.ID] = true
	}
	roles := map[string]int{}
	check := func(what string, gs []GroupShare) int {
		for i, g := range gs {
			if !groups[g.GroupID] || !slices.Contains(groupShareRoles, g.Role) || (i > 0 && gs[i-1].GroupID >= g.GroupID) {
				t.Fatalf("%s: share %d %+v", what, i, g)
			}
			roles[g.Role]++
		}
		return len(gs)
	}
	shared := 0
	for _, b := range org.Boards {
		if check("board "+b.ID, b.Groups) > 0 {
			shared++
		}
	}
	if len(org.Boards[0].Groups) != len(org.Groups) || len(org.Projects[0].Groups) != len(org.Groups) {
		t.Errorf("the first board and project are not shared with every group")
	}
	if shared < len(org.Boards)/8 || shared > len(org.Boards)/2 {
		t.Errorf("%d of %d boards shared with groups", shared, len(org.Boards))
	}
	for _, p := range org.Projects {
		check("project "+p.ID, p.Groups)
	}
	if len(roles) != len(groupShareRoles) {
		t.Errorf("roles %v", roles)
	}
}

func TestBoardAndProjectGroups(t *testing.T) {
	s := startSim(t, shareOrg(), Options{Credits: -1})
	b, p := s.org.Boards[0], s.org.Projects[0]
	for _, c := range []struct {
		path, typ string
		want      []GroupShare
	}{
		{s.orgPath("/boards/" + url.PathEscape(b.ID) + "/groups"), "board-user-group", b.Groups},
		{s.orgPath("/projects/" + p.ID + "/groups"), "project-user-group", p.Groups},
	} {
		for _, limit := range []int{5, 100} {
			got, pages := pageAll[linkOut](t, s, c.path, limit)
			if len(got) != len(c.want) || pages != max(1, (len(c.want)+limit-1)/limit) {
				t.Fatalf("%s limit %d: %d in %d pages, want %d", c.path, limit, len(got), pages, len(c.want))
			}
			for i, g := range got {
				if g.ID != c.want[i].GroupID || g.Role != c.want[i].Role || g.Type != c.typ {
					t.Fatalf("%s item %d: %+v, want %+v", c.path, i, g, c.want[i])
				}
			}
		}
		for _, l := range []string{"0", "101", "x"} {
			if r := s.get(c.path + "?limit=" + l); r.status != 400 || r.errCode(t) != "invalidParameters" {
				t.Errorf("%s limit=%s: %d", c.path, l, r.status)
			}
		}
		wantStatus(t, s.get(c.path+"?cursor="+encCursor("groups:", "1")), 400)
	}
	// An unshared board or project has an empty first page.
	for _, x := range s.org.Boards {
		if len(x.Groups) == 0 {
			got, _ := pageAll[linkOut](t, s, s.orgPath("/boards/"+url.PathEscape(x.ID)+"/groups"), 100)
			if len(got) != 0 {
				t.Fatalf("unshared board: %v", got)
			}
			break
		}
	}
	// The spec's path names no team; the team-nested form every other project route takes is no route.
	nested := s.get(s.orgPath("/teams/" + p.TeamID + "/projects/" + p.ID + "/groups"))
	if nested.status != 404 || s.Count("unknown") != 1 {
		t.Errorf("team-nested project groups: %d, unknown count %d", nested.status, s.Count("unknown"))
	}
	for _, path := range []string{"/boards/uXjVnotaboard=/groups", "/projects/42/groups", "/groups/42/teams"} {
		if r := s.get(s.orgPath(path)); r.status != 404 || r.errCode(t) != "notFound" {
			t.Errorf("%s: %d %s", path, r.status, r.body)
		}
	}
}

func TestGroupTeams(t *testing.T) {
	s := startSim(t, shareOrg(), Options{Credits: -1})
	linked := 0
	for _, g := range s.org.Groups {
		got, _ := pageAll[linkOut](t, s, s.orgPath("/groups/"+g.ID+"/teams"), 2)
		if len(got) != len(g.TeamIDs) {
			t.Fatalf("group %s: %d teams, want %d", g.ID, len(got), len(g.TeamIDs))
		}
		for i, x := range got {
			if x.ID != g.TeamIDs[i] || x.Role != "member" || x.Type != "user-group-team" {
				t.Fatalf("group %s team %d: %+v", g.ID, i, x)
			}
			// The same link read from the team's side.
			back, _ := pageAll[linkOut](t, s, s.orgPath("/teams/"+x.ID+"/groups"), 100)
			if !slices.ContainsFunc(back, func(l linkOut) bool { return l.ID == g.ID }) {
				t.Fatalf("team %s does not list group %s", x.ID, g.ID)
			}
		}
		linked += len(got)
	}
	if linked == 0 {
		t.Fatal("no group is attached to a team")
	}
	g := s.org.Groups[0]
	wantStatus(t, s.get(s.orgPath("/groups/"+g.ID+"/teams?cursor="+encCursor("gt:"+s.org.Groups[1].ID+":", "1"))), 400)
}

func TestLinkListMalformations(t *testing.T) {
	org := shareOrg()
	s := startSim(t, org, Options{Credits: -1, Faults: Faults{Malformed: map[string]Malformation{
		"list_board_groups": MalformedOverLimit, "list_project_groups": MalformedEmptyDataCursor,
		"list_group_teams": MalformedCursorLoop}}})
	var bp page[linkOut]
	s.get(s.orgPath("/boards/"+url.PathEscape(org.Boards[0].ID)+"/groups?limit=3")).json(t, &bp)
	if len(bp.Data) != 4 {
		t.Errorf("over_limit: %d items", len(bp.Data))
	}
	var pp page[linkOut]
	s.get(s.orgPath("/projects/"+org.Projects[0].ID+"/groups")).json(t, &pp)
	if len(pp.Data) != 0 || pp.Cursor == "" {
		t.Errorf("empty_data_cursor: %+v", pp)
	}
	g := org.Groups[slices.IndexFunc(org.Groups, func(g Group) bool { return len(g.TeamIDs) > 1 })]
	var g1, g2 page[linkOut]
	s.get(s.orgPath("/groups/"+g.ID+"/teams?limit=1")).json(t, &g1)
	s.get(s.orgPath("/groups/"+g.ID+"/teams?limit=1&cursor="+g1.Cursor)).json(t, &g2)
	if g1.Cursor == "" || g2.Cursor != g1.Cursor {
		t.Errorf("cursor_loop: %q then %q", g1.Cursor, g2.Cursor)
	}
}
