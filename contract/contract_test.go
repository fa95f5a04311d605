package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/internal/simtest"
	"github.com/conductorone/baton-miro/pkg/connector"
	"github.com/conductorone/baton-miro/pkg/miro"
)

const (
	token     = "contract-access-token"
	scimToken = "contract-scim-token"
)

// TestContract runs the client against the simulator behind a recording proxy — a full sync with four
// workers, direct client calls (the bare-array emails lookup, gets, team member and user group writes,
// boards and projects), a few hand-built board searches, hand-built calls of the routes the client does not
// make yet (fidelity_test.go), and provoked 400/401/403/404/409/429 answers — and
// validates every recorded request and response against Miro's OpenAPI document.
func TestContract(t *testing.T) {
	doc, _ := requireSpec(t)
	chk, err := newChecker(doc)
	if err != nil {
		t.Fatalf("router: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// 500 users in 12 teams: four teams are over 100 members (several team member pages each), one has a
	// single admin (for the last-admin 409s); groups, boards and projects are synced too; boards and
	// projects are shared with groups and teams have settings of their own (read by fidelityCalls). Small
	// enough for the race detector on two cores.
	org := mirosim.Generate(mirosim.GenOptions{Seed: 8, Users: 500, Teams: 12, Groups: 8, Boards: true,
		GroupShares: true, TeamSettings: true, Classification: true})
	want := org.Clone()
	// A 2 s credit window lets the provoked 429 clear quickly; 100,000 credits per window are far more than
	// the sync spends in one.
	sim := mirosim.New(org, mirosim.Options{Token: token, SCIMToken: scimToken, Window: 2 * time.Second})
	if _, err := sim.Start(); err != nil {
		t.Fatalf("starting the simulator: %v", err)
	}
	t.Cleanup(sim.Close)
	simURL, err := url.Parse(sim.BaseURL())
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorder(simURL)
	proxy := httptest.NewServer(rec)
	t.Cleanup(proxy.Close)

	w := &workload{t: t, ctx: ctx, sim: sim, org: want, base: proxy.URL}
	for _, phase := range []struct {
		name string
		run  func()
	}{{"sync", w.sync}, {"client calls", w.clientCalls}, {"content calls", w.contentCalls}, {"audit calls", w.auditCalls},
		{"simulator calls", w.fidelityCalls}, {"provoked errors", w.provokeErrors}, {"access calls", w.accessCalls}} {
		start := time.Now()
		phase.run()
		t.Logf("%s: %v", phase.name, time.Since(start).Round(time.Millisecond))
	}

	exs := rec.exchanges()
	start := time.Now()
	rep := chk.check(ctx, exs)
	t.Logf("validation: %v", time.Since(start).Round(time.Millisecond))
	t.Logf("contract summary (%d exchanges recorded):\n%s", len(exs), rep.table())
	if late := lateSyncExchanges(exs, w.synced); len(late) > 0 {
		t.Logf("%d sync requests were answered after the sync had returned (validated all the same), e.g. %s %s",
			len(late), late[0].Method, late[0].URL.Path)
	}
	if notHit := unexercisedRoutes(sim); len(notHit) > 0 {
		t.Logf("simulator routes not exercised by this test: %v", notHit)
	}
	for i, v := range rep.violations {
		if i == 30 {
			t.Errorf("… and %d more contract violations", len(rep.violations)-i)
			break
		}
		t.Errorf("contract violation: %s", v)
	}
	if rep.requests == 0 || rep.responses == 0 {
		t.Fatalf("nothing was validated")
	}
}

// lateSyncExchanges returns the sync's exchanges that passed the proxy after the sync returned.
func lateSyncExchanges(exs []exchange, synced time.Time) []exchange {
	var late []exchange
	for _, ex := range exs {
		if ex.Step == "sync" && ex.Done.After(synced) {
			late = append(late, ex)
		}
	}
	return late
}

// unexercisedRoutes lists the simulator's REST routes (from its doc's route table) that got no request.
func unexercisedRoutes(sim *mirosim.Server) []string {
	counts := sim.Counts()
	var out []string
	for _, r := range []string{"oauth_token", "get_org", "list_members", "get_member", "list_teams", "get_team",
		"list_team_members", "get_team_member", "invite_team_member", "update_team_member", "delete_team_member",
		"list_groups", "get_group", "list_group_members", "add_group_member", "remove_group_member",
		"list_team_groups", "list_group_teams", "list_projects", "get_project", "list_project_members",
		"get_project_member", "list_project_groups", "list_boards", "get_board", "list_board_members",
		"get_board_member", "list_board_groups", "get_team_settings", "list_audit_logs", "reset_sessions",
		"share_board", "update_board_member", "remove_board_member", "add_project_member", "update_project_member",
		"remove_project_member", "share_board_groups", "unshare_board_group", "share_project_groups",
		"unshare_project_group", "get_classification_settings", "get_board_classification"} {
		if counts[r] == 0 {
			out = append(out, r)
		}
	}
	return out
}

// workload drives the traffic that gets recorded.
type workload struct {
	t      *testing.T
	ctx    context.Context
	sim    *mirosim.Server
	org    *mirosim.Org // the org as generated (the simulator owns and changes its own copy)
	base   string       // the recording proxy
	synced time.Time    // when the sync returned
}

// clientOptions points a client at the proxy and labels its requests with step.
func (w *workload) clientOptions(o *miro.Options, step string) {
	o.APIURL, o.SCIMURL, o.SCIMToken = w.base, w.base+"/api/v1/scim", scimToken
	o.HTTPClient = &http.Client{Timeout: time.Minute,
		Transport: labelTransport{base: http.DefaultTransport, step: step, source: "client"}}
}

// client returns a pkg/miro client whose requests are labelled step.
func (w *workload) client(step, tok string) *miro.Client {
	w.t.Helper()
	o := miro.Options{AccessToken: tok, BackoffBase: 5 * time.Millisecond, BackoffMax: 50 * time.Millisecond}
	w.clientOptions(&o, step)
	c, err := miro.New(o)
	if err != nil {
		w.t.Fatalf("client: %v", err)
	}
	return c
}

// sync runs a full in-process sync with four workers through the proxy (SCIM enrichment, user groups, boards
// and projects included) and checks the c1z, so the recorded traffic is a complete, correct sync.
func (w *workload) sync() {
	w.t.Helper()
	if !slices.ContainsFunc(w.org.Teams, func(t mirosim.Team) bool { return len(t.Members) > 100 }) {
		w.t.Fatal("the generated org has no team over 100 members")
	}
	got, err := simtest.SyncAndReadWith(w.ctx, w.sim, token, filepath.Join(w.t.TempDir(), "sync.c1z"), 4,
		[]connector.Option{connector.WithSyncBoards(true), connector.WithBoardClassification(true)},
		func(o *miro.Options) { w.clientOptions(o, "sync") })
	w.synced = time.Now()
	if err != nil {
		w.t.Fatalf("sync: %v", err)
	}
	if diff := simtest.Expect(w.org).Diff(got); diff != "" {
		w.t.Fatalf("the c1z differs from the simulated org:\n%s", diff)
	}
}

// fixture picks the ids the direct calls use.
type fixture struct {
	orgID, teamID, memberID, outsiderEmail, outsiderID string
}

func (w *workload) fixture() fixture {
	w.t.Helper()
	f := fixture{orgID: w.org.ID}
	for _, t := range w.org.Teams {
		admins, members := 0, ""
		for _, m := range t.Members {
			switch m.Role {
			case "admin":
				admins++
			case "member":
				if members == "" {
					members = m.UserID
				}
			}
		}
		if admins >= 2 && members != "" && len(t.Members) < 100 {
			f.teamID, f.memberID = t.ID, members
			break
		}
	}
	if f.teamID == "" {
		w.t.Fatal("no team with two admins and a member")
	}
	t := teamOf(w.org, f.teamID)
	for _, m := range w.org.Members {
		if m.Active && m.Role == "organization_internal_user" && !slices.ContainsFunc(t.Members,
			func(tm mirosim.TeamMember) bool { return tm.UserID == m.ID }) {
			f.outsiderEmail, f.outsiderID = m.Email, m.ID
			break
		}
	}
	if f.outsiderID == "" {
		w.t.Fatal("no active internal user outside the team")
	}
	return f
}

func teamOf(org *mirosim.Org, id string) *mirosim.Team {
	for i := range org.Teams {
		if org.Teams[i].ID == id {
			return &org.Teams[i]
		}
	}
	return nil
}

// clientCalls makes the member, team and team member calls of pkg/miro the sync does not make (and a few it
// does), on the happy path.
func (w *workload) clientCalls() {
	f := w.fixture()
	c, ctx, t := w.client("client calls", token), w.ctx, w.t
	emails := []string{w.org.Members[0].Email, strings.ToUpper(w.org.Members[1].Email), "nobody@example.invalid"}
	if got, _, err := c.MembersByEmail(ctx, f.orgID, emails); err != nil || len(got) != 2 {
		t.Errorf("MembersByEmail: %d members, %v; want 2", len(got), err)
	}
	if _, _, err := c.GetMember(ctx, f.orgID, f.memberID); err != nil {
		t.Errorf("GetMember: %v", err)
	}
	if _, _, err := c.GetOrganization(ctx, f.orgID); err != nil {
		t.Errorf("GetOrganization: %v", err)
	}
	if _, _, err := c.GetTeam(ctx, f.orgID, f.teamID); err != nil {
		t.Errorf("GetTeam: %v", err)
	}
	if _, _, err := c.GetTeamMember(ctx, f.orgID, f.teamID, f.memberID); err != nil {
		t.Errorf("GetTeamMember: %v", err)
	}
	if _, _, err := c.InviteTeamMember(ctx, f.orgID, f.teamID, f.outsiderEmail, miro.TeamRoleAdmin); err != nil {
		t.Errorf("InviteTeamMember: %v", err)
	}
	if _, _, err := c.UpdateTeamMember(ctx, f.orgID, f.teamID, f.outsiderID, miro.TeamRoleMember); err != nil {
		t.Errorf("UpdateTeamMember: %v", err)
	}
	if _, err := c.RemoveTeamMember(ctx, f.orgID, f.teamID, f.outsiderID); err != nil {
		t.Errorf("RemoveTeamMember: %v", err)
	}
	// Invite without a role: the client leaves role out and Miro makes a member.
	if _, _, err := c.InviteTeamMember(ctx, f.orgID, f.teamID, f.outsiderEmail, ""); err != nil {
		t.Errorf("InviteTeamMember without role: %v", err)
	}
	if _, _, err := c.ListTeamMembers(ctx, f.orgID, f.teamID, ""); err != nil {
		t.Errorf("ListTeamMembers: %v", err)
	}
	if _, err := c.RemoveTeamMember(ctx, f.orgID, f.teamID, f.outsiderID); err != nil {
		t.Errorf("RemoveTeamMember: %v", err)
	}
}

// raw sends a hand-built request through the proxy, labelled step (bad: it is meant to break the spec), and
// returns the status and body.
func (w *workload) raw(step string, bad bool, tok, method, path string, q url.Values, body any) (int, []byte) {
	w.t.Helper()
	u := w.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			w.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(w.ctx, method, u, rd)
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set(hdrStep, step)
	req.Header.Set(hdrSource, "raw")
	if bad {
		req.Header.Set(hdrBad, "true")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		w.t.Fatalf("%s %s: reading: %v", method, path, err)
	}
	return resp.StatusCode, data
}

// rawExpect is raw with the right token and an expected status.
func (w *workload) rawExpect(step string, bad bool, want int, method, path string, q url.Values, body any) []byte {
	w.t.Helper()
	got, data := w.raw(step, bad, token, method, path, q, body)
	if got != want {
		w.t.Errorf("%s %s?%s: HTTP %d, want %d: %.200s", method, path, q.Encode(), got, want, data)
	}
	return data
}

// contentCalls covers user groups, boards and projects beside the sync: every client method, including the
// writes, and a few hand-built board searches the client does not make (no team, a query, other sorts).
func (w *workload) contentCalls() {
	o, c, ctx, t := w.org, w.client("content calls", token), w.ctx, w.t
	var g *mirosim.Group
	for i := range o.Groups {
		if len(o.Groups[i].MemberIDs) > 0 && len(o.Groups[i].TeamIDs) > 0 {
			g = &o.Groups[i]
			break
		}
	}
	var b *mirosim.Board
	for i := range o.Boards {
		if len(o.Boards[i].Members) > 2 && o.Boards[i].ProjectID != "" {
			b = &o.Boards[i]
			break
		}
	}
	if g == nil || b == nil {
		t.Fatal("no user group with members and teams, or no board in a project")
	}
	var newcomer *mirosim.Member
	for i := range o.Members {
		if !slices.Contains(g.MemberIDs, o.Members[i].ID) {
			newcomer = &o.Members[i]
			break
		}
	}
	page, _, err := c.ListGroups(ctx, o.ID, "")
	if err != nil {
		t.Errorf("ListGroups: %v", err)
	} else if page.Cursor != "" {
		if _, _, err := c.ListGroups(ctx, o.ID, page.Cursor); err != nil {
			t.Errorf("ListGroups, page 2: %v", err)
		}
	}
	if _, _, err := c.GetGroup(ctx, o.ID, g.ID); err != nil {
		t.Errorf("GetGroup: %v", err)
	}
	if _, _, err := c.ListGroupMembers(ctx, o.ID, g.ID, ""); err != nil {
		t.Errorf("ListGroupMembers: %v", err)
	}
	if _, _, err := c.ListTeamGroups(ctx, o.ID, g.TeamIDs[0], ""); err != nil {
		t.Errorf("ListTeamGroups: %v", err)
	}
	if _, _, err := c.AddGroupMember(ctx, o.ID, g.ID, newcomer.Email); err != nil {
		t.Errorf("AddGroupMember: %v", err)
	}
	if _, err := c.RemoveGroupMember(ctx, o.ID, g.ID, newcomer.ID); err != nil {
		t.Errorf("RemoveGroupMember: %v", err)
	}
	for off := 0; off >= 0; {
		p, _, err := c.ListBoards(ctx, b.TeamID, off)
		if err != nil {
			t.Errorf("ListBoards at %d: %v", off, err)
			break
		}
		off = p.NextOffset()
	}
	if _, _, err := c.ListBoardMembers(ctx, b.ID, 0); err != nil {
		t.Errorf("ListBoardMembers: %v", err)
	}
	if _, _, err := c.ListProjects(ctx, o.ID, b.TeamID, ""); err != nil {
		t.Errorf("ListProjects: %v", err)
	}
	if _, _, err := c.ListProjectMembers(ctx, o.ID, b.TeamID, b.ProjectID, ""); err != nil {
		t.Errorf("ListProjectMembers: %v", err)
	}

	const step = "board searches"
	w.rawExpect(step, false, 200, "GET", "/v2/boards", nil, nil)
	w.rawExpect(step, false, 200, "GET", "/v2/boards", url.Values{"limit": {"50"}, "offset": {"50"}, "sort": {"alphabetically"}}, nil)
	w.rawExpect(step, false, 200, "GET", "/v2/boards", url.Values{"project_id": {b.ProjectID}}, nil)
	w.rawExpect(step, false, 200, "GET", "/v2/boards", url.Values{"query": {"Retro"}, "sort": {"last_modified"}}, nil)
	w.rawExpect(step, false, 200, "GET", "/v2/boards/"+b.ID+"/members", url.Values{"limit": {"2"}, "offset": {"1"}}, nil)
}

// provokeErrors makes the simulator answer each documented error status at least once.
func (w *workload) provokeErrors() {
	f := w.fixture()
	ctx, t := w.ctx, w.t
	orgp := "/v2/orgs/" + f.orgID
	expect := func(what string, status int, err error) {
		t.Helper()
		if got := miro.StatusOf(err); got != status {
			t.Errorf("%s: %v (HTTP %d), want HTTP %d", what, err, got, status)
		}
	}

	// 400: requests outside the spec's limits and enums; the request validator must reject them too. A
	// garbled cursor is within the spec (any string) and still 400.
	const s400 = "provoked 400"
	w.rawExpect(s400, true, 400, "GET", orgp+"/members", url.Values{"limit": {"101"}}, nil)
	w.rawExpect(s400, true, 400, "GET", orgp+"/teams", url.Values{"limit": {"0"}}, nil)
	w.rawExpect(s400, true, 400, "GET", "/v2/boards", url.Values{"limit": {"51"}}, nil)
	w.rawExpect(s400, true, 400, "POST", orgp+"/teams/"+f.teamID+"/members", nil,
		map[string]string{"email": f.outsiderEmail, "role": "team_guest"})
	w.rawExpect(s400, false, 400, "GET", orgp+"/teams", url.Values{"cursor": {"not-a-cursor"}}, nil)

	// 401 for a wrong token (and /v1/oauth-token's documented 400).
	wrong := w.client("provoked 401", "not-the-token")
	_, _, err := wrong.GetOrganization(ctx, f.orgID)
	expect("GetOrganization with a wrong token", 401, err)
	_, _, err = wrong.ListMembers(ctx, f.orgID, "")
	expect("ListMembers with a wrong token", 401, err)
	_, _, err = wrong.TokenContext(ctx)
	expect("TokenContext with a wrong token", 400, err)

	// 403: a missing scope, then a token whose user is not a Company Admin, then an org off Enterprise.
	c := w.client("provoked 403", token)
	w.sim.SetOptions(func(o *mirosim.Options) { o.Scopes = []string{"organizations:read"} })
	_, _, err = c.ListTeams(ctx, f.orgID, "")
	expect("ListTeams without organizations:teams:read", 403, err)
	_, _, err = c.InviteTeamMember(ctx, f.orgID, f.teamID, f.outsiderEmail, miro.TeamRoleMember)
	expect("InviteTeamMember without organizations:teams:write", 403, err)
	_, _, err = c.ListGroups(ctx, f.orgID, "")
	expect("ListGroups without organizations:groups:read", 403, err)
	w.sim.SetOptions(func(o *mirosim.Options) { o.Scopes = nil; o.NotAdmin = true })
	_, _, err = c.GetMember(ctx, f.orgID, f.memberID)
	expect("GetMember as a non-admin", 403, err)
	_, _, err = c.ListMembers(ctx, f.orgID, "")
	expect("ListMembers as a non-admin", 403, err)
	w.sim.SetOptions(func(o *mirosim.Options) { o.NotAdmin = false; o.NotEnterprise = true })
	_, _, err = c.GetOrganization(ctx, f.orgID)
	expect("GetOrganization off Enterprise", 403, err)
	w.sim.SetOptions(func(o *mirosim.Options) { o.NotEnterprise = false })

	// 404: unknown member, team, team member, org, group, board, project.
	c = w.client("provoked 404", token)
	_, _, err = c.GetMember(ctx, f.orgID, "3458764599999999998")
	expect("GetMember of an unknown id", 404, err)
	_, _, err = c.GetTeam(ctx, f.orgID, "3074457399999999999")
	expect("GetTeam of an unknown id", 404, err)
	_, _, err = c.GetTeamMember(ctx, f.orgID, f.teamID, f.outsiderID)
	expect("GetTeamMember of a non-member", 404, err)
	_, err = c.RemoveTeamMember(ctx, f.orgID, f.teamID, "3458764599999999998")
	expect("RemoveTeamMember of a non-member", 404, err)
	_, _, err = c.ListTeamMembers(ctx, f.orgID, "3074457399999999999", "")
	expect("ListTeamMembers of an unknown team", 404, err)
	_, _, err = c.GetOrganization(ctx, "3074457399999999999")
	expect("GetOrganization of another org", 404, err)
	_, _, err = c.GetGroup(ctx, f.orgID, "3074457399999999999")
	expect("GetGroup of an unknown id", 404, err)
	_, _, err = c.ListBoardMembers(ctx, "uXjVnotaboard=", 0)
	expect("ListBoardMembers of an unknown board", 404, err)
	_, _, err = c.ListBoards(ctx, "3074457399999999999", 0)
	expect("ListBoards of an unknown team", 404, err)
	_, _, err = c.ListProjectMembers(ctx, f.orgID, f.teamID, "3074457399999999999", "")
	expect("ListProjectMembers of an unknown project", 404, err)

	// 409: invite an existing team member; demote and remove the last admin of a team; add a group member
	// twice.
	c = w.client("provoked 409", token)
	_, _, err = c.InviteTeamMember(ctx, f.orgID, f.teamID, emailOf(w.org, f.memberID), miro.TeamRoleMember)
	expect("InviteTeamMember of a member", 409, err)
	lone := w.loneAdminTeam()
	_, _, err = c.UpdateTeamMember(ctx, f.orgID, lone.ID, adminOf(lone), miro.TeamRoleMember)
	expect("UpdateTeamMember demoting the last admin", 409, err)
	_, err = c.RemoveTeamMember(ctx, f.orgID, lone.ID, adminOf(lone))
	expect("RemoveTeamMember of the last admin", 409, err)
	g := w.org.Groups[slices.IndexFunc(w.org.Groups, func(g mirosim.Group) bool { return len(g.MemberIDs) > 0 })]
	_, _, err = c.AddGroupMember(ctx, f.orgID, g.ID, emailOf(w.org, g.MemberIDs[0]))
	expect("AddGroupMember of a member", 409, err)

	// 429: the window's credits are spent; the client waits for the reset and succeeds.
	c = w.client("provoked 429", token)
	before := w.sim.Status429()
	w.sim.ExhaustCredits()
	if _, _, err := c.GetOrganization(ctx, f.orgID); err != nil {
		t.Errorf("GetOrganization after a 429: %v", err)
	}
	w.sim.ExhaustCredits()
	if _, _, err := c.ListTeams(ctx, f.orgID, ""); err != nil {
		t.Errorf("ListTeams after a 429: %v", err)
	}
	if n := w.sim.Status429() - before; n < 2 {
		t.Errorf("%d 429s provoked, want 2", n)
	}
}

func (w *workload) loneAdminTeam() *mirosim.Team {
	w.t.Helper()
	for i := range w.org.Teams {
		t := &w.org.Teams[i]
		admins := 0
		for _, m := range t.Members {
			if m.Role == "admin" {
				admins++
			}
		}
		if admins == 1 && len(t.Members) > 1 {
			return t
		}
	}
	w.t.Fatal("no team with exactly one admin")
	return nil
}

func adminOf(t *mirosim.Team) string {
	for _, m := range t.Members {
		if m.Role == "admin" {
			return m.UserID
		}
	}
	return ""
}

func emailOf(org *mirosim.Org, id string) string {
	for _, m := range org.Members {
		if m.ID == id {
			return m.Email
		}
	}
	panic(fmt.Sprintf("no member %s", id))
}
