package connector

import (
	"reflect"
	"testing"

	"github.com/conductorone/baton-miro/pkg/miro"
)

// TestProfileOps maps each argument to its SCIM path and sends only what differs.
func TestProfileOps(t *testing.T) {
	ent := miro.SCIMEnterpriseSchema + ":"
	cur := &miro.SCIMUser{Name: &miro.SCIMName{GivenName: "Ada"}, DisplayName: "Ada",
		Enterprise: &miro.SCIMEntUser{Department: "R&D", Manager: &miro.SCIMManager{Value: "1"}}}
	for _, tc := range []struct {
		name    string
		want    map[string]string
		manager string
		ops     []miro.SCIMPatchOp
	}{
		{"unchanged", map[string]string{"given_name": "Ada", "display_name": "Ada", "department": "R&D"}, "1", nil},
		{"given name", map[string]string{"given_name": "Eve"}, "", []miro.SCIMPatchOp{{Op: "replace", Path: "name.givenName", Value: "Eve"}}},
		{"family name", map[string]string{"family_name": "L"}, "", []miro.SCIMPatchOp{{Op: "replace", Path: "name.familyName", Value: "L"}}},
		{"display name", map[string]string{"display_name": "A"}, "", []miro.SCIMPatchOp{{Op: "replace", Path: "displayName", Value: "A"}}},
		{"department", map[string]string{"department": "Ops"}, "", []miro.SCIMPatchOp{{Op: "replace", Path: ent + "department", Value: "Ops"}}},
		{"employee number", map[string]string{"employee_number": "7"}, "", []miro.SCIMPatchOp{{Op: "replace", Path: ent + "employeeNumber", Value: "7"}}},
		{"cost center", map[string]string{"cost_center": "CC"}, "", []miro.SCIMPatchOp{{Op: "replace", Path: ent + "costCenter", Value: "CC"}}},
		{"manager", nil, "2", []miro.SCIMPatchOp{{Op: "replace", Path: ent + "manager", Value: miro.SCIMManager{Value: "2"}}}},
	} {
		if got := profileOps(cur, tc.want, tc.manager); !reflect.DeepEqual(got, tc.ops) {
			t.Errorf("%s: ops %+v, want %+v", tc.name, got, tc.ops)
		}
	}
	if got := profileOps(&miro.SCIMUser{}, map[string]string{"cost_center": "CC"}, "3"); len(got) != 2 {
		t.Errorf("a user without name or enterprise extension: ops %+v", got)
	}
}
