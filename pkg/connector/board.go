package connector

import (
	"context"
	"fmt"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/conductorone/baton-sdk/pkg/types/grant"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/conductorone/baton-miro/pkg/miro"
)

// Boards and projects (opt-in, --sync-boards); with --sync-board-classification
// each board's classification label too (classification.go); granting and
// revoking their roles is in board_access.go. Both are children of a team:
// the team resource announces them (ChildResourceType, see team.go)
// and the SDK lists them per team with the team as parent, which is how Miro
// lists them too (boards by team_id, projects under the team). Their
// entitlements are the roles Miro gives a member; the grants come from the
// member lists. This costs one call per 50 boards of each team plus one per
// 50 members of each board, and likewise (per 100) for projects, which is why
// it is off by default.

var (
	_ connectorbuilder.ResourceSyncerV2              = (*boardBuilder)(nil)
	_ connectorbuilder.ResourceTargetedSyncerLimited = (*boardBuilder)(nil)
)

// boardBuilder lists the boards of a team; each board member is a grant of
// the member's board role.
type boardBuilder struct{ conn *Connector }

func (b *boardBuilder) ResourceType(context.Context) *v2.ResourceType { return boardResourceType }

// List pages the boards of the parent team (offset paging, 50 per page). The
// SDK also asks once without a parent: boards exist only under teams.
func (b *boardBuilder) List(ctx context.Context, parent *v2.ResourceId, opts rs.SyncOpAttrs) ([]*v2.Resource, *rs.SyncOpResults, error) {
	if parent.GetResourceType() != teamResourceType.GetId() || parent.GetResource() == "" {
		return nil, &rs.SyncOpResults{}, nil
	}
	teamID := parent.GetResource()
	what := "boards of team " + teamID
	t, err := parsePageToken(opts.PageToken.Token, what)
	if err != nil {
		return nil, nil, err
	}
	offset := t.Offset
	page, resp, err := fetchOffsetPage(ctx, offset, func(ctx context.Context, offset int) (*miro.OffsetPage[miro.Board], *miro.Response, error) {
		return b.conn.client.ListBoards(ctx, teamID, offset)
	})
	if err != nil {
		return nil, nil, explain(err, "listing "+what)
	}
	out := make([]*v2.Resource, 0, len(page.Data))
	seen := make(map[string]bool, len(page.Data))
	for _, bd := range page.Data {
		if bd.ID == "" || seen[bd.ID] {
			continue
		}
		seen[bd.ID] = true
		r, err := boardResource(bd, parent)
		if err != nil {
			return nil, nil, err
		}
		if err := b.conn.classifyBoard(ctx, opts, r, teamID); err != nil {
			return nil, nil, err
		}
		out = append(out, r)
	}
	return out, &rs.SyncOpResults{NextPageToken: offsetToken(page.NextOffset()), Annotations: rateLimitAnnotations(resp)}, nil
}

// Get serves targeted syncs of one board (--sync-resources board:ID): the
// board names its team, its parent.
func (b *boardBuilder) Get(ctx context.Context, id, parent *v2.ResourceId) (*v2.Resource, annotations.Annotations, error) {
	bd, resp, err := b.conn.client.GetBoard(ctx, id.GetResource())
	if err != nil {
		return nil, nil, explain(err, "reading board "+id.GetResource())
	}
	team := parent
	if bd.Team != nil && bd.Team.ID != "" {
		team = &v2.ResourceId{ResourceType: teamResourceType.GetId(), Resource: bd.Team.ID}
	}
	if team.GetResourceType() != teamResourceType.GetId() || team.GetResource() == "" {
		return nil, nil, status.Errorf(codes.FailedPrecondition, "reading board %s: Miro names no team for it, and boards are synced as children of their team", bd.ID)
	}
	r, err := boardResource(*bd, team)
	if err != nil {
		return nil, nil, err
	}
	// A targeted sync has no sync id here: the labels are read once per
	// connector scope "" (scope.go ends it like any other).
	if err := b.conn.classifyBoard(ctx, rs.SyncOpAttrs{}, r, team.GetResource()); err != nil {
		return nil, nil, err
	}
	return r, rateLimitAnnotations(resp), nil
}

// boardResource maps a board; its profile carries the owner, project and the
// sharing policy (who reaches the board without an invitation).
func boardResource(bd miro.Board, team *v2.ResourceId) (*v2.Resource, error) {
	profile := map[string]any{"board_id": clip(bd.ID), "name": clip(bd.Name), "team_id": team.GetResource()}
	setIf := func(k, v string) {
		if v != "" {
			profile[k] = clip(v)
		}
	}
	if bd.Project != nil {
		setIf("project_id", bd.Project.ID)
	}
	if bd.Owner != nil {
		setIf("owner_id", bd.Owner.ID)
		setIf("owner_name", bd.Owner.Name)
	}
	setIf("view_link", bd.ViewLink)
	if !bd.ModifiedAt.IsZero() {
		profile["modified_at"] = bd.ModifiedAt.UTC().Format(time.RFC3339)
	}
	if p := bd.Policy; p != nil {
		if sp := p.SharingPolicy; sp != nil {
			setIf("public_access", sp.Access)
			setIf("organization_access", sp.OrganizationAccess)
			setIf("team_access", sp.TeamAccess)
			setIf("invite_to_account_and_board_link_access", sp.InviteToAccountAndBoardLinkAccess)
			profile["access_password_required"] = sp.AccessPasswordRequired
		}
		if pp := p.PermissionsPolicy; pp != nil {
			setIf("sharing_access", pp.SharingAccess)
			setIf("copy_access", pp.CopyAccess)
			setIf("collaboration_tools_start_access", pp.CollaborationToolsStartAccess)
		}
	}
	opts := []rs.ResourceOption{rs.WithParentResourceID(team), rs.WithResourceProfile(profile)}
	if bd.Description != "" {
		opts = append(opts, rs.WithDescription(clip(bd.Description)))
	}
	if !bd.CreatedAt.IsZero() {
		opts = append(opts, rs.WithResourceCreatedAt(bd.CreatedAt.Time))
	}
	return rs.NewResource(displayName(bd.Name, bd.ID), boardResourceType, bd.ID, opts...)
}

// Entitlements are the board roles; they cost no API call.
func (b *boardBuilder) Entitlements(_ context.Context, r *v2.Resource, _ rs.SyncOpAttrs) ([]*v2.Entitlement, *rs.SyncOpResults, error) {
	return boardRoles.entitlements(r), &rs.SyncOpResults{}, nil
}

// Grants pages the board's members, then the user groups the board is shared
// with (links.go; one page of 100 per board), each a grant of its board role
// to the group, expandable to the group's members.
func (b *boardBuilder) Grants(ctx context.Context, r *v2.Resource, opts rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	return withLinkPhaseTok(opts.PageToken.Token,
		func() (bool, error) { return b.conn.groupLinksWanted(ctx, opts), nil },
		func(t pageToken) ([]*v2.Grant, *rs.SyncOpResults, error) {
			return b.memberGrants(ctx, r, opts, t.Offset)
		},
		func(cursor string) ([]*v2.Grant, *rs.SyncOpResults, error) {
			return b.conn.shareGrants(ctx, opts, r, boardRoles, cursor, b.conn.client.ListBoardGroups)
		})
}

// memberGrants pages the board's members (offset paging, 50 per page). Board
// member ids are user ids.
func (b *boardBuilder) memberGrants(ctx context.Context, r *v2.Resource, opts rs.SyncOpAttrs, offset int) ([]*v2.Grant, *rs.SyncOpResults, error) {
	boardID := r.GetId().GetResource()
	what := "members of board " + boardID
	page, resp, err := fetchOffsetPage(ctx, offset, func(ctx context.Context, offset int) (*miro.OffsetPage[miro.BoardMember], *miro.Response, error) {
		return b.conn.client.ListBoardMembers(ctx, boardID, offset)
	})
	if err != nil {
		return nil, nil, explain(err, "listing "+what)
	}
	members := make([]roleMember, 0, len(page.Data))
	for _, m := range page.Data {
		members = append(members, roleMember{id: m.ID, role: m.Role})
	}
	out, err := b.conn.roleGrants(ctx, opts, &v2.Resource{Id: r.GetId()}, boardRoles, members)
	if err != nil {
		return nil, nil, err
	}
	return out, &rs.SyncOpResults{NextPageToken: offsetToken(page.NextOffset()), Annotations: rateLimitAnnotations(resp)}, nil
}

// roleMember is one member of a board or project with the member's role.
type roleMember struct{ id, role string }

// roleGrants maps members to grants of their roles in the table. Members who
// are not org members are left out (a grant would point at no user of this
// sync); a role this version does not know is kept as the table's fallback
// with the raw role in the grant metadata.
func (c *Connector) roleGrants(ctx context.Context, opts rs.SyncOpAttrs, r *v2.Resource, roles *roleTable, members []roleMember) ([]*v2.Grant, error) {
	noun, fallback := roles.noun, roles.fallback
	ids := make([]string, 0, len(members))
	for _, m := range members {
		ids = append(ids, m.id)
	}
	strangers, err := c.nonMembers(ctx, opts, ids)
	if err != nil {
		return nil, err
	}
	l := ctxzap.Extract(ctx)
	out := make([]*v2.Grant, 0, len(members))
	for _, m := range members {
		if m.id == "" {
			continue
		}
		if strangers[m.id] {
			l.Warn(noun+" member is not a member of the organization; leaving the membership out",
				zap.String(noun+"_id", r.GetId().GetResource()), zap.String("user_id", m.id), zap.String("role", m.role))
			continue
		}
		if roles.known(m.role) {
			out = append(out, grant.NewGrant(r, m.role, principalOf(m.id)))
			continue
		}
		l.Warn(noun+" member has a role this connector does not know; recording it as "+fallback+" with the raw role in the grant metadata",
			zap.String(noun+"_id", r.GetId().GetResource()), zap.String("user_id", m.id), zap.String("role", m.role))
		out = append(out, grant.NewGrant(r, fallback, principalOf(m.id),
			grant.WithGrantMetadata(map[string]any{roles.metaKey(): clip(m.role)})))
	}
	return out, nil
}

// offsetToken is the token of the page at offset next; "" when next < 0 (the list's end).
func offsetToken(next int) string {
	if next < 0 {
		return ""
	}
	return pageToken{Offset: next}.String()
}

// fetchOffsetPage fetches the page at offset. An empty page before the
// announced end of the list is asked for again a few times: stopping would
// drop the rest, and moving on cannot make progress.
func fetchOffsetPage[T any](ctx context.Context, offset int,
	fetch func(ctx context.Context, offset int) (*miro.OffsetPage[T], *miro.Response, error),
) (*miro.OffsetPage[T], *miro.Response, error) {
	for tries := 1; ; tries++ {
		p, resp, err := fetch(ctx, offset)
		if err != nil {
			return nil, resp, err
		}
		if !p.Stalled() {
			return p, resp, nil
		}
		if tries >= maxEmptyPages {
			return nil, resp, fmt.Errorf("empty page at offset %d of %d items, %d times in a row", p.Offset, p.Total, tries)
		}
	}
}
