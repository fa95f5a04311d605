package mirosim

import (
	"net/url"
	"slices"
	"strings"
	"testing"
)

// accessOrg: team A (admin, bob) has a shared board and a private one (admin not a member, no Content Admin)
// and a project; team B (carol) allows no non-team collaborators and has a board; two user groups;
// classification with two labels, the shared board labelled.
func accessOrg() *Org {
	const admin, bob, carol, dave = "3458764500000000001", "3458764500000000002", "3458764500000000003", "3458764500000000004"
	open := BoardPolicy{TeamAccess: "edit", OrganizationAccess: "private"}
	closed := BoardPolicy{TeamAccess: "private", OrganizationAccess: "private"}
	return &Org{ID: "3074457345000000001", Name: "Access", Plan: "company",
		Members: []Member{
			{ID: admin, Email: "admin@example.com", Active: true, Role: roleAdmin, License: "full"},
			{ID: bob, Email: "bob@example.com", Active: true, Role: roleUser, License: "full"},
			{ID: carol, Email: "carol@example.com", Active: true, Role: roleUser, License: "full"},
			{ID: dave, Email: "dave@example.com", Active: true, Role: roleUser, License: "full"},
		},
		Teams: []Team{
			{ID: "1", Name: "A", Members: []TeamMember{{UserID: admin, Role: "admin"}, {UserID: bob, Role: "member"}}},
			{ID: "2", Name: "B", Members: []TeamMember{{UserID: carol, Role: "admin"}}},
		},
		TeamSettings: map[string]TeamSettings{"2": func() TeamSettings {
			ts := DefaultTeamSettings()
			ts.InviteExternalUsers = "not_allowed"
			return ts
		}()},
		Groups: []Group{{ID: "71", Name: "G1", MemberIDs: []string{bob}}, {ID: "72", Name: "G2", MemberIDs: []string{carol}}},
		Boards: []Board{
			{ID: "uXjVa=", Name: "Shared", TeamID: "1", OwnerID: admin, Policy: open, LabelID: "900",
				Members: []BoardMember{{UserID: admin, Role: "owner"}, {UserID: bob, Role: "viewer"}}},
			{ID: "uXjVb=", Name: "Private", TeamID: "1", OwnerID: bob, Policy: closed,
				Members: []BoardMember{{UserID: bob, Role: "owner"}}},
			{ID: "uXjVc=", Name: "Team B", TeamID: "2", OwnerID: carol, Policy: open,
				Members: []BoardMember{{UserID: carol, Role: "owner"}}},
		},
		Projects: []Project{{ID: "500", Name: "P", TeamID: "1",
			Members: []ProjectMember{{UserID: admin, Role: "owner"}, {UserID: bob, Role: "viewer"}}}},
		Classification: &Classification{Enabled: true, Labels: []ClassificationLabel{
			{ID: "900", Name: "Confidential", SharingRecommendation: "ONLY_WITHIN_TEAM"}, {ID: "901", Name: "Public"}}},
	}
}

func TestShareBoardRules(t *testing.T) {
	s := startSim(t, accessOrg(), Options{Token: tok})
	path := "/v2/boards/" + url.PathEscape("uXjVa=") + "/members"
	many := make([]string, 21)
	for i := range many {
		many[i] = "bob@example.com"
	}
	for _, body := range []any{map[string]any{"emails": many}, map[string]any{"emails": []string{}},
		map[string]any{"emails": []string{"bob@example.com"}, "role": "admin"}} {
		if r := s.do("POST", path, tok, body); r.status != 400 || r.errCode(t) != "invalidParameters" {
			t.Errorf("%v: %d %s", body, r.status, r.body)
		}
	}
	spent := s.CreditsSpent()
	r := s.do("POST", path, tok, map[string]any{"emails": []string{"dave@example.com", "nobody@example.com", "not an email",
		"carol@example.com"}, "role": "owner"})
	wantStatus(t, r, 201)
	if got := s.CreditsSpent() - spent; got != 500 {
		t.Errorf("a share cost %d credits, want 500 (Level 3)", got)
	}
	if !strings.Contains(string(r.body), `"successful":[3458764500000000004,3458764500000000003]`) {
		t.Errorf("successful ids are not JSON integers in order: %s", r.body)
	}
	var res struct {
		Failed []struct{ Email, Reason string }
	}
	r.json(t, &res)
	if len(res.Failed) != 2 || res.Failed[0].Reason != reasonNoUser || res.Failed[1].Email != "not an email" {
		t.Errorf("failed = %+v", res.Failed)
	}
	o := s.Org()
	if o.BoardRole("uXjVa=", "3458764500000000004") != "coowner" {
		t.Errorf("inviting as owner gave %q, want coowner", o.BoardRole("uXjVa=", "3458764500000000004"))
	}
	// Team B allows no non-team collaborators: dave is refused, carol (in team B) is not.
	r = s.do("POST", "/v2/boards/"+url.PathEscape("uXjVc=")+"/members", tok,
		map[string]any{"emails": []string{"dave@example.com", "carol@example.com"}, "role": "editor"})
	wantStatus(t, r, 201)
	r.json(t, &res)
	if len(res.Failed) != 1 || res.Failed[0].Reason != reasonNonTeam || s.Org().BoardRole("uXjVc=", "3458764500000000003") != "owner" {
		t.Errorf("team B share: %s; carol is %q", r.body, s.Org().BoardRole("uXjVc=", "3458764500000000003"))
	}
	// The private board: the token's user is no member and no Content Admin.
	wantStatus(t, s.do("POST", "/v2/boards/"+url.PathEscape("uXjVb=")+"/members", tok,
		map[string]any{"emails": []string{"dave@example.com"}}), 404)
	if s.Org().BoardRole("uXjVb=", "3458764500000000004") != "" {
		t.Error("the private board was shared")
	}
}

func TestBoardMemberChanges(t *testing.T) {
	s := startSim(t, accessOrg(), Options{Token: tok})
	m := "/v2/boards/" + url.PathEscape("uXjVa=") + "/members/"
	cases := []struct {
		method, who string
		body        any
		want        int
	}{
		{"PATCH", "3458764500000000001", map[string]string{"role": "editor"}, 400}, // the owner
		{"PATCH", "3458764500000000002", map[string]string{"role": "owner"}, 400},
		{"PATCH", "3458764500000000002", map[string]string{"role": "boss"}, 400},
		{"PATCH", "3458764500000000004", map[string]string{"role": "editor"}, 404}, // not a member
		{"PATCH", "3458764500000000002", map[string]string{"role": "editor"}, 200},
		{"DELETE", "3458764500000000001", nil, 400},
		{"DELETE", "3458764500000000002", nil, 204},
		{"DELETE", "3458764500000000002", nil, 404},
	}
	for _, c := range cases {
		spent := s.CreditsSpent()
		r := s.do(c.method, m+c.who, tok, c.body)
		if r.status != c.want {
			t.Errorf("%s %s %v: %d %s, want %d", c.method, c.who, c.body, r.status, r.body, c.want)
		}
		if s.CreditsSpent()-spent != 100 {
			t.Errorf("%s cost %d, want 100 (Level 2)", c.method, s.CreditsSpent()-spent)
		}
	}
}

func TestProjectMemberChanges(t *testing.T) {
	s := startSim(t, accessOrg(), Options{Token: tok})
	pm := s.orgPath("/teams/1/projects/500/members")
	cases := []struct {
		method, path string
		body         any
		want         int
		credits      int
	}{
		{"POST", pm, map[string]string{"email": "dave@example.com", "role": "owner"}, 400, 50},
		{"POST", pm, map[string]string{"email": "bob@example.com", "role": "editor"}, 409, 50},
		{"POST", pm, map[string]string{"email": "nobody@example.com", "role": "editor"}, 404, 50},
		{"POST", pm, map[string]string{"email": "dave@example.com", "role": "commentator"}, 201, 50},
		{"PATCH", pm + "/3458764500000000001", map[string]string{"role": "editor"}, 409, 50},
		{"PATCH", pm + "/3458764500000000004", map[string]string{"role": "commenter"}, 400, 50},
		{"PATCH", pm + "/3458764500000000004", map[string]string{"role": "editor"}, 200, 50},
		{"DELETE", pm + "/3458764500000000001", nil, 409, 2000},
		{"DELETE", pm + "/3458764500000000004", nil, 204, 2000},
		{"DELETE", pm + "/3458764500000000004", nil, 404, 2000},
		{"POST", s.orgPath("/teams/2/projects/500/members"), map[string]string{"email": "dave@example.com", "role": "viewer"}, 404, 50},
	}
	for _, c := range cases {
		spent := s.CreditsSpent()
		if r := s.do(c.method, c.path, tok, c.body); r.status != c.want {
			t.Errorf("%s %s %v: %d %s, want %d", c.method, c.path, c.body, r.status, r.body, c.want)
		}
		if s.CreditsSpent()-spent != c.credits {
			t.Errorf("%s cost %d, want %d", c.method, s.CreditsSpent()-spent, c.credits)
		}
	}
}

func TestGroupShareChanges(t *testing.T) {
	s := startSim(t, accessOrg(), Options{Token: tok})
	for _, base := range []string{s.orgPath("/boards/" + url.PathEscape("uXjVa=") + "/groups"), s.orgPath("/projects/500/groups")} {
		steps := []struct {
			method, path string
			body         any
			want         int
		}{
			{"POST", base, map[string]any{"userGroupIds": []string{"79"}, "role": "VIEWER"}, 400},
			{"POST", base, map[string]any{"userGroupIds": []string{"71"}, "role": "viewer"}, 400},
			{"POST", base, map[string]any{"userGroupIds": []string{}, "role": "VIEWER"}, 400},
			{"POST", base, map[string]any{"userGroupIds": []string{"71"}, "role": "VIEWER"}, 200},
			{"POST", base, map[string]any{"userGroupIds": []string{"71"}, "role": "EDITOR"}, 200}, // updates the role
			{"DELETE", base + "/72", nil, 404},
			{"GET", base, nil, 200},
			{"DELETE", base + "/71", nil, 204},
			{"DELETE", base + "/71", nil, 404},
		}
		for i, st := range steps {
			r := s.do(st.method, st.path, tok, st.body)
			if r.status != st.want {
				t.Errorf("%s %s %v: %d %s, want %d", st.method, st.path, st.body, r.status, r.body, st.want)
			}
			if i == 6 && !strings.Contains(string(r.body), `{"id":"71","role":"EDITOR"`) {
				t.Errorf("after the role update: %s", r.body)
			}
		}
	}
	if r := s.do("POST", s.orgPath("/boards/"+url.PathEscape("uXjVb=")+"/groups"), tok,
		map[string]any{"userGroupIds": []string{"71"}, "role": "VIEWER"}); r.status != 400 {
		t.Errorf("sharing a board the token cannot reach: %d %s", r.status, r.body)
	}
}

func TestClassificationRoutes(t *testing.T) {
	s := startSim(t, accessOrg(), Options{Token: tok})
	var set struct {
		Enabled bool
		Labels  []struct{ ID, Name string }
	}
	s.get(s.orgPath("/data-classification-settings")).json(t, &set)
	if !set.Enabled || len(set.Labels) != 2 || set.Labels[0].Name != "Confidential" {
		t.Errorf("settings %+v", set)
	}
	var l struct{ ID, Name, Type string }
	s.get(s.orgPath("/teams/1/boards/"+url.PathEscape("uXjVa=")+"/data-classification")).json(t, &l)
	if l.ID != "900" || l.Name != "Confidential" {
		t.Errorf("label %+v", l)
	}
	r := s.get(s.orgPath("/teams/1/boards/" + url.PathEscape("uXjVb=") + "/data-classification"))
	if r.status != 200 || strings.Contains(string(r.body), `"id"`) {
		t.Errorf("unclassified board: %d %s", r.status, r.body)
	}
	wantStatus(t, s.get(s.orgPath("/teams/2/boards/"+url.PathEscape("uXjVa=")+"/data-classification")), 404)
	if CreditsFor("get_classification_settings") != 100 || CreditsFor("get_board_classification") != 100 {
		t.Error("classification reads are Level 2")
	}
	// Generated: the option only adds labels, from a stream of its own.
	plain := Generate(GenOptions{Seed: 3, Users: 120, Teams: 8, Boards: true})
	g := Generate(GenOptions{Seed: 3, Users: 120, Teams: 8, Boards: true, Classification: true})
	labelled := 0
	for i := range g.Boards {
		if g.Boards[i].LabelID != "" {
			labelled++
		}
		g.Boards[i].LabelID = ""
	}
	if g.Classification == nil || len(g.Classification.Labels) != 4 || labelled == 0 || labelled == len(g.Boards) {
		t.Fatalf("classification %+v, %d of %d boards labelled", g.Classification, labelled, len(g.Boards))
	}
	g.Classification = nil
	if !slices.EqualFunc(g.Boards, plain.Boards, func(a, b Board) bool { return a.ID == b.ID && a.Name == b.Name }) {
		t.Error("Classification changed the boards")
	}
}
