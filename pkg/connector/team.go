package connector

import (
	"context"
	"fmt"

	"github.com/conductorone/baton-miro/pkg/miro"
	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	ent "github.com/conductorone/baton-sdk/pkg/types/entitlement"
	"github.com/conductorone/baton-sdk/pkg/types/grant"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"
)

// teamRoleExclusionGroup marks a team's member and admin entitlements as
// mutually exclusive (a membership has one role). Groups are global, so each
// team has its own.
func teamRoleExclusionGroup(teamID string) string { return "team-role:" + teamID }

// teamRoles are the team entitlements, one per team role Miro documents
// (team_guest is deprecated but still returned for old data).
var teamRoles = []struct {
	slug, name, description string
	exclusive               bool
}{
	{miro.TeamRoleMember, "Member", "Member of the team", true},
	{miro.TeamRoleAdmin, "Admin", "Admin of the team: manages its members and settings", true},
	{miro.TeamRoleNonTeam, "Non-team member", "External or non-team user with access to some of the team's boards", false},
	{miro.TeamRoleGuest, "Guest", "Legacy team guest", false},
}

func isKnownTeamRole(role string) bool {
	for _, r := range teamRoles {
		if r.slug == role {
			return true
		}
	}
	return false
}

// teamBuilder lists teams; each membership is a grant of the membership's role.
type teamBuilder struct{ conn *Connector }

func (b *teamBuilder) ResourceType(context.Context) *v2.ResourceType { return teamResourceType }

func (b *teamBuilder) List(ctx context.Context, _ *v2.ResourceId, opts rs.SyncOpAttrs) ([]*v2.Resource, *rs.SyncOpResults, error) {
	orgID, err := b.conn.OrgID(ctx)
	if err != nil {
		return nil, nil, err
	}
	page, resp, err := fetchPage(ctx, &b.conn.scope(opts).lists, "teams", opts.PageToken.Token,
		func(ctx context.Context, cursor string) (*miro.Page[miro.Team], *miro.Response, error) {
			return b.conn.client.ListTeams(ctx, orgID, cursor)
		})
	if err != nil {
		return nil, nil, explain(err, "listing teams")
	}
	out := make([]*v2.Resource, 0, len(page.Data))
	ids := make([]string, 0, len(page.Data))
	for _, t := range page.Data {
		r, err := teamResource(t)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, r)
		ids = append(ids, t.ID)
	}
	b.conn.prefetch.add(ctx, b.conn.scope(opts), ids)
	return out, &rs.SyncOpResults{NextPageToken: page.Cursor, Annotations: rateLimitAnnotations(resp)}, nil
}

func teamResource(t miro.Team) (*v2.Resource, error) {
	return rs.NewGroupResource(displayName(t.Name, t.ID), teamResourceType, t.ID, nil,
		rs.WithResourceProfile(map[string]any{"team_id": t.ID, "name": clip(t.Name)}))
}

// Entitlements are the team roles; they cost no API call.
func (b *teamBuilder) Entitlements(_ context.Context, r *v2.Resource, _ rs.SyncOpAttrs) ([]*v2.Entitlement, *rs.SyncOpResults, error) {
	out := make([]*v2.Entitlement, 0, len(teamRoles))
	for _, role := range teamRoles {
		opts := []ent.EntitlementOption{
			ent.WithGrantableTo(userResourceType),
			ent.WithDisplayName(fmt.Sprintf("%s team %s", r.GetDisplayName(), role.name)),
			ent.WithDescription(fmt.Sprintf("%s %s", role.description, r.GetDisplayName())),
		}
		if role.exclusive {
			opts = append(opts, ent.WithExclusionGroup(teamRoleExclusionGroup(r.GetId().GetResource())))
		}
		out = append(out, ent.NewAssignmentEntitlement(r, role.slug, opts...))
	}
	return out, &rs.SyncOpResults{}, nil
}

// Grants lists one page of the team's members; every membership is one grant.
func (b *teamBuilder) Grants(ctx context.Context, r *v2.Resource, opts rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	teamID := r.GetId().GetResource()
	page, annos, err := b.conn.prefetch.page(ctx, b.conn.scope(opts), teamID, opts.PageToken.Token)
	if err != nil {
		return nil, nil, err
	}
	ids := make([]string, 0, len(page.Data))
	for _, tm := range page.Data {
		ids = append(ids, tm.ID)
	}
	// Grants carry only the team's id: the full resource is stored once, not
	// once per membership.
	team := &v2.Resource{Id: r.GetId()}
	// A team member who is not an org member (removed from the org while we
	// paged, say) is not a user of this sync: a grant to them would point at
	// nothing, so it is left out and logged.
	strangers, err := b.conn.members.notMembers(ctx, opts.Session, b.conn.scope(opts), ids)
	if err != nil {
		return nil, nil, err
	}
	out := make([]*v2.Grant, 0, len(page.Data))
	for _, tm := range page.Data {
		if strangers[tm.ID] {
			ctxzap.Extract(ctx).Warn("team member is not a member of the organization; leaving the membership out",
				zap.String("team_id", teamID), zap.String("user_id", tm.ID), zap.String("role", tm.Role))
			continue
		}
		out = append(out, teamGrant(ctx, team, tm))
	}
	return out, &rs.SyncOpResults{NextPageToken: page.Cursor, Annotations: annos}, nil
}

// teamGrant maps a membership to a grant of its role. A role this version does
// not know (Miro adds values over time) is kept: the membership is granted as
// member, with the raw role in the grant's metadata and a warning, so it is
// neither lost nor a reason to fail the sync.
func teamGrant(ctx context.Context, team *v2.Resource, tm miro.TeamMember) *v2.Grant {
	principal := &v2.ResourceId{ResourceType: userResourceType.GetId(), Resource: tm.ID}
	if isKnownTeamRole(tm.Role) {
		return grant.NewGrant(team, tm.Role, principal)
	}
	ctxzap.Extract(ctx).Warn("team member has a team role this connector does not know; recording it as member with the raw role in the grant metadata",
		zap.String("team_id", team.GetId().GetResource()), zap.String("user_id", tm.ID), zap.String("role", tm.Role))
	return grant.NewGrant(team, miro.TeamRoleMember, principal,
		grant.WithGrantMetadata(map[string]any{"miro_team_role": tm.Role}))
}

// fetchTeamMembers fetches one page of a team's members (the prefetcher's
// fetch, prefetch.go): every page is shown to the sync's list guard.
func (c *Connector) fetchTeamMembers(ctx context.Context, lists *listGuard, teamID, cursor string) (*miro.Page[miro.TeamMember], annotations.Annotations, error) {
	orgID, err := c.OrgID(ctx)
	if err != nil {
		return nil, nil, err
	}
	what := "members of team " + teamID
	page, resp, err := fetchPage(ctx, lists, what, cursor,
		func(ctx context.Context, cursor string) (*miro.Page[miro.TeamMember], *miro.Response, error) {
			return c.client.ListTeamMembers(ctx, orgID, teamID, cursor)
		})
	if err != nil {
		return nil, nil, explain(err, "listing "+what)
	}
	return page, rateLimitAnnotations(resp), nil
}
