package mirosim

import (
	"net/http"
	"slices"
	"testing"
)

// TestShareWithGroupsAudited: sharing a board or a project with a user group
// changes its group list (a group already shared gets the new role) and writes
// one audit-log entry per group, naming the board or project, its team, and
// the group and role; an unknown group or a bad role changes nothing.
func TestShareWithGroupsAudited(t *testing.T) {
	s := startSim(t, Generate(GenOptions{Seed: 3, Users: 60, Teams: 4, Groups: 3, Boards: true}), Options{Credits: -1})
	b, p := s.org.Boards[0], s.org.Projects[0]
	g1, g2 := s.org.Groups[0].ID, s.org.Groups[1].ID
	wantStatus(t, s.do("POST", s.orgPath("/boards/"+b.ID+"/groups"), tok, map[string]any{"userGroupIds": []string{g1, g2}, "role": "EDITOR"}), http.StatusOK)
	wantStatus(t, s.do("POST", s.orgPath("/boards/"+b.ID+"/groups"), tok, map[string]any{"userGroupIds": []string{g1}, "role": "VIEWER"}), http.StatusOK)
	wantStatus(t, s.do("POST", s.orgPath("/projects/"+p.ID+"/groups"), tok, map[string]any{"userGroupIds": []string{g2}, "role": "COMMENTER"}), http.StatusOK)
	wantStatus(t, s.do("POST", s.orgPath("/boards/"+b.ID+"/groups"), tok, map[string]any{"userGroupIds": []string{"nope"}, "role": "VIEWER"}), http.StatusBadRequest)
	wantStatus(t, s.do("POST", s.orgPath("/boards/"+b.ID+"/groups"), tok, map[string]any{"userGroupIds": []string{g1}, "role": "OWNER"}), http.StatusBadRequest)

	org := s.Org()
	bg := org.Boards[slices.IndexFunc(org.Boards, func(x Board) bool { return x.ID == b.ID })].Groups
	if !slices.Contains(bg, GroupShare{GroupID: g1, Role: "VIEWER"}) || !slices.Contains(bg, GroupShare{GroupID: g2, Role: "EDITOR"}) {
		t.Errorf("board groups %v", bg)
	}
	pg := org.Projects[slices.IndexFunc(org.Projects, func(x Project) bool { return x.ID == p.ID })].Groups
	if !slices.Contains(pg, GroupShare{GroupID: g2, Role: "COMMENTER"}) {
		t.Errorf("project groups %v", pg)
	}
	var got []string
	for _, ev := range s.AuditLog() {
		got = append(got, ev.Event+" "+ev.ObjectID+" "+ev.TeamID+" "+ev.Details["userGroupId"].(string)+" "+ev.Details["role"].(string))
	}
	want := []string{
		"board_shared_with_group " + b.ID + " " + b.TeamID + " " + g1 + " EDITOR",
		"board_shared_with_group " + b.ID + " " + b.TeamID + " " + g2 + " EDITOR",
		"board_shared_with_group " + b.ID + " " + b.TeamID + " " + g1 + " VIEWER",
		"project_shared_with_group " + p.ID + " " + p.TeamID + " " + g2 + " COMMENTER",
	}
	if !slices.Equal(got, want) {
		t.Errorf("audit log:\n%v\nwant\n%v", got, want)
	}
}
