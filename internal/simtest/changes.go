package simtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/conductorone/baton-miro/internal/mirosim"
)

// Target is one resource a change touched, as an event names it and a
// targeted sync asks for it: type and id, and the parent a type needs (a
// project's team).
type Target struct {
	Type, ID             string
	ParentType, ParentID string
}

func (t Target) String() string {
	if t.ParentType != "" {
		return t.Type + ":" + t.ID + " (under " + t.ParentType + ":" + t.ParentID + ")"
	}
	return t.Type + ":" + t.ID
}

// Change is one administrator's change made through the simulator's HTTP API
// (so Miro's side writes its audit-log entry), and the resource it changes.
type Change struct {
	What   string
	Target Target
	do     func(a Admin) error
}

// Apply makes the change.
func (c Change) Apply(a Admin) error {
	if err := c.do(a); err != nil {
		return fmt.Errorf("%s: %w", c.What, err)
	}
	return nil
}

// Admin makes changes as a Company Admin would, over HTTP: REST with Token,
// SCIM with SCIMToken.
type Admin struct {
	Sim              *mirosim.Server
	Token, SCIMToken string
}

func (a Admin) call(method, path string, body any, scim bool, want int) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	base, tok := a.Sim.BaseURL(), a.Token
	if scim {
		base, tok = a.Sim.SCIMURL(), a.SCIMToken
	}
	req, err := http.NewRequestWithContext(context.Background(), method, base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, want, msg)
	}
	return nil
}

func scimPatch(path string, value any) map[string]any {
	return map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []map[string]any{{"op": "Replace", "path": path, "value": value}}}
}

// FreshnessChanges picks, from org, one of each change the freshness loop
// makes, each on a resource of its own: a member added to a team, a member
// removed from another team, an org role changed, a user deactivated, a member
// added to a user group, a board and (when project is true) a project shared
// with a user group. It needs an org with teams, user groups and, for the
// board and project, boards and projects (GenOptions.Boards).
func FreshnessChanges(org *mirosim.Org, project bool) ([]Change, error) {
	var out []Change
	orgID := org.ID
	active := func(m mirosim.Member) bool {
		return m.Active && (m.Role == "organization_internal_user" || m.Role == "organization_internal_admin")
	}
	used := map[string]bool{}
	pickUser := func(ok func(mirosim.Member) bool) (mirosim.Member, bool) {
		for _, m := range org.Members {
			if !used[m.ID] && active(m) && ok(m) {
				used[m.ID] = true
				return m, true
			}
		}
		return mirosim.Member{}, false
	}
	// Teams: the two with the most members, so both have a few pages to read.
	teams := slices.Clone(org.Teams)
	slices.SortStableFunc(teams, func(a, b mirosim.Team) int { return len(b.Members) - len(a.Members) })
	if len(teams) < 2 || len(org.Groups) == 0 {
		return nil, fmt.Errorf("the org needs two teams and a user group")
	}
	tAdd, tDel := teams[0], teams[1]
	inTeam := func(t mirosim.Team, id string) bool {
		return slices.ContainsFunc(t.Members, func(tm mirosim.TeamMember) bool { return tm.UserID == id })
	}
	u, ok := pickUser(func(m mirosim.Member) bool { return !inTeam(tAdd, m.ID) })
	if !ok {
		return nil, fmt.Errorf("no user outside team %s", tAdd.ID)
	}
	uAdd := u
	out = append(out, Change{What: "add " + u.ID + " to team " + tAdd.ID, Target: Target{Type: "team", ID: tAdd.ID},
		do: func(a Admin) error {
			return a.call(http.MethodPost, "/v2/orgs/"+orgID+"/teams/"+tAdd.ID+"/members",
				map[string]string{"email": uAdd.Email, "role": "member"}, false, http.StatusCreated)
		}})
	var del mirosim.TeamMember
	for _, tm := range tDel.Members {
		if tm.Role == "member" && !used[tm.UserID] {
			del = tm
			break
		}
	}
	if del.UserID == "" {
		return nil, fmt.Errorf("team %s has no plain member", tDel.ID)
	}
	used[del.UserID] = true
	out = append(out, Change{What: "remove " + del.UserID + " from team " + tDel.ID, Target: Target{Type: "team", ID: tDel.ID},
		do: func(a Admin) error {
			return a.call(http.MethodDelete, "/v2/orgs/"+orgID+"/teams/"+tDel.ID+"/members/"+del.UserID, nil, false, http.StatusNoContent)
		}})
	u, ok = pickUser(func(m mirosim.Member) bool { return m.Role == "organization_internal_user" })
	if !ok {
		return nil, fmt.Errorf("no internal user")
	}
	uRole := u
	out = append(out, Change{What: "make " + u.ID + " an org admin", Target: Target{Type: "user", ID: u.ID},
		do: func(a Admin) error {
			return a.call(http.MethodPatch, "/Users/"+uRole.ID, scimPatch("roles[primary eq true].value", "ORGANIZATION_INTERNAL_ADMIN"), true, http.StatusOK)
		}})
	u, ok = pickUser(func(mirosim.Member) bool { return true })
	if !ok {
		return nil, fmt.Errorf("no user left to deactivate")
	}
	uOff := u
	out = append(out, Change{What: "deactivate " + u.ID, Target: Target{Type: "user", ID: u.ID},
		do: func(a Admin) error {
			return a.call(http.MethodPatch, "/Users/"+uOff.ID, scimPatch("active", false), true, http.StatusOK)
		}})
	g := org.Groups[0]
	u, ok = pickUser(func(m mirosim.Member) bool { return !slices.Contains(g.MemberIDs, m.ID) })
	if !ok {
		return nil, fmt.Errorf("no user outside group %s", g.ID)
	}
	uGroup := u
	out = append(out, Change{What: "add " + u.ID + " to user group " + g.ID, Target: Target{Type: "user_group", ID: g.ID},
		do: func(a Admin) error {
			return a.call(http.MethodPost, "/v2/orgs/"+orgID+"/groups/"+g.ID+"/members", map[string]string{"email": uGroup.Email},
				false, http.StatusCreated)
		}})
	notShared := func(gs []mirosim.GroupShare) (string, bool) {
		for _, grp := range org.Groups {
			if !slices.ContainsFunc(gs, func(s mirosim.GroupShare) bool { return s.GroupID == grp.ID }) {
				return grp.ID, true
			}
		}
		return "", false
	}
	for _, b := range org.Boards {
		if gid, ok := notShared(b.Groups); ok {
			out = append(out, Change{What: "share board " + b.ID + " with group " + gid, Target: Target{Type: "board", ID: b.ID},
				do: func(a Admin) error {
					return a.call(http.MethodPost, "/v2/orgs/"+orgID+"/boards/"+b.ID+"/groups",
						map[string]any{"userGroupIds": []string{gid}, "role": "EDITOR"}, false, http.StatusOK)
				}})
			break
		}
	}
	if project {
		for _, p := range org.Projects {
			if gid, ok := notShared(p.Groups); ok {
				out = append(out, Change{What: "share project " + p.ID + " with group " + gid,
					Target: Target{Type: "project", ID: p.ID, ParentType: "team", ParentID: p.TeamID},
					do: func(a Admin) error {
						return a.call(http.MethodPost, "/v2/orgs/"+orgID+"/projects/"+p.ID+"/groups",
							map[string]any{"userGroupIds": []string{gid}, "role": "VIEWER"}, false, http.StatusOK)
					}})
				break
			}
		}
	}
	return out, nil
}

// ExpectTarget is what the c1z of a targeted sync of t must hold, from the
// simulator's org: the resource itself (a team, with --sync-boards, also
// lists its boards and projects, children the SDK reads with it), its status
// for a user, and the grants on its entitlements as Miro lists them — no grant
// expansion (the SDK expands grants in full syncs only), so a user group's
// grant of a team, board or project role stays one grant to the group.
func ExpectTarget(org *mirosim.Org, t Target, boards bool) *Expected {
	full := ExpectParts(org, Parts{Boards: boards})
	e := &Expected{Resources: map[string][]string{t.Type: {t.ID}}, Sources: map[string][]string{}}
	if t.Type == "user" && slices.Contains(full.Disabled, t.ID) {
		e.Disabled = []string{t.ID}
	}
	if t.Type == "team" && boards {
		e.Resources["board"], e.Resources["project"] = []string{}, []string{}
		for _, b := range org.Boards {
			if b.TeamID == t.ID {
				e.Resources["board"] = append(e.Resources["board"], b.ID)
			}
		}
		for _, p := range org.Projects {
			if p.TeamID == t.ID {
				e.Resources["project"] = append(e.Resources["project"], p.ID)
			}
		}
	}
	prefix := t.Type + ":" + t.ID + ":"
	for _, k := range full.Grants {
		ent, _, _ := strings.Cut(k, " <- ")
		if !strings.HasPrefix(ent, prefix) {
			continue
		}
		if src := full.Sources[k]; len(src) > 0 && !slices.Contains(src, ent) {
			continue // only expansion made it
		}
		e.Grants = append(e.Grants, k)
	}
	for typ := range e.Resources {
		slices.Sort(e.Resources[typ])
	}
	return e
}
