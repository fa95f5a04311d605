package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/structpb"

	"github.com/conductorone/baton-miro/internal/c1sim"
	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/internal/simtest"
	"github.com/conductorone/baton-miro/internal/synctest"
)

// The board access fixture: the provisioning org with a user group (alice,
// bob), a board of team A (admin owner, bob editor), a board of team B, which
// allows no non-team collaborators (admin2 owner), and a project of team A
// (admin owner, bob viewer).
const (
	bBoardA   = "uXjVA1b2c3d="
	bBoardB   = "uXjVB7e7a9x="
	bProjectA = "3074457348000000001"
	bGroup    = "3074457347000000001"
)

func boardAccessOrg() *mirosim.Org {
	org := provisioningOrg()
	ts := mirosim.DefaultTeamSettings()
	ts.InviteExternalUsers = "not_allowed"
	org.TeamSettings = map[string]mirosim.TeamSettings{pTeamB: ts}
	org.Groups = []mirosim.Group{{ID: bGroup, Name: "Designers", MemberIDs: []string{pAlice, pBob}}}
	open := mirosim.BoardPolicy{TeamAccess: "edit", OrganizationAccess: "view", Access: "private"}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	org.Boards = []mirosim.Board{
		{ID: bBoardA, Name: "Roadmap", TeamID: pTeamA, OwnerID: pAdmin, Policy: open, CreatedAt: at, ModifiedAt: at,
			Members: []mirosim.BoardMember{{UserID: pAdmin, Role: "owner"}, {UserID: pBob, Role: "editor"}}},
		{ID: bBoardB, Name: "Beta board", TeamID: pTeamB, OwnerID: "3458764500000000002", Policy: open, CreatedAt: at, ModifiedAt: at,
			Members: []mirosim.BoardMember{{UserID: "3458764500000000002", Role: "owner"}}},
	}
	org.Projects = []mirosim.Project{{ID: bProjectA, Name: "Launch", TeamID: pTeamA,
		Members: []mirosim.ProjectMember{{UserID: pAdmin, Role: "owner"}, {UserID: pBob, Role: "viewer"}}}}
	return org
}

var accessWriteRoutes = []string{"share_board", "update_board_member", "remove_board_member", "add_project_member",
	"update_project_member", "remove_project_member", "share_board_groups", "unshare_board_group",
	"share_project_groups", "unshare_project_group"}

// newBinAccess: the board access fixture, without SCIM; every run has
// --sync-boards (the board and project types exist only with it).
func newBinAccess(t *testing.T) *binHarness {
	t.Helper()
	return newBinHarness(t, boardAccessOrg(), mirosim.Options{Token: goodToken, Credits: -1}, "", accessWriteRoutes, "--sync-boards")
}

func accessGrantArgs(entitlement, ptype, pid string) []string {
	return []string{"--grant-entitlement", entitlement, "--grant-principal", pid, "--grant-principal-type", ptype}
}

// TestBinaryBoardAccess grants and revokes a board role, a project role and a
// board share with a user group through the real binary's one-shot flags,
// each applied and then repeated, and checks the simulator and a re-sync
// after each; then a share Miro refuses and the owner role.
func TestBinaryBoardAccess(t *testing.T) {
	b := newBinAccess(t)
	b.sync()
	has := func(c *synctest.Contents, ent, ptype, pid string) bool {
		return c.Grants[synctest.GrantKey(ent, ptype, pid)] != nil
	}

	// A board role: shared with alice as editor, changed to commenter in place, removed.
	editor, commenter := "board:"+bBoardA+":editor", "board:"+bBoardA+":commenter"
	b.twice(accessGrantArgs(editor, "user", pAlice)...)
	if got := b.sim.Org().BoardRole(bBoardA, pAlice); got != "editor" || b.sim.Count("share_board") != 1 {
		t.Fatalf("after the grant alice is %q of the board, %d shares", got, b.sim.Count("share_board"))
	}
	if !has(b.sync(), editor, "user", pAlice) {
		t.Fatalf("the re-sync lacks %s for alice", editor)
	}
	b.twice(accessGrantArgs(commenter, "user", pAlice)...)
	if got := b.sim.Org().BoardRole(bBoardA, pAlice); got != "commenter" || b.sim.Count("update_board_member") != 1 {
		t.Fatalf("after the change alice is %q, %d updates", got, b.sim.Count("update_board_member"))
	}
	if c := b.sync(); !has(c, commenter, "user", pAlice) || has(c, editor, "user", pAlice) {
		t.Fatalf("the re-sync does not show alice as commenter only")
	}
	b.twice("--revoke-grant", commenter+":user:"+pAlice)
	if got := b.sim.Org().BoardRole(bBoardA, pAlice); got != "" || b.sim.Count("remove_board_member") != 1 {
		t.Fatalf("after the revoke alice is %q, %d removals", got, b.sim.Count("remove_board_member"))
	}
	if has(b.sync(), commenter, "user", pAlice) {
		t.Fatalf("the re-sync still has %s for alice", commenter)
	}

	// A project role.
	projEditor := "project:" + bProjectA + ":editor"
	b.twice(accessGrantArgs(projEditor, "user", pAlice)...)
	if got := b.sim.Org().ProjectRole(bProjectA, pAlice); got != "editor" || b.sim.Count("add_project_member") != 1 {
		t.Fatalf("after the grant alice is %q of the project, %d additions", got, b.sim.Count("add_project_member"))
	}
	if !has(b.sync(), projEditor, "user", pAlice) {
		t.Fatalf("the re-sync lacks %s for alice", projEditor)
	}
	b.twice("--revoke-grant", projEditor+":user:"+pAlice)
	if got := b.sim.Org().ProjectRole(bProjectA, pAlice); got != "" || b.sim.Count("remove_project_member") != 1 {
		t.Fatalf("after the revoke alice is %q of the project, %d removals", got, b.sim.Count("remove_project_member"))
	}
	if has(b.sync(), projEditor, "user", pAlice) {
		t.Fatalf("the re-sync still has %s for alice", projEditor)
	}

	// A group share: the group and, by expansion, its members hold the role.
	viewer := "board:" + bBoardA + ":viewer"
	b.twice(accessGrantArgs(viewer, "user_group", bGroup)...)
	if got := b.sim.Org().ShareRole("board", bBoardA, bGroup); got != "VIEWER" || b.sim.Count("share_board_groups") != 1 {
		t.Fatalf("after the share the group is %q, %d shares", got, b.sim.Count("share_board_groups"))
	}
	c := b.sync()
	if !has(c, viewer, "user_group", bGroup) || !has(c, viewer, "user", pAlice) {
		t.Fatalf("the re-sync lacks the share or its expansion to alice")
	}
	b.twice("--revoke-grant", viewer+":user_group:"+bGroup)
	if got := b.sim.Org().ShareRole("board", bBoardA, bGroup); got != "" || b.sim.Count("unshare_board_group") != 1 {
		t.Fatalf("after the revoke the group is %q, %d removals", got, b.sim.Count("unshare_board_group"))
	}
	if c := b.sync(); has(c, viewer, "user_group", bGroup) || has(c, viewer, "user", pAlice) {
		t.Fatalf("the re-sync still has the share")
	}

	// Refusals: exit codes are the gRPC codes (9 FailedPrecondition).
	const failedPrecondition = 9
	before := b.sim.Org()
	res := b.exec(accessGrantArgs("board:"+bBoardB+":viewer", "user", pAlice)...)
	if res.exitCode != failedPrecondition || !strings.Contains(res.stderr, "Miro refused to share board "+bBoardB) ||
		!strings.Contains(res.stderr, "NON_TEAM_COLLABORATORS_NOT_ALLOWED") {
		t.Errorf("a refused share: exit %d\n%s", res.exitCode, tail(res.stderr))
	}
	calls := b.sim.TotalCount()
	res = b.exec(accessGrantArgs("board:"+bBoardA+":owner", "user", pAlice)...)
	if res.exitCode != failedPrecondition || !strings.Contains(res.stderr, "no ownership transfer") {
		t.Errorf("granting the owner role: exit %d\n%s", res.exitCode, tail(res.stderr))
	}
	if n := b.sim.TotalCount() - calls; n != 0 {
		t.Errorf("granting the owner role made %d calls: %v", n, b.sim.Counts())
	}
	if b.sim.Org().BoardRole(bBoardB, pAlice) != "" || b.sim.Org().BoardRole(bBoardA, pAlice) != "" ||
		len(b.sim.Org().Boards[1].Members) != len(before.Boards[1].Members) {
		t.Errorf("a refused change changed the simulator")
	}
	b.sync()
}

// TestBinaryBoardClassification: with --sync-board-classification every
// board's profile carries exactly the simulator's label, for one call per
// board plus one for the org; the flag needs --sync-boards.
func TestBinaryBoardClassification(t *testing.T) {
	sim, org := startSim(t, mirosim.GenOptions{Seed: 9, Users: 150, Teams: 8, Groups: 3, Boards: true, Classification: true},
		mirosim.Options{Token: goodToken, Credits: -1})
	out := filepath.Join(t.TempDir(), "sync.c1z")
	res := run(t, 3*time.Minute, envFor(goodToken, ""), append(simArgs(sim), "-f", out, "--sync-boards", "--sync-board-classification")...)
	if res.exitCode != 0 {
		t.Fatalf("exit %d\n%s", res.exitCode, tail(res.stderr))
	}
	got, err := synctest.Read(context.Background(), out)
	if err != nil {
		t.Fatal(err)
	}
	if diff := simtest.Expect(org).Diff(got); diff != "" {
		t.Fatalf("c1z differs from the simulated org:\n%s", diff)
	}
	labels := map[string]mirosim.ClassificationLabel{}
	for _, l := range org.Classification.Labels {
		labels[l.ID] = l
	}
	classified := 0
	for _, bd := range org.Boards {
		f := got.Resources["board"][bd.ID].GetProfile().GetFields()
		want := map[string]string{"classified": fmt.Sprint(bd.LabelID != "")}
		if l, ok := labels[bd.LabelID]; ok {
			classified++
			want["classification_label_id"], want["classification_label"] = l.ID, l.Name
			want["classification_sharing_recommendation"] = l.SharingRecommendation
		}
		have := map[string]string{}
		for k, v := range f {
			if strings.HasPrefix(k, "classifi") {
				have[k] = profileString(v)
			}
		}
		if fmt.Sprint(have) != fmt.Sprint(want) {
			t.Errorf("board %s: %v, want %v", bd.ID, have, want)
		}
	}
	if classified == 0 || classified == len(org.Boards) {
		t.Fatalf("%d of %d boards classified: the fixture does not cover both", classified, len(org.Boards))
	}
	if sim.Count("get_board_classification") != len(org.Boards) || sim.Count("get_classification_settings") != 1 {
		t.Errorf("%d board calls for %d boards, %d settings calls", sim.Count("get_board_classification"), len(org.Boards),
			sim.Count("get_classification_settings"))
	}

	res = run(t, time.Minute, envFor(goodToken, ""), append(simArgs(sim), "-f", out, "--sync-board-classification")...)
	if res.exitCode == 0 || !strings.Contains(res.stderr+res.stdout, "sync-boards") {
		t.Errorf("--sync-board-classification without --sync-boards: exit %d\n%s", res.exitCode, tail(res.stderr))
	}
}

func profileString(v *structpb.Value) string {
	if _, ok := v.GetKind().(*structpb.Value_BoolValue); ok {
		return fmt.Sprint(v.GetBoolValue())
	}
	return v.GetStringValue()
}

// TestServiceBoardAccess: in service mode a grant and a revoke task of a
// board share with a user group change the simulator, each run twice.
func TestServiceBoardAccess(t *testing.T) {
	sim := mirosim.New(boardAccessOrg(), mirosim.Options{Token: goodToken, Credits: -1})
	if _, err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	c1 := newC1(t, c1sim.Options{})
	s := startService(t, c1, sim, "", "BATON_PROVISIONING=true", "BATON_SYNC_BOARDS=true")
	c := s.sync()
	entID := "project:" + bProjectA + ":editor"
	ent, group := c.Entitlements[entID], c.Resources["user_group"][bGroup]
	if ent == nil || group == nil {
		t.Fatalf("the sync lacks %s or user group %s", entID, bGroup)
	}
	for i := range 2 {
		if st := s.await(c1.Enqueue(c1sim.Grant(ent, group)), 2*time.Minute); st.Status != c1sim.Succeeded {
			t.Fatalf("grant #%d: %s %v %q", i+1, st.Status, st.Code, st.Message)
		}
	}
	shared := func() string {
		for _, p := range sim.Org().Projects {
			for _, g := range p.Groups {
				if p.ID == bProjectA && g.GroupID == bGroup {
					return g.Role
				}
			}
		}
		return ""
	}
	if got, n := shared(), sim.Count("share_project_groups"); got != "EDITOR" || n != 1 {
		t.Fatalf("after two grant tasks the group is %q of the project, %d shares", got, n)
	}
	g := s.sync().Grants[synctest.GrantKey(entID, "user_group", bGroup)]
	if g == nil {
		t.Fatalf("the sync after the grant lacks it")
	}
	for i := range 2 {
		if st := s.await(c1.Enqueue(c1sim.Revoke(g)), 2*time.Minute); st.Status != c1sim.Succeeded {
			t.Fatalf("revoke #%d: %s %v %q", i+1, st.Status, st.Code, st.Message)
		}
	}
	if got, n := shared(), sim.Count("unshare_project_group"); got != "" || n != 1 {
		t.Fatalf("after two revoke tasks the group is %q, %d removals", got, n)
	}
	if c := s.sync(); c.Grants[synctest.GrantKey(entID, "user_group", bGroup)] != nil || c.Grants[synctest.GrantKey(entID, "user", pAlice)] != nil {
		t.Fatalf("the sync after the revoke still has the share")
	}
}
