package mirosim

import (
	"maps"
	"slices"
	"sort"
	"strings"
	"time"
)

// AdminRole is an admin role held by an org member, as Miro returns it in adminRoles[].
type AdminRole struct {
	Type string `json:"type"` // "prebuilt" | "custom"
	Name string `json:"name"`
}

// Member is one organization member (a Miro user in the org).
type Member struct {
	ID, Email         string
	Active            bool
	Role, License     string
	LastActivityAt    time.Time // zero = never active: field omitted from JSON
	LicenseAssignedAt time.Time // zero = omitted
	AdminRoles        []AdminRole
	// SCIM profile fields.
	GivenName, FamilyName, DisplayName, Department, EmployeeNumber, CostCenter, ManagerID string
}

// TeamMember is one membership of a user in a team.
type TeamMember struct {
	UserID, Role string
	CreatedAt    time.Time
}

// Team is a Miro team with its memberships (kept sorted by UserID by the server).
type Team struct {
	ID, Name string
	Members  []TeamMember
}

// Org is the whole simulated organization.
type Org struct {
	ID, Name, Plan        string
	FullLicensesPurchased int
	Members               []Member // sorted by ID ascending
	Teams                 []Team
	Groups                []Group   // user groups, sorted by ID (by the server)
	Boards                []Board   // sorted by ID (by the server)
	Projects              []Project // sorted by ID (by the server)
	// TeamSettings holds the settings of the teams that have their own; any other team has Miro's defaults
	// (DefaultTeamSettings). Kept beside Teams, not in Team, so orgs generated before settings existed are
	// unchanged.
	TeamSettings map[string]TeamSettings
	// Classification is the org's data classification (labels boards carry in Board.LabelID); nil = off.
	Classification *Classification
}

// Enum values exactly as Miro's OpenAPI spec lists them.
var (
	orgRoles = []string{"organization_internal_admin", "organization_internal_user", "organization_external_user",
		"organization_team_guest_user", "unknown"}
	licenses = []string{"advanced", "standard", "basic", "full", "occasional", "free", "free_restricted",
		"full_trial", "unknown"}
	teamRoles          = []string{"member", "admin", "non_team", "team_guest"} // team_guest: deprecated, off-spec
	prebuiltAdminRoles = []string{"Content Admin", "User Admin", "Security Admin"}
	customAdminRoles   = []string{"Board Auditor", "License Manager"}
)

const (
	roleAdmin    = "organization_internal_admin"
	roleUser     = "organization_internal_user"
	roleExternal = "organization_external_user"
	roleGuest    = "organization_team_guest_user"
)

// Clone returns a deep copy of o.
func (o *Org) Clone() *Org {
	if o == nil {
		return nil
	}
	c := *o
	c.Members = make([]Member, len(o.Members))
	for i, m := range o.Members {
		m.AdminRoles = slices.Clone(m.AdminRoles)
		c.Members[i] = m
	}
	c.Teams = make([]Team, len(o.Teams))
	for i, t := range o.Teams {
		t.Members = slices.Clone(t.Members)
		c.Teams[i] = t
	}
	// nil stays nil, so a clone of an org without groups, boards or projects is DeepEqual to it.
	c.Groups = slices.Clone(o.Groups)
	for i := range c.Groups {
		c.Groups[i].MemberIDs = slices.Clone(c.Groups[i].MemberIDs)
		c.Groups[i].TeamIDs = slices.Clone(c.Groups[i].TeamIDs)
	}
	c.Boards = slices.Clone(o.Boards)
	for i := range c.Boards {
		c.Boards[i].Members = slices.Clone(c.Boards[i].Members)
		c.Boards[i].Groups = slices.Clone(c.Boards[i].Groups)
	}
	c.Projects = slices.Clone(o.Projects)
	for i := range c.Projects {
		c.Projects[i].Members = slices.Clone(c.Projects[i].Members)
		c.Projects[i].Groups = slices.Clone(c.Projects[i].Groups)
	}
	if o.Classification != nil {
		cl := *o.Classification
		cl.Labels = slices.Clone(cl.Labels)
		c.Classification = &cl
	}
	c.TeamSettings = maps.Clone(o.TeamSettings)
	for id, ts := range c.TeamSettings {
		ts.AllowListedDomains = slices.Clone(ts.AllowListedDomains)
		c.TeamSettings[id] = ts
	}
	return &c
}

// sortContent puts groups, boards and projects (and their member lists) in the order lookups and paging
// rely on; callers may hand New anything.
func (o *Org) sortContent() {
	slices.SortStableFunc(o.Groups, func(a, b Group) int { return strings.Compare(a.ID, b.ID) })
	for i := range o.Groups {
		g := &o.Groups[i]
		slices.Sort(g.MemberIDs)
		g.MemberIDs = slices.Compact(g.MemberIDs)
		slices.Sort(g.TeamIDs)
		g.TeamIDs = slices.Compact(g.TeamIDs)
	}
	slices.SortStableFunc(o.Boards, func(a, b Board) int { return strings.Compare(a.ID, b.ID) })
	for i := range o.Boards {
		slices.SortStableFunc(o.Boards[i].Members, func(a, b BoardMember) int {
			return strings.Compare(a.UserID, b.UserID)
		})
		sortShares(o.Boards[i].Groups)
	}
	slices.SortStableFunc(o.Projects, func(a, b Project) int { return strings.Compare(a.ID, b.ID) })
	for i := range o.Projects {
		slices.SortStableFunc(o.Projects[i].Members, func(a, b ProjectMember) int {
			return strings.Compare(a.UserID, b.UserID)
		})
		sortShares(o.Projects[i].Groups)
	}
}

// search finds key in items sorted by key: its index and whether it is there
// (else where it would be inserted).
func search[T any](items []T, key string, keyOf func(*T) string) (int, bool) {
	i := sort.Search(len(items), func(j int) bool { return keyOf(&items[j]) >= key })
	return i, i < len(items) && keyOf(&items[i]) == key
}

// byID returns the item whose key is id, or nil.
func byID[T any](items []T, id string, keyOf func(*T) string) *T {
	if i, ok := search(items, id, keyOf); ok {
		return &items[i]
	}
	return nil
}

func memberID(m *Member) string { return m.ID }

func (s *Server) memberIndex(id string) int {
	if i, ok := search(s.org.Members, id, memberID); ok {
		return i
	}
	return -1
}

// tokenUser is the token's owner: the first active Company Admin.
func (s *Server) tokenUser() *Member {
	for i := range s.org.Members {
		if m := &s.org.Members[i]; m.Role == roleAdmin && m.Active {
			return m
		}
	}
	if len(s.org.Members) > 0 {
		return &s.org.Members[0]
	}
	return &Member{ID: "3458764500000000000", DisplayName: "Sim Admin", Email: "admin@example.com"}
}
