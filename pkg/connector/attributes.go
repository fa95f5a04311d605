package connector

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/conductorone/baton-miro/pkg/miro"
	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	ent "github.com/conductorone/baton-sdk/pkg/types/entitlement"
	"github.com/conductorone/baton-sdk/pkg/types/grant"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
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

// fanOutPrefix marks a page token that covers a run of member pages only: the
// first call hands the SDK one token per run (EnqueuePageTokens) so the runs are
// read in parallel; a plain cursor token walks on page by page. A token is
// "pages:<n>:<cursor>", n pages from cursor.
const fanOutPrefix = "pages:"

// pagesPerToken is the run of member pages one fanned-out call covers. Every
// SDK call costs a store commit, so a run of 10 (1,000 members) keeps the
// grants of 100,000 members to 100 calls per type, yet leaves enough runs to
// spread over the workers.
const pagesPerToken = 10

// maxFanOut is the SDK's limit on tokens per EnqueuePageTokens.
const maxFanOut = 1024

// GrantsForResourceType emits every grant of the type, one member page per call.
func (a *attributeSyncer) GrantsForResourceType(ctx context.Context, _ string, opts rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	token := opts.PageToken.Token
	if n, cursor, ok := parseFanOut(token); ok {
		return a.grantsRun(ctx, opts, cursor, n)
	}
	grants, res, err := a.grantsPage(ctx, opts, nil)
	if err != nil || token != "" || res.NextPageToken == "" {
		return grants, res, err
	}
	// First page: if this sync knows every page's cursor, fan out.
	s, err := a.conn.members.summary(ctx, opts.Session, a.conn.scope(opts))
	if err != nil || len(s.Cursors) == 0 || s.Cursors[0] != res.NextPageToken {
		return grants, res, nil //nolint:nilerr // without the cursor list, walk the chain instead
	}
	var tokens []string
	for i := 0; i < len(s.Cursors); i += pagesPerToken {
		if len(tokens) == maxFanOut-1 {
			tokens = append(tokens, s.Cursors[i]) // the rest walks on from here
			break
		}
		tokens = append(tokens, fmt.Sprintf("%s%d:%s", fanOutPrefix, min(pagesPerToken, len(s.Cursors)-i), s.Cursors[i]))
	}
	res.NextPageToken = ""
	res.Annotations.Update(&v2.EnqueuePageTokens{PageTokens: tokens})
	return grants, res, nil
}

// parseFanOut reads a fanned-out token: n pages from cursor. The one-page
// "page:<cursor>" of earlier versions is still read, for syncs resumed across
// an upgrade.
func parseFanOut(token string) (int, string, bool) {
	if cursor, ok := strings.CutPrefix(token, "page:"); ok && cursor != "" {
		return 1, cursor, true
	}
	rest, ok := strings.CutPrefix(token, fanOutPrefix)
	if !ok {
		return 0, "", false
	}
	count, cursor, ok := strings.Cut(rest, ":")
	n, err := strconv.Atoi(count)
	if !ok || err != nil || n < 1 || cursor == "" {
		return 0, "", false
	}
	return n, cursor, true
}

// grantsRun emits the grants of n member pages from cursor, as one call.
func (a *attributeSyncer) grantsRun(ctx context.Context, opts rs.SyncOpAttrs, cursor string, n int) ([]*v2.Grant, *rs.SyncOpResults, error) {
	var (
		out   []*v2.Grant
		annos annotations.Annotations
	)
	for range n {
		opts.PageToken.Token = cursor
		grants, res, err := a.grantsPage(ctx, opts, nil)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, grants...)
		if len(res.Annotations) > 0 {
			annos = res.Annotations
		}
		if cursor = res.NextPageToken; cursor == "" {
			break
		}
	}
	return out, &rs.SyncOpResults{Annotations: annos}, nil
}

// Grants serves a single resource (targeted syncs); a full sync uses GrantsForResourceType.
func (a *attributeSyncer) Grants(ctx context.Context, r *v2.Resource, opts rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	return a.grantsPage(ctx, opts, r.GetId())
}

func (a *attributeSyncer) grantsPage(ctx context.Context, opts rs.SyncOpAttrs, only *v2.ResourceId) ([]*v2.Grant, *rs.SyncOpResults, error) {
	p, annos, err := a.conn.members.page(ctx, opts.Session, a.conn.scope(opts), opts.PageToken.Token)
	if err != nil {
		return nil, nil, err
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
	return out, &rs.SyncOpResults{NextPageToken: p.Next, Annotations: annos}, nil
}

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

func newLicenseSyncer(c *Connector) *attributeSyncer {
	return &attributeSyncer{
		conn: c, rt: licenseResourceType, noun: "license",
		values: func(ctx context.Context, s *memberSummary) ([]*v2.Resource, error) {
			org, _, err := c.organization(ctx)
			if err != nil {
				return nil, err
			}
			var out []*v2.Resource
			for _, license := range withKnown(miro.Licenses, s.Licenses) {
				// Miro reports purchased seats for full licenses only.
				purchased := int64(0)
				if license == "full" {
					purchased = int64(org.FullLicensesPurchased)
				}
				r, err := rs.NewResource(licenseName(license), licenseResourceType, license,
					rs.WithLicenseProfileTrait(rs.WithLicenseName(licenseName(license)), rs.WithLicenseSeats(purchased, int64(s.Licenses[license]))),
					rs.WithDescription(fmt.Sprintf("Miro license %q", license)))
				if err != nil {
					return nil, err
				}
				out = append(out, r)
			}
			return out, nil
		},
		held: func(m miro.Member) []string { return []string{normalizeEnum(m.License)} },
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

var licenseNames = map[string]string{
	"full": "Full", "advanced": "Advanced", "standard": "Standard", "basic": "Basic", "occasional": "Occasional",
	"free": "Free", "free_restricted": "Free Restricted", "full_trial": "Full (trial)", "unknown": "Unknown",
}

func licenseName(license string) string {
	if n, ok := licenseNames[license]; ok {
		return n
	}
	return license
}
