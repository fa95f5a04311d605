package connector

import (
	"context"
	"net/http"
	"strings"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/types/grant"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"

	"github.com/conductorone/baton-miro/pkg/miro"
)

// teamSyncer is the team syncer plus what hangs on a team:
//   - the user groups attached to it: after the team's member pages, its
//     group pages (list_team_groups) grant the team role to each group, with
//     a GrantExpandable annotation naming the group's member entitlement, so
//     the SDK gives every group member an expanded grant of the team role
//     (sources: the group's member entitlement; a direct member's own grant
//     gains that source too);
//   - with --sync-boards, its boards and projects: child resource types
//     (ChildResourceType annotations), listed per team.
//
// It wraps teamBuilder, whose methods (provisioning included) it inherits.
type teamSyncer struct{ *teamBuilder }

// Page-token phases of a team's grants. Every token the wrapper returns
// carries one, so a token of one phase is never read as the other's cursor.
const (
	teamMembersPhase = "m:"
	teamGroupsPhase  = "g:"
)

func (t *teamSyncer) List(ctx context.Context, parent *v2.ResourceId, opts rs.SyncOpAttrs) ([]*v2.Resource, *rs.SyncOpResults, error) {
	out, res, err := t.teamBuilder.List(ctx, parent, opts)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range out {
		t.conn.addTeamChildren(r)
	}
	return out, res, nil
}

// Get serves targeted syncs of one team; with --sync-boards its boards and
// projects follow.
func (t *teamSyncer) Get(ctx context.Context, id, parent *v2.ResourceId) (*v2.Resource, annotations.Annotations, error) {
	r, annos, err := t.teamBuilder.Get(ctx, id, parent)
	if err != nil || r == nil {
		return r, annos, err
	}
	t.conn.addTeamChildren(r)
	return r, annos, nil
}

// addTeamChildren announces a team's boards and projects when they are synced.
func (c *Connector) addTeamChildren(r *v2.Resource) {
	if !c.syncBoards {
		return
	}
	annos := annotations.Annotations(r.GetAnnotations())
	if annos.Contains(&v2.ChildResourceType{}) {
		return // already announced
	}
	annos.Append(&v2.ChildResourceType{ResourceTypeId: boardResourceType.GetId()},
		&v2.ChildResourceType{ResourceTypeId: projectResourceType.GetId()})
	r.SetAnnotations(annos)
}

// Grants pages the team's members, then the user groups attached to it.
func (t *teamSyncer) Grants(ctx context.Context, r *v2.Resource, opts rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	if cursor, ok := strings.CutPrefix(opts.PageToken.Token, teamGroupsPhase); ok {
		return t.teamGroupGrants(ctx, r, opts, cursor)
	}
	inner := opts
	inner.PageToken.Token = strings.TrimPrefix(opts.PageToken.Token, teamMembersPhase)
	out, res, err := t.teamBuilder.Grants(ctx, r, inner)
	if err != nil {
		return nil, nil, err
	}
	if res == nil {
		res = &rs.SyncOpResults{}
	}
	switch {
	case res.NextPageToken != "":
		res.NextPageToken = teamMembersPhase + res.NextPageToken
	case t.conn.teamGroupsWanted(ctx, opts):
		res.NextPageToken = teamGroupsPhase
	}
	return out, res, nil
}

// teamGroupGrants lists one page of the groups attached to the team.
func (t *teamSyncer) teamGroupGrants(ctx context.Context, r *v2.Resource, opts rs.SyncOpAttrs, cursor string) ([]*v2.Grant, *rs.SyncOpResults, error) {
	c := t.conn
	orgID, err := c.OrgID(ctx)
	if err != nil {
		return nil, nil, err
	}
	teamID := r.GetId().GetResource()
	what := "user groups of team " + teamID
	page, resp, err := fetchPage(ctx, &c.scope(opts).lists, what, cursor,
		func(ctx context.Context, cursor string) (*miro.Page[miro.TeamGroup], *miro.Response, error) {
			return c.client.ListTeamGroups(ctx, orgID, teamID, cursor)
		})
	if err != nil {
		if miro.StatusOf(err) == http.StatusForbidden {
			c.groupsRefused(ctx, opts, err)
			return nil, &rs.SyncOpResults{}, nil
		}
		return nil, nil, explain(err, "listing "+what)
	}
	ids := make([]string, 0, len(page.Data))
	for _, tg := range page.Data {
		ids = append(ids, tg.GroupID())
	}
	// A group this sync did not list (created since, say) is no principal of
	// this sync: a grant to it would point at nothing.
	unlisted := unlistedGroups(ctx, opts.Session, ids)
	team := &v2.Resource{Id: r.GetId()}
	out := make([]*v2.Grant, 0, len(page.Data))
	for _, tg := range page.Data {
		gid := tg.GroupID()
		if gid == "" {
			continue
		}
		if unlisted[gid] {
			ctxzap.Extract(ctx).Warn("a user group attached to the team was not in this sync's group listing; leaving the link out",
				zap.String("team_id", teamID), zap.String("group_id", gid))
			continue
		}
		out = append(out, teamGroupGrant(ctx, team, gid, tg.Role))
	}
	next := ""
	if page.Cursor != "" {
		next = teamGroupsPhase + page.Cursor
	}
	return out, &rs.SyncOpResults{NextPageToken: next, Annotations: rateLimitAnnotations(resp)}, nil
}

// teamGroupGrant grants the team role to the group's member entitlement,
// expandable to the group's members. An unknown role is kept as member with
// the raw role in the metadata (as for team members).
func teamGroupGrant(ctx context.Context, team *v2.Resource, groupID, role string) *v2.Grant {
	principal := &v2.ResourceId{ResourceType: userGroupResourceType.GetId(), Resource: groupID}
	opts := []grant.GrantOption{grant.WithAnnotation(&v2.GrantExpandable{
		EntitlementIds:  []string{groupMemberEntitlementID(groupID)},
		ResourceTypeIds: []string{userResourceType.GetId()},
	})}
	slug := role
	switch {
	case role == "":
		slug = miro.TeamRoleMember
	case !isKnownTeamRole(role):
		ctxzap.Extract(ctx).Warn("user group is attached to a team with a role this connector does not know; recording it as member with the raw role in the grant metadata",
			zap.String("team_id", team.GetId().GetResource()), zap.String("group_id", groupID), zap.String("role", role))
		slug = miro.TeamRoleMember
		opts = append(opts, grant.WithGrantMetadata(map[string]any{"miro_team_role": role}))
	}
	return grant.NewGrant(team, slug, principal, opts...)
}
