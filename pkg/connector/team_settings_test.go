package connector_test

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/internal/simtest"
	"github.com/conductorone/baton-miro/pkg/connector"
)

// TestSyncTeamSettings: with --sync-team-settings every team's profile
// carries its sharing policy under the API's field names, at one call per
// team; the rest of the c1z and the calls are exact. Without the flag not one
// settings call is made.
func TestSyncTeamSettings(t *testing.T) {
	ctx, cancel := syncContext(t)
	defer cancel()
	gen := mirosim.GenOptions{Seed: 94, Users: 300, Teams: 25, Groups: 5, TeamSettings: true}
	sim, org := startSim(t, gen, mirosim.Options{Credits: -1})
	got, err := simtest.SyncAndReadWith(ctx, sim, simToken, filepath.Join(t.TempDir(), "sync.c1z"), 2,
		[]connector.Option{connector.WithTeamSettings(true)})
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	parts := simtest.DefaultParts(org)
	if diff := simtest.ExpectParts(org, parts).Diff(got); diff != "" {
		t.Fatalf("c1z differs from the org:\n%s", diff)
	}
	parts.TeamSettings = true
	requireBudgetParts(t, sim, org, parts)
	public := 0
	for _, team := range org.Teams {
		ts := org.TeamSettings[team.ID]
		f := got.Resources["team"][team.ID].GetProfile().AsMap()
		for k, v := range map[string]string{"sharingViaPublicLink": ts.SharingViaPublicLink, "sharingOnOrganization": ts.SharingOnOrganization,
			"sharingOnAccount": ts.SharingOnAccount, "inviteExternalUsers": ts.InviteExternalUsers, "whoCanInvite": ts.WhoCanInvite,
			"restrictAllowedDomains": ts.RestrictAllowedDomains, "defaultBoardAccess": ts.DefaultBoardAccess} {
			if f[k] != v {
				t.Errorf("team %s profile %s = %v, want %q", team.ID, k, f[k], v)
			}
		}
		var domains []string
		for _, d := range f["allowListedDomains"].([]any) {
			domains = append(domains, d.(string))
		}
		if !slices.Equal(domains, ts.AllowListedDomains) && len(domains)+len(ts.AllowListedDomains) > 0 {
			t.Errorf("team %s allowListedDomains %v, want %v", team.ID, domains, ts.AllowListedDomains)
		}
		if ts.SharingViaPublicLink != "not_allowed" {
			public++
		}
	}
	t.Logf("%d teams, %d settings calls; %d teams allow public links", len(org.Teams), sim.Count("get_team_settings"), public)

	before := sim.Count("get_team_settings")
	if _, err := simtest.SyncAndRead(ctx, sim, simToken, filepath.Join(t.TempDir(), "off.c1z"), 2); err != nil {
		t.Fatal(err)
	}
	if n := sim.Count("get_team_settings") - before; n != 0 {
		t.Errorf("%d settings calls without --sync-team-settings", n)
	}
}
