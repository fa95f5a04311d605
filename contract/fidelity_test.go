package contract

import (
	"encoding/json"
	"net/url"
	"slices"

	"github.com/conductorone/baton-miro/internal/mirosim"
)

// fidelityCalls drives, by hand-built requests, the routes pkg/miro does not call yet (issue 17): the five
// Miro's Node client missed (a group's teams, a board, a board member, a project, a project member), boards
// and projects shared with user groups, team settings (every team, so every generated posture is validated)
// and the session reset; then the 400s, 403s and 404s the spec documents for them.
func (w *workload) fidelityCalls() {
	o, t := w.org, w.t
	orgp := "/v2/orgs/" + o.ID
	b, p := o.Boards[0], o.Projects[0] // shared with every group (GenOptions.GroupShares)
	gi := slices.IndexFunc(o.Groups, func(g mirosim.Group) bool { return len(g.TeamIDs) > 1 })
	if gi < 0 || len(b.Groups) < 3 || len(p.Groups) < 3 || len(o.TeamSettings) == 0 {
		t.Fatal("the generated org has no group on two teams, no shared board or project, or no team settings")
	}
	g, board, proj := o.Groups[gi], "/v2/boards/"+url.PathEscape(b.ID), orgp+"/teams/"+p.TeamID+"/projects/"+p.ID

	const step = "simulator calls"
	for _, list := range []string{orgp + "/groups/" + g.ID + "/teams", orgp + "/boards/" + url.PathEscape(b.ID) + "/groups",
		orgp + "/projects/" + p.ID + "/groups"} {
		w.pageThrough(step, list)
	}
	w.rawExpect(step, false, 200, "GET", board, nil, nil)
	w.rawExpect(step, false, 200, "GET", board+"/members/"+b.OwnerID, nil, nil)
	w.rawExpect(step, false, 200, "GET", proj, nil, nil)
	w.rawExpect(step, false, 200, "GET", proj+"/members/"+p.Members[0].UserID, nil, nil)
	for _, tm := range o.Teams {
		w.rawExpect(step, false, 200, "GET", orgp+"/teams/"+tm.ID+"/settings", nil, nil)
	}
	reset := url.Values{"email": {o.Members[0].Email}}
	for range 2 { // idempotent
		w.rawExpect(step, false, 200, "POST", "/v2/sessions/reset_all", reset, nil)
	}
	if n := w.sim.SessionResets(o.Members[0].ID); n != 2 {
		t.Errorf("session resets recorded: %d, want 2", n)
	}

	const s400, s403, s404 = "provoked 400", "provoked 403", "provoked 404"
	w.rawExpect(s400, true, 400, "POST", "/v2/sessions/reset_all", nil, nil)
	w.rawExpect(s400, true, 400, "GET", orgp+"/boards/"+url.PathEscape(b.ID)+"/groups", url.Values{"limit": {"101"}}, nil)
	w.rawExpect(s400, true, 400, "GET", orgp+"/groups/"+g.ID+"/teams", url.Values{"limit": {"0"}}, nil)
	w.rawExpect(s400, false, 400, "GET", orgp+"/projects/"+p.ID+"/groups", url.Values{"cursor": {"not-a-cursor"}}, nil)

	w.sim.SetOptions(func(o *mirosim.Options) { o.Scopes = []string{"organizations:read", "boards:read"} })
	w.rawExpect(s403, false, 403, "POST", "/v2/sessions/reset_all", reset, nil)
	w.rawExpect(s403, false, 403, "GET", orgp+"/boards/"+url.PathEscape(b.ID)+"/groups", nil, nil)
	w.rawExpect(s403, false, 403, "GET", orgp+"/teams/"+p.TeamID+"/settings", nil, nil)
	w.sim.SetOptions(func(o *mirosim.Options) { o.Scopes = nil })

	const nobody = "3074457399999999999"
	for _, path := range []string{"/v2/boards/uXjVnotaboard=", board + "/members/" + nobody, orgp + "/teams/" + p.TeamID +
		"/projects/" + nobody, proj + "/members/" + nobody, orgp + "/boards/uXjVnotaboard=/groups",
		orgp + "/projects/" + nobody + "/groups", orgp + "/teams/" + nobody + "/settings"} {
		w.rawExpect(s404, false, 404, "GET", path, nil, nil)
	}
	w.rawExpect(s404, false, 404, "POST", "/v2/sessions/reset_all", url.Values{"email": {"nobody@example.invalid"}}, nil)
}

// pageThrough follows a cursor list one item a page to its end.
func (w *workload) pageThrough(step, path string) {
	q := url.Values{"limit": {"1"}}
	for pages := 1; ; pages++ {
		var p struct{ Cursor string }
		if err := json.Unmarshal(w.rawExpect(step, false, 200, "GET", path, q, nil), &p); err != nil || p.Cursor == "" {
			if pages < 2 {
				w.t.Errorf("%s: one page only (%v)", path, err)
			}
			return
		}
		q.Set("cursor", p.Cursor)
	}
}
