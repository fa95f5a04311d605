package miro

import (
	"context"
	"net/http"
)

// TeamSettings are a team's settings (GET /v2/orgs/{org_id}/teams/{team_id}/settings,
// organizations:teams:read, Level 1); only the parts that say how the team
// shares and invites are typed.
type TeamSettings struct {
	OrganizationID string                   `json:"organizationId,omitempty"`
	TeamID         string                   `json:"teamId,omitempty"`
	Invitation     *TeamInvitationSettings  `json:"teamInvitationSettings,omitempty"`
	SharingPolicy  *TeamSharingPolicy       `json:"teamSharingPolicySettings,omitempty"`
	Copy           *TeamCopyAccessSettings  `json:"teamCopyAccessLevelSettings,omitempty"`
	Discovery      *TeamDiscoverySettings   `json:"teamAccountDiscoverySettings,omitempty"`
	Collaboration  *TeamCollaborationConfig `json:"teamCollaborationSettings,omitempty"`
}

// TeamInvitationSettings says who may invite whom: inviteExternalUsers
// allowed | not_allowed; whoCanInvite only_org_admins | admins | all_members.
type TeamInvitationSettings struct {
	InviteExternalUsers string `json:"inviteExternalUsers,omitempty"`
	WhoCanInvite        string `json:"whoCanInvite,omitempty"`
}

// TeamSharingPolicy is the team's sharing policy: sharingViaPublicLink
// (allowed | allowed_with_editing | not_allowed) is who may share by public
// link; restrictAllowedDomains with allowListedDomains limits invitations.
type TeamSharingPolicy struct {
	AllowListedDomains        []string `json:"allowListedDomains,omitempty"`
	CreateAssetAccessLevel    string   `json:"createAssetAccessLevel,omitempty"`
	DefaultBoardAccess        string   `json:"defaultBoardAccess,omitempty"`
	DefaultBoardSharingAccess string   `json:"defaultBoardSharingAccess,omitempty"`
	DefaultOrganizationAccess string   `json:"defaultOrganizationAccess,omitempty"`
	DefaultProjectAccess      string   `json:"defaultProjectAccess,omitempty"`
	MoveBoardToAccount        string   `json:"moveBoardToAccount,omitempty"`
	RestrictAllowedDomains    string   `json:"restrictAllowedDomains,omitempty"`
	SharingOnAccount          string   `json:"sharingOnAccount,omitempty"`
	SharingOnOrganization     string   `json:"sharingOnOrganization,omitempty"`
	SharingViaPublicLink      string   `json:"sharingViaPublicLink,omitempty"`
}

// TeamCopyAccessSettings says who may copy the team's boards.
type TeamCopyAccessSettings struct {
	CopyAccessLevel           string `json:"copyAccessLevel,omitempty"`
	CopyAccessLevelLimitation string `json:"copyAccessLevelLimitation,omitempty"`
}

// TeamDiscoverySettings says whether people can find and join the team.
type TeamDiscoverySettings struct {
	AccountDiscovery string `json:"accountDiscovery,omitempty"`
}

// TeamCollaborationConfig says whether the co-owner role is on.
type TeamCollaborationConfig struct {
	CoOwnerRole string `json:"coOwnerRole,omitempty"`
}

// GetTeamSettings returns a team's settings.
func (c *Client) GetTeamSettings(ctx context.Context, orgID, teamID string) (*TeamSettings, *Response, error) {
	return call[TeamSettings](ctx, c, restCall(http.MethodGet, Level1, ScopeTeamsRead, "/v2/orgs/%s/teams/%s/settings", orgID, teamID))
}
