package connector

import (
	"context"
	"fmt"

	"github.com/conductorone/baton-miro/pkg/miro"
	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	ent "github.com/conductorone/baton-sdk/pkg/types/entitlement"
	"github.com/conductorone/baton-sdk/pkg/types/grant"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"
)

// assignedEntitlement is the one entitlement of org roles, admin roles and licenses.
const assignedEntitlement = "assigned"

// attributeSyncer serves a resource type whose resources are values of an
// org-member attribute (org role, admin roles, license). Resources are the
// values in use plus the documented ones; grants come from the member pages,
// once per type, so they cost no API call beyond the user sync's.
type attributeSyncer struct {
	conn *Connector
	rt   *v2.ResourceType
	noun string // for entitlement names: "role", "admin role", "license"
	// values lists the resources from the org summary.
	values func(ctx context.Context, s *memberSummary) ([]*v2.Resource, error)
	// held returns the resource ids a member holds.
	held func(m miro.Member) []string
}

func (a *attributeSyncer) ResourceType(context.Context) *v2.ResourceType { return a.rt }

func (a *attributeSyncer) List(ctx context.Context, _ *v2.ResourceId, opts rs.SyncOpAttrs) ([]*v2.Resource, *rs.SyncOpResults, error) {
	s, err := a.conn.members.summary(ctx, opts.Session, a.conn.scope(opts))
	if err != nil {
		return nil, nil, err
	}
	out, err := a.values(ctx, s)
	if err != nil {
		return nil, nil, err
	}
	return out, &rs.SyncOpResults{}, nil
}

func (a *attributeSyncer) Entitlements(_ context.Context, r *v2.Resource, _ rs.SyncOpAttrs) ([]*v2.Entitlement, *rs.SyncOpResults, error) {
	e := ent.NewAssignmentEntitlement(r, assignedEntitlement,
		ent.WithGrantableTo(userResourceType),
		ent.WithDisplayName(fmt.Sprintf("%s %s", r.GetDisplayName(), a.noun)),
		ent.WithDescription(fmt.Sprintf("Holds the Miro %s %q", a.noun, r.GetDisplayName())),
	)
	return []*v2.Entitlement{e}, &rs.SyncOpResults{}, nil
}

// pagesPerToken is the run of member pages one fanned-out call covers. Every
// SDK call costs a store commit, so a run of 10 (1,000 members) keeps the
// grants of 100,000 members to 100 calls per type, yet leaves enough runs to
// spread over the workers.
const pagesPerToken = 10

// maxFanOut is the SDK's limit on tokens per EnqueuePageTokens.
const maxFanOut = 1024

// GrantsForResourceType emits every grant of the type, one member page per
// call. The first call hands the SDK one token per run of pages
// (EnqueuePageTokens: pageToken.Pages pages from its Cursor) so the runs are
// read in parallel; a token without Pages walks on page by page.
func (a *attributeSyncer) GrantsForResourceType(ctx context.Context, _ string, opts rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	t, err := parsePageToken(opts.PageToken.Token, a.noun+" grants")
	if err != nil {
		return nil, nil, err
	}
	if t.Pages > 0 {
		return a.grantsRun(ctx, opts, t.Cursor, t.Pages)
	}
	grants, next, res, err := a.grantsPage(ctx, opts, t.Cursor, nil)
	if err != nil || t.Cursor != "" || next == "" {
		return grants, res, err
	}
	// First page: if this sync knows every page's cursor, fan out.
	s, err := a.conn.members.summary(ctx, opts.Session, a.conn.scope(opts))
	if err != nil || len(s.Cursors) == 0 || s.Cursors[0] != next {
		return grants, res, nil //nolint:nilerr // without the cursor list, walk the chain instead
	}
	var tokens []string
	for i := 0; i < len(s.Cursors); i += pagesPerToken {
		if len(tokens) == maxFanOut-1 {
			tokens = append(tokens, pageToken{Cursor: s.Cursors[i]}.String()) // the rest walks on from here
			break
		}
		tokens = append(tokens, pageToken{Cursor: s.Cursors[i], Pages: min(pagesPerToken, len(s.Cursors)-i)}.String())
	}
	res.NextPageToken = ""
	res.Annotations.Update(&v2.EnqueuePageTokens{PageTokens: tokens})
	return grants, res, nil
}

// grantsRun emits the grants of n member pages from cursor, as one call.
func (a *attributeSyncer) grantsRun(ctx context.Context, opts rs.SyncOpAttrs, cursor string, n int) ([]*v2.Grant, *rs.SyncOpResults, error) {
	var (
		out   []*v2.Grant
		annos annotations.Annotations
	)
	for range n {
		grants, next, res, err := a.grantsPage(ctx, opts, cursor, nil)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, grants...)
		if len(res.Annotations) > 0 {
			annos = res.Annotations
		}
		if cursor = next; cursor == "" {
			break
		}
	}
	return out, &rs.SyncOpResults{Annotations: annos}, nil
}

// Grants serves a single resource (targeted syncs); a full sync uses GrantsForResourceType.
func (a *attributeSyncer) Grants(ctx context.Context, r *v2.Resource, opts rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	t, err := parsePageToken(opts.PageToken.Token, a.noun+" grants")
	if err != nil {
		return nil, nil, err
	}
	grants, _, res, err := a.grantsPage(ctx, opts, t.Cursor, r.GetId())
	return grants, res, err
}

// grantsPage emits the grants of the member page at cursor (of only one
// resource when only is set); next is Miro's cursor of the next page, and the
// results carry it as a token.
func (a *attributeSyncer) grantsPage(ctx context.Context, opts rs.SyncOpAttrs, cursor string, only *v2.ResourceId) ([]*v2.Grant, string, *rs.SyncOpResults, error) {
	p, annos, err := a.conn.members.page(ctx, opts.Session, a.conn.scope(opts), cursor)
	if err != nil {
		return nil, "", nil, err
	}
	var out []*v2.Grant
	for _, m := range p.Members {
		principal := &v2.ResourceId{ResourceType: userResourceType.GetId(), Resource: m.ID}
		for _, id := range a.held(m) {
			if only != nil && only.GetResource() != id {
				continue
			}
			r := &v2.Resource{Id: &v2.ResourceId{ResourceType: a.rt.GetId(), Resource: id}}
			out = append(out, grant.NewGrant(r, assignedEntitlement, principal))
		}
	}
	return out, p.Next, &rs.SyncOpResults{NextPageToken: pageToken{Cursor: p.Next}.String(), Annotations: annos}, nil
}

// Org roles, admin roles and licenses change through SCIM PATCH. Each type's
// builder (role.go, admin_role.go, license.go) embeds the attribute syncer (so
// syncing is shared) and adds Grant and Revoke. Every change first reads the
// org member through the REST API: its role, license and admin roles are
// exactly the values a sync reports, so "already" answers and replaced-grant
// ids match the synced grants, and a guest or external user (whom SCIM cannot
// reach) is refused before any write.

// The builders of the attribute types; each file (role.go, admin_role.go,
// license.go) holds its type's values and Grant and Revoke.
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
