package connector

import (
	"context"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/conductorone/baton-miro/pkg/miro"
)

var (
	_ connectorbuilder.ResourceSyncerV2              = (*projectBuilder)(nil)
	_ connectorbuilder.ResourceTargetedSyncerLimited = (*projectBuilder)(nil)
)

// projectBuilder lists the projects of a team (--sync-boards); each project
// member is a grant of the member's project role.
type projectBuilder struct{ conn *Connector }

func (b *projectBuilder) ResourceType(context.Context) *v2.ResourceType { return projectResourceType }

// List pages the projects of the parent team. The SDK also asks once without
// a parent: projects exist only under teams.
func (b *projectBuilder) List(ctx context.Context, parent *v2.ResourceId, opts rs.SyncOpAttrs) ([]*v2.Resource, *rs.SyncOpResults, error) {
	if parent.GetResourceType() != teamResourceType.GetId() || parent.GetResource() == "" {
		return nil, &rs.SyncOpResults{}, nil
	}
	orgID, err := b.conn.OrgID(ctx)
	if err != nil {
		return nil, nil, err
	}
	teamID := parent.GetResource()
	what := "projects of team " + teamID
	t, err := parsePageToken(opts.PageToken.Token, what)
	if err != nil {
		return nil, nil, err
	}
	page, resp, err := fetchPage(ctx, &b.conn.scope(opts).lists, what, t.Cursor,
		func(ctx context.Context, cursor string) (*miro.Page[miro.Project], *miro.Response, error) {
			return b.conn.client.ListProjects(ctx, orgID, teamID, cursor)
		})
	if err != nil {
		return nil, nil, explain(err, "listing "+what)
	}
	out := make([]*v2.Resource, 0, len(page.Data))
	for _, p := range page.Data {
		if p.ID == "" {
			continue
		}
		r, err := projectResource(p, parent)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, r)
	}
	return out, &rs.SyncOpResults{NextPageToken: pageToken{Cursor: page.Cursor}.String(), Annotations: rateLimitAnnotations(resp)}, nil
}

func projectResource(p miro.Project, team *v2.ResourceId) (*v2.Resource, error) {
	return rs.NewResource(displayName(p.Name, p.ID), projectResourceType, p.ID,
		rs.WithParentResourceID(team),
		rs.WithResourceProfile(map[string]any{"project_id": clip(p.ID), "name": clip(p.Name), "team_id": team.GetResource()}))
}

// Get serves targeted syncs of one project. Miro addresses a project under
// its team, so the request must name the team as the parent
// (--sync-resources project:ID with the team as parent).
func (b *projectBuilder) Get(ctx context.Context, id, parent *v2.ResourceId) (*v2.Resource, annotations.Annotations, error) {
	if parent.GetResourceType() != teamResourceType.GetId() || parent.GetResource() == "" {
		return nil, nil, status.Errorf(codes.InvalidArgument, "reading project %s: Miro reads a project under its team; name the team as the parent", id.GetResource())
	}
	orgID, err := b.conn.OrgID(ctx)
	if err != nil {
		return nil, nil, err
	}
	p, resp, err := b.conn.client.GetProject(ctx, orgID, parent.GetResource(), id.GetResource())
	if err != nil {
		return nil, nil, explain(err, "reading project "+id.GetResource())
	}
	r, err := projectResource(*p, parent)
	return r, rateLimitAnnotations(resp), err
}

// Entitlements are the project roles; they cost no API call.
func (b *projectBuilder) Entitlements(_ context.Context, r *v2.Resource, _ rs.SyncOpAttrs) ([]*v2.Entitlement, *rs.SyncOpResults, error) {
	return projectRoles.entitlements(r), &rs.SyncOpResults{}, nil
}

// Grants pages the project's members, then the user groups the project is
// shared with (links.go; one page of 100 per project).
func (b *projectBuilder) Grants(ctx context.Context, r *v2.Resource, opts rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	return withLinkPhase(opts.PageToken.Token,
		func() (bool, error) { return b.conn.groupLinksWanted(ctx, opts), nil },
		func(cursor string) ([]*v2.Grant, *rs.SyncOpResults, error) {
			return b.memberGrants(ctx, r, opts, cursor)
		},
		func(cursor string) ([]*v2.Grant, *rs.SyncOpResults, error) {
			return b.conn.shareGrants(ctx, opts, r, projectRoles, cursor, b.conn.client.ListProjectGroups)
		})
}

// memberGrants pages the project's members; Miro addresses a project under its team.
func (b *projectBuilder) memberGrants(ctx context.Context, r *v2.Resource, opts rs.SyncOpAttrs, cursor string) ([]*v2.Grant, *rs.SyncOpResults, error) {
	orgID, err := b.conn.OrgID(ctx)
	if err != nil {
		return nil, nil, err
	}
	projectID := r.GetId().GetResource()
	teamID := projectTeamID(r)
	if teamID == "" {
		return nil, nil, status.Errorf(codes.InvalidArgument, "project %s names no team; it must be synced as a child of its team", projectID)
	}
	what := "members of project " + projectID
	page, resp, err := fetchPage(ctx, &b.conn.scope(opts).lists, what, cursor,
		func(ctx context.Context, cursor string) (*miro.Page[miro.ProjectMember], *miro.Response, error) {
			return b.conn.client.ListProjectMembers(ctx, orgID, teamID, projectID, cursor)
		})
	if err != nil {
		return nil, nil, explain(err, "listing "+what)
	}
	members := make([]roleMember, 0, len(page.Data))
	for _, m := range page.Data {
		members = append(members, roleMember{id: m.ID, role: m.Role})
	}
	out, err := b.conn.roleGrants(ctx, opts, &v2.Resource{Id: r.GetId()}, projectRoles, members)
	if err != nil {
		return nil, nil, err
	}
	return out, &rs.SyncOpResults{NextPageToken: page.Cursor, Annotations: rateLimitAnnotations(resp)}, nil
}

// projectTeamID is the team of a stored project: its parent, or its profile.
func projectTeamID(r *v2.Resource) string {
	if p := r.GetParentResourceId(); p.GetResourceType() == teamResourceType.GetId() && p.GetResource() != "" {
		return p.GetResource()
	}
	return r.GetProfile().GetFields()["team_id"].GetStringValue()
}
