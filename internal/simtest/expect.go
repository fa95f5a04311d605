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

	"github.com/conductorone/baton-miro/internal/mirosim"
	"github.com/conductorone/baton-miro/internal/synctest"
	"github.com/conductorone/baton-miro/pkg/connector"
	"github.com/conductorone/baton-miro/pkg/miro"
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
	// Sources holds, per grant key, the sorted source entitlement ids of a
	// grant that grant expansion produced or added to; every other grant has
	// none.
	Sources map[string][]string
}

// Parts says which optional parts of an org a sync covers.
type Parts struct {
	// GroupsRefused: the token lacks organizations:groups:read, so the sync
	// skips user groups after one refused call.
	GroupsRefused bool
	// Boards: boards and projects (--sync-boards).
	Boards bool
	// TeamSettings: each team's settings (--sync-team-settings).
	TeamSettings bool
}

// DefaultParts is what a sync with every scope covers: user groups, and boards
// and projects when the org has any (tests that generate them sync them).
func DefaultParts(org *mirosim.Org) Parts {
	return Parts{Boards: len(org.Boards)+len(org.Projects) > 0}
}

// Expect derives the exact expected contents from the simulator's org.
func Expect(org *mirosim.Org) *Expected { return ExpectParts(org, DefaultParts(org)) }

// ExpectParts derives the expected contents of a sync covering parts of org.
// User groups add user_group resources with one member grant per member; a
// group attached to a team adds a grant of the team role to the group and,
// by grant expansion, the team role to each of its members (merged with a
// direct grant of the same role, whose sources then name both).
func ExpectParts(org *mirosim.Org, parts Parts) *Expected {
	e := &Expected{Resources: map[string][]string{}, Sources: map[string][]string{}}
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
	inOrg := make(map[string]bool, len(org.Members))
	for _, m := range org.Members {
		inOrg[m.ID] = true
	}
	if parts.Boards {
		e.expectBoards(org, inOrg)
	}
	if !parts.GroupsRefused {
		e.expectGroups(org, inOrg, parts.Boards)
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

// Share roles of boards and projects (upper case) as their role entitlements.
var (
	boardShareRoles   = map[string]string{"VIEWER": "viewer", "COMMENTER": "commenter", "EDITOR": "editor"}
	projectShareRoles = map[string]string{"VIEWER": "viewer", "COMMENTER": "commentator", "EDITOR": "editor"}
)

// expectGroups adds the user groups, their member grants and their links:
// team attachments and, with boards, board and project shares. Each link is a
// grant of the role to the group and, by expansion, to each of its members.
func (e *Expected) expectGroups(org *mirosim.Org, inOrg map[string]bool, boards bool) {
	teams := map[string]bool{}
	for _, t := range org.Teams {
		teams[t.ID] = true
	}
	direct := set(e.Grants)
	sources := map[string]map[string]bool{}
	members := map[string][]string{}
	e.Resources["user_group"] = []string{}
	for _, g := range org.Groups {
		e.Resources["user_group"] = append(e.Resources["user_group"], g.ID)
		for _, uid := range g.MemberIDs {
			if inOrg[uid] {
				members[g.ID] = append(members[g.ID], uid)
				e.Grants = append(e.Grants, synctest.GrantKey("user_group:"+g.ID+":member", "user", uid))
			}
		}
	}
	link := func(ent, groupID string) {
		if _, ok := members[groupID]; !ok && !slices.ContainsFunc(org.Groups, func(g mirosim.Group) bool { return g.ID == groupID }) {
			return // a share of a group that no longer exists is not listed
		}
		src := "user_group:" + groupID + ":member"
		e.Grants = append(e.Grants, synctest.GrantKey(ent, "user_group", groupID))
		for _, uid := range members[groupID] {
			k := synctest.GrantKey(ent, "user", uid)
			if sources[k] == nil {
				sources[k] = map[string]bool{}
				if direct[k] {
					sources[k][ent] = true // the direct grant is its own source
				} else {
					e.Grants = append(e.Grants, k)
				}
			}
			sources[k][src] = true
		}
	}
	for _, g := range org.Groups {
		for _, tid := range g.TeamIDs {
			if teams[tid] {
				link("team:"+tid+":member", g.ID) // Miro attaches groups with the member role
			}
		}
	}
	if boards {
		for _, b := range org.Boards {
			for _, gs := range b.Groups {
				link("board:"+b.ID+":"+shareRole(boardShareRoles, gs.Role), gs.GroupID)
			}
		}
		for _, p := range org.Projects {
			for _, gs := range p.Groups {
				link("project:"+p.ID+":"+shareRole(projectShareRoles, gs.Role), gs.GroupID)
			}
		}
	}
	for k, srcs := range sources {
		e.Sources[k] = keys(srcs)
	}
}

// shareRole is the entitlement of a share role; unknown roles are kept as viewer.
func shareRole(roles map[string]string, role string) string {
	if r, ok := roles[role]; ok {
		return r
	}
	return "viewer"
}

func (e *Expected) expectBoards(org *mirosim.Org, inOrg map[string]bool) {
	e.Resources["board"] = []string{}
	e.Resources["project"] = []string{}
	for _, b := range org.Boards {
		e.Resources["board"] = append(e.Resources["board"], b.ID)
		for _, m := range b.Members {
			if inOrg[m.UserID] {
				e.Grants = append(e.Grants, synctest.GrantKey("board:"+b.ID+":"+m.Role, "user", m.UserID))
			}
		}
	}
	for _, p := range org.Projects {
		e.Resources["project"] = append(e.Resources["project"], p.ID)
		for _, m := range p.Members {
			if inOrg[m.UserID] {
				e.Grants = append(e.Grants, synctest.GrantKey("project:"+p.ID+":"+m.Role, "user", m.UserID))
			}
		}
	}
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
	var wrongSources []string
	for _, k := range synctest.SortedKeys(c.Grants) {
		got := synctest.SortedKeys(c.Grants[k].GetSources().GetSources())
		if !slices.Equal(got, e.Sources[k]) {
			wrongSources = append(wrongSources, fmt.Sprintf("%s: sources %v, want %v", k, got, e.Sources[k]))
		}
	}
	if len(wrongSources) > 0 {
		fmt.Fprintf(&b, "grant sources: %d grants differ, e.g. %v\n", len(wrongSources), head(wrongSources))
	}
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

// NewConnector returns a connector whose client talks to sim with fast
// retries; tweak adjusts the client options further.
func NewConnector(sim *mirosim.Server, token string, tweak ...func(*miro.Options)) (*connector.Connector, *miro.Client, error) {
	return NewConnectorWith(sim, token, nil, tweak...)
}

// NewConnectorWith is NewConnector with connector options (WithSyncBoards, say).
func NewConnectorWith(sim *mirosim.Server, token string, opts []connector.Option, tweak ...func(*miro.Options)) (*connector.Connector, *miro.Client, error) {
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
	return connector.NewWithClient(client, opts...), client, nil
}

// SyncAndRead runs an in-process sync of sim into path and reads the result.
func SyncAndRead(ctx context.Context, sim *mirosim.Server, token, path string, workers int, tweak ...func(*miro.Options)) (*synctest.Contents, error) {
	return SyncAndReadWith(ctx, sim, token, path, workers, nil, tweak...)
}

// SyncAndReadWith is SyncAndRead with connector options.
func SyncAndReadWith(ctx context.Context, sim *mirosim.Server, token, path string, workers int, opts []connector.Option, tweak ...func(*miro.Options)) (*synctest.Contents, error) {
	// The connector is told the worker count, as main tells it the --workers flag.
	opts = append([]connector.Option{connector.WithWorkers(workers)}, opts...)
	conn, _, err := NewConnectorWith(sim, token, opts, tweak...)
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
