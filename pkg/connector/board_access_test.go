package connector_test

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/conductorone/baton-sdk/pkg/types"
	ent "github.com/conductorone/baton-sdk/pkg/types/entitlement"
	"github.com/conductorone/baton-sdk/pkg/types/grant"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/internal/simtest"
	"github.com/conductorone/baton-miro/internal/synctest"
	"github.com/conductorone/baton-miro/pkg/connector"
)

// The board access fixture: the provisioning org (admin1, the token's user,
// without Content Admin here) with two user groups, a board of team A
// (admin1 owner, bob editor), a private board of team A the token's user
// cannot reach (bob owner), a board of team B, which allows no non-team
// collaborators (admin2 owner), and a project of team A (admin1 owner, bob
// viewer).
const (
	boardA   = "uXjVA1b2c3d="
	boardP   = "uXjVPr1v4te="
	boardB   = "uXjVB7e7a9x="
	projectA = "3074457348000000001"
	group1   = "3074457347000000001" // alice, bob
	group2   = "3074457347000000002" // admin2
)

func accessOrg() *mirosim.Org {
	org := provisioningOrg()
	org.Members[0].AdminRoles = nil
	ts := mirosim.DefaultTeamSettings()
	ts.InviteExternalUsers = "not_allowed"
	org.TeamSettings = map[string]mirosim.TeamSettings{teamB: ts}
	org.Groups = []mirosim.Group{{ID: group1, Name: "Designers", MemberIDs: []string{alice, bob}},
		{ID: group2, Name: "Beta admins", MemberIDs: []string{admin2}}}
	open := mirosim.BoardPolicy{TeamAccess: "edit", OrganizationAccess: "view", Access: "private"}
	closed := mirosim.BoardPolicy{TeamAccess: "private", OrganizationAccess: "private", Access: "private"}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	org.Boards = []mirosim.Board{
		{ID: boardA, Name: "Roadmap", TeamID: teamA, OwnerID: admin1, Policy: open, CreatedAt: at, ModifiedAt: at,
			Members: []mirosim.BoardMember{{UserID: admin1, Role: "owner"}, {UserID: bob, Role: "editor"}}},
		{ID: boardP, Name: "Secret", TeamID: teamA, OwnerID: bob, Policy: closed, CreatedAt: at, ModifiedAt: at,
			Members: []mirosim.BoardMember{{UserID: bob, Role: "owner"}}},
		{ID: boardB, Name: "Beta board", TeamID: teamB, OwnerID: admin2, Policy: open, CreatedAt: at, ModifiedAt: at,
			Members: []mirosim.BoardMember{{UserID: admin2, Role: "owner"}}},
	}
	org.Projects = []mirosim.Project{{ID: projectA, Name: "Launch", TeamID: teamA,
		Members: []mirosim.ProjectMember{{UserID: admin1, Role: "owner"}, {UserID: bob, Role: "viewer"}}}}
	return org
}

type accessEnv struct {
	t    *testing.T
	ctx  context.Context
	sim  *mirosim.Server
	conn *connector.Connector
	srv  types.ConnectorServer
}

func newAccessEnv(t *testing.T, so mirosim.Options) *accessEnv {
	t.Helper()
	ctx, cancel := syncContext(t)
	t.Cleanup(cancel)
	so.Token, so.Credits = simToken, -1
	sim := mirosim.New(accessOrg(), so)
	if _, err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	conn, _, err := simtest.NewConnectorWith(sim, simToken, []connector.Option{connector.WithSyncBoards(true)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.OrgID(ctx); err != nil { // the org id is read once per token; keep it out of the counts
		t.Fatal(err)
	}
	srv, err := connectorbuilder.NewConnector(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	return &accessEnv{t: t, ctx: ctx, sim: sim, conn: conn, srv: srv}
}

// accessEntitlement is a board or project role entitlement as a sync stores
// it: a project's resource names its team as the parent.
func accessEntitlement(typ, id, slug string) *v2.Entitlement {
	r := resourceOf(typ, id)
	if typ == "project" {
		r.SetParentResourceId(v2.ResourceId_builder{ResourceType: "team", Resource: teamA}.Build())
	}
	return ent.NewAssignmentEntitlement(r, slug)
}

// access names one change: a role of a board or project, and a user or user group.
type access struct{ typ, id, slug, ptype, pid string }

func (a access) grantID() string {
	return a.typ + ":" + a.id + ":" + a.slug + ":" + a.ptype + ":" + a.pid
}

func (a access) String() string { return a.grantID() }

func (e *accessEnv) grant(a access) (*v2.GrantManagerServiceGrantResponse, error) {
	return e.srv.Grant(e.ctx, v2.GrantManagerServiceGrantRequest_builder{
		Entitlement: accessEntitlement(a.typ, a.id, a.slug), Principal: resourceOf(a.ptype, a.pid)}.Build())
}

func (e *accessEnv) revoke(a access) (*v2.GrantManagerServiceRevokeResponse, error) {
	return e.srv.Revoke(e.ctx, v2.GrantManagerServiceRevokeRequest_builder{Grant: v2.Grant_builder{
		Id: grant.UnknownGrantId, Entitlement: accessEntitlement(a.typ, a.id, a.slug), Principal: resourceOf(a.ptype, a.pid)}.Build()}.Build())
}

func (e *accessEnv) sync(opts ...connector.Option) *synctest.Contents {
	e.t.Helper()
	got, err := simtest.SyncAndReadWith(e.ctx, e.sim, simToken, filepath.Join(e.t.TempDir(), "sync.c1z"), 2,
		append([]connector.Option{connector.WithSyncBoards(true)}, opts...))
	if err != nil {
		e.t.Fatalf("sync: %v", err)
	}
	if diff := simtest.Expect(e.sim.Org()).Diff(got); diff != "" {
		e.t.Fatalf("c1z differs from the simulated org:\n%s", diff)
	}
	return got
}

// held is what the simulator says the principal of a holds on its board or project.
func held(org *mirosim.Org, a access) string {
	switch {
	case a.ptype == "user_group":
		return org.ShareRole(a.typ, a.id, a.pid)
	case a.typ == "board":
		return org.BoardRole(a.id, a.pid)
	default:
		return org.ProjectRole(a.id, a.pid)
	}
}

// TestAccessCallCounts grants and revokes a board role, a project role and a
// board and project group share, each applied and then repeated, and checks
// after every step the simulator's state, the SDK annotations, the exact calls
// per route and the credits; the sync at the end equals the simulator. The
// logged table is the closing note's figures.
func TestAccessCallCounts(t *testing.T) {
	e := newAccessEnv(t, mirosim.Options{})
	const (
		grantOp  = "grant"
		revokeOp = "revoke"
	)
	type step struct {
		op      string
		a       access
		want    string         // role held afterwards ("" = none)
		anno    string         // GrantAlreadyExists, GrantAlreadyRevoked, or "" (a write)
		calls   map[string]int // calls per route
		replace string         // the grant id reported replaced
		check   func(*v2.Grant) error
	}
	boardU := func(slug string) access { return access{"board", boardA, slug, "user", alice} }
	projU := func(slug string) access { return access{"project", projectA, slug, "user", alice} }
	boardG := func(slug string) access { return access{"board", boardA, slug, "user_group", group1} }
	projG := func(slug string) access { return access{"project", projectA, slug, "user_group", group1} }
	expandable := func(g *v2.Grant) error {
		ge := &v2.GrantExpandable{}
		annos := annotations.Annotations(g.GetAnnotations())
		if ok, err := annos.Pick(ge); err != nil || !ok ||
			!slices.Equal(ge.GetEntitlementIds(), []string{"user_group:" + group1 + ":member"}) {
			return fmt.Errorf("a group share grant is not expandable to the group's members: %v", g.GetAnnotations())
		}
		return nil
	}
	steps := []step{
		{grantOp, boardU("editor"), "editor", "", map[string]int{"get_board_member": 1, "get_member": 1, "share_board": 1}, "", nil},
		{grantOp, boardU("editor"), "editor", "GrantAlreadyExists", map[string]int{"get_board_member": 1}, "", nil},
		{grantOp, boardU("commenter"), "commenter", "", map[string]int{"get_board_member": 1, "update_board_member": 1}, boardU("editor").grantID(), nil},
		{revokeOp, boardU("editor"), "commenter", "GrantAlreadyRevoked", map[string]int{"get_board_member": 1}, "", nil},
		{revokeOp, boardU("commenter"), "", "", map[string]int{"get_board_member": 1, "remove_board_member": 1}, "", nil},
		{revokeOp, boardU("commenter"), "", "GrantAlreadyRevoked", map[string]int{"get_board_member": 1}, "", nil},

		{grantOp, projU("editor"), "editor", "", map[string]int{"get_project_member": 1, "get_member": 1, "add_project_member": 1}, "", nil},
		{grantOp, projU("editor"), "editor", "GrantAlreadyExists", map[string]int{"get_project_member": 1}, "", nil},
		{grantOp, projU("commentator"), "commentator", "", map[string]int{"get_project_member": 1, "update_project_member": 1}, projU("editor").grantID(), nil},
		{revokeOp, projU("commentator"), "", "", map[string]int{"get_project_member": 1, "remove_project_member": 1}, "", nil},
		{revokeOp, projU("commentator"), "", "GrantAlreadyRevoked", map[string]int{"get_project_member": 1}, "", nil},

		{grantOp, boardG("viewer"), "VIEWER", "", map[string]int{"list_board_groups": 1, "share_board_groups": 1}, "", expandable},
		{grantOp, boardG("viewer"), "VIEWER", "GrantAlreadyExists", map[string]int{"list_board_groups": 1}, "", expandable},
		{grantOp, boardG("editor"), "EDITOR", "", map[string]int{"list_board_groups": 1, "share_board_groups": 1}, boardG("viewer").grantID(), expandable},
		{revokeOp, boardG("editor"), "", "", map[string]int{"list_board_groups": 1, "unshare_board_group": 1}, "", nil},
		{revokeOp, boardG("editor"), "", "GrantAlreadyRevoked", map[string]int{"list_board_groups": 1}, "", nil},

		{grantOp, projG("commentator"), "COMMENTER", "", map[string]int{"list_project_groups": 1, "share_project_groups": 1}, "", expandable},
		{grantOp, projG("commentator"), "COMMENTER", "GrantAlreadyExists", map[string]int{"list_project_groups": 1}, "", expandable},
		{revokeOp, projG("commentator"), "", "", map[string]int{"list_project_groups": 1, "unshare_project_group": 1}, "", nil},
		{revokeOp, projG("commentator"), "", "GrantAlreadyRevoked", map[string]int{"list_project_groups": 1}, "", nil},
	}
	var table strings.Builder
	for i, s := range steps {
		before, spent := e.sim.Counts(), e.sim.CreditsSpent()
		var annos annotations.Annotations
		var grants []*v2.Grant
		var err error
		if s.op == grantOp {
			var resp *v2.GrantManagerServiceGrantResponse
			if resp, err = e.grant(s.a); err == nil {
				annos, grants = resp.GetAnnotations(), resp.GetGrants()
			}
		} else {
			var resp *v2.GrantManagerServiceRevokeResponse
			if resp, err = e.revoke(s.a); err == nil {
				annos = resp.GetAnnotations()
			}
		}
		if err != nil {
			t.Fatalf("step %d, %s %s: %v", i+1, s.op, s.a, err)
		}
		calls := map[string]int{}
		for r, n := range e.sim.Counts() {
			if d := n - before[r]; d != 0 {
				calls[r] = d
			}
		}
		credits := e.sim.CreditsSpent() - spent
		wantCredits := 0
		for r, n := range s.calls {
			wantCredits += n * mirosim.CreditsFor(r)
		}
		fmt.Fprintf(&table, "%-7s %-58s %-20s %2d calls %5d credits  %v\n", s.op, s.a, s.anno, total(calls), credits, routes(calls))
		if !maps.Equal(calls, s.calls) || credits != wantCredits {
			t.Errorf("step %d, %s %s: calls %v (%d credits), want %v (%d credits)", i+1, s.op, s.a, calls, credits, s.calls, wantCredits)
		}
		if got := held(e.sim.Org(), s.a); got != s.want {
			t.Errorf("step %d, %s %s: the simulator holds %q, want %q", i+1, s.op, s.a, got, s.want)
		}
		names := annotationNames(annos)
		if s.anno != "" && !slices.Contains(names, "c1.connector.v2."+s.anno) {
			t.Errorf("step %d, %s %s: annotations %v lack %s", i+1, s.op, s.a, names, s.anno)
		}
		for _, n := range []string{"GrantAlreadyExists", "GrantAlreadyRevoked"} {
			if n != s.anno && slices.Contains(names, "c1.connector.v2."+n) {
				t.Errorf("step %d, %s %s: annotations %v hold %s", i+1, s.op, s.a, names, n)
			}
		}
		var want []string
		if s.replace != "" {
			want = []string{s.replace}
		}
		if got := replacedIDs(t, annos); !slices.Equal(got, want) {
			t.Errorf("step %d, %s %s: replaced %v, want %v", i+1, s.op, s.a, got, want)
		}
		if s.op == grantOp {
			if len(grants) != 1 || grants[0].GetId() != s.a.grantID() {
				t.Errorf("step %d: granted %v, want %s", i+1, grants, s.a.grantID())
			} else if s.check != nil {
				if err := s.check(grants[0]); err != nil {
					t.Errorf("step %d: %v", i+1, err)
				}
			}
		}
		if i == 13 { // the board shared with group 1 as editor: its members hold it by expansion
			c := e.sync()
			for _, uid := range []string{alice, bob} {
				if c.Grants[synctest.GrantKey("board:"+boardA+":editor", "user", uid)] == nil {
					t.Errorf("after the group share the sync lacks board editor for %s", uid)
				}
			}
		}
	}
	t.Logf("calls and credits of each change (deterministic):\n%s", table.String())
	e.sync()
}

func routes(m map[string]int) string {
	var out []string
	for _, k := range synctest.SortedKeys(m) {
		out = append(out, fmt.Sprintf("%s×%d", k, m[k]))
	}
	return strings.Join(out, " ")
}

// TestAccessRefusedBeforeAnyCall: what Miro cannot do is refused with a clear
// message before any call.
func TestAccessRefusedBeforeAnyCall(t *testing.T) {
	e := newAccessEnv(t, mirosim.Options{})
	cases := []struct {
		name   string
		revoke bool
		a      access
		code   codes.Code
		says   []string
	}{
		{"board owner", false, access{"board", boardA, "owner", "user", alice}, codes.FailedPrecondition, []string{"no ownership transfer", boardA}},
		{"project owner", false, access{"project", projectA, "owner", "user", alice}, codes.FailedPrecondition, []string{"no ownership transfer", projectA}},
		{"board owner to a group", false, access{"board", boardA, "owner", "user_group", group1}, codes.FailedPrecondition, []string{"no ownership transfer"}},
		{"revoking the board owner", true, access{"board", boardA, "owner", "user", admin1}, codes.FailedPrecondition, []string{"no ownership transfer"}},
		{"revoking the project owner", true, access{"project", projectA, "owner", "user", admin1}, codes.FailedPrecondition, []string{"no ownership transfer"}},
		{"board co-owner to a group", false, access{"board", boardA, "coowner", "user_group", group1}, codes.InvalidArgument, []string{"viewer, commenter or editor only"}},
		{"project co-owner to a group", false, access{"project", projectA, "coowner", "user_group", group1}, codes.InvalidArgument, []string{"viewer, commentator or editor only"}},
		{"board commentator (a project role)", false, access{"board", boardA, "commentator", "user", alice}, codes.InvalidArgument, []string{`"commentator" is not a Miro board role`}},
		{"project commenter (a board role)", false, access{"project", projectA, "commenter", "user", alice}, codes.InvalidArgument, []string{`"commenter" is not a Miro project role`}},
		{"a team as principal", false, access{"board", boardA, "editor", "team", teamA}, codes.InvalidArgument, []string{"must be a Miro user or user group, not \"team\""}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			calls := e.sim.TotalCount()
			var err error
			if c.revoke {
				_, err = e.revoke(c.a)
			} else {
				_, err = e.grant(c.a)
			}
			if status.Code(err) != c.code {
				t.Fatalf("%v, want %v", err, c.code)
			}
			for _, s := range c.says {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("%v does not say %q", err, s)
				}
			}
			if n := e.sim.TotalCount() - calls; n != 0 {
				t.Errorf("%d calls before the refusal: %v", n, e.sim.Counts())
			}
		})
	}
}

// TestAccessRefusedByMiro: a share Miro refuses is an error naming the board
// and Miro's reason, never a success; so are the owner's role, a private
// board and a missing write scope.
func TestAccessRefusedByMiro(t *testing.T) {
	e := newAccessEnv(t, mirosim.Options{})
	cases := []struct {
		name   string
		revoke bool
		a      access
		code   codes.Code
		says   []string
	}{
		{"non-team user on a team that forbids them", false, access{"board", boardB, "viewer", "user", alice}, codes.FailedPrecondition,
			[]string{"Miro refused to share board " + boardB + " with alice@example.com", "NON_TEAM_COLLABORATORS_NOT_ALLOWED"}},
		{"a private board the token cannot reach", false, access{"board", boardP, "viewer", "user", alice}, codes.NotFound,
			[]string{boardP, "Board " + boardP + " not found", "Content Admin"}},
		{"the owner's role", false, access{"board", boardA, "editor", "user", admin1}, codes.FailedPrecondition,
			[]string{"owns board " + boardA}},
		{"a user outside the org", false, access{"board", boardA, "viewer", "user", stranger}, codes.NotFound,
			[]string{"not a member of the Miro organization"}},
		{"an unknown user group", false, access{"board", boardA, "viewer", "user_group", "3074457347999999999"}, codes.InvalidArgument,
			[]string{"User group 3074457347999999999 not found"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			org := e.sim.Org()
			_, err := e.grant(c.a)
			if status.Code(err) != c.code {
				t.Fatalf("%v, want %v", err, c.code)
			}
			for _, s := range c.says {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("%v does not say %q", err, s)
				}
			}
			if got, was := held(e.sim.Org(), c.a), held(org, c.a); got != was {
				t.Errorf("the refused change changed %q to %q", was, got)
			}
		})
	}

	t.Run("missing write scopes", func(t *testing.T) {
		read := []string{"organizations:read", "organizations:teams:read", "organizations:groups:read", "boards:read", "projects:read"}
		e := newAccessEnv(t, mirosim.Options{Scopes: read})
		for _, c := range []struct {
			a    access
			says string
		}{
			{access{"project", projectA, "editor", "user", alice}, "projects:write scope"},
			{access{"board", boardA, "viewer", "user_group", group1}, "boards:write scope"},
			{access{"project", projectA, "viewer", "user_group", group1}, "projects:write scope"},
		} {
			_, err := e.grant(c.a)
			if status.Code(err) != codes.PermissionDenied || !strings.Contains(err.Error(), "the app needs the "+c.says) {
				t.Errorf("%s: %v", c.a, err)
			}
		}
	})
}

// TestBoardClassificationSync: with the flag, every board's label on its
// profile is exactly the simulator's, names resolved from the org's labels,
// for one call per board plus one for the org; without it, no call; with
// classification off in the org, only the org's call.
func TestBoardClassificationSync(t *testing.T) {
	ctx, cancel := syncContext(t)
	defer cancel()
	gen := mirosim.GenOptions{Seed: 11, Users: 200, Teams: 10, Groups: 4, Boards: true, Classification: true}
	cases := []struct {
		name           string
		opts           []connector.Option
		disable        bool
		settings, gets int // calls wanted; gets -1 = one per board
	}{
		{"on", []connector.Option{connector.WithBoardClassification(true)}, false, 1, -1},
		{"off by default", nil, false, 0, 0},
		{"org has classification off", []connector.Option{connector.WithBoardClassification(true)}, true, 1, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			org := mirosim.Generate(gen)
			if c.disable {
				org.Classification.Enabled = false
			}
			sim := mirosim.New(org.Clone(), mirosim.Options{Token: simToken, Credits: -1})
			if _, err := sim.Start(); err != nil {
				t.Fatal(err)
			}
			defer sim.Close()
			got, err := simtest.SyncAndReadWith(ctx, sim, simToken, filepath.Join(t.TempDir(), "sync.c1z"), 2,
				append([]connector.Option{connector.WithSyncBoards(true)}, c.opts...))
			if err != nil {
				t.Fatal(err)
			}
			if diff := simtest.Expect(org).Diff(got); diff != "" {
				t.Fatalf("c1z differs from the simulated org:\n%s", diff)
			}
			gets := c.gets
			if gets < 0 {
				gets = len(org.Boards)
			}
			if sim.Count("get_classification_settings") != c.settings || sim.Count("get_board_classification") != gets {
				t.Errorf("%d settings calls, %d board calls; want %d and %d", sim.Count("get_classification_settings"),
					sim.Count("get_board_classification"), c.settings, gets)
			}
			labels := map[string]mirosim.ClassificationLabel{}
			for _, l := range org.Classification.Labels {
				labels[l.ID] = l
			}
			for _, b := range org.Boards {
				r := got.Resources["board"][b.ID]
				f := r.GetProfile().GetFields()
				wantFields := map[string]string{}
				if c.gets != 0 {
					wantFields["classified"] = fmt.Sprint(b.LabelID != "")
					if l, ok := labels[b.LabelID]; ok {
						wantFields["classification_label_id"] = l.ID
						wantFields["classification_label"] = l.Name
						wantFields["classification_sharing_recommendation"] = l.SharingRecommendation
					}
				}
				gotFields := map[string]string{}
				for k, v := range f {
					if strings.HasPrefix(k, "classifi") {
						if _, isBool := v.GetKind().(*structpb.Value_BoolValue); isBool {
							gotFields[k] = fmt.Sprint(v.GetBoolValue())
						} else {
							gotFields[k] = v.GetStringValue()
						}
					}
				}
				if !maps.Equal(gotFields, wantFields) {
					t.Errorf("board %s: profile %v, want %v", b.ID, gotFields, wantFields)
				}
			}
		})
	}
}
