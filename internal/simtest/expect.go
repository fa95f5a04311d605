// Package simtest holds what tests and benchmarks share about the simulator:
// the exact c1z contents a sync of a simulated org must produce and the
// minimum number of API calls it may make.
package simtest

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/conductorone/baton-miro/internal/synctest"
	"github.com/conductorone/baton-miro/pkg/connector"
	"github.com/conductorone/baton-miro/pkg/miro"
	"github.com/conductorone/baton-miro/pkg/mirosim"
	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
)

var (
	knownRoles    = []string{"organization_internal_admin", "organization_internal_user", "organization_external_user", "organization_team_guest_user", "unknown"}
	knownLicenses = []string{"full", "advanced", "standard", "basic", "occasional", "free", "free_restricted", "full_trial", "unknown"}
	prebuiltAdmin = []string{"Content Admin", "User Admin", "Security Admin"}
	teamRoles     = []string{"member", "admin", "non_team", "team_guest"}
)

// Expected is what a c1z of org must hold: resource ids per type, user status,
// and grant keys (see synctest.GrantKey).
type Expected struct {
	Resources map[string][]string
	Disabled  []string // user ids whose status is disabled
	Grants    []string
}

// Expect derives the exact expected contents from the simulator's org.
func Expect(org *mirosim.Org) *Expected {
	e := &Expected{Resources: map[string][]string{}}
	roles, licenses, admins := set(knownRoles), set(knownLicenses), set(prebuiltAdmin)
	for _, m := range org.Members {
		e.Resources["user"] = append(e.Resources["user"], m.ID)
		if !m.Active {
			e.Disabled = append(e.Disabled, m.ID)
		}
		role, license := orUnknown(m.Role), orUnknown(m.License)
		roles[role] = true
		licenses[license] = true
		e.Grants = append(e.Grants,
			synctest.GrantKey("role:"+role+":assigned", "user", m.ID),
			synctest.GrantKey("license:"+license+":assigned", "user", m.ID))
		seen := map[string]bool{}
		for _, ar := range m.AdminRoles {
			if ar.Name == "" || seen[ar.Name] {
				continue
			}
			seen[ar.Name] = true
			admins[ar.Name] = true
			e.Grants = append(e.Grants, synctest.GrantKey("admin_role:"+ar.Name+":assigned", "user", m.ID))
		}
	}
	for _, t := range org.Teams {
		e.Resources["team"] = append(e.Resources["team"], t.ID)
		for _, tm := range t.Members {
			role := tm.Role
			if !slices.Contains(teamRoles, role) {
				role = "member" // unknown team roles are kept as member with the raw role in metadata
			}
			e.Grants = append(e.Grants, synctest.GrantKey("team:"+t.ID+":"+role, "user", tm.UserID))
		}
	}
	e.Resources["role"] = keys(roles)
	e.Resources["license"] = keys(licenses)
	e.Resources["admin_role"] = keys(admins)
	for k := range e.Resources {
		sort.Strings(e.Resources[k])
	}
	sort.Strings(e.Disabled)
	sort.Strings(e.Grants)
	return e
}

// Diff compares c1z contents with the expectation and describes every
// difference (at most a few examples each); "" means equal.
func (e *Expected) Diff(c *synctest.Contents) string {
	var b strings.Builder
	types := map[string]bool{}
	for t := range e.Resources {
		types[t] = true
	}
	for t := range c.Resources {
		types[t] = true
	}
	for _, t := range keys(types) {
		got := synctest.SortedKeys(c.Resources[t])
		diffSets(&b, "resources of type "+t, e.Resources[t], got)
	}
	var disabled []string
	for id, r := range c.Resources["user"] {
		if r.GetStatus().GetStatus() == v2.Status_RESOURCE_STATUS_DISABLED {
			disabled = append(disabled, id)
		}
	}
	sort.Strings(disabled)
	diffSets(&b, "disabled users", e.Disabled, disabled)
	diffSets(&b, "grants", e.Grants, synctest.SortedKeys(c.Grants))
	return b.String()
}

func diffSets(b *strings.Builder, what string, want, got []string) {
	w, g := set(want), set(got)
	var missing, extra []string
	for _, k := range want {
		if !g[k] {
			missing = append(missing, k)
		}
	}
	for _, k := range got {
		if !w[k] {
			extra = append(extra, k)
		}
	}
	if len(missing)+len(extra) == 0 && len(want) == len(got) {
		return
	}
	fmt.Fprintf(b, "%s: want %d, got %d; missing %d %v; unexpected %d %v\n", what, len(want), len(got),
		len(missing), head(missing), len(extra), head(extra))
}

func head(s []string) []string {
	if len(s) > 5 {
		return s[:5]
	}
	return s
}

// MinCalls is the sync issue's API budget for org: token context, organization,
// member pages, team pages and every team's member pages.
func MinCalls(org *mirosim.Org) map[string]int {
	teamMemberPages := 0
	for _, t := range org.Teams {
		teamMemberPages += pages(len(t.Members))
	}
	return map[string]int{
		"oauth_token":       1,
		"get_org":           1,
		"list_members":      pages(len(org.Members)),
		"list_teams":        pages(len(org.Teams)),
		"list_team_members": teamMemberPages,
	}
}

// MinCredits is the credit cost of MinCalls.
func MinCredits(org *mirosim.Org) int {
	total := 0
	for route, n := range MinCalls(org) {
		total += n * mirosim.CreditsFor(route)
	}
	return total
}

func pages(n int) int { return max(1, (n+miro.PageSize-1)/miro.PageSize) }

// NewConnector returns a connector whose client talks to sim with fast
// retries; tweak adjusts the client options further.
func NewConnector(sim *mirosim.Server, token string, tweak ...func(*miro.Options)) (*connector.Connector, *miro.Client, error) {
	o := miro.Options{
		APIURL: sim.BaseURL(), SCIMURL: sim.SCIMURL(), AccessToken: token,
		BackoffBase: 5 * time.Millisecond, BackoffMax: 50 * time.Millisecond, MaxAttempts: 12,
	}
	for _, f := range tweak {
		f(&o)
	}
	client, err := miro.New(o)
	if err != nil {
		return nil, nil, err
	}
	return connector.NewWithClient(client), client, nil
}

// SyncAndRead runs an in-process sync of sim into path and reads the result.
func SyncAndRead(ctx context.Context, sim *mirosim.Server, token, path string, workers int, tweak ...func(*miro.Options)) (*synctest.Contents, error) {
	conn, _, err := NewConnector(sim, token, tweak...)
	if err != nil {
		return nil, err
	}
	if err := synctest.Sync(ctx, conn, path, workers); err != nil {
		return nil, err
	}
	return synctest.Read(ctx, path)
}

func orUnknown(v string) string {
	if v == "" {
		return "unknown"
	}
	return v
}

func set(s []string) map[string]bool {
	m := make(map[string]bool, len(s))
	for _, v := range s {
		m[v] = true
	}
	return m
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ReadC1Z reads a c1z written by a sync (see synctest.Read).
func ReadC1Z(ctx context.Context, path string) (*synctest.Contents, error) {
	return synctest.Read(ctx, path)
}
