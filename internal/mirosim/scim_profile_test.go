package mirosim

import (
	"strings"
	"testing"
)

const entPath = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

// profileT is the profile part of a member.
type profileT struct {
	GivenName, FamilyName, DisplayName, Department, EmployeeNumber, CostCenter, ManagerID string
}

func profileOf(m *Member) profileT {
	return profileT{m.GivenName, m.FamilyName, m.DisplayName, m.Department, m.EmployeeNumber, m.CostCenter, m.ManagerID}
}

// TestSCIMPatchProfile covers the profile attributes an ACCOUNT_UPDATE_PROFILE action sends, in the three
// shapes SCIM clients use (a path per attribute, a complex attribute as the path, no path), their idempotence,
// Miro's length limits, and the users SCIM cannot update.
func TestSCIMPatchProfile(t *testing.T) {
	org := adminOrg()
	org.Members = append(org.Members, Member{ID: "3458764500000000050", Email: "ext@agency.example", Active: true,
		Role: roleExternal, License: "free"})
	s := startSim(t, org, Options{})
	const user, admin = "/3458764500000000020", "3458764500000000010"
	want := profileT{GivenName: "Ada", FamilyName: "Lovelace", DisplayName: "Ada L.", Department: "Analytical Engines",
		EmployeeNumber: "E-1815", CostCenter: "CC-42", ManagerID: admin}
	profile := func(u scimUserT) profileT {
		return profileT{GivenName: u.Name.GivenName, FamilyName: u.Name.FamilyName, DisplayName: u.DisplayName,
			Department: u.Enterprise.Department, EmployeeNumber: u.Enterprise.EmployeeNumber,
			CostCenter: u.Enterprise.CostCenter, ManagerID: u.Enterprise.Manager.Value}
	}
	stored := func() profileT { return profileOf(&s.Org().Members[1]) }
	shapes := []struct {
		name string
		body any
	}{
		{"a path per attribute", patch(op("replace", "name.givenName", want.GivenName),
			op("replace", "name.familyName", want.FamilyName), op("replace", "displayName", want.DisplayName),
			op("replace", entPath+":department", want.Department), op("replace", entPath+":employeeNumber", want.EmployeeNumber),
			op("replace", entPath+":costCenter", want.CostCenter), op("replace", entPath+":manager", map[string]string{"value": admin}))},
		{"complex attributes as paths", patch(
			op("replace", "name", map[string]string{"givenName": want.GivenName, "familyName": want.FamilyName}),
			op("add", "displayName", want.DisplayName),
			op("replace", entPath, map[string]any{"department": want.Department, "employeeNumber": want.EmployeeNumber,
				"costCenter": want.CostCenter, "manager": map[string]string{"value": admin}}))},
		{"no path", patch(map[string]any{"op": "replace", "value": map[string]any{
			"name":                  map[string]string{"givenName": want.GivenName, "familyName": want.FamilyName},
			"displayName":           want.DisplayName,
			entPath + ":department": want.Department, entPath + ":employeeNumber": want.EmployeeNumber,
			entPath: map[string]any{"costCenter": want.CostCenter, "manager": map[string]string{"value": admin}}}})},
	}
	for _, sh := range shapes {
		// Reset, then apply twice: the second time changes nothing and succeeds the same way.
		scimStatus(t, s.scim("PATCH", user, patch(op("replace", "name", map[string]string{"givenName": "x", "familyName": "y"}),
			op("replace", "displayName", "x"), op("remove", entPath+":department", nil), op("remove", entPath+":manager", nil),
			op("replace", entPath, map[string]string{"employeeNumber": "0", "costCenter": "0"}))), 200)
		for range 2 {
			r := s.scim("PATCH", user, sh.body)
			scimStatus(t, r, 200)
			var u scimUserT
			r.json(t, &u)
			if got := profile(u); got != want || stored() != want {
				t.Fatalf("%s:\n answer %+v\n stored %+v\n   want %+v", sh.name, got, stored(), want)
			}
		}
	}
	// A sub-attribute not given is left alone.
	scimStatus(t, s.scim("PATCH", user, patch(op("replace", "name", map[string]string{"familyName": "Byron"}))), 200)
	if m := stored(); m.GivenName != want.GivenName || m.FamilyName != "Byron" {
		t.Fatalf("partial name: %+v", m)
	}

	before := stored()
	for _, c := range []struct {
		name string
		op   map[string]any
	}{
		{"display name over 60", op("replace", "displayName", strings.Repeat("é", 61))},
		{"department over 120", op("replace", entPath+":department", strings.Repeat("d", 121))},
		{"employee number over 20", op("replace", entPath, map[string]string{"employeeNumber": strings.Repeat("9", 21)})},
		{"name not an object", op("replace", "name", "Ada")},
		{"department not a string", op("replace", entPath+":department", 7)},
	} {
		r := s.scim("PATCH", user, patch(op("replace", "displayName", "Never"), c.op))
		scimStatus(t, r, 400)
		if stored() != before {
			t.Fatalf("%s: a refused patch changed the user", c.name)
		}
	}
	scimStatus(t, s.scim("PATCH", user, patch(op("replace", "displayName", strings.Repeat("é", 60)))), 200)

	// Guests and external users are not SCIM users; unknown ids are 404 too.
	for _, id := range []string{"/3458764500000000040", "/3458764500000000050", "/42"} {
		scimStatus(t, s.scim("PATCH", id, patch(op("replace", "displayName", "No"))), 404)
	}
}

// TestSCIMCreateProfileLimits: POST applies the same limits; a long value already stored does not block an
// unrelated change.
func TestSCIMCreateProfileLimits(t *testing.T) {
	org := adminOrg()
	org.Members[1].Department = strings.Repeat("d", 130)
	s := startSim(t, org, Options{})
	scimStatus(t, s.scim("POST", "", map[string]any{"userName": "new@example.com", "displayName": strings.Repeat("n", 61)}), 400)
	scimStatus(t, s.scim("POST", "", map[string]any{"userName": "new@example.com", entPath: map[string]string{
		"employeeNumber": strings.Repeat("1", 21)}}), 400)
	scimStatus(t, s.scim("POST", "", map[string]any{"userName": "new@example.com", "displayName": strings.Repeat("n", 60)}), 201)
	scimStatus(t, s.scim("PATCH", "/3458764500000000020", patch(op("replace", "displayName", "Still fine"))), 200)
}
