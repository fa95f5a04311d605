package connector

import (
	"context"
	"fmt"
	"strings"

	"github.com/conductorone/baton-miro/pkg/miro"
	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Helpers every provisioning path shares: reading the member a change is
// about, refusing what Miro cannot do before any write, reading the target of
// an entitlement and the principal, and errors in one shape.

// requireSCIM fails, before any call, when no SCIM token is configured.
func (c *Connector) requireSCIM(doing string) error {
	if c.client.HasSCIM() {
		return nil
	}
	return explain(miro.ErrNoSCIMToken, doing)
}

// readMember reads one org member (REST, never cached). found is false when
// Miro answers 404.
func (c *Connector) readMember(ctx context.Context, userID string) (*miro.Member, bool, error) {
	orgID, err := c.OrgID(ctx)
	if err != nil {
		return nil, false, err
	}
	m, _, err := c.client.GetMember(ctx, orgID, userID)
	if miro.IsNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, explain(err, "reading Miro organization member "+userID)
	}
	return m, true, nil
}

// isGuest: external users and team guests exist only in the REST API; SCIM never shows them.
func isGuest(m *miro.Member) bool {
	return m.Role == miro.RoleExternalUser || m.Role == miro.RoleTeamGuestUser
}

func guestError(m *miro.Member, doing string) error {
	kind := "an external user"
	if m.Role == miro.RoleTeamGuestUser {
		kind = "a team guest"
	}
	return status.Errorf(codes.FailedPrecondition,
		"%s: user %s (%s) is %s (%s); Miro's SCIM API cannot reach guests or external users, "+
			"so this change must be made in the Miro admin UI (Company settings → Users)", doing, m.ID, m.Email, kind, m.Role)
}

// principalUserID checks that a principal is a Miro user and returns its id.
func principalUserID(id *v2.ResourceId) (string, error) {
	if id.GetResourceType() != userResourceType.GetId() {
		return "", status.Errorf(codes.InvalidArgument, "the principal must be a Miro user (resource type %q), not %q",
			userResourceType.GetId(), id.GetResourceType())
	}
	if strings.TrimSpace(id.GetResource()) == "" {
		return "", status.Error(codes.InvalidArgument, "the principal has no user id")
	}
	return id.GetResource(), nil
}

// changeTarget reads what a grant or revoke is about: the resource id and slug
// of entitlement e (of resource type rt, see entitlementTarget) and the user
// the principal names (see principalUserID).
func changeTarget(e *v2.Entitlement, principal *v2.ResourceId, rt *v2.ResourceType) (resourceID, slug, userID string, err error) {
	if resourceID, slug, err = entitlementTarget(e, rt.GetId()); err != nil {
		return "", "", "", err
	}
	if userID, err = principalUserID(principal); err != nil {
		return "", "", "", err
	}
	return resourceID, slug, userID, nil
}

// entitlementTarget returns the resource id and slug an entitlement of type
// rt refers to, from its structured fields; when the resource is missing it
// falls back to the entitlement id ("type:resource:slug" — no slug of ours
// holds a colon). The grant id is never parsed.
func entitlementTarget(e *v2.Entitlement, rt string) (string, string, error) {
	if e == nil {
		return "", "", status.Error(codes.InvalidArgument, "the request has no entitlement")
	}
	resourceID, slug := "", e.GetSlug()
	if rid := e.GetResource().GetId(); rid.GetResource() != "" {
		if rid.GetResourceType() != rt {
			return "", "", status.Errorf(codes.InvalidArgument, "entitlement %q belongs to a %q resource, not %q", e.GetId(), rid.GetResourceType(), rt)
		}
		resourceID = rid.GetResource()
		if prefix := rt + ":" + resourceID + ":"; slug == "" && strings.HasPrefix(e.GetId(), prefix) {
			slug = strings.TrimPrefix(e.GetId(), prefix)
		}
	} else {
		rest, ok := strings.CutPrefix(e.GetId(), rt+":")
		i := strings.LastIndex(rest, ":")
		if !ok || i <= 0 {
			return "", "", status.Errorf(codes.InvalidArgument, "entitlement %q is not an entitlement of a %q resource", e.GetId(), rt)
		}
		resourceID = rest[:i]
		if slug == "" {
			slug = rest[i+1:]
		}
	}
	if slug == "" {
		return "", "", status.Errorf(codes.InvalidArgument, "entitlement %q names no permission", e.GetId())
	}
	return resourceID, slug, nil
}

// entitlementResource is the entitlement's resource, or a bare one with the id.
func entitlementResource(e *v2.Entitlement, rt, id string) *v2.Resource {
	if r := e.GetResource(); r.GetId().GetResource() != "" {
		return r
	}
	return &v2.Resource{Id: &v2.ResourceId{ResourceType: rt, Resource: id}}
}

func principalOf(userID string) *v2.ResourceId {
	return &v2.ResourceId{ResourceType: userResourceType.GetId(), Resource: userID}
}

// invalid builds an InvalidArgument error that says what was asked and why Miro cannot do it.
func invalid(doing, format string, args ...any) error {
	return status.Errorf(codes.InvalidArgument, "%s: %s", doing, fmt.Sprintf(format, args...))
}

// notFound builds a NotFound error in the same shape.
func notFound(doing, format string, args ...any) error {
	return status.Errorf(codes.NotFound, "%s: %s", doing, fmt.Sprintf(format, args...))
}

// failedPrecondition builds a FailedPrecondition error in the same shape.
func failedPrecondition(doing, format string, args ...any) error {
	return status.Errorf(codes.FailedPrecondition, "%s: %s", doing, fmt.Sprintf(format, args...))
}

// scimMember is the org member a SCIM change is about: the SCIM token is set,
// the user is an org member (else NotFound) and not a guest or external user,
// whom SCIM cannot reach (else FailedPrecondition).
func (c *Connector) scimMember(ctx context.Context, userID, doing string) (*miro.Member, error) {
	if err := c.requireSCIM(doing); err != nil {
		return nil, err
	}
	m, found, err := c.readMember(ctx, userID)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, status.Errorf(codes.NotFound, "%s: user %s is not a member of the Miro organization", doing, userID)
	}
	if isGuest(m) {
		return nil, guestError(m, doing)
	}
	return m, nil
}

// scimLost explains a SCIM 404 for a member the REST API knew a moment ago:
// gone now (NotFound), or a user SCIM cannot see (afterSCIMNotFound).
func (c *Connector) scimLost(ctx context.Context, userID, doing string, scimErr error) error {
	_, err := c.afterSCIMNotFound(ctx, userID, doing, scimErr, nil)
	if err == nil {
		err = status.Errorf(codes.NotFound, "%s: user %s is no longer a member of the Miro organization", doing, userID)
	}
	return err
}
