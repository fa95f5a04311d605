package connector

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"github.com/conductorone/baton-miro/pkg/miro"
	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
)

func newAdminRoleSyncer(c *Connector) *attributeSyncer {
	return &attributeSyncer{
		conn: c, rt: adminRoleResourceType, noun: "admin role",
		values: func(_ context.Context, s *memberSummary) ([]*v2.Resource, error) {
			names := slices.Clone(miro.PrebuiltAdminRoles)
			var custom []string
			for name := range s.AdminRoles {
				if !slices.Contains(names, name) {
					custom = append(custom, name)
				}
			}
			sort.Strings(custom)
			names = append(names, custom...)
			var out []*v2.Resource
			for _, name := range names {
				kind := s.AdminRoles[name]
				if kind == "" {
					kind = "prebuilt"
					if !slices.Contains(miro.PrebuiltAdminRoles, name) {
						kind = "custom"
					}
				}
				r, err := rs.NewRoleResource(name, adminRoleResourceType, name, nil,
					rs.WithResourceProfile(map[string]any{"name": name, "type": kind}),
					rs.WithDescription(fmt.Sprintf("Miro %s admin role", kind)))
				if err != nil {
					return nil, err
				}
				out = append(out, r)
			}
			return out, nil
		},
		held: func(m miro.Member) []string {
			var out []string
			for _, ar := range m.AdminRoles {
				if ar.Name != "" && !slices.Contains(out, ar.Name) {
					out = append(out, ar.Name)
				}
			}
			return out
		},
	}
}

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
