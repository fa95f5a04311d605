package connector

import (
	"context"

	"github.com/conductorone/baton-miro/pkg/miro"
	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
)

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

// Get serves targeted syncs of one team (--sync-resources team:ID).
func (b *teamBuilder) Get(ctx context.Context, id, _ *v2.ResourceId) (*v2.Resource, annotations.Annotations, error) {
	orgID, err := b.conn.OrgID(ctx)
	if err != nil {
		return nil, nil, err
	}
	t, resp, err := b.conn.client.GetTeam(ctx, orgID, id.GetResource())
	if err != nil {
		return nil, nil, explain(err, "reading team "+id.GetResource())
	}
	r, err := teamResource(*t)
	return r, rateLimitAnnotations(resp), err
}
