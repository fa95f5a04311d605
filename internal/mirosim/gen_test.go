package mirosim

import (
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestGenerateDeterministic(t *testing.T) {
	o := GenOptions{Seed: 42, Users: 500, Teams: 40, UnknownEnums: true}
	a, b := Generate(o), Generate(o)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same options produced different orgs")
	}
	o.Seed = 43
	if c := Generate(o); reflect.DeepEqual(a.Members, c.Members) {
		t.Fatal("different seeds produced the same members")
	}
}

func TestGenerateProperties(t *testing.T) {
	org := Generate(GenOptions{Seed: 1, Users: 2000, Teams: 100})
	if org.Plan != "company" || len(org.Members) != 2000 || len(org.Teams) != 100 {
		t.Fatalf("plan %q, %d members, %d teams", org.Plan, len(org.Members), len(org.Teams))
	}
	isID := func(s string) bool {
		return len(s) == 19 && strings.Trim(s, "0123456789") == ""
	}
	if !isID(org.ID) {
		t.Fatalf("org id %q is not a 19-digit number", org.ID)
	}
	roles, lics, admin := map[string]int{}, map[string]int{}, map[string]string{}
	emails := map[string]bool{}
	var inactive, never, noAssigned, twoAdminRoles, nonASCII, full int
	for i, m := range org.Members {
		if !isID(m.ID) || (i > 0 && org.Members[i-1].ID >= m.ID) {
			t.Fatalf("member %d id %q not a 19-digit id in ascending order", i, m.ID)
		}
		roles[m.Role]++
		lics[m.License]++
		for _, r := range m.AdminRoles {
			admin[r.Name] = r.Type
		}
		if len(m.AdminRoles) == 2 {
			twoAdminRoles++
		}
		if !m.Active {
			inactive++
		}
		if m.LastActivityAt.IsZero() {
			never++
		}
		if m.LicenseAssignedAt.IsZero() {
			noAssigned++
		}
		if m.License == "full" {
			full++
		}
		low := strings.ToLower(m.Email)
		if emails[low] {
			t.Fatalf("duplicate email (case-insensitive) %q", m.Email)
		}
		emails[low] = true
		if !utf8.ValidString(m.Email) || strings.Count(m.Email, "@") != 1 {
			t.Fatalf("bad email %q", m.Email)
		}
		for _, r := range m.Email {
			if r > 127 {
				nonASCII++
				break
			}
		}
		if m.GivenName == "" || m.DisplayName == "" {
			t.Fatalf("member %s has no name", m.ID)
		}
	}
	for _, v := range orgRoles {
		if roles[v] == 0 {
			t.Errorf("role %s never generated", v)
		}
	}
	for _, v := range licenses {
		if lics[v] == 0 {
			t.Errorf("license %s never generated", v)
		}
	}
	for _, n := range prebuiltAdminRoles {
		if admin[n] != "prebuilt" {
			t.Errorf("prebuilt admin role %s missing (type %q)", n, admin[n])
		}
	}
	for _, n := range customAdminRoles {
		if admin[n] != "custom" {
			t.Errorf("custom admin role %s missing (type %q)", n, admin[n])
		}
	}
	pct := func(n int) int { return n * 100 / len(org.Members) }
	if twoAdminRoles == 0 || pct(inactive) < 5 || pct(inactive) > 15 || pct(never) < 5 || pct(never) > 15 ||
		noAssigned == 0 || nonASCII < 100 {
		t.Errorf("two-role admins %d, inactive %d%%, never active %d%%, no licenseAssignedAt %d, non-ASCII emails %d",
			twoAdminRoles, pct(inactive), pct(never), noAssigned, nonASCII)
	}
	if org.FullLicensesPurchased < full {
		t.Errorf("fullLicensesPurchased %d < %d full members", org.FullLicensesPurchased, full)
	}

	ids := map[string]bool{}
	for _, m := range org.Members {
		ids[m.ID] = true
	}
	teamRoleCount := map[string]int{}
	var over100, over250, empty, memberships int
	for _, tm := range org.Teams {
		if !isID(tm.ID) || tm.Name == "" {
			t.Fatalf("team %q %q", tm.ID, tm.Name)
		}
		switch n := len(tm.Members); {
		case n == 0:
			empty++
		case n > 250:
			over250++
			fallthrough
		case n > 100:
			over100++
		}
		memberships += len(tm.Members)
		admins := 0
		for j, x := range tm.Members {
			if !ids[x.UserID] {
				t.Fatalf("team %s member %s is not an org member", tm.ID, x.UserID)
			}
			if j > 0 && tm.Members[j-1].UserID >= x.UserID {
				t.Fatalf("team %s members not sorted/unique", tm.ID)
			}
			teamRoleCount[x.Role]++
			if x.Role == "admin" {
				admins++
			}
		}
		if len(tm.Members) > 0 && admins == 0 {
			t.Errorf("team %s has no admin", tm.ID)
		}
	}
	for _, r := range teamRoles {
		if r == "team_guest" { // deprecated and off-spec: only with UnknownEnums
			if teamRoleCount[r] != 0 {
				t.Errorf("team role team_guest generated %d times without UnknownEnums", teamRoleCount[r])
			}
			continue
		}
		if teamRoleCount[r] == 0 {
			t.Errorf("team role %s never generated", r)
		}
	}
	if teamRoleCount["member"] < teamRoleCount["admin"] {
		t.Errorf("team roles not mostly member: %v", teamRoleCount)
	}
	avg := float64(memberships) / float64(len(org.Members))
	if over100 < 3 || over250 < 1 || empty < 3 || empty > 8 || avg < 2 || avg > 3 {
		t.Errorf("teams >100: %d, >250: %d, empty: %d, memberships per user %.2f", over100, over250, empty, avg)
	}
}

func TestGenerateSmallAndUnknownEnums(t *testing.T) {
	// Even the smallest orgs the brief names cover every enum.
	org := Generate(GenOptions{Seed: 3, Users: 50, Teams: 5, UnknownEnums: true})
	seen := map[string]bool{}
	for _, m := range org.Members {
		seen["role:"+m.Role] = true
		seen["license:"+m.License] = true
		for _, r := range m.AdminRoles {
			seen["admin:"+r.Name] = true
		}
	}
	for _, tm := range org.Teams {
		for _, x := range tm.Members {
			seen["team:"+x.Role] = true
		}
	}
	for _, want := range []string{"role:organization_future_role", "license:enterprise_plus", "team:owner", "team:team_guest",
		"admin:Compliance Officer (EU) ✓", "role:unknown", "license:unknown", "license:full_trial"} {
		if !seen[want] {
			t.Errorf("%s not generated", want)
		}
	}
	if Generate(GenOptions{Users: 0, Teams: 3}) == nil {
		t.Fatal("empty org")
	}
}

func TestCloneIsDeep(t *testing.T) {
	a := smallOrg()
	b := a.Clone()
	if !reflect.DeepEqual(a, b) {
		t.Fatal("clone differs")
	}
	i := slices.IndexFunc(b.Members, func(m Member) bool { return len(m.AdminRoles) > 0 })
	b.Members[i].AdminRoles[0].Name = "changed"
	b.Teams[0].Members = append(b.Teams[0].Members[:0], TeamMember{UserID: "x"})
	if a.Members[i].AdminRoles[0].Name == "changed" || (len(a.Teams[0].Members) > 0 && a.Teams[0].Members[0].UserID == "x") {
		t.Fatal("clone shares memory with the original")
	}
}

func TestGenerateLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("large generation")
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	org := Generate(GenOptions{Seed: 9, Users: 100000, Teams: 5000})
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	alloc := (after.TotalAlloc - before.TotalAlloc) >> 20
	t.Logf("100k users / 5k teams in %v, %d MiB allocated", took, alloc)
	if len(org.Members) != 100000 || len(org.Teams) != 5000 {
		t.Fatal("wrong sizes")
	}
	// Its time is logged, not asserted (it depends on the machine and its load);
	// allocation is what a regression would show.
	if alloc > 400 {
		t.Errorf("generation allocated %d MiB", alloc)
	}
}
