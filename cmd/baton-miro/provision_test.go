package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"

	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/internal/synctest"
)

// The provisioning fixture: a small hand-made org, so every step names the
// person it is about.
const (
	pTeamA = "3074457346000000001" // admin1 admin, bob member
	pTeamB = "3074457346000000002" // admin2 admin
	pAdmin = "3458764500000000001"
	pAlice = "3458764500000000003" // internal user, free license, in no team
	pBob   = "3458764500000000004" // internal user, full license, member of team A
	pGuest = "3458764500000000007" // team guest
)

func provisioningOrg() *mirosim.Org {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return &mirosim.Org{
		ID: "3074457345000000001", Name: "Provisioning Inc.", Plan: "company", FullLicensesPurchased: 10,
		Members: []mirosim.Member{
			{ID: pAdmin, Email: "admin1@example.com", Active: true, Role: "organization_internal_admin", License: "full"},
			{ID: "3458764500000000002", Email: "admin2@example.com", Active: true, Role: "organization_internal_admin", License: "full"},
			{ID: pAlice, Email: "alice@example.com", Active: true, Role: "organization_internal_user", License: "free"},
			{ID: pBob, Email: "bob@example.com", Active: true, Role: "organization_internal_user", License: "full"},
			{ID: pGuest, Email: "guest@agency.example.org", Active: true, Role: "organization_team_guest_user", License: "free_restricted"},
		},
		Teams: []mirosim.Team{
			{ID: pTeamA, Name: "Alpha", Members: []mirosim.TeamMember{
				{UserID: pAdmin, Role: "admin", CreatedAt: at}, {UserID: pBob, Role: "member", CreatedAt: at}}},
			{ID: pTeamB, Name: "Beta", Members: []mirosim.TeamMember{{UserID: "3458764500000000002", Role: "admin", CreatedAt: at}}},
		},
	}
}

var writeRoutes = []string{"invite_team_member", "update_team_member", "delete_team_member",
	"scim_create_user", "scim_patch_user", "scim_replace_user", "scim_delete_user"}

// newBinProv: the provisioning org, with SCIM (every run but a refusal's carries its token).
func newBinProv(t *testing.T) *binHarness {
	t.Helper()
	return newBinHarness(t, provisioningOrg(), mirosim.Options{Token: goodToken, SCIMToken: scimToken, Credits: -1}, scimToken, writeRoutes)
}

func grantArgs(entitlement, userID string) []string {
	return []string{"--grant-entitlement", entitlement, "--grant-principal", userID, "--grant-principal-type", "user"}
}

func actionArgs(action, userID string) []string {
	return []string{"--invoke-action", action, "--invoke-action-resource-type", "user",
		"--invoke-action-args", `{"user_id":{"resource_type_id":"user","resource_id":"` + userID + `"}}`}
}

// TestBinaryProvisioning carries out every kind of change with the real
// binary's one-shot flags, each twice, and checks the simulator and a
// following sync after each.
func TestBinaryProvisioning(t *testing.T) {
	b := newBinProv(t)
	b.sync() // the one-shot flags read entitlements, principals and grants from this c1z

	// Team membership: grant (invite by email), then revoke by grant id.
	b.twice(grantArgs("team:"+pTeamA+":member", pAlice)...)
	if got := b.sim.Org().TeamRole(pTeamA, pAlice); got != "member" || b.sim.Count("invite_team_member") != 1 {
		t.Fatalf("after grant: alice is %q of team A, %d invites", got, b.sim.Count("invite_team_member"))
	}
	teamGrant := "team:" + pTeamA + ":member:user:" + pAlice
	if c := b.sync(); c.Grants[synctest.GrantKey("team:"+pTeamA+":member", "user", pAlice)] == nil {
		t.Fatalf("the sync after the grant lacks %s", teamGrant)
	}
	b.twice("--revoke-grant", teamGrant)
	if got := b.sim.Org().TeamRole(pTeamA, pAlice); got != "" || b.sim.Count("delete_team_member") != 1 {
		t.Fatalf("after revoke: alice is %q of team A, %d deletes", got, b.sim.Count("delete_team_member"))
	}
	if c := b.sync(); c.Grants[synctest.GrantKey("team:"+pTeamA+":member", "user", pAlice)] != nil {
		t.Fatalf("the sync after the revoke still has %s", teamGrant)
	}

	// Org role and license through SCIM.
	b.twice(grantArgs("role:organization_internal_admin:assigned", pAlice)...)
	b.twice(grantArgs("license:full:assigned", pAlice)...)
	if m := b.sim.Org().Member(pAlice); m.Role != "organization_internal_admin" || m.License != "full" {
		t.Fatalf("after grants alice is %s with %s", m.Role, m.License)
	}
	if n := b.sim.Count("scim_patch_user"); n != 2 {
		t.Errorf("%d SCIM patches for two grants run twice each, want 2", n)
	}
	b.sync()
	b.twice("--revoke-grant", "role:organization_internal_admin:assigned:user:"+pAlice)
	if m := b.sim.Org().Member(pAlice); m.Role != "organization_internal_user" {
		t.Fatalf("after revoke alice is %s", m.Role)
	}
	b.sync()

	// Create account.
	const email = "new.person@example.com"
	b.twice("--create-account-email", email, "--create-account-profile", `{"email":"`+email+`","given_name":"New","family_name":"Person"}`)
	var created *mirosim.Member
	for _, m := range b.sim.Org().Members {
		if m.Email == email {
			created = &m
		}
	}
	if created == nil || created.GivenName != "New" || created.FamilyName != "Person" || b.sim.Count("scim_create_user") != 1 {
		t.Fatalf("after create: member %+v, %d SCIM creates", created, b.sim.Count("scim_create_user"))
	}
	if c := b.sync(); c.Resources["user"][created.ID] == nil {
		t.Fatalf("the sync after the create lacks user %s", created.ID)
	}

	// Disable (resource action), then enable.
	b.twice(actionArgs("disable_user", created.ID)...)
	if b.sim.Org().Member(created.ID).Active {
		t.Fatalf("the new user is still active")
	}
	if c := b.sync(); c.Resources["user"][created.ID].GetStatus().GetStatus() != v2.Status_RESOURCE_STATUS_DISABLED {
		t.Fatalf("the sync after the disable does not show the user disabled")
	}
	b.twice(actionArgs("enable_user", created.ID)...)
	if !b.sim.Org().Member(created.ID).Active {
		t.Fatalf("the new user was not enabled")
	}

	// Delete.
	b.twice("--delete-resource", pBob, "--delete-resource-type", "user")
	if b.sim.Org().Member(pBob) != nil || b.sim.Count("scim_delete_user") != 1 {
		t.Fatalf("after delete: bob still exists or %d SCIM deletes", b.sim.Count("scim_delete_user"))
	}
	if c := b.sync(); c.Resources["user"][pBob] != nil {
		t.Fatalf("the sync after the delete still lists bob")
	}
}

// TestBinaryProvisioningRefusals: what Miro cannot do fails with a clear
// message and makes no write call.
func TestBinaryProvisioningRefusals(t *testing.T) {
	b := newBinProv(t)
	b.sync()
	// Exit codes are the gRPC codes: 3 InvalidArgument, 9 FailedPrecondition, actions included (the
	// SDK reports a failed action without its code; main records it).
	const invalidArgument, failedPrecondition = 3, 9
	b.refused(scimToken, invalidArgument, grantArgs("team:"+pTeamA+":non_team", pAlice), "cannot grant", "non_team")
	b.refused(scimToken, invalidArgument, grantArgs("role:organization_team_guest_user:assigned", pAlice),
		"organization_internal_admin or organization_internal_user")
	b.refused(scimToken, invalidArgument, grantArgs("license:free:assigned", pBob), "cannot assign the free license", "disable the account")
	b.refused(scimToken, invalidArgument, []string{"--revoke-grant", "license:full:assigned:user:" + pBob}, "cannot remove or downgrade", "disable the account")
	const notFound = 5
	b.refused(scimToken, notFound, []string{"--revoke-grant", "role:organization_internal_admin:assigned:user:nobody"},
		"is not in the sync file", "run a sync into it first")
	b.refused(scimToken, failedPrecondition, actionArgs("disable_user", pGuest), "FailedPrecondition", "guests or external users", "admin UI")
	// update_profile: the manager must be another member of the org; no control characters.
	for _, tc := range []struct{ args, says string }{
		{`"manager":".."`, "the action failed: updating the profile of Miro account " + pAlice + ": the manager argument (..) is not a Miro member id"},
		{`"manager":"` + pAlice + `"`, "the manager argument names the user themself"},
		{`"manager":"9999999999"`, "the manager argument names 9999999999, who is not a member"},
		{`"department":"R\u0000D"`, "the department argument holds a control character (U+0000"},
		{`"display_name":"A\u001b[31m"`, "the display_name argument holds a control character (U+001B"},
		{`"manager":"1\u001b"`, "the manager argument holds a control character"},
	} {
		b.refused(scimToken, invalidArgument, []string{"--invoke-action", "update_profile", "--invoke-action-resource-type", "user",
			"--invoke-action-args", `{"user_id":"` + pAlice + `",` + tc.args + `}`}, tc.says)
	}
	b.refused(scimToken, failedPrecondition, []string{"--delete-resource", pGuest, "--delete-resource-type", "user"}, "guests or external users", "admin UI")
	// A revoke against a c1z that does not exist (main: "pebble engine: no current sync", no hint).
	missing := filepath.Join(b.t.TempDir(), "missing.c1z")
	res := run(t, 2*time.Minute, envFor(goodToken, scimToken),
		append(simArgs(b.sim), "--revoke-grant", "role:organization_internal_admin:assigned:user:"+pAlice, "-f", missing)...)
	if res.exitCode != failedPrecondition || !strings.Contains(res.stderr, "the sync file "+missing+" does not exist: run a sync into it first") {
		t.Errorf("revoke against a missing c1z: exit %d\n%s", res.exitCode, tail(res.stderr))
	}
	for _, args := range [][]string{
		grantArgs("role:organization_internal_admin:assigned", pAlice),
		grantArgs("license:full:assigned", pAlice),
		{"--delete-resource", pAlice, "--delete-resource-type", "user"},
		{"--create-account-email", "x@example.com", "--create-account-profile", `{"email":"x@example.com"}`},
	} {
		b.refused("", failedPrecondition, args, "--miro-scim-access-token")
	}
	b.refused("", failedPrecondition, actionArgs("disable_user", pAlice), "FailedPrecondition", "--miro-scim-access-token")
	b.sync() // nothing changed
}

// TestBinaryResetSessions: the offboarding action through the real binary's
// one-shot flags, twice (idempotent), reaches Miro each time.
func TestBinaryResetSessions(t *testing.T) {
	b := newBinProv(t)
	b.sync()
	b.twice(actionArgs("reset_sessions", pAlice)...)
	if n := b.sim.SessionResets(pAlice); n != 2 {
		t.Fatalf("%d session resets for alice after two runs, want 2", n)
	}
	if n := b.writeCount(); n != 0 {
		t.Errorf("signing out changed the org: %d write calls (%v)", n, b.sim.Counts())
	}
}
