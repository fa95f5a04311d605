package mirosim

import (
	"net/url"
	"reflect"
	"slices"
	"testing"
)

// teamSettingsT reads the answer the way a client would, by the spec's field names.
type teamSettingsT struct {
	OrganizationID, TeamID, Type string
	TeamAccountDiscoverySettings struct{ AccountDiscovery string }
	TeamCollaborationSettings    struct{ CoOwnerRole string }
	TeamCopyAccessLevelSettings  struct{ CopyAccessLevel, CopyAccessLevelLimitation string }
	TeamInvitationSettings       struct{ InviteExternalUsers, WhoCanInvite string }
	TeamSharingPolicySettings    struct {
		AllowListedDomains                                                    []string
		CreateAssetAccessLevel, DefaultBoardAccess, DefaultBoardSharingAccess string
		DefaultOrganizationAccess, DefaultProjectAccess, MoveBoardToAccount   string
		RestrictAllowedDomains, SharingOnAccount, SharingOnOrganization       string
		SharingViaPublicLink                                                  string
	}
}

func (g teamSettingsT) model() TeamSettings {
	sp := g.TeamSharingPolicySettings
	return TeamSettings{AccountDiscovery: g.TeamAccountDiscoverySettings.AccountDiscovery,
		CoOwnerRole:     g.TeamCollaborationSettings.CoOwnerRole,
		CopyAccessLevel: g.TeamCopyAccessLevelSettings.CopyAccessLevel, CopyAccessLevelLimitation: g.TeamCopyAccessLevelSettings.CopyAccessLevelLimitation,
		InviteExternalUsers: g.TeamInvitationSettings.InviteExternalUsers, WhoCanInvite: g.TeamInvitationSettings.WhoCanInvite,
		AllowListedDomains: sp.AllowListedDomains, CreateAssetAccessLevel: sp.CreateAssetAccessLevel,
		DefaultBoardAccess: sp.DefaultBoardAccess, DefaultBoardSharingAccess: sp.DefaultBoardSharingAccess,
		DefaultOrganizationAccess: sp.DefaultOrganizationAccess, DefaultProjectAccess: sp.DefaultProjectAccess,
		MoveBoardToAccount: sp.MoveBoardToAccount, RestrictAllowedDomains: sp.RestrictAllowedDomains,
		SharingOnAccount: sp.SharingOnAccount, SharingOnOrganization: sp.SharingOnOrganization,
		SharingViaPublicLink: sp.SharingViaPublicLink}
}

func TestTeamSettings(t *testing.T) {
	org := shareOrg()
	if len(org.TeamSettings) != len(org.Teams) {
		t.Fatalf("%d settings for %d teams", len(org.TeamSettings), len(org.Teams))
	}
	s := startSim(t, org, Options{Credits: -1})
	postures := map[string]bool{}
	for _, tm := range s.org.Teams {
		var got teamSettingsT
		s.get(s.orgPath("/teams/"+tm.ID+"/settings")).json(t, &got)
		if got.OrganizationID != s.org.ID || got.TeamID != tm.ID || got.Type != "team-settings" {
			t.Fatalf("team %s: envelope %+v", tm.ID, got)
		}
		want := s.org.TeamSettings[tm.ID]
		if m := got.model(); !settingsEqual(m, want) {
			t.Fatalf("team %s:\n got %+v\nwant %+v", tm.ID, m, want)
		}
		sp := got.TeamSharingPolicySettings
		postures["public:"+sp.SharingViaPublicLink] = true
		postures["invite:"+got.TeamInvitationSettings.InviteExternalUsers] = true
		postures["restrict:"+sp.RestrictAllowedDomains] = true
		if (sp.RestrictAllowedDomains == "disabled") != (len(sp.AllowListedDomains) == 0) {
			t.Errorf("team %s: restrict %s with domains %v", tm.ID, sp.RestrictAllowedDomains, sp.AllowListedDomains)
		}
	}
	for _, p := range []string{"public:allowed", "public:allowed_with_editing", "public:not_allowed", "invite:allowed",
		"invite:not_allowed", "restrict:disabled", "restrict:enabled"} {
		if !postures[p] {
			t.Errorf("no team with %s (have %v)", p, postures)
		}
	}
	if r := s.get(s.orgPath("/teams/42/settings")); r.status != 404 || r.errCode(t) != "notFound" {
		t.Errorf("unknown team: %d %s", r.status, r.body)
	}
}

func settingsEqual(a, b TeamSettings) bool {
	domains := slices.Equal(a.AllowListedDomains, b.AllowListedDomains)
	a.AllowListedDomains, b.AllowListedDomains = nil, nil
	return domains && reflect.DeepEqual(a, b)
}

// TestTeamSettingsDefaults: without the option every team answers DefaultTeamSettings, with an empty (not
// null) domain list.
func TestTeamSettingsDefaults(t *testing.T) {
	s := startSim(t, smallOrg(), Options{})
	if s.org.TeamSettings != nil {
		t.Fatal("settings generated without being asked for")
	}
	r := s.get(s.orgPath("/teams/" + url.PathEscape(s.org.Teams[0].ID) + "/settings"))
	wantStatus(t, r, 200)
	var got teamSettingsT
	r.json(t, &got)
	if !settingsEqual(got.model(), DefaultTeamSettings()) || got.TeamSharingPolicySettings.AllowListedDomains == nil {
		t.Fatalf("defaults %+v", got)
	}
	if s.CreditsSpent() != 50 {
		t.Errorf("spent %d", s.CreditsSpent())
	}
}
