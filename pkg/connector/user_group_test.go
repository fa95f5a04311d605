package connector_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	sdksync "github.com/conductorone/baton-sdk/pkg/sync"
	ent "github.com/conductorone/baton-sdk/pkg/types/entitlement"
	"github.com/conductorone/baton-sdk/pkg/types/grant"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/internal/simtest"
	"github.com/conductorone/baton-miro/internal/synctest"
	"github.com/conductorone/baton-miro/pkg/connector"
)

// groupRoutes are the simulator routes of the user-group part of a sync.
var groupRoutes = []string{"list_groups", "list_group_members", "list_team_groups"}

// TestSyncUserGroups syncs an org with 150 user groups (two pages of groups,
// a group past one 100-member page, empty groups, groups attached to one to
// three teams) with one and four workers. The c1z must hold every group, one
// member grant per member, a team-role grant per attached group, and the
// expanded grants the SDK derives from them: a team member through a group
// only gets a new grant whose source is the group's member entitlement; a
// direct member's own grant gains the group as a second source. The API calls
// must equal the budget exactly.
func TestSyncUserGroups(t *testing.T) {
	for _, workers := range []int{1, 4} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			ctx, cancel := syncContext(t)
			defer cancel()
			sim, org := startSim(t, mirosim.GenOptions{Seed: 77, Users: 1200, Teams: 60, Groups: 150}, mirosim.Options{Credits: -1})
			requireGroupSkew(t, org)

			got, err := simtest.SyncAndRead(ctx, sim, simToken, filepath.Join(t.TempDir(), "sync.c1z"), workers)
			if err != nil {
				t.Fatalf("sync: %v", err)
			}
			want := simtest.Expect(org)
			if diff := want.Diff(got); diff != "" {
				t.Fatalf("c1z differs from the simulated org:\n%s", diff)
			}
			requireExpansion(t, got, want)
			requireBudget(t, sim, org)
			logPart(t, sim, org, simtest.DefaultParts(org), groupRoutes)
		})
	}
}

// requireGroupSkew checks that the generated org exercises what the test is about.
func requireGroupSkew(t *testing.T, org *mirosim.Org) {
	t.Helper()
	over100, empty, attached := 0, 0, 0
	for _, g := range org.Groups {
		switch n := len(g.MemberIDs); {
		case n > 100:
			over100++
		case n == 0:
			empty++
		}
		if len(g.TeamIDs) > 0 && len(g.MemberIDs) > 0 {
			attached++
		}
	}
	if len(org.Groups) <= 100 || over100 == 0 || empty == 0 || attached == 0 {
		t.Fatalf("generated org lacks skew: %d groups, %d over 100 members, %d empty, %d attached with members",
			len(org.Groups), over100, empty, attached)
	}
}

// requireExpansion checks the shape of expanded grants beyond the key sets:
// both kinds occur, inherited-only grants are immutable, and every grant to a
// group carries the GrantExpandable annotation naming the group's member entitlement.
func requireExpansion(t *testing.T, got *synctest.Contents, want *simtest.Expected) {
	t.Helper()
	inheritedOnly, merged := 0, 0
	for k, srcs := range want.Sources {
		g := got.Grants[k]
		if slices.Contains(srcs, g.GetEntitlement().GetId()) {
			merged++
			continue
		}
		inheritedOnly++
		if !annosOf(g.GetAnnotations()).Contains(&v2.GrantImmutable{}) {
			t.Errorf("inherited grant %s is not marked immutable", k)
		}
	}
	if inheritedOnly == 0 || merged == 0 {
		t.Errorf("expansion produced %d inherited-only and %d direct+inherited grants; the org should give both", inheritedOnly, merged)
	}
	links := 0
	for k, g := range got.Grants {
		if g.GetPrincipal().GetId().GetResourceType() != "user_group" {
			continue
		}
		links++
		exp := &v2.GrantExpandable{}
		if ok, err := annosOf(g.GetAnnotations()).Pick(exp); err != nil || !ok {
			t.Errorf("grant %s to a group lacks GrantExpandable (%v)", k, err)
			continue
		}
		wantEnt := "user_group:" + g.GetPrincipal().GetId().GetResource() + ":member"
		if !slices.Equal(exp.GetEntitlementIds(), []string{wantEnt}) {
			t.Errorf("grant %s expands %v, want [%s]", k, exp.GetEntitlementIds(), wantEnt)
		}
	}
	t.Logf("%d team-group links; expansion: %d inherited-only grants, %d direct grants with a group source", links, inheritedOnly, merged)
}

// logPart reports the calls of one part of the sync against its minimum.
func logPart(t *testing.T, sim *mirosim.Server, org *mirosim.Org, parts simtest.Parts, routes []string) {
	t.Helper()
	budget := simtest.MinCallsParts(org, parts)
	var b strings.Builder
	for _, r := range routes {
		fmt.Fprintf(&b, " %s %d (min %d)", r, sim.Count(r), budget[r])
	}
	t.Logf("calls:%s; whole sync %d calls", b.String(), sim.TotalCount())
}

// TestSyncGroupsScopeMissing: a token without organizations:groups:read gets
// a full sync without user groups, not a failed one: one refused call, one
// warning, no group resources and no team-group links, and nothing else
// changes.
func TestSyncGroupsScopeMissing(t *testing.T) {
	scopes := []string{"organizations:read", "organizations:teams:read", "organizations:teams:write", "boards:read", "projects:read"}
	for _, workers := range []int{1, 4} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			ctx, cancel := syncContext(t)
			defer cancel()
			sim, org := startSim(t, mirosim.GenOptions{Seed: 78, Users: 500, Teams: 30, Groups: 40},
				mirosim.Options{Credits: -1, Scopes: scopes})
			conn, _, err := simtest.NewConnectorWith(sim, simToken, []connector.Option{connector.WithWorkers(workers)})
			if err != nil {
				t.Fatal(err)
			}
			core, logs := observer.New(zapcore.WarnLevel)
			path := filepath.Join(t.TempDir(), "sync.c1z")
			if err := synctest.SyncLogged(ctx, conn, path, workers, zap.New(core)); err != nil {
				t.Fatalf("sync without the groups scope failed: %v", err)
			}
			got, err := synctest.Read(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			parts := simtest.Parts{GroupsRefused: true}
			if diff := simtest.ExpectParts(org, parts).Diff(got); diff != "" {
				t.Fatalf("c1z differs from the org without groups:\n%s", diff)
			}
			want, counts := simtest.MinCallsParts(org, parts), sim.Counts()
			for _, r := range synctest.SortedKeys(merge(want, counts)) {
				if want[r] != counts[r] {
					t.Errorf("route %s: %d calls, budget %d", r, counts[r], want[r])
				}
			}
			warnings := logs.FilterMessageSnippet("user groups").All()
			if len(warnings) != 1 {
				t.Errorf("%d warnings about user groups, want exactly one: %v", len(warnings), warnings)
			} else {
				t.Logf("warning: %s", warnings[0].Message)
			}
		})
	}
}

func merge(a, b map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range a {
		out[k] += v
	}
	for k, v := range b {
		out[k] += v
	}
	return out
}

// TestTargetedSyncUserGroup: refreshing one user group costs the token
// context, the organization, the group and its member pages, nothing else,
// and yields the group with its member grants.
func TestTargetedSyncUserGroup(t *testing.T) {
	gen := mirosim.GenOptions{Seed: 79, Users: 1500, Teams: 30, Groups: 20}
	org := mirosim.Generate(gen)
	var big mirosim.Group
	for _, g := range org.Groups {
		if len(g.MemberIDs) > len(big.MemberIDs) {
			big = g
		}
	}
	if len(big.MemberIDs) <= 100 {
		t.Fatalf("largest group has %d members; want more than a page", len(big.MemberIDs))
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sim, _ := startSim(t, gen, mirosim.Options{Credits: -1})
	conn, _, err := simtest.NewConnector(sim, simToken)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "sync.c1z")
	target := v2.Resource_builder{Id: v2.ResourceId_builder{ResourceType: "user_group", Resource: big.ID}.Build()}.Build()
	if err := synctest.Sync(ctx, conn, path, 1, sdksync.WithTargetedSyncResources([]*v2.Resource{target})); err != nil {
		t.Fatalf("targeted sync: %v", err)
	}
	c1z, err := synctest.Read(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if r := c1z.Resources["user_group"][big.ID]; r == nil || r.GetDisplayName() != big.Name {
		t.Errorf("the targeted group is not in the c1z with its name: %v", r)
	}
	for _, uid := range big.MemberIDs {
		if c1z.Grants[synctest.GrantKey("user_group:"+big.ID+":member", "user", uid)] == nil {
			t.Errorf("member %s of the targeted group has no grant", uid)
		}
	}
	if len(c1z.Grants) != len(big.MemberIDs) {
		t.Errorf("%d grants, want %d", len(c1z.Grants), len(big.MemberIDs))
	}
	wantCalls := map[string]int{"oauth_token": 1, "get_org": 1, "get_group": 1, "list_group_members": (len(big.MemberIDs) + 99) / 100}
	got := sim.Counts()
	for _, r := range synctest.SortedKeys(merge(wantCalls, got)) {
		if wantCalls[r] != got[r] {
			t.Errorf("route %s: %d calls, want %d", r, got[r], wantCalls[r])
		}
	}
	t.Logf("targeted user_group sync: %v", got)
}

// TestGroupMemberProvisioning adds a user to a group and removes them, each
// twice: the second time succeeds too, reporting that nothing was left to do,
// and the simulator's org shows exactly the change. A full sync afterwards
// shows the new membership and, through the group's team, the inherited team
// access.
func TestGroupMemberProvisioning(t *testing.T) {
	ctx, cancel := syncContext(t)
	defer cancel()
	sim, org := startSim(t, mirosim.GenOptions{Seed: 80, Users: 300, Teams: 12, Groups: 10}, mirosim.Options{Credits: -1})
	var group mirosim.Group
	for _, g := range org.Groups {
		if len(g.TeamIDs) > 0 && len(g.MemberIDs) > 0 {
			group = g
			break
		}
	}
	if group.ID == "" {
		t.Fatal("no group with members is attached to a team")
	}
	var newcomer string
	for _, m := range org.Members {
		if m.Active && m.Role == "organization_internal_user" && !slices.Contains(group.MemberIDs, m.ID) {
			newcomer = m.ID
			break
		}
	}
	conn, _, err := simtest.NewConnector(sim, simToken)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := connectorbuilder.NewConnector(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.OrgID(ctx); err != nil { // once per connector; not part of what a grant costs
		t.Fatal(err)
	}
	member := ent.NewAssignmentEntitlement(ugResource("user_group", group.ID), "member")
	grantTo := func(userID string) (*v2.GrantManagerServiceGrantResponse, error) {
		return srv.Grant(ctx, v2.GrantManagerServiceGrantRequest_builder{Entitlement: member, Principal: ugResource("user", userID)}.Build())
	}
	revokeFrom := func(userID string) (*v2.GrantManagerServiceRevokeResponse, error) {
		return srv.Revoke(ctx, v2.GrantManagerServiceRevokeRequest_builder{Grant: v2.Grant_builder{
			Id: grant.UnknownGrantId, Entitlement: member, Principal: ugResource("user", userID)}.Build()}.Build())
	}
	inGroup := func() bool { return slices.Contains(groupMembers(sim, group.ID), newcomer) }

	for i, wantAlready := range []bool{false, true} {
		before := sim.Counts()
		resp, err := grantTo(newcomer)
		if err != nil {
			t.Fatalf("grant #%d: %v", i+1, err)
		}
		wantID := "user_group:" + group.ID + ":member:user:" + newcomer
		if len(resp.GetGrants()) != 1 || resp.GetGrants()[0].GetId() != wantID {
			t.Errorf("grant #%d returned %v, want one grant %s", i+1, resp.GetGrants(), wantID)
		}
		if got := annosOf(resp.GetAnnotations()).Contains(&v2.GrantAlreadyExists{}); got != wantAlready {
			t.Errorf("grant #%d: GrantAlreadyExists = %v, want %v", i+1, got, wantAlready)
		}
		if !inGroup() {
			t.Fatalf("after grant #%d the user is not in the group", i+1)
		}
		if d := delta(before, sim.Counts()); d["add_group_member"] != 1 || d["get_member"] != 1 || len(d) != 2 {
			t.Errorf("grant #%d calls: %v, want one member read and one add", i+1, d)
		}
	}
	c1z := syncWithGroups(ctx, t, sim)
	if c1z.Grants[synctest.GrantKey("user_group:"+group.ID+":member", "user", newcomer)] == nil {
		t.Errorf("the new membership is not in the c1z")
	}
	for _, tid := range group.TeamIDs {
		if c1z.Grants[synctest.GrantKey("team:"+tid+":member", "user", newcomer)] == nil {
			t.Errorf("the new group member did not inherit the member role of team %s", tid)
		}
	}

	for i, wantAlready := range []bool{false, true} {
		before := sim.Counts()
		resp, err := revokeFrom(newcomer)
		if err != nil {
			t.Fatalf("revoke #%d: %v", i+1, err)
		}
		if got := annosOf(resp.GetAnnotations()).Contains(&v2.GrantAlreadyRevoked{}); got != wantAlready {
			t.Errorf("revoke #%d: GrantAlreadyRevoked = %v, want %v", i+1, got, wantAlready)
		}
		if inGroup() {
			t.Fatalf("after revoke #%d the user is still in the group", i+1)
		}
		if d := delta(before, sim.Counts()); d["remove_group_member"] != 1 || len(d) != 1 {
			t.Errorf("revoke #%d calls: %v, want one remove", i+1, d)
		}
	}
	after := sim.Org()
	if diff := simtest.Expect(after).Diff(syncWithGroups(ctx, t, sim)); diff != "" {
		t.Fatalf("c1z differs from the org after provisioning:\n%s", diff)
	}
	if len(after.Groups) != len(org.Groups) {
		t.Fatalf("provisioning changed the number of groups")
	}
	for i := range org.Groups {
		if !slices.Equal(after.Groups[i].MemberIDs, org.Groups[i].MemberIDs) {
			t.Errorf("group %s members changed: a grant and a revoke should leave it as it was", org.Groups[i].ID)
		}
	}

	// Refusals: a wrong slug, a stranger, and a token without the write scope.
	before := sim.Counts()
	_, err = srv.Grant(ctx, v2.GrantManagerServiceGrantRequest_builder{
		Entitlement: ent.NewAssignmentEntitlement(ugResource("user_group", group.ID), "admin"), Principal: ugResource("user", newcomer)}.Build())
	requireCode(t, err, codes.InvalidArgument, "admin")
	if d := delta(before, sim.Counts()); len(d) != 0 {
		t.Errorf("a refused slug made calls: %v", d)
	}
	_, err = grantTo("3458764599999999999")
	requireCode(t, err, codes.NotFound, "not a member of the Miro organization")
	sim.SetOptions(func(o *mirosim.Options) {
		o.Scopes = []string{"organizations:read", "organizations:teams:read", "organizations:groups:read"}
	})
	_, err = grantTo(newcomer)
	requireCode(t, err, codes.PermissionDenied, "organizations:groups:write")
	_, err = revokeFrom(group.MemberIDs[0])
	requireCode(t, err, codes.PermissionDenied, "organizations:groups:write")
	if !slices.Equal(groupMembers(sim, group.ID), group.MemberIDs) {
		t.Errorf("a refused change changed the group")
	}
}

func syncWithGroups(ctx context.Context, t *testing.T, sim *mirosim.Server) *synctest.Contents {
	t.Helper()
	got, err := simtest.SyncAndRead(ctx, sim, simToken, filepath.Join(t.TempDir(), "sync.c1z"), 2)
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	return got
}

func groupMembers(sim *mirosim.Server, groupID string) []string {
	for _, g := range sim.Org().Groups {
		if g.ID == groupID {
			return g.MemberIDs
		}
	}
	return nil
}

func annosOf(a []*anypb.Any) *annotations.Annotations {
	annos := annotations.Annotations(a)
	return &annos
}

func ugResource(typ, id string) *v2.Resource {
	return v2.Resource_builder{Id: v2.ResourceId_builder{ResourceType: typ, Resource: id}.Build()}.Build()
}

func delta(before, after map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range after {
		if d := v - before[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}

func requireCode(t *testing.T, err error, code codes.Code, phrase string) {
	t.Helper()
	if err == nil {
		t.Errorf("succeeded, want %v", code)
		return
	}
	if got := status.Code(err); got != code {
		t.Errorf("code %v, want %v: %v", got, code, err)
	}
	if !strings.Contains(err.Error(), phrase) {
		t.Errorf("error does not mention %q: %v", phrase, err)
	}
}

// TestHarnessRefusesTwoWorkerCounts: the in-process harness refuses a
// connector built for another worker count than the sync runs, which the
// binary never does (main passes one count to both).
func TestHarnessRefusesTwoWorkerCounts(t *testing.T) {
	ctx, cancel := syncContext(t)
	defer cancel()
	sim, _ := startSim(t, mirosim.GenOptions{Seed: 78, Users: 20, Teams: 2}, mirosim.Options{Credits: -1})
	conn, _, err := simtest.NewConnectorWith(sim, simToken, []connector.Option{connector.WithWorkers(1)})
	if err != nil {
		t.Fatal(err)
	}
	err = synctest.Sync(ctx, conn, filepath.Join(t.TempDir(), "sync.c1z"), 4)
	if err == nil || !strings.Contains(err.Error(), "connector.WithWorkers(4)") {
		t.Fatalf("a sync with 4 workers of a connector built for 1: %v, want the harness to refuse it", err)
	}
	if n := sim.TotalCount(); n != 0 {
		t.Errorf("%d Miro calls before refusing", n)
	}
}
