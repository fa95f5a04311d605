package connector

import (
	"context"

	"github.com/conductorone/baton-miro/pkg/miro"
)

// Team settings (--sync-team-settings): one GET …/teams/{id}/settings per
// team puts the team's sharing policy on its profile under the API's own
// field names, so a reviewer can filter teams that share publicly
// (sharingViaPublicLink allowed or allowed_with_editing), invite outsiders
// (inviteExternalUsers allowed with restrictAllowedDomains disabled), and so on.

// teamSettingsProfile reads the team's settings as profile fields; nil when
// the flag is off.
func (c *Connector) teamSettingsProfile(ctx context.Context, orgID, teamID string) (map[string]any, error) {
	if !c.teamSettings {
		return nil, nil
	}
	ts, _, err := c.client.GetTeamSettings(ctx, orgID, teamID)
	if err != nil {
		return nil, explain(err, "reading the settings of team "+teamID)
	}
	return teamSettingsFields(ts), nil
}

// teamSettingsFields maps settings to profile fields; a value Miro left out is left out.
func teamSettingsFields(ts *miro.TeamSettings) map[string]any {
	out := map[string]any{}
	set := func(k, v string) {
		if v != "" {
			out[k] = clip(v)
		}
	}
	if inv := ts.Invitation; inv != nil {
		set("inviteExternalUsers", inv.InviteExternalUsers)
		set("whoCanInvite", inv.WhoCanInvite)
	}
	if sp := ts.SharingPolicy; sp != nil {
		set("sharingViaPublicLink", sp.SharingViaPublicLink)
		set("sharingOnOrganization", sp.SharingOnOrganization)
		set("sharingOnAccount", sp.SharingOnAccount)
		set("restrictAllowedDomains", sp.RestrictAllowedDomains)
		set("defaultBoardAccess", sp.DefaultBoardAccess)
		set("defaultOrganizationAccess", sp.DefaultOrganizationAccess)
		set("defaultProjectAccess", sp.DefaultProjectAccess)
		set("defaultBoardSharingAccess", sp.DefaultBoardSharingAccess)
		set("moveBoardToAccount", sp.MoveBoardToAccount)
		if sp.AllowListedDomains != nil {
			domains := make([]any, 0, len(sp.AllowListedDomains))
			for _, d := range sp.AllowListedDomains {
				domains = append(domains, clip(d))
			}
			out["allowListedDomains"] = domains
		}
	}
	if cp := ts.Copy; cp != nil {
		set("copyAccessLevel", cp.CopyAccessLevel)
	}
	return out
}
