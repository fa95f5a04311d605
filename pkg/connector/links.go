package connector

import (
	"context"
	"net/http"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/types/grant"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"

	"github.com/conductorone/baton-miro/pkg/miro"
)

// Links of user groups: a team's attached groups (team.go), a group's teams
// (user_group.go) and the groups a board or project is shared with (board.go,
// project.go). Each link is a grant of a role of the team, board or project to
// the group's member entitlement, expandable, so the SDK gives every member of
// the group an expanded grant of that role. A link list is the last phase of
// its resource's grants: its page tokens carry phaseLinks (pagetoken.go), so a
// resumed sync never reads a link cursor as a member cursor or offset.

// groupLinkPage fetches the page at cursor of a link list and maps each link
// to a grant. A 403 is the groups scope refused (one warning per sync, and the
// links are skipped). A linked id the sync did not list (unlisted) is left
// out: a grant to or of it would point at nothing.
func groupLinkPage[T any](ctx context.Context, c *Connector, opts rs.SyncOpAttrs, what, cursor string,
	fetch func(ctx context.Context, cursor string) (*miro.Page[T], *miro.Response, error),
	link func(T) (id, role string), unlisted func(ids []string) map[string]bool, grantOf func(id, role string) *v2.Grant,
) ([]*v2.Grant, *rs.SyncOpResults, error) {
	page, resp, err := fetchPage(ctx, &c.scope(opts).lists, what, cursor, fetch)
	if err != nil {
		if miro.StatusOf(err) == http.StatusForbidden {
			c.groupsRefused(ctx, opts, err)
			return nil, &rs.SyncOpResults{}, nil
		}
		return nil, nil, explain(err, "listing "+what)
	}
	ids := make([]string, 0, len(page.Data))
	for _, item := range page.Data {
		id, _ := link(item)
		ids = append(ids, id)
	}
	skip := unlisted(ids)
	out := make([]*v2.Grant, 0, len(page.Data))
	for _, item := range page.Data {
		id, role := link(item)
		if id == "" {
			continue
		}
		if skip[id] {
			ctxzap.Extract(ctx).Warn("a link was not in this sync's listing; leaving it out", zap.String("list", what), zap.String("id", id))
			continue
		}
		out = append(out, grantOf(id, role))
	}
	next := ""
	if page.Cursor != "" {
		next = pageToken{Phase: phaseLinks, Cursor: page.Cursor}.String()
	}
	return out, &rs.SyncOpResults{NextPageToken: next, Annotations: rateLimitAnnotations(resp)}, nil
}

// withLinkPhase runs the member phase of a resource's grants, paged by Miro's
// cursor, and then, when wanted, its link phase (see withLinkPhaseTok).
// members pages by the cursor it is given and returns Miro's next cursor.
func withLinkPhase(token string, wanted func() (bool, error),
	members func(cursor string) ([]*v2.Grant, *rs.SyncOpResults, error),
	links func(cursor string) ([]*v2.Grant, *rs.SyncOpResults, error),
) ([]*v2.Grant, *rs.SyncOpResults, error) {
	return withLinkPhaseTok(token, wanted,
		func(t pageToken) ([]*v2.Grant, *rs.SyncOpResults, error) {
			out, res, err := members(t.Cursor)
			if res != nil {
				res.NextPageToken = pageToken{Cursor: res.NextPageToken}.String()
			}
			return out, res, err
		}, links)
}

// withLinkPhaseTok runs the member phase of a resource's grants (tokens
// without a phase) and then, when wanted, its link phase (phaseLinks). members
// gets the decoded token and returns its next token encoded; links pages by
// Miro's cursor.
func withLinkPhaseTok(token string, wanted func() (bool, error),
	members func(t pageToken) ([]*v2.Grant, *rs.SyncOpResults, error),
	links func(cursor string) ([]*v2.Grant, *rs.SyncOpResults, error),
) ([]*v2.Grant, *rs.SyncOpResults, error) {
	t, err := parsePageToken(token, "grants")
	if err != nil {
		return nil, nil, err
	}
	if t.Phase == phaseLinks {
		return links(t.Cursor)
	}
	out, res, err := members(t)
	if err != nil {
		return nil, nil, err
	}
	if res == nil {
		res = &rs.SyncOpResults{}
	}
	if res.NextPageToken != "" {
		return out, res, nil
	}
	want, err := wanted()
	if err != nil {
		return nil, nil, err
	}
	if want {
		res.NextPageToken = pageToken{Phase: phaseLinks}.String()
	}
	return out, res, nil
}

// groupLinkGrant grants r's role slug to the group's member entitlement,
// expandable to the group's members. A share role this version does not know
// is kept as fallback with the raw role in the grant's metadata (metaKey).
func groupLinkGrant(ctx context.Context, r *v2.Resource, groupID, role string, roles *roleTable) *v2.Grant {
	fallback := roles.fallback
	principal := &v2.ResourceId{ResourceType: userGroupResourceType.GetId(), Resource: groupID}
	opts := []grant.GrantOption{grant.WithAnnotation(&v2.GrantExpandable{
		EntitlementIds:  []string{groupMemberEntitlementID(groupID)},
		ResourceTypeIds: []string{userResourceType.GetId()},
	})}
	slug, ok := roles.shares[role]
	switch {
	case ok:
	case role == "":
		slug = fallback
	default:
		ctxzap.Extract(ctx).Warn("a user group holds a role this connector does not know; recording it as "+fallback+" with the raw role in the grant metadata",
			zap.String("resource", r.GetId().GetResourceType()+":"+r.GetId().GetResource()), zap.String("group_id", groupID), zap.String("role", role))
		slug = fallback
		opts = append(opts, grant.WithGrantMetadata(map[string]any{roles.metaKey(): clip(role)}))
	}
	return grant.NewGrant(r, slug, principal, opts...)
}

// shareGrants lists the page at cursor of the groups a board or project (r,
// whose roles are roles) is shared with; each share grants the role to the group.
func (c *Connector) shareGrants(ctx context.Context, opts rs.SyncOpAttrs, r *v2.Resource, roles *roleTable, cursor string,
	fetch func(ctx context.Context, orgID, id, cursor string) (*miro.Page[miro.GroupLink], *miro.Response, error),
) ([]*v2.Grant, *rs.SyncOpResults, error) {
	orgID, err := c.OrgID(ctx)
	if err != nil {
		return nil, nil, err
	}
	id := r.GetId().GetResource()
	res := &v2.Resource{Id: r.GetId()}
	return groupLinkPage(ctx, c, opts, "user groups of "+roles.noun+" "+id, cursor,
		func(ctx context.Context, cursor string) (*miro.Page[miro.GroupLink], *miro.Response, error) {
			return fetch(ctx, orgID, id, cursor)
		},
		func(l miro.GroupLink) (string, string) { return l.ID, l.Role },
		func(ids []string) map[string]bool { return unlistedGroups(ctx, opts.Session, ids) },
		func(groupID, role string) *v2.Grant {
			return groupLinkGrant(ctx, res, groupID, role, roles)
		})
}
