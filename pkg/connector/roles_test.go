package connector

import (
	"context"
	"testing"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"

	"github.com/conductorone/baton-miro/pkg/miro"
)

// TestRoleTables: the team, board and project tables are one shape, and each is whole: its fallback and every
// share it maps to are its own roles (projects fall back to the project viewer, not the board's), slugs are
// unique, only team roles are exclusive.
func TestRoleTables(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		table     *roleTable
		noun      string
		fallback  string
		shares    int
		exclusive int
	}{
		{teamRoles, "team", miro.TeamRoleMember, 4, 2},
		{boardRoles, "board", miro.BoardRoleViewer, 3, 0},
		{projectRoles, "project", miro.ProjectRoleViewer, 3, 0},
	} {
		tb := tt.table
		if tb.noun != tt.noun || tb.fallback != tt.fallback || len(tb.shares) != tt.shares {
			t.Errorf("%s table: noun %q, fallback %q, %d shares; want %q, %q, %d", tt.noun, tb.noun, tb.fallback, len(tb.shares), tt.noun, tt.fallback, tt.shares)
		}
		if !tb.known(tb.fallback) {
			t.Errorf("%s: fallback %q is not one of its roles", tt.noun, tb.fallback)
		}
		for share, slug := range tb.shares {
			if !tb.known(slug) {
				t.Errorf("%s: share %q maps to %q, not one of its roles", tt.noun, share, slug)
			}
		}
		seen, exclusive := map[string]bool{}, 0
		for _, r := range tb.roles {
			if seen[r.slug] {
				t.Errorf("%s: role %q twice", tt.noun, r.slug)
			}
			seen[r.slug] = true
			if r.exclusive {
				exclusive++
			}
		}
		if exclusive != tt.exclusive {
			t.Errorf("%s: %d exclusive roles, want %d", tt.noun, exclusive, tt.exclusive)
		}
		if tb.known("no-such-role") {
			t.Errorf("%s knows a role it does not have", tt.noun)
		}
	}
}

// TestGroupShareGrants: a user group's share role becomes the table's role; an unknown one becomes the
// table's fallback with the raw role under the table's metadata key.
func TestGroupShareGrants(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	project := &v2.Resource{Id: &v2.ResourceId{ResourceType: "project", Resource: "p1"}}
	for _, tt := range []struct {
		role, wantSlug string
		wantMeta       bool
	}{
		{miro.GroupShareCommenter, miro.ProjectRoleCommentator, false},
		{miro.GroupShareEditor, miro.ProjectRoleEditor, false},
		{"", miro.ProjectRoleViewer, false},
		{"OWNER_SOMEDAY", miro.ProjectRoleViewer, true},
	} {
		g := groupLinkGrant(ctx, project, "g1", tt.role, projectRoles)
		if got := g.GetEntitlement().GetId(); got != "project:p1:"+tt.wantSlug {
			t.Errorf("role %q: entitlement %q, want project:p1:%s", tt.role, got, tt.wantSlug)
		}
		meta := g.GetAnnotations()
		var found bool
		for _, a := range meta {
			var gm v2.GrantMetadata
			if a.UnmarshalTo(&gm) == nil && gm.GetMetadata().GetFields()["miro_project_role"].GetStringValue() == tt.role {
				found = true
			}
		}
		if found != tt.wantMeta {
			t.Errorf("role %q: raw role in metadata %v, want %v (annotations %v)", tt.role, found, tt.wantMeta, meta)
		}
	}
}

// TestTeamEntitlementsShape: the team table builds the same entitlements as before the tables were one shape:
// "<team> team <Role>" names and the member/admin exclusion group.
func TestTeamEntitlementsShape(t *testing.T) {
	t.Parallel()
	team := &v2.Resource{Id: &v2.ResourceId{ResourceType: "team", Resource: "t1"}, DisplayName: "Design"}
	ents := teamRoles.entitlements(team)
	if len(ents) != 4 {
		t.Fatalf("%d team entitlements, want 4", len(ents))
	}
	for i, want := range []struct{ id, name, group string }{
		{"team:t1:member", "Design team Member", "team-role:t1"},
		{"team:t1:admin", "Design team Admin", "team-role:t1"},
		{"team:t1:non_team", "Design team Non-team member", ""},
		{"team:t1:team_guest", "Design team Guest", ""},
	} {
		e := ents[i]
		var group string
		for _, a := range e.GetAnnotations() {
			var eg v2.EntitlementExclusionGroup
			if a.UnmarshalTo(&eg) == nil {
				group = eg.GetExclusionGroupId()
			}
		}
		if e.GetId() != want.id || e.GetDisplayName() != want.name || group != want.group {
			t.Errorf("entitlement %d = %q %q group %q, want %q %q group %q", i, e.GetId(), e.GetDisplayName(), group, want.id, want.name, want.group)
		}
	}
}
