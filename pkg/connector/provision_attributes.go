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

	"github.com/conductorone/baton-miro/pkg/miro"
)

// Org roles, admin roles and licenses change through SCIM PATCH. Each builder
// embeds the attribute syncer (so syncing is unchanged) and adds Grant and
// Revoke. Every change first reads the org member through the REST API: its
// role, license and admin roles are exactly the values a sync reports, so
// "already" answers and replaced-grant ids match the synced grants, and a
// guest or external user (whom SCIM cannot reach) is refused before any write.

type (
	roleBuilder      struct{ *attributeSyncer }
	adminRoleBuilder struct{ *attributeSyncer }
	licenseBuilder   struct{ *attributeSyncer }
)

var (
	_ connectorbuilder.ResourceProvisionerV2  = (*roleBuilder)(nil)
	_ connectorbuilder.ResourceProvisionerV2  = (*adminRoleBuilder)(nil)
	_ connectorbuilder.ResourceProvisionerV2  = (*licenseBuilder)(nil)
	_ connectorbuilder.TypeScopedGrantsSyncer = (*roleBuilder)(nil)
	_ connectorbuilder.TypeScopedGrantsSyncer = (*adminRoleBuilder)(nil)
	_ connectorbuilder.TypeScopedGrantsSyncer = (*licenseBuilder)(nil)
)

// attributeChange is what every attribute grant and revoke starts with.
type attributeChange struct {
	value  string // the role, admin role or license (the resource id)
	userID string
	doing  string
}

func parseAttributeChange(e *v2.Entitlement, principal *v2.ResourceId, rt *v2.ResourceType, verb, noun string) (*attributeChange, error) {
	value, slug, err := entitlementTarget(e, rt.GetId())
	if err != nil {
		return nil, err
	}
	if slug != assignedEntitlement {
		return nil, invalid(verb+" "+noun+" "+value, "entitlement %q is not the %q entitlement of a %s", e.GetId(), assignedEntitlement, noun)
	}
	userID, err := principalUserID(principal)
	if err != nil {
		return nil, err
	}
	prep := " to user "
	if verb == "revoking" {
		prep = " from user "
	}
	return &attributeChange{value: value, userID: userID, doing: verb + " the Miro " + noun + " " + value + prep + userID}, nil
}

// memberForSCIMChange reads the member a SCIM change is about and refuses,
// before any write, what SCIM cannot do: unknown users, guests, deactivated users.
func (c *Connector) memberForSCIMChange(ctx context.Context, ch *attributeChange, mustBeActive bool) (*miro.Member, error) {
	if err := c.requireSCIM(ch.doing); err != nil {
		return nil, err
	}
	m, found, err := c.readMember(ctx, ch.userID)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, notFound(ch.doing, "user %s is not a member of the Miro organization", ch.userID)
	}
	if isGuest(m) {
		return nil, guestError(m, ch.doing)
	}
	if mustBeActive && !m.Active {
		return nil, failedPrecondition(ch.doing, "user %s (%s) is deactivated, and Miro does not change the roles or license of a "+
			"deactivated user: enable the account first (action %s)", m.ID, m.Email, actionEnableUser)
	}
	return m, nil
}

// memberToRevoke reads the member a revoke applies to through SCIM. It returns
// no member, and the revoke's answer, when there is nothing to do: a member who
// is gone or does not hold the value is already revoked.
func (c *Connector) memberToRevoke(ctx context.Context, ch *attributeChange, holds func(*miro.Member) bool) (*miro.Member, annotations.Annotations, error) {
	if err := c.requireSCIM(ch.doing); err != nil {
		return nil, nil, err
	}
	m, found, err := c.readMember(ctx, ch.userID)
	if err != nil {
		return nil, nil, err
	}
	if !found || !holds(m) {
		return nil, annotations.New(&v2.GrantAlreadyRevoked{}), nil
	}
	return m, nil, nil
}

// patch applies SCIM operations and explains failures, including a SCIM 404
// for a member the REST API knows.
func (c *Connector) patch(ctx context.Context, ch *attributeChange, ops ...miro.SCIMPatchOp) (annotations.Annotations, error) {
	_, resp, err := c.client.PatchSCIMUser(ctx, ch.userID, ops...)
	if miro.IsNotFound(err) {
		if _, err := c.afterSCIMNotFound(ctx, ch.userID, ch.doing, err, nil); err != nil {
			return nil, err
		}
		return nil, notFound(ch.doing, "user %s is no longer a member of the Miro organization", ch.userID)
	}
	if err != nil {
		return nil, explain(err, ch.doing)
	}
	ctxzap.Extract(ctx).Info("changed Miro user through SCIM", zap.String("user_id", ch.userID), zap.String("change", ch.doing))
	return rateLimitAnnotations(resp), nil
}

// replacedGrantID is the id a sync gives the grant of value (on resource type rt) to userID.
// replaceSingleValue grants a single-valued member attribute (org role,
// license) with one SCIM replace: already held is success without a call;
// otherwise the grant of the value held before is reported as replaced.
func (c *Connector) replaceSingleValue(ctx context.Context, e *v2.Entitlement, rt *v2.ResourceType, ch *attributeChange,
	held string, op miro.SCIMPatchOp,
) ([]*v2.Grant, annotations.Annotations, error) {
	granted := attributeGrant(e, rt, ch.value, ch.userID)
	if held == ch.value {
		return granted, annotations.New(&v2.GrantAlreadyExists{}), nil
	}
	annos, err := c.patch(ctx, ch, op)
	if err != nil {
		return nil, nil, err
	}
	return granted, grant.AppendGrantReplaced(annos, replacedGrantID(rt, held, ch.userID)), nil
}

func replacedGrantID(rt *v2.ResourceType, value, userID string) string {
	r := &v2.Resource{Id: &v2.ResourceId{ResourceType: rt.GetId(), Resource: value}}
	return grant.NewGrant(r, assignedEntitlement, principalOf(userID)).GetId()
}

func attributeGrant(e *v2.Entitlement, rt *v2.ResourceType, value, userID string) []*v2.Grant {
	return []*v2.Grant{grant.NewGrant(entitlementResource(e, rt.GetId(), value), assignedEntitlement, principalOf(userID))}
}

// ---- org role ----

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

// ---- admin roles ----

func holdsAdminRole(m *miro.Member, name string) bool {
	return slices.ContainsFunc(m.AdminRoles, func(a miro.AdminRole) bool { return a.Name == name })
}

// Grant adds an admin role (prebuilt or custom) through SCIM.
func (b *adminRoleBuilder) Grant(ctx context.Context, principal *v2.Resource, e *v2.Entitlement) ([]*v2.Grant, annotations.Annotations, error) {
	ch, err := parseAttributeChange(e, principal.GetId(), adminRoleResourceType, "granting", "admin role")
	if err != nil {
		return nil, nil, err
	}
	c := b.conn
	m, err := c.memberForSCIMChange(ctx, ch, true)
	if err != nil {
		return nil, nil, err
	}
	granted := attributeGrant(e, adminRoleResourceType, ch.value, ch.userID)
	if holdsAdminRole(m, ch.value) {
		return granted, annotations.New(&v2.GrantAlreadyExists{}), nil
	}
	// primary must be sent as false, so the role is not taken for the org role.
	role := map[string]any{"value": ch.value, "type": miro.SCIMRoleTypeAdmin, "primary": false}
	annos, err := c.patch(ctx, ch, miro.SCIMPatchOp{Op: "add", Path: "roles", Value: []any{role}})
	if err != nil {
		return nil, nil, err
	}
	return granted, annos, nil
}

// Revoke removes an admin role through SCIM; a role the user does not hold is already revoked.
func (b *adminRoleBuilder) Revoke(ctx context.Context, g *v2.Grant) (annotations.Annotations, error) {
	ch, err := parseAttributeChange(g.GetEntitlement(), g.GetPrincipal().GetId(), adminRoleResourceType, "revoking", "admin role")
	if err != nil {
		return nil, err
	}
	c := b.conn
	m, answer, err := c.memberToRevoke(ctx, ch, func(m *miro.Member) bool { return holdsAdminRole(m, ch.value) })
	if m == nil {
		return answer, err
	}
	if isGuest(m) {
		return nil, guestError(m, ch.doing)
	}
	if !m.Active {
		return nil, failedPrecondition(ch.doing, "user %s (%s) is deactivated, and Miro does not change the roles of a deactivated user: "+
			"enable the account first (action %s)", m.ID, m.Email, actionEnableUser)
	}
	return c.patch(ctx, ch, miro.SCIMPatchOp{Op: "remove", Path: `roles[value eq "` + ch.value + `"]`})
}

// ---- licenses ----

const licenseFull = "full"

// licenseRefusal explains why a license change other than an upgrade to Full cannot be made.
func licenseRefusal(license string, revoke bool) string {
	what := "assign the " + license + " license: it can only upgrade a user to Full (SCIM userType \"Full\") and cannot downgrade a license"
	if revoke {
		what = "remove or downgrade the " + license + " license: it can only upgrade a user to Full (SCIM userType \"Full\")"
	}
	return "Miro's API cannot " + what + ". To free a user's license, disable the account (action " + actionDisableUser +
		"), which makes Miro release it; other license changes are made in the Miro admin UI"
}

// Grant upgrades the user to the Full license; the previous license's grant is reported as replaced.
func (b *licenseBuilder) Grant(ctx context.Context, principal *v2.Resource, e *v2.Entitlement) ([]*v2.Grant, annotations.Annotations, error) {
	ch, err := parseAttributeChange(e, principal.GetId(), licenseResourceType, "granting", "license")
	if err != nil {
		return nil, nil, err
	}
	if ch.value != licenseFull {
		return nil, nil, invalid(ch.doing, "%s", licenseRefusal(ch.value, false))
	}
	c := b.conn
	m, err := c.memberForSCIMChange(ctx, ch, true)
	if err != nil {
		return nil, nil, err
	}
	return c.replaceSingleValue(ctx, e, licenseResourceType, ch, normalizeEnum(m.License),
		miro.SCIMPatchOp{Op: "replace", Path: "userType", Value: "Full"})
}

// Revoke is refused: Miro's API cannot downgrade or remove a license.
func (b *licenseBuilder) Revoke(_ context.Context, g *v2.Grant) (annotations.Annotations, error) {
	ch, err := parseAttributeChange(g.GetEntitlement(), g.GetPrincipal().GetId(), licenseResourceType, "revoking", "license")
	if err != nil {
		return nil, err
	}
	return nil, invalid(ch.doing, "%s", licenseRefusal(ch.value, true))
}
