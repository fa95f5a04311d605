package connector

import (
	"context"
	"fmt"

	"github.com/conductorone/baton-miro/pkg/miro"
	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
)

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
