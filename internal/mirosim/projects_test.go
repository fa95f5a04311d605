package mirosim

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

type projectMemberJSONT struct{ ID, Email, Role, Type string }

func TestProjectsPaging(t *testing.T) {
	s := startSim(t, boardOrg(), Options{Credits: -1})
	byTeam := map[string][]Project{}
	for _, p := range s.org.Projects {
		byTeam[p.TeamID] = append(byTeam[p.TeamID], p)
	}
	listed := 0
	for _, tm := range s.org.Teams {
		got, pages := pageAll[projectOut](t, s, s.orgPath("/teams/"+tm.ID+"/projects"), 2)
		want := byTeam[tm.ID]
		if len(got) != len(want) || pages != max(1, (len(want)+1)/2) {
			t.Fatalf("team %s: %d projects in %d pages, want %d", tm.ID, len(got), pages, len(want))
		}
		for i, p := range got {
			if p.ID != want[i].ID || p.Name != want[i].Name || p.Type != "project" {
				t.Fatalf("team %s project %d: %+v vs %+v", tm.ID, i, p, want[i])
			}
		}
		listed += len(got)
	}
	if listed != len(s.org.Projects) {
		t.Fatalf("listed %d projects, want %d", listed, len(s.org.Projects))
	}

	big := slices.MaxFunc(s.org.Projects, func(a, b Project) int { return len(a.Members) - len(b.Members) })
	if len(big.Members) <= 100 {
		t.Fatalf("largest project has %d members", len(big.Members))
	}
	path := s.orgPath("/teams/" + big.TeamID + "/projects/" + big.ID + "/members")
	for _, limit := range []int{7, 100} {
		all, _ := pageAll[projectMemberJSONT](t, s, path, limit)
		if len(all) != len(big.Members) {
			t.Fatalf("limit %d: %d members, want %d", limit, len(all), len(big.Members))
		}
		for i, m := range all {
			src := big.Members[i]
			if m.ID != src.UserID || m.Role != src.Role || m.Type != "project_member" ||
				m.Email != s.org.Members[s.memberIndex(src.UserID)].Email || !slices.Contains(projectRoles, m.Role) {
				t.Fatalf("member %d: %+v vs %+v", i, m, src)
			}
		}
	}
	var other string
	for _, tm := range s.org.Teams {
		if tm.ID != big.TeamID {
			other = tm.ID
			break
		}
	}
	for _, p := range []string{
		"/teams/" + other + "/projects/" + big.ID + "/members", // another team's project
		"/teams/" + big.TeamID + "/projects/42/members",
		"/teams/42/projects/" + big.ID + "/members",
		"/teams/42/projects",
	} {
		if r := s.get(s.orgPath(p)); r.status != 404 || r.errCode(t) != "notFound" {
			t.Errorf("%s: %d %s", p, r.status, r.body)
		}
	}
	for _, p := range []string{"/teams/" + big.TeamID + "/projects", "/teams/" + big.TeamID + "/projects/" + big.ID + "/members"} {
		for _, l := range []string{"0", "101", "x"} {
			if r := s.get(s.orgPath(p + "?limit=" + l)); r.status != 400 || r.errCode(t) != "invalidParameters" {
				t.Errorf("%s limit=%s: %d", p, l, r.status)
			}
		}
		wantStatus(t, s.get(s.orgPath(p+"?cursor="+encCursor("groups:", "1"))), 400)
	}
	// A project cursor is bound to its list.
	var first page[projectMemberJSONT]
	s.get(path+"?limit=3").json(t, &first)
	wantStatus(t, s.get(s.orgPath("/teams/"+big.TeamID+"/projects?cursor="+first.Cursor)), 400)
}

func TestProjectScopes(t *testing.T) {
	org := boardOrg()
	p := org.Projects[0]
	paths := []string{"/teams/" + p.TeamID + "/projects", "/teams/" + p.TeamID + "/projects/" + p.ID + "/members"}
	noProjects := slices.DeleteFunc(slices.Clone(defaultScopes), func(s string) bool { return s == scopeProjectsRead })
	s := startSim(t, org, Options{Scopes: noProjects})
	for _, path := range paths {
		r := s.get(s.orgPath(path))
		if r.status != 403 || r.errCode(t) != "insufficientPermissions" || !strings.Contains(string(r.body), scopeProjectsRead) {
			t.Errorf("%s: %d %s", path, r.status, r.body)
		}
	}
	if s.CreditsSpent() != 100 {
		t.Errorf("spent %d, want two Level 1 calls", s.CreditsSpent())
	}
	s = startSim(t, org, Options{Scopes: []string{scopeProjectsRead}})
	for _, path := range paths {
		wantStatus(t, s.get(s.orgPath(path)), 200)
	}
	s = startSim(t, org, Options{NotAdmin: true})
	if r := s.get(s.orgPath(paths[0])); r.status != 403 || r.errCode(t) != "forbiddenAccess" {
		t.Errorf("not admin: %d", r.status)
	}
	// Projects come with boards only.
	s = startSim(t, smallOrg(), Options{})
	var empty page[projectOut]
	s.get(s.orgPath("/teams/"+s.org.Teams[0].ID+"/projects")).json(t, &empty)
	if empty.Data == nil || len(empty.Data) != 0 || empty.Cursor != "" {
		t.Errorf("org without boards: %+v", empty)
	}
}

func TestCloneIsDeepWithGroupsBoardsProjects(t *testing.T) {
	a := Generate(GenOptions{Seed: 4, Users: 300, Teams: 20, Groups: 8, Boards: true})
	b := a.Clone()
	if !reflect.DeepEqual(a, b) {
		t.Fatal("clone differs")
	}
	g := slices.IndexFunc(b.Groups, func(g Group) bool { return len(g.MemberIDs) > 0 && len(g.TeamIDs) > 0 })
	b.Groups[g].MemberIDs[0] = "x"
	b.Groups[g].TeamIDs[0] = "x"
	b.Boards[0].Members[0].Role = "x"
	b.Projects[0].Members[0].Role = "x"
	b.Groups = append(b.Groups[:0], Group{ID: "y"})
	if a.Groups[g].MemberIDs[0] == "x" || a.Groups[g].TeamIDs[0] == "x" || a.Boards[0].Members[0].Role == "x" ||
		a.Projects[0].Members[0].Role == "x" || a.Groups[0].ID == "y" {
		t.Fatal("clone shares memory with the original")
	}
	// Org() hands out copies: editing one does not reach the server.
	s := startSim(t, a, Options{})
	c := s.Org()
	c.Groups[g].MemberIDs = nil
	c.Boards[0].Members[0].Role = "x"
	if again := s.Org(); !reflect.DeepEqual(again, s.org) || len(again.Groups[g].MemberIDs) == 0 {
		t.Fatal("Org() returned shared memory")
	}
	var nilOrg *Org
	if nilOrg.Clone() != nil {
		t.Fatal("nil clone")
	}
}
