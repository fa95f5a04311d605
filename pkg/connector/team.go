package connector

import (
	"context"

	"github.com/conductorone/baton-miro/pkg/miro"
	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/conductorone/baton-sdk/pkg/types/grant"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"
)

// Teams: each team is a group resource whose entitlements are the team roles;
// its grants are its memberships and the user groups attached to it
// (user_group.go); with --sync-boards its boards and projects are child
// resource types (board.go, project.go). Provisioning adds, changes and
// removes memberships.

// teamRoleExclusionGroup marks a team's member and admin entitlements as
// mutually exclusive (a membership has one role). Groups are global, so each
// team has its own.
func teamRoleExclusionGroup(teamID string) string { return "team-role:" + teamID }

// isKnownTeamRole reports whether role is a team role of teamRoles (roles.go).
func isKnownTeamRole(role string) bool { return teamRoles.known(role) }

var (
	_ connectorbuilder.ResourceSyncerV2              = (*teamBuilder)(nil)
	_ connectorbuilder.ResourceTargetedSyncerLimited = (*teamBuilder)(nil)
	_ connectorbuilder.ResourceProvisionerV2Limited  = (*teamBuilder)(nil)
)

// teamBuilder lists teams; each membership is a grant of the membership's role.
type teamBuilder struct{ conn *Connector }

func (b *teamBuilder) ResourceType(context.Context) *v2.ResourceType { return teamResourceType }

func (b *teamBuilder) List(ctx context.Context, _ *v2.ResourceId, opts rs.SyncOpAttrs) ([]*v2.Resource, *rs.SyncOpResults, error) {
	orgID, err := b.conn.OrgID(ctx)
	if err != nil {
		return nil, nil, err
	}
	t, err := parsePageToken(opts.PageToken.Token, "teams")
	if err != nil {
		return nil, nil, err
	}
	page, resp, err := fetchPage(ctx, &b.conn.scope(opts).lists, "teams", t.Cursor,
		func(ctx context.Context, cursor string) (*miro.Page[miro.Team], *miro.Response, error) {
			return b.conn.client.ListTeams(ctx, orgID, cursor)
		})
	if err != nil {
		return nil, nil, explain(err, "listing teams")
	}
	out := make([]*v2.Resource, 0, len(page.Data))
	ids := make([]string, 0, len(page.Data))
	for _, t := range page.Data {
		r, err := b.conn.teamWithChildren(ctx, orgID, t)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, r)
		ids = append(ids, t.ID)
	}
	b.conn.prefetch.add(ctx, b.conn.scope(opts), ids)
	teamListing.record(ctx, opts.Session, t.Cursor, page.Cursor, ids, nil)
	return out, &rs.SyncOpResults{NextPageToken: pageToken{Cursor: page.Cursor}.String(), Annotations: rateLimitAnnotations(resp)}, nil
}

func teamResource(t miro.Team) (*v2.Resource, error) { return teamResourceWith(t, nil) }

// teamResourceWith is teamResource with more profile fields (the team's
// settings, team_settings.go).
func teamResourceWith(t miro.Team, more map[string]any) (*v2.Resource, error) {
	profile := map[string]any{"team_id": t.ID, "name": clip(t.Name)}
	for k, v := range more {
		profile[k] = v
	}
	return rs.NewGroupResource(displayName(t.Name, t.ID), teamResourceType, t.ID, nil, rs.WithResourceProfile(profile))
}

// teamWithChildren is teamResource that, with --sync-boards, announces the
// team's boards and projects as child resource types (ChildResourceType),
// which the SDK then lists per team; with --sync-team-settings its profile
// carries the team's sharing policy (one call per team).
func (c *Connector) teamWithChildren(ctx context.Context, orgID string, t miro.Team) (*v2.Resource, error) {
	settings, err := c.teamSettingsProfile(ctx, orgID, t.ID)
	if err != nil {
		return nil, err
	}
	r, err := teamResourceWith(t, settings)
	if err != nil || !c.syncBoards {
		return r, err
	}
	annos := annotations.Annotations(r.GetAnnotations())
	annos.Append(&v2.ChildResourceType{ResourceTypeId: boardResourceType.GetId()},
		&v2.ChildResourceType{ResourceTypeId: projectResourceType.GetId()})
	r.SetAnnotations(annos)
	return r, nil
}

// Get serves targeted syncs of one team (--sync-resources team:ID); with
// --sync-boards its boards and projects follow.
func (b *teamBuilder) Get(ctx context.Context, id, _ *v2.ResourceId) (*v2.Resource, annotations.Annotations, error) {
	orgID, err := b.conn.OrgID(ctx)
	if err != nil {
		return nil, nil, err
	}
	t, resp, err := b.conn.client.GetTeam(ctx, orgID, id.GetResource())
	if err != nil {
		return nil, nil, explain(err, "reading team "+id.GetResource())
	}
	r, err := b.conn.teamWithChildren(ctx, orgID, *t)
	return r, rateLimitAnnotations(resp), err
}

// Entitlements are the team roles; they cost no API call.
func (b *teamBuilder) Entitlements(_ context.Context, r *v2.Resource, _ rs.SyncOpAttrs) ([]*v2.Entitlement, *rs.SyncOpResults, error) {
	return teamRoles.entitlements(r), &rs.SyncOpResults{}, nil
}

// Grants pages the team's members, then the user groups attached to it when
// the sync reads links per team (links.go, linkSide): each attached group is
// granted the team role, expandable to the group's members (sources: the
// group's member entitlement; a direct member's own grant gains that source
// too).
func (b *teamBuilder) Grants(ctx context.Context, r *v2.Resource, opts rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	return withLinkPhase(opts.PageToken.Token,
		func() (bool, error) { return b.conn.teamGroupsWanted(ctx, opts), nil },
		func(cursor string) ([]*v2.Grant, *rs.SyncOpResults, error) {
			return b.memberGrants(ctx, r, opts, cursor)
		},
		func(cursor string) ([]*v2.Grant, *rs.SyncOpResults, error) {
			return b.groupGrants(ctx, r, opts, cursor)
		})
}

// memberGrants lists the page at cursor of the team's members; every
// membership is one grant.
func (b *teamBuilder) memberGrants(ctx context.Context, r *v2.Resource, opts rs.SyncOpAttrs, cursor string) ([]*v2.Grant, *rs.SyncOpResults, error) {
	teamID := r.GetId().GetResource()
	page, annos, err := b.conn.prefetch.page(ctx, b.conn.scope(opts), teamID, cursor)
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

// groupGrants lists one page of the groups attached to the team.
func (b *teamBuilder) groupGrants(ctx context.Context, r *v2.Resource, opts rs.SyncOpAttrs, cursor string) ([]*v2.Grant, *rs.SyncOpResults, error) {
	c := b.conn
	orgID, err := c.OrgID(ctx)
	if err != nil {
		return nil, nil, err
	}
	teamID := r.GetId().GetResource()
	team := &v2.Resource{Id: r.GetId()}
	return groupLinkPage(ctx, c, opts, "user groups of team "+teamID, cursor,
		func(ctx context.Context, cursor string) (*miro.Page[miro.TeamGroup], *miro.Response, error) {
			return c.client.ListTeamGroups(ctx, orgID, teamID, cursor)
		},
		func(tg miro.TeamGroup) (string, string) { return tg.GroupID(), tg.Role },
		func(ids []string) map[string]bool { return unlistedGroups(ctx, opts.Session, ids) },
		func(groupID, role string) *v2.Grant { return teamGroupGrant(ctx, team, groupID, role) })
}

// teamGroupGrant grants the team role to the group's member entitlement,
// expandable to the group's members. An unknown role is kept as member with
// the raw role in the metadata (as for team members).
func teamGroupGrant(ctx context.Context, team *v2.Resource, groupID, role string) *v2.Grant {
	return groupLinkGrant(ctx, team, groupID, role, teamRoles)
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

// Team membership provisioning over the REST API: invite by email (POST),
// change role (PATCH) and remove (DELETE). Every change first reads the
// current membership (GET team member, 404 = not a member); the team id, role
// and user come from the entitlement and the principal id, never from the
// principal's traits or the grant id.

// Grant makes the user a member or admin of the team. A member who holds the
// other role is changed in place and the old grant reported as replaced.
func (b *teamBuilder) Grant(ctx context.Context, principal *v2.Resource, e *v2.Entitlement) ([]*v2.Grant, annotations.Annotations, error) {
	teamID, role, userID, err := changeTarget(e, principal.GetId(), teamResourceType)
	if err != nil {
		return nil, nil, err
	}
	doing := "granting the " + role + " role of Miro team " + teamID + " to user " + userID
	switch role {
	case miro.TeamRoleMember, miro.TeamRoleAdmin:
	case miro.TeamRoleNonTeam, miro.TeamRoleGuest:
		return nil, nil, invalid(doing, "Miro's API cannot grant the %q team role: non-team access comes from sharing boards "+
			"with people outside the team, and team guest is a legacy role Miro no longer accepts; grant %q or %q instead",
			role, miro.TeamRoleMember, miro.TeamRoleAdmin)
	default:
		return nil, nil, invalid(doing, "%q is not a Miro team role that can be granted (use %q or %q)", role, miro.TeamRoleMember, miro.TeamRoleAdmin)
	}
	c := b.conn
	orgID, err := c.OrgID(ctx)
	if err != nil {
		return nil, nil, err
	}
	team := entitlementResource(e, teamResourceType.GetId(), teamID)
	granted := []*v2.Grant{grant.NewGrant(team, role, principalOf(userID))}

	cur, found, err := c.teamMembership(ctx, orgID, teamID, userID)
	if err != nil {
		return nil, nil, err
	}
	if !found {
		m, inOrg, err := c.readMember(ctx, userID)
		if err != nil {
			return nil, nil, err
		}
		if !inOrg {
			return nil, nil, notFound(doing, "user %s is not a member of the Miro organization; only organization members can join a team "+
				"(create the account first)", userID)
		}
		if m.Email == "" {
			return nil, nil, invalid(doing, "Miro reports no email for user %s, and team invitations are by email", userID)
		}
		_, resp, err := c.client.InviteTeamMember(ctx, orgID, teamID, m.Email, role)
		if err == nil {
			ctxzap.Extract(ctx).Info("added user to Miro team", zap.String("team_id", teamID), zap.String("user_id", userID), zap.String("role", role))
			return granted, rateLimitAnnotations(resp), nil
		}
		if !miro.IsConflict(err) {
			return nil, nil, explain(err, doing)
		}
		// 409: they joined the team since our read; look again.
		conflict := err
		if cur, found, err = c.teamMembership(ctx, orgID, teamID, userID); err != nil {
			return nil, nil, err
		}
		if !found {
			return nil, nil, explain(conflict, doing)
		}
	}
	held := teamGrantSlug(cur.Role)
	if held == role {
		return granted, annotations.New(&v2.GrantAlreadyExists{}), nil
	}
	_, resp, err := c.client.UpdateTeamMember(ctx, orgID, teamID, userID, role)
	if err != nil {
		return nil, nil, explain(err, doing)
	}
	ctxzap.Extract(ctx).Info("changed Miro team role", zap.String("team_id", teamID), zap.String("user_id", userID),
		zap.String("from", cur.Role), zap.String("to", role))
	annos := rateLimitAnnotations(resp)
	annos = grant.AppendGrantReplaced(annos, grant.NewGrant(team, held, principalOf(userID)).GetId())
	return granted, annos, nil
}

// Revoke removes the membership the grant stands for. A membership that is
// gone, or that now has another role (a different grant), is already revoked.
func (b *teamBuilder) Revoke(ctx context.Context, g *v2.Grant) (annotations.Annotations, error) {
	teamID, role, userID, err := changeTarget(g.GetEntitlement(), g.GetPrincipal().GetId(), teamResourceType)
	if err != nil {
		return nil, err
	}
	doing := "revoking the " + role + " role of Miro team " + teamID + " from user " + userID
	if !isKnownTeamRole(role) {
		return nil, invalid(doing, "%q is not a Miro team role", role)
	}
	c := b.conn
	orgID, err := c.OrgID(ctx)
	if err != nil {
		return nil, err
	}
	cur, found, err := c.teamMembership(ctx, orgID, teamID, userID)
	if err != nil {
		return nil, err
	}
	if !found || teamGrantSlug(cur.Role) != role {
		return annotations.New(&v2.GrantAlreadyRevoked{}), nil
	}
	resp, err := c.client.RemoveTeamMember(ctx, orgID, teamID, userID)
	if miro.IsNotFound(err) {
		return annotations.New(&v2.GrantAlreadyRevoked{}), nil
	}
	if err != nil {
		return nil, explain(err, doing)
	}
	ctxzap.Extract(ctx).Info("removed user from Miro team", zap.String("team_id", teamID), zap.String("user_id", userID))
	return rateLimitAnnotations(resp), nil
}

// teamMembership reads one membership; found is false on 404 (not a member).
func (c *Connector) teamMembership(ctx context.Context, orgID, teamID, userID string) (*miro.TeamMember, bool, error) {
	tm, _, err := c.client.GetTeamMember(ctx, orgID, teamID, userID)
	if miro.IsNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, explain(err, "reading the membership of user "+userID+" in Miro team "+teamID)
	}
	return tm, true, nil
}

// teamGrantSlug is the entitlement a sync reports for a membership role:
// unknown roles are reported as member (see teamGrant).
func teamGrantSlug(role string) string {
	if isKnownTeamRole(role) {
		return role
	}
	return miro.TeamRoleMember
}
