package connector_test

import (
	"context"
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
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/internal/simtest"
	"github.com/conductorone/baton-miro/internal/synctest"
	"github.com/conductorone/baton-miro/pkg/miro"
)

// The provisioning fixture: a small hand-made org, so every case names the
// person it is about.
const (
	provSCIMToken = "prov-scim-token"
	orgID         = "3074457345000000001"
	teamA         = "3074457346000000001" // admin1 admin, bob member, ext non_team
	teamB         = "3074457346000000002" // admin2 admin (its only admin)
	admin1        = "3458764500000000001"
	admin2        = "3458764500000000002"
	alice         = "3458764500000000003" // internal user, free license, in no team
	bob           = "3458764500000000004" // internal user, full license
	carol         = "3458764500000000005" // internal user, deactivated
	ext           = "3458764500000000006" // external user
	guest         = "3458764500000000007" // team guest
	stranger      = "3458764599999999999" // not in the org
)

func provisioningOrg() *mirosim.Org {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return &mirosim.Org{
		ID: orgID, Name: "Provisioning Inc.", Plan: "company", FullLicensesPurchased: 10,
		Members: []mirosim.Member{
			{ID: admin1, Email: "admin1@example.com", Active: true, Role: "organization_internal_admin", License: "full",
				AdminRoles: []mirosim.AdminRole{{Type: "prebuilt", Name: "Content Admin"}}, GivenName: "Ada", FamilyName: "One"},
			{ID: admin2, Email: "admin2@example.com", Active: true, Role: "organization_internal_admin", License: "full"},
			{ID: alice, Email: "alice@example.com", Active: true, Role: "organization_internal_user", License: "free"},
			{ID: bob, Email: "bob@example.com", Active: true, Role: "organization_internal_user", License: "full"},
			{ID: carol, Email: "carol@example.com", Active: false, Role: "organization_internal_user", License: "free"},
			{ID: ext, Email: "ext@partner.example.net", Active: true, Role: "organization_external_user", License: "free"},
			{ID: guest, Email: "guest@agency.example.org", Active: true, Role: "organization_team_guest_user", License: "free_restricted"},
		},
		Teams: []mirosim.Team{
			{ID: teamA, Name: "Alpha", Members: []mirosim.TeamMember{
				{UserID: admin1, Role: "admin", CreatedAt: at}, {UserID: bob, Role: "member", CreatedAt: at},
				{UserID: ext, Role: "non_team", CreatedAt: at}}},
			{ID: teamB, Name: "Beta", Members: []mirosim.TeamMember{{UserID: admin2, Role: "admin", CreatedAt: at}}},
		},
	}
}

// writeRoutes are the simulator routes that change anything.
var writeRoutes = []string{"invite_team_member", "update_team_member", "delete_team_member",
	"scim_create_user", "scim_patch_user", "scim_replace_user", "scim_delete_user"}

type provEnv struct {
	t   *testing.T
	ctx context.Context
	sim *mirosim.Server
	srv types.ConnectorServer
}

// newProvEnv serves the fixture and builds the SDK's connector server around
// our connector, with or without the SCIM token.
func newProvEnv(t *testing.T, withSCIM bool) *provEnv {
	t.Helper()
	return newProvEnvWith(t, withSCIM, mirosim.Options{}, nil)
}

// newProvEnvWith is newProvEnv with simulator options (Scopes, say) and a
// change to the client's options (its API URL, say).
func newProvEnvWith(t *testing.T, withSCIM bool, so mirosim.Options, tweak func(*miro.Options)) *provEnv {
	t.Helper()
	ctx, cancel := syncContext(t)
	t.Cleanup(cancel)
	so.Token, so.SCIMToken, so.Credits = simToken, provSCIMToken, -1
	sim := mirosim.New(provisioningOrg(), so)
	if _, err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	conn, _, err := simtest.NewConnector(sim, simToken, func(o *miro.Options) {
		if withSCIM {
			o.SCIMToken = provSCIMToken
		}
		if tweak != nil {
			tweak(o)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := connectorbuilder.NewConnector(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	return &provEnv{t: t, ctx: ctx, sim: sim, srv: srv}
}

func (e *provEnv) writes() int {
	n := 0
	for _, r := range writeRoutes {
		n += e.sim.Count(r)
	}
	return n
}

func resourceOf(typ, id string) *v2.Resource {
	return v2.Resource_builder{Id: v2.ResourceId_builder{ResourceType: typ, Resource: id}.Build()}.Build()
}

// entitlementOf builds the entitlement as a sync stores it: id, resource and slug.
func entitlementOf(typ, id, slug string) *v2.Entitlement {
	return ent.NewAssignmentEntitlement(resourceOf(typ, id), slug)
}

// user is a bare principal: an id and nothing else, so nothing can lean on traits.
func user(id string) *v2.Resource { return resourceOf("user", id) }

func (e *provEnv) grant(typ, id, slug, userID string) (*v2.GrantManagerServiceGrantResponse, error) {
	return e.srv.Grant(e.ctx, v2.GrantManagerServiceGrantRequest_builder{
		Entitlement: entitlementOf(typ, id, slug), Principal: user(userID)}.Build())
}

// revoke sends what ConductorOne sends when it lacks the grant id: the unknown id, the entitlement and the principal.
func (e *provEnv) revoke(typ, id, slug, userID string) (*v2.GrantManagerServiceRevokeResponse, error) {
	return e.srv.Revoke(e.ctx, v2.GrantManagerServiceRevokeRequest_builder{Grant: v2.Grant_builder{
		Id: grant.UnknownGrantId, Entitlement: entitlementOf(typ, id, slug), Principal: user(userID)}.Build()}.Build())
}

func (e *provEnv) mustGrant(typ, id, slug, userID string) *v2.GrantManagerServiceGrantResponse {
	e.t.Helper()
	resp, err := e.grant(typ, id, slug, userID)
	if err != nil {
		e.t.Fatalf("grant %s:%s:%s to %s: %v", typ, id, slug, userID, err)
	}
	want := typ + ":" + id + ":" + slug + ":user:" + userID
	if len(resp.GetGrants()) != 1 || resp.GetGrants()[0].GetId() != want {
		e.t.Errorf("grant returned %v, want one grant %s", resp.GetGrants(), want)
	}
	return resp
}

func (e *provEnv) mustRevoke(typ, id, slug, userID string) *v2.GrantManagerServiceRevokeResponse {
	e.t.Helper()
	resp, err := e.revoke(typ, id, slug, userID)
	if err != nil {
		e.t.Fatalf("revoke %s:%s:%s from %s: %v", typ, id, slug, userID, err)
	}
	return resp
}

// refused runs op and asserts a clear error with the code and every phrase,
// and no write call; it returns how many calls of any kind op made.
func (e *provEnv) refused(t *testing.T, code codes.Code, op func() error, phrases ...string) int {
	t.Helper()
	calls, writes := e.sim.TotalCount(), e.writes()
	err := op()
	if err == nil {
		t.Fatalf("succeeded, want %v", code)
	}
	t.Logf("refused as wanted: %v", err)
	if got := status.Code(err); got != code {
		t.Errorf("code %v, want %v: %v", got, code, err)
	}
	for _, p := range phrases {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error does not mention %q: %v", p, err)
		}
	}
	if n := e.writes() - writes; n != 0 {
		t.Errorf("a refused request made %d write calls: %v", n, e.sim.Counts())
	}
	return e.sim.TotalCount() - calls
}

// refusedBeforeAnyCall is refused plus: not a single API call.
func (e *provEnv) refusedBeforeAnyCall(t *testing.T, code codes.Code, op func() error, phrases ...string) {
	t.Helper()
	if n := e.refused(t, code, op, phrases...); n != 0 {
		t.Errorf("refused after %d API calls, want none: %v", n, e.sim.Counts())
	}
}

// annotationNames lists the message names of annotations.
func annotationNames(annos annotations.Annotations) []string {
	var out []string
	for _, a := range annos {
		out = append(out, string(a.MessageName()))
	}
	return out
}

func requireAnnotation(t *testing.T, annos annotations.Annotations, name string) {
	t.Helper()
	if !slices.Contains(annotationNames(annos), "c1.connector.v2."+name) {
		t.Errorf("annotations %v lack %s", annotationNames(annos), name)
	}
}

func replacedIDs(t *testing.T, annos annotations.Annotations) []string {
	t.Helper()
	var out []string
	for _, a := range annos {
		gr := &v2.GrantReplaced{}
		if a.MessageIs(gr) {
			if err := a.UnmarshalTo(gr); err != nil {
				t.Fatal(err)
			}
			out = append(out, gr.GetReplacedGrantId())
		}
	}
	return out
}

// syncMatches runs the SDK's syncer in-process and requires the c1z to equal
// the simulator's org now; it returns the contents for specific checks.
func (e *provEnv) syncMatches() *synctest.Contents {
	e.t.Helper()
	got, err := simtest.SyncAndRead(e.ctx, e.sim, simToken, filepath.Join(e.t.TempDir(), "sync.c1z"), 2)
	if err != nil {
		e.t.Fatalf("sync: %v", err)
	}
	if diff := simtest.Expect(e.sim.Org()).Diff(got); diff != "" {
		e.t.Fatalf("c1z differs from the simulated org:\n%s", diff)
	}
	return got
}

func grantKey(entitlementID, userID string) string {
	return synctest.GrantKey(entitlementID, "user", userID)
}

// Shorthands returning only the error, for refusals.
func (e *provEnv) grantE(typ, id, slug, userID string) func() error {
	return func() error { _, err := e.grant(typ, id, slug, userID); return err }
}

func (e *provEnv) revokeE(typ, id, slug, userID string) func() error {
	return func() error { _, err := e.revoke(typ, id, slug, userID); return err }
}

func requireNoAnnotation(t *testing.T, annos annotations.Annotations, name string) {
	t.Helper()
	if slices.Contains(annotationNames(annos), "c1.connector.v2."+name) {
		t.Errorf("annotations %v hold %s", annotationNames(annos), name)
	}
}

// TestProvisionTeamMembership: invite, role change with replaced grant, remove,
// each twice, and the refusals.
func TestProvisionTeamMembership(t *testing.T) {
	e := newProvEnv(t, false) // team changes need no SCIM token

	// Invite by email, looked up by id.
	resp := e.mustGrant("team", teamA, "member", alice)
	requireNoAnnotation(t, resp.GetAnnotations(), "GrantAlreadyExists")
	if got := e.sim.Org().TeamRole(teamA, alice); got != "member" {
		t.Fatalf("after grant, alice's role in team A is %q, want member", got)
	}
	if e.sim.Count("invite_team_member") != 1 || e.sim.Count("get_member") != 1 {
		t.Errorf("invite: %v", e.sim.Counts())
	}
	if got := e.syncMatches(); got.Grants[grantKey("team:"+teamA+":member", alice)] == nil {
		t.Errorf("the following sync does not show alice as member of team A")
	}

	// Same role again: already exists, no write, and the read reached Miro (no cache).
	reads, writes := e.sim.Count("get_team_member"), e.writes()
	requireAnnotation(t, e.mustGrant("team", teamA, "member", alice).GetAnnotations(), "GrantAlreadyExists")
	if e.writes() != writes || e.sim.Count("get_team_member") != reads+1 {
		t.Errorf("repeated grant: %d writes, %d membership reads: %v", e.writes()-writes, e.sim.Count("get_team_member")-reads, e.sim.Counts())
	}

	// The other role: PATCH in place, the old grant reported replaced.
	resp = e.mustGrant("team", teamA, "admin", alice)
	if got := e.sim.Org().TeamRole(teamA, alice); got != "admin" {
		t.Fatalf("after grant admin, alice's role is %q", got)
	}
	if e.sim.Count("update_team_member") != 1 || e.sim.Count("invite_team_member") != 1 {
		t.Errorf("role change did not PATCH exactly once: %v", e.sim.Counts())
	}
	if got, want := replacedIDs(t, resp.GetAnnotations()), []string{"team:" + teamA + ":member:user:" + alice}; !slices.Equal(got, want) {
		t.Errorf("replaced grants %v, want %v", got, want)
	}
	requireAnnotation(t, e.mustGrant("team", teamA, "admin", alice).GetAnnotations(), "GrantAlreadyExists")
	c := e.syncMatches()
	if c.Grants[grantKey("team:"+teamA+":admin", alice)] == nil || c.Grants[grantKey("team:"+teamA+":member", alice)] != nil {
		t.Errorf("the following sync does not show alice as admin (only) of team A")
	}

	// Revoking the role she no longer holds touches nothing.
	writes = e.writes()
	requireAnnotation(t, e.mustRevoke("team", teamA, "member", alice).GetAnnotations(), "GrantAlreadyRevoked")
	if e.writes() != writes || e.sim.Org().TeamRole(teamA, alice) != "admin" {
		t.Errorf("revoking a stale member grant changed something: %v", e.sim.Counts())
	}

	// Revoke with the unknown grant id and an entitlement without slug: the role comes from the entitlement id.
	rev, err := e.srv.Revoke(e.ctx, v2.GrantManagerServiceRevokeRequest_builder{Grant: v2.Grant_builder{
		Id:          grant.UnknownGrantId,
		Entitlement: v2.Entitlement_builder{Id: "team:" + teamA + ":admin", Resource: resourceOf("team", teamA)}.Build(),
		Principal:   user(alice)}.Build()}.Build())
	if err != nil {
		t.Fatalf("revoke: %v", err)
	}
	requireNoAnnotation(t, rev.GetAnnotations(), "GrantAlreadyRevoked")
	if got := e.sim.Org().TeamRole(teamA, alice); got != "" {
		t.Fatalf("after revoke, alice is still %q of team A", got)
	}
	requireAnnotation(t, e.mustRevoke("team", teamA, "admin", alice).GetAnnotations(), "GrantAlreadyRevoked")
	if e.sim.Count("delete_team_member") != 1 {
		t.Errorf("revoke twice made %d DELETEs, want 1", e.sim.Count("delete_team_member"))
	}
	if got := e.syncMatches(); got.Grants[grantKey("team:"+teamA+":admin", alice)] != nil {
		t.Errorf("the following sync still shows alice in team A")
	}

	// Roles the API cannot grant: refused before any call.
	for _, role := range []string{"non_team", "team_guest"} {
		e.refusedBeforeAnyCall(t, codes.InvalidArgument, e.grantE("team", teamA, role, alice), "cannot grant", role, `"member"`, `"admin"`)
	}
	// Not an org member.
	e.refused(t, codes.NotFound, e.grantE("team", teamA, "member", stranger), "not a member of the Miro organization")
	// A principal that is not a user.
	e.refusedBeforeAnyCall(t, codes.InvalidArgument, func() error {
		_, err := e.srv.Grant(e.ctx, v2.GrantManagerServiceGrantRequest_builder{
			Entitlement: entitlementOf("team", teamA, "member"), Principal: resourceOf("team", teamB)}.Build())
		return err
	}, "must be a Miro user")
	// The last admin of a team: Miro's 409 becomes FailedPrecondition with Miro's reason.
	err = e.revokeE("team", teamB, "admin", admin2)()
	if status.Code(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), "last admin") {
		t.Errorf("removing the last team admin: %v, want FailedPrecondition naming the last admin", err)
	}
	if e.sim.Org().TeamRole(teamB, admin2) != "admin" {
		t.Errorf("the last admin of team B was removed")
	}
	e.syncMatches()
}

// TestProvisionOrgRole: internal admin / internal user through SCIM.
func TestProvisionOrgRole(t *testing.T) {
	e := newProvEnv(t, true)
	const adminRole, userRole = "organization_internal_admin", "organization_internal_user"

	resp := e.mustGrant("role", adminRole, "assigned", alice)
	if got := e.sim.Org().Member(alice).Role; got != adminRole {
		t.Fatalf("after grant, alice's role is %q", got)
	}
	if got, want := replacedIDs(t, resp.GetAnnotations()), []string{"role:" + userRole + ":assigned:user:" + alice}; !slices.Equal(got, want) {
		t.Errorf("replaced grants %v, want %v", got, want)
	}
	patches := e.sim.Count("scim_patch_user")
	requireAnnotation(t, e.mustGrant("role", adminRole, "assigned", alice).GetAnnotations(), "GrantAlreadyExists")
	if e.sim.Count("scim_patch_user") != patches {
		t.Errorf("repeated grant patched again")
	}
	c := e.syncMatches()
	if c.Grants[grantKey("role:"+adminRole+":assigned", alice)] == nil || c.Grants[grantKey("role:"+userRole+":assigned", alice)] != nil {
		t.Errorf("the following sync does not show alice as internal admin only")
	}

	// Revoking admin makes her an internal user again.
	requireNoAnnotation(t, e.mustRevoke("role", adminRole, "assigned", alice).GetAnnotations(), "GrantAlreadyRevoked")
	if got := e.sim.Org().Member(alice).Role; got != userRole {
		t.Fatalf("after revoke, alice's role is %q", got)
	}
	requireAnnotation(t, e.mustRevoke("role", adminRole, "assigned", alice).GetAnnotations(), "GrantAlreadyRevoked")
	if e.sim.Count("scim_patch_user") != patches+1 {
		t.Errorf("revoke twice: %d patches, want 1", e.sim.Count("scim_patch_user")-patches)
	}
	// Granting internal user to an admin demotes them, replacing the admin grant.
	resp = e.mustGrant("role", userRole, "assigned", admin2)
	if got := e.sim.Org().Member(admin2).Role; got != userRole {
		t.Fatalf("after grant internal user, admin2's role is %q", got)
	}
	if got := replacedIDs(t, resp.GetAnnotations()); !slices.Equal(got, []string{"role:" + adminRole + ":assigned:user:" + admin2}) {
		t.Errorf("replaced grants %v", got)
	}
	e.syncMatches()

	// Refusals, all before any call.
	for _, role := range []string{"organization_external_user", "organization_team_guest_user", "unknown"} {
		e.refusedBeforeAnyCall(t, codes.InvalidArgument, e.grantE("role", role, "assigned", alice), "organization_internal_admin or organization_internal_user")
		e.refusedBeforeAnyCall(t, codes.InvalidArgument, e.revokeE("role", role, "assigned", ext), "organization_internal_admin or organization_internal_user")
	}
	e.refusedBeforeAnyCall(t, codes.InvalidArgument, e.revokeE("role", userRole, "assigned", bob), "cannot be revoked on its own", adminRole)
	// Guests and external users: SCIM cannot reach them.
	for _, who := range []string{ext, guest} {
		e.refused(t, codes.FailedPrecondition, e.grantE("role", adminRole, "assigned", who), "SCIM", "guests or external users", "admin UI")
	}
	// Deactivated users cannot change role.
	e.refused(t, codes.FailedPrecondition, e.grantE("role", adminRole, "assigned", carol), "deactivated", "enable_user")
	// The last active Company Admin cannot be demoted: Miro's 409 is explained.
	requireAnnotation(t, e.mustRevoke("role", adminRole, "assigned", admin2).GetAnnotations(), "GrantAlreadyRevoked")
	err := e.revokeE("role", adminRole, "assigned", admin1)()
	if status.Code(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), "Company Admin") {
		t.Errorf("demoting the last Company Admin: %v", err)
	}
	e.syncMatches()
}

// TestProvisionAdminRoles: add and remove admin roles through SCIM.
func TestProvisionAdminRoles(t *testing.T) {
	e := newProvEnv(t, true)
	for _, name := range []string{"User Admin", "Board Auditor"} { // prebuilt and custom
		e.mustGrant("admin_role", name, "assigned", bob)
		if !slices.ContainsFunc(e.sim.Org().Member(bob).AdminRoles, func(a mirosim.AdminRole) bool { return a.Name == name }) {
			t.Fatalf("after grant, bob lacks %q: %v", name, e.sim.Org().Member(bob).AdminRoles)
		}
		patches := e.sim.Count("scim_patch_user")
		requireAnnotation(t, e.mustGrant("admin_role", name, "assigned", bob).GetAnnotations(), "GrantAlreadyExists")
		if e.sim.Count("scim_patch_user") != patches {
			t.Errorf("repeated grant patched")
		}
		if c := e.syncMatches(); c.Grants[grantKey("admin_role:"+name+":assigned", bob)] == nil {
			t.Errorf("the following sync lacks bob's %s grant", name)
		}
	}
	e.mustRevoke("admin_role", "User Admin", "assigned", bob)
	got := e.sim.Org().Member(bob).AdminRoles
	if len(got) != 1 || got[0].Name != "Board Auditor" {
		t.Fatalf("after revoke, bob's admin roles are %v, want Board Auditor only", got)
	}
	patches := e.sim.Count("scim_patch_user")
	requireAnnotation(t, e.mustRevoke("admin_role", "User Admin", "assigned", bob).GetAnnotations(), "GrantAlreadyRevoked")
	if e.sim.Count("scim_patch_user") != patches {
		t.Errorf("repeated revoke patched")
	}
	if c := e.syncMatches(); c.Grants[grantKey("admin_role:User Admin:assigned", bob)] != nil {
		t.Errorf("the following sync still shows bob's User Admin grant")
	}
	e.refused(t, codes.FailedPrecondition, e.grantE("admin_role", "Content Admin", "assigned", guest), "SCIM", "admin UI")
}

// TestProvisionLicense: upgrade to Full; every other license change is refused.
func TestProvisionLicense(t *testing.T) {
	e := newProvEnv(t, true)
	resp := e.mustGrant("license", "full", "assigned", alice)
	if got := e.sim.Org().Member(alice).License; got != "full" {
		t.Fatalf("after grant, alice's license is %q", got)
	}
	if got := replacedIDs(t, resp.GetAnnotations()); !slices.Equal(got, []string{"license:free:assigned:user:" + alice}) {
		t.Errorf("replaced grants %v", got)
	}
	patches := e.sim.Count("scim_patch_user")
	requireAnnotation(t, e.mustGrant("license", "full", "assigned", alice).GetAnnotations(), "GrantAlreadyExists")
	if e.sim.Count("scim_patch_user") != patches {
		t.Errorf("repeated grant patched")
	}
	if c := e.syncMatches(); c.Grants[grantKey("license:full:assigned", alice)] == nil {
		t.Errorf("the following sync does not show alice's full license")
	}
	e.refusedBeforeAnyCall(t, codes.InvalidArgument, e.grantE("license", "free", "assigned", bob), "cannot assign the free license", "downgrade", "disable the account", "disable_user")
	e.refusedBeforeAnyCall(t, codes.InvalidArgument, e.revokeE("license", "full", "assigned", bob), "cannot remove or downgrade", "disable the account")
	e.refused(t, codes.FailedPrecondition, e.grantE("license", "full", "assigned", guest), "SCIM", "admin UI")
	e.syncMatches()
}

// TestProvisionWithoutSCIMToken: every SCIM-backed operation names the flag and calls nothing.
func TestProvisionWithoutSCIMToken(t *testing.T) {
	e := newProvEnv(t, false)
	ops := []struct {
		name string
		op   func() error
	}{
		{"grant org role", e.grantE("role", "organization_internal_admin", "assigned", alice)},
		{"revoke org role", e.revokeE("role", "organization_internal_admin", "assigned", admin1)},
		{"grant admin role", e.grantE("admin_role", "User Admin", "assigned", alice)},
		{"revoke admin role", e.revokeE("admin_role", "Content Admin", "assigned", admin1)},
		{"grant license", e.grantE("license", "full", "assigned", alice)},
		{"create account", func() error { _, err := e.createAccount("new.person@example.com", "New", "Person"); return err }},
		{"delete account", func() error { _, err := e.delete(alice); return err }},
		{"disable account", func() error { return actionError(e.invoke("disable_user", alice)) }},
		{"enable account", func() error { return actionError(e.invoke("enable_user", carol)) }},
	}
	for _, tc := range ops {
		t.Run(tc.name, func(t *testing.T) {
			e.refusedBeforeAnyCall(t, codes.FailedPrecondition, tc.op, "--miro-scim-access-token")
		})
	}
}

func (e *provEnv) createAccount(email, given, family string) (*v2.CreateAccountResponse, error) {
	profile, err := structpb.NewStruct(map[string]any{"email": email, "given_name": given, "family_name": family})
	if err != nil {
		return nil, err
	}
	return e.srv.CreateAccount(e.ctx, v2.CreateAccountRequest_builder{
		AccountInfo: v2.AccountInfo_builder{
			Emails:  []*v2.AccountInfo_Email{v2.AccountInfo_Email_builder{Address: email, IsPrimary: true}.Build()},
			Profile: profile,
		}.Build(),
		CredentialOptions: v2.CredentialOptions_builder{NoPassword: &v2.CredentialOptions_NoPassword{}}.Build(),
	}.Build())
}

func (e *provEnv) delete(userID string) (*v2.DeleteResourceV2Response, error) {
	return e.srv.DeleteResourceV2(e.ctx, v2.DeleteResourceV2Request_builder{
		ResourceId: v2.ResourceId_builder{ResourceType: "user", Resource: userID}.Build()}.Build())
}

func (e *provEnv) invoke(action, userID string) (*v2.InvokeActionResponse, error) {
	args, err := structpb.NewStruct(map[string]any{"user_id": map[string]any{"resource_type_id": "user", "resource_id": userID}})
	if err != nil {
		return nil, err
	}
	return e.srv.InvokeAction(e.ctx, v2.InvokeActionRequest_builder{
		Name: action, ResourceTypeId: "user", Args: args, InlineWait: durationpb.New(time.Minute)}.Build())
}

// actionError turns a failed action into an error. The SDK keeps only the
// text of a handler's error ("rpc error: code = X desc = …"), so the code is
// read back from it.
func actionError(resp *v2.InvokeActionResponse, err error) error {
	if err != nil {
		return err
	}
	if resp.GetStatus() != v2.BatonActionStatus_BATON_ACTION_STATUS_FAILED {
		return nil
	}
	msg := resp.GetResponse().GetFields()["error"].GetStringValue()
	for c := codes.OK; c <= codes.Unauthenticated; c++ {
		if rest, ok := strings.CutPrefix(msg, "rpc error: code = "+c.String()+" desc = "); ok {
			return status.Error(c, rest)
		}
	}
	return status.Error(codes.Unknown, msg)
}

// TestProvisionCreateAccount: SCIM create, keyed like a sync; an existing email is "already exists".
func TestProvisionCreateAccount(t *testing.T) {
	e := newProvEnv(t, true)
	resp, err := e.createAccount("new.person@example.com", "New", "Person")
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	r := resp.GetSuccess().GetResource()
	if r == nil {
		t.Fatalf("create did not return a success result: %v", resp)
	}
	var created *mirosim.Member
	for _, m := range e.sim.Org().Members {
		if m.Email == "new.person@example.com" {
			created = &m
		}
	}
	if created == nil {
		t.Fatalf("the simulator has no member new.person@example.com")
	}
	if r.GetId().GetResourceType() != "user" || r.GetId().GetResource() != created.ID {
		t.Errorf("created resource %v, want user %s", r.GetId(), created.ID)
	}
	if r.GetDisplayName() != "New Person" {
		t.Errorf("created resource is named %q, want the SCIM display name New Person", r.GetDisplayName())
	}
	if created.GivenName != "New" || created.FamilyName != "Person" || !created.Active || created.Role != "organization_internal_user" {
		t.Errorf("created member %+v", created)
	}
	if c := e.syncMatches(); c.Resources["user"][created.ID] == nil {
		t.Errorf("the following sync lacks the new user %s", created.ID)
	}

	// Again (another case): already exists, same resource, no second POST.
	resp, err = e.createAccount("New.Person@example.com", "New", "Person")
	if err != nil {
		t.Fatalf("second create: %v", err)
	}
	if got := resp.GetAlreadyExists().GetResource().GetId().GetResource(); got != created.ID {
		t.Errorf("second create: %v, want already-exists for %s", resp, created.ID)
	}
	if e.sim.Count("scim_create_user") != 1 {
		t.Errorf("%d SCIM creates, want 1", e.sim.Count("scim_create_user"))
	}
	// An existing guest's email is an existing account too.
	resp, err = e.createAccount("guest@agency.example.org", "", "")
	if err != nil || resp.GetAlreadyExists().GetResource().GetId().GetResource() != guest {
		t.Errorf("create for a guest's email: %v %v", resp, err)
	}
	// No email: refused before any call.
	e.refusedBeforeAnyCall(t, codes.InvalidArgument, func() error {
		_, err := e.srv.CreateAccount(e.ctx, v2.CreateAccountRequest_builder{AccountInfo: v2.AccountInfo_builder{}.Build()}.Build())
		return err
	}, "email")

	// Metadata: the form and the capabilities.
	md, err := e.srv.GetMetadata(e.ctx, &v2.ConnectorServiceGetMetadataRequest{})
	if err != nil {
		t.Fatal(err)
	}
	schema := md.GetMetadata().GetAccountCreationSchema().GetFieldMap()
	if !schema["email"].GetRequired() || schema["given_name"] == nil || schema["family_name"] == nil || schema["given_name"].GetRequired() {
		t.Errorf("account creation schema: %v", schema)
	}
	caps := map[string][]v2.Capability{}
	for _, rc := range md.GetMetadata().GetCapabilities().GetResourceTypeCapabilities() {
		caps[rc.GetResourceType().GetId()] = rc.GetCapabilities()
	}
	for typ, want := range map[string][]v2.Capability{
		"user": {v2.Capability_CAPABILITY_ACCOUNT_PROVISIONING, v2.Capability_CAPABILITY_RESOURCE_DELETE},
		"team": {v2.Capability_CAPABILITY_PROVISION}, "role": {v2.Capability_CAPABILITY_PROVISION},
		"admin_role": {v2.Capability_CAPABILITY_PROVISION}, "license": {v2.Capability_CAPABILITY_PROVISION},
	} {
		for _, w := range want {
			if !slices.Contains(caps[typ], w) {
				t.Errorf("%s capabilities %v lack %v", typ, caps[typ], w)
			}
		}
	}
	if !slices.Contains(md.GetMetadata().GetCapabilities().GetConnectorCapabilities(), v2.Capability_CAPABILITY_ACTIONS) {
		t.Errorf("connector capabilities lack CAPABILITY_ACTIONS")
	}
	schemas, err := e.srv.ListActionSchemas(e.ctx, v2.ListActionSchemasRequest_builder{ResourceTypeId: "user"}.Build())
	if err != nil {
		t.Fatal(err)
	}
	actionTypes := map[string]v2.ActionType{}
	for _, s := range schemas.GetSchemas() {
		if len(s.GetActionType()) == 1 {
			actionTypes[s.GetName()] = s.GetActionType()[0]
		}
	}
	if actionTypes["disable_user"] != v2.ActionType_ACTION_TYPE_ACCOUNT_DISABLE || actionTypes["enable_user"] != v2.ActionType_ACTION_TYPE_ACCOUNT_ENABLE {
		t.Errorf("user actions %v", actionTypes)
	}
	details := md.GetMetadata().GetCapabilities().GetCredentialDetails().GetCapabilityAccountProvisioning()
	if details.GetPreferredCredentialOption() != v2.CapabilityDetailCredentialOption_CAPABILITY_DETAIL_CREDENTIAL_OPTION_NO_PASSWORD {
		t.Errorf("account provisioning details %v", details)
	}
}

// TestProvisionDisableEnable: the resource actions flip SCIM active; repeating is success.
func TestProvisionDisableEnable(t *testing.T) {
	e := newProvEnv(t, true)
	requireOK := func(action, userID, already string, wantAlready bool) {
		t.Helper()
		resp, err := e.invoke(action, userID)
		if err := actionError(resp, err); err != nil {
			t.Fatalf("%s %s: %v", action, userID, err)
		}
		if resp.GetStatus() != v2.BatonActionStatus_BATON_ACTION_STATUS_COMPLETE {
			t.Fatalf("%s: status %v", action, resp.GetStatus())
		}
		f := resp.GetResponse().GetFields()
		if !f["success"].GetBoolValue() || f[already].GetBoolValue() != wantAlready {
			t.Errorf("%s %s: response %v, want %s=%v", action, userID, resp.GetResponse(), already, wantAlready)
		}
	}
	requireOK("disable_user", alice, "already_disabled", false)
	if e.sim.Org().Member(alice).Active {
		t.Fatalf("alice is still active")
	}
	patches := e.sim.Count("scim_patch_user")
	requireOK("disable_user", alice, "already_disabled", true)
	if e.sim.Count("scim_patch_user") != patches {
		t.Errorf("disabling twice patched twice")
	}
	if c := e.syncMatches(); c.Resources["user"][alice].GetStatus().GetStatus() != v2.Status_RESOURCE_STATUS_DISABLED {
		t.Errorf("the following sync does not show alice disabled")
	}
	requireOK("enable_user", alice, "already_enabled", false)
	requireOK("enable_user", alice, "already_enabled", true)
	if !e.sim.Org().Member(alice).Active {
		t.Fatalf("alice was not enabled")
	}
	requireOK("enable_user", carol, "already_enabled", false)
	if c := e.syncMatches(); c.Resources["user"][carol].GetStatus().GetStatus() != v2.Status_RESOURCE_STATUS_ENABLED {
		t.Errorf("the following sync does not show carol enabled")
	}

	for _, who := range []string{ext, guest} {
		e.refused(t, codes.FailedPrecondition, func() error { return actionError(e.invoke("disable_user", who)) },
			"SCIM", "guests or external users", "admin UI")
	}
	e.refused(t, codes.NotFound, func() error { return actionError(e.invoke("disable_user", stranger)) }, "not a member")
}

// TestProvisionDeleteAccount: SCIM delete; gone is success with ResourceDoesNotExist.
func TestProvisionDeleteAccount(t *testing.T) {
	e := newProvEnv(t, true)
	resp, err := e.delete(bob)
	if err != nil {
		t.Fatalf("delete: %v", err)
	}
	requireNoAnnotation(t, resp.GetAnnotations(), "ResourceDoesNotExist")
	if e.sim.Org().Member(bob) != nil || e.sim.Org().TeamRole(teamA, bob) != "" {
		t.Fatalf("bob is still in the org or team A")
	}
	resp, err = e.delete(bob)
	if err != nil {
		t.Fatalf("second delete: %v", err)
	}
	requireAnnotation(t, resp.GetAnnotations(), "ResourceDoesNotExist")
	if e.sim.Count("scim_delete_user") != 1 {
		t.Errorf("%d SCIM deletes, want 1", e.sim.Count("scim_delete_user"))
	}
	if c := e.syncMatches(); c.Resources["user"][bob] != nil {
		t.Errorf("the following sync still lists bob")
	}
	for _, who := range []string{ext, guest} {
		e.refused(t, codes.FailedPrecondition, func() error { _, err := e.delete(who); return err },
			"SCIM", "guests or external users", "admin UI")
	}
	// The only admin of team B cannot be deleted: Miro's 409, explained.
	_, err = e.delete(admin2)
	if status.Code(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), "last admin") {
		t.Errorf("deleting the last admin of a team: %v", err)
	}
	if e.sim.Org().Member(admin2) == nil {
		t.Errorf("admin2 was deleted")
	}
}

// TestProvisionTeamWithoutWriteScope: a token without organizations:teams:write
// gets a PermissionDenied that names the scope, and the membership is unchanged.
func TestProvisionTeamWithoutWriteScope(t *testing.T) {
	e := newProvEnv(t, false)
	e.sim.SetOptions(func(o *mirosim.Options) { o.Scopes = []string{"organizations:read", "organizations:teams:read"} })
	_, err := e.grant("team", teamA, "member", alice)
	if status.Code(err) != codes.PermissionDenied || !strings.Contains(err.Error(), "organizations:teams:write") {
		t.Fatalf("grant without the write scope: %v, want PermissionDenied naming organizations:teams:write", err)
	}
	if e.sim.Org().TeamRole(teamA, alice) != "" {
		t.Errorf("alice joined team A anyway")
	}
}
