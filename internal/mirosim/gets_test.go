package mirosim

import (
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestGetBoard: the single board is the list's item plus links.
func TestGetBoard(t *testing.T) {
	s := startSim(t, boardOrg(), Options{Credits: -1})
	b := s.org.Boards[0]
	list, _ := offsetAll[map[string]any](t, s, "/v2/boards?team_id="+b.TeamID, 50)
	var want map[string]any
	for _, x := range list {
		if x["id"] == b.ID {
			want = x
		}
	}
	r := s.get("/v2/boards/" + url.PathEscape(b.ID))
	wantStatus(t, r, 200)
	var got map[string]any
	r.json(t, &got)
	links, _ := got["links"].(map[string]any)
	delete(got, "links")
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("board\n got %v\nwant %v", got, want)
	}
	self := s.base + "/v2/boards/" + b.ID
	if links["self"] != self || links["related"] != self+"/members?limit=20&offset=0" {
		t.Errorf("links %v", links)
	}
	if r := s.get("/v2/boards/uXjVnotaboard="); r.status != 404 || r.errCode(t) != "notFound" {
		t.Errorf("unknown board: %d %s", r.status, r.body)
	}
}

func TestGetBoardMember(t *testing.T) {
	s := startSim(t, boardOrg(), Options{Credits: -1})
	b := s.org.Boards[0]
	for _, m := range b.Members {
		var got struct {
			boardMemberOut
			Links struct{ Self string }
		}
		r := s.get("/v2/boards/" + url.PathEscape(b.ID) + "/members/" + m.UserID)
		wantStatus(t, r, 200)
		r.json(t, &got)
		want := boardMemberOut{ID: m.UserID, Name: memberName(&s.org.Members[s.memberIndex(m.UserID)]), Role: m.Role,
			Type: "board_member"}
		if got.boardMemberOut != want || got.Links.Self != s.base+"/v2/boards/"+b.ID+"/members/"+m.UserID {
			t.Fatalf("member %+v, want %+v", got, want)
		}
	}
	outsider := s.org.Members[slices.IndexFunc(s.org.Members, func(m Member) bool {
		return !slices.ContainsFunc(b.Members, func(bm BoardMember) bool { return bm.UserID == m.ID })
	})].ID
	for _, path := range []string{"/v2/boards/" + url.PathEscape(b.ID) + "/members/" + outsider,
		"/v2/boards/uXjVnotaboard=/members/" + b.OwnerID} {
		if r := s.get(path); r.status != 404 || r.errCode(t) != "notFound" {
			t.Errorf("%s: %d %s", path, r.status, r.body)
		}
	}
}

func TestGetProjectAndMember(t *testing.T) {
	s := startSim(t, boardOrg(), Options{Credits: -1})
	p := s.org.Projects[0]
	other := s.org.Teams[slices.IndexFunc(s.org.Teams, func(x Team) bool { return x.ID != p.TeamID })].ID
	base := s.orgPath("/teams/" + p.TeamID + "/projects/" + p.ID)
	var got projectOut
	s.get(base).json(t, &got)
	if got != (projectOut{ID: p.ID, Name: p.Name, Type: "project"}) {
		t.Fatalf("project %+v", got)
	}
	for _, m := range p.Members {
		var pm projectMemberJSONT
		s.get(base+"/members/"+m.UserID).json(t, &pm)
		if pm != (projectMemberJSONT{ID: m.UserID, Email: s.org.Members[s.memberIndex(m.UserID)].Email, Role: m.Role,
			Type: "project_member"}) {
			t.Fatalf("member %+v of %+v", pm, m)
		}
	}
	outsider := s.org.Members[slices.IndexFunc(s.org.Members, func(m Member) bool {
		return !slices.ContainsFunc(p.Members, func(pm ProjectMember) bool { return pm.UserID == m.ID })
	})].ID
	for _, path := range []string{
		"/teams/" + other + "/projects/" + p.ID, // another team's project
		"/teams/42/projects/" + p.ID,
		"/teams/" + p.TeamID + "/projects/42",
		"/teams/" + p.TeamID + "/projects/" + p.ID + "/members/" + outsider,
		"/teams/" + other + "/projects/" + p.ID + "/members/" + p.Members[0].UserID,
	} {
		if r := s.get(s.orgPath(path)); r.status != 404 || r.errCode(t) != "notFound" {
			t.Errorf("%s: %d %s", path, r.status, r.body)
		}
	}
}

// TestGetsAfterDelete: a member SCIM deleted is no longer a board or project member.
func TestGetsAfterDelete(t *testing.T) {
	s := startSim(t, boardOrg(), Options{Credits: -1})
	p := s.org.Projects[0]
	var uid string
	for _, m := range p.Members {
		if i := s.memberIndex(m.UserID); scimVisible(&s.org.Members[i]) && s.org.Members[i].Role != roleAdmin {
			uid = m.UserID
			break
		}
	}
	if uid == "" {
		t.Fatal("no deletable project member")
	}
	wantStatus(t, s.scim("DELETE", "/"+uid, nil), 204)
	wantStatus(t, s.get(s.orgPath("/teams/"+p.TeamID+"/projects/"+p.ID+"/members/"+uid)), 404)
}

func TestGetMalformations(t *testing.T) {
	org := boardOrg()
	s := startSim(t, org, Options{Credits: -1, Faults: Faults{Malformed: map[string]Malformation{
		"get_board": MalformedHugeStrings, "get_project_member": MalformedHugeStrings}}})
	var b struct{ Name string }
	s.get("/v2/boards/"+url.PathEscape(org.Boards[0].ID)).json(t, &b)
	p := org.Projects[0]
	var pm projectMemberJSONT
	s.get(s.orgPath("/teams/"+p.TeamID+"/projects/"+p.ID+"/members/"+p.Members[0].UserID)).json(t, &pm)
	if len(b.Name) < 1<<20 || !strings.HasSuffix(pm.Email, "@huge.example.com") {
		t.Errorf("huge_strings: name %d, email %d", len(b.Name), len(pm.Email))
	}
}
