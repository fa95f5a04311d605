package synctest

import (
	"context"
	"fmt"
	"os"
	"sort"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/dotc1z"
	"github.com/conductorone/baton-sdk/pkg/dotc1z/c1zstore"
)

// Contents is what a c1z holds, keyed for set comparisons.
type Contents struct {
	// Resources by type id, then resource id.
	Resources map[string]map[string]*v2.Resource
	// Entitlements by entitlement id.
	Entitlements map[string]*v2.Entitlement
	// Grants by GrantKey.
	Grants map[string]*v2.Grant
}

// GrantKey names a grant by what it means: entitlement id and principal.
func GrantKey(entitlementID, principalType, principalID string) string {
	return entitlementID + " <- " + principalType + ":" + principalID
}

// Read loads the latest finished sync of the c1z at path.
func Read(ctx context.Context, path string) (*Contents, error) {
	store, done, err := openReadOnly(ctx, path)
	if err != nil {
		return nil, err
	}
	defer done()

	c := &Contents{Resources: map[string]map[string]*v2.Resource{}, Entitlements: map[string]*v2.Entitlement{}, Grants: map[string]*v2.Grant{}}
	token := ""
	for {
		resp, err := store.ListResources(ctx, v2.ResourcesServiceListResourcesRequest_builder{PageToken: token}.Build())
		if err != nil {
			return nil, fmt.Errorf("listing resources: %w", err)
		}
		for _, r := range resp.GetList() {
			typ := r.GetId().GetResourceType()
			if c.Resources[typ] == nil {
				c.Resources[typ] = map[string]*v2.Resource{}
			}
			c.Resources[typ][r.GetId().GetResource()] = r
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	for {
		resp, err := store.ListEntitlements(ctx, v2.EntitlementsServiceListEntitlementsRequest_builder{PageToken: token}.Build())
		if err != nil {
			return nil, fmt.Errorf("listing entitlements: %w", err)
		}
		for _, e := range resp.GetList() {
			c.Entitlements[e.GetId()] = e
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	for {
		resp, err := store.ListGrants(ctx, v2.GrantsServiceListGrantsRequest_builder{PageToken: token}.Build())
		if err != nil {
			return nil, fmt.Errorf("listing grants: %w", err)
		}
		for _, g := range resp.GetList() {
			p := g.GetPrincipal().GetId()
			c.Grants[GrantKey(g.GetEntitlement().GetId(), p.GetResourceType(), p.GetResource())] = g
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	return c, nil
}

// Summary counts resources per type and grants per entitlement slug ("team:member").
type Summary struct {
	Resources map[string]int
	Grants    map[string]int
}

// Summarize counts what c holds.
func (c *Contents) Summarize() Summary {
	s := Summary{Resources: map[string]int{}, Grants: map[string]int{}}
	for typ, rs := range c.Resources {
		s.Resources[typ] = len(rs)
	}
	for _, g := range c.Grants {
		e := g.GetEntitlement()
		typ := e.GetResource().GetId().GetResourceType()
		slug := e.GetSlug()
		if slug == "" {
			// Type-scoped grants carry only the entitlement id: "type:resource:slug".
			slug = lastField(e.GetId())
		}
		s.Grants[typ+":"+slug]++
	}
	return s
}

func lastField(id string) string {
	for i := len(id) - 1; i >= 0; i-- {
		if id[i] == ':' {
			return id[i+1:]
		}
	}
	return id
}

// SortedKeys returns m's keys in order.
func SortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// HasFinishedSync reports whether the c1z at path holds a finished sync. An
// interrupted sync is saved unfinished (the next run resumes it): false.
func HasFinishedSync(ctx context.Context, path string) (bool, error) {
	store, done, err := openReadOnly(ctx, path)
	if err != nil {
		return false, err
	}
	defer done()
	run, err := store.SyncMeta().LatestFinishedSyncOfAnyType(ctx)
	if err != nil {
		return false, err
	}
	return run != nil, nil
}

// openReadOnly opens the c1z at path read-only in a temporary directory of
// its own; done closes it and removes the directory.
func openReadOnly(ctx context.Context, path string) (c1zstore.Store, func(), error) {
	tmp, err := os.MkdirTemp("", "c1z-read-")
	if err != nil {
		return nil, nil, err
	}
	store, err := dotc1z.NewStore(ctx, path, dotc1z.WithReadOnly(true), dotc1z.WithTmpDir(tmp))
	if err != nil {
		_ = os.RemoveAll(tmp)
		return nil, nil, fmt.Errorf("opening %s: %w", path, err)
	}
	return store, func() { _ = store.Close(ctx); _ = os.RemoveAll(tmp) }, nil
}
