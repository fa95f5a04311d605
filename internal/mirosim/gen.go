package mirosim

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// GenOptions drives Generate.
type GenOptions struct {
	Seed         int64
	Users, Teams int
	// UnknownEnums adds a few values that are not in Miro's enums (role "organization_future_role", license
	// "enterprise_plus", team role "owner", unusual custom admin role names) and the deprecated team role
	// "team_guest" (most team guests get it; otherwise they are "non_team") to test tolerant clients. Without
	// it every value is in the spec's enums.
	UnknownEnums bool
	// Groups is the number of user groups (skewed sizes, some attached to teams). It and Boards draw from PRNG
	// streams of their own, so they never change the members and teams the other options produce.
	Groups int
	// Boards adds boards to teams (skewed counts, a few teams past the 50-board page) with members, and a few
	// projects per team with members.
	Boards bool
	// GroupShares shares boards and projects with user groups (it needs Boards and Groups); TeamSettings gives
	// every team varied settings (without it every team has DefaultTeamSettings). Each draws from a PRNG stream
	// of its own, so neither changes anything the other options produce.
	GroupShares, TeamSettings bool
	// GroupMembers is the least number of members of every non-empty user group (0: the skewed sizes alone), so
	// groups can be larger than teams. ShareRate is the share of boards and projects shared with user groups
	// (0: a quarter) and MaxShares the most groups one of them is shared with (0: 3), so groups can be shared to
	// many boards. Zero values keep every generated org as it was.
	GroupMembers, MaxShares int
	ShareRate                float64
}

// genEpoch anchors every generated timestamp so the output never depends on the wall clock.
var genEpoch = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

type weighted struct {
	v string
	w int
}

func pick(r *rand.Rand, ws []weighted) string {
	total := 0
	for _, w := range ws {
		total += w.w
	}
	n := r.IntN(total)
	for _, w := range ws {
		if n < w.w {
			return w.v
		}
		n -= w.w
	}
	return ws[len(ws)-1].v
}

var (
	roleWeights = []weighted{{roleAdmin, 3}, {roleUser, 80}, {roleExternal, 9}, {roleGuest, 7}, {"unknown", 1}}
	// Internal people mostly hold paid seats; guests hold the free ones.
	internalLicenseWeights = []weighted{{"full", 50}, {"advanced", 5}, {"standard", 6}, {"basic", 6},
		{"occasional", 5}, {"free", 12}, {"free_restricted", 8}, {"full_trial", 6}, {"unknown", 2}}
	guestLicenseWeights = []weighted{{"free", 50}, {"free_restricted", 45}, {"occasional", 5}}

	givenNames = []string{"Anna", "Ben", "Chloé", "Zoë", "José", "François", "Łukasz", "Søren", "Ayşe", "Mateus",
		"Priya", "Olu", "Ingrid", "Mikhail", "Fatima", "Noah", "Emma", "Liam", "Mia", "Lucas", "Sofía", "Ólafur",
		"伟", "芳", "健太", "민준", "Анна", "Дмитрий", "Νίκος", "Björn", "Renée", "Amélie", "Jürgen", "Kai"}
	familyNames = []string{"Müller", "Smith", "García", "Nowak", "Ødegaard", "Yılmaz", "Silva", "Patel", "Okafor",
		"Johansson", "Ivanov", "O'Brien", "Dubois", "Rossi", "Kowalski", "Nguyen", "Brown", "Schäfer", "王", "李",
		"佐藤", "김", "Петров", "Παπαδόπουλος", "Lindqvist", "Jensen", "Fernández", "Núñez", "Kim", "Lee"}
	internalDomains = []string{"exämple.com", "example.com", "acme-corp.com"}
	externalDomains = []string{"contractor.example.net", "agency.exämple.de", "partner.example.org"}
	departments     = []string{"Engineering", "Design", "Marketing", "Sales", "Finance", "Legal", "Support",
		"Recherche & Développement", "営業", "People"}
	teamNames = []string{"Engineering", "Design", "Marketing", "Sales", "Équipe Produit", "開発チーム",
		"Data & Analytics", "Kundenservice", "Команда", "Finance", "Legal", "Growth", "Platform", "Research"}
)

// msTime returns genEpoch minus a random duration up to span, at millisecond precision so JSON round-trips
// exactly.
func msTime(r *rand.Rand, span time.Duration) time.Time {
	return genEpoch.Add(-time.Duration(r.Int64N(int64(span)))).Truncate(time.Millisecond)
}

// Generate builds a deterministic org for o: same options, same org.
func Generate(o GenOptions) *Org {
	r := rand.New(rand.NewPCG(uint64(o.Seed), 0x6d69726f73696d))
	n := max(o.Users, 0)
	org := &Org{
		ID:   strconv.FormatInt(3074457345000000000+r.Int64N(1e9), 10),
		Name: "Acme Corporation",
		Plan: "company",
	}

	// Ids grow by random steps so they stay 19-digit numbers, unique and sorted.
	members := make([]Member, n)
	id := int64(3458764500000000000) + r.Int64N(1e10)
	for i := range members {
		id += 1 + r.Int64N(1<<20)
		m := &members[i]
		m.ID = strconv.FormatInt(id, 10)
		m.Role = pick(r, roleWeights)
		m.Active = r.IntN(10) != 0
	}

	// Force every enum value onto distinct random members so small orgs still cover them all.
	used := map[int]bool{}
	next := func() int {
		for {
			i := r.IntN(n)
			if !used[i] {
				used[i] = true
				return i
			}
		}
	}
	forcedLicense := map[int]string{}
	if n >= 50 {
		for _, v := range orgRoles {
			members[next()].Role = v
		}
		for range 2 { // at least three internal admins, all active: one is the token's user
			members[next()].Role = roleAdmin
		}
		for i := range members {
			if members[i].Role == roleAdmin && used[i] {
				members[i].Active = true
			}
		}
		for _, v := range licenses {
			forcedLicense[next()] = v
		}
	}

	emailSeen := make(map[string]int, n)
	for i := range members {
		m := &members[i]
		internal := m.Role != roleExternal && m.Role != roleGuest
		if v, ok := forcedLicense[i]; ok {
			m.License = v
		} else if internal {
			m.License = pick(r, internalLicenseWeights)
		} else {
			m.License = pick(r, guestLicenseWeights)
		}
		if r.IntN(10) != 0 {
			m.LastActivityAt = msTime(r, 365*24*time.Hour)
		}
		if r.IntN(7) != 0 {
			m.LicenseAssignedAt = msTime(r, 3*365*24*time.Hour)
		}
		m.GivenName = givenNames[r.IntN(len(givenNames))]
		m.FamilyName = familyNames[r.IntN(len(familyNames))]
		m.DisplayName = m.GivenName + " " + m.FamilyName
		domains := internalDomains
		if !internal {
			domains = externalDomains
		}
		local := strings.ToLower(m.GivenName + "." + strings.ReplaceAll(m.FamilyName, "'", ""))
		domain := domains[r.IntN(len(domains))]
		// Uniqueness is case-insensitive: the key is lower case, a numeric suffix breaks ties.
		key := local + "@" + domain
		if c := emailSeen[key]; c > 0 {
			local += strconv.Itoa(c + 1)
		}
		emailSeen[key]++
		if r.IntN(20) == 0 { // a few mixed-case addresses, as IdPs send them
			c, size := utf8.DecodeRuneInString(local)
			local = string(unicode.ToUpper(c)) + local[size:]
		}
		m.Email = local + "@" + domain
		if internal {
			m.Department = departments[r.IntN(len(departments))]
			m.EmployeeNumber = "E" + strconv.Itoa(100000+i)
			m.CostCenter = "CC-" + strconv.Itoa(100+r.IntN(900))
		}
	}

	var internals, admins []int
	for i := range members {
		switch members[i].Role {
		case roleAdmin:
			admins = append(admins, i)
			internals = append(internals, i)
		case roleUser:
			internals = append(internals, i)
		}
	}
	for _, i := range internals {
		if len(internals) > 1 && r.IntN(5) != 0 {
			if j := internals[r.IntN(len(internals))]; j != i {
				members[i].ManagerID = members[j].ID
			}
		}
	}
	prebuilt := func(name string) AdminRole { return AdminRole{Type: "prebuilt", Name: name} }
	custom := func(name string) AdminRole { return AdminRole{Type: "custom", Name: name} }
	for k, i := range admins {
		m := &members[i]
		switch k {
		case 0:
			m.AdminRoles = []AdminRole{prebuilt("Content Admin"), prebuilt("User Admin")}
		case 1:
			m.AdminRoles = []AdminRole{prebuilt("Security Admin"), custom("Board Auditor")}
		case 2:
			m.AdminRoles = []AdminRole{custom("License Manager")}
		default:
			switch x := r.IntN(10); {
			case x < 6:
				m.AdminRoles = []AdminRole{prebuilt(prebuiltAdminRoles[r.IntN(3)])}
			case x < 8:
				m.AdminRoles = []AdminRole{prebuilt(prebuiltAdminRoles[r.IntN(3)]),
					custom(customAdminRoles[r.IntN(len(customAdminRoles))])}
			}
		}
	}
	for _, i := range internals { // a rare non-admin holds a narrow custom role
		if members[i].Role == roleUser && r.IntN(200) == 0 {
			members[i].AdminRoles = []AdminRole{custom("Board Auditor")}
		}
	}

	if o.UnknownEnums && n >= 10 {
		for k := range 2 {
			members[next()].Role = "organization_future_role"
			members[next()].License = "enterprise_plus"
			if k < len(admins) {
				m := &members[admins[k]]
				m.AdminRoles = append(m.AdminRoles, custom("Compliance Officer (EU) ✓"))
			}
		}
	}

	full := 0
	for i := range members {
		if members[i].License == "full" {
			full++
		}
	}
	org.FullLicensesPurchased = full + full/10 + 5
	org.Members = members
	org.Teams = generateTeams(r, o, members, internals)
	org.Groups = generateGroups(o, org)
	if o.Boards {
		org.Projects, org.Boards = generateBoards(o, org)
	}
	if o.GroupShares {
		generateShares(o, org)
	}
	if o.TeamSettings {
		org.TeamSettings = generateTeamSettings(o, org.Teams)
	}
	return org
}

// generateTeams sizes teams with a Zipf-like curve (a few huge, many small, ~5% empty) for about 2.5
// memberships per user, then fills each with distinct random members, a team admin first.
func generateTeams(r *rand.Rand, o GenOptions, members []Member, internals []int) []Team {
	t := max(o.Teams, 0)
	n := len(members)
	teams := make([]Team, t)
	tid := int64(3074457346000000000) + r.Int64N(1e9)
	for i := range teams {
		tid += 1 + r.Int64N(1<<24)
		teams[i].ID = strconv.FormatInt(tid, 10)
		teams[i].Name = teamNames[r.IntN(len(teamNames))] + " " + strconv.Itoa(i+1)
	}
	if t == 0 || n == 0 {
		return teams
	}
	h := 0.0
	for k := 1; k <= t; k++ {
		h += 1 / float64(k)
	}
	total := 2.5 * float64(n)
	empty := t / 20
	sizes := make([]int, t) // by rank
	for k := range sizes {
		if k >= t-empty {
			break
		}
		sizes[k] = min(n, max(1, int(total/(h*float64(k+1))+0.5)))
	}
	if n >= 1000 { // big orgs always have a few teams past Miro's page size
		for k, floor := range []int{260, 120, 110} {
			if k < t-empty {
				sizes[k] = max(sizes[k], floor)
			}
		}
	}

	order := r.Perm(t) // rank -> team index, so size does not follow id order
	mark := make([]int32, n)
	for rank, ti := range order {
		k := sizes[rank]
		if k == 0 {
			continue
		}
		stamp := int32(rank + 1)
		picked := make([]int, 0, k)
		admin := r.IntN(n)
		if len(internals) > 0 {
			admin = internals[r.IntN(len(internals))]
		}
		mark[admin] = stamp
		picked = append(picked, admin)
		for len(picked) < k {
			if u := r.IntN(n); mark[u] != stamp {
				mark[u] = stamp
				picked = append(picked, u)
			}
		}
		slices.Sort(picked) // member index order is id order
		tm := make([]TeamMember, len(picked))
		for j, u := range picked {
			role := "member"
			switch {
			case u == admin:
				role = "admin"
			case members[u].Role == roleExternal:
				role = "non_team"
			case members[u].Role == roleGuest:
				// The spec's TeamMember.role enum is non_team, member, admin: guests are non_team. The
				// deprecated team_guest, still seen on old data, is off-spec and comes only with UnknownEnums.
				// The draw happens either way, so the PRNG stream (and all later data) stays the same.
				role = "non_team"
				if r.IntN(10) >= 3 && o.UnknownEnums {
					role = "team_guest"
				}
			case r.IntN(100) < 8:
				role = "admin"
			}
			tm[j] = TeamMember{UserID: members[u].ID, Role: role, CreatedAt: msTime(r, 2*365*24*time.Hour)}
		}
		teams[ti].Members = tm
	}
	if o.UnknownEnums {
		changed := 0
		for i := range teams {
			if changed == 3 {
				break
			}
			for j := range teams[i].Members {
				if len(teams[i].Members) >= 3 && teams[i].Members[j].Role == "member" {
					teams[i].Members[j].Role = "owner"
					changed++
					break
				}
			}
		}
	}
	return teams
}
