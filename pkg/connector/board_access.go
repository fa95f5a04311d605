package connector

import (
	"context"
	"slices"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/conductorone/baton-sdk/pkg/types/grant"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/conductorone/baton-miro/pkg/miro"
)

// Access to one board or one project ("Space"), on request: the board and
// project syncers grant and revoke their role entitlements, to a user (a
// direct membership) or to a user group (a share, which the SDK expands to
// the group's members as in a sync). Every change first reads what the
// principal holds now, straight from Miro (never a cache): granting the role
// held is success without a write; another role is changed in place and the
// old grant reported replaced; revoking what is absent is success. The owner
// role is neither granted nor revoked: Miro's API has no ownership transfer.
//
// Calls (credits) per change, from the simulator's counts (see
// TestAccessCallCounts): a board share with a user reads the board member
// (50), the org member for the email board members lack (500) and shares
// (500); a role change reads and PATCHes (50+100); a removal reads and
// DELETEs (50+100). A project member is read (50), added (500 for the email
// plus 50), changed (50) or removed (2,000). A group share reads the board's
// or project's groups (50 per 100 groups) and POSTs or DELETEs (50).

var (
	_ connectorbuilder.ResourceProvisionerV2Limited = (*boardBuilder)(nil)
	_ connectorbuilder.ResourceProvisionerV2Limited = (*projectBuilder)(nil)
)

// accessKind describes how a board or a project is changed.
type accessKind struct {
	noun   string           // "board" or "project", for messages
	rt     *v2.ResourceType // boardResourceType or projectResourceType
	roles  []roleDef        // the role entitlements
	owner  string           // the owner role's slug
	fallen string           // the slug an unknown role is reported as (see roleGrants)
	shares map[string]string
	table  *roleTable // the roles, fallback and shares above (roles.go)
}

var (
	boardAccess   = accessOf(boardRoles, boardResourceType, miro.BoardRoleOwner)
	projectAccess = accessOf(projectRoles, projectResourceType, miro.ProjectRoleOwner)
)

func accessOf(t *roleTable, rt *v2.ResourceType, owner string) accessKind {
	return accessKind{noun: t.noun, rt: rt, roles: t.roles, owner: owner, fallen: t.fallback, shares: t.shares, table: t}
}

// reported is the entitlement a sync reports for a member's role: unknown
// roles are reported as the fallback (see roleGrants).
func (k accessKind) reported(role string) string {
	if slices.ContainsFunc(k.roles, func(r roleDef) bool { return r.slug == role }) {
		return role
	}
	return k.fallen
}

// shareRole is the group share role (VIEWER, …) of an entitlement slug.
func (k accessKind) shareRole(slug string) (string, bool) {
	for share, s := range k.shares {
		if s == slug {
			return share, true
		}
	}
	return "", false
}

// sharedSlug is the entitlement a sync reports for a group share role.
func (k accessKind) sharedSlug(share string) string {
	if s, ok := k.shares[share]; ok {
		return s
	}
	return miro.BoardRoleViewer // the fallback of shareGrants
}

// accessChange is what one grant or revoke is about.
type accessChange struct {
	kind      accessKind
	id, role  string       // the board or project id and the role (entitlement slug)
	res       *v2.Resource // the entitlement's resource
	group     bool         // the principal is a user group (a share), else a user
	principal string       // the user or group id
	doing     string       // for messages
}

// accessTarget reads an entitlement and principal, and refuses before any
// call what Miro cannot do: the owner role, a role that is not one of the
// kind's, a group share of a role groups cannot hold.
func accessTarget(k accessKind, e *v2.Entitlement, principal *v2.ResourceId, verb string) (*accessChange, error) {
	id, role, err := entitlementTarget(e, k.rt.GetId())
	if err != nil {
		return nil, err
	}
	ch := &accessChange{kind: k, id: id, role: role, res: entitlementResource(e, k.rt.GetId(), id)}
	switch principal.GetResourceType() {
	case userGroupResourceType.GetId():
		if principal.GetResource() == "" {
			return nil, status.Error(codes.InvalidArgument, "the principal has no user group id")
		}
		ch.group, ch.principal = true, principal.GetResource()
	case userResourceType.GetId():
		if ch.principal, err = principalUserID(principal); err != nil {
			return nil, err
		}
	default:
		return nil, status.Errorf(codes.InvalidArgument, "the principal of a %s role must be a Miro user or user group, not %q",
			k.noun, principal.GetResourceType())
	}
	who := "user " + ch.principal
	if ch.group {
		who = "user group " + ch.principal
	}
	to := " to "
	if verb == "revoking" {
		to = " from "
	}
	ch.doing = verb + " the " + role + " role of Miro " + k.noun + " " + id + to + who
	switch {
	case role == k.owner:
		return nil, failedPrecondition(ch.doing, "Miro's API has no ownership transfer: the owner of a %s stays its owner "+
			"until it is changed in Miro itself; grant %q for the most a %s member can hold", k.noun, k.noun, miro.BoardRoleCoowner)
	case !slices.ContainsFunc(k.roles, func(r roleDef) bool { return r.slug == role }):
		return nil, invalid(ch.doing, "%q is not a Miro %s role", role, k.noun)
	}
	if _, ok := k.shareRole(role); ch.group && !ok {
		return nil, invalid(ch.doing, "Miro shares a %s with a user group as viewer, %s or editor only, not %q",
			k.noun, k.shares[miro.GroupShareCommenter], role)
	}
	return ch, nil
}

// granted is the grant a successful Grant reports.
func (ch *accessChange) granted(ctx context.Context) *v2.Grant {
	if ch.group {
		share, _ := ch.kind.shareRole(ch.role)
		return groupLinkGrant(ctx, ch.res, ch.principal, share, ch.kind.table)
	}
	return grant.NewGrant(ch.res, ch.role, principalOf(ch.principal))
}

// replaced appends the grant of role old (replaced by this change) to annos.
func (ch *accessChange) replaced(annos annotations.Annotations, old string) annotations.Annotations {
	p := principalOf(ch.principal)
	if ch.group {
		p = &v2.ResourceId{ResourceType: userGroupResourceType.GetId(), Resource: ch.principal}
	}
	return grant.AppendGrantReplaced(annos, grant.NewGrant(ch.res, old, p).GetId())
}

// memberOps are the calls that change a user's membership of one board or
// project: read (found false on 404), add by email, change the role, remove.
type memberOps struct {
	read   func(ctx context.Context) (role string, found bool, err error)
	add    func(ctx context.Context, email string) (annotations.Annotations, error)
	update func(ctx context.Context) (*miro.Response, error)
	remove func(ctx context.Context) (*miro.Response, error)
}

// grantMember makes the user a member with ch.role.
func (c *Connector) grantMember(ctx context.Context, ch *accessChange, ops memberOps) ([]*v2.Grant, annotations.Annotations, error) {
	held, found, err := ops.read(ctx)
	if err != nil {
		return nil, nil, err
	}
	out := []*v2.Grant{ch.granted(ctx)}
	if !found {
		m, inOrg, err := c.readMember(ctx, ch.principal)
		if err != nil {
			return nil, nil, err
		}
		if !inOrg {
			return nil, nil, notFound(ch.doing, "user %s is not a member of the Miro organization", ch.principal)
		}
		if m.Email == "" {
			return nil, nil, invalid(ch.doing, "Miro reports no email for user %s, and Miro adds %s members by email", ch.principal, ch.kind.noun)
		}
		annos, err := ops.add(ctx, m.Email)
		if err != nil {
			return nil, nil, err
		}
		ctxzap.Extract(ctx).Info("added user to Miro "+ch.kind.noun, zap.String(ch.kind.noun+"_id", ch.id),
			zap.String("user_id", ch.principal), zap.String("role", ch.role))
		return out, annos, nil
	}
	if held == ch.role {
		return out, annotations.New(&v2.GrantAlreadyExists{}), nil
	}
	if held == ch.kind.owner {
		return nil, nil, failedPrecondition(ch.doing, "user %s owns %s %s, and Miro's API cannot change the owner's role", ch.principal, ch.kind.noun, ch.id)
	}
	resp, err := ops.update(ctx)
	if err != nil {
		return nil, nil, explain(err, ch.doing)
	}
	ctxzap.Extract(ctx).Info("changed Miro "+ch.kind.noun+" role", zap.String(ch.kind.noun+"_id", ch.id),
		zap.String("user_id", ch.principal), zap.String("from", held), zap.String("to", ch.role))
	annos := rateLimitAnnotations(resp)
	if old := ch.kind.reported(held); old != ch.role {
		annos = ch.replaced(annos, old)
	}
	return out, annos, nil
}

// revokeMember removes the user's membership when it is the role revoked.
func (c *Connector) revokeMember(ctx context.Context, ch *accessChange, ops memberOps) (annotations.Annotations, error) {
	held, found, err := ops.read(ctx)
	if err != nil {
		return nil, err
	}
	if !found || ch.kind.reported(held) != ch.role {
		return annotations.New(&v2.GrantAlreadyRevoked{}), nil
	}
	resp, err := ops.remove(ctx)
	if miro.IsNotFound(err) {
		return annotations.New(&v2.GrantAlreadyRevoked{}), nil
	}
	if err != nil {
		return nil, explain(err, ch.doing)
	}
	ctxzap.Extract(ctx).Info("removed user from Miro "+ch.kind.noun, zap.String(ch.kind.noun+"_id", ch.id), zap.String("user_id", ch.principal))
	return rateLimitAnnotations(resp), nil
}

// shareOps are the calls on the user groups a board or project is shared with.
type shareOps struct {
	list    func(ctx context.Context, orgID, id, cursor string) (*miro.Page[miro.GroupLink], *miro.Response, error)
	share   func(ctx context.Context, orgID, id, groupID, role string) (*miro.GroupLink, *miro.Response, error)
	unshare func(ctx context.Context, orgID, id, groupID string) (*miro.Response, error)
}

// findShare pages the groups the board or project is shared with until it
// finds ch's group: its share role and whether it is there.
func (c *Connector) findShare(ctx context.Context, orgID string, ch *accessChange, ops shareOps) (string, bool, error) {
	seen := map[string]bool{}
	for cursor := ""; ; {
		page, _, err := ops.list(ctx, orgID, ch.id, cursor)
		if err != nil {
			return "", false, explain(err, "reading the user groups of Miro "+ch.kind.noun+" "+ch.id)
		}
		for _, l := range page.Data {
			if l.ID == ch.principal {
				return l.Role, true, nil
			}
		}
		if page.Cursor == "" || seen[page.Cursor] {
			return "", false, nil
		}
		seen[page.Cursor] = true
		cursor = page.Cursor
	}
}

// grantShare shares the board or project with the group with ch's role, or
// changes the role of its share in place.
func (c *Connector) grantShare(ctx context.Context, ch *accessChange, ops shareOps) ([]*v2.Grant, annotations.Annotations, error) {
	orgID, err := c.OrgID(ctx)
	if err != nil {
		return nil, nil, err
	}
	want, _ := ch.kind.shareRole(ch.role)
	held, found, err := c.findShare(ctx, orgID, ch, ops)
	if err != nil {
		return nil, nil, err
	}
	out := []*v2.Grant{ch.granted(ctx)}
	if found && held == want {
		return out, annotations.New(&v2.GrantAlreadyExists{}), nil
	}
	link, resp, err := ops.share(ctx, orgID, ch.id, ch.principal, want)
	if err != nil {
		return nil, nil, explain(err, ch.doing)
	}
	if link.Role != "" && link.Role != want {
		return nil, nil, failedPrecondition(ch.doing, "Miro answered the share with role %q, not %q", link.Role, want)
	}
	ctxzap.Extract(ctx).Info("shared Miro "+ch.kind.noun+" with user group", zap.String(ch.kind.noun+"_id", ch.id),
		zap.String("group_id", ch.principal), zap.String("from", held), zap.String("to", want))
	annos := rateLimitAnnotations(resp)
	if old := ch.kind.sharedSlug(held); found && old != ch.role {
		annos = ch.replaced(annos, old)
	}
	return out, annos, nil
}

// revokeShare removes the group's share when it is the role revoked.
func (c *Connector) revokeShare(ctx context.Context, ch *accessChange, ops shareOps) (annotations.Annotations, error) {
	orgID, err := c.OrgID(ctx)
	if err != nil {
		return nil, err
	}
	held, found, err := c.findShare(ctx, orgID, ch, ops)
	if err != nil {
		return nil, err
	}
	if !found || ch.kind.sharedSlug(held) != ch.role {
		return annotations.New(&v2.GrantAlreadyRevoked{}), nil
	}
	resp, err := ops.unshare(ctx, orgID, ch.id, ch.principal)
	if miro.IsNotFound(err) {
		return annotations.New(&v2.GrantAlreadyRevoked{}), nil
	}
	if err != nil {
		return nil, explain(err, ch.doing)
	}
	ctxzap.Extract(ctx).Info("removed user group from Miro "+ch.kind.noun, zap.String(ch.kind.noun+"_id", ch.id), zap.String("group_id", ch.principal))
	return rateLimitAnnotations(resp), nil
}

// Grant gives a user a board role (a share by email, or a role change in
// place) or shares the board with a user group.
func (b *boardBuilder) Grant(ctx context.Context, principal *v2.Resource, e *v2.Entitlement) ([]*v2.Grant, annotations.Annotations, error) {
	ch, err := accessTarget(boardAccess, e, principal.GetId(), "granting")
	if err != nil {
		return nil, nil, err
	}
	if ch.group {
		return b.conn.grantShare(ctx, ch, b.conn.boardShareOps())
	}
	return b.conn.grantMember(ctx, ch, b.conn.boardMemberOps(ch))
}

// Revoke removes a user's board membership or a user group's share.
func (b *boardBuilder) Revoke(ctx context.Context, g *v2.Grant) (annotations.Annotations, error) {
	ch, err := accessTarget(boardAccess, g.GetEntitlement(), g.GetPrincipal().GetId(), "revoking")
	if err != nil {
		return nil, err
	}
	if ch.group {
		return b.conn.revokeShare(ctx, ch, b.conn.boardShareOps())
	}
	return b.conn.revokeMember(ctx, ch, b.conn.boardMemberOps(ch))
}

func (c *Connector) boardShareOps() shareOps {
	return shareOps{list: c.client.ListBoardGroups, share: c.client.ShareBoardWithGroup, unshare: c.client.UnshareBoardGroup}
}

// boardMemberOps: board members carry no email, so an addition reads the
// org member's; the share's answer lists the emails Miro refused, each an
// error naming the board and Miro's reason.
func (c *Connector) boardMemberOps(ch *accessChange) memberOps {
	return memberOps{
		read: func(ctx context.Context) (string, bool, error) {
			m, _, err := c.client.GetBoardMember(ctx, ch.id, ch.principal)
			if miro.IsNotFound(err) {
				return "", false, nil
			}
			if err != nil {
				return "", false, explain(err, "reading the membership of user "+ch.principal+" in Miro board "+ch.id)
			}
			return m.Role, true, nil
		},
		add: func(ctx context.Context, email string) (annotations.Annotations, error) {
			res, resp, err := c.client.ShareBoard(ctx, ch.id, []string{email}, ch.role)
			if err != nil {
				return nil, explain(err, ch.doing)
			}
			if reason, refused := res.Refusal(email); refused {
				return nil, failedPrecondition(ch.doing, "Miro refused to share board %s with %s: %s (the board's or its team's sharing "+
					"policy may forbid it, for example one that keeps out users from outside the team)", ch.id, email, reason)
			}
			if !res.Shared(ch.principal) {
				return nil, failedPrecondition(ch.doing, "Miro neither shared board %s with %s (user %s) nor said why", ch.id, email, ch.principal)
			}
			return rateLimitAnnotations(resp), nil
		},
		update: func(ctx context.Context) (*miro.Response, error) {
			_, resp, err := c.client.UpdateBoardMember(ctx, ch.id, ch.principal, ch.role)
			return resp, err
		},
		remove: func(ctx context.Context) (*miro.Response, error) {
			return c.client.RemoveBoardMember(ctx, ch.id, ch.principal)
		},
	}
}

// Grant gives a user a project role (added by email, or changed in place) or
// shares the project with a user group.
func (b *projectBuilder) Grant(ctx context.Context, principal *v2.Resource, e *v2.Entitlement) ([]*v2.Grant, annotations.Annotations, error) {
	ch, err := accessTarget(projectAccess, e, principal.GetId(), "granting")
	if err != nil {
		return nil, nil, err
	}
	if ch.group {
		return b.conn.grantShare(ctx, ch, b.conn.projectShareOps())
	}
	ops, err := b.conn.projectMemberOps(ctx, ch)
	if err != nil {
		return nil, nil, err
	}
	return b.conn.grantMember(ctx, ch, ops)
}

// Revoke removes a user's project membership (the user stays in the team) or
// a user group's share.
func (b *projectBuilder) Revoke(ctx context.Context, g *v2.Grant) (annotations.Annotations, error) {
	ch, err := accessTarget(projectAccess, g.GetEntitlement(), g.GetPrincipal().GetId(), "revoking")
	if err != nil {
		return nil, err
	}
	if ch.group {
		return b.conn.revokeShare(ctx, ch, b.conn.projectShareOps())
	}
	ops, err := b.conn.projectMemberOps(ctx, ch)
	if err != nil {
		return nil, err
	}
	return b.conn.revokeMember(ctx, ch, ops)
}

func (c *Connector) projectShareOps() shareOps {
	return shareOps{list: c.client.ListProjectGroups, share: c.client.ShareProjectWithGroup, unshare: c.client.UnshareProjectGroup}
}

// projectMemberOps: Miro addresses a project under its team, which the
// entitlement's resource names (its parent, from the sync).
func (c *Connector) projectMemberOps(ctx context.Context, ch *accessChange) (memberOps, error) {
	teamID := projectTeamID(ch.res)
	if teamID == "" {
		return memberOps{}, invalid(ch.doing, "the entitlement does not name the project's team; sync with --sync-boards and use the "+
			"entitlement from that sync")
	}
	orgID, err := c.OrgID(ctx)
	if err != nil {
		return memberOps{}, err
	}
	read := func(ctx context.Context) (string, bool, error) {
		m, _, err := c.client.GetProjectMember(ctx, orgID, teamID, ch.id, ch.principal)
		if miro.IsNotFound(err) {
			return "", false, nil
		}
		if err != nil {
			return "", false, explain(err, "reading the membership of user "+ch.principal+" in Miro project "+ch.id)
		}
		return m.Role, true, nil
	}
	return memberOps{
		read: read,
		add: func(ctx context.Context, email string) (annotations.Annotations, error) {
			_, resp, err := c.client.AddProjectMember(ctx, orgID, teamID, ch.id, email, ch.role)
			if err == nil {
				return rateLimitAnnotations(resp), nil
			}
			if miro.IsConflict(err) {
				// They joined since our read: done if with this role.
				if held, found, rerr := read(ctx); rerr == nil && found && held == ch.role {
					return annotations.New(&v2.GrantAlreadyExists{}), nil
				}
			}
			return nil, explain(err, ch.doing)
		},
		update: func(ctx context.Context) (*miro.Response, error) {
			_, resp, err := c.client.UpdateProjectMember(ctx, orgID, teamID, ch.id, ch.principal, ch.role)
			return resp, err
		},
		remove: func(ctx context.Context) (*miro.Response, error) {
			return c.client.RemoveProjectMember(ctx, orgID, teamID, ch.id, ch.principal)
		},
	}, nil
}
