package connector

import (
	"context"

	"github.com/conductorone/baton-miro/pkg/miro"
	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
)

func newRoleSyncer(c *Connector) *attributeSyncer {
	return &attributeSyncer{
		conn: c, rt: roleResourceType, noun: "role",
		values: func(_ context.Context, s *memberSummary) ([]*v2.Resource, error) {
			var out []*v2.Resource
			for _, role := range withKnown(miro.OrgRoles, s.Roles) {
				r, err := rs.NewRoleResource(orgRoleName(role), roleResourceType, role, nil,
					rs.WithResourceProfile(map[string]any{"value": role, "members": s.Roles[role]}),
					rs.WithDescription(orgRoleDescription(role)))
				if err != nil {
					return nil, err
				}
				out = append(out, r)
			}
			return out, nil
		},
		held: func(m miro.Member) []string { return []string{normalizeEnum(m.Role)} },
	}
}

var orgRoleNames = map[string]string{
	miro.RoleInternalAdmin: "Internal admin",
	miro.RoleInternalUser:  "Internal user",
	miro.RoleExternalUser:  "External user",
	miro.RoleTeamGuestUser: "Team guest",
	miro.RoleUnknown:       "Unknown",
}

func orgRoleName(role string) string {
	if n, ok := orgRoleNames[role]; ok {
		return n
	}
	return role // a value this version does not know: kept under its own name
}

func orgRoleDescription(role string) string {
	switch role {
	case miro.RoleInternalAdmin:
		return "Company Admin of the Miro organization"
	case miro.RoleInternalUser:
		return "Regular member of the Miro organization"
	case miro.RoleExternalUser:
		return "User from outside the organization's domains"
	case miro.RoleTeamGuestUser:
		return "Guest with access to some boards only"
	case miro.RoleUnknown:
		return "Miro reports the role as unknown"
	}
	return "Organization role not documented by Miro when this connector was written"
}

// scimOrgRole is the SCIM value of the org roles SCIM can set.
var scimOrgRole = map[string]string{
	miro.RoleInternalAdmin: miro.SCIMInternalAdmin,
	miro.RoleInternalUser:  miro.SCIMInternalUser,
}

func orgRoleRefusal(role string) string {
	switch role {
	case miro.RoleExternalUser, miro.RoleTeamGuestUser:
		return "Miro's SCIM API can set only organization_internal_admin or organization_internal_user; " + role +
			" is given by Miro to people outside the organization's domains or invited as guests, and cannot be assigned through the API: use the Miro admin UI"
	}
	return "Miro's SCIM API can set only organization_internal_admin or organization_internal_user, not " + role
}

// Grant sets the user's org role (internal admin or internal user); the
// previous role's grant is reported as replaced.
func (b *roleBuilder) Grant(ctx context.Context, principal *v2.Resource, e *v2.Entitlement) ([]*v2.Grant, annotations.Annotations, error) {
	ch, err := parseAttributeChange(e, principal.GetId(), roleResourceType, "granting", "organization role")
	if err != nil {
		return nil, nil, err
	}
	scimValue, ok := scimOrgRole[ch.value]
	if !ok {
		return nil, nil, invalid(ch.doing, "%s", orgRoleRefusal(ch.value))
	}
	c := b.conn
	m, err := c.memberForSCIMChange(ctx, ch, true)
	if err != nil {
		return nil, nil, err
	}
	return c.replaceSingleValue(ctx, e, roleResourceType, ch, normalizeEnum(m.Role),
		miro.SCIMPatchOp{Op: "replace", Path: "roles[primary eq true].value", Value: scimValue})
}

// Revoke of internal admin makes the user an internal user. Every member has
// an org role, so internal user cannot be revoked on its own.
func (b *roleBuilder) Revoke(ctx context.Context, g *v2.Grant) (annotations.Annotations, error) {
	ch, err := parseAttributeChange(g.GetEntitlement(), g.GetPrincipal().GetId(), roleResourceType, "revoking", "organization role")
	if err != nil {
		return nil, err
	}
	switch ch.value {
	case miro.RoleInternalAdmin:
	case miro.RoleInternalUser:
		return nil, invalid(ch.doing, "every member of a Miro organization holds an organization role, so %s cannot be revoked on its own: "+
			"grant %s to change the role, or disable or delete the account", ch.value, miro.RoleInternalAdmin)
	default:
		return nil, invalid(ch.doing, "%s", orgRoleRefusal(ch.value))
	}
	c := b.conn
	m, answer, err := c.memberToRevoke(ctx, ch, func(m *miro.Member) bool { return m.Role == miro.RoleInternalAdmin })
	if m == nil {
		return answer, err
	}
	if !m.Active {
		return nil, failedPrecondition(ch.doing, "user %s (%s) is deactivated, and Miro does not change the roles of a deactivated user: "+
			"enable the account first (action %s)", m.ID, m.Email, actionEnableUser)
	}
	return c.patch(ctx, ch, miro.SCIMPatchOp{Op: "replace", Path: "roles[primary eq true].value", Value: miro.SCIMInternalUser})
}
