package mirosim

import (
	"math/rand/v2"
	"net/http"
	"slices"
)

// TeamSettings are a team's settings with the values of the spec's TeamSettings enums (GET
// /v2/orgs/{org}/teams/{team}/settings). The sharing policy is what a reviewer filters on: SharingViaPublicLink
// (public links; allowed_with_editing = links that let anyone edit), SharingOnOrganization, InviteExternalUsers,
// RestrictAllowedDomains with AllowListedDomains.
type TeamSettings struct {
	AccountDiscovery                           string // hidden | request | join
	CoOwnerRole                                string // enabled | disabled
	CopyAccessLevel, CopyAccessLevelLimitation string // anyone | team_members | team_editors; anyone | team_members
	InviteExternalUsers                        string // allowed | not_allowed
	WhoCanInvite                               string // only_org_admins | admins | all_members
	AllowListedDomains                         []string
	CreateAssetAccessLevel                     string // company_admins | admins | all_members
	DefaultBoardAccess                         string // private | view | comment | edit
	DefaultBoardSharingAccess                  string // team_members_with_editing_rights | owner_and_coowners
	DefaultOrganizationAccess                  string // private | view | comment | edit
	DefaultProjectAccess                       string // private | view
	MoveBoardToAccount                         string // allowed | not_allowed
	RestrictAllowedDomains                     string // enabled | enabled_with_external_user_access | disabled
	SharingOnAccount                           string // allowed | not_allowed
	SharingOnOrganization                      string // allowed | allowed_with_editing | not_allowed
	SharingViaPublicLink                       string // allowed | allowed_with_editing | not_allowed
}

// DefaultTeamSettings are the settings of a team the org holds none for. Miro documents no defaults; these are
// permissive sharing and private defaults for new content.
func DefaultTeamSettings() TeamSettings {
	return TeamSettings{AccountDiscovery: "request", CoOwnerRole: "enabled", CopyAccessLevel: "anyone",
		CopyAccessLevelLimitation: "anyone", InviteExternalUsers: "allowed", WhoCanInvite: "all_members",
		AllowListedDomains: []string{}, CreateAssetAccessLevel: "all_members", DefaultBoardAccess: "private",
		DefaultBoardSharingAccess: "team_members_with_editing_rights", DefaultOrganizationAccess: "private",
		DefaultProjectAccess: "private", MoveBoardToAccount: "allowed", RestrictAllowedDomains: "disabled",
		SharingOnAccount: "allowed", SharingOnOrganization: "allowed", SharingViaPublicLink: "allowed"}
}

var (
	publicLinkWeights = []weighted{{"allowed", 50}, {"allowed_with_editing", 15}, {"not_allowed", 35}}
	orgSharingWeights = []weighted{{"allowed", 55}, {"allowed_with_editing", 25}, {"not_allowed", 20}}
	allowedWeights    = []weighted{{"allowed", 60}, {"not_allowed", 40}}
	restrictWeights   = []weighted{{"disabled", 60}, {"enabled", 25}, {"enabled_with_external_user_access", 15}}
	discoveryWeights  = []weighted{{"hidden", 30}, {"request", 50}, {"join", 20}}
	whoInviteWeights  = []weighted{{"only_org_admins", 20}, {"admins", 30}, {"all_members", 50}}
	accessWeights     = []weighted{{"private", 50}, {"view", 25}, {"comment", 10}, {"edit", 15}}
)

// generateTeamSettings gives every team settings of its own from a PRNG stream of its own. The first three
// teams take the riskiest sharing postures (public links for editing; external invites with no domain
// restriction; domains restricted to the org's), so small orgs cover them.
func generateTeamSettings(o GenOptions, teams []Team) map[string]TeamSettings {
	if len(teams) == 0 {
		return nil
	}
	r := rand.New(rand.NewPCG(uint64(o.Seed), 0x73657474696e67)) // "setting"
	out := make(map[string]TeamSettings, len(teams))
	for i := range teams {
		ts := DefaultTeamSettings()
		ts.AccountDiscovery = pick(r, discoveryWeights)
		ts.CoOwnerRole = pick(r, []weighted{{"enabled", 80}, {"disabled", 20}})
		ts.CopyAccessLevel = pick(r, copyAccessWeights[:3])
		ts.InviteExternalUsers = pick(r, allowedWeights)
		ts.WhoCanInvite = pick(r, whoInviteWeights)
		ts.DefaultBoardAccess = pick(r, accessWeights)
		ts.DefaultOrganizationAccess = pick(r, accessWeights)
		ts.DefaultProjectAccess = pick(r, []weighted{{"private", 70}, {"view", 30}})
		ts.SharingOnAccount = pick(r, allowedWeights)
		ts.SharingOnOrganization = pick(r, orgSharingWeights)
		ts.SharingViaPublicLink = pick(r, publicLinkWeights)
		ts.RestrictAllowedDomains = pick(r, restrictWeights)
		switch i {
		case 0:
			ts.SharingViaPublicLink, ts.SharingOnOrganization = "allowed_with_editing", "allowed_with_editing"
		case 1:
			ts.InviteExternalUsers, ts.RestrictAllowedDomains = "allowed", "disabled"
		case 2:
			ts.SharingViaPublicLink, ts.InviteExternalUsers, ts.RestrictAllowedDomains = "not_allowed", "not_allowed", "enabled"
		}
		if ts.RestrictAllowedDomains != "disabled" {
			ts.AllowListedDomains = slices.Clone(internalDomains[:1+r.IntN(len(internalDomains))])
		}
		out[teams[i].ID] = ts
	}
	return out
}

type teamSettingsOut struct {
	OrganizationID string `json:"organizationId"`
	TeamID         string `json:"teamId"`
	Discovery      struct {
		AccountDiscovery string `json:"accountDiscovery"`
	} `json:"teamAccountDiscoverySettings"`
	Collaboration struct {
		CoOwnerRole string `json:"coOwnerRole"`
	} `json:"teamCollaborationSettings"`
	Copy struct {
		CopyAccessLevel           string `json:"copyAccessLevel"`
		CopyAccessLevelLimitation string `json:"copyAccessLevelLimitation"`
	} `json:"teamCopyAccessLevelSettings"`
	Invitation struct {
		InviteExternalUsers string `json:"inviteExternalUsers"`
		WhoCanInvite        string `json:"whoCanInvite"`
	} `json:"teamInvitationSettings"`
	Sharing struct {
		AllowListedDomains        []string `json:"allowListedDomains"`
		CreateAssetAccessLevel    string   `json:"createAssetAccessLevel"`
		DefaultBoardAccess        string   `json:"defaultBoardAccess"`
		DefaultBoardSharingAccess string   `json:"defaultBoardSharingAccess"`
		DefaultOrganizationAccess string   `json:"defaultOrganizationAccess"`
		DefaultProjectAccess      string   `json:"defaultProjectAccess"`
		MoveBoardToAccount        string   `json:"moveBoardToAccount"`
		RestrictAllowedDomains    string   `json:"restrictAllowedDomains"`
		SharingOnAccount          string   `json:"sharingOnAccount"`
		SharingOnOrganization     string   `json:"sharingOnOrganization"`
		SharingViaPublicLink      string   `json:"sharingViaPublicLink"`
	} `json:"teamSharingPolicySettings"`
	Type string `json:"type"`
}

func teamSettingsJSON(orgID, teamID string, ts TeamSettings) teamSettingsOut {
	o := teamSettingsOut{OrganizationID: orgID, TeamID: teamID, Type: "team-settings"}
	o.Discovery.AccountDiscovery = ts.AccountDiscovery
	o.Collaboration.CoOwnerRole = ts.CoOwnerRole
	o.Copy.CopyAccessLevel, o.Copy.CopyAccessLevelLimitation = ts.CopyAccessLevel, ts.CopyAccessLevelLimitation
	o.Invitation.InviteExternalUsers, o.Invitation.WhoCanInvite = ts.InviteExternalUsers, ts.WhoCanInvite
	sp := &o.Sharing
	sp.AllowListedDomains = slices.Clone(ts.AllowListedDomains)
	if sp.AllowListedDomains == nil {
		sp.AllowListedDomains = []string{}
	}
	sp.CreateAssetAccessLevel, sp.DefaultBoardAccess = ts.CreateAssetAccessLevel, ts.DefaultBoardAccess
	sp.DefaultBoardSharingAccess, sp.DefaultOrganizationAccess = ts.DefaultBoardSharingAccess, ts.DefaultOrganizationAccess
	sp.DefaultProjectAccess, sp.MoveBoardToAccount = ts.DefaultProjectAccess, ts.MoveBoardToAccount
	sp.RestrictAllowedDomains, sp.SharingOnAccount = ts.RestrictAllowedDomains, ts.SharingOnAccount
	sp.SharingOnOrganization, sp.SharingViaPublicLink = ts.SharingOnOrganization, ts.SharingViaPublicLink
	return o
}

func (s *Server) getTeamSettings(c *call) {
	s.reading(func() answer {
		t := s.team(c.r.PathValue("team"))
		if t == nil {
			return c.teamNotFound
		}
		ts, ok := s.org.TeamSettings[t.ID]
		if !ok {
			ts = DefaultTeamSettings()
		}
		out := teamSettingsJSON(s.orgID, t.ID, ts)
		if c.mal == MalformedHugeStrings {
			out.Sharing.AllowListedDomains = append(out.Sharing.AllowListedDomains, huge(".example.com"))
		}
		return c.reply(http.StatusOK, out)
	})
}
