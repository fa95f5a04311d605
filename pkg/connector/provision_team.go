package connector

import (
	"context"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/conductorone/baton-sdk/pkg/types/grant"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"

	"github.com/conductorone/baton-miro/pkg/miro"
)

// Team membership provisioning over the REST API: invite by email (POST),
// change role (PATCH) and remove (DELETE). Every change first reads the
// current membership (GET team member, 404 = not a member); the team id, role
// and user come from the entitlement and the principal id, never from the
// principal's traits or the grant id.

var _ connectorbuilder.ResourceProvisionerV2Limited = (*teamBuilder)(nil)

// Grant makes the user a member or admin of the team. A member who holds the
// other role is changed in place and the old grant reported as replaced.
func (b *teamBuilder) Grant(ctx context.Context, principal *v2.Resource, e *v2.Entitlement) ([]*v2.Grant, annotations.Annotations, error) {
	teamID, role, err := entitlementTarget(e, teamResourceType.GetId())
	if err != nil {
		return nil, nil, err
	}
	userID, err := principalUserID(principal.GetId())
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
	teamID, role, err := entitlementTarget(g.GetEntitlement(), teamResourceType.GetId())
	if err != nil {
		return nil, err
	}
	userID, err := principalUserID(g.GetPrincipal().GetId())
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
