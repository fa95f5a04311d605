package contract

import (
	"net/url"
	"slices"

	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/pkg/miro"
)

// accessCalls drives the client's board and project access calls (issue 24) on the happy path — a board
// share with a refused email, a board member's read, change and removal, a project member's addition,
// change and removal, board and project group shares set, changed and removed, the org's classification
// labels and two boards' labels — then the 400s, 403s, 404s and 409s the spec documents for them. It runs
// last: it changes the simulator's boards and projects.
func (w *workload) accessCalls() {
	o, c, ctx, t := w.org, w.client("access calls", token), w.ctx, w.t
	// A board the token's user reaches (not private to its members), a member of its team who is not on it,
	// a group it is not shared with; a project, an org member outside it, a group it is not shared with.
	var b *mirosim.Board
	var u *mirosim.Member
	for i := range o.Boards {
		bd := &o.Boards[i]
		if bd.Policy.TeamAccess == "private" && bd.Policy.OrganizationAccess == "private" {
			continue
		}
		for _, tm := range teamOf(o, bd.TeamID).Members {
			m := memberOf(o, tm.UserID)
			if m.Active && m.Role == "organization_internal_user" &&
				!slices.ContainsFunc(bd.Members, func(bm mirosim.BoardMember) bool { return bm.UserID == m.ID }) {
				b, u = bd, m
				break
			}
		}
		if b != nil {
			break
		}
	}
	if b == nil {
		t.Fatal("no reachable board with a team member who is not on it")
	}
	p := &o.Projects[len(o.Projects)-1]
	var pu *mirosim.Member
	for i := range o.Members {
		m := &o.Members[i]
		if m.Active && !slices.ContainsFunc(p.Members, func(pm mirosim.ProjectMember) bool { return pm.UserID == m.ID }) {
			pu = m
			break
		}
	}
	unshared := func(shares []mirosim.GroupShare) string {
		for _, g := range o.Groups {
			if !slices.ContainsFunc(shares, func(s mirosim.GroupShare) bool { return s.GroupID == g.ID }) {
				return g.ID
			}
		}
		t.Fatal("every group is shared")
		return ""
	}
	bg, pg := unshared(b.Groups), unshared(p.Groups)

	res, _, err := c.ShareBoard(ctx, b.ID, []string{u.Email, "nobody@example.invalid"}, miro.BoardRoleEditor)
	if err != nil || !res.Shared(u.ID) {
		t.Errorf("ShareBoard: %+v, %v", res, err)
	} else if reason, ok := res.Refusal("nobody@example.invalid"); !ok || reason == "" {
		t.Errorf("ShareBoard: the unknown email was not refused: %+v", res)
	}
	if m, _, err := c.GetBoardMember(ctx, b.ID, u.ID); err != nil || m.Role != miro.BoardRoleEditor {
		t.Errorf("GetBoardMember: %+v, %v", m, err)
	}
	if _, _, err := c.UpdateBoardMember(ctx, b.ID, u.ID, miro.BoardRoleViewer); err != nil {
		t.Errorf("UpdateBoardMember: %v", err)
	}
	if _, err := c.RemoveBoardMember(ctx, b.ID, u.ID); err != nil {
		t.Errorf("RemoveBoardMember: %v", err)
	}
	if _, _, err := c.AddProjectMember(ctx, o.ID, p.TeamID, p.ID, pu.Email, miro.ProjectRoleEditor); err != nil {
		t.Errorf("AddProjectMember: %v", err)
	}
	if m, _, err := c.GetProjectMember(ctx, o.ID, p.TeamID, p.ID, pu.ID); err != nil || m.Role != miro.ProjectRoleEditor {
		t.Errorf("GetProjectMember: %+v, %v", m, err)
	}
	if _, _, err := c.UpdateProjectMember(ctx, o.ID, p.TeamID, p.ID, pu.ID, miro.ProjectRoleCommentator); err != nil {
		t.Errorf("UpdateProjectMember: %v", err)
	}
	if _, err := c.RemoveProjectMember(ctx, o.ID, p.TeamID, p.ID, pu.ID); err != nil {
		t.Errorf("RemoveProjectMember: %v", err)
	}
	for _, role := range []string{miro.GroupShareViewer, miro.GroupShareEditor} { // set, then changed in place
		if l, _, err := c.ShareBoardWithGroup(ctx, o.ID, b.ID, bg, role); err != nil || l.Role != role {
			t.Errorf("ShareBoardWithGroup %s: %+v, %v", role, l, err)
		}
		if l, _, err := c.ShareProjectWithGroup(ctx, o.ID, p.ID, pg, role); err != nil || l.Role != role {
			t.Errorf("ShareProjectWithGroup %s: %+v, %v", role, l, err)
		}
	}
	if _, err := c.UnshareBoardGroup(ctx, o.ID, b.ID, bg); err != nil {
		t.Errorf("UnshareBoardGroup: %v", err)
	}
	if _, err := c.UnshareProjectGroup(ctx, o.ID, p.ID, pg); err != nil {
		t.Errorf("UnshareProjectGroup: %v", err)
	}
	if s, _, err := c.GetClassificationSettings(ctx, o.ID); err != nil || !s.Enabled || len(s.Labels) == 0 {
		t.Errorf("GetClassificationSettings: %+v, %v", s, err)
	}
	for _, labelled := range []bool{true, false} {
		i := slices.IndexFunc(o.Boards, func(bd mirosim.Board) bool { return (bd.LabelID != "") == labelled })
		if i < 0 {
			t.Fatalf("no board with labelled=%v", labelled)
		}
		if l, _, err := c.GetBoardClassification(ctx, o.ID, o.Boards[i].TeamID, o.Boards[i].ID); err != nil || l.ID != o.Boards[i].LabelID {
			t.Errorf("GetBoardClassification of %s: %+v, %v; want label %q", o.Boards[i].ID, l, err, o.Boards[i].LabelID)
		}
	}

	const s400, s403, s404, s409 = "provoked 400", "provoked 403", "provoked 404", "provoked 409"
	members := "/v2/boards/" + url.PathEscape(b.ID) + "/members"
	many := make([]string, 21)
	for i := range many {
		many[i] = u.Email
	}
	w.rawExpect(s400, true, 400, "POST", members, nil, map[string]any{"emails": many})
	w.rawExpect(s400, true, 400, "POST", members, nil, map[string]any{"emails": []string{u.Email}, "role": "boss"})
	orgp := "/v2/orgs/" + o.ID
	pm := orgp + "/teams/" + p.TeamID + "/projects/" + p.ID + "/members"
	boardGroups, projGroups := orgp+"/boards/"+url.PathEscape(b.ID)+"/groups", orgp+"/projects/"+p.ID+"/groups"
	w.rawExpect(s400, true, 400, "POST", pm, nil, map[string]any{"email": pu.Email, "role": "commenter"})
	w.rawExpect(s400, false, 400, "POST", boardGroups, nil, map[string]any{"userGroupIds": []string{"3074457399999999999"}, "role": "VIEWER"})
	w.rawExpect(s400, false, 400, "POST", projGroups, nil, map[string]any{"userGroupIds": []string{"3074457399999999999"}, "role": "EDITOR"})
	w.rawExpect(s409, false, 409, "POST", pm, nil, map[string]any{"email": memberOf(o, p.Members[0].UserID).Email, "role": "viewer"})
	const nobody = "3074457399999999999"
	w.rawExpect(s404, false, 404, "PATCH", members+"/"+nobody, nil, map[string]any{"role": "viewer"})
	w.rawExpect(s404, false, 404, "DELETE", members+"/"+nobody, nil, nil)
	w.rawExpect(s404, false, 404, "POST", "/v2/boards/uXjVnotaboard=/members", nil, map[string]any{"emails": []string{u.Email}})
	w.rawExpect(s404, false, 404, "PATCH", pm+"/"+nobody, nil, map[string]any{"role": "viewer"})
	w.rawExpect(s404, false, 404, "DELETE", pm+"/"+nobody, nil, nil)
	w.rawExpect(s404, false, 404, "DELETE", boardGroups+"/"+bg, nil, nil)
	w.rawExpect(s404, false, 404, "DELETE", projGroups+"/"+pg, nil, nil)
	w.rawExpect(s404, false, 404, "GET", orgp+"/teams/"+b.TeamID+"/boards/uXjVnotaboard=/data-classification", nil, nil)

	w.sim.SetOptions(func(o *mirosim.Options) {
		o.Scopes = []string{"organizations:read", "organizations:groups:read", "boards:read", "projects:read"}
	})
	w.rawExpect(s403, false, 403, "POST", boardGroups, nil, map[string]any{"userGroupIds": []string{bg}, "role": "VIEWER"})
	w.rawExpect(s403, false, 403, "POST", pm, nil, map[string]any{"email": pu.Email, "role": "viewer"})
	w.rawExpect(s403, false, 403, "DELETE", projGroups+"/"+pg, nil, nil)
	w.sim.SetOptions(func(o *mirosim.Options) { o.Scopes = nil })
}

func memberOf(org *mirosim.Org, id string) *mirosim.Member {
	for i := range org.Members {
		if org.Members[i].ID == id {
			return &org.Members[i]
		}
	}
	return nil
}
