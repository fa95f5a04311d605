package connector

import (
	"context"
	"fmt"
	"net/http"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	ent "github.com/conductorone/baton-sdk/pkg/types/entitlement"
	"github.com/conductorone/baton-sdk/pkg/types/grant"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
	"github.com/conductorone/baton-sdk/pkg/types/sessions"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"

	"github.com/conductorone/baton-miro/pkg/miro"
)

// User groups (Enterprise, organizations:groups:read): each group is a
// user_group resource with one entitlement, member, granted to every member.
// A group attached to a team gives its members that team's role; the team
// syncer (team.go) grants the team's role to the group's member
// entitlement, expandable, and the SDK expands it to the group's members.
//
// A token without the groups scope is not an error: the first user-group
// call answers 403, the sync logs one warning, lists no groups and skips the
// team-group links.

// groupMemberSlug is the one entitlement of a user group.
const groupMemberSlug = "member"

// Session keys of the user-group listing of one sync (the session store is
// scoped to a sync, and survives a checkpoint and resume).
const (
	groupIDKeyPrefix = "user-group-id:"
	// groupsListedKey is set after the last page of groups: only then does a
	// missing id prove that a group is not part of this sync.
	groupsListedKey = "user-group-listing-complete"
	groupsAnyKey    = "user-group-listing-nonempty"
	groupsDeniedKey = "user-group-listing-denied"
)

var (
	_ connectorbuilder.ResourceSyncerV2              = (*userGroupBuilder)(nil)
	_ connectorbuilder.ResourceTargetedSyncerLimited = (*userGroupBuilder)(nil)
	_ connectorbuilder.ResourceProvisionerV2Limited  = (*userGroupBuilder)(nil)
)

// userGroupBuilder lists user groups; each membership is a grant of member.
type userGroupBuilder struct{ conn *Connector }

func (b *userGroupBuilder) ResourceType(context.Context) *v2.ResourceType {
	return userGroupResourceType
}

func (b *userGroupBuilder) List(ctx context.Context, _ *v2.ResourceId, opts rs.SyncOpAttrs) ([]*v2.Resource, *rs.SyncOpResults, error) {
	orgID, err := b.conn.OrgID(ctx)
	if err != nil {
		return nil, nil, err
	}
	t, err := parsePageToken(opts.PageToken.Token, "user groups")
	if err != nil {
		return nil, nil, err
	}
	page, resp, err := fetchPage(ctx, &b.conn.scope(opts).lists, "user groups", t.Cursor,
		func(ctx context.Context, cursor string) (*miro.Page[miro.Group], *miro.Response, error) {
			return b.conn.client.ListGroups(ctx, orgID, cursor)
		})
	if err != nil {
		if miro.StatusOf(err) == http.StatusForbidden {
			b.conn.groupsRefused(ctx, opts, err)
			return nil, &rs.SyncOpResults{}, nil
		}
		return nil, nil, explain(err, "listing user groups")
	}
	out := make([]*v2.Resource, 0, len(page.Data))
	for _, g := range page.Data {
		r, err := userGroupResource(g)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, r)
	}
	recordGroups(ctx, opts.Session, t.Cursor, page)
	return out, &rs.SyncOpResults{NextPageToken: pageToken{Cursor: page.Cursor}.String(), Annotations: rateLimitAnnotations(resp)}, nil
}

func userGroupResource(g miro.Group) (*v2.Resource, error) {
	profile := map[string]any{"group_id": clip(g.ID), "name": clip(g.Name)}
	var opts []rs.ResourceOption
	if g.Description != "" {
		profile["description"] = clip(g.Description)
		opts = append(opts, rs.WithDescription(clip(g.Description)))
	}
	opts = append(opts, rs.WithResourceProfile(profile))
	return rs.NewGroupResource(displayName(g.Name, g.ID), userGroupResourceType, g.ID, nil, opts...)
}

// Entitlements is the one member entitlement; it costs no API call.
func (b *userGroupBuilder) Entitlements(_ context.Context, r *v2.Resource, _ rs.SyncOpAttrs) ([]*v2.Entitlement, *rs.SyncOpResults, error) {
	e := ent.NewAssignmentEntitlement(r, groupMemberSlug,
		ent.WithGrantableTo(userResourceType),
		ent.WithDisplayName(fmt.Sprintf("%s group member", r.GetDisplayName())),
		ent.WithDescription(fmt.Sprintf("Member of the Miro user group %s, and through it of the teams the group is attached to", r.GetDisplayName())),
	)
	return []*v2.Entitlement{e}, &rs.SyncOpResults{}, nil
}

// groupMemberEntitlementID is the id of a group's member entitlement.
func groupMemberEntitlementID(groupID string) string {
	return ent.NewEntitlementID(&v2.Resource{Id: &v2.ResourceId{ResourceType: userGroupResourceType.GetId(), Resource: groupID}}, groupMemberSlug)
}

// Grants lists the group's members, every member one grant; then, when the
// sync reads group-to-team links per group (link_side.go), the teams the
// group is attached to.
func (b *userGroupBuilder) Grants(ctx context.Context, r *v2.Resource, opts rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	return withLinkPhase(opts.PageToken.Token,
		func() (bool, error) { return b.conn.groupTeamsWanted(ctx, opts), nil },
		func(cursor string) ([]*v2.Grant, *rs.SyncOpResults, error) {
			return b.memberGrants(ctx, r, opts, cursor)
		},
		func(cursor string) ([]*v2.Grant, *rs.SyncOpResults, error) {
			return b.conn.groupTeamGrants(ctx, r, opts, cursor)
		})
}

// memberGrants lists one page of the group's members.
func (b *userGroupBuilder) memberGrants(ctx context.Context, r *v2.Resource, opts rs.SyncOpAttrs, cursor string) ([]*v2.Grant, *rs.SyncOpResults, error) {
	orgID, err := b.conn.OrgID(ctx)
	if err != nil {
		return nil, nil, err
	}
	groupID := r.GetId().GetResource()
	what := "members of user group " + groupID
	page, resp, err := fetchPage(ctx, &b.conn.scope(opts).lists, what, cursor,
		func(ctx context.Context, cursor string) (*miro.Page[miro.GroupMember], *miro.Response, error) {
			return b.conn.client.ListGroupMembers(ctx, orgID, groupID, cursor)
		})
	if err != nil {
		return nil, nil, explain(err, "listing "+what)
	}
	ids := make([]string, 0, len(page.Data))
	for _, m := range page.Data {
		ids = append(ids, m.ID)
	}
	strangers, err := b.conn.nonMembers(ctx, opts, ids)
	if err != nil {
		return nil, nil, err
	}
	group := &v2.Resource{Id: r.GetId()}
	out := make([]*v2.Grant, 0, len(page.Data))
	for _, m := range page.Data {
		if m.ID == "" {
			continue
		}
		if strangers[m.ID] {
			ctxzap.Extract(ctx).Warn("user group member is not a member of the organization; leaving the membership out",
				zap.String("group_id", groupID), zap.String("user_id", m.ID))
			continue
		}
		out = append(out, grant.NewGrant(group, groupMemberSlug, principalOf(m.ID)))
	}
	return out, &rs.SyncOpResults{NextPageToken: page.Cursor, Annotations: rateLimitAnnotations(resp)}, nil
}

// Get serves targeted syncs of one group (--sync-resources user_group:ID).
func (b *userGroupBuilder) Get(ctx context.Context, id, _ *v2.ResourceId) (*v2.Resource, annotations.Annotations, error) {
	orgID, err := b.conn.OrgID(ctx)
	if err != nil {
		return nil, nil, err
	}
	g, resp, err := b.conn.client.GetGroup(ctx, orgID, id.GetResource())
	if err != nil {
		return nil, nil, explain(err, "reading user group "+id.GetResource())
	}
	r, err := userGroupResource(*g)
	return r, rateLimitAnnotations(resp), err
}

// Grant adds the user to the group by email (the API takes no user id), read
// from the org member. A user already in the group is reported as such.
func (b *userGroupBuilder) Grant(ctx context.Context, principal *v2.Resource, e *v2.Entitlement) ([]*v2.Grant, annotations.Annotations, error) {
	groupID, slug, userID, err := changeTarget(e, principal.GetId(), userGroupResourceType)
	if err != nil {
		return nil, nil, err
	}
	doing := "adding user " + userID + " to Miro user group " + groupID
	if slug != groupMemberSlug {
		return nil, nil, invalid(doing, "%q is not an entitlement of a Miro user group (only %q is)", slug, groupMemberSlug)
	}
	c := b.conn
	orgID, err := c.OrgID(ctx)
	if err != nil {
		return nil, nil, err
	}
	m, inOrg, err := c.readMember(ctx, userID)
	if err != nil {
		return nil, nil, err
	}
	if !inOrg {
		return nil, nil, notFound(doing, "user %s is not a member of the Miro organization; only organization members can join a user group "+
			"(create the account first)", userID)
	}
	if m.Email == "" {
		return nil, nil, invalid(doing, "Miro reports no email for user %s, and user groups add members by email", userID)
	}
	granted := []*v2.Grant{grant.NewGrant(entitlementResource(e, userGroupResourceType.GetId(), groupID), groupMemberSlug, principalOf(userID))}
	_, resp, err := c.client.AddGroupMember(ctx, orgID, groupID, m.Email)
	switch {
	case err == nil:
		ctxzap.Extract(ctx).Info("added user to Miro user group", zap.String("group_id", groupID), zap.String("user_id", userID))
		return granted, rateLimitAnnotations(resp), nil
	case miro.IsConflict(err):
		return granted, annotations.New(&v2.GrantAlreadyExists{}), nil
	default:
		return nil, nil, explain(err, doing)
	}
}

// Revoke removes the user from the group; a user who is not in it (404) is
// already revoked.
func (b *userGroupBuilder) Revoke(ctx context.Context, g *v2.Grant) (annotations.Annotations, error) {
	groupID, slug, userID, err := changeTarget(g.GetEntitlement(), g.GetPrincipal().GetId(), userGroupResourceType)
	if err != nil {
		return nil, err
	}
	doing := "removing user " + userID + " from Miro user group " + groupID
	if slug != groupMemberSlug {
		return nil, invalid(doing, "%q is not an entitlement of a Miro user group (only %q is)", slug, groupMemberSlug)
	}
	c := b.conn
	orgID, err := c.OrgID(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := c.client.RemoveGroupMember(ctx, orgID, groupID, userID)
	if miro.IsNotFound(err) {
		return annotations.New(&v2.GrantAlreadyRevoked{}), nil
	}
	if err != nil {
		return nil, explain(err, doing)
	}
	ctxzap.Extract(ctx).Info("removed user from Miro user group", zap.String("group_id", groupID), zap.String("user_id", userID))
	return rateLimitAnnotations(resp), nil
}

// groupsRefused records that Miro refused the user-group API in this sync
// (the token lacks organizations:groups:read) and warns once per sync.
func (c *Connector) groupsRefused(ctx context.Context, opts rs.SyncOpAttrs, err error) {
	sc := c.scope(opts)
	sc.mu.Lock()
	first := !sc.groupsDenied || opts.SyncID == ""
	sc.groupsDenied = true
	sc.mu.Unlock()
	if opts.Session != nil {
		if serr := opts.Session.Set(ctx, groupsDeniedKey, []byte{1}); serr != nil {
			ctxzap.Extract(ctx).Debug("recording the refused user-group listing failed", zap.Error(serr))
		}
	}
	if first {
		ctxzap.Extract(ctx).Warn("Miro refused to list user groups (HTTP 403): skipping user groups and the groups attached to teams; "+
			"grant the app the organizations:groups:read scope to sync them", zap.Error(err))
	}
}

// recordGroups remembers which groups this sync listed and how many, so
// links can be checked against them (and skipped when the org has no groups).
func recordGroups(ctx context.Context, ss sessions.SessionStore, token string, page *miro.Page[miro.Group]) {
	ids := make([]string, 0, len(page.Data))
	for _, g := range page.Data {
		ids = append(ids, g.ID)
	}
	var extra map[string][]byte
	if len(ids) > 0 {
		extra = map[string][]byte{groupsAnyKey: {1}}
	}
	groupListing.record(ctx, ss, token, page.Cursor, ids, extra)
}

// groupLinksWanted reports whether the links of user groups (to teams,
// boards and projects) must be read in this sync: not when user groups are
// not synced, when Miro refused them, or when the sync listed every group and
// there were none.
func (c *Connector) groupLinksWanted(ctx context.Context, opts rs.SyncOpAttrs) bool {
	if c.noTeamGroups {
		return false
	}
	sc := c.scope(opts)
	sc.mu.Lock()
	denied := opts.SyncID != "" && sc.groupsDenied
	sc.mu.Unlock()
	if denied {
		return false
	}
	if opts.Session == nil {
		return true
	}
	got, err := sessionGetMany(ctx, opts.Session, []string{groupsDeniedKey, groupsListedKey, groupsAnyKey})
	if err != nil { // unknown: read the links (calls, never a lost link)
		ctxzap.Extract(ctx).Debug("reading whether this sync has user groups failed; reading their links", zap.Error(err))
		return true
	}
	if _, ok := got[groupsDeniedKey]; ok {
		return false
	}
	_, listed := got[groupsListedKey]
	_, nonEmpty := got[groupsAnyKey]
	return !listed || nonEmpty
}

// unlistedGroups returns the ids this sync's complete group listing did not
// hold (see listing.unlisted).
func unlistedGroups(ctx context.Context, ss sessions.SessionStore, ids []string) map[string]bool {
	return groupListing.unlisted(ctx, ss, ids)
}

// nonMembers returns which of ids are not org members, as the team syncer
// decides it (members.go): only once this sync has listed the org's members,
// since before that (a targeted sync, say) a missing id proves nothing.
func (c *Connector) nonMembers(ctx context.Context, opts rs.SyncOpAttrs, ids []string) (map[string]bool, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return c.members.notMembers(ctx, opts.Session, c.scope(opts), ids)
}
