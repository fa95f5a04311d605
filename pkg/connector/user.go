package connector

import (
	"context"
	"strings"
	"time"

	"github.com/conductorone/baton-miro/pkg/miro"
	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
)

// userBuilder lists org members as users. Users hold no entitlements.
type userBuilder struct{ conn *Connector }

func (b *userBuilder) ResourceType(context.Context) *v2.ResourceType { return userResourceType }

func (b *userBuilder) List(ctx context.Context, _ *v2.ResourceId, opts rs.SyncOpAttrs) ([]*v2.Resource, *rs.SyncOpResults, error) {
	t, err := parsePageToken(opts.PageToken.Token, "org members")
	if err != nil {
		return nil, nil, err
	}
	p, annos, err := b.conn.members.page(ctx, opts.Session, b.conn.scope(opts), t.Cursor)
	if err != nil {
		return nil, nil, err
	}
	ids := make([]string, len(p.Members))
	for i, m := range p.Members {
		ids[i] = m.ID
	}
	profiles, err := b.conn.members.scimProfiles(ctx, opts.Session, b.conn.scope(opts), ids)
	if err != nil {
		return nil, nil, err
	}
	out := make([]*v2.Resource, 0, len(p.Members))
	for _, m := range p.Members {
		var prof *scimProfile
		if sp, ok := profiles[m.ID]; ok {
			prof = &sp
		}
		r, err := userResourceWithProfile(m, prof)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, r)
	}
	return out, &rs.SyncOpResults{NextPageToken: pageToken{Cursor: p.Next}.String(), Annotations: annos}, nil
}

func (b *userBuilder) Entitlements(context.Context, *v2.Resource, rs.SyncOpAttrs) ([]*v2.Entitlement, *rs.SyncOpResults, error) {
	return nil, &rs.SyncOpResults{}, nil
}

func (b *userBuilder) Grants(context.Context, *v2.Resource, rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	return nil, &rs.SyncOpResults{}, nil
}

// userResource maps an org member to a user: the email is its name and login
// (Miro's member API has no display name), active maps to enabled/disabled and
// lastActivityAt to the last login.
func userResource(m miro.Member) (*v2.Resource, error) { return userResourceWithProfile(m, nil) }

// userResourceWithProfile is userResource enriched with the SCIM profile, when
// there is one: a real display name and HR attributes.
func userResourceWithProfile(m miro.Member, prof *scimProfile) (*v2.Resource, error) {
	m.Email = clip(m.Email)
	adminRoles := make([]any, 0, len(m.AdminRoles))
	for _, ar := range m.AdminRoles {
		adminRoles = append(adminRoles, ar.Name)
	}
	profile := map[string]any{
		"email":       m.Email,
		"role":        normalizeEnum(m.Role),
		"license":     normalizeEnum(m.License),
		"active":      m.Active,
		"admin_roles": adminRoles,
	}
	if !m.LicenseAssignedAt.IsZero() {
		profile["license_assigned_at"] = m.LicenseAssignedAt.UTC().Format(time.RFC3339)
	}
	if !m.LastActivityAt.IsZero() {
		profile["last_activity_at"] = m.LastActivityAt.UTC().Format(time.RFC3339)
	}
	status, statusDetails := v2.Status_RESOURCE_STATUS_ENABLED, "active"
	if !m.Active {
		status, statusDetails = v2.Status_RESOURCE_STATUS_DISABLED, "deactivated in Miro"
	}
	traits := []rs.UserTraitOption{
		rs.WithUserLogin(m.Email),
		rs.WithAccountType(v2.UserTrait_ACCOUNT_TYPE_HUMAN),
	}
	if m.Email != "" {
		traits = append(traits, rs.WithEmail(m.Email, true))
	}
	if !m.LastActivityAt.IsZero() {
		traits = append(traits, rs.WithLastLogin(m.LastActivityAt.Time))
	}
	name := displayName(m.Email, m.ID)
	if prof != nil {
		for k, v := range map[string]string{
			"display_name": prof.DisplayName, "given_name": prof.GivenName, "family_name": prof.FamilyName,
			"department": prof.Department, "employee_number": prof.EmployeeNumber, "cost_center": prof.CostCenter,
			"manager_id": prof.ManagerID, "manager_name": prof.ManagerName,
		} {
			if v != "" {
				profile[k] = clip(v)
			}
		}
		if prof.GivenName != "" || prof.FamilyName != "" {
			traits = append(traits, rs.WithStructuredName(v2.UserTrait_StructuredName_builder{
				GivenName: clip(prof.GivenName), FamilyName: clip(prof.FamilyName)}.Build()))
		}
		if prof.EmployeeNumber != "" {
			traits = append(traits, rs.WithEmployeeID(clip(prof.EmployeeNumber)))
		}
		switch {
		case prof.DisplayName != "":
			name = displayName(prof.DisplayName, name)
		case prof.GivenName != "" || prof.FamilyName != "":
			name = displayName(strings.TrimSpace(prof.GivenName+" "+prof.FamilyName), name)
		}
	}
	return rs.NewUserResource(name, userResourceType, m.ID, traits,
		rs.WithResourceProfile(profile), rs.WithResourceStatus(status, statusDetails))
}

// Get serves targeted syncs (--sync-resources user:ID): one member call, plus
// one SCIM call for the profile when a SCIM token is configured.
func (b *userBuilder) Get(ctx context.Context, id, _ *v2.ResourceId) (*v2.Resource, annotations.Annotations, error) {
	orgID, err := b.conn.OrgID(ctx)
	if err != nil {
		return nil, nil, err
	}
	m, resp, err := b.conn.client.GetMember(ctx, orgID, id.GetResource())
	if err != nil {
		return nil, nil, explain(err, "reading organization member "+id.GetResource())
	}
	var prof *scimProfile
	if b.conn.client.HasSCIM() {
		u, _, err := b.conn.client.GetSCIMUser(ctx, m.ID)
		switch {
		case err == nil:
			p := profileFromSCIM(u)
			prof = &p
		case !miro.IsNotFound(err): // guests and external users are 404 in SCIM
			return nil, nil, explain(err, "reading the SCIM profile of "+m.ID)
		}
	}
	r, err := userResourceWithProfile(*m, prof)
	return r, rateLimitAnnotations(resp), err
}
