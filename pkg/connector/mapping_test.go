package connector

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/conductorone/baton-miro/pkg/miro"
	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
)

func TestUserResourceMapping(t *testing.T) {
	seen := time.Date(2026, 5, 1, 12, 30, 0, 0, time.UTC)
	cases := []struct {
		name       string
		member     miro.Member
		wantName   string
		wantStatus v2.Status_ResourceStatus
		wantLogin  bool
		wantRole   string
		wantAdmins int
	}{
		{"active internal admin", miro.Member{ID: "1", Email: "ann@example.com", Active: true, Role: miro.RoleInternalAdmin, License: "full",
			LastActivityAt: miro.Time{Time: seen}, LicenseAssignedAt: miro.Time{Time: seen},
			AdminRoles: []miro.AdminRole{{Type: "prebuilt", Name: "User Admin"}, {Type: "custom", Name: "Auditor"}}},
			"ann@example.com", v2.Status_RESOURCE_STATUS_ENABLED, true, miro.RoleInternalAdmin, 2},
		{"deactivated user", miro.Member{ID: "2", Email: "bob@example.com", Active: false, Role: miro.RoleInternalUser, License: "free"},
			"bob@example.com", v2.Status_RESOURCE_STATUS_DISABLED, false, miro.RoleInternalUser, 0},
		{"never active guest", miro.Member{ID: "3", Email: "zoë.müller@exämple.com", Active: true, Role: miro.RoleTeamGuestUser, License: "free_restricted"},
			"zoë.müller@exämple.com", v2.Status_RESOURCE_STATUS_ENABLED, false, miro.RoleTeamGuestUser, 0},
		{"missing role and email", miro.Member{ID: "4", Active: true},
			"4", v2.Status_RESOURCE_STATUS_ENABLED, false, miro.RoleUnknown, 0},
		{"unknown role kept", miro.Member{ID: "5", Email: "e@x.io", Active: true, Role: "organization_future_role", License: "enterprise_plus"},
			"e@x.io", v2.Status_RESOURCE_STATUS_ENABLED, false, "organization_future_role", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := userResource(tc.member)
			if err != nil {
				t.Fatal(err)
			}
			if r.GetId().GetResource() != tc.member.ID || r.GetId().GetResourceType() != "user" {
				t.Errorf("id = %v", r.GetId())
			}
			if r.GetDisplayName() != tc.wantName {
				t.Errorf("display name = %q, want %q", r.GetDisplayName(), tc.wantName)
			}
			ut, err := rs.GetUserTrait(r)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.GetStatus().GetStatus(); got != tc.wantStatus {
				t.Errorf("status = %v, want %v", got, tc.wantStatus)
			}
			if tc.member.Email != "" && (ut.GetLogin() != tc.member.Email || len(ut.GetEmails()) != 1 || ut.GetEmails()[0].GetAddress() != tc.member.Email) {
				t.Errorf("login %q / emails %v, want %q", ut.GetLogin(), ut.GetEmails(), tc.member.Email)
			}
			if got := ut.GetLastLogin() != nil; got != tc.wantLogin {
				t.Errorf("last login present = %v, want %v", got, tc.wantLogin)
			}
			if tc.wantLogin && !ut.GetLastLogin().AsTime().Equal(seen) {
				t.Errorf("last login = %v, want %v", ut.GetLastLogin().AsTime(), seen)
			}
			p := r.GetProfile().AsMap()
			if p["role"] != tc.wantRole {
				t.Errorf("profile role = %v, want %v", p["role"], tc.wantRole)
			}
			if p["active"] != tc.member.Active {
				t.Errorf("profile active = %v", p["active"])
			}
			if got := len(p["admin_roles"].([]any)); got != tc.wantAdmins {
				t.Errorf("profile admin_roles = %v, want %d", p["admin_roles"], tc.wantAdmins)
			}
			if _, ok := p["license_assigned_at"]; ok != !tc.member.LicenseAssignedAt.IsZero() {
				t.Errorf("license_assigned_at presence wrong: %v", p)
			}
		})
	}
}

func TestTeamGrantMapping(t *testing.T) {
	team, err := teamResource(miro.Team{ID: "t1", Name: "Design"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		role, wantEntitlement string
		wantMetadata          bool
	}{
		{"member", "team:t1:member", false},
		{"admin", "team:t1:admin", false},
		{"non_team", "team:t1:non_team", false},
		{"team_guest", "team:t1:team_guest", false},
		{"owner", "team:t1:member", true}, // unknown: kept as member, raw role in metadata
		{"", "team:t1:member", true},
	}
	for _, tc := range cases {
		g := teamGrant(context.Background(), team, miro.TeamMember{ID: "u1", Role: tc.role})
		if g.GetEntitlement().GetId() != tc.wantEntitlement {
			t.Errorf("role %q: entitlement %q, want %q", tc.role, g.GetEntitlement().GetId(), tc.wantEntitlement)
		}
		if g.GetPrincipal().GetId().GetResource() != "u1" || g.GetPrincipal().GetId().GetResourceType() != "user" {
			t.Errorf("role %q: principal %v", tc.role, g.GetPrincipal().GetId())
		}
		md := &v2.GrantMetadata{}
		annos := annotations.Annotations(g.GetAnnotations())
		ok, err := annos.Pick(md)
		if err != nil {
			t.Fatal(err)
		}
		if ok != tc.wantMetadata {
			t.Errorf("role %q: metadata present = %v, want %v", tc.role, ok, tc.wantMetadata)
		}
		if ok && md.GetMetadata().AsMap()["miro_team_role"] != tc.role {
			t.Errorf("role %q: metadata %v", tc.role, md.GetMetadata().AsMap())
		}
	}
}

func TestTeamEntitlements(t *testing.T) {
	team, _ := teamResource(miro.Team{ID: "t9", Name: "Ops"})
	ents, _, err := (&teamBuilder{}).Entitlements(context.Background(), team, rs.SyncOpAttrs{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"team:t9:member": true, "team:t9:admin": true, "team:t9:non_team": false, "team:t9:team_guest": false}
	if len(ents) != len(want) {
		t.Fatalf("%d entitlements, want %d", len(ents), len(want))
	}
	for _, e := range ents {
		exclusive, ok := want[e.GetId()]
		if !ok {
			t.Errorf("unexpected entitlement %s", e.GetId())
			continue
		}
		eg := &v2.EntitlementExclusionGroup{}
		annos := annotations.Annotations(e.GetAnnotations())
		has, _ := annos.Pick(eg)
		if has != exclusive || (has && eg.GetExclusionGroupId() != "team-role:t9") {
			t.Errorf("%s: exclusion group %v %q, want exclusive=%v in team-role:t9", e.GetId(), has, eg.GetExclusionGroupId(), exclusive)
		}
	}
}

func TestAttributeNames(t *testing.T) {
	for _, role := range miro.OrgRoles {
		if orgRoleName(role) == role {
			t.Errorf("documented org role %q has no display name", role)
		}
	}
	if orgRoleName("organization_future_role") != "organization_future_role" {
		t.Errorf("unknown org role should keep its raw name")
	}
	for _, l := range miro.Licenses {
		if licenseName(l) == l {
			t.Errorf("documented license %q has no display name", l)
		}
	}
	if licenseName("enterprise_plus") != "enterprise_plus" {
		t.Errorf("unknown license should keep its raw name")
	}
	got := withKnown([]string{"a", "b"}, map[string]int{"b": 1, "z": 2, "c": 1})
	if want := []string{"a", "b", "c", "z"}; len(got) != len(want) || got[2] != "c" || got[3] != "z" {
		t.Errorf("withKnown = %v, want %v", got, want)
	}
}

// TestAbandonedSync: speculative fetching stops once the SDK has made no call
// for a while (a cancelled sync), and never while a call runs.
func TestAbandonedSync(t *testing.T) {
	t.Parallel()
	c := &Connector{}
	if c.abandoned() {
		t.Error("a connector the SDK never called counts as abandoned")
	}
	done := c.enter("")
	c.lastExit.Store(time.Now().Add(-time.Hour).UnixNano())
	if c.abandoned() {
		t.Error("abandoned while an SDK call runs")
	}
	done()
	if c.abandoned() {
		t.Error("abandoned right after an SDK call returned")
	}
	c.lastExit.Store(time.Now().Add(-sdkGone - time.Second).UnixNano())
	if !c.abandoned() {
		t.Errorf("not abandoned after %v without SDK calls", sdkGone+time.Second)
	}
}

// TestPrefetchOrder: pages are fetched ahead in the order the SDK will ask for
// them: later pages of a begun team first, then first pages onwards from where
// the SDK last asked, in the direction it moves; nothing twice.
func TestPrefetchOrder(t *testing.T) {
	t.Parallel()
	r := &prefetchRun{index: map[string]int{}, dir: 1, fetched: map[teamPageKey]bool{}, inflight: map[teamPageKey]*pageCall{}}
	for i := range 8 {
		id := fmt.Sprintf("t%d", i)
		r.index[id] = i
		r.teams = append(r.teams, id)
		r.pending++
	}
	take := func() string {
		k, ok := r.nextLocked()
		if !ok {
			return "none"
		}
		r.startLocked(k)
		return k.teamID + "/" + k.cursor
	}
	// The SDK asking for a first page: page() notes where, then fetches it.
	demand := func(id string) {
		k := teamPageKey{teamID: id}
		r.noteDemandLocked(k)
		r.startLocked(k)
	}
	want := func(step string, wants ...string) {
		t.Helper()
		for _, w := range wants {
			if got := take(); got != w {
				t.Fatalf("%s: next = %s, want %s", step, got, w)
			}
		}
	}
	want("before any demand, list order", "t0/", "t1/")
	r.next = append(r.next, teamPageKey{"t1", "c2"})
	want("a begun team's next page first", "t1/c2", "t2/")
	demand("t6") // the SDK jumped ahead
	want("onwards from the SDK's position", "t7/")
	demand("t5") // and walks backwards
	want("in the SDK's direction", "t4/", "t3/", "none")
	r.next = append(r.next, teamPageKey{"t1", "c2"}) // already fetched
	want("nothing twice", "none")
	if r.pending != 0 {
		t.Errorf("%d teams pending after every first page was fetched", r.pending)
	}
}
